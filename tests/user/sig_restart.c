/*
 * sig_restart: what a signal does to a system call that is blocked.
 *
 * Linux facts tested, on every way into the kernel this ABI has (glibc,
 * which on i386 is the vDSO's __kernel_vsyscall; raw int $0x80; raw
 * syscall; and int $0x80 from 64-bit code with i386 numbers):
 *  - read on an empty pipe and wait4 return -ERESTARTSYS inside the kernel:
 *    a handler with SA_RESTART makes the call start again invisibly (it
 *    returns the data / the child); without SA_RESTART it fails with EINTR.
 *  - nanosleep returns -ERESTART_RESTARTBLOCK: a handler makes it fail with
 *    EINTR and write the time left, which is > 0 and < the request.
 *  - pause and rt_sigsuspend return -ERESTARTNOHAND: after a handler they
 *    fail with EINTR even with SA_RESTART - they never restart.
 *  - a signal that is ignored (SIG_IGN, or SIGCHLD/SIGWINCH at SIG_DFL) is
 *    discarded when sent, and a blocked one stays pending: the read goes on
 *    blocking until the data comes.
 *  - a stop and continue (no handler runs) restarts read, and continues
 *    nanosleep through restart_syscall (i386 number 0, x86-64 219) for the
 *    time that was left: it returns 0 after the full time.
 *
 * The signal comes from a forked helper after a short sleep, so the parent
 * is already asleep in the kernel when it arrives.
 */
#include "ktap.h"
#include "sys.h"
#include <time.h>

#define DELAY_MS 100

/* How the blocking call enters the kernel. */
enum path { P_LIBC, P_RAW, P_INT80_64 };
#ifdef __x86_64__
static const int npaths = 3;
static const char *const path_name[] = { "glibc", "syscall", "int80 from 64-bit" };
#else
static const int npaths = 2;
static const char *const path_name[] = { "glibc/vDSO", "int80" };
#endif

/* i386 syscall numbers, for int $0x80 from 64-bit code. */
enum { I386_READ = 3, I386_PAUSE = 29, I386_WAIT4 = 114,
       I386_NANOSLEEP = 162, I386_RT_SIGSUSPEND = 179 };

#ifdef __x86_64__
static long int80(long nr, long a, long b, long c, long d)
{
	long r;
	__asm__ volatile("int $0x80"
			 : "=a"(r)
			 : "0"(nr), "b"(a), "c"(b), "d"(c), "S"(d)
			 : "memory", "r8", "r9", "r10", "r11", "cc");
	return r;
}
#endif

/* Buffers below 4 GiB (static, non-PIE) so int $0x80 from 64-bit can use them. */
static char buf[16];
static int wstatus;
#ifdef __x86_64__
static struct { int sec, nsec; } ts32_req, ts32_rem;
#endif
static uint64_t sigmask_none;

static volatile sig_atomic_t hits;
static void on_signal(int sig) { (void)sig; hits++; }

static void set_action(int sig, void (*fn)(int), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = fn;
	sa.sa_flags = flags;
	sigemptyset(&sa.sa_mask);
	sigaction(sig, &sa, NULL);
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

/*
 * The helper: after DELAY_MS send sig to target; after another DELAY_MS
 * write "hello" to wfd (if any) and exit.
 */
static pid_t helper(pid_t target, int sig, int wfd)
{
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(DELAY_MS);
		kill(target, sig);
		sleep_ms(DELAY_MS);
		if (wfd >= 0 && write(wfd, "hello", 5) != 5)
			_exit(2);
		_exit(0);
	}
	return pid;
}

static void reap(pid_t pid)
{
	int st;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
}

static long libc_ret(long r) { return r < 0 ? -errno : r; }

static long do_read(enum path p, int fd)
{
	if (p == P_LIBC)
		return libc_ret(read(fd, buf, 5));
#ifdef __x86_64__
	if (p == P_INT80_64)
		return int80(I386_READ, fd, (long)buf, 5, 0);
#endif
	return SC(SYS_read, fd, buf, 5);
}

static long do_wait4(enum path p, pid_t pid)
{
	if (p == P_LIBC)
		return libc_ret(wait4(pid, &wstatus, 0, NULL));
#ifdef __x86_64__
	if (p == P_INT80_64)
		return int80(I386_WAIT4, pid, (long)&wstatus, 0, 0);
#endif
	return SC(SYS_wait4, pid, &wstatus, 0, 0);
}

