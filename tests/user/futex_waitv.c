/*
 * futex_waitv: waiting on several futex words at once (syscall 449 on
 * both ABIs), with Linux's checks.
 *
 * Linux facts tested:
 *  - flags must be 0; 1..128 entries; a NULL vector: all EINVAL.
 *  - each entry needs FUTEX2_SIZE_U32 (U64 is EINVAL), no unknown flag
 *    bits, __reserved 0, a val that fits in 32 bits (else EINVAL); an
 *    unaligned word EINVAL, an unmapped word or vector EFAULT.
 *  - a word that differs from its val: EAGAIN.
 *  - the timeout is absolute on CLOCK_MONOTONIC or CLOCK_REALTIME (another
 *    clock is EINVAL), a __kernel_timespec on i386 too: ETIMEDOUT.
 *  - a FUTEX_WAKE of one word returns that entry's index, for private
 *    and shared entries; 128 entries are accepted.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include <pthread.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>

#define NR_futex_waitv 449
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_SIZE_U64 0x03
#define FUTEX2_PRIVATE 128
#define BADPTR ((uint64_t)16)

struct waitv { uint64_t val, uaddr; uint32_t flags, __reserved; };
struct kts { int64_t sec, nsec; };

static uint32_t words[130];

static long waitv(struct waitv *v, unsigned n, unsigned flags, struct kts *ts, int clk)
{
	long r = syscall(NR_futex_waitv, v, n, flags, ts, clk);
	return r < 0 ? -errno : r;
}

static void entry(struct waitv *v, uint32_t *w, uint32_t val, uint32_t flags)
{
	*v = (struct waitv){ val, (uintptr_t)w, flags, 0 };
}

static struct kts after_ms(int clk, int ms)
{
	struct timespec now;
	clock_gettime(clk, &now);
	int64_t ns = now.tv_nsec + (int64_t)ms * 1000000;
	return (struct kts){ now.tv_sec + ns / 1000000000, ns % 1000000000 };
}

struct waker { uint32_t *word; int private; };

static void *wake_fn(void *arg)
{
	struct waker *k = arg;
	/* Keep trying until the main thread is asleep on the word. */
	for (int i = 0; i < 2000; i++) {
		usleep(1000);
		if (syscall(SYS_futex, k->word, k->private ? 129 : 1, 1, 0, 0, 0) == 1)
			break;
	}
	return NULL;
}

static long wake_test(int private)
{
	struct waitv v[3];
	uint32_t fl = FUTEX2_SIZE_U32 | (private ? FUTEX2_PRIVATE : 0);
	for (int i = 0; i < 3; i++)
		entry(&v[i], &words[i], 0, fl);
	struct waker k = { &words[1], private };
	pthread_t th;
	pthread_create(&th, NULL, wake_fn, &k);
	struct kts ts = after_ms(CLOCK_MONOTONIC, 5000);
	long r = waitv(v, 3, 0, &ts, CLOCK_MONOTONIC);
	pthread_join(th, NULL);
	return r;
}

int main(void)
{
	ktap_plan(18);
	struct waitv v[130];
	for (int i = 0; i < 130; i++)
		entry(&v[i], &words[i], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);
	struct kts past = { 0, 0 };

	ktap_eq(waitv(v, 1, 1, &past, CLOCK_MONOTONIC), -EINVAL, "flags 1 EINVAL");
	ktap_eq(waitv(v, 0, 0, &past, CLOCK_MONOTONIC), -EINVAL, "0 entries EINVAL");
	ktap_eq(waitv(v, 129, 0, &past, CLOCK_MONOTONIC), -EINVAL, "129 entries EINVAL");
	ktap_eq(waitv(NULL, 1, 0, &past, CLOCK_MONOTONIC), -EINVAL, "NULL vector EINVAL");
	ktap_eq(waitv((void *)(uintptr_t)BADPTR, 1, 0, &past, CLOCK_MONOTONIC), -EFAULT,
		"unmapped vector EFAULT");
	ktap_eq(waitv(v, 128, 0, &past, 2 /* CLOCK_PROCESS_CPUTIME_ID */), -EINVAL,
		"clock other than MONOTONIC/REALTIME EINVAL");

	v[1].flags = FUTEX2_PRIVATE;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "no size flag EINVAL");
	v[1].flags = FUTEX2_SIZE_U64;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "U64 size EINVAL");
	v[1].flags = FUTEX2_SIZE_U32 | 0x100;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "unknown flag bit EINVAL");
	v[1].flags = FUTEX2_SIZE_U32;
	v[1].__reserved = 1;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "__reserved set EINVAL");
	v[1].__reserved = 0;
	v[1].val = 0x100000000ull;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "val over 32 bits EINVAL");
	v[1].val = 0;
	v[1].uaddr = (uintptr_t)words + 2;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EINVAL, "unaligned word EINVAL");
	v[1].uaddr = BADPTR;
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EFAULT, "unmapped word EFAULT");
	entry(&v[1], &words[1], 5, FUTEX2_SIZE_U32);
	ktap_eq(waitv(v, 2, 0, &past, CLOCK_MONOTONIC), -EAGAIN, "mismatched value EAGAIN");
	entry(&v[1], &words[1], 0, FUTEX2_SIZE_U32 | FUTEX2_PRIVATE);

	struct kts ts = after_ms(CLOCK_MONOTONIC, 30);
	ktap_eq(waitv(v, 128, 0, &ts, CLOCK_MONOTONIC), -ETIMEDOUT,
		"128 entries time out on CLOCK_MONOTONIC");
	ts = after_ms(CLOCK_REALTIME, 30);
	ktap_eq(waitv(v, 2, 0, &ts, CLOCK_REALTIME), -ETIMEDOUT, "times out on CLOCK_REALTIME");

	ktap_eq(wake_test(1), 1, "private wake of entry 1 returns 1");
	ktap_eq(wake_test(0), 1, "shared wake of entry 1 returns 1");
	return ktap_finish();
}
