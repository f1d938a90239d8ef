/*
 * Futexes: sleeping on a 32-bit word of user memory until another task
 * wakes that word.  What an exiting task owes such words (robust lists,
 * CLONE_CHILD_CLEARTID) is in futex_exit.c; docs/futex.md has the rules
 * and what is refused.
 *
 * One CPU, and kernel code runs with interrupts off: between reading the
 * user word and going to sleep nobody else can run, so no wakeup is lost,
 * and a read-modify-write of a user word (FUTEX_WAKE_OP, the robust list)
 * is atomic without a locked instruction.  A page fault taken by a user
 * access only fills a page in and never schedules.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/futex.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include "futex_internal.h"

void *user_page(struct mm *mm, unsigned long va);	/* mm/vm.c */

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAKE_OP 5
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_WAIT_BITSET 9
#define FUTEX_WAKE_BITSET 10
#define FUTEX_WAIT_REQUEUE_PI 11
#define FUTEX_CMP_REQUEUE_PI 12
#define FUTEX_LOCK_PI2 13
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_CLOCK_REALTIME 256
#define FUTEX_CMD_MASK (~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME))
#define BITSET_ANY 0xffffffffU

#define NSEC_PER_SEC 1000000000LL
#define KTIME_MAX 0x7fffffffffffffffULL	/* Linux's timeouts saturate here */

/*
 * Waiters hashed by the word's offset in its page: a virtual and a
 * physical address share those bits, so a shared waker finds a private
 * waiter of its word in the same bucket (they must meet, see futex_key_match).
 * Each bucket is FIFO: wake order is arrival order.
 */
#define FUTEX_BUCKETS 64
static struct futex_bucket buckets[FUTEX_BUCKETS];

struct futex_bucket *futex_bucket_of(const struct futex_key *k)
{
	unsigned long w = (k->va & ~PAGE_MASK) >> 2;
	return &buckets[(w ^ (w >> 6)) % FUTEX_BUCKETS];
}

void futex_enqueue(struct futex_bucket *b, struct futex_waiter *w)
{
	w->next = NULL;
	w->prev = b->tail;
	if (b->tail)
		b->tail->next = w;
	else
		b->head = w;
	b->tail = w;
}

/*
 * Every wait's core: queue w on its key's bucket only if *uaddr still
 * holds val.  Nothing can run between the read and the enqueue (one CPU,
 * no preemption in the kernel), so a waker that changes the word after
 * the read finds w queued: no lost wake-up.  0, -EFAULT or -EAGAIN.
 */
int futex_queue_if_equal(struct futex_waiter *w, u32 __user *uaddr, u32 val)
{
	u32 cur;
	if (get_user(cur, uaddr))
		return -EFAULT;
	if (cur != val)
		return -EAGAIN;
	futex_enqueue(futex_bucket_of(&w->key), w);
	return 0;
}

void futex_dequeue(struct futex_bucket *b, struct futex_waiter *w)
{
	if (w->prev)
		w->prev->next = w->next;
	else
		b->head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		b->tail = w->prev;
	w->prev = w->next = NULL;
}

/*
 * Does a waiter's key name the word an operation names?  Two shared keys
 * compare frames.  Otherwise (mm, va) decides: that is how Linux lets a
 * shared wake reach a private waiter on private memory - pthread_join's
 * wait and the kernel's CLONE_CHILD_CLEARTID wake, for one.  (Linux keeps
 * a private and a shared key of a MAP_SHARED word apart; we let them meet
 * within one mm, which can only add a spurious wakeup.)
 */
bool futex_key_match(const struct futex_key *w, const struct futex_key *k)
{
	if (w->shared && k->shared)
		return w->pa == k->pa;
	return w->mm == k->mm && w->va == k->va;
}

/*
 * The key of uaddr in current's address space.  A private key needs no
 * memory behind it (Linux: a private wake of an unmapped word is 0).  A
 * shared one faults the page in and must be writable - by writing the word
 * back unchanged, which nothing can observe - unless it is a file's page:
 * Linux refuses a read-only anonymous page (it can never change, so no
 * one could wake the word) but takes a read-only file page, for a waiter.
 */
int futex_get_key(u32 __user *uaddr, bool shared, bool write, struct futex_key *key)
{
	unsigned long va = (unsigned long)uaddr;
	if (va & 3)
		return -EINVAL;
	if (!access_ok(uaddr, sizeof(u32)))
		return -EFAULT;
	*key = (struct futex_key){ current->mm, va, 0, shared };
	if (!shared)
		return 0;
	u32 v;
	if (get_user(v, uaddr))
		return -EFAULT;
	/* The write test also breaks copy-on-write, so the frame found
	 * below is this mm's own. */
	bool writable = !put_user(v, uaddr);
	struct vma *vma = vma_find(current->mm, va);
	if (!writable && (write || !vma || !vma->ino))
		return -EFAULT;
	if (writable && vma && !(vma->flags & VMA_SHARED)) {
		key->shared = false;	/* private memory: (mm, va) */
		return 0;
	}
	void *page = user_page(current->mm, va & PAGE_MASK);
	if (!page)
		return -EFAULT;
	key->pa = __pa(page) + (va & ~PAGE_MASK);
	return 0;
}

