/*
 * fork_wait: process creation, exit status encoding and the wait family.
 *
 * Linux facts tested:
 *  - wait status: exit(n) gives WIFEXITED with WEXITSTATUS == n & 0xff;
 *    death by signal s gives WIFSIGNALED with WTERMSIG == s.
 *  - exit (60/1) and exit_group (231/252) both end a single-threaded
 *    process with the given status.
 *  - fork gives the child a copy-on-write copy of memory and inherited
 *    descriptors; getppid() in the child is the parent's pid; the pid
 *    fork() returns is the child's getpid().
 *  - vfork shares memory and suspends the parent until the child exits or
 *    execs.
 *  - execve passes argv and envp exactly and closes O_CLOEXEC descriptors.
 *  - wait4(pid) waits for that child only; WNOHANG returns 0 while a child
 *    still runs; with no (matching) children the answer is ECHILD.
 *  - waitid(P_PID, WEXITED) fills si_signo = SIGCHLD, si_pid, si_status
 *    and si_code = CLD_EXITED or CLD_KILLED.
 *  - SIGKILL kills a child both while it blocks in a syscall and while it
 *    spins in user mode.
 */
#include "ktap.h"
#include "sys.h"
#include <fcntl.h>
#include <stdlib.h>

extern char **environ;

static char *const child_argv_tail[] = { "two words", "", "last" };
static char *const child_envp[] = { "XENTRY_A=1", "XENTRY_B=with space", NULL };

/* Mode "exec-child": verify our argv/envp/fds exactly; exit 0 if right. */
static int exec_child(int argc, char **argv)
{
	if (argc != 7)
		return 1;
	for (int i = 0; i < 3; i++)
		if (strcmp(argv[2 + i], child_argv_tail[i]) != 0)
			return 2;
	int n = 0;
	for (char **e = environ; *e; e++, n++)
		if (n >= 2 || strcmp(*e, child_envp[n]) != 0)
			return 3;
	if (n != 2)
		return 4;
	/* argv[5]: an O_CLOEXEC fd (must be closed); argv[6]: a plain one. */
	if (fcntl(atoi(argv[5]), F_GETFD) != -1 || errno != EBADF)
		return 5;
	if (fcntl(atoi(argv[6]), F_GETFD) != 0)
		return 6;
	return 0;
}

static int exit_status_of(int st, int code)
{
	return WIFEXITED(st) && WEXITSTATUS(st) == code;
}

/* ok/not ok with a diagnostic describing the child's wait status. */
static void check(int ok, int st, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	ktap_vok(ok, fmt, ap);
	va_end(ap);
	if (!ok)
		ktap_diag("child %s", status_str(st, buf, sizeof(buf)));
}

