/*
 * sig_misc: timers, pending and waited-for signals, stop/continue, kill.
 *
 * Linux facts tested:
 *  - alarm(n) returns the seconds left of the previous alarm (rounded);
 *    alarm(1) delivers SIGALRM about a second later;
 *  - setitimer(ITIMER_REAL) delivers SIGALRM after it_value, then every
 *    it_interval; getitimer shows the time left (<= what was set) and the
 *    interval; setitimer returns the old value; it_value 0 disarms;
 *  - a blocked signal stays pending (rt_sigpending) and is delivered as
 *    soon as it is unblocked; fork does not copy pending signals but does
 *    copy the mask;
 *  - rt_sigtimedwait takes a pending signal (with its siginfo) without
 *    running the handler, waits for one sent later, and fails with EAGAIN
 *    after the timeout;
 *  - tgkill gives si_code SI_TKILL, kill SI_USER;
 *  - SIGSTOP: wait status 0x137f with WUNTRACED, the parent gets SIGCHLD
 *    CLD_STOPPED; SIGCONT: WIFCONTINUED (0xffff) with WCONTINUED;
 *  - a child's exit sends SIGCHLD with CLD_EXITED, its pid and status;
 *  - kill(pid, 0) probes: 0 for a live child and a zombie, ESRCH once
 *    reaped or for a pid that does not exist; signal 65 is EINVAL;
 *    SIGKILL cannot be caught (EINVAL) nor blocked;
 *  - SIGKILL ends a child spinning in user mode.
 */
#include "ktap.h"
#include "sys.h"
#include <sys/time.h>
#include <time.h>

static volatile sig_atomic_t alrm_hits, usr1_hits;
static siginfo_t last_info;

static void on_alrm(int sig) { alrm_hits++; }
static void on_info(int sig, siginfo_t *si, void *uc)
{
	if (sig == SIGUSR1)
		usr1_hits++;
	last_info = *si;
}

static void set_handler(int sig, void *fn, int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = flags;
	sigaction(sig, &sa, NULL);
}

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static sigset_t one(int sig)
{
	sigset_t s;
	sigemptyset(&s);
	sigaddset(&s, sig);
	return s;
}

static void test_alarm(void)
{
	set_handler(SIGALRM, on_alrm, 0);
	alarm(5);
	ktap_eq(alarm(0), 5, "alarm returns the seconds left of the previous alarm");

	alrm_hits = 0;
	long long t0 = now_ms();
	alarm(1);
	while (!alrm_hits && now_ms() - t0 < 5000)
		pause();
	long long dt = now_ms() - t0;
	if (!ktap_ok(alrm_hits == 1 && dt >= 900 && dt < 3000, "alarm(1) delivers SIGALRM after ~1 s"))
		ktap_diag("hits %d after %lld ms", (int)alrm_hits, dt);
}

static void test_itimer(void)
{
	struct itimerval it = { { 0, 0 }, { 0, 20000 } }, old, cur;

	alrm_hits = 0;
	long long t0 = now_ms();
	setitimer(ITIMER_REAL, &it, NULL);
	while (!alrm_hits && now_ms() - t0 < 3000)
		pause();
	long long dt = now_ms() - t0;
	if (!ktap_ok(alrm_hits == 1 && dt >= 20, "setitimer 20 ms one-shot delivers SIGALRM"))
		ktap_diag("hits %d after %lld ms", (int)alrm_hits, dt);
	getitimer(ITIMER_REAL, &cur);
	ktap_ok(cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0,
		"after a one-shot fires, getitimer shows it disarmed");

	struct itimerval ten = { { 0, 500000 }, { 10, 0 } };
	setitimer(ITIMER_REAL, &ten, NULL);
	getitimer(ITIMER_REAL, &cur);
	long long left = cur.it_value.tv_sec * 1000000LL + cur.it_value.tv_usec;
	if (!ktap_ok(left > 9000000 && left <= 10000000 && cur.it_interval.tv_sec == 0 &&
			     cur.it_interval.tv_usec == 500000,
		     "getitimer shows the time left (<= 10 s) and the interval"))
		ktap_diag("left %lld us, interval %ld.%06ld", left, (long)cur.it_interval.tv_sec,
			  (long)cur.it_interval.tv_usec);

	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, &old);
	long long oldv = old.it_value.tv_sec * 1000000LL + old.it_value.tv_usec;
	getitimer(ITIMER_REAL, &cur);
	if (!ktap_ok(oldv > 9000000 && oldv <= 10000000 && old.it_interval.tv_usec == 500000 &&
			     cur.it_value.tv_sec == 0 && cur.it_value.tv_usec == 0,
		     "setitimer returns the old value; it_value 0 disarms"))
		ktap_diag("old %lld us, now %ld.%06ld", oldv, (long)cur.it_value.tv_sec,
			  (long)cur.it_value.tv_usec);

	/* Periodic: 20 ms, 3 expiries. */
	struct itimerval per = { { 0, 20000 }, { 0, 20000 } };
	alrm_hits = 0;
	t0 = now_ms();
	setitimer(ITIMER_REAL, &per, NULL);
	while (alrm_hits < 3 && now_ms() - t0 < 3000)
		pause();
	setitimer(ITIMER_REAL, &off, NULL);
	dt = now_ms() - t0;
	if (!ktap_ok(alrm_hits >= 3 && dt >= 60, "a 20 ms interval timer fires again and again"))
		ktap_diag("hits %d after %lld ms", (int)alrm_hits, dt);
	signal(SIGALRM, SIG_DFL);
}

