/*
 * pthread_signals: signals in a multi-threaded process.  Built with glibc
 * (-m32, -m64) and with musl (NAME.musl64).
 *
 * Linux facts tested:
 *  - pthread_kill (tgkill) delivers to exactly the chosen thread: its
 *    handler runs in that thread (gettid inside the handler), once, with
 *    si_code SI_TKILL and si_pid our pid;
 *  - signal masks are per thread: a new thread starts with its creator's
 *    mask, and changing it in one thread leaves the others alone;
 *  - a process-directed kill() goes to a thread that does not block it:
 *    one asleep in sigsuspend is woken, one spinning in user mode is
 *    interrupted; while every thread blocks it, it stays pending for the
 *    whole process (sigpending shows it) until one unblocks it;
 *  - signal dispositions are shared: a handler installed (or SIG_IGN set)
 *    by one thread is what every thread sees and gets;
 *  - pthread_cancel (deferred) ends a thread blocked in read() or pause(),
 *    running its cleanup handlers; join gets PTHREAD_CANCELED; a cancel
 *    sent while cancellation is disabled waits for pthread_testcancel;
 *  - sigwait in a dedicated thread takes a process-directed signal that
 *    all threads block (no handler runs), but not a signal directed at
 *    another thread, which stays pending on that thread only.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

static pid_t my_tid(void) { return (pid_t)SC(SYS_gettid); }

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

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO;
	sigaction(sig, &sa, NULL);
}

/* What the SIGUSR1 handler saw; each worker knows its index in TLS. */
enum { NW = 4 };
static __thread int my_index = -1;
static volatile pid_t tids[NW], hit_tid;
static volatile int hits, hit_code, hit_pid;
static volatile sig_atomic_t done[NW], giveup[NW];
static sem_t ready, go[NW];

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	hits++;
	hit_tid = my_tid();
	hit_code = si->si_code;
	hit_pid = si->si_pid;
	if (my_index >= 0)
		done[my_index] = 1;
}

static void on_nop(int sig, siginfo_t *si, void *uc) {}

static void reset(void)
{
	hits = 0;
	hit_tid = 0;
	hit_code = hit_pid = 0;
	for (int i = 0; i < NW; i++) {
		done[i] = giveup[i] = 0;
		tids[i] = 0;
	}
}

/*
 * A worker that sleeps in sigsuspend (every signal unblocked there) until
 * its SIGUSR1 handler ran or the main thread gives up on it.  Outside
 * sigsuspend it blocks SIGUSR1, so the signal is taken only there.
 * With arg's bit 8 set it first waits for go[idx].
 */
static void *suspender(void *arg)
{
	int idx = (int)(uintptr_t)arg & 0xff;
	sigset_t usr1 = one(SIGUSR1), none;
	sigemptyset(&none);
	my_index = idx;
	tids[idx] = my_tid();
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	sem_post(&ready);
	if ((uintptr_t)arg & 0x100)
		while (sem_wait(&go[idx]) != 0)
			;
	while (!done[idx] && !giveup[idx])
		sigsuspend(&none);
	return NULL;
}

/* A worker spinning in user mode with SIGUSR1 unblocked. */
static void *spinner(void *arg)
{
	int idx = (int)(uintptr_t)arg;
	sigset_t usr1 = one(SIGUSR1);
	my_index = idx;
	tids[idx] = my_tid();
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
	sem_post(&ready);
	while (!done[idx] && !giveup[idx])
		;
	return NULL;
}

/* A worker that blocks SIGUSR1 and waits for go[idx]. */
static void *bystander(void *arg)
{
	int idx = (int)(uintptr_t)arg;
	sigset_t usr1 = one(SIGUSR1);
	my_index = idx;
	tids[idx] = my_tid();
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	sem_post(&ready);
	while (sem_wait(&go[idx]) != 0)
		;
	return NULL;
}

/* Wait up to 3 s for worker idx's handler; then make it stop anyway. */
static int wait_done(pthread_t t, int idx)
{
	for (int i = 0; i < 300 && !done[idx]; i++)
		sleep_ms(10);
	int ok = done[idx];
	if (!ok) {
		giveup[idx] = 1;
		pthread_kill(t, SIGUSR2);	/* breaks a sigsuspend */
	}
	pthread_join(t, NULL);
	return ok;
}