/* fork, child calls raw syscall `nr`(code); parent returns the status. */
static int child_exit_via(long nr, long code)
{
	int st = -1;
	pid_t pid = fork();
	if (pid == 0) {
		SC(nr, code);
		_exit(99); /* not reached */
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

static volatile int shared;
static int cow_global = 1;

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "exec-child") == 0)
		return exec_child(argc, argv);
	if (argc > 1 && strcmp(argv[1], "vfork-child") == 0)
		return 33;

	const char *self = argv[0];
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	pid_t me = getpid();
	int st;
	ktap_plan(26);

	/* No children yet: wait4(-1) must say ECHILD, with or without WNOHANG. */
	ktap_eq(SC(SYS_wait4, -1, &st, 0, 0), -ECHILD,
		"wait4(-1) without children: ECHILD");
	ktap_eq(SC(SYS_wait4, -1, &st, WNOHANG, 0), -ECHILD,
		"wait4(-1, WNOHANG) without children: ECHILD (not 0)");

	/* exit codes: only the low 8 bits survive. */
	static const int codes[] = { 0, 1, 42, 127, 128, 255 };
	for (int i = 0; i < 6; i++) {
		st = child_exit_via(SYS_exit_group, codes[i]);
		check(exit_status_of(st, codes[i]), st,
		      "exit_group(%d): WIFEXITED, WEXITSTATUS %d", codes[i],
		      codes[i]);
	}
	st = child_exit_via(SYS_exit_group, 256 + 7);
	check(exit_status_of(st, 7), st, "exit_group(263): WEXITSTATUS 7 (low 8 bits)");
	st = child_exit_via(SYS_exit, 21);
	check(exit_status_of(st, 21), st, "raw exit(21) of a single-threaded child: status 21");
	st = child_exit_via(SYS_exit_group, -1);
	check(exit_status_of(st, 255), st, "exit_group(-1): WEXITSTATUS 255");

	/* getppid/getpid seen by the child, sent back over a pipe. */
	{
		int p[2];
		long ids[2] = { 0, 0 };
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			long mine[2] = { getppid(), getpid() };
			write(p[1], mine, sizeof(mine));
			_exit(0);
		}
		close(p[1]);
		read(p[0], ids, sizeof(ids));
		close(p[0]);
		waitpid(pid, &st, 0);
		ktap_eq(ids[0], me, "getppid() in the child is the parent's pid");
		ktap_ok(ids[1] == pid && pid != me,
			"child's getpid() is fork's return value and differs from the parent's");
	}

	/* Copy-on-write: the child's writes are invisible to the parent. */
	{
		int cow_stack = 2;
		pid_t pid = fork();
		if (pid == 0) {
			int saw = cow_global == 1 && cow_stack == 2;
			cow_global = 100;
			cow_stack = 200;
			_exit(saw ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		ktap_ok(exit_status_of(st, 0) && cow_global == 1 && cow_stack == 2,
			"fork copies memory: child sees old values, parent never sees child's writes");
	}

	/* vfork: same memory, parent held until the child exits. */
	{
		shared = 0;
		pid_t pid = vfork();
		if (pid == 0) {
			struct { long sec, nsec; } ts = { 0, 20 * 1000 * 1000 };
			shared = 1;
			SC(SYS_nanosleep, &ts, 0);
			shared = 2;
			_exit(3);
		}
		int seen = shared;
		waitpid(pid, &st, 0);
		ktap_ok(seen == 2 && exit_status_of(st, 3),
			"vfork: parent resumes after the child's _exit and sees its writes");
		if (seen != 2)
			ktap_diag("parent saw shared == %d", seen);
	}

	/* vfork + execve: the child runs the new image, parent continues. */
	{
		char *av[] = { (char *)self, "vfork-child", NULL };
		pid_t pid = vfork();
		if (pid == 0) {
			execve(self, av, environ);
			_exit(98);
		}
		waitpid(pid, &st, 0);
		check(exit_status_of(st, 33), st, "vfork + execve: child program exits 33");
	}

	/* fork + execve: argv, envp and close-on-exec, checked by the child. */
	{
		int cfd = open(self, O_RDONLY | O_CLOEXEC);
		int kfd = open(self, O_RDONLY);
		char a5[16], a6[16];
		snprintf(a5, sizeof(a5), "%d", cfd);
		snprintf(a6, sizeof(a6), "%d", kfd);
		char *av[] = { (char *)self, "exec-child", child_argv_tail[0],
			       child_argv_tail[1], child_argv_tail[2], a5, a6, NULL };
		pid_t pid = fork();
		if (pid == 0) {
			execve(self, av, child_envp);
			_exit(97);
		}
		waitpid(pid, &st, 0);
		close(cfd);
		close(kfd);
		check(exit_status_of(st, 0), st,
		      "fork + execve(argv[0]): argv, envp and O_CLOEXEC arrive intact");
	}

	/* execve failure in a child: the child keeps running. */
	{
		pid_t pid = fork();
		if (pid == 0) {
			char *av[] = { "nope", NULL };
			long r = SC(SYS_execve, "/nonexistent-xentry", av, av + 1);
			_exit(r == -ENOENT ? 0 : 1);
		}
		waitpid(pid, &st, 0);
		check(exit_status_of(st, 0), st, "failed execve returns ENOENT to the child");
	}

	/* wait4 with a specific pid picks that child, whatever order. */
	{
		pid_t a = fork();
		if (a == 0)
			_exit(11);
		pid_t b = fork();
		if (b == 0)
			_exit(22);
		int sb = -1, sa = -1;
		long rb = SC(SYS_wait4, b, &sb, 0, 0);
		long ra = SC(SYS_wait4, a, &sa, 0, 0);
		ktap_ok(rb == b && exit_status_of(sb, 22) && ra == a &&
			exit_status_of(sa, 11),
			"wait4(pid) reaps exactly that child");
	}

	/* wait4(-1) collects every child once. */
	{
		pid_t kids[3];
		int seen = 0;
		for (int i = 0; i < 3; i++)
			if ((kids[i] = fork()) == 0)
				_exit(50 + i);
		for (int n = 0; n < 3; n++) {
			long r = SC(SYS_wait4, -1, &st, 0, 0);
			for (int i = 0; i < 3; i++)
				if (r == kids[i] && exit_status_of(st, 50 + i))
					seen |= 1 << i;
		}
		ktap_ok(seen == 7 && SC(SYS_wait4, -1, &st, 0, 0) == -ECHILD,
			"wait4(-1) returns each of three children, then ECHILD");
	}

	ktap_eq(SC(SYS_wait4, me, &st, 0, 0), -ECHILD,
		"wait4 on our own pid (not a child): ECHILD");

	/* WNOHANG while the child is blocked reading a pipe. */
	{
		int p[2];
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			_exit(read(p[0], &c, 1) == 0 ? 5 : 6);
		}
		close(p[0]);
		long r = SC(SYS_wait4, pid, &st, WNOHANG, 0);
		close(p[1]); /* EOF lets the child finish */
		long r2 = SC(SYS_wait4, pid, &st, 0, 0);
		ktap_ok(r == 0 && r2 == pid && exit_status_of(st, 5),
			"wait4(WNOHANG) returns 0 while the child runs, then the child exits 5");
		if (r != 0)
			ktap_diag("WNOHANG wait4 returned %ld", r);
	}

	/* waitid: siginfo of an exited child. */
	{
		pid_t pid = fork();
		if (pid == 0)
			_exit(77);
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		long r = SC(SYS_waitid, P_PID, pid, &si, WEXITED, 0);
		ktap_ok(r == 0 && si.si_signo == SIGCHLD && si.si_pid == pid &&
			si.si_status == 77 && si.si_code == CLD_EXITED &&
			si.si_uid == getuid(),
			"waitid(P_PID, WEXITED): si_signo SIGCHLD, si_pid, si_uid, si_status 77, CLD_EXITED");
		if (r != 0 || si.si_pid != pid)
			ktap_diag("r=%ld signo=%d code=%d pid=%d status=%d", r,
				  si.si_signo, si.si_code, (int)si.si_pid,
				  si.si_status);
	}

	/* SIGKILL while blocked in read(). */
	{
		int p[2];
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			read(p[0], &c, 1); /* the parent never writes */
			_exit(0);
		}
		struct { long sec, nsec; } ts = { 0, 10 * 1000 * 1000 };
		SC(SYS_nanosleep, &ts, 0); /* let it block (either order is fine) */
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		close(p[0]);
		close(p[1]);
		check(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, st,
		      "kill(SIGKILL) of a child blocked in read: WTERMSIG 9");
	}

	/* SIGKILL while spinning in user mode; waitid reports CLD_KILLED. */
	{
		int p[2];
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			write(p[1], "x", 1);
			for (volatile unsigned long i = 0;; i++)
				;
		}
		char c;
		read(p[0], &c, 1);
		kill(pid, SIGKILL);
		siginfo_t si;
		memset(&si, 0, sizeof(si));
		long r = SC(SYS_waitid, P_PID, pid, &si, WEXITED, 0);
		close(p[0]);
		close(p[1]);
		ktap_ok(r == 0 && si.si_pid == pid && si.si_code == CLD_KILLED &&
			si.si_status == SIGKILL,
			"kill(SIGKILL) of a spinning child: waitid says CLD_KILLED, status 9");
		if (!(r == 0 && si.si_code == CLD_KILLED))
			ktap_diag("r=%ld code=%d status=%d", r, si.si_code,
				  si.si_status);
	}

	/* Raw clone(SIGCHLD) with no new stack behaves like fork. */
	{
		long pid = SC(SYS_clone, SIGCHLD, 0, 0, 0, 0);
		if (pid == 0)
			SC(SYS_exit_group, getppid() == me ? 12 : 13);
		st = -1;
		if (pid > 0)
			waitpid(pid, &st, 0);
		check(pid > 0 && exit_status_of(st, 12), st,
		      "raw clone(SIGCHLD) acts as fork (child sees parent, exits 12)");
	}

	return ktap_finish();
}
