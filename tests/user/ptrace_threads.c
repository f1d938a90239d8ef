/*
 * ptrace_threads: a tracer and a multi-threaded tracee (issue 10).
 *
 * Linux facts tested (wait statuses as wait4 returns them):
 *  - PTRACE_O_TRACECLONE and pthread_create: the creating thread reports
 *    status>>8 == SIGTRAP | PTRACE_EVENT_CLONE << 8, GETEVENTMSG = the new
 *    thread's tid (the gettid() the thread itself sees);
 *  - the new thread is traced from birth: after TRACEME/ATTACH its first
 *    report is a SIGSTOP stop (0x137f); under SEIZE it is a
 *    PTRACE_EVENT_STOP (0x80057f);
 *  - wait4(tid, __WALL) reports the thread; so does wait4(tid, 0): since
 *    Linux 4.7 a tracee is waited for as if __WALL were given, thread or
 *    not (eligible_child);
 *  - GETREGS of the new thread: its own stack pointer (just above what the
 *    thread later sees as a local's address) and its own TLS base (x86-64:
 *    fs_base = the thread's pthread_self(); i386: the same gs selector,
 *    and PTRACE_GET_THREAD_AREA of it gives the thread's own base), both
 *    different from the leader's;
 *  - PTRACE_O_TRACEEXIT (inherited through TRACECLONE) stops the thread in
 *    pthread_exit with GETEVENTMSG = 0, then wait4(tid, __WALL) reports
 *    WIFEXITED 0 while the leader still runs; the tid is then gone (ECHILD);
 *    (the leader waits for the tracer's go before its exit: a thread
 *    zombie reaped after the group's exit_group reports the group's code);
 *    the leader's exit(23) gives an exit stop with 23 << 8, then exit 23;
 *  - execve from a thread that is not the leader (TRACEEXEC): the other
 *    non-leader thread reports death as WIFEXITED 0 (the status de_thread's
 *    kill gives: do_group_exit uses 0 while an exec is in progress), the
 *    leader's death is not reported, the exec stop comes under the process
 *    id with GETEVENTMSG = the former tid, which is then gone (ECHILD), and
 *    the new image runs to its exit.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "ptrace_util.h"
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#define REQ_GET_THREAD_AREA 25

#define ST_SIGSTOP (SIGSTOP << 8 | 0x7f)
#define ST_EVENT(e) ((SIGTRAP | (e) << 8) << 8 | 0x7f)

/* ------------------------------------------------------------------ */
/* Tracee side.  The tracer reads these with PEEKDATA (fork keeps the  */
/* addresses).                                                         */

volatile unsigned long th_tid, th_self, th_local, leader_self;

static void *thread_fn(void *a)
{
	volatile int local = 1;
	th_local = (unsigned long)&local;
	th_self = (unsigned long)pthread_self();
	th_tid = (unsigned long)SC(SYS_gettid);
	return a;
}

static void *sleeper_fn(void *a)
{
	for (;;)
		pause();
	return a;
}

static void *exec_fn(void *a)
{
	char *argv[] = { self_path, "--exit", "5", NULL };
	th_tid = (unsigned long)SC(SYS_gettid);
	execv(self_path, argv);
	SC(SYS_exit_group, 93);
	return a;
}

enum { M_THREAD, M_EXEC };

/* M_THREAD: after the join, wait for the tracer's go (a byte on rfd):
 * an exit_group before the tracer reaped the thread would make Linux
 * report the thread's status as the group's (wait_task_zombie). */
static int tracee_main(int mode, int rfd)
{
	pthread_t t, s;
	char c;
	leader_self = (unsigned long)pthread_self();
	if (mode == M_THREAD) {
		if (pthread_create(&t, NULL, thread_fn, NULL) != 0)
			return 90;
		pthread_join(t, NULL);
		if (read(rfd, &c, 1) != 1)
			return 95;
		return 23;
	}
	if (pthread_create(&s, NULL, sleeper_fn, NULL) != 0 ||
	    pthread_create(&t, NULL, exec_fn, NULL) != 0)
		return 90;
	pthread_join(t, NULL);
	return 94;
}

/* ------------------------------------------------------------------ */
/* Tracer side.                                                        */

typedef struct user_regs_struct regs_t;
#ifdef __x86_64__
#define R_SP(r) ((unsigned long)(r).rsp)
#else
#define R_SP(r) ((unsigned long)(r).esp)
#endif