/* Dequeue w and make its task runnable; its wait returns 0. */
static void wake_waiter(struct futex_waiter *w)
{
	struct task *t = w->task;
	futex_dequeue(futex_bucket_of(&w->key), w);
	w->woken = true;
	if (t->state == TASK_SLEEPING && t->wchan == (w->chan ? w->chan : w))
		wake_task(t);
}

/* Up to nr waiters of key whose bitset meets `bitset`; nr <= 0 wakes one,
 * as Linux counts. */
static int wake_key(const struct futex_key *key, int nr, u32 bitset)
{
	int n = 0;
	struct futex_waiter *w = futex_bucket_of(key)->head, *next;
	for (; w; w = next) {
		next = w->next;
		if (!futex_key_match(&w->key, key) || !(w->bitset & bitset))
			continue;
		wake_waiter(w);
		if (++n >= nr)
			break;
	}
	return n;
}

long futex_wake(u32 __user *uaddr, bool shared, int nr, u32 bitset)
{
	struct futex_key key;
	if (!bitset)
		return -EINVAL;
	int err = futex_get_key(uaddr, shared, false, &key);
	return err ? err : wake_key(&key, nr, bitset);
}

/* rb->arg: uaddr, val, bitset, shared. */
static long futex_wait_restart(struct restart_block *rb);

/*
 * Sleep while *uaddr == val, until woken, the monotonic deadline (0 =
 * none) passes, or a signal comes.  Interrupted without a timeout it is
 * -ERESTARTSYS (SA_RESTART makes it wait again); with one it is
 * -ERESTART_RESTARTBLOCK, so a handler always sees EINTR and a stop and
 * continue carries on to the same deadline (Linux's rules).
 */
static long futex_wait(u32 __user *uaddr, bool shared, u32 val, u64 deadline, u32 bitset)
{
	struct task *t = current;
	if (!bitset)
		return -EINVAL;
	for (;;) {
		struct futex_waiter w = { .task = t, .bitset = bitset };
		int err = futex_get_key(uaddr, shared, false, &w.key);
		if (!err)
			err = futex_queue_if_equal(&w, uaddr, val);
		if (err)
			return err;
		err = sleep_on_deadline(&w, deadline);
		/* A waker dequeued us: that is success even if the timer or a
		 * signal came too. */
		if (w.woken)
			return 0;
		/* Leave before this frame does; a requeue may have moved us
		 * to another key's bucket. */
		futex_dequeue(futex_bucket_of(&w.key), &w);
		if (err == -ETIMEDOUT || (deadline && ktime_ns() >= deadline))
			return -ETIMEDOUT;
		if (err || signal_pending(t)) {
			if (!deadline)
				return -ERESTARTSYS;
			struct restart_block *rb = &t->restart;
			rb->fn = futex_wait_restart;
			rb->deadline = deadline;
			rb->arg[0] = (unsigned long)uaddr;
			rb->arg[1] = val;
			rb->arg[2] = bitset;
			rb->arg[3] = shared;
			return -ERESTART_RESTARTBLOCK;
		}
		/* Made runnable by someone else: look at the word again. */
	}
}

static long futex_wait_restart(struct restart_block *rb)
{
	return futex_wait((u32 __user *)rb->arg[0], rb->arg[3], rb->arg[1], rb->deadline,
			  rb->arg[2]);
}

/*
 * Wake up to nr_wake waiters of uaddr1 and move up to nr_requeue more to
 * uaddr2, behind that word's own waiters.  Returns how many were woken or
 * moved.  CMP_REQUEUE first checks *uaddr1 == *cmpval.
 */
