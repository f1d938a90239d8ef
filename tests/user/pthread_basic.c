/*
 * pthread_basic: POSIX threads as the C library builds them on clone
 * (CLONE_VM|CLONE_THREAD|CLONE_SIGHAND|CLONE_SETTLS|CLONE_CHILD_CLEARTID...)
 * and futex.  Built with glibc (-m32, -m64) and with musl (NAME.musl64).
 *
 * Linux facts tested:
 *  - pthread_create/pthread_join: each thread's return value comes back
 *    to the joiner; dozens of threads can be alive at once, and hundreds
 *    created one after another (tids, stacks and TLS blocks get reused);
 *  - thread-local storage (__thread, i.e. %fs on x86-64, %gs on i386) is
 *    per thread: each starts from the initial image, its writes are its
 *    own, and the variable lives at a different address in each thread;
 *  - gettid differs from getpid in a thread, getpid is the same in every
 *    thread of the process, tids are distinct, main's tid is its pid;
 *  - a mutex makes a non-atomic read-modify-write exact across threads
 *    that get preempted in the middle of it; trylock says EBUSY;
 *  - condition variables: strict ping-pong between two threads,
 *    broadcast wakes every waiter, timedwait times out;
 *  - detached threads run and vanish on their own;
 *  - the main thread may pthread_exit while others run: the process stays
 *    (its parent cannot reap it, waitpid WNOHANG says 0), getpid is still
 *    the same in the survivors, and the process exits with status 0 when
 *    the last thread returns.
 *
 * `NAME stress T R` runs only the mutex counter with T threads x R rounds
 * (to measure: it prints the time taken).
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

static long long now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

/* Small stacks where many threads live at once. */
static pthread_attr_t small;

/* --- create/join --- */
static void *ret_arg(void *a) { return (void *)((uintptr_t)a * 3 + 1); }

static void test_join(void)
{
	pthread_t t[8];
	int created = 0, good = 0;
	for (uintptr_t i = 0; i < 8; i++)
		created += pthread_create(&t[i], NULL, ret_arg, (void *)i) == 0;
	for (uintptr_t i = 0; i < (uintptr_t)created; i++) {
		void *rv = NULL;
		if (pthread_join(t[i], &rv) == 0 && rv == (void *)(i * 3 + 1))
			good++;
	}
	if (!ktap_ok(created == 8 && good == 8,
		     "8 threads created and joined, each join gets its thread's return value"))
		ktap_diag("created %d, right return values %d", created, good);
}

/* --- ids --- */
struct ids { pid_t pid, tid; };
static void *get_ids(void *a)
{
	struct ids *r = a;
	r->pid = getpid();
	r->tid = my_tid();
	return NULL;
}

static void test_ids(void)
{
	pid_t me = getpid();
	struct ids r[4];
	pthread_t t[4];
	memset(r, 0, sizeof(r));
	ktap_eq(my_tid(), me, "in the main thread gettid() == getpid()");
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, get_ids, &r[i]);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	int same_pid = 1, own_tid = 1, distinct = 1;
	for (int i = 0; i < 4; i++) {
		same_pid &= r[i].pid == me;
		own_tid &= r[i].tid > 0 && r[i].tid != me;
		for (int j = 0; j < i; j++)
			distinct &= r[i].tid != r[j].tid;
	}
	ktap_ok(same_pid, "getpid() in every thread is the process's pid");
	if (!ktap_ok(own_tid && distinct, "each thread's gettid() is its own and not the pid"))
		for (int i = 0; i < 4; i++)
			ktap_diag("thread %d: pid %d tid %d (main %d)", i, r[i].pid, r[i].tid, me);
}

/* --- TLS --- */
static __thread int tls_val = 5;
static __thread char tls_buf[64];
static pthread_barrier_t tls_bar;

struct tls_res { int ok; uintptr_t addr; };
static void *tls_thread(void *a)
{
	struct tls_res *r = a;
	int idx = (int)(r->addr);
	int fresh = tls_val == 5 && tls_buf[0] == 0;
	tls_val = 100 + idx;
	memset(tls_buf, 'a' + idx, sizeof(tls_buf));
	/* Everyone has written its own copy before anyone checks. */
	pthread_barrier_wait(&tls_bar);
	int kept = tls_val == 100 + idx;
	for (size_t i = 0; i < sizeof(tls_buf); i++)
		kept &= tls_buf[i] == 'a' + idx;
	r->ok = fresh && kept;
	r->addr = (uintptr_t)&tls_val;
	return NULL;
}

