/*
 * poll, ppoll, select, pselect6 on pipes, regular files and the terminal:
 * readiness bits (POLLIN/OUT/HUP/ERR/NVAL), timeouts, waking when another
 * process makes a descriptor ready, and Linux's signal rules - poll and
 * select fail with EINTR after a handler even with SA_RESTART, a stopped
 * and continued poll goes on to its deadline, select and ppoll write the
 * time left back, and pselect6/ppoll's mask is in force only during the
 * call.  i386 also checks _newselect, the old select, ppoll_time64.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/time.h>
#include <time.h>
#include "ktap.h"
#include "kernel32.h"
#include "sys.h"

static long ERR(long r)
{
	return r < 0 ? -errno : r;
}

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static volatile int got_sig;
static void on_sig(int sig)
{
	got_sig = sig;
}

static void alarm_in_ms(int ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
}

int main(void)
{
	int p[2], q[2];
	struct pollfd pf[4];
	char buf[8];

	ktap_plan(29);
	default_signals();
	pipe(p);

	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	pf[1] = (struct pollfd){ p[1], POLLOUT, 0 };
	ktap_eq(poll(pf, 2, 0), 1, "an empty pipe: only the write end is ready");
	ktap_ok(pf[0].revents == 0 && pf[1].revents == POLLOUT, "revents 0 and POLLOUT");
	write(p[1], "x", 1);
	ktap_ok(poll(pf, 1, 0) == 1 && pf[0].revents == POLLIN, "data: POLLIN");
	pf[0].events = POLLIN | POLLRDNORM;
	poll(pf, 1, 0);
	ktap_eq(pf[0].revents, POLLIN | POLLRDNORM, "only the asked-for bits come back");

	pf[2] = (struct pollfd){ -1, POLLIN, 77 };
	pf[3] = (struct pollfd){ 999, POLLIN, 0 };
	ktap_eq(poll(pf, 4, 0), 3, "a negative fd is skipped, a closed one counts");
	ktap_ok(pf[2].revents == 0 && pf[3].revents == POLLNVAL, "revents 0 and POLLNVAL");

	int f = open("/dev/null", O_RDWR);
	int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	pf[0] = (struct pollfd){ f, POLLIN | POLLOUT, 0 };
	pf[1] = (struct pollfd){ tmp, POLLIN, 0 };
	pf[2] = (struct pollfd){ 1, POLLOUT, 0 };
	ktap_ok(poll(pf, 3, 0) == 3 && pf[0].revents == (POLLIN | POLLOUT) &&
		pf[1].revents == POLLIN && pf[2].revents == POLLOUT,
		"/dev/null, a directory and stdout are ready");

	/* Hang-up and error. */
	pipe(q);
	close(q[1]);
	pf[0] = (struct pollfd){ q[0], POLLIN, 0 };
	ktap_ok(poll(pf, 1, 0) == 1 && pf[0].revents == POLLHUP,
		"read end without writers: POLLHUP");
	close(q[0]);
	pipe(q);
	close(q[0]);
	signal(SIGPIPE, SIG_IGN);
	pf[0] = (struct pollfd){ q[1], 0, 0 };
	ktap_ok(poll(pf, 1, 0) == 1 && pf[0].revents == POLLERR,
		"write end without readers: POLLERR even unasked");
	close(q[1]);

	/* Timeouts and wakeups. */
	read(p[0], buf, 1);
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	long long t0 = mono_ms();
	int r = poll(pf, 1, 150);
	long long dt = mono_ms() - t0;
	ktap_ok(r == 0 && dt >= 140, "poll times out (%lld ms)", dt);
	pid_t pid = fork();
	if (pid == 0) {
		usleep(50000);
		write(p[1], "w", 1);
		_exit(0);
	}
	t0 = mono_ms();
	r = poll(pf, 1, 5000);
	dt = mono_ms() - t0;
	ktap_ok(r == 1 && pf[0].revents == POLLIN && dt < 2000,
		"poll wakes when another process writes (%lld ms)", dt);
	waitpid(pid, NULL, 0);
	read(p[0], buf, 1);

	/* Signals: poll and select end with EINTR even under SA_RESTART. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm_in_ms(50);
	ktap_eq(ERR(poll(pf, 1, 5000)), -EINTR, "poll after a handler: EINTR (SA_RESTART too)");
	fd_set rs;
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	alarm_in_ms(50);
	ktap_eq(ERR(select(p[0] + 1, &rs, NULL, NULL, NULL)), -EINTR,
		"select after a handler: EINTR");

	/* A stopped and continued poll carries on to its deadline. */
	pid = fork();
	if (pid == 0) {
		int rr = poll(pf, 1, 400);
		_exit(rr == 0 ? 0 : (rr < 0 && errno == EINTR) ? 2 : 3);
	}
	usleep(100000);
	kill(pid, SIGSTOP);
	usleep(50000);
	kill(pid, SIGCONT);
	int status;
	t0 = mono_ms();
	waitpid(pid, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		"poll restarts after SIGSTOP/SIGCONT and times out (status %#x)", status);

	/* select: sets, counts, EBADF, the time left. */
	write(p[1], "s", 1);
	fd_set ws;
	FD_ZERO(&rs);
	FD_ZERO(&ws);
	FD_SET(p[0], &rs);
	FD_SET(p[1], &rs);
	FD_SET(p[1], &ws);
	struct timeval tv = { 2, 0 };
	r = select(p[1] + 1, &rs, &ws, NULL, &tv);
	ktap_eq(r, 2, "select counts ready bits");
	ktap_ok(FD_ISSET(p[0], &rs) && !FD_ISSET(p[1], &rs) && FD_ISSET(p[1], &ws),
		"the sets now hold the ready descriptors");
	ktap_ok(tv.tv_sec * 1000000 + tv.tv_usec > 1000000 &&
		tv.tv_sec * 1000000 + tv.tv_usec <= 2000000,
		"select wrote back the time left (%ld.%06ld)", (long)tv.tv_sec, (long)tv.tv_usec);
	/* A native i386 kernel's fd table starts at 32 descriptors (one
	 * long of bits), and Linux's select ignores fds past it: ask below. */
	int closed = native_i386() ? 31 : 40;
	FD_ZERO(&rs);
	FD_SET(closed, &rs);
	ktap_eq(ERR(select(closed + 1, &rs, NULL, NULL, &tv)), -EBADF,
		"a closed fd in a set: EBADF");
	ktap_eq(ERR(select(-1, NULL, NULL, NULL, &tv)), -EINVAL, "n < 0: EINVAL");
	read(p[0], buf, 1);
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	tv = (struct timeval){ 0, 100000 };
	r = select(p[0] + 1, &rs, NULL, NULL, &tv);
	ktap_ok(r == 0 && !FD_ISSET(p[0], &rs) && tv.tv_sec == 0 && tv.tv_usec == 0,
		"a timed-out select clears the sets and the time left");

	/* pselect6/ppoll: the mask holds only during the call. */
	sigset_t block, none, cur;
	sigemptyset(&block);
	sigaddset(&block, SIGUSR1);
	sigemptyset(&none);
	sa.sa_flags = 0;
	sigaction(SIGUSR1, &sa, NULL);
	sigprocmask(SIG_BLOCK, &block, NULL);
	raise(SIGUSR1);
	got_sig = 0;
	struct timespec ts = { 5, 0 };
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	ktap_eq(ERR(pselect(p[0] + 1, &rs, NULL, NULL, &ts, &none)), -EINTR,
		"pselect unblocks a pending signal: EINTR");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	ktap_ok(got_sig == SIGUSR1 && sigismember(&cur, SIGUSR1),
		"the handler ran, and the old mask is back");
	raise(SIGUSR1);
	got_sig = 0;
	pf[0] = (struct pollfd){ p[0], POLLIN, 0 };
	ktap_eq(ERR(ppoll(pf, 1, &ts, &none)), -EINTR, "ppoll likewise: EINTR");
	sigprocmask(SIG_BLOCK, NULL, &cur);
	ktap_ok(got_sig == SIGUSR1 && sigismember(&cur, SIGUSR1), "handler ran, mask restored");
	ts = (struct timespec){ 0, 50000000 };
	ktap_eq(ppoll(pf, 1, &ts, &block), 0, "ppoll with a mask times out");
	sigprocmask(SIG_UNBLOCK, &block, NULL);

	/* The raw ppoll writes the time left back (glibc hides it). */
	write(p[1], "t", 1);
	struct { long long s, ns; } t64 = { 3, 0 };
#ifdef __i386__
	long rr = SC(414 /* ppoll_time64 */, pf, 1, &t64, 0, 8);
#else
	long rr = SC(SYS_ppoll, pf, 1, &t64, 0, 8);
#endif
	ktap_ok(rr == 1 && t64.s >= 2 && t64.s <= 3, "raw ppoll: 1, time left %lld s", t64.s);
	ktap_eq(SC(SYS_ppoll, pf, 1, &t64, &none, 4), -EINVAL, "ppoll with a bad sigset size: EINVAL");
#ifdef __i386__
	struct { int s, us; } tv32 = { 1, 0 };
	FD_ZERO(&rs);
	FD_SET(p[0], &rs);
	ktap_ok(SC(142 /* _newselect */, p[0] + 1, &rs, 0, 0, &tv32) == 1 &&
		tv32.s == 0 && tv32.us > 0, "i386 _newselect with a 32-bit timeval");
	unsigned int args[5] = { p[0] + 1, (unsigned int)&rs, 0, 0, 0 };
	ktap_eq(SC(82 /* old select */, args), 1, "i386 old select: one argument block");
#else
	ktap_skip("i386 only", "_newselect");
	ktap_skip("i386 only", "old select");
#endif
	return ktap_finish();
}
