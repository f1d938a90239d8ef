/*
 * What a dying or exec'ing task owes the futex words in its memory
 * (futex_exit), and get_robust_list.  The futex operations themselves are
 * in kernel/futex.c; docs/futex.md has the rules.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/futex.h>
#include <xentry/vm.h>
#include "futex_internal.h"

#define BITSET_ANY 0xffffffffU
#define FUTEX_WAITERS 0x80000000U
#define FUTEX_OWNER_DIED 0x40000000U
#define FUTEX_TID_MASK 0x3fffffffU
#define ROBUST_LIST_LIMIT 2048

/*
 * Robust lists.  A thread keeps the locks it holds on a user-space list
 * (set_robust_list): head = { next, futex_offset, list_op_pending }, each
 * entry's first word the next pointer with bit 0 meaning "PI lock", and the
 * lock word futex_offset bytes from the entry.  When the thread dies, each
 * word still owned by its tid gets FUTEX_OWNER_DIED and a waiter is woken
 * so that the next locker learns the holder died.  Pointers are 4 bytes
 * for an i386 list (set with len 12), 8 for an x86-64 one (len 24).
 */
static int fetch_entry(unsigned long addr, bool compat, unsigned long *entry, bool *pi)
{
	unsigned long v;
	if (compat) {
		u32 c;
		if (get_user(c, (u32 __user *)addr))
			return -EFAULT;
		v = c;
	} else if (get_user(v, (unsigned long __user *)addr)) {
		return -EFAULT;
	}
	*entry = v & ~1UL;
	*pi = v & 1;
	return 0;
}

/* Linux's handle_futex_death: nonzero stops the walk (a bad word). */
static int futex_death(unsigned long addr, struct task *t, bool pi, bool pending)
{
	u32 __user *uaddr = (u32 __user *)addr;
	u32 uval;
	if ((addr & 3) || get_user(uval, uaddr))
		return -1;
	u32 owner = uval & FUTEX_TID_MASK;
	/* Died between releasing the lock and taking it off the list: no
	 * owner to mark, but a waiter may have missed its wakeup. */
	if (pending && !pi && !owner) {
		futex_wake(uaddr, true, 1, BITSET_ANY);
		return 0;
	}
	if (owner != (u32)t->pid)
		return 0;
	if (put_user((uval & FUTEX_WAITERS) | FUTEX_OWNER_DIED, uaddr))
		return -1;
	/* A PI lock's waiters would be woken by the PI code, which we lack:
	 * none can be waiting (FUTEX_LOCK_PI is refused). */
	if (!pi && (uval & FUTEX_WAITERS))
		futex_wake(uaddr, true, 1, BITSET_ANY);
	return 0;
}

static void exit_robust_list(struct task *t)
{
	bool compat = t->robust_len == 12;
	unsigned long head = t->robust_list, psize = compat ? 4 : 8;
	unsigned long entry, next, pending;
	bool pi, next_pi, pending_pi;
	long offset;
	if (fetch_entry(head, compat, &entry, &pi))
		return;
	if (compat) {
		s32 o;
		if (get_user(o, (s32 __user *)(head + 4)))
			return;
		offset = o;
	} else if (get_user(offset, (long __user *)(head + 8))) {
		return;
	}
	if (fetch_entry(head + 2 * psize, compat, &pending, &pending_pi))
		return;
	/* The limit stops a circular list. */
	for (int limit = ROBUST_LIST_LIMIT; entry != head && limit; limit--) {
		/* Read the link before the entry's lock can be handed on. */
		int rc = fetch_entry(entry, compat, &next, &next_pi);
		/* The pending lock may be on the list already: do it once. */
		if (entry != pending && futex_death(entry + offset, t, pi, false))
			return;
		if (rc)
			return;
		entry = next;
		pi = next_pi;
	}
	if (pending)
		futex_death(pending + offset, t, pending_pi, true);
}

void futex_exit(struct task *t)
{
	/* Waiters of PI locks it owns are kernel state: always released. */
	futex_pi_exit(t);
	/* User memory is reached through the running task's page tables. */
	if (t != current || !t->mm)
		return;
	if (t->robust_list)
		exit_robust_list(t);
	t->robust_list = t->robust_len = 0;
	/*
	 * CLONE_CHILD_CLEARTID: tell a joiner the thread is gone.  As on
	 * Linux only when another task shares the memory (a lone process
	 * leaves the word alone), and the wake is a shared one, which also
	 * reaches pthread_join's private wait (key_match).
	 */
	if (t->clear_child_tid && t->mm->users > 1) {
		u32 __user *tid = (u32 __user *)t->clear_child_tid;
		if (!put_user(0U, tid))
			futex_wake(tid, true, 1, BITSET_ANY);
	}
	t->clear_child_tid = 0;
}

/* pid 0 is the caller; the list's head and the size its ABI expects. */
static long get_robust(pid_t pid, unsigned long *head, bool compat)
{
	struct task *t = pid ? find_task(pid) : current;
	if (!t)
		return -ESRCH;
	*head = t->robust_len == (compat ? 12u : 24u) ? t->robust_list : 0;
	return 0;
}

SYSCALL_DEFINE3(get_robust_list, int, pid, unsigned long __user *, head_ptr,
		unsigned long __user *, len_ptr)
{
	unsigned long head;
	long err = get_robust(pid, &head, false);
	if (err)
		return err;
	if (put_user(24UL, len_ptr))
		return -EFAULT;
	return put_user(head, head_ptr);
}

COMPAT_SYSCALL_DEFINE3(get_robust_list, int, pid, u32 __user *, head_ptr, u32 __user *, len_ptr)
{
	unsigned long head;
	long err = get_robust(pid, &head, true);
	if (err)
		return err;
	if (put_user(12U, len_ptr))
		return -EFAULT;
	return put_user((u32)head, head_ptr);
}