static void test_pending(void)
{
	sigset_t usr1 = one(SIGUSR1), pend, none;
	sigemptyset(&none);
	set_handler(SIGUSR1, on_info, SA_SIGINFO);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	usr1_hits = 0;
	kill(getpid(), SIGUSR1);
	sigpending(&pend);
	int pending = sigismember(&pend, SIGUSR1), others = sigismember(&pend, SIGUSR2);
	if (!ktap_ok(usr1_hits == 0 && pending && !others,
		     "a blocked SIGUSR1 is pending (rt_sigpending) and not delivered"))
		ktap_diag("hits %d pending %d usr2 %d", (int)usr1_hits, pending, others);

	/* fork: the child has the mask but not the pending signal. */
	pid_t pid = fork();
	if (pid == 0) {
		sigset_t m, p;
		sigprocmask(SIG_BLOCK, NULL, &m);
		sigpending(&p);
		_exit(sigismember(&m, SIGUSR1) && !sigismember(&p, SIGUSR1) ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"a forked child inherits the mask, not the pending signal");

	sigprocmask(SIG_SETMASK, &none, NULL);
	sigpending(&pend);
	if (!ktap_ok(usr1_hits == 1 && !sigismember(&pend, SIGUSR1) &&
			     last_info.si_code == SI_USER && last_info.si_pid == getpid(),
		     "unblocking delivers it (SI_USER, our pid); nothing pending after"))
		ktap_diag("hits %d code %d pid %d", (int)usr1_hits, last_info.si_code,
			  last_info.si_pid);

	usr1_hits = 0;
	memset(&last_info, 0, sizeof(last_info));
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
	if (!ktap_ok(usr1_hits == 1 && last_info.si_code == SI_TKILL && last_info.si_pid == getpid(),
		     "tgkill: si_code SI_TKILL"))
		ktap_diag("hits %d code %d pid %d", (int)usr1_hits, last_info.si_code,
			  last_info.si_pid);
	signal(SIGUSR1, SIG_DFL);
}

static void test_sigtimedwait(void)
{
	sigset_t usr2 = one(SIGUSR2), none, pend;
	sigemptyset(&none);
	siginfo_t si;
	struct timespec zero = { 0, 0 }, t50 = { 0, 50000000 }, t5 = { 5, 0 };
	set_handler(SIGUSR2, on_info, SA_SIGINFO);
	sigprocmask(SIG_BLOCK, &usr2, NULL);

	kill(getpid(), SIGUSR2);
	memset(&si, 0, sizeof(si));
	int r = sigtimedwait(&usr2, &si, &zero);
	sigpending(&pend);
	if (!ktap_ok(r == SIGUSR2 && si.si_signo == SIGUSR2 && si.si_code == SI_USER &&
			     si.si_pid == getpid() && !sigismember(&pend, SIGUSR2),
		     "sigtimedwait takes a pending signal with its siginfo"))
		ktap_diag("r %d signo %d code %d pid %d", r, si.si_signo, si.si_code, si.si_pid);

	long long t0 = now_ms();
	r = sigtimedwait(&usr2, &si, &t50);
	int e = errno;
	long long dt = now_ms() - t0;
	if (!ktap_ok(r == -1 && e == EAGAIN && dt >= 50, "sigtimedwait times out with EAGAIN"))
		ktap_diag("r %d errno %d after %lld ms", r, e, dt);

	pid_t parent = getpid(), pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		kill(parent, SIGUSR2);
		_exit(0);
	}
	memset(&si, 0, sizeof(si));
	r = sigtimedwait(&usr2, &si, &t5);
	waitpid(pid, NULL, 0);
	if (!ktap_ok(r == SIGUSR2 && si.si_pid == pid,
		     "sigtimedwait waits for a signal sent later (si_pid = the sender)"))
		ktap_diag("r %d errno %d pid %d (want %d)", r, errno, si.si_pid, (int)pid);

	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR2, SIG_DFL);
}

static volatile sig_atomic_t chld_hits;
static siginfo_t chld_info;
static void on_chld(int sig, siginfo_t *si, void *uc)
{
	chld_hits++;
	chld_info = *si;
}

