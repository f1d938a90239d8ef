/* Fast user-space mutexes (kernel/futex.c, docs/futex.md). */
#ifndef XENTRY_FUTEX_H
#define XENTRY_FUTEX_H

#include <xentry/types.h>

struct task;

/* FUTEX_WAKE of current's word uaddr: up to nr (at least one) waiters
 * whose bitset meets bitset; the count woken or -EINVAL/-EFAULT. */
long futex_wake(u32 __user *uaddr, bool shared, int nr, u32 bitset);

/*
 * What a task leaves behind in its user memory when it exits or execs:
 * walks its robust list (marking the locks it still holds FUTEX_OWNER_DIED
 * and waking a waiter of each), then, if the address space is shared with
 * another task, clears its CLONE_CHILD_CLEARTID word and wakes one waiter
 * there.  t must be current and t->mm still its own.  Afterwards
 * t->robust_list and t->clear_child_tid are 0.
 */
void futex_exit(struct task *t);

#endif
