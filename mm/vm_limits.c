/*
 * The resource limits that bound an address space, checked where it
 * grows: RLIMIT_AS (every mapping: mmap, brk, mremap), RLIMIT_DATA (the
 * heap, brk) and RLIMIT_STACK (how far below its top the main stack may
 * be touched).  Linux's rules, with xentry's simplifications noted in
 * docs/memory.md: the stack is one fixed 8 MiB mapping made by exec, so
 * the limit is enforced when a page of it is first touched rather than
 * when the mapping grows, and a limit above 8 MiB gives no more.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include "internal.h"

#define RLIMIT_DATA 2
#define RLIMIT_STACK 3
#define RLIMIT_AS 9
#define RLIM_INFINITY (~(u64)0)	/* all 64 bits, also on i386 (kernel/sys.c) */

static u64 limit_of(int res)
{
	struct task *t = current;
	return t ? t->rlim[res].cur : RLIM_INFINITY;
}

/* Bytes mapped in [start, end). */
static unsigned long mapped_in(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long n = 0;
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			n += MIN(v->end, end) - MAX(v->start, start);
	return n;
}

/*
 * May mm get `add` more bytes of address space, `replaced` of which are
 * already mapped and go away (MAP_FIXED over a mapping)?  -ENOMEM past
 * RLIMIT_AS, as Linux's may_expand_vm.
 */
int vm_may_expand(struct mm *mm, unsigned long add, unsigned long start)
{
	u64 lim = limit_of(RLIMIT_AS);
	if (lim == RLIM_INFINITY)
		return 0;
	unsigned long total = mapped_in(mm, 0, ~0UL);
	if (start != ~0UL)
		total -= mapped_in(mm, start, start + add);
	return (u64)total + add > lim ? -ENOMEM : 0;	/* no wrap on i386 */
}

/* brk: the heap's size against RLIMIT_DATA (Linux's check_data_rlimit,
 * with the heap standing in for brk plus the data segment). */
bool brk_within_limit(struct mm *mm, unsigned long newbrk)
{
	return newbrk - mm->brk_start <= limit_of(RLIMIT_DATA);
}

/* A first touch of the main stack at va: refused (SIGSEGV) if the stack
 * would then be larger than RLIMIT_STACK. */
bool stack_within_limit(const struct vma *v, unsigned long va)
{
	return !(v->flags & VMA_STACK) || v->end - (va & PAGE_MASK) <= limit_of(RLIMIT_STACK);
}
