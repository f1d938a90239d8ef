/*
 * vfork_signal - a signal arriving while a vfork parent waits for its
 * child must wait too, and must not hang the machine.
 *
 * The vfork parent sleeps until the child execs or exits.  On Linux that
 * sleep is killable only: other signals stay pending and are handled when
 * vfork returns.  xentry's wait used to return at once with any signal
 * pending and loop on it with interrupts off, so a timer signal during the
 * wait froze the whole machine (found by fuzz_entry).
 *
 * Cases: SIGALRM (handled) fires during the wait; the child runs to its
 * end and vfork then returns its pid, after which the handler runs once.
 * The same with SIGUSR1 sent by the child itself to its parent before it
 * exits (pending for the whole rest of the wait).  And SIGKILL to the
 * waiting parent ends it (checked from a grandparent).
 */
#include "ktap.h"
#include "sys.h"
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>

static volatile sig_atomic_t handled;

static void on_signal(int sig)
{
	(void)sig;
	handled++;
}

static void nap_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* vfork through the raw call: glibc's vfork() is fine too, but a raw one
 * keeps the child's use of the shared stack to the few lines below. */
static pid_t vfork_child(int mode)
{
	pid_t parent = getpid();
	pid_t pid = vfork();
	if (pid == 0) {
		if (mode == 0)
			nap_ms(300);			/* the alarm fires meanwhile */
		else
			raw_syscall(SYS_kill, parent, SIGUSR1, 0, 0, 0, 0);
		if (mode == 1)
			nap_ms(100);
		_exit(7);
	}
	return pid;
}

static void case_signal(int mode, int sig, const char *what)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int st = 0;
	sigaction(sig, &sa, NULL);
	handled = 0;
	if (mode == 0) {
		struct itimerval it = { .it_value = { 0, 50000 } };
		setitimer(ITIMER_REAL, &it, NULL);
	}
	pid_t pid = vfork_child(mode);
	int handled_at_return = handled;
	pid_t w = waitpid(pid, &st, 0);
	ktap_ok(pid > 0 && w == pid && WIFEXITED(st) && WEXITSTATUS(st) == 7,
		"%s during the vfork wait: the child ran to its exit(7)", what);
	ktap_ok(handled == 1, "%s: its handler ran exactly once (%d), by the time vfork "
		"returned %d", what, (int)handled, handled_at_return);
}

/* A parent killed while it waits: SIGKILL ends a killable sleep. */
static void case_kill(void)
{
	int st = 0;
	pid_t waiter = fork();
	if (waiter == 0) {
		pid_t pid = vfork();
		if (pid == 0) {
			nap_ms(1500);		/* outlives the parent's death */
			_exit(0);
		}
		_exit(1);			/* not reached: killed in vfork */
	}
	nap_ms(200);
	kill(waiter, SIGKILL);
	pid_t w = waitpid(waiter, &st, 0);
	ktap_ok(w == waiter && WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL,
		"SIGKILL ends a vfork parent's wait (status %#x)", st);
}

int main(void)
{
	ktap_plan(5);
	case_signal(0, SIGALRM, "SIGALRM from a timer");
	case_signal(1, SIGUSR1, "SIGUSR1 from the child");
	case_kill();
	/* The orphaned grandchild of case_kill exits on its own. */
	return ktap_finish();
}