static void test_pthread_kill(void)
{
	pthread_t t[3];
	reset();
	for (int i = 0; i < 3; i++) {
		pthread_create(&t[i], NULL, suspender, (void *)(uintptr_t)i);
		sem_wait(&ready);
	}
	sleep_ms(20);	/* all three are (most likely) in sigsuspend */
	pthread_kill(t[1], SIGUSR1);
	int ok = wait_done(t[1], 1);
	sleep_ms(20);
	int nhits = hits;
	pid_t who = hit_tid;
	int code = hit_code, from = hit_pid;
	for (int i = 0; i < 3; i += 2) {
		giveup[i] = 1;
		pthread_kill(t[i], SIGUSR2);
		pthread_join(t[i], NULL);
	}
	if (!ktap_ok(ok && who == tids[1] && nhits == 1,
		     "pthread_kill: the handler runs once, in the chosen thread (gettid in the handler)"))
		ktap_diag("done %d, %d hits, handler tid %d, target %d (others %d %d)", ok, nhits,
			  who, tids[1], tids[0], tids[2]);
	if (!ktap_ok(code == SI_TKILL && from == getpid(),
		     "pthread_kill's siginfo: si_code SI_TKILL, si_pid our pid"))
		ktap_diag("si_code %d si_pid %d", code, from);
}