static void test_tls(void)
{
	struct tls_res r[4];
	pthread_t t[4];
	tls_val = 77;
	memset(tls_buf, 'M', sizeof(tls_buf));
	pthread_barrier_init(&tls_bar, NULL, 4);
	for (int i = 0; i < 4; i++) {
		r[i].ok = 0;
		r[i].addr = (uintptr_t)i;
		pthread_create(&t[i], NULL, tls_thread, &r[i]);
	}
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&tls_bar);
	int all = 1, distinct = 1;
	for (int i = 0; i < 4; i++) {
		all &= r[i].ok;
		distinct &= r[i].addr != (uintptr_t)&tls_val;
		for (int j = 0; j < i; j++)
			distinct &= r[i].addr != r[j].addr;
	}
	ktap_ok(all, "__thread variables start from the initial image in each thread and keep its writes");
	ktap_ok(tls_val == 77 && tls_buf[0] == 'M' && tls_buf[63] == 'M',
		"the main thread's __thread values are untouched by the others");
	ktap_ok(distinct, "a __thread variable has a different address in every thread");
}

/* --- many threads --- */
static pthread_barrier_t many_bar;
static int many_count;
static pthread_mutex_t many_lock = PTHREAD_MUTEX_INITIALIZER;

static void *many_thread(void *a)
{
	pthread_mutex_lock(&many_lock);
	many_count++;
	pthread_mutex_unlock(&many_lock);
	pthread_barrier_wait(&many_bar);
	return a;
}

static void *nothing(void *a) { return a; }

static void test_many(void)
{
	enum { N = 50 };
	pthread_t t[N];
	int created = 0, joined = 0;
	pthread_barrier_init(&many_bar, NULL, N + 1);
	for (uintptr_t i = 0; i < N; i++)
		created += pthread_create(&t[i], &small, many_thread, (void *)i) == 0;
	if (created == N)
		pthread_barrier_wait(&many_bar);	/* all 51 alive at once */
	for (int i = 0; i < created; i++) {
		void *rv;
		joined += pthread_join(t[i], &rv) == 0 && rv == (void *)(uintptr_t)i;
	}
	pthread_barrier_destroy(&many_bar);
	if (!ktap_ok(created == N && joined == N && many_count == N,
		     "%d threads alive at once (a barrier), all joined", N))
		ktap_diag("created %d joined %d counted %d", created, joined, many_count);

	/* One after another: every create reuses what the last one freed. */
	int ok = 0;
	for (uintptr_t i = 0; i < 300; i++) {
		pthread_t x;
		void *rv = NULL;
		if (pthread_create(&x, &small, nothing, (void *)i) == 0 &&
		    pthread_join(x, &rv) == 0 && rv == (void *)i)
			ok++;
	}
	ktap_eq(ok, 300, "300 threads created and joined one after another");
}

/* --- mutex --- */
static pthread_mutex_t ctr_lock = PTHREAD_MUTEX_INITIALIZER;
static volatile long ctr;
static long ctr_rounds;

static void *ctr_thread(void *a)
{
	for (long i = 0; i < ctr_rounds; i++) {
		pthread_mutex_lock(&ctr_lock);
		/* A read-modify-write a preemption can split: without the
		 * lock, updates would be lost. */
		long v = ctr;
		if ((i & 1023) == 0)
			sched_yield();	/* be preempted while holding the lock */
		ctr = v + 1;
		pthread_mutex_unlock(&ctr_lock);
	}
	return a;
}

static void *trylock_thread(void *a)
{
	int rc = pthread_mutex_trylock(&ctr_lock);
	if (rc == 0)
		pthread_mutex_unlock(&ctr_lock);
	return (void *)(intptr_t)rc;
}

/* Returns the elapsed milliseconds; the count is checked by the caller. */
static long long run_counter(int nthreads, long rounds, int *created)
{
	pthread_t t[256];
	long long t0 = now_ms();
	ctr = 0;
	ctr_rounds = rounds;
	*created = 0;
	for (int i = 0; i < nthreads && i < 256; i++)
		*created += pthread_create(&t[i], &small, ctr_thread, NULL) == 0;
	for (int i = 0; i < *created; i++)
		pthread_join(t[i], NULL);
	return now_ms() - t0;
}