/* Sleep for sec seconds; *rem_ns gets the time left if it was written. */
static long do_nanosleep(enum path p, int sec, long long *rem_ns)
{
	long r;
	if (p == P_LIBC) {
		struct timespec req = { sec, 0 }, rem = { -1, -1 };
		r = libc_ret(nanosleep(&req, &rem));
		*rem_ns = rem.tv_sec * 1000000000LL + rem.tv_nsec;
		return r;
	}
	/* Raw: the ABI's own struct timespec, two longs (i386: two ints). */
#ifdef __x86_64__
	if (p == P_INT80_64) {
		ts32_req.sec = sec;
		ts32_req.nsec = 0;
		ts32_rem.sec = ts32_rem.nsec = -1;
		r = int80(I386_NANOSLEEP, (long)&ts32_req, (long)&ts32_rem, 0, 0);
		*rem_ns = ts32_rem.sec * 1000000000LL + ts32_rem.nsec;
		return r;
	}
#endif
	struct { long sec, nsec; } req = { sec, 0 }, rem = { -1, -1 };
	r = SC(SYS_nanosleep, &req, &rem);
	*rem_ns = rem.sec * 1000000000LL + rem.nsec;
	return r;
}

static long do_pause(enum path p)
{
	if (p == P_LIBC)
		return libc_ret(pause());
#ifdef __x86_64__
	if (p == P_INT80_64)
		return int80(I386_PAUSE, 0, 0, 0, 0);
#endif
	return SC(SYS_pause);
}

static long do_sigsuspend(enum path p)
{
	if (p == P_LIBC) {
		sigset_t none;
		sigemptyset(&none);
		return libc_ret(sigsuspend(&none));
	}
#ifdef __x86_64__
	if (p == P_INT80_64)
		return int80(I386_RT_SIGSUSPEND, (long)&sigmask_none, 8, 0, 0);
#endif
	return SC(SYS_rt_sigsuspend, &sigmask_none, 8);
}

/* A blocking read on an empty pipe while the helper sends sig. */
static long read_with_signal(enum path p, int sig)
{
	int fds[2];
	if (pipe(fds) != 0)
		return -1000;
	pid_t pid = helper(getpid(), sig, fds[1]);
	long r = do_read(p, fds[0]);
	reap(pid);
	close(fds[0]);
	close(fds[1]);
	return r;
}

static void test_read(enum path p)
{
	const char *pn = path_name[p];
	long r;

	set_action(SIGUSR1, on_signal, SA_RESTART);
	hits = 0;
	r = read_with_signal(p, SIGUSR1);
	if (!ktap_ok(r == 5 && hits == 1 && memcmp(buf, "hello", 5) == 0,
		     "%s: read restarts after a SA_RESTART handler", pn))
		ktap_diag("read returned %ld, handler ran %d times", r, (int)hits);

	set_action(SIGUSR1, on_signal, 0);
	hits = 0;
	r = read_with_signal(p, SIGUSR1);
	if (!ktap_ok(r == -EINTR && hits == 1,
		     "%s: read fails with EINTR after a handler without SA_RESTART", pn))
		ktap_diag("read returned %ld, handler ran %d times", r, (int)hits);

	/* Discarded at generation: nothing wakes the reader early. */
	set_action(SIGUSR1, SIG_IGN, 0);
	r = read_with_signal(p, SIGUSR1);
	ktap_eq(r, 5, "%s: SIG_IGN SIGUSR1 does not interrupt read", pn);
	set_action(SIGUSR1, SIG_DFL, 0);
}

static void test_wait4(enum path p)
{
	const char *pn = path_name[p];
	long r;
	pid_t pid;

	set_action(SIGUSR1, on_signal, SA_RESTART);
	hits = 0;
	wstatus = -1;
	pid = helper(getpid(), SIGUSR1, -1);
	r = do_wait4(p, pid);
	if (!ktap_ok(r == pid && hits == 1 && WIFEXITED(wstatus),
		     "%s: wait4 restarts after a SA_RESTART handler", pn))
		ktap_diag("wait4 returned %ld (child %d), status %#x, handler ran %d times",
			  r, (int)pid, wstatus, (int)hits);
	if (r != pid)
		reap(pid);

	set_action(SIGUSR1, on_signal, 0);
	hits = 0;
	pid = helper(getpid(), SIGUSR1, -1);
	r = do_wait4(p, pid);
	if (!ktap_ok(r == -EINTR && hits == 1,
		     "%s: wait4 fails with EINTR after a handler without SA_RESTART", pn))
		ktap_diag("wait4 returned %ld, handler ran %d times", r, (int)hits);
	if (r != pid)
		reap(pid);
}

static void test_nanosleep(enum path p)
{
	long long rem = 0;
	/* SA_RESTART does not matter: the restart block is only for no-handler. */
	set_action(SIGUSR1, on_signal, SA_RESTART);
	hits = 0;
	pid_t pid = helper(getpid(), SIGUSR1, -1);
	long r = do_nanosleep(p, 2, &rem);
	reap(pid);
	if (!ktap_ok(r == -EINTR && hits == 1 && rem > 0 && rem < 2000000000LL,
		     "%s: nanosleep(2 s) fails with EINTR, 0 < remaining < 2 s",
		     path_name[p]))
		ktap_diag("nanosleep returned %ld, remaining %lld ns, handler ran %d times",
			  r, rem, (int)hits);
}

