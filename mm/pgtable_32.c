/*
 * The i386 kernel's page tables: PAE paging (NX needs it), three levels
 * of 8-byte entries.  The layout is in docs/i386.md, the rules in
 * docs/memory.md ("Paging on i386"); pgtable_64.c is the 64-bit
 * counterpart, and the walkers in vm.c serve both.
 *
 * The top level is a PDPT of four entries, one per GiB; each points to a
 * page directory.  PAE adds two rules that shape everything here:
 *
 *  - The CPU reads the four PDPTEs when CR3 is loaded and keeps them: an
 *    entry added or changed later is not seen until the next CR3 load.
 *    So an address space gets all four page directories when it is made
 *    (pgd_create), and no PDPTE ever changes while its PDPT is in use -
 *    the walkers only ever add page tables below them.
 *  - A PDPTE has no RW, US, A, D, PS, G or NX bits: bits 1-2, 5-8 and 63
 *    are reserved, and a PDPTE with one of them set makes the CR3 load
 *    raise #GP.  So a PDPTE holds exactly the address and P (pdpte()),
 *    and the permissions live in the page-directory and page-table
 *    entries below.
 *
 * PDPT[3] (0xc0000000 up) is the kernel's: one page directory, built here
 * at boot and pointed to by every address space's PDPT[3], never copied.
 * A kernel mapping made later (a kernel stack) goes into a page table
 * below that directory, so every address space sees it at once; for that
 * the page tables of the whole stack and ioremap area are made at boot
 * too, and the kernel's directory itself never changes after vm_init.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include "internal.h"

#define LARGE_PAGE (1UL << PT_SHIFT(1))		/* 2 MiB, one PD entry */
#define KERNEL_PDPTE 3				/* 0xc0000000 >> 30 */
#define VMALLOC_PTS ((VMALLOC_END - VMALLOC_START) / LARGE_PAGE)

_Static_assert(PAGE_OFFSET == (unsigned long)KERNEL_PDPTE << PT_SHIFT(2),
	       "the kernel's page directory maps from PAGE_OFFSET");
_Static_assert(PAGE_OFFSET + DIRECT_MAP_SIZE <= VMALLOC_START,
	       "the direct map runs into the stack area");

/*
 * Boot-time tables live in .bss: the kernel's PDPT (loaded when no
 * address space is; a whole page, which also gives PAE's required 32-byte
 * alignment), its page directory, and the page tables of the stack and
 * ioremap area.  KERNEL_VMA == PAGE_OFFSET on i386, so __pa() is their
 * physical address too, and all of them lie below 4 GiB, as CR3 (32 bits
 * in PAE mode) requires of a PDPT.
 */
static u64 boot_pdpt[PT_ENTRIES] __aligned(4096);
static u64 kernel_pd[PT_ENTRIES] __aligned(4096);
static u64 vmalloc_pts[VMALLOC_PTS][PT_ENTRIES] __aligned(4096);

/* A PDPT entry: the page directory's address and P - nothing else, since
 * any of the bits the other levels use is reserved here (#GP at the next
 * CR3 load). */
static u64 pdpte(u64 *pd)
{
	return __pa(pd) | PTE_P;
}

void vm_init(unsigned long max_phys)
{
	extern char _end_phys[];
	pte_nx = boot_cpu.nx ? PTE_NX : 0;

	/* The direct map: RAM up to 768 MiB (page_alloc.c ignores the rest)
	 * with 2 MiB pages, global, never executable - except the kernel
	 * image, which on i386 is the direct map's first megabytes
	 * (KERNEL_VMA == PAGE_OFFSET) and is not mapped anywhere else. */
	unsigned long ram = ALIGN_UP(MIN(max_phys, DIRECT_MAP_SIZE), LARGE_PAGE);
	unsigned long image_end = ALIGN_UP((unsigned long)_end_phys, LARGE_PAGE);
	for (unsigned long pa = 0; pa < ram; pa += LARGE_PAGE)
		kernel_pd[PT_INDEX(pa, 1)] = (u64)pa | PTE_P | PTE_W | PTE_PS | PTE_G |
					     (pa < image_end ? 0 : pte_nx);

	/* Every page table the stack and ioremap area can need, now: a
	 * table added to the kernel's directory later would be seen by all
	 * address spaces too, but making them all here means the kernel's
	 * directory never changes after boot, and vmap_stack() never
	 * allocates a table. */
	for (unsigned long i = 0; i < VMALLOC_PTS; i++)
		kernel_pd[PT_INDEX(VMALLOC_START, 1) + i] = __pa(vmalloc_pts[i]) | PTE_P | PTE_W;

	/* The kernel's own PDPT has no user part: PDPT[0-2] are not present
	 * (a PDPTE without P may hold anything, so 0 is fine). */
	boot_pdpt[KERNEL_PDPTE] = pdpte(kernel_pd);
	/* head_32.S's temporary tables go: they must not have been global,
	 * or their identity map would outlive this CR3 load in the TLB. */
	write_cr3(__pa(boot_pdpt));
	kernel_pgd = boot_pdpt;
	/* Copy-on-write (cow.c) relies on the kernel's own stores through a
	 * user address faulting on a read-only PTE; head_32.S sets CR0.WP. */
	BUG_ON(!(read_cr0() & X86_CR0_WP));
}

/*
 * A new address space: a PDPT with all three user page directories
 * (empty) and the kernel's shared one.  They must all exist before the
 * PDPT is first loaded, because the CPU caches PDPTEs at the CR3 load:
 * a directory added afterwards would go unseen.  pgd_destroy() frees the
 * three and the PDPT; walk_user_tables() never reaches PDPT[3], so the
 * kernel's directory is neither copied by fork nor freed with an mm.
 */
u64 *pgd_create(void)
{
	u64 *pdpt = alloc_page();
	if (!pdpt)
		return NULL;
	for (int i = 0; i < PGD_USER_ENTRIES; i++) {
		u64 *pd = alloc_page();
		if (!pd) {
			pgd_destroy(pdpt);	/* the directories made so far */
			return NULL;
		}
		pdpt[i] = pdpte(pd);
	}
	pdpt[KERNEL_PDPTE] = kernel_pgd[KERNEL_PDPTE];
	return pdpt;
}