static long futex_requeue(u32 __user *uaddr1, bool shared, u32 __user *uaddr2,
			  int nr_wake, int nr_requeue, const u32 *cmpval)
{
	struct futex_key k1, k2;
	if (nr_wake < 0 || nr_requeue < 0)
		return -EINVAL;
	int err = futex_get_key(uaddr1, shared, false, &k1);
	if (!err)
		err = futex_get_key(uaddr2, shared, false, &k2);
	if (err)
		return err;
	if (cmpval) {
		u32 cur;
		if (get_user(cur, uaddr1))
			return -EFAULT;
		if (cur != *cmpval)
			return -EAGAIN;
	}
	/* One word onto itself: the waiters keep their places. */
	bool same = futex_key_match(&k1, &k2);
	struct futex_bucket moved = { NULL, NULL };
	int n = 0;
	struct futex_waiter *w = futex_bucket_of(&k1)->head, *next;
	for (; w; w = next) {
		next = w->next;
		if (n - nr_wake >= nr_requeue)
			break;
		if (!futex_key_match(&w->key, &k1))
			continue;
		/* A WAIT_REQUEUE_PI waiter may only go to a PI lock. */
		if (w->rq_pi)
			return -EINVAL;
		if (++n <= nr_wake) {
			wake_waiter(w);
			continue;
		}
		if (same)
			continue;
		futex_dequeue(futex_bucket_of(&w->key), w);
		futex_enqueue(&moved, w);
		/* A waiter of another process does not have uaddr2 at that
		 * address: it keeps only the frame, for shared wakes. */
		struct mm *own = w->key.mm;
		w->key = k2;
		if (own != k2.mm)
			w->key.mm = NULL;
	}
	struct futex_bucket *b2 = futex_bucket_of(&k2);
	for (w = moved.head; w; w = next) {
		next = w->next;
		futex_enqueue(b2, w);
	}
	return n;
}

/*
 * FUTEX_WAKE_OP's operation on *uaddr: op (bits 28-30; bit 31 makes the
 * argument 1 << arg), a 12-bit signed argument, a comparison of the old
 * value with a 12-bit signed argument.  Returns the comparison (0/1), or
 * -ENOSYS for an unknown op (nothing written) or comparison (written
 * already: Linux checks it after the store), or -EFAULT.
 */
static int wake_op_apply(u32 __user *uaddr, u32 encoded)
{
	unsigned op = (encoded >> 28) & 7, cmp = (encoded >> 24) & 15;
	int oparg = (int)(encoded << 8) >> 20;
	int cmparg = (int)(encoded << 20) >> 20;
	u32 arg = (u32)oparg, old;
	if (encoded & 0x80000000U)
		arg = 1U << (oparg & 31);	/* Linux masks a bad shift (and logs) */
	if (!access_ok(uaddr, sizeof(u32)))
		return -EFAULT;
	if (op > 4)
		return -ENOSYS;
	if (get_user(old, uaddr))
		return -EFAULT;
	u32 new[] = { arg, old + arg, old | arg, old & ~arg, old ^ arg };
	if (put_user(new[op], uaddr))
		return -EFAULT;
	int o = (int)old;
	switch (cmp) {
	case 0: return o == cmparg;	/* FUTEX_OP_CMP_EQ */
	case 1: return o != cmparg;	/* NE */
	case 2: return o < cmparg;	/* LT */
	case 3: return o <= cmparg;	/* LE */
	case 4: return o > cmparg;	/* GT */
	case 5: return o >= cmparg;	/* GE */
	}
	return -ENOSYS;
}

static long futex_wake_op(u32 __user *uaddr1, bool shared, u32 __user *uaddr2,
			  int nr_wake, int nr_wake2, u32 encoded)
{
	struct futex_key k1, k2;
	int err = futex_get_key(uaddr1, shared, false, &k1);
	if (!err)
		err = futex_get_key(uaddr2, shared, true, &k2);
	if (err)
		return err;
	int cond = wake_op_apply(uaddr2, encoded);
	if (cond < 0)
		return cond;
	int n = wake_key(&k1, nr_wake, BITSET_ANY);
	if (cond)
		n += wake_key(&k2, nr_wake2, BITSET_ANY);
	return n;
}

/* A timeout in ns: EFAULT, EINVAL if out of range (Linux's timespec
 * validity), saturated where ns overflow. */
int futex_get_timeout(const void __user *uts, enum ts_abi abi, u64 *ns)
{
	s64 sec, nsec;
	if (abi == TS_COMPAT32) {
		struct { s32 sec, nsec; } c;
		if (copy_from_user(&c, uts, sizeof(c)))
			return -EFAULT;
		sec = c.sec, nsec = c.nsec;
	} else {
		struct { s64 sec, nsec; } c;
		if (copy_from_user(&c, uts, sizeof(c)))
			return -EFAULT;
		sec = c.sec, nsec = c.nsec;
		/* A 32-bit caller's 64-bit timespec: the kernel ignores the
		 * upper half of tv_nsec (it is padding in that ABI). */
		if (abi == TS_COMPAT64)
			nsec = (u32)nsec;
	}
	if (sec < 0 || nsec < 0 || nsec >= NSEC_PER_SEC)
		return -EINVAL;
	*ns = (u64)sec >= KTIME_MAX / NSEC_PER_SEC ? KTIME_MAX
						  : (u64)sec * NSEC_PER_SEC + nsec;
	return 0;
}

