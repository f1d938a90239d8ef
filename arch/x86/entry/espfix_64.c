/*
 * The espfix stack (64-bit kernel): where an IRET to a 16-bit stack
 * segment runs, so that ESP's bits 16-31, which such an IRET leaves as
 * they were, are the user's own and not the kernel stack's
 * (entry_64.S, docs/segments.md).
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/entry.h>
#include <asm/x86.h>

/*
 * The espfix stack: ESPFIX_STACK_SIZE bytes of pages mapped at the start of
 * each of the 65536 64-KiB slots of [ESPFIX_BASE, ESPFIX_BASE + 4 GiB).  One
 * page table serves a whole 2 MiB (its entries repeat every 16), one page
 * directory a whole GiB (every entry the same table), and four PDPT entries
 * the 4 GiB: five pages of tables in all, made once at boot before the
 * first address space copies the kernel half.
 */
#define PTE_P 1UL
#define PTE_W 2UL
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)

void espfix_init(void)
{
	unsigned int pages = ESPFIX_STACK_SIZE / PAGE_SIZE;
	u8 *stack = alloc_pages(pages);
	u64 *pt = alloc_page(), *pd = alloc_page(), *pdpt = alloc_page();
	if (!stack || !pt || !pd || !pdpt)
		panic("espfix: out of memory");
	u64 nx = boot_cpu.nx ? PTE_NX : 0;
	for (int i = 0; i < 512; i++) {
		if (i % 16 < pages)
			pt[i] = __pa(stack + (i % 16) * PAGE_SIZE) | PTE_P | PTE_W | PTE_G | nx;
		pd[i] = __pa(pt) | PTE_P | PTE_W;
	}
	for (int i = 0; i < 4; i++)
		pdpt[i] = __pa(pd) | PTE_P | PTE_W;
	kernel_pgd[(ESPFIX_BASE >> 39) & 511] = __pa(pdpt) | PTE_P | PTE_W;
}
