/*
 * clone_flags: which clone and clone3 requests Linux refuses, and a few
 * it grants, through raw system calls.
 *
 * Every request is made in a forked "prober" child, so that a kernel that
 * wrongly grants one (say a CLONE_VM thread on the prober's own stack)
 * costs that case only; the prober exits with the errno it got.  The
 * granted requests are fork-like (no CLONE_VM), so the new child runs on
 * its own copy of the stack and may use the C library.
 *
 * Linux facts tested (kernel/fork.c's rules):
 *  clone:
 *  - CLONE_THREAD needs CLONE_SIGHAND; CLONE_SIGHAND needs CLONE_VM;
 *  - CLONE_NEWNS or CLONE_NEWUSER together with CLONE_FS;
 *  - CLONE_THREAD with CLONE_NEWPID or CLONE_NEWUSER;
 *  - CLONE_PIDFD with CLONE_PARENT_SETTID (both use the parent_tid
 *    argument in the old clone);
 *  - CLONE_PARENT from init (pid 1, as tests are on xentry): all EINVAL
 *    (a child of init may use CLONE_PARENT: the probers are not init);
 *  - CLONE_PARENT_SETTID and CLONE_CHILD_SETTID store the new pid;
 *    CLONE_FILES shares the descriptor table and CLONE_FS the umask even
 *    without CLONE_VM.
 *  clone3:
 *  - a size below 64 (the first version of struct clone_args) is EINVAL,
 *    above a page E2BIG, and a larger-than-known struct whose extra bytes
 *    are not all zero is E2BIG (zero extra bytes are fine);
 *  - unknown flag bits, CSIGNAL bits in flags, CLONE_DETACHED,
 *    CLONE_SIGHAND with CLONE_CLEAR_SIGHAND, an exit signal above 64 or
 *    with bits above the low 32, CLONE_THREAD/CLONE_PARENT with an exit
 *    signal, a stack without a size or a size without a stack, too many
 *    set_tid entries or set_tid_size without set_tid: all EINVAL; an
 *    unreadable struct is EFAULT;
 *  - clone3 as fork: the child's pid comes back (and in parent_tid with
 *    CLONE_PARENT_SETTID), the child gets 0, exit_signal SIGCHLD makes it
 *    a normal child; CLONE_CLEAR_SIGHAND resets handlers but keeps SIG_IGN.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#define CLONE_CLEAR_SIGHAND_ 0x100000000ULL

struct clone_args_v2 {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size,
		tls, set_tid, set_tid_size, cgroup;
};

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/* Reap pid (any kind of child), SIGKILLing it after 5 s. */
static int reap(pid_t pid)
{
	int st = -1;
	for (int i = 0; i < 1000; i++) {
		long r = SC(SYS_wait4, pid, &st, WNOHANG | __WALL, 0);
		if (r == pid)
			return st;
		if (r < 0)
			return -1;
		sleep_ms(5);
	}
	kill(pid, SIGKILL);
	SC(SYS_wait4, pid, &st, __WALL, 0);
	return st;
}

/*
 * Run one request in a prober; returns the errno it failed with, 0 if it
 * was granted (the new child exits at once), -1 if the prober died.
 */