static void test_mutex(void)
{
	int created;
	long long ms = run_counter(16, 20000, &created);
	if (!ktap_eq(ctr, 16L * 20000, "16 threads x 20000 locked increments: exact count"))
		ktap_diag("%d threads created", created);
	ktap_diag("16 x 20000 took %lld ms", ms);

	/*
	 * The stress size the issue asks for, 64 x 100000.  Measured on xentry
	 * under QEMU TCG (one CPU): 0.7 s for glibc -m64, 1.0 s for -m32 and
	 * 3.4 s for musl (whose contended mutex path is slower) including the
	 * boot, well under the 20 s budget, so the full size runs every time.
	 */
	enum { STRESS_ROUNDS = 100000 };
	ms = run_counter(64, STRESS_ROUNDS, &created);
	if (!ktap_eq(ctr, 64L * STRESS_ROUNDS, "64 threads x %d locked increments: exact count",
		     STRESS_ROUNDS))
		ktap_diag("%d threads created", created);
	ktap_diag("64 x %d took %lld ms", STRESS_ROUNDS, ms);

	/* trylock from another thread while main holds the lock. */
	pthread_t t;
	void *rv = NULL;
	pthread_mutex_lock(&ctr_lock);
	pthread_create(&t, NULL, trylock_thread, NULL);
	pthread_join(t, &rv);
	pthread_mutex_unlock(&ctr_lock);
	ktap_eq((long)(intptr_t)rv, EBUSY, "pthread_mutex_trylock of a mutex another thread holds: EBUSY");
}

/* --- condition variables --- */
static pthread_mutex_t cv_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int turn, seq_n;
static signed char seq[4000];
enum { PING_ROUNDS = 2000 };

static void *pinger(void *a)
{
	int me = (int)(uintptr_t)a;
	for (int i = 0; i < PING_ROUNDS; i++) {
		pthread_mutex_lock(&cv_lock);
		while (turn != me)
			pthread_cond_wait(&cv, &cv_lock);
		seq[seq_n++] = (signed char)me;
		turn = !me;
		pthread_cond_signal(&cv);
		pthread_mutex_unlock(&cv_lock);
	}
	return NULL;
}

static int go, woken;
static void *waiter(void *a)
{
	pthread_mutex_lock(&cv_lock);
	while (!go)
		pthread_cond_wait(&cv, &cv_lock);
	woken++;
	pthread_mutex_unlock(&cv_lock);
	return a;
}

static void test_cond(void)
{
	pthread_t a, b;
	turn = 0;
	seq_n = 0;
	pthread_create(&a, NULL, pinger, (void *)0);
	pthread_create(&b, NULL, pinger, (void *)1);
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	int alt = seq_n == 2 * PING_ROUNDS;
	for (int i = 0; alt && i < seq_n; i++)
		alt = seq[i] == (i & 1);
	if (!ktap_ok(alt, "condition-variable ping-pong: %d strictly alternating turns",
		     2 * PING_ROUNDS))
		ktap_diag("%d turns recorded", seq_n);

	/* broadcast: 8 waiters, all blocked before go is set. */
	pthread_t w[8];
	go = woken = 0;
	for (int i = 0; i < 8; i++)
		pthread_create(&w[i], &small, waiter, NULL);
	sleep_ms(50);
	pthread_mutex_lock(&cv_lock);
	go = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&cv_lock);
	for (int i = 0; i < 8; i++)
		pthread_join(w[i], NULL);
	ktap_eq(woken, 8, "pthread_cond_broadcast wakes all 8 waiters");

	/* timedwait with nobody signalling. */
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_nsec += 100 * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	long long t0 = now_ms();
	pthread_mutex_lock(&cv_lock);
	int rc = pthread_cond_timedwait(&cv, &cv_lock, &dl);
	pthread_mutex_unlock(&cv_lock);
	long long dt = now_ms() - t0;
	if (!ktap_ok(rc == ETIMEDOUT && dt >= 90 && dt < 5000,
		     "pthread_cond_timedwait(100 ms) times out with ETIMEDOUT"))
		ktap_diag("rc %d after %lld ms", rc, dt);
}

/* --- detached threads --- */
static sem_t det_sem;
static int det_ran;
static pthread_mutex_t det_lock = PTHREAD_MUTEX_INITIALIZER;

static void *det_thread(void *a)
{
	if (a)
		pthread_detach(pthread_self());
	pthread_mutex_lock(&det_lock);
	det_ran++;
	pthread_mutex_unlock(&det_lock);
	sem_post(&det_sem);
	return NULL;
}

