/*
 * pid 1 is protected from signals it has no handler for (Linux's
 * SIGNAL_UNKILLABLE): SIGTERM, SIGHUP, SIGUSR1, SIGINT, SIGSTOP and even
 * SIGKILL from a process (or from init itself) are dropped; a signal with
 * a handler is delivered; a blocked one is queued and then dropped when
 * unblocked with the default action; any other process still dies of
 * them.  Every test on xentry runs as pid 1.  On Linux the test makes
 * itself pid 1 of a new pid namespace (root only), or prints SKIP.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"

#define NCASES 8

static volatile int got_usr2;

static void on_usr2(int sig)
{
	got_usr2 = sig;
}

/* A child that sends sig to pid 1 and exits 0 if kill() said yes. */
static int child_kills_init(int sig)
{
	pid_t c = fork();
	if (c == 0)
		_exit(kill(1, sig) == 0 ? 0 : 1);
	int st = -1;
	waitpid(c, &st, 0);
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static int as_init(void)
{
	ktap_plan(NCASES);
	static const int sigs[] = { SIGTERM, SIGHUP, SIGUSR1, SIGINT, SIGQUIT, SIGALRM };
	int all = 1;
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		all &= child_kills_init(sigs[i]);
	/* Still here: each was accepted by kill() and then dropped. */
	ktap_ok(all, "SIGTERM, SIGHUP, SIGUSR1, SIGINT, SIGQUIT, SIGALRM from a child: init lives");

	ktap_ok(child_kills_init(SIGSTOP), "SIGSTOP from a child is dropped (init keeps running)");
	ktap_ok(child_kills_init(SIGKILL), "SIGKILL from a child is dropped");
	ktap_ok(kill(getpid(), SIGTERM) == 0 && raise(SIGUSR1) == 0,
		"init sending itself SIGTERM and SIGUSR1 survives");

	signal(SIGUSR2, on_usr2);
	int sent = child_kills_init(SIGUSR2);
	for (int i = 0; i < 1000 && !got_usr2; i++)
		sched_yield();
	ktap_ok(sent && got_usr2 == SIGUSR2, "a signal with a handler is delivered to init");

	/* Blocked: queued (the action could change before unblocking),
	 * then dropped when unblocked with the default action. */
	sigset_t set, pend;
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	child_kills_init(SIGHUP);
	sigemptyset(&pend);
	sigpending(&pend);
	int queued = sigismember(&pend, SIGHUP);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	sigemptyset(&pend);
	sigpending(&pend);
	ktap_ok(queued && !sigismember(&pend, SIGHUP),
		"a blocked SIGHUP is queued, then dropped when unblocked");

	/* Only init is protected: a child with no handler dies. */
	pid_t c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGTERM);
	int st = 0;
	waitpid(c, &st, 0);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM, "another process still dies of SIGTERM");
	c = fork();
	if (c == 0) {
		for (;;)
			pause();
	}
	kill(c, SIGKILL);
	waitpid(c, &st, 0);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "and of SIGKILL");
	return ktap_finish();
}

int main(void)
{
	if (getpid() == 1)
		return as_init();
	/* Linux host: become pid 1 of a new pid namespace. */
	if (unshare(CLONE_NEWPID) == 0) {
		pid_t c = fork();
		if (c == 0)
			_exit(as_init());
		int st = 0;
		if (c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st))
			return WEXITSTATUS(st);
		if (c > 0)
			ktap_diag("pid-namespace init ended with status 0x%x", st);
		return 1;
	}
	ktap_plan(NCASES);
	for (int i = 0; i < NCASES; i++)
		ktap_skip("not pid 1 and no pid namespace", "init case %d (%s)", i + 1,
			  strerror(errno));
	return ktap_finish();
}
