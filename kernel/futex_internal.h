/* What kernel/futex.c shares with futex_waitv.c (not a public API). */
#ifndef XENTRY_FUTEX_INTERNAL_H
#define XENTRY_FUTEX_INTERNAL_H

#include <xentry/types.h>

struct mm;
struct task;

/*
 * Which word a futex is.  A private key is (mm, va): only tasks of one
 * address space can meet on it.  A shared key also carries the physical
 * address of the word, so that two processes mapping one shared page at
 * different addresses meet.  That is only for a file's page (MAP_SHARED,
 * shared anonymous memory, a read-only private mapping of a file): the
 * frame behind private memory changes under copy-on-write (a write after
 * fork moves the writer to a copy), so a shared key on private memory is
 * made a private one, (mm, va) - as Linux keys an anonymous page by its
 * mm and address.
 */
struct futex_key {
	struct mm *mm;
	unsigned long va;
	unsigned long pa;	/* shared keys only */
	bool shared;
};

/* A sleeping task, on its own kernel stack for as long as it is queued. */
struct futex_waiter {
	struct futex_waiter *prev, *next;
	struct task *task;
	struct futex_key key;
	u32 bitset;
	bool woken;		/* dequeued by a waker: the wait succeeded */
	const void *chan;	/* what the task sleeps on, if not this waiter */
	/* Priority-inheritance waiters (kernel/futex_pi.c). */
	bool rq_pi;		/* FUTEX_WAIT_REQUEUE_PI, not yet requeued */
	bool pi_owned;		/* handed the PI lock by unlock or requeue */
	bool owner_gone;	/* the owner it waits on exited */
	u32 pi_owner;		/* tid of that owner */
	struct futex_key rq_key;	/* the PI word it will be requeued to */
};

struct futex_bucket {
	struct futex_waiter *head, *tail;
};

/* How each syscall's struct timespec looks. */
enum ts_abi { TS_NATIVE, TS_COMPAT32, TS_COMPAT64 };

struct futex_bucket *futex_bucket_of(const struct futex_key *k);
void futex_enqueue(struct futex_bucket *b, struct futex_waiter *w);
int futex_queue_if_equal(struct futex_waiter *w, u32 __user *uaddr, u32 val);
void futex_dequeue(struct futex_bucket *b, struct futex_waiter *w);
bool futex_key_match(const struct futex_key *w, const struct futex_key *k);
int futex_get_key(u32 __user *uaddr, bool shared, bool write, struct futex_key *key);
int futex_get_timeout(const void __user *uts, enum ts_abi abi, u64 *ns);
u64 futex_to_deadline(int cmd, bool realtime, u64 ts);

long futex_lock_pi(u32 __user *uaddr, bool shared, u64 deadline, bool trylock);
long futex_unlock_pi(u32 __user *uaddr, bool shared);
long futex_wait_requeue_pi(u32 __user *uaddr, bool shared, u32 val, u64 deadline,
			   u32 __user *uaddr2);
long futex_cmp_requeue_pi(u32 __user *uaddr1, bool shared, u32 __user *uaddr2,
			  int nr_wake, int nr_requeue, u32 cmpval);
void futex_pi_exit(struct task *t);

#endif
