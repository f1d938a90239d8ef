/*
 * bench's whole operations between two processes or two threads (issue
 * 13): a context switch each way, a signal delivered to oneself, a thread
 * created and joined.  Registered in ops.c's table; same conventions: each
 * function times n operations with two fenced rdtsc into *ticks, setup and
 * teardown outside the timed part, and returns -1 when anything failed.
 *
 *   pipe_pingpong     1 byte to a child over one pipe, 1 byte back over
 *                     another; per round trip (two switches on one CPU)
 *   signal_self       kill(getpid(), SIGUSR1) to oneself; the handler runs
 *                     and returns through sigreturn; per signal
 *   thread_create_join  pthread_create of a thread that returns at once,
 *                     then pthread_join (clone, exit, the futex that
 *                     join sleeps on); glibc reuses the cached stack
 *   futex_pingpong    two threads hand a turn word to each other with
 *                     FUTEX_WAKE / FUTEX_WAIT; per round trip
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>

typedef unsigned long long u64;

static u64 tsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

int op_pipe_pingpong(unsigned long n, u64 *ticks)
{
	int to_child[2], to_parent[2], status, ok = 0;
	char c = 'x';
	if (pipe(to_child))
		return -1;
	if (pipe(to_parent)) {
		close(to_child[0]);
		close(to_child[1]);
		return -1;
	}
	pid_t pid = fork();
	if (pid == 0) {
		/* Echo until the parent closes its end (read returns 0). */
		close(to_child[1]);
		close(to_parent[0]);
		while (read(to_child[0], &c, 1) == 1)
			if (write(to_parent[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	close(to_child[0]);
	close(to_parent[1]);
	if (pid > 0) {
		u64 t0 = tsc();
		unsigned long i;
		for (i = 0; i < n; i++)
			if (write(to_child[1], &c, 1) != 1 || read(to_parent[0], &c, 1) != 1)
				break;
		*ticks = tsc() - t0;
		ok = i == n;
	}
	close(to_child[1]);
	close(to_parent[0]);
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		return -1;
	return ok ? 0 : -1;
}

static volatile sig_atomic_t handled;

static void on_usr1(int sig)
{
	(void)sig;
	handled++;
}

int op_signal_self(unsigned long n, u64 *ticks)
{
	struct sigaction sa = { .sa_handler = on_usr1 }, old;
	pid_t self = getpid();		/* not in the loop: one call per signal */
	if (sigaction(SIGUSR1, &sa, &old))
		return -1;
	handled = 0;
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++)
		kill(self, SIGUSR1);
	*ticks = tsc() - t0;
	sigaction(SIGUSR1, &old, NULL);
	return handled == (sig_atomic_t)n ? 0 : -1;
}

static void *thread_returns(void *arg)
{
	return arg;
}

int op_thread_create_join(unsigned long n, u64 *ticks)
{
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++) {
		pthread_t t;
		void *ret;
		if (pthread_create(&t, NULL, thread_returns, (void *)i) ||
		    pthread_join(t, &ret) || ret != (void *)i)
			return -1;
	}
	*ticks = tsc() - t0;
	return 0;
}

/* The turn word: whose move it is.  MAIN and PEER alternate; STOP ends. */
enum { MAIN, PEER, STOP };
static _Atomic int turn;

static void futex_wait(int expected)
{
	syscall(SYS_futex, &turn, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(void)
{
	syscall(SYS_futex, &turn, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *futex_peer(void *arg)
{
	int v;
	(void)arg;
	for (;;) {
		while ((v = atomic_load(&turn)) == MAIN)
			futex_wait(MAIN);
		if (v == STOP)
			return NULL;
		atomic_store(&turn, MAIN);
		futex_wake();
	}
}

static void hand_over(int to)
{
	atomic_store(&turn, to);
	futex_wake();
}

int op_futex_pingpong(unsigned long n, u64 *ticks)
{
	pthread_t t;
	atomic_store(&turn, MAIN);
	if (pthread_create(&t, NULL, futex_peer, NULL))
		return -1;
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++) {
		hand_over(PEER);
		while (atomic_load(&turn) == PEER)
			futex_wait(PEER);
	}
	*ticks = tsc() - t0;
	hand_over(STOP);
	return pthread_join(t, NULL) ? -1 : 0;
}
