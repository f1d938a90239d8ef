/*
 * futex_waitv: sleep on up to 128 futex words at once until one of them
 * is woken (Linux 5.16's futex2 interface; Wine and Proton wait on
 * several events with it).  The waiters are the ordinary ones of
 * kernel/futex.c, one per word, all pointing at one sleep channel, so
 * every FUTEX_WAKE and requeue reaches them unchanged.
 *
 * Linux's rules: flags must be 0; 1..128 entries; each entry's flags are
 * FUTEX2_SIZE_U32 (the only size implemented) and optionally
 * FUTEX2_PRIVATE, its __reserved 0 and its val must fit the size; the
 * timeout is absolute on CLOCK_MONOTONIC or CLOCK_REALTIME (a
 * __kernel_timespec for i386 callers too).  If any word differs from its
 * val the call is EAGAIN; success answers the index of a woken entry; a
 * signal is -ERESTARTSYS (the deadline is absolute, so redoing the call
 * is harmless).  With interrupts off between the checks and the sleep,
 * no wake can slip in before all entries are queued.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/mm.h>
#include "futex_internal.h"

#define FUTEX_WAIT_BITSET 9
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_SIZE_MASK 0x03
#define FUTEX2_NUMA 0x04
#define FUTEX2_PRIVATE 128
#define FUTEX_WAITV_MAX 128
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1

struct futex_waitv {
	u64 val;
	u64 uaddr;
	u32 flags;
	u32 __reserved;
};

/* Read and check every entry before any word is looked at, as Linux
 * parses the whole vector first. */
static long parse(const struct futex_waitv __user *uv, unsigned int n,
		  struct futex_waitv *v)
{
	for (unsigned int i = 0; i < n; i++) {
		if (copy_from_user(&v[i], &uv[i], sizeof(v[i])))
			return -EFAULT;
		/* NUMA is a valid bit to Linux but needs a node word after
		 * the futex; xentry has one node and rejects it like a
		 * kernel built without it. */
		if ((v[i].flags & ~(FUTEX2_SIZE_MASK | FUTEX2_PRIVATE)) || v[i].__reserved)
			return -EINVAL;
		if ((v[i].flags & FUTEX2_SIZE_MASK) != FUTEX2_SIZE_U32)
			return -EINVAL;
		if (v[i].val > 0xffffffffull)
			return -EINVAL;
	}
	return 0;
}

static void unqueue_all(struct futex_waiter *w, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!w[i].woken)
			futex_dequeue(futex_bucket_of(&w[i].key), &w[i]);
}

static long wait_multiple(const struct futex_waitv *v, struct futex_waiter *w,
			  unsigned int n, u64 deadline)
{
	struct task *t = current;
	for (;;) {
		unsigned int queued = 0;
		long err = 0;
		for (unsigned int i = 0; i < n && !err; i++) {
			u32 __user *uaddr = (u32 __user *)(unsigned long)v[i].uaddr;
			w[i] = (struct futex_waiter){ .task = t, .bitset = 0xffffffffu, .chan = w };
			err = futex_get_key(uaddr, !(v[i].flags & FUTEX2_PRIVATE), false, &w[i].key);
			/* On i386 a uaddr past 4 GiB must not be cut down to a
			 * valid 32-bit one: it faults, as it does on x86-64. */
			if (v[i].uaddr != (unsigned long)v[i].uaddr)
				err = -EFAULT;
			if (!err)
				err = futex_queue_if_equal(&w[i], uaddr, (u32)v[i].val);
			if (!err)
				queued++;
		}
		if (err) {
			unqueue_all(w, queued);
			return err;
		}
		err = sleep_on_deadline(w, deadline);
		long idx = -1;
		for (unsigned int i = 0; i < n; i++)
			if (w[i].woken)
				idx = i;
		unqueue_all(w, n);
		if (idx >= 0)
			return idx;
		if (err == -ETIMEDOUT || (deadline && ktime_ns() >= deadline))
			return -ETIMEDOUT;
		if (err || signal_pending(t))
			return -ERESTARTSYS;
	}
}

SYSCALL_DEFINE5(futex_waitv, const struct futex_waitv __user *, waiters,
		unsigned int, nr_futexes, unsigned int, flags,
		const void __user *, timeout, int, clockid)
{
	u64 deadline = 0;
	if (flags)
		return -EINVAL;
	if (!nr_futexes || nr_futexes > FUTEX_WAITV_MAX || !waiters)
		return -EINVAL;
	if (timeout) {
		u64 ts;
		if (clockid != CLOCK_REALTIME && clockid != CLOCK_MONOTONIC)
			return -EINVAL;
		long err = futex_get_timeout(timeout, current->is32 ? TS_COMPAT64 : TS_NATIVE, &ts);
		if (err)
			return err;
		deadline = futex_to_deadline(FUTEX_WAIT_BITSET, clockid == CLOCK_REALTIME, ts);
	}
	/* 128 entries and waiters would not fit on a 16 KiB kernel stack. */
	struct futex_waitv *v = kmalloc(nr_futexes * sizeof(*v));
	struct futex_waiter *w = kmalloc(nr_futexes * sizeof(*w));
	long ret = -ENOMEM;
	if (v && w) {
		ret = parse(waiters, nr_futexes, v);
		if (!ret)
			ret = wait_multiple(v, w, nr_futexes, deadline);
	}
	kfree(v);
	kfree(w);
	return ret;
}
