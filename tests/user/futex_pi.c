/*
 * futex_pi: the priority-inheritance futex operations' protocol, as Linux
 * shows it to user space (xentry keeps the protocol, not the boosting).
 *
 * Linux facts tested:
 *  - the word is the owner's tid; LOCK_PI of a free word stores the
 *    caller's tid; of one the caller owns is EDEADLK; of one naming no
 *    task ESRCH.  TRYLOCK_PI of an owned word is EAGAIN (and sets
 *    FUTEX_WAITERS).  UNLOCK_PI by a non-owner is EPERM; with no waiter it
 *    stores 0.
 *  - contended: the waiter's LOCK_PI sets FUTEX_WAITERS and sleeps; the
 *    owner's UNLOCK_PI hands the lock over (word = waiter's tid |
 *    FUTEX_WAITERS) and the waiter returns 0 owning it.
 *  - LOCK_PI's timeout is absolute CLOCK_REALTIME, LOCK_PI2's absolute
 *    CLOCK_MONOTONIC: ETIMEDOUT; FUTEX_CLOCK_REALTIME on LOCK_PI is ENOSYS.
 *  - an owner that exits while a waiter is blocked hands it the lock.
 *  - WAIT_REQUEUE_PI + CMP_REQUEUE_PI: a free lock is taken for the woken
 *    waiter (return 1, it returns 0 owning it); nr_wake != 1, one word
 *    for both, and a wrong cmpval are EINVAL, EINVAL, EAGAIN.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#define LOCK_PI 6
#define UNLOCK_PI 7
#define TRYLOCK_PI 8
#define WAIT_REQUEUE_PI 11
#define CMP_REQUEUE_PI 12
#define LOCK_PI2 13
#define PRIV 128
#define CLOCK_RT_FLAG 256
#define WAITERS 0x80000000u
#define TID_MASK 0x3fffffffu

static volatile uint32_t lock, lock2, cond, go;

static long fx(volatile uint32_t *u, int op, uint32_t val, void *ts, volatile uint32_t *u2,
	       uint32_t v3)
{
	long r = syscall(SYS_futex, u, op, val, ts, u2, v3);
	return r < 0 ? -errno : r;
}

static uint32_t gettid_(void) { return (uint32_t)syscall(SYS_gettid); }

static struct timespec after_ms(int clk, int ms)
{
	struct timespec t;
	clock_gettime(clk, &t);
	t.tv_nsec += ms * 1000000L;
	t.tv_sec += t.tv_nsec / 1000000000L;
	t.tv_nsec %= 1000000000L;
	return t;
}

static void wait_for_bit(volatile uint32_t *w)
{
	for (int i = 0; i < 2000 && !(*w & WAITERS); i++)
		usleep(1000);
}

struct res { long ret; uint32_t word, tid; };

static void *locker(void *arg)
{
	struct res *r = arg;
	r->tid = gettid_();
	r->ret = fx(&lock, LOCK_PI | PRIV, 0, NULL, NULL, 0);
	r->word = lock;
	if (r->ret == 0)
		fx(&lock, UNLOCK_PI | PRIV, 0, NULL, NULL, 0);
	return NULL;
}

static void *holder(void *arg)
{
	struct res *r = arg;
	r->ret = fx(&lock2, LOCK_PI | PRIV, 0, NULL, NULL, 0);
	for (int i = 0; i < 5000 && !go; i++)
		usleep(1000);
	usleep(20000);
	return NULL;		/* exits owning lock2 */
}

static void *rq_waiter(void *arg)
{
	struct res *r = arg;
	r->tid = gettid_();
	r->ret = fx(&cond, WAIT_REQUEUE_PI | PRIV, 0, NULL, &lock, 0);
	r->word = lock;
	if (r->ret == 0)
		fx(&lock, UNLOCK_PI | PRIV, 0, NULL, NULL, 0);
	return NULL;
}

