/*
 * The 64-bit kernel's page tables: 4 levels.  The kernel half (PML4 slots
 * 256-511) is built once at boot and copied into every address space, so
 * kernel mappings - the direct map of RAM, the kernel image, the stack
 * area - are the same everywhere, and later stack mappings (which only
 * touch lower levels) appear in all of them at once.  docs/memory.md has
 * the layout; pgtable_32.c is the i386 kernel's counterpart.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include "internal.h"

/* Boot-time tables live in .bss: they are needed before the direct map
 * exists, and a .bss page's physical address is va - KERNEL_VMA. */
static u64 boot_tables[9][512] __aligned(4096);
#define KPHYS(va) ((unsigned long)(va) - KERNEL_VMA)

void vm_init(unsigned long max_phys)
{
	pte_nx = boot_cpu.nx ? PTE_NX : 0;
	u64 *pml4 = boot_tables[0];
	u64 *direct_pdpt = boot_tables[1];
	u64 *kernel_pdpt = boot_tables[2];
	u64 *kernel_pd = boot_tables[3];
	u64 *vmalloc_pdpt = boot_tables[4];
	unsigned long gib = MIN(ALIGN_UP(max_phys, 1UL << 30) >> 30, 4UL);

	/* Direct map: all RAM (up to 4 GiB) with 2 MiB pages, never executable. */
	for (unsigned long g = 0; g < gib; g++) {
		u64 *pd = boot_tables[5 + g];
		for (int i = 0; i < 512; i++)
			pd[i] = ((g << 30) + ((u64)i << 21)) | PTE_P | PTE_W | PTE_PS | PTE_G | pte_nx;
		direct_pdpt[g] = KPHYS(pd) | PTE_P | PTE_W;
	}
	/* The kernel image: its first GiB of physical memory at -2 GiB. */
	for (int i = 0; i < 512; i++)
		kernel_pd[i] = ((u64)i << 21) | PTE_P | PTE_W | PTE_PS | PTE_G;
	kernel_pdpt[510] = KPHYS(kernel_pd) | PTE_P | PTE_W;

	pml4[(PAGE_OFFSET >> 39) & 511] = KPHYS(direct_pdpt) | PTE_P | PTE_W;
	pml4[(VMALLOC_START >> 39) & 511] = KPHYS(vmalloc_pdpt) | PTE_P | PTE_W;
	pml4[511] = KPHYS(kernel_pdpt) | PTE_P | PTE_W;
	write_cr3(KPHYS(pml4));
	kernel_pgd = __va(KPHYS(pml4));
	/* Copy-on-write (cow.c) relies on the kernel's own stores through a
	 * user address faulting on a read-only PTE; head_64.S sets CR0.WP. */
	BUG_ON(!(read_cr0() & X86_CR0_WP));
}

/* The kernel half is copied: its PML4 entries never change after boot
 * (espfix's is made before the first address space), so the copies
 * stay right. */
u64 *pgd_create(void)
{
	u64 *pml4 = alloc_page();
	if (pml4)
		memcpy(pml4 + PGD_USER_ENTRIES, kernel_pgd + PGD_USER_ENTRIES,
		       (PT_ENTRIES - PGD_USER_ENTRIES) * sizeof(u64));
	return pml4;
}
