/*
 * Priority-inheritance futexes: FUTEX_LOCK_PI(2), FUTEX_TRYLOCK_PI,
 * FUTEX_UNLOCK_PI, FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI, with
 * Linux's user-visible protocol.  The word is the owner's tid, plus
 * FUTEX_WAITERS when the kernel has sleepers (so that the owner's unlock
 * comes here instead of storing 0), plus FUTEX_OWNER_DIED after a robust
 * owner died.  User space takes and drops an uncontended lock with
 * cmpxchg; the kernel only sees contention.
 *
 * There is no inheritance: xentry's round-robin scheduler has no
 * priorities to lend (kernel/sched_policy.c), so an owner runs as soon as
 * its turn comes anyway.  What is kept is the ownership hand-off: unlock
 * gives the lock straight to the oldest waiter (writing its tid), so a
 * waiter returns 0 owning the lock, never to retry in user space.
 *
 * PI waiters live on their own list, not in the hash buckets, so a
 * FUTEX_WAKE can never take one away.  A FUTEX_WAIT_REQUEUE_PI waiter
 * sits in the buckets with bitset 0 (no wake matches it) until
 * CMP_REQUEUE_PI moves it here or hands it the lock.
 *
 * One CPU with interrupts off in the kernel: each read-check-write of a
 * word below is atomic against user space and other tasks.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "futex_internal.h"

#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU

static struct futex_bucket pi_list;

static struct futex_waiter *pi_top(const struct futex_key *k, struct futex_waiter *skip)
{
	for (struct futex_waiter *w = pi_list.head; w; w = w->next)
		if (w != skip && futex_key_match(&w->key, k))
			return w;
	return NULL;
}

static void pi_wake(struct futex_waiter *w)
{
	struct task *t = w->task;
	if (t->state == TASK_SLEEPING && t->wchan == w)
		wake_task(t);
}

/* The owner a waiter would sleep behind must exist: Linux answers ESRCH
 * for a word naming no live task (garbage, or a dead non-robust owner
 * that nobody can ever unlock for). */
static int owner_alive(u32 tid)
{
	struct task *t = find_task((pid_t)tid);
	return t && t->state != TASK_ZOMBIE ? 0 : -ESRCH;
}

/*
 * One attempt to take the lock at uaddr for tid.  1: taken (an
 * OWNER_DIED mark is kept for the new owner to see; FUTEX_WAITERS is set
 * when others still wait or `waiters` asks).  0: owned by *owner, and
 * FUTEX_WAITERS is now set so that the owner's unlock enters the kernel.
 */
static int lock_atomic(u32 __user *uaddr, const struct futex_key *key, u32 tid,
		       bool waiters, u32 *owner)
{
	u32 uval;
	if (get_user(uval, uaddr))
		return -EFAULT;
	*owner = uval & FUTEX_TID_MASK;
	if (*owner == tid)
		return -EDEADLK;
	if (!*owner) {
		u32 nv = tid | (uval & FUTEX_OWNER_DIED);
		if (waiters || pi_top(key, NULL))
			nv |= FUTEX_WAITERS;
		return put_user(nv, uaddr) ? -EFAULT : 1;
	}
	int err = owner_alive(*owner);
	if (err)
		return err;
	if (!(uval & FUTEX_WAITERS) && put_user(uval | FUTEX_WAITERS, uaddr))
		return -EFAULT;
	return 0;
}

/*
 * Sleep on the PI list until owned.  A waiter whose owner exited takes
 * the lock itself if the word still names that owner or no one (the
 * robust list may have cleared it): that is where Linux's rt-mutex would
 * hand it over, with FUTEX_OWNER_DIED | FUTEX_WAITERS in the word.  -EINTR for a signal; the callers choose the restart.
 */
static long pi_wait(struct futex_waiter *w, u32 __user *uaddr, u64 deadline)
{
	/* The state is looked at before each sleep: a requeued waiter may
	 * already have been handed the lock or lost its owner. */
	for (int err = 0;; err = sleep_on_deadline(w, deadline)) {
		if (w->pi_owned)
			return 0;
		if (w->owner_gone) {
			u32 uval, owner;
			w->owner_gone = false;
			if (get_user(uval, uaddr)) {
				futex_dequeue(&pi_list, w);
				return -EFAULT;
			}
			owner = uval & FUTEX_TID_MASK;
			if (!owner || owner == w->pi_owner) {
				futex_dequeue(&pi_list, w);
				/* Linux marks the dead owner's lock so, robust
				 * list or not, and keeps the waiters bit. */
				u32 nv = (u32)current->pid | FUTEX_OWNER_DIED | FUTEX_WAITERS;
				return put_user(nv, uaddr) ? -EFAULT : 0;
			}
			/* Someone else took it meanwhile: wait on them,
			 * unless the word names no live task. */
			if (owner_alive(owner)) {
				futex_dequeue(&pi_list, w);
				return -ESRCH;
			}
			w->pi_owner = owner;
		}
		if (err == -ETIMEDOUT || (deadline && ktime_ns() >= deadline)) {
			futex_dequeue(&pi_list, w);
			return -ETIMEDOUT;
		}
		if (err || signal_pending(current)) {
			futex_dequeue(&pi_list, w);
			return -EINTR;
		}
	}
}

/* FUTEX_LOCK_PI(2) and TRYLOCK_PI.  Trylock of an owned lock is EAGAIN
 * (EWOULDBLOCK) after FUTEX_WAITERS was set, as on Linux.  A signal
 * restarts the call without showing EINTR (-ERESTARTNOINTR). */