static int probe(long (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		long r = fn(arg);
		if (r == 0)
			SC(SYS_exit_group, 0);	/* we are a wrongly made child */
		if (r > 0) {
			reap((pid_t)r);
			_exit(0);
		}
		_exit(r < -250 ? 250 : (int)-r);
	}
	int st = reap(pid);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static long do_clone(void *arg)
{
	long flags = *(long *)arg;
	static int ptid;
	return SC(SYS_clone, flags, 0, &ptid, 0, 0);
}

static void expect_clone(long flags, int want, const char *what)
{
	int got = probe(do_clone, &flags);
	if (!ktap_eq(got, want, "clone(%s): %s", what, want ? strerror(want) : "granted"))
		ktap_diag("prober result %d (-1: it died)", got);
}

static struct clone_args_v2 ca;
static size_t ca_size;
static unsigned char big[8192];

static long do_clone3(void *arg)
{
	return SC(SYS_clone3, arg ? arg : (void *)&ca, ca_size);
}

static void expect_clone3(size_t size, int want, const char *fmt)
{
	ca_size = size;
	int got = probe(do_clone3, NULL);
	if (!ktap_eq(got, want, "clone3(%s): %s", fmt, strerror(want)))
		ktap_diag("prober result %d (-1: it died)", got);
}

static void reset_args(void)
{
	memset(&ca, 0, sizeof(ca));
	ca.exit_signal = SIGCHLD;
}

static void test_clone_rules(void)
{
	expect_clone(CLONE_THREAD | CLONE_VM, EINVAL, "CLONE_THREAD without CLONE_SIGHAND");
	expect_clone(CLONE_SIGHAND, EINVAL, "CLONE_SIGHAND without CLONE_VM");
	expect_clone(CLONE_THREAD | CLONE_SIGHAND, EINVAL, "CLONE_THREAD|CLONE_SIGHAND without CLONE_VM");
	expect_clone(CLONE_NEWNS | CLONE_FS | SIGCHLD, EINVAL, "CLONE_NEWNS|CLONE_FS");
	expect_clone(CLONE_NEWUSER | CLONE_FS | SIGCHLD, EINVAL, "CLONE_NEWUSER|CLONE_FS");
	expect_clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWPID, EINVAL,
		     "CLONE_THREAD with CLONE_NEWPID");
	/* A new namespace on its own is valid: Linux grants it to root and
	 * refuses it with EPERM without CAP_SYS_ADMIN (xentry's answer, as
	 * for unshare); never EINVAL. */
	long newuts = CLONE_NEWUTS | SIGCHLD;
	int got = probe(do_clone, &newuts);
	ktap_ok(got == 0 || got == EPERM,
		"clone(CLONE_NEWUTS): granted or EPERM, not a bad-flags error (%d)", got);
	expect_clone(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM | CLONE_NEWUSER, EINVAL,
		     "CLONE_THREAD with CLONE_NEWUSER");
	expect_clone(CLONE_PIDFD | CLONE_PARENT_SETTID | SIGCHLD, EINVAL,
		     "CLONE_PIDFD|CLONE_PARENT_SETTID");
	/* Only init itself is refused (a prober is not init): asked here. */
	if (getpid() == 1) {
		long r = SC(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
		if (r == 0)
			SC(SYS_exit_group, 0);
		ktap_eq(r, -EINVAL, "clone(CLONE_PARENT from init): EINVAL");
	} else
		ktap_skip("not running as init (pid 1)", "clone(CLONE_PARENT from init): EINVAL");
}

static void test_clone_granted(void)
{
	int st;
	/* PARENT_SETTID in the parent, CHILD_SETTID in the child's copy. */
	{
		static int ptid, ctid;
		ptid = ctid = 0;
#ifdef __x86_64__
		long pid = SC(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0,
			      &ptid, &ctid, 0);
#else
		long pid = SC(SYS_clone, CLONE_PARENT_SETTID | CLONE_CHILD_SETTID | SIGCHLD, 0,
			      &ptid, 0, &ctid);
#endif
		if (pid == 0)
			SC(SYS_exit_group, ctid == getpid() ? 0 : 1);
		st = pid > 0 ? reap(pid) : -1;
		if (!ktap_ok(pid > 0 && ptid == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			     "clone(CLONE_PARENT_SETTID|CLONE_CHILD_SETTID): both see the child's pid"))
			ktap_diag("clone %ld, ptid %d, status %#x", pid, ptid, st);
	}
	/* CLONE_FILES without CLONE_VM: the child's close is the parent's. */
	{
		int fd = open("/", O_RDONLY);
		long pid = SC(SYS_clone, CLONE_FILES | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			close(fd);
			SC(SYS_exit_group, 0);
		}
		st = pid > 0 ? reap(pid) : -1;
		int closed = fcntl(fd, F_GETFD) == -1 && errno == EBADF;
		if (!closed)
			close(fd);
		ktap_ok(pid > 0 && fd >= 0 && closed,
			"clone(CLONE_FILES): a descriptor the child closes is closed for the parent");
	}
	/* CLONE_FS without CLONE_VM: the child's umask is the parent's. */
	{
		mode_t old = umask(022);
		long pid = SC(SYS_clone, CLONE_FS | SIGCHLD, 0, 0, 0, 0);
		if (pid == 0) {
			umask(057);
			SC(SYS_exit_group, 0);
		}
		st = pid > 0 ? reap(pid) : -1;
		mode_t now = umask(old);
		ktap_ok(pid > 0 && now == 057, "clone(CLONE_FS): the child's umask() changes the parent's");
	}
}

static void on_usr1(int sig) {}

static void test_clone3(void)
{
	reset_args();
	expect_clone3(32, EINVAL, "size 32, below the first version's 64");
	expect_clone3(63, EINVAL, "size 63");
	expect_clone3(4097, E2BIG, "size above a page");

	/* A bigger struct than any kernel knows: nonzero tail E2BIG. */
	{
		struct clone_args_v2 a;
		memset(&a, 0, sizeof(a));
		a.exit_signal = SIGCHLD;
		memset(big, 0, sizeof(big));
		memcpy(big, &a, sizeof(a));
		big[200] = 1;
		ca_size = 256;
		int got = probe(do_clone3, big);
		ktap_eq(got, E2BIG, "clone3(size 256, a nonzero byte past every known field): E2BIG");
		big[200] = 0;
		got = probe(do_clone3, big);
		ktap_eq(got, 0, "clone3(size 256, zeros past the known fields): granted");
	}

	reset_args();
	ca.flags = 1ULL << 62;
	expect_clone3(64, EINVAL, "an unknown flag bit");
	reset_args();
	ca.flags = SIGCHLD;
	expect_clone3(64, EINVAL, "CSIGNAL bits in flags");
	reset_args();
	ca.flags = 0x00400000;	/* CLONE_DETACHED */
	expect_clone3(64, EINVAL, "CLONE_DETACHED");
	reset_args();
	ca.flags = CLONE_SIGHAND | CLONE_VM | CLONE_CLEAR_SIGHAND_;
	expect_clone3(64, EINVAL, "CLONE_SIGHAND|CLONE_CLEAR_SIGHAND");
	reset_args();
	ca.exit_signal = 65;
	expect_clone3(64, EINVAL, "exit_signal 65");
	reset_args();
	ca.exit_signal = (1ULL << 32) | SIGCHLD;
	expect_clone3(64, EINVAL, "exit_signal with bit 32 set");
	reset_args();
	ca.flags = CLONE_THREAD | CLONE_SIGHAND | CLONE_VM;
	expect_clone3(64, EINVAL, "CLONE_THREAD with exit_signal SIGCHLD");
	reset_args();
	ca.flags = CLONE_PARENT;
	expect_clone3(64, EINVAL, "CLONE_PARENT with exit_signal SIGCHLD");
	reset_args();
	ca.stack_size = 4096;
	expect_clone3(64, EINVAL, "a stack size without a stack");
	reset_args();
	ca.stack = (uintptr_t)big;
	expect_clone3(64, EINVAL, "a stack without a size");
	reset_args();
	ca.set_tid_size = 33;
	ca.set_tid = (uintptr_t)big;
	expect_clone3(88, EINVAL, "set_tid_size 33");
	reset_args();
	ca.set_tid_size = 1;
	expect_clone3(88, EINVAL, "set_tid_size 1 without set_tid");
	{
		ca_size = 64;
		int got = probe(do_clone3, (void *)16);
		ktap_eq(got, EFAULT, "clone3 with an unreadable struct: EFAULT");
	}

	/* clone3 as fork. */
	{
		static int ptid;
		int st;
		reset_args();
		ptid = 0;
		ca.flags = CLONE_PARENT_SETTID;
		ca.parent_tid = (uintptr_t)&ptid;
		pid_t me = getpid();
		long pid = SC(SYS_clone3, &ca, 64);
		if (pid == 0)
			SC(SYS_exit_group, getppid() == me ? 3 : 4);
		st = -1;
		long r = pid > 0 ? SC(SYS_wait4, pid, &st, 0, 0) : -1;
		if (!ktap_ok(pid > 0 && r == pid && ptid == pid && WIFEXITED(st) &&
				     WEXITSTATUS(st) == 3,
			     "clone3 as fork (exit_signal SIGCHLD, CLONE_PARENT_SETTID): "
			     "pid returned and stored, the child gets 0, plain wait reaps it"))
			ktap_diag("clone3 %ld, ptid %d, wait %ld status %#x", pid, ptid, r, st);
	}
	{
		int st = -1;
		signal(SIGUSR1, on_usr1);
		signal(SIGUSR2, SIG_IGN);
		reset_args();
		ca.flags = CLONE_CLEAR_SIGHAND_;
		long pid = SC(SYS_clone3, &ca, 64);
		if (pid == 0) {
			struct sigaction a, b;
			sigaction(SIGUSR1, NULL, &a);
			sigaction(SIGUSR2, NULL, &b);
			SC(SYS_exit_group, a.sa_handler == SIG_DFL && b.sa_handler == SIG_IGN ? 0 : 1);
		}
		if (pid > 0)
			SC(SYS_wait4, pid, &st, 0, 0);
		signal(SIGUSR1, SIG_DFL);
		signal(SIGUSR2, SIG_DFL);
		ktap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"clone3(CLONE_CLEAR_SIGHAND): the child's handlers are SIG_DFL, SIG_IGN stays");
	}
}

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(33);
	test_clone_rules();
	test_clone_granted();
	test_clone3();
	return ktap_finish();
}