int main(void)
{
	ktap_plan(20);
	uint32_t me = gettid_();

	/* Uncontended: user space alone, as glibc does. */
	ktap_ok(__sync_bool_compare_and_swap(&lock, 0, me) &&
		__sync_bool_compare_and_swap(&lock, me, 0), "uncontended cmpxchg lock/unlock");

	ktap_eq(fx(&lock, LOCK_PI | PRIV, 0, NULL, NULL, 0), 0, "LOCK_PI of a free word");
	ktap_eq(lock, me, "word holds the caller's tid");
	ktap_eq(fx(&lock, LOCK_PI | PRIV, 0, NULL, NULL, 0), -EDEADLK, "LOCK_PI by owner EDEADLK");
	ktap_eq(fx(&lock, UNLOCK_PI | PRIV, 0, NULL, NULL, 0), 0, "UNLOCK_PI without waiters");
	ktap_eq(lock, 0, "word is 0 again");

	lock = 0x3ffffff0;	/* a tid no task has */
	ktap_eq(fx(&lock, LOCK_PI | PRIV, 0, NULL, NULL, 0), -ESRCH, "owner that does not exist ESRCH");
	ktap_eq(fx(&lock, UNLOCK_PI | PRIV, 0, NULL, NULL, 0), -EPERM, "UNLOCK_PI by non-owner EPERM");

	struct timespec ts = after_ms(CLOCK_REALTIME, 10);
	ktap_eq(fx(&lock, LOCK_PI | PRIV | CLOCK_RT_FLAG, 0, &ts, NULL, 0), -ENOSYS,
		"FUTEX_CLOCK_REALTIME with LOCK_PI ENOSYS");

	/* Contended: a second thread blocks on our lock. */
	lock = 0;
	fx(&lock, LOCK_PI | PRIV, 0, NULL, NULL, 0);
	struct res r = { -1, 0, 0 };
	pthread_t th;
	pthread_create(&th, NULL, locker, &r);
	wait_for_bit(&lock);
	ktap_eq(lock, me | WAITERS, "blocked waiter set FUTEX_WAITERS");
	ktap_eq(fx(&lock, TRYLOCK_PI | PRIV, 0, NULL, NULL, 0), -EDEADLK, "TRYLOCK_PI by owner EDEADLK");
	ktap_eq(fx(&lock, UNLOCK_PI | PRIV, 0, NULL, NULL, 0), 0, "UNLOCK_PI hands over");
	pthread_join(th, NULL);
	ktap_ok(r.ret == 0 && r.word == (r.tid | WAITERS), "waiter returned 0 owning the lock (%ld %#x)",
		r.ret, r.word);
	ktap_eq(lock, 0, "waiter's own UNLOCK_PI left 0");

	/* Timeouts and trylock against a live owner (another thread). */
	lock2 = 0;
	struct res h = { -1, 0, 0 };
	pthread_create(&th, NULL, holder, &h);
	for (int i = 0; i < 2000 && !lock2; i++)
		usleep(1000);
	ktap_eq(fx(&lock2, TRYLOCK_PI | PRIV, 0, NULL, NULL, 0), -EAGAIN, "TRYLOCK_PI of owned word EAGAIN");
	ts = after_ms(CLOCK_REALTIME, 20);
	long t1 = fx(&lock2, LOCK_PI | PRIV, 0, &ts, NULL, 0);
	ts = after_ms(CLOCK_MONOTONIC, 20);
	long t2 = fx(&lock2, LOCK_PI2 | PRIV, 0, &ts, NULL, 0);
	ktap_ok(t1 == -ETIMEDOUT && t2 == -ETIMEDOUT, "LOCK_PI (REALTIME) and LOCK_PI2 (MONOTONIC) time out");
	/* The holder exits owning lock2 while we wait: the lock comes to us,
	 * marked FUTEX_OWNER_DIED (and FUTEX_WAITERS). */
	go = 1;
	ts = after_ms(CLOCK_REALTIME, 5000);
	long got = fx(&lock2, LOCK_PI | PRIV, 0, &ts, NULL, 0);
	pthread_join(th, NULL);
	ktap_ok(got == 0 && lock2 == (me | WAITERS | 0x40000000u), "owner's exit hands the lock over (%ld %#x)",
		got, lock2);

	/* Requeue-PI. */
	lock = 0, cond = 0;
	ktap_ok(fx(&cond, CMP_REQUEUE_PI | PRIV, 2, 0, &lock, 0) == -EINVAL &&
		fx(&cond, CMP_REQUEUE_PI | PRIV, 1, 0, &cond, 0) == -EINVAL &&
		fx(&cond, WAIT_REQUEUE_PI | PRIV, 0, NULL, &cond, 0) == -EINVAL,
		"nr_wake 2, same word: EINVAL");
	ktap_eq(fx(&cond, CMP_REQUEUE_PI | PRIV, 1, 0, &lock, 7), -EAGAIN, "wrong cmpval EAGAIN");
	r = (struct res){ -1, 0, 0 };
	pthread_create(&th, NULL, rq_waiter, &r);
	long n = 0;
	for (int i = 0; i < 2000 && n == 0; i++) {
		usleep(1000);
		n = fx(&cond, CMP_REQUEUE_PI | PRIV, 1, 0, &lock, 0);
	}
	pthread_join(th, NULL);
	ktap_ok(n == 1 && r.ret == 0 && (r.word & TID_MASK) == r.tid,
		"CMP_REQUEUE_PI gives the free lock to the waiter (%ld %ld %#x)", n, r.ret, r.word);
	return ktap_finish();
}
