/*
 * epoll on pipes and FIFOs: the create/ctl/wait errno cases, the 12-byte
 * event layout, level- and edge-triggered reports, EPOLLONESHOT, HUP and
 * ERR, timeouts, EINTR and epoll_pwait's mask, epoll_pwait2's timespec,
 * an epoll set inside another, a closed file leaving the set, and a
 * forked writer waking the parent.  Raw syscalls, so that both ABIs'
 * entries are what is tested, not the C library's fallbacks.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include "ktap.h"
#include "sys.h"

#ifndef SYS_epoll_pwait2
#define SYS_epoll_pwait2 441
#endif

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

static long ctl(int ep, int op, int fd, uint32_t events, uint64_t data)
{
	struct epoll_event e = { .events = events, .data.u64 = data };
	return SC(SYS_epoll_ctl, ep, op, fd, &e);
}

static long ewait(int ep, struct epoll_event *ev, int max, int ms)
{
#ifdef SYS_epoll_wait
	return SC(SYS_epoll_wait, ep, ev, max, ms);
#else
	return SC(SYS_epoll_pwait, ep, ev, max, ms, 0, 8);
#endif
}

static long create1(int flags)
{
	return SC(SYS_epoll_create1, flags);
}

/* A 64-bit timespec on both ABIs, as epoll_pwait2 takes. */
struct ts64 { int64_t sec, nsec; };