static sigset_t seen_mask;
static void *mask_thread(void *a)
{
	sigset_t winch = one(SIGWINCH), usr2 = one(SIGUSR2);
	pthread_sigmask(SIG_BLOCK, NULL, &seen_mask);
	pthread_sigmask(SIG_BLOCK, &winch, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	return NULL;
}

static void test_masks(void)
{
	sigset_t usr2 = one(SIGUSR2), now;
	pthread_t t;
	pthread_sigmask(SIG_BLOCK, &usr2, NULL);
	pthread_create(&t, NULL, mask_thread, NULL);
	pthread_join(t, NULL);
	pthread_sigmask(SIG_BLOCK, NULL, &now);
	pthread_sigmask(SIG_UNBLOCK, &usr2, NULL);
	ktap_ok(sigismember(&seen_mask, SIGUSR2) && !sigismember(&seen_mask, SIGWINCH),
		"a new thread starts with its creator's signal mask");
	ktap_ok(sigismember(&now, SIGUSR2) && !sigismember(&now, SIGWINCH),
		"a thread's pthread_sigmask changes leave the creator's mask alone");
}

static void test_process_directed(void)
{
	sigset_t usr1 = one(SIGUSR1), pend;
	pthread_t a, b;

	/* Everyone blocks it: it waits, pending for the process. */
	reset();
	pthread_sigmask(SIG_BLOCK, &usr1, NULL);
	pthread_create(&a, NULL, bystander, (void *)0);
	sem_wait(&ready);
	pthread_create(&b, NULL, suspender, (void *)(1 | 0x100));
	sem_wait(&ready);
	kill(getpid(), SIGUSR1);
	sleep_ms(20);
	sigemptyset(&pend);
	sigpending(&pend);
	int held = hits == 0 && sigismember(&pend, SIGUSR1);
	sem_post(&go[1]);	/* b unblocks it in sigsuspend */
	int ok = wait_done(b, 1);
	ktap_ok(held, "kill() while every thread blocks the signal: pending for the process, no handler");
	if (!ktap_ok(ok && hit_tid == tids[1] && hits == 1 && hit_code == SI_USER,
		     "...the first thread to unblock it (in sigsuspend) runs the handler"))
		ktap_diag("done %d, %d hits in tid %d (want %d), si_code %d", ok, hits, hit_tid,
			  tids[1], hit_code);

	/* A thread already asleep in sigsuspend is woken for it. */
	reset();
	pthread_create(&b, NULL, suspender, (void *)1);
	sem_wait(&ready);
	sleep_ms(50);
	kill(getpid(), SIGUSR1);
	ok = wait_done(b, 1);
	if (!ktap_ok(ok && hit_tid == tids[1] && hits == 1,
		     "kill() wakes the one thread that can take it, asleep in sigsuspend"))
		ktap_diag("done %d, %d hits in tid %d (want %d)", ok, hits, hit_tid, tids[1]);

	/* ...and interrupts one spinning in user mode. */
	reset();
	pthread_create(&b, NULL, spinner, (void *)2);
	sem_wait(&ready);
	kill(getpid(), SIGUSR1);
	ok = wait_done(b, 2);
	if (!ktap_ok(ok && hit_tid == tids[2] && hits == 1,
		     "kill() is delivered to the one thread not blocking it, spinning in user mode"))
		ktap_diag("done %d, %d hits in tid %d (want %d)", ok, hits, hit_tid, tids[2]);

	sem_post(&go[0]);
	pthread_join(a, NULL);
	pthread_sigmask(SIG_UNBLOCK, &usr1, NULL);
}

/* --- shared dispositions --- */
static volatile pid_t usr2_tid;
static void on_usr2_record(int sig, siginfo_t *si, void *uc) { usr2_tid = my_tid(); }

static void *installer(void *a)
{
	set_handler(SIGUSR2, on_usr2_record);
	signal(SIGHUP, SIG_IGN);
	return NULL;
}

static void test_sigaction_shared(void)
{
	pthread_t t;
	struct sigaction old;
	pthread_create(&t, NULL, installer, NULL);
	pthread_join(t, NULL);
	memset(&old, 0, sizeof(old));
	sigaction(SIGUSR2, NULL, &old);
	usr2_tid = 0;
	raise(SIGUSR2);
	ktap_ok(old.sa_sigaction == on_usr2_record && usr2_tid == my_tid(),
		"a handler another thread installed is the main thread's too (and runs there)");
	struct sigaction hup;
	memset(&hup, 0, sizeof(hup));
	sigaction(SIGHUP, NULL, &hup);
	kill(getpid(), SIGHUP);	/* would end us unless the SIG_IGN is shared */
	sleep_ms(10);
	ktap_ok(hup.sa_handler == SIG_IGN,
		"SIG_IGN set by another thread is the process's (and SIGHUP did not kill us)");
	signal(SIGHUP, SIG_DFL);
	set_handler(SIGUSR2, on_nop);
}

/* --- cancellation --- */
static volatile int cleaned, continued, after_testcancel;
static int cancel_pipe[2];

static void cleanup(void *a) { cleaned++; }

static void *reader(void *a)
{
	char c;
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	read(cancel_pipe[0], &c, 1);	/* nobody writes */
	pthread_cleanup_pop(0);
	return (void *)1;
}

static void *pauser(void *a)
{
	pthread_cleanup_push(cleanup, NULL);
	sem_post(&ready);
	for (;;)
		pause();
	pthread_cleanup_pop(0);
	return (void *)1;
}

static void *disabled(void *a)
{
	int old;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
	sem_post(&ready);
	while (sem_wait(&go[0]) != 0)
		;
	continued = 1;
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, &old);
	pthread_testcancel();
	after_testcancel = 1;
	return (void *)1;
}

static void test_cancel(void)
{
	pthread_t t;
	void *rv = NULL;
	pipe(cancel_pipe);
	cleaned = 0;
	pthread_create(&t, NULL, reader, NULL);
	sem_wait(&ready);
	sleep_ms(30);	/* let it block in read */
	int rc = pthread_cancel(t);
	pthread_join(t, &rv);
	if (!ktap_ok(rc == 0 && rv == PTHREAD_CANCELED && cleaned == 1,
		     "pthread_cancel of a thread blocked in read(): PTHREAD_CANCELED, cleanup ran"))
		ktap_diag("cancel %d, join value %p, cleanups %d", rc, rv, cleaned);
	close(cancel_pipe[0]);
	close(cancel_pipe[1]);

	cleaned = 0;
	rv = NULL;
	pthread_create(&t, NULL, pauser, NULL);
	sem_wait(&ready);
	sleep_ms(30);
	rc = pthread_cancel(t);
	pthread_join(t, &rv);
	if (!ktap_ok(rc == 0 && rv == PTHREAD_CANCELED && cleaned == 1,
		     "pthread_cancel of a thread in pause(): PTHREAD_CANCELED, cleanup ran"))
		ktap_diag("cancel %d, join value %p, cleanups %d", rc, rv, cleaned);

	rv = NULL;
	continued = after_testcancel = 0;
	pthread_create(&t, NULL, disabled, NULL);
	sem_wait(&ready);
	rc = pthread_cancel(t);
	sleep_ms(20);
	sem_post(&go[0]);
	pthread_join(t, &rv);
	if (!ktap_ok(rc == 0 && rv == PTHREAD_CANCELED && continued && !after_testcancel,
		     "a cancel sent while disabled waits: the thread goes on, then ends at pthread_testcancel"))
		ktap_diag("join value %p, continued %d, after %d", rv, continued, after_testcancel);
}