static void test_stop_continue(void)
{
	set_handler(SIGCHLD, on_chld, SA_SIGINFO | SA_RESTART);
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	int st = 0;
	chld_hits = 0;
	kill(pid, SIGSTOP);
	pid_t w = waitpid(pid, &st, WUNTRACED);
	if (!ktap_ok(w == pid && st == 0x137f && WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP,
		     "SIGSTOP: waitpid(WUNTRACED) gives status 0x137f"))
		ktap_diag("waitpid %d status %#x", (int)w, st);
	for (int i = 0; i < 100 && !chld_hits; i++)
		sleep_ms(10);
	if (!ktap_ok(chld_hits >= 1 && chld_info.si_code == CLD_STOPPED &&
			     chld_info.si_pid == pid && chld_info.si_status == SIGSTOP,
		     "the parent gets SIGCHLD with CLD_STOPPED, pid, si_status SIGSTOP"))
		ktap_diag("hits %d code %d pid %d status %d", (int)chld_hits, chld_info.si_code,
			  chld_info.si_pid, chld_info.si_status);

	kill(pid, SIGCONT);
	st = 0;
	w = waitpid(pid, &st, WCONTINUED);
	if (!ktap_ok(w == pid && WIFCONTINUED(st) && st == 0xffff,
		     "SIGCONT: waitpid(WCONTINUED) gives WIFCONTINUED (0xffff)"))
		ktap_diag("waitpid %d status %#x", (int)w, st);

	ktap_eq(kill(pid, 0), 0, "kill(pid, 0) on a live child succeeds");
	kill(pid, SIGKILL);
	/* Let it die, but do not reap it: a zombie still exists for kill. */
	siginfo_t wi;
	memset(&wi, 0, sizeof(wi));
	waitid(P_PID, pid, &wi, WEXITED | WNOWAIT);
	ktap_eq(kill(pid, 0), 0, "kill(pid, 0) on a zombie succeeds");
	waitpid(pid, &st, 0);
	errno = 0;
	int r = kill(pid, 0);
	ktap_ok(r == -1 && errno == ESRCH, "kill(pid, 0) after reaping: ESRCH");
	signal(SIGCHLD, SIG_DFL);
}

static void test_exit_sigchld(void)
{
	set_handler(SIGCHLD, on_chld, SA_SIGINFO | SA_RESTART);
	chld_hits = 0;
	memset(&chld_info, 0, sizeof(chld_info));
	sigset_t chld = one(SIGCHLD), none;
	sigemptyset(&none);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	int st;
	waitid(P_PID, pid, &(siginfo_t){ 0 }, WEXITED | WNOWAIT);
	sigprocmask(SIG_SETMASK, &none, NULL); /* delivered here */
	waitpid(pid, &st, 0);
	if (!ktap_ok(chld_hits == 1 && chld_info.si_signo == SIGCHLD &&
			     chld_info.si_code == CLD_EXITED && chld_info.si_pid == pid &&
			     chld_info.si_status == 7,
		     "a child's exit sends SIGCHLD: CLD_EXITED, its pid, si_status 7"))
		ktap_diag("hits %d signo %d code %d pid %d status %d", (int)chld_hits,
			  chld_info.si_signo, chld_info.si_code, chld_info.si_pid,
			  chld_info.si_status);
	signal(SIGCHLD, SIG_DFL);
}

static void test_kill_errors(void)
{
	errno = 0;
	int r = kill(0x3ffffff0, 0);
	ktap_ok(r == -1 && errno == ESRCH, "kill of a pid that does not exist: ESRCH");
	errno = 0;
	r = kill(getpid(), 65);
	ktap_ok(r == -1 && errno == EINVAL, "kill with signal 65: EINVAL");

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alrm;
	errno = 0;
	r = sigaction(SIGKILL, &sa, NULL);
	ktap_ok(r == -1 && errno == EINVAL, "a handler for SIGKILL: EINVAL");

	uint64_t all = ~0ULL, now = 0, old = 0;
	SC(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old, 8);
	SC(SYS_rt_sigprocmask, SIG_SETMASK, &old, &now, 8);
	if (!ktap_ok(!(now & (1ULL << (SIGKILL - 1))) && !(now & (1ULL << (SIGSTOP - 1))) &&
			     (now & (1ULL << (SIGUSR1 - 1))),
		     "blocking every signal leaves SIGKILL and SIGSTOP unblocked"))
		ktap_diag("mask %#llx", (unsigned long long)now);
}

static void test_kill_spinner(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		for (volatile unsigned long n = 0;; n++)
			;
	}
	sleep_ms(50);
	kill(pid, SIGKILL);
	int st = 0;
	waitpid(pid, &st, 0);
	char b[64];
	if (!ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		     "SIGKILL ends a child spinning in user mode"))
		ktap_diag("child %s", status_str(st, b, sizeof(b)));
}

int main(void)
{
	default_signals();
	ktap_plan(2 + 5 + 4 + 3 + 6 + 1 + 4 + 1);
	test_alarm();
	test_itimer();
	test_pending();
	test_sigtimedwait();
	test_stop_continue();
	test_exit_sigchld();
	test_kill_errors();
	test_kill_spinner();
	return ktap_finish();
}
