/*
 * How many tasks can exist at once.  Linux sizes its limit (threads-max)
 * by memory - an eighth of it in kernel stacks - which is 4,096 tasks with
 * xentry's 512 MiB; xentry used to stop at 128.  4,000 threads, each
 * parked on a futex-backed barrier, must all exist at the same time; then
 * all are released and joined, and the process is still whole.  Past the
 * limit (xentry only: Linux's is far higher on the host) creation fails
 * with EAGAIN, not a crash.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ktap.h"

#define WANT 4000

static atomic_int started;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t go = PTHREAD_COND_INITIALIZER;
static int released;

static void *parked(void *arg)
{
	atomic_fetch_add(&started, 1);
	pthread_mutex_lock(&lock);
	while (!released)
		pthread_cond_wait(&go, &lock);
	pthread_mutex_unlock(&lock);
	return arg;
}

int main(void)
{
	ktap_plan(3);
	static pthread_t th[WANT];
	pthread_attr_t a;
	pthread_attr_init(&a);
	pthread_attr_setstacksize(&a, 16384);
	int made = 0, err = 0;
	for (; made < WANT; made++) {
		err = pthread_create(&th[made], &a, parked, (void *)(long)made);
		if (err)
			break;
	}
	while (atomic_load(&started) < made)
		sched_yield();
	if (!ktap_ok(made == WANT, "%d threads exist at once (%d made)", WANT, made))
		ktap_diag("pthread_create: %s", strerror(err));

	pthread_mutex_lock(&lock);
	released = 1;
	pthread_cond_broadcast(&go);
	pthread_mutex_unlock(&lock);
	int joined = 0;
	for (int i = 0; i < made; i++) {
		void *r;
		if (pthread_join(th[i], &r) == 0 && (long)r == i)
			joined++;
	}
	ktap_eq(joined, made, "all %d joined with their own return values", made);

	/* After they are gone the process can make threads again. */
	pthread_t t;
	void *r = NULL;
	int e = pthread_create(&t, NULL, parked, (void *)7L);
	if (!e)
		pthread_join(t, &r);
	ktap_ok(e == 0 && (long)r == 7, "a thread can be created after the others exit");
	return ktap_finish();
}
