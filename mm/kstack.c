/*
 * Guarded stacks.  Kernel stacks and (64-bit) IST stacks alike are a run
 * of mapped pages with an unmapped guard page below, so an overflow faults
 * instead of silently corrupting whatever lies beneath; on the 64-bit
 * kernel the fault then becomes a double fault on its own IST stack
 * (docs/exceptions.md), which find_kernel_stack() below lets the panic
 * message explain.  ioremap's pages come after the stacks.
 *
 * All of it lives in the kernel part of the address space, whose tables
 * every address space shares (pgtable_64.c, pgtable_32.c), so a stack
 * mapped here is at once mapped everywhere.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <asm/x86.h>
#ifdef CONFIG_X86_64
#include <asm/ist.h>
#endif
#include "internal.h"

#define KSTACK_PAGES (KSTACK_SIZE / PAGE_SIZE)
#define STACK_SLOT (KSTACK_PAGES * PAGE_SIZE + PAGE_SIZE)
#ifdef CONFIG_X86_32
/*
 * Above any task limit (kernel/sched.c: the stacks that fit in an eighth
 * of RAM, and i386 uses at most 768 MiB: 6144).  8192 slots of 20 KiB
 * take 160 MiB of the 248 MiB area, ioremap the rest.
 */
#define MAX_STACK_SLOTS 8192
#define IOREMAP_START (VMALLOC_START + MAX_STACK_SLOTS * STACK_SLOT)
_Static_assert(IOREMAP_START < VMALLOC_END, "the i386 stack area overflows");
#else
#define MAX_STACK_SLOTS 32768	/* above any task limit (kernel/sched.c) */
/* After the kernel stacks: one slot per possible IST stack (asm/ist.h),
 * laid out the same way, guard page first; then ioremap's pages. */
#define IST_AREA (VMALLOC_START + MAX_STACK_SLOTS * STACK_SLOT)
#define IST_SLOT (IST_STACK_SIZE + PAGE_SIZE)
#define IOREMAP_START (IST_AREA + IST_MAX * IST_SLOT)
#endif
#define KSTACK_AREA_END (VMALLOC_START + MAX_STACK_SLOTS * STACK_SLOT)

/*
 * Back [base, base + pages pages) with fresh pages: kernel-only, global
 * (the area is the same in every address space), never executable.
 * Callers pick base one page into their slot, so the slot's first page is
 * the guard and is never mapped.
 */
static int map_stack_pages(unsigned long base, int pages)
{
	for (int i = 0; i < pages; i++) {
		void *page = alloc_page();
		u64 *pte = page ? pte_walk(kernel_pgd, base + i * PAGE_SIZE, true) : NULL;
		if (!pte) {
			/* Out of memory is a failed fork (EAGAIN), never a
			 * panic: undo the pages mapped so far. */
			if (page)
				free_page(page);
			while (i-- > 0) {
				u64 *p = pte_walk(kernel_pgd, base + i * PAGE_SIZE, false);
				free_page(__va(*p & PTE_ADDR));
				set_pte(p, 0);
				invlpg(base + i * PAGE_SIZE);
			}
			return -ENOMEM;
		}
		set_pte(pte, __pa(page) | PTE_P | PTE_W | PTE_G | pte_nx);
	}
	return 0;
}

static bool slot_used[MAX_STACK_SLOTS];

void *vmap_stack(void)
{
	static int hint;		/* the search starts after the last slot taken */
	for (int k = 0; k < MAX_STACK_SLOTS; k++) {
		int s = (hint + k) % MAX_STACK_SLOTS;
		if (slot_used[s])
			continue;
		unsigned long base = VMALLOC_START + s * STACK_SLOT + PAGE_SIZE;
		if (map_stack_pages(base, KSTACK_PAGES))
			return NULL;
		slot_used[s] = true;
		hint = s + 1;
		return (void *)base;
	}
	return NULL;
}

#ifdef CONFIG_X86_64
static bool ist_mapped[IST_MAX + 1];		/* by IST number, 1-7 */

/* The stack for IST entry ist (1-7): IST_STACK_SIZE bytes at a fixed place
 * per number, made once at boot and never freed.  Returns its lowest
 * address; the TSS wants the top, base + IST_STACK_SIZE.  (Protected mode
 * has no IST: the i386 kernel has none of this.) */
void *vmap_ist_stack(int ist)
{
	BUG_ON(ist < 1 || ist > IST_MAX || ist_mapped[ist]);
	unsigned long base = IST_AREA + (ist - 1) * IST_SLOT + PAGE_SIZE;
	if (map_stack_pages(base, IST_STACK_PAGES))
		panic("out of memory for the IST stacks");
	ist_mapped[ist] = true;
	return (void *)base;
}
#endif

/*
 * Which guarded stack addr lies in, or in whose guard page.  For the panic
 * path: it only reads this file's own bookkeeping, never a page table or
 * the address itself, so it cannot fault whatever addr is.
 */
bool find_kernel_stack(unsigned long addr, struct kernel_stack_info *info)
{
	unsigned long slot_start, slot_size;
	int index;
	if (addr >= VMALLOC_START && addr < KSTACK_AREA_END) {
		index = (addr - VMALLOC_START) / STACK_SLOT;
		if (!slot_used[index])
			return false;
		slot_size = STACK_SLOT;
		slot_start = VMALLOC_START + index * STACK_SLOT;
		info->what = "kernel stack";
#ifdef CONFIG_X86_64
	} else if (addr >= IST_AREA && addr < IOREMAP_START) {
		index = (addr - IST_AREA) / IST_SLOT + 1;
		if (!ist_mapped[index])
			return false;
		slot_size = IST_SLOT;
		slot_start = IST_AREA + (index - 1) * IST_SLOT;
		info->what = "IST stack";
#endif
	} else {
		return false;
	}
	info->index = index;
	info->base = slot_start + PAGE_SIZE;
	info->top = slot_start + slot_size;
	info->in_guard = addr < info->base;
	return true;
}

void vunmap_stack(void *base)
{
	unsigned long b = (unsigned long)base;
	for (int i = 0; i < KSTACK_PAGES; i++) {
		u64 *pte = pte_walk(kernel_pgd, b + i * PAGE_SIZE, false);
		free_page(__va(*pte & PTE_ADDR));
		set_pte(pte, 0);
		invlpg(b + i * PAGE_SIZE);
	}
	slot_used[(b - PAGE_SIZE - VMALLOC_START) / STACK_SLOT] = false;
}

/* Uncached kernel mapping of one page of device memory (the local APIC),
 * placed after the stack slots. */
void *ioremap_page(unsigned long phys)
{
	static unsigned long next = IOREMAP_START;
	unsigned long va = next;
#ifdef CONFIG_X86_32
	if (va >= VMALLOC_END)
		panic("ioremap: out of address space");
#endif
	u64 *pte = pte_walk(kernel_pgd, va, true);
	if (!pte)
		panic("ioremap: out of memory");
	set_pte(pte, (phys & PAGE_MASK) | PTE_P | PTE_W | PTE_G | PTE_PCD | pte_nx);
	next += PAGE_SIZE;
	return (void *)(va + (phys & ~PAGE_MASK));
}