static long pt(long req, pid_t pid, unsigned long addr, unsigned long data)
{
	return SC(SYS_ptrace, req, pid, addr, data);
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Raw wait4 with a deadline: the pid, -errno, or -1000 if nothing came. */
static long wait_for(pid_t pid, int *st, int flags, int ms)
{
	*st = -1;
	for (int i = 0; i < ms; i++) {
		long r = SC(SYS_wait4, pid, st, flags | WNOHANG, 0);
		if (r != 0)
			return r;
		sleep_ms(1);
	}
	return -1000;
}

/* Next report of pid is a stop with status `want`. */
static int expect(pid_t pid, int flags, int want, const char *what)
{
	int st;
	long r = wait_for(pid, &st, flags, 3000);
	if (r == pid && st == want)
		return 1;
	if (r == pid)
		ktap_diag("%s: %s, want status %#x", what, st_str(st), want);
	else if (r == -1000)
		ktap_diag("%s: nothing reported within 3 s", what);
	else
		ktap_diag("%s: wait4 returned %ld", what, r);
	return 0;
}

/* Next report of pid is an exit with code `code`. */
static int expect_exit(pid_t pid, int code, const char *what)
{
	int st;
	long r = wait_for(pid, &st, __WALL, 3000);
	if (r == pid && WIFEXITED(st) && WEXITSTATUS(st) == code)
		return 1;
	if (r == pid)
		ktap_diag("%s: %s, want exit %d", what, st_str(st), code);
	else
		ktap_diag("%s: wait4 returned %ld", what, r);
	return 0;
}

static unsigned long eventmsg(pid_t pid)
{
	unsigned long m = ~0UL;
	long r = pt(PTRACE_GETEVENTMSG, pid, 0, (unsigned long)&m);
	if (r != 0)
		ktap_diag("GETEVENTMSG(%d): %ld", pid, r);
	return m;
}

static unsigned long peek(pid_t pid, volatile unsigned long *addr)
{
	unsigned long v = ~0UL;
	long r = pt(PTRACE_PEEKDATA, pid, (unsigned long)addr, (unsigned long)&v);
	if (r != 0)
		ktap_diag("PEEKDATA(%d, %p): %ld", pid, (void *)addr, r);
	return v;
}

static int getregs(pid_t pid, regs_t *r)
{
	memset(r, 0, sizeof(*r));
	long e = pt(PTRACE_GETREGS, pid, 0, (unsigned long)r);
	if (e != 0)
		ktap_diag("GETREGS(%d): %ld", pid, e);
	return e == 0;
}

static void kill_all(pid_t pid)
{
	int st;
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	/* Reap the process and any thread of it we still trace. */
	for (int i = 0; i < 100; i++) {
		long r = wait_for(-1, &st, __WALL, 200);
		if (r < 0)
			break;
	}
}

/* The thread's TLS base as the tracer sees it, or ~0. */
static unsigned long tls_base(pid_t pid, const regs_t *r)
{
#ifdef __x86_64__
	(void)pid;
	return r->fs_base;
#else
	uint32_t ud[4] = { 0, 0, 0, 0 };
	long e = pt(REQ_GET_THREAD_AREA, pid, (unsigned long)(r->xgs >> 3),
		    (unsigned long)ud);
	if (e != 0) {
		ktap_diag("PTRACE_GET_THREAD_AREA(%d, %lu): %ld", pid,
			  (unsigned long)(r->xgs >> 3), e);
		return ~0UL;
	}
	return ud[1];
#endif
}

/*
 * TRACECLONE on a pthread_create.  seize = 0: TRACEME + SIGSTOP, options
 * TRACECLONE | TRACEEXIT, the thread is waited for with __WALL.  seize = 1:
 * PTRACE_SEIZE with TRACECLONE, the thread is waited for with options 0.
 */
static void t_clone(int seize)
{
	const char *how = seize ? "SEIZE" : "TRACEME";
	int ok_event = 0, ok_first = 0, ok_sp = 0, ok_tls = 0, ok_exitev = 0,
	    ok_texit = 0, ok_gone = 0, ok_lexit = 0;
	int p[2] = { -1, -1 };
	pid_t tid = -1;
	regs_t lr, tr;
	unsigned long t_tls = 0, l_tls = 0;
	if (pipe(p) != 0)
		goto report;
	pid_t pid = fork();
	if (pid < 0)
		goto report;
	if (pid == 0) {
		char c;
		close(p[1]);
		if (!seize) {
			if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
				_exit(91);
			SC(SYS_kill, SC(SYS_getpid), SIGSTOP);
		} else if (read(p[0], &c, 1) != 1) {
			_exit(92);
		}
		_exit(tracee_main(M_THREAD, p[0]));
	}
	close(p[0]);
	if (!seize) {
		if (!expect(pid, __WALL, ST_SIGSTOP, "tracee's SIGSTOP") ||
		    pt(PTRACE_SETOPTIONS, pid, 0,
		       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXIT) != 0 ||
		    pt(PTRACE_CONT, pid, 0, 0) != 0)
			goto lost;
	} else {
		long e = pt(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACECLONE);
		if (e != 0) {
			ktap_diag("SEIZE: %ld", e);
			goto lost;
		}
		if (write(p[1], "g", 1) != 1)
			goto lost;
	}

	/* The clone event of the leader. */
	if (!expect(pid, __WALL, ST_EVENT(PTRACE_EVENT_CLONE), "clone event"))
		goto lost;
	tid = (pid_t)eventmsg(pid);
	ok_event = tid > 0 && tid != pid;
	if (!ok_event)
		ktap_diag("eventmsg %d (pid %d)", tid, pid);
	if (!getregs(pid, &lr))
		goto lost;
	l_tls = tls_base(pid, &lr);

	/* The new thread's first stop. */
	if (!seize)
		ok_first = expect(tid, __WALL, ST_SIGSTOP, "thread's first stop (__WALL)");
	else
		ok_first = expect(tid, 0, ST_EVENT(PTRACE_EVENT_STOP),
				  "thread's first stop (options 0)");
	if (!ok_first || !getregs(tid, &tr))
		goto lost;
	t_tls = tls_base(tid, &tr);
	if (pt(PTRACE_CONT, tid, 0, 0) != 0 || pt(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;

	/* The thread's exit: an exit stop first under TRACEEXIT. */
	if (!seize) {
		if (!expect(tid, __WALL, ST_EVENT(PTRACE_EVENT_EXIT), "thread's exit stop"))
			goto lost;
		unsigned long m = eventmsg(tid);
		ok_exitev = m == 0;
		if (!ok_exitev)
			ktap_diag("exit stop eventmsg %#lx, want 0", m);
		/* What the thread saw of itself, read while it is stopped. */
		unsigned long self = peek(tid, &th_self),
			      local = peek(tid, &th_local),
			      stid = peek(tid, &th_tid),
			      lself = peek(tid, &leader_self);
		ok_sp = R_SP(tr) != R_SP(lr) && R_SP(tr) > local &&
			R_SP(tr) - local < 65536;
		if (!ok_sp)
			ktap_diag("thread sp %#lx, leader sp %#lx, thread's local at %#lx",
				  R_SP(tr), R_SP(lr), local);
#ifdef __x86_64__
		ok_tls = t_tls == self && l_tls == lself && t_tls != l_tls;
#else
		ok_tls = t_tls == (uint32_t)self && l_tls == (uint32_t)lself &&
			 t_tls != l_tls && tr.xgs == lr.xgs && tr.xgs != 0;
		if (!ok_tls)
			ktap_diag("gs %#lx / %#lx", (unsigned long)tr.xgs,
				  (unsigned long)lr.xgs);
#endif
		if (!ok_tls)
			ktap_diag("thread TLS base %#lx (its pthread_self %#lx), leader %#lx (%#lx)",
				  t_tls, self, l_tls, lself);
		if (stid != (unsigned long)tid) {
			ktap_diag("thread's gettid %lu, eventmsg %d", stid, tid);
			ok_event = 0;
		}
		if (pt(PTRACE_CONT, tid, 0, 0) != 0)
			goto lost;
	}
	ok_texit = expect_exit(tid, 0, "thread's exit");
	if (!ok_texit)
		goto lost;
	int st;
	long r = SC(SYS_wait4, tid, &st, __WALL | WNOHANG, 0);
	ok_gone = r == -ECHILD;
	if (!ok_gone)
		ktap_diag("wait4(reaped tid) = %ld, want -ECHILD", r);
	/* Only now may the leader go on to exit(23). */
	if (write(p[1], "g", 1) != 1)
		goto lost;
	if (!seize) {
		if (!expect(pid, __WALL, ST_EVENT(PTRACE_EVENT_EXIT), "leader's exit stop"))
			goto lost;
		unsigned long m = eventmsg(pid);
		if (m != 23 << 8)
			ktap_diag("leader's exit stop eventmsg %#lx, want %#x", m, 23 << 8);
		if (pt(PTRACE_CONT, pid, 0, 0) != 0)
			goto lost;
		ok_lexit = expect_exit(pid, 23, "leader's exit") && m == 23 << 8;
	} else {
		ok_lexit = expect_exit(pid, 23, "leader's exit");
	}
	goto report;
lost:
	kill_all(pid);
report:
	if (p[1] >= 0)
		close(p[1]);
	ktap_ok(ok_event, "%s: pthread_create gives a clone event, eventmsg = the new tid", how);
	if (!seize)
		ktap_ok(ok_first, "%s: the new thread's first report is SIGSTOP, seen by wait4(tid, __WALL)", how);
	else
		ktap_ok(ok_first, "%s: the new thread's first report is PTRACE_EVENT_STOP, seen by wait4(tid, 0)", how);
	if (!seize) {
		ktap_ok(ok_sp, "%s: GETREGS: the thread's sp is its own stack, not the leader's", how);
		ktap_ok(ok_tls, "%s: the thread's TLS base is its pthread_self, not the leader's", how);
		ktap_ok(ok_exitev, "%s: TRACEEXIT: the thread stops in its exit, eventmsg 0", how);
	}
	ktap_ok(ok_texit, "%s: the thread's exit is reported to the tracer: WIFEXITED 0", how);
	ktap_ok(ok_gone, "%s: after that the tid is gone (ECHILD)", how);
	ktap_ok(ok_lexit, "%s: the leader exits 23%s", how,
		seize ? "" : " (after an exit stop with eventmsg 23 << 8)");
}

/* execve from a thread that is not the leader, with a third thread. */
static void t_exec_thread(void)
{
	int ok_other = 0, ok_event = 0, ok_msg = 0, ok_gone = 0, ok_end = 0;
	pid_t pid = fork(), sl = -1, ex = -1;
	if (pid < 0)
		goto report;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		SC(SYS_kill, SC(SYS_getpid), SIGSTOP);
		_exit(tracee_main(M_EXEC, -1));
	}
	if (!expect(pid, __WALL, ST_SIGSTOP, "tracee's SIGSTOP") ||
	    pt(PTRACE_SETOPTIONS, pid, 0,
	       PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC) != 0 ||
	    pt(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	/* Two clone events: the sleeper, then the execer. */
	if (!expect(pid, __WALL, ST_EVENT(PTRACE_EVENT_CLONE), "first clone event"))
		goto lost;
	sl = (pid_t)eventmsg(pid);
	if (!expect(sl, __WALL, ST_SIGSTOP, "sleeper's SIGSTOP") ||
	    pt(PTRACE_CONT, sl, 0, 0) != 0 || pt(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	if (!expect(pid, __WALL, ST_EVENT(PTRACE_EVENT_CLONE), "second clone event"))
		goto lost;
	ex = (pid_t)eventmsg(pid);
	if (!expect(ex, __WALL, ST_SIGSTOP, "execer's SIGSTOP") ||
	    pt(PTRACE_CONT, ex, 0, 0) != 0 || pt(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;

	/* The sleeper dies in the exec; the exec stop comes as the pid. */
	ok_other = expect_exit(sl, 0, "the other thread, killed by the exec");
	ok_event = expect(pid, __WALL, ST_EVENT(PTRACE_EVENT_EXEC), "exec stop under the pid");
	if (!ok_event)
		goto lost;
	unsigned long m = eventmsg(pid);
	ok_msg = m == (unsigned long)ex;
	if (!ok_msg)
		ktap_diag("exec eventmsg %lu, execing thread's tid %d, pid %d", m, ex, pid);
	int st;
	long r = SC(SYS_wait4, ex, &st, __WALL | WNOHANG, 0);
	ok_gone = r == -ECHILD;
	if (!ok_gone)
		ktap_diag("wait4(former tid %d) = %ld (%s), want -ECHILD", ex, r,
			  r > 0 ? st_str(st) : "-");
	if (pt(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	/* Nothing else (no report of the old leader) before the new image's exit. */
	r = wait_for(-1, &st, __WALL, 3000);
	ok_end = r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 5;
	if (!ok_end)
		ktap_diag("wait4(-1) = %ld: %s, want pid %d exit 5", r,
			  r > 0 ? st_str(st) : "-", pid);
	if (ok_end)
		goto report;
lost:
	kill_all(pid);
report:
	ktap_ok(ok_other, "exec from a thread: the other non-leader thread reports WIFEXITED 0");
	ktap_ok(ok_event, "exec from a thread: PTRACE_EVENT_EXEC is reported under the process id");
	ktap_ok(ok_msg, "exec from a thread: GETEVENTMSG is the execing thread's former tid");
	ktap_ok(ok_gone, "exec from a thread: the former tid is gone (ECHILD)");
	ktap_ok(ok_end, "exec from a thread: the leader's death is not reported; the new image exits 5");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--exit") == 0)
		return atoi(argv[2]);
	no_core_dumps();
	default_signals();
	alarm(60);
	find_paths(argv[0]);
	ktap_plan(8 + 5 + 5);
	t_clone(0);
	t_clone(1);
	t_exec_thread();
	return ktap_finish();
}