static bool cmd_has_timeout(int cmd)
{
	return cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_LOCK_PI ||
	       cmd == FUTEX_LOCK_PI2 || cmd == FUTEX_WAIT_REQUEUE_PI;
}

/*
 * The monotonic deadline of a timeout: FUTEX_WAIT's is relative, the
 * others' absolute on CLOCK_MONOTONIC or, with FUTEX_CLOCK_REALTIME, on
 * the wall clock.  xentry's wall clock is the monotonic one plus a fixed
 * offset (it cannot be set), so converting once is exact.  Never 0, which
 * would mean "no deadline": a time already past becomes 1.
 */
u64 futex_to_deadline(int cmd, bool realtime, u64 ts)
{
	u64 now = ktime_ns();
	if (cmd == FUTEX_WAIT)
		return ts > KTIME_MAX - now ? KTIME_MAX : now + ts;
	if (realtime) {
		u64 offset = ktime_real_ns() - now;
		ts = ts > offset ? ts - offset : 0;
	}
	return ts ? ts : 1;
}

static long do_futex(u32 __user *uaddr, int op, u32 val, const void __user *utime,
		     u32 __user *uaddr2, u32 val3, enum ts_abi abi)
{
	int cmd = op & FUTEX_CMD_MASK;
	bool shared = !(op & FUTEX_PRIVATE_FLAG);
	bool realtime = op & FUTEX_CLOCK_REALTIME;
	u64 deadline = 0;
	/* Linux reads and checks the timeout before anything else. */
	if (utime && cmd_has_timeout(cmd)) {
		u64 ts;
		int err = futex_get_timeout(utime, abi, &ts);
		if (err)
			return err;
		/* LOCK_PI's deadline is always on the wall clock. */
		deadline = futex_to_deadline(cmd, realtime || cmd == FUTEX_LOCK_PI, ts);
	}
	/* The requeue and wake-op calls pass a second count there. */
	int val2 = (int)(u32)(unsigned long)utime;
	if (realtime && cmd != FUTEX_WAIT_BITSET && cmd != FUTEX_WAIT_REQUEUE_PI &&
	    cmd != FUTEX_LOCK_PI2)
		return -ENOSYS;
	switch (cmd) {
	case FUTEX_WAIT:
		return futex_wait(uaddr, shared, val, deadline, BITSET_ANY);
	case FUTEX_WAIT_BITSET:
		return futex_wait(uaddr, shared, val, deadline, val3);
	case FUTEX_WAKE:
		return futex_wake(uaddr, shared, (int)val, BITSET_ANY);
	case FUTEX_WAKE_BITSET:
		return futex_wake(uaddr, shared, (int)val, val3);
	case FUTEX_REQUEUE:
		return futex_requeue(uaddr, shared, uaddr2, (int)val, val2, NULL);
	case FUTEX_CMP_REQUEUE:
		return futex_requeue(uaddr, shared, uaddr2, (int)val, val2, &val3);
	case FUTEX_WAKE_OP:
		return futex_wake_op(uaddr, shared, uaddr2, (int)val, val2, val3);
	case FUTEX_LOCK_PI:
	case FUTEX_LOCK_PI2:
		return futex_lock_pi(uaddr, shared, deadline, false);
	case FUTEX_TRYLOCK_PI:
		return futex_lock_pi(uaddr, shared, 0, true);
	case FUTEX_UNLOCK_PI:
		return futex_unlock_pi(uaddr, shared);
	case FUTEX_WAIT_REQUEUE_PI:
		return futex_wait_requeue_pi(uaddr, shared, val, deadline, uaddr2);
	case FUTEX_CMP_REQUEUE_PI:
		return futex_cmp_requeue_pi(uaddr, shared, uaddr2, (int)val, val2, val3);
	}
	/* FUTEX_FD, gone from Linux too. */
	return -ENOSYS;
}

SYSCALL_DEFINE6(futex, u32 __user *, uaddr, int, op, u32, val, const void __user *, utime,
		u32 __user *, uaddr2, u32, val3)
{
	return do_futex(uaddr, op, val, utime, uaddr2, val3, TS_NATIVE);
}

COMPAT_SYSCALL_DEFINE6(futex, u32 __user *, uaddr, int, op, u32, val,
		       const void __user *, utime, u32 __user *, uaddr2, u32, val3)
{
	return do_futex(uaddr, op, val, utime, uaddr2, val3, TS_COMPAT32);
}

COMPAT_SYSCALL_DEFINE6(futex_time64, u32 __user *, uaddr, int, op, u32, val,
		       const void __user *, utime, u32 __user *, uaddr2, u32, val3)
{
	return do_futex(uaddr, op, val, utime, uaddr2, val3, TS_COMPAT64);
}