int main(void)
{
	struct epoll_event ev[4];
	int p[2], ep, ep2;
	char buf[16];

	ktap_plan(65);
	default_signals();

	ktap_eq((long)sizeof(struct epoll_event), 12L, "struct epoll_event is 12 bytes");
	ktap_eq(SC(SYS_epoll_create, 0), -EINVAL, "epoll_create(0): EINVAL");
	ktap_eq(SC(SYS_epoll_create, -1), -EINVAL, "epoll_create(-1): EINVAL");
	ep = SC(SYS_epoll_create, 1);
	ktap_ok(ep >= 0 && !(fcntl(ep, F_GETFD) & FD_CLOEXEC), "epoll_create(1) works, no CLOEXEC");
	close(ep);
	ktap_eq(create1(1), -EINVAL, "epoll_create1(1): EINVAL");
	ep = create1(EPOLL_CLOEXEC);
	ktap_ok(ep >= 0 && (fcntl(ep, F_GETFD) & FD_CLOEXEC), "epoll_create1(EPOLL_CLOEXEC)");

	char link[64], path[40];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", ep);
	ssize_t ln = readlink(path, link, sizeof(link) - 1);
	if (ln < 0 && errno == ENOENT) {
		ktap_skip("no /proc", "/proc/self/fd names it anon_inode:[eventpoll]");
	} else {
		link[ln > 0 ? ln : 0] = 0;
		ktap_ok(!strcmp(link, "anon_inode:[eventpoll]"),
			"/proc/self/fd names it anon_inode:[eventpoll] (%s)", link);
	}
	ktap_eq((long)lseek(ep, 5, SEEK_SET), 0L, "lseek on an epoll fd moves nothing");

	/* epoll_ctl errors. */
	pipe(p);
	int reg = open("/tmp/fs_epoll.reg", O_RDWR | O_CREAT | O_TRUNC, 0600);
	unlink("/tmp/fs_epoll.reg");
	ktap_eq(ctl(999, EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EBADF, "ctl: bad epfd EBADF");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, 999, EPOLLIN, 0), -EBADF, "ctl: bad fd EBADF");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, reg, EPOLLIN, 0), -EPERM, "ctl: a regular file EPERM");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, ep, EPOLLIN, 0), -EINVAL, "ctl: epfd into itself EINVAL");
	ktap_eq(ctl(p[1], EPOLL_CTL_ADD, p[0], EPOLLIN, 0), -EINVAL, "ctl: epfd not epoll EINVAL");
	ktap_eq(ctl(ep, 77, p[0], EPOLLIN, 0), -EINVAL, "ctl: unknown op EINVAL");
	ktap_eq(SC(SYS_epoll_ctl, ep, EPOLL_CTL_ADD, p[0], NULL), -EFAULT, "ctl: NULL event EFAULT");
	ktap_eq(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN, 0), -ENOENT, "ctl: MOD of a stranger ENOENT");
	ktap_eq(SC(SYS_epoll_ctl, ep, EPOLL_CTL_DEL, p[0], NULL), -ENOENT,
		"ctl: DEL of a stranger ENOENT (event not read)");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLEXCLUSIVE | EPOLLONESHOT, 0),
		-EINVAL, "ctl: EXCLUSIVE with ONESHOT EINVAL");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 10), 0L, "ctl: ADD a pipe's read end");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 10), -EEXIST, "ctl: ADD twice EEXIST");
	ktap_eq(ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLEXCLUSIVE, 10), -EINVAL,
		"ctl: MOD with EXCLUSIVE EINVAL");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT | EPOLLRDHUP, 11), 0L,
		"ctl: ADD the write end (RDHUP accepted)");

	/* epoll_wait errors. */
	ktap_eq(ewait(ep, ev, 0, 0), -EINVAL, "wait: maxevents 0 EINVAL");
	ktap_eq(ewait(ep, ev, -1, 0), -EINVAL, "wait: maxevents -1 EINVAL");
	ktap_eq(ewait(999, ev, 4, 0), -EBADF, "wait: bad epfd EBADF");
	ktap_eq(ewait(p[0], ev, 4, 0), -EINVAL, "wait: not an epoll fd EINVAL");
	ktap_eq(ewait(ep, NULL, 4, 0), -EFAULT, "wait: ready event, NULL buffer EFAULT");

	/* Level-triggered pipe. */
	memset(ev, 0, sizeof(ev));
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].events == EPOLLOUT && ev[0].data.u64 == 11,
		"empty pipe: the write end is EPOLLOUT, with its data");
	write(p[1], "ab", 2);
	ktap_eq(ewait(ep, ev, 4, 0), 2L, "data: both ends ready");
	ktap_ok(ewait(ep, ev, 1, 0) == 1 && ewait(ep, ev + 1, 1, 0) == 1 &&
		ev[0].data.u64 != ev[1].data.u64,
		"maxevents 1: level-triggered items take turns");
	ktap_eq(ctl(ep, EPOLL_CTL_DEL, p[1], 0, 0), 0L, "ctl: DEL");
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].events == EPOLLIN && ev[0].data.u64 == 10,
		"read end: EPOLLIN, still (level-triggered)");
	close(p[1]);
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].events == (EPOLLIN | EPOLLHUP),
		"writer gone, data left: EPOLLIN|EPOLLHUP");
	read(p[0], buf, sizeof(buf));
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].events == EPOLLHUP,
		"drained: EPOLLHUP alone (never asked for, always reported)");
	close(p[0]);
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "closing the watched file removes it");
	pipe(p);
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[1], EPOLLOUT, 12), 0L,
		"the same fd number can be added again");
	close(p[0]);
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].events == (EPOLLOUT | EPOLLERR),
		"reader gone: the write end is EPOLLOUT|EPOLLERR");
	close(p[1]);

	/* A duplicate keeps the file (and the item) alive. */
	pipe(p);
	int dupfd = dup(p[0]);
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 13);
	close(p[0]);
	write(p[1], "x", 1);
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 13,
		"closing one of two descriptors keeps the item");
	close(dupfd);
	close(p[1]);
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "closing the last one drops it");

	/* Edge-triggered: once per new write. */
	pipe(p);
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLET, 20);
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "ET: empty pipe, nothing");
	write(p[1], "a", 1);
	ktap_eq(ewait(ep, ev, 4, 0), 1L, "ET: a write fires");
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "ET: unread data does not fire again");
	write(p[1], "b", 1);
	ktap_eq(ewait(ep, ev, 4, 0), 1L, "ET: the next write fires again");
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "ET: and only once");
	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLET, 20);
	ktap_eq(ewait(ep, ev, 4, 0), 1L, "ET: MOD reports the current state once");
	ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);

	/* One-shot. */
	ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN | EPOLLONESHOT, 21);
	ktap_eq(ewait(ep, ev, 4, 0), 1L, "ONESHOT: reported once");
	write(p[1], "c", 1);
	ktap_eq(ewait(ep, ev, 4, 0), 0L, "ONESHOT: then disarmed, even with new data");
	ktap_eq(ctl(ep, EPOLL_CTL_ADD, p[0], EPOLLIN, 21), -EEXIST, "ONESHOT: still in the set");
	ctl(ep, EPOLL_CTL_MOD, p[0], EPOLLIN | EPOLLONESHOT, 22);
	ktap_ok(ewait(ep, ev, 4, 0) == 1 && ev[0].data.u64 == 22, "ONESHOT: MOD re-arms");
	ctl(ep, EPOLL_CTL_DEL, p[0], 0, 0);
	read(p[0], buf, sizeof(buf));

	/* A FIFO. */
	mkfifo("/tmp/fs_epoll.fifo", 0600);
	int fr = open("/tmp/fs_epoll.fifo", O_RDONLY | O_NONBLOCK);
	int fw = open("/tmp/fs_epoll.fifo", O_WRONLY);
	unlink("/tmp/fs_epoll.fifo");
	ep2 = create1(0);
	ctl(ep2, EPOLL_CTL_ADD, fr, EPOLLIN, 30);
	long n0 = ewait(ep2, ev, 4, 0);
	write(fw, "f", 1);
	ktap_ok(fr >= 0 && fw >= 0 && n0 == 0 && ewait(ep2, ev, 4, 0) == 1 &&
		ev[0].events == EPOLLIN, "a FIFO: EPOLLIN after a write");
	close(fr);
	close(fw);

	/* The console (or whatever terminal stdout is). */
	if (!isatty(1)) {
		ktap_skip("stdout is not a terminal", "a terminal is EPOLLOUT");
	} else {
		int ep3 = create1(0);
		ctl(ep3, EPOLL_CTL_ADD, 1, EPOLLOUT, 50);
		ktap_ok(ewait(ep3, ev, 4, 0) == 1 && ev[0].events == EPOLLOUT,
			"a terminal is EPOLLOUT");
		close(ep3);
	}

	/* Timeouts. */
	long long t0 = mono_ms();
	long r = ewait(ep2, ev, 4, 0);
	ktap_ok(r == 0 && mono_ms() - t0 < 50, "timeout 0 returns at once");
	ctl(ep2, EPOLL_CTL_ADD, p[0], EPOLLIN, 31);
	t0 = mono_ms();
	r = ewait(ep2, ev, 4, 100);
	long long dt = mono_ms() - t0;
	ktap_ok(r == 0 && dt >= 90 && dt < 2000, "a 100 ms timeout (%lld ms)", dt);
	struct ts64 ts = { 0, 60 * 1000000 };
	t0 = mono_ms();
	r = SC(SYS_epoll_pwait2, ep2, ev, 4, &ts, NULL, 8);
	dt = mono_ms() - t0;
	ktap_ok(r == 0 && dt >= 50 && dt < 2000, "epoll_pwait2: a 60 ms timespec (%lld ms)", dt);
	ts.nsec = 1000000000;
	ktap_eq(SC(SYS_epoll_pwait2, ep2, ev, 4, &ts, NULL, 8), -EINVAL,
		"epoll_pwait2: nsec of 1e9 EINVAL");
	ktap_eq(SC(SYS_epoll_pwait2, ep2, ev, 4, (void *)8, NULL, 8), -EFAULT,
		"epoll_pwait2: bad timespec EFAULT");

	/* Signals. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_sig;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	alarm_in_ms(50);
	ktap_eq(ewait(ep2, ev, 4, 5000), -EINTR, "a handler ends epoll_wait with EINTR (SA_RESTART too)");
	uint64_t block = 1ULL << (SIGALRM - 1);
	ktap_eq(SC(SYS_epoll_pwait, ep2, ev, 4, 0, &block, 4), -EINVAL,
		"epoll_pwait: sigsetsize 4 EINVAL");
	got_sig = 0;
	alarm_in_ms(30);
	r = SC(SYS_epoll_pwait, ep2, ev, 4, 150, &block, 8);
	ktap_ok(r == 0 && got_sig == SIGALRM,
		"epoll_pwait's mask holds SIGALRM off until the call ends (r=%ld)", r);

	/* Nesting. */
	int outer = create1(0);
	ktap_eq(ctl(outer, EPOLL_CTL_ADD, ep2, EPOLLIN, 40), 0L, "an epoll fd inside another");
	ktap_eq(ctl(ep2, EPOLL_CTL_ADD, outer, EPOLLIN, 41), -ELOOP, "a loop: ELOOP");
	ktap_eq(ewait(outer, ev, 4, 0), 0L, "inner set idle: outer idle");
	struct pollfd pf = { ep2, POLLIN, 0 };
	write(p[1], "n", 1);
	ktap_ok(ewait(outer, ev, 4, 0) == 1 && ev[0].data.u64 == 40 && ev[0].events == EPOLLIN &&
		poll(&pf, 1, 0) == 1 && pf.revents == POLLIN,
		"inner set ready: outer reports it, poll sees POLLIN");
	read(p[0], buf, sizeof(buf));

	/* Another process wakes us. */
	pid_t pid = fork();
	if (pid == 0) {
		usleep(80000);
		write(p[1], "w", 1);
		_exit(0);
	}
	t0 = mono_ms();
	r = ewait(ep2, ev, 4, 5000);
	dt = mono_ms() - t0;
	ktap_ok(r == 1 && ev[0].data.u64 == 31 && dt >= 40 && dt < 4000,
		"a forked writer wakes epoll_wait (%lld ms)", dt);
	waitpid(pid, NULL, 0);
	ktap_eq(SC(SYS_epoll_wait, outer, ev, 4, -1), 1L, "the outer set saw it too");
	return ktap_finish();
}