static void test_detach(void)
{
	pthread_attr_t det;
	pthread_attr_init(&det);
	pthread_attr_setstacksize(&det, 64 * 1024);
	pthread_attr_setdetachstate(&det, PTHREAD_CREATE_DETACHED);
	sem_init(&det_sem, 0, 0);
	int created = 0;
	/* Half detach themselves, half are created detached. */
	for (int i = 0; i < 100; i++) {
		pthread_t t;
		if (i & 1)
			created += pthread_create(&t, &det, det_thread, NULL) == 0;
		else
			created += pthread_create(&t, &small, det_thread, (void *)1) == 0;
	}
	int posts = 0;
	for (int i = 0; i < created; i++) {
		struct timespec dl;
		clock_gettime(CLOCK_REALTIME, &dl);
		dl.tv_sec += 5;
		while (sem_timedwait(&det_sem, &dl) != 0 && errno == EINTR)
			;
		posts++;
	}
	if (!ktap_ok(created == 100 && det_ran == 100,
		     "100 detached threads (attr or pthread_detach) all ran"))
		ktap_diag("created %d ran %d posts %d", created, det_ran, posts);
	pthread_attr_destroy(&det);
}

/* --- main thread exits first --- */
static int go_fd, report_fd;
static pid_t leader_pid;

static void *survivor(void *a)
{
	char c;
	/* Wait until the parent has looked at us with the leader gone. */
	while (read(go_fd, &c, 1) < 0 && errno == EINTR)
		;
	c = getpid() == leader_pid ? 'T' : 't';
	write(report_fd, &c, 1);
	return NULL;	/* the last thread: the process exits 0 */
}

/*
 * The child runs this after an execve of ourselves: musl 1.2.3's fork
 * leaves the child's main thread without a clear-child-tid address (it
 * only reads gettid), so a main thread that pthread_exits in a forked
 * child leaves musl's thread-list lock held forever.  A fresh image sets
 * it up properly.
 */
static int main_exits_child(char **argv)
{
	pthread_t t;
	go_fd = atoi(argv[2]);
	report_fd = atoi(argv[3]);
	leader_pid = getpid();
	if (pthread_create(&t, NULL, survivor, NULL) != 0)
		return 3;
	write(report_fd, "M", 1);
	pthread_exit(NULL);
}

static void test_main_exits(const char *self)
{
	int gp[2], rp[2], st = -1;
	pipe(gp);
	pipe(rp);
	pid_t pid = fork();
	if (pid == 0) {
		char a2[16], a3[16];
		close(gp[1]);
		close(rp[0]);
		snprintf(a2, sizeof(a2), "%d", gp[0]);
		snprintf(a3, sizeof(a3), "%d", rp[1]);
		char *av[] = { (char *)self, "main-exits", a2, a3, NULL };
		execv(self, av);
		_exit(4);
	}
	close(gp[0]);
	close(rp[1]);
	char m = 0, t = 0;
	read(rp[0], &m, 1);
	sleep_ms(100);	/* let the main thread finish exiting */
	long early = SC(SYS_wait4, pid, &st, WNOHANG, 0);
	int alive = kill(pid, 0) == 0;
	write(gp[1], "g", 1);
	read(rp[0], &t, 1);
	long r = SC(SYS_wait4, pid, &st, 0, 0);
	close(gp[1]);
	close(rp[0]);
	ktap_ok(m == 'M' && early == 0 && alive,
		"after the main thread's pthread_exit the process lives on (WNOHANG wait says 0)");
	ktap_ok(t == 'T', "the surviving thread runs, and getpid() is still the process's pid");
	if (!ktap_ok(r == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "when the last thread returns, the process exits with status 0")) {
		char buf[64];
		ktap_diag("wait4 %ld: %s; early wait4 %ld", r, status_str(st, buf, sizeof(buf)), early);
	}
}

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "main-exits") == 0)
		return main_exits_child(argv);
	default_signals();
	pthread_attr_init(&small);
	pthread_attr_setstacksize(&small, 64 * 1024);

	if (argc == 4 && strcmp(argv[1], "stress") == 0) {
		int n = atoi(argv[2]), created;
		long rounds = atol(argv[3]);
		ktap_plan(1);
		long long ms = run_counter(n, rounds, &created);
		ktap_eq(ctr, (long)n * rounds, "%d threads x %ld locked increments: exact count",
			n, rounds);
		ktap_diag("took %lld ms", ms);
		return ktap_finish();
	}

	ktap_plan(19);
	test_join();
	test_ids();
	test_tls();
	test_many();
	test_mutex();
	test_cond();
	test_detach();
	test_main_exits(argv[0]);
	return ktap_finish();
}