static void test_pause_sigsuspend(enum path p)
{
	long r;
	pid_t pid;
	/* SA_RESTART set on purpose: -ERESTARTNOHAND ignores it. */
	set_action(SIGUSR1, on_signal, SA_RESTART);

	hits = 0;
	pid = helper(getpid(), SIGUSR1, -1);
	r = do_pause(p);
	reap(pid);
	if (!ktap_ok(r == -EINTR && hits == 1,
		     "%s: pause fails with EINTR after a SA_RESTART handler", path_name[p]))
		ktap_diag("pause returned %ld, handler ran %d times", r, (int)hits);

	/* Block SIGUSR1 first: rt_sigsuspend must open the mask itself. */
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	hits = 0;
	pid = helper(getpid(), SIGUSR1, -1);
	r = do_sigsuspend(p);
	int hits_inside = hits;
	sigset_t now;
	sigprocmask(SIG_SETMASK, &old, &now);
	reap(pid);
	if (!ktap_ok(r == -EINTR && hits_inside == 1 && sigismember(&now, SIGUSR1),
		     "%s: rt_sigsuspend fails with EINTR after the handler, old mask back",
		     path_name[p]))
		ktap_diag("rt_sigsuspend returned %ld, handler ran %d times, usr1 blocked after: %d",
			  r, hits_inside, sigismember(&now, SIGUSR1));
}

/* Signals that are ignored by default, or blocked, do not wake a reader. */
static void test_not_interrupting(void)
{
	long r;
	set_action(SIGCHLD, SIG_DFL, 0);
	r = read_with_signal(P_RAW, SIGCHLD);
	ktap_eq(r, 5, "%s: SIGCHLD at SIG_DFL (ignore) does not interrupt read",
		path_name[P_RAW]);

	set_action(SIGWINCH, SIG_DFL, 0);
	r = read_with_signal(P_LIBC, SIGWINCH);
	ktap_eq(r, 5, "%s: SIGWINCH at SIG_DFL (ignore) does not interrupt read",
		path_name[P_LIBC]);

	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	set_action(SIGUSR1, on_signal, 0);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	hits = 0;
	r = read_with_signal(P_RAW, SIGUSR1);
	int hits_during = hits;
	sigprocmask(SIG_SETMASK, &old, NULL); /* delivered here */
	if (!ktap_ok(r == 5 && hits_during == 0 && hits == 1,
		     "%s: a blocked SIGUSR1 does not interrupt read, runs on unblock",
		     path_name[P_RAW]))
		ktap_diag("read returned %ld, handler ran %d times during, %d after",
			  r, hits_during, (int)hits);
	set_action(SIGUSR1, SIG_DFL, 0);
}

/*
 * In a child: block in read (or nanosleep 400 ms) while the parent stops
 * and continues us.  No handler runs, so the call restarts and finishes.
 */
static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int stopcont_child(enum path p, int what, int rfd)
{
	if (what == 0)
		return do_read(p, rfd) == 5 ? 0 : 1;
	long long t0 = now_ns();
	long r;
	if (p == P_LIBC) {
		struct timespec req = { 0, 400000000L };
		r = libc_ret(nanosleep(&req, NULL));
	} else {
#ifdef __x86_64__
		if (p == P_INT80_64) {
			ts32_req.sec = 0;
			ts32_req.nsec = 400000000;
			r = int80(I386_NANOSLEEP, (long)&ts32_req, 0, 0, 0);
		} else
#endif
		{
			struct { long sec, nsec; } req = { 0, 400000000L };
			r = SC(SYS_nanosleep, &req, 0);
		}
	}
	if (r != 0)
		return 2;
	return now_ns() - t0 >= 400000000LL ? 0 : 3;
}

static void test_stop_continue(enum path p, int what)
{
	int fds[2];
	if (pipe(fds) != 0)
		return;
	pid_t pid = fork();
	if (pid == 0)
		_exit(stopcont_child(p, what, fds[0]));
	int st = 0, stopped = 0;
	sleep_ms(DELAY_MS);
	kill(pid, SIGSTOP);
	if (waitpid(pid, &st, WUNTRACED) == pid && WIFSTOPPED(st))
		stopped = 1;
	sleep_ms(DELAY_MS);
	kill(pid, SIGCONT);
	if (what == 0 && write(fds[1], "hello", 5) != 5)
		stopped = 0;
	waitpid(pid, &st, 0);
	close(fds[0]);
	close(fds[1]);
	char sb[64];
	if (!ktap_ok(stopped && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     what == 0 ? "%s: read restarts across SIGSTOP/SIGCONT"
			       : "%s: nanosleep(400 ms) resumes across SIGSTOP/SIGCONT (restart_syscall)",
		     path_name[p]))
		ktap_diag("stopped: %d, child %s", stopped, status_str(st, sb, sizeof(sb)));
}

int main(void)
{
	default_signals();
	ktap_plan(npaths * 10 + 3);
	for (int p = 0; p < npaths; p++) {
		test_read(p);
		test_wait4(p);
		test_nanosleep(p);
		test_pause_sigsuspend(p);
		test_stop_continue(p, 0);
		test_stop_continue(p, 1);
	}
	test_not_interrupting();
	return ktap_finish();
}