long futex_lock_pi(u32 __user *uaddr, bool shared, u64 deadline, bool trylock)
{
	struct futex_key key;
	int err = futex_get_key(uaddr, shared, true, &key);
	if (err)
		return err;
	for (;;) {
		u32 owner;
		err = lock_atomic(uaddr, &key, (u32)current->pid, false, &owner);
		if (err)
			return err < 0 ? err : 0;
		if (trylock)
			return -EAGAIN;
		struct futex_waiter w = { .task = current, .key = key, .pi_owner = owner };
		futex_enqueue(&pi_list, &w);
		long r = pi_wait(&w, uaddr, deadline);
		return r == -EINTR ? -ERESTARTNOINTR : r;
	}
}

/* Only the owner may unlock (EPERM); the oldest waiter becomes the owner
 * with FUTEX_WAITERS set, as Linux hands over; with none the word is 0. */
long futex_unlock_pi(u32 __user *uaddr, bool shared)
{
	struct futex_key key;
	u32 uval;
	int err = futex_get_key(uaddr, shared, true, &key);
	if (err)
		return err;
	if (get_user(uval, uaddr))
		return -EFAULT;
	if ((uval & FUTEX_TID_MASK) != (u32)current->pid)
		return -EPERM;
	struct futex_waiter *w = pi_top(&key, NULL);
	if (!w)
		return put_user(0U, uaddr) ? -EFAULT : 0;
	if (put_user((u32)w->task->pid | FUTEX_WAITERS, uaddr))
		return -EFAULT;
	futex_dequeue(&pi_list, w);
	w->pi_owned = w->woken = true;
	pi_wake(w);
	return 0;
}

/*
 * Wait on the condition word uaddr (like WAIT_BITSET) to be requeued to
 * the PI lock uaddr2 by CMP_REQUEUE_PI, and return owning it.  Before the
 * requeue a timeout is ETIMEDOUT, a signal restarts the call
 * (-ERESTARTNOINTR); after it a signal is EAGAIN, since the condition
 * word has moved on and a restart would only say so (Linux's choice).
 */
long futex_wait_requeue_pi(u32 __user *uaddr, bool shared, u32 val, u64 deadline,
			   u32 __user *uaddr2)
{
	struct futex_waiter w = { .task = current, .rq_pi = true };
	if (uaddr == uaddr2)
		return -EINVAL;
	int err = futex_get_key(uaddr, shared, false, &w.key);
	if (!err)
		err = futex_get_key(uaddr2, shared, true, &w.rq_key);
	if (!err)
		err = futex_queue_if_equal(&w, uaddr, val);
	if (err)
		return err;
	err = sleep_on_deadline(&w, deadline);
	if (w.pi_owned)
		return 0;
	if (w.rq_pi) {
		futex_dequeue(futex_bucket_of(&w.key), &w);
		if (err == -ETIMEDOUT || (deadline && ktime_ns() >= deadline))
			return -ETIMEDOUT;
		return signal_pending(current) ? -ERESTARTNOINTR : -EAGAIN;
	}
	long r = pi_wait(&w, uaddr2, deadline);
	return r == -EINTR ? -EAGAIN : r;
}

/*
 * Wake one (nr_wake must be 1) and requeue up to nr_requeue waiters of
 * uaddr1 onto the PI lock uaddr2, if *uaddr1 == cmpval.  The oldest
 * waiter is woken only if it can take uaddr2 at once; the others (and it,
 * otherwise) queue behind uaddr2's owner.  Every waiter met must be a
 * WAIT_REQUEUE_PI waiter for uaddr2 (else EINVAL).  Answers how many were
 * woken or requeued.
 */
long futex_cmp_requeue_pi(u32 __user *uaddr1, bool shared, u32 __user *uaddr2,
			  int nr_wake, int nr_requeue, u32 cmpval)
{
	struct futex_key k1, k2;
	u32 cur, owner;
	if (nr_wake < 0 || nr_requeue < 0 || nr_wake != 1)
		return -EINVAL;
	int err = futex_get_key(uaddr1, shared, false, &k1);
	if (!err)
		err = futex_get_key(uaddr2, shared, true, &k2);
	if (err)
		return err;
	if (futex_key_match(&k1, &k2))
		return -EINVAL;
	if (get_user(cur, uaddr1))
		return -EFAULT;
	if (cur != cmpval)
		return -EAGAIN;
	int n = 0;
	struct futex_bucket *b1 = futex_bucket_of(&k1);
	struct futex_waiter *w = b1->head, *next;
	for (; w; w = next) {
		next = w->next;
		if (!futex_key_match(&w->key, &k1))
			continue;
		if (!w->rq_pi || !futex_key_match(&w->rq_key, &k2))
			return -EINVAL;	/* Linux's error wins over the count */
		if (n == 0) {
			/* Try the lock for the oldest waiter, as its own
			 * lock call would: free means it is woken owning it. */
			err = lock_atomic(uaddr2, &k2, (u32)w->task->pid, true, &owner);
			if (err < 0)
				return err;
			if (err == 1) {
				futex_dequeue(b1, w);
				w->rq_pi = false;
				w->pi_owned = w->woken = true;
				pi_wake(w);
				n++;
				continue;
			}
		}
		if (n >= nr_requeue + 1)
			break;
		if (lock_atomic(uaddr2, &k2, (u32)w->task->pid, true, &owner) != 0)
			break;
		futex_dequeue(b1, w);
		w->rq_pi = false;
		w->key = k2;
		w->pi_owner = owner;
		futex_enqueue(&pi_list, w);
		n++;
	}
	return n;
}

/* The exiting task t owned nothing after this: every PI waiter blocked
 * on it is woken to take the lock over (pi_wait). */
void futex_pi_exit(struct task *t)
{
	for (struct futex_waiter *w = pi_list.head; w; w = w->next) {
		if (w->pi_owner != (u32)t->pid || w->task == t)
			continue;
		w->owner_gone = true;
		pi_wake(w);
	}
}