/* --- sigwait --- */
static volatile int waited_sig, waited_code, waited_pid, tw_result, tw_errno;

static void *sigwaiter(void *a)
{
	sigset_t usr1 = one(SIGUSR1), usr2 = one(SIGUSR2);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	sem_post(&ready);
	waited_sig = sigwaitinfo(&usr1, &si);
	waited_code = si.si_code;
	waited_pid = si.si_pid;
	/* A signal pending on another thread is not ours to take. */
	struct timespec ts = { 0, 100 * 1000000L };
	while (sem_wait(&go[1]) != 0)
		;
	tw_result = sigtimedwait(&usr2, NULL, &ts);
	tw_errno = errno;
	return NULL;
}

static void test_sigwait(void)
{
	sigset_t both, pend;
	pthread_t t;
	sigemptyset(&both);
	sigaddset(&both, SIGUSR1);
	sigaddset(&both, SIGUSR2);
	reset();
	pthread_sigmask(SIG_BLOCK, &both, NULL);	/* inherited by the waiter */
	pthread_create(&t, NULL, sigwaiter, NULL);
	sem_wait(&ready);
	sleep_ms(20);
	kill(getpid(), SIGUSR1);
	for (int i = 0; i < 300 && !waited_sig; i++)
		sleep_ms(10);
	if (!ktap_ok(waited_sig == SIGUSR1 && waited_code == SI_USER && waited_pid == getpid() &&
			     hits == 0,
		     "sigwaitinfo in one thread takes a process-directed signal; no handler runs"))
		ktap_diag("got %d code %d pid %d, handler hits %d", waited_sig, waited_code,
			  waited_pid, hits);

	pthread_kill(pthread_self(), SIGUSR2);
	sem_post(&go[1]);
	pthread_join(t, NULL);
	ktap_ok(tw_result == -1 && tw_errno == EAGAIN,
		"a signal pending on the main thread is not seen by another thread's sigtimedwait");
	sigemptyset(&pend);
	sigpending(&pend);
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	/* The raw call: glibc's wrapper reports SI_TKILL as SI_USER. */
	struct { long sec, nsec; } zero = { 0, 0 };
	sigset_t usr2 = one(SIGUSR2);
	long got = SC(SYS_rt_sigtimedwait, &usr2, &si, &zero, 8);
	if (!ktap_ok(sigismember(&pend, SIGUSR2) && got == SIGUSR2 && si.si_code == SI_TKILL,
		     "...it stays pending on the main thread, whose sigtimedwait takes it (SI_TKILL)"))
		ktap_diag("pending %d, rt_sigtimedwait %ld, si_code %d", sigismember(&pend, SIGUSR2),
			  got, si.si_code);
	pthread_sigmask(SIG_UNBLOCK, &both, NULL);
}

int main(void)
{
	default_signals();
	alarm(60);	/* a hang fails the test rather than the whole run */
	set_handler(SIGUSR1, on_usr1);
	set_handler(SIGUSR2, on_nop);
	sem_init(&ready, 0, 0);
	for (int i = 0; i < NW; i++)
		sem_init(&go[i], 0, 0);

	ktap_plan(16);
	test_pthread_kill();
	test_masks();
	test_process_directed();
	test_sigaction_shared();
	test_cancel();
	test_sigwait();
	return ktap_finish();
}
