/*
 * Page tables.  The kernel half (PML4 slots 256-511) is built once at boot
 * and copied into every address space, so kernel mappings - the direct map
 * of RAM, the kernel image, the stack area - are the same everywhere and
 * later stack mappings (which only touch lower levels) appear in all of
 * them at once.  docs/memory.md has the layout.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/ist.h>
#include <asm/desc.h>
#include "internal.h"

#define VMALLOC_START 0xffffc90000000000UL
#define STACK_SLOT (KSTACK_PAGES * PAGE_SIZE + PAGE_SIZE)
#define KSTACK_PAGES 4
#define MAX_STACK_SLOTS 32768	/* above any task limit (kernel/sched.c) */
/* After the kernel stacks: one slot per possible IST stack (asm/ist.h),
 * laid out the same way, guard page first; then ioremap's pages. */
#define IST_AREA (VMALLOC_START + MAX_STACK_SLOTS * STACK_SLOT)
#define IST_SLOT (IST_STACK_SIZE + PAGE_SIZE)
#define IOREMAP_START (IST_AREA + IST_MAX * IST_SLOT)

u64 *kernel_pml4;
static u64 nx_bit;

/* Boot-time tables live in .bss: they are needed before the direct map
 * exists, and a .bss page's physical address is va - KERNEL_VMA. */
static u64 boot_tables[9][512] __aligned(4096);
#define KPHYS(va) ((unsigned long)(va) - KERNEL_VMA)

void vm_init(unsigned long max_phys)
{
	extern struct cpuinfo boot_cpu;
	nx_bit = boot_cpu.nx ? PTE_NX : 0;
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
			pd[i] = ((g << 30) + ((u64)i << 21)) | PTE_P | PTE_W | PTE_PS | PTE_G | nx_bit;
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
	kernel_pml4 = __va(KPHYS(pml4));
	/* Copy-on-write (cow.c) relies on the kernel's own stores through a
	 * user address faulting on a read-only PTE; head.S sets CR0.WP. */
	BUG_ON(!(read_cr0() & X86_CR0_WP));
}

/* The PTE for va, creating missing tables if asked.  Tables below the
 * PML4 of the user half carry PTE_U so the leaf decides access. */
u64 *pte_walk(u64 *pml4, unsigned long va, bool create)
{
	u64 *table = pml4;
	for (int level = 3; level > 0; level--) {
		u64 *e = &table[(va >> (12 + 9 * level)) & 511];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
			void *page = alloc_page();
			if (!page)
				return NULL;
			*e = __pa(page) | PTE_P | PTE_W | (va < (1UL << 47) ? PTE_U : 0);
		}
		BUG_ON(*e & PTE_PS);
		table = __va(*e & PTE_ADDR);
	}
	return &table[(va >> 12) & 511];
}

u64 pte_flags_for(u32 prot)
{
	u64 f = PTE_P | PTE_U;
	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= nx_bit;
	return f;
}

/* Takes over the caller's reference on page. */
int map_user_page(struct mm *mm, unsigned long va, void *page, u32 prot)
{
	u64 *pte = pte_walk(mm->pml4, va, true);
	if (!pte)
		return -ENOMEM;
	*pte = __pa(page) | pte_flags_for(prot);
	return 0;
}

/* Map a page someone else owns (a file's): the PTE takes a reference of
 * its own, so the page outlives the owner's copy of it if need be. */
int map_shared_page(struct mm *mm, unsigned long va, void *page, u32 prot)
{
	u64 *pte = pte_walk(mm->pml4, va, true);
	if (!pte)
		return -ENOMEM;
	get_page(page);
	*pte = __pa(page) | pte_flags_for(prot) | PTE_SHARED;
	return 0;
}

/*
 * The PTE for va if the tables down to it exist.  Otherwise NULL, and
 * *next is the first address past the hole, so range walks skip a missing
 * table in one step instead of page by page (a PROT_NONE reservation of
 * gigabytes costs nothing to unmap).
 */
u64 *pte_lookup(u64 *pml4, unsigned long va, unsigned long *next)
{
	u64 *table = pml4;
	for (int level = 3; level > 0; level--) {
		u64 e = table[(va >> (12 + 9 * level)) & 511];
		if (!(e & PTE_P)) {
			unsigned long span = 1UL << (12 + 9 * level);
			*next = (va & ~(span - 1)) + span;
			return NULL;
		}
		table = __va(e & PTE_ADDR);
	}
	return &table[(va >> 12) & 511];
}

/* The kernel address of a present user page, or NULL. */
void *user_page(struct mm *mm, unsigned long va)
{
	u64 *pte = pte_walk(mm->pml4, va, false);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	return __va(*pte & PTE_ADDR);
}

bool mm_is_current(struct mm *mm)
{
	return read_cr3() == __pa(mm->pml4);
}

/* Drop the PTEs of [start, end): a private page goes with its only
 * reference, a shared one stays with its file and its other mappers. */
void unmap_user_range(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long next;
	for (unsigned long va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pml4, va, &next);
		if (!pte) {
			va = next - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		u64 old = *pte;
		*pte = 0;
		if (mm_is_current(mm))
			invlpg(va);
		put_page(__va(old & PTE_ADDR));
	}
}

void protect_user_range(struct mm *mm, unsigned long start, unsigned long end, u32 prot)
{
	unsigned long next;
	for (unsigned long va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pml4, va, &next);
		if (!pte) {
			va = next - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		/* A private page someone else still holds (a fork's other
		 * side, or the file it came from) stays read-only whatever
		 * prot says: the first write must copy it (cow.c). */
		u64 f = pte_flags_for(prot);
		if (!(*pte & PTE_SHARED) && page_count(__va(*pte & PTE_ADDR)) > 1)
			f &= ~PTE_W;
		*pte = (*pte & (PTE_ADDR | PTE_SHARED)) | f;
		if (mm_is_current(mm))
			invlpg(va);
	}
}

/*
 * mremap: carry the PTEs of [from, from + len) to [to, to + len), which
 * must not overlap and must hold nothing.  Every table the destination
 * needs is made first, so running out of memory leaves both ranges as
 * they were; after that the move itself cannot fail.  The pages keep
 * their references: only where they are mapped changes.
 */
int move_user_range(struct mm *mm, unsigned long from, unsigned long to, unsigned long len)
{
	unsigned long next;
	for (unsigned long off = 0; off < len; off += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pml4, from + off, &next);
		if (!pte) {
			off = next - from - PAGE_SIZE;
			continue;
		}
		if ((*pte & PTE_P) && !pte_walk(mm->pml4, to + off, true))
			return -ENOMEM;
	}
	for (unsigned long off = 0; off < len; off += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pml4, from + off, &next);
		if (!pte) {
			off = next - from - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		u64 *dst = pte_walk(mm->pml4, to + off, false);
		BUG_ON(!dst || (*dst & PTE_P));
		*dst = *pte;
		*pte = 0;
		if (mm_is_current(mm))
			invlpg(from + off);
	}
	return 0;
}

u64 *pml4_create(void)
{
	u64 *pml4 = alloc_page();
	if (pml4)
		memcpy(pml4 + 256, kernel_pml4 + 256, 256 * sizeof(u64));
	return pml4;
}

/* Frees the user half: leaf pages and every table below the PML4. */
void pml4_destroy(u64 *pml4)
{
	for (int i = 0; i < 256; i++) {
		if (!(pml4[i] & PTE_P))
			continue;
		u64 *pdpt = __va(pml4[i] & PTE_ADDR);
		for (int j = 0; j < 512; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			u64 *pd = __va(pdpt[j] & PTE_ADDR);
			for (int k = 0; k < 512; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				u64 *pt = __va(pd[k] & PTE_ADDR);
				for (int l = 0; l < 512; l++)
					if (pt[l] & PTE_P)
						put_page(__va(pt[l] & PTE_ADDR));
				free_page(pt);
			}
			free_page(pd);
		}
		free_page(pdpt);
	}
	free_page(pml4);
}

/*
 * fork: the child maps every present page the parent has, each PTE with
 * a reference of its own.  A shared page keeps its PTE as it is.  A
 * private page becomes copy-on-write: read-only on both sides until one
 * of them writes (cow.c), so a fork costs page tables, not page copies.
 * The parent's TLB still holds its old writable entries: if src is the
 * loaded address space, one CR3 reload drops them all (user PTEs are
 * never global), cheaper than an invlpg per page.
 */
int pml4_copy_user(u64 *dst, u64 *src)
{
	int err = 0;
	for (int i = 0; i < 256 && !err; i++) {
		if (!(src[i] & PTE_P))
			continue;
		u64 *pdpt = __va(src[i] & PTE_ADDR);
		for (int j = 0; j < 512 && !err; j++) {
			if (!(pdpt[j] & PTE_P))
				continue;
			u64 *pd = __va(pdpt[j] & PTE_ADDR);
			for (int k = 0; k < 512 && !err; k++) {
				if (!(pd[k] & PTE_P))
					continue;
				u64 *pt = __va(pd[k] & PTE_ADDR);
				u64 *dpt = NULL;
				for (int l = 0; l < 512; l++) {
					if (!(pt[l] & PTE_P))
						continue;
					if (!dpt) {
						unsigned long va = ((unsigned long)i << 39) |
							((unsigned long)j << 30) |
							((unsigned long)k << 21);
						u64 *pte = pte_walk(dst, va, true);
						if (!pte) {
							err = -ENOMEM;
							break;
						}
						dpt = pte;	/* entry 0 of the child's table */
					}
					get_page(__va(pt[l] & PTE_ADDR));
					if (!(pt[l] & PTE_SHARED))
						pt[l] &= ~PTE_W;
					dpt[l] = pt[l];
				}
			}
		}
	}
	if (read_cr3() == __pa(src))
		write_cr3(__pa(src));
	return err;
}

/* The address space in CR3 (NULL: the kernel's).  A fault on a user
 * address belongs to it, which is not always current->mm: fork writes
 * the child's CLONE_CHILD_SETTID word with the child's tables loaded. */
static struct mm *loaded_mm;

struct mm *fault_mm(void)
{
	return loaded_mm;
}

void mm_unloaded(struct mm *mm)
{
	if (loaded_mm == mm)
		switch_mm(NULL);
}

void switch_mm(struct mm *mm)
{
	loaded_mm = mm;
	u64 pa = __pa(mm ? mm->pml4 : kernel_pml4);
	if (read_cr3() != pa)
		write_cr3(pa);
	vdso32_switch(mm);
	/* An address space comes with its LDT (or the null LDTR). */
	ldt_load(mm);
}

/*
 * Guarded stacks.  Kernel stacks and IST stacks alike are a run of mapped
 * pages with an unmapped guard page below, so an overflow faults instead
 * of silently corrupting whatever lies beneath; the fault then becomes a
 * double fault on its own IST stack (docs/exceptions.md), which
 * find_kernel_stack() below lets the panic message explain.
 *
 * map_stack_pages backs [base, base + pages pages) with fresh pages:
 * kernel-only, global (the vmalloc area is the same in every address
 * space), never executable.  Callers pick base one page into their slot,
 * so the slot's first page is the guard and is never mapped.
 */
static int map_stack_pages(unsigned long base, int pages)
{
	for (int i = 0; i < pages; i++) {
		void *page = alloc_page();
		u64 *pte = page ? pte_walk(kernel_pml4, base + i * PAGE_SIZE, true) : NULL;
		if (!pte) {
			/* Out of memory is a failed fork (EAGAIN), never a
			 * panic: undo the pages mapped so far. */
			if (page)
				free_page(page);
			while (i-- > 0) {
				u64 *p = pte_walk(kernel_pml4, base + i * PAGE_SIZE, false);
				free_page(__va(*p & PTE_ADDR));
				*p = 0;
				invlpg(base + i * PAGE_SIZE);
			}
			return -ENOMEM;
		}
		*pte = __pa(page) | PTE_P | PTE_W | PTE_G | nx_bit;
	}
	return 0;
}

static bool slot_used[MAX_STACK_SLOTS];
static bool ist_mapped[IST_MAX + 1];		/* by IST number, 1-7 */

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

/* The stack for IST entry ist (1-7): IST_STACK_SIZE bytes at a fixed place
 * per number, made once at boot and never freed.  Returns its lowest
 * address; the TSS wants the top, base + IST_STACK_SIZE. */
void *vmap_ist_stack(int ist)
{
	BUG_ON(ist < 1 || ist > IST_MAX || ist_mapped[ist]);
	unsigned long base = IST_AREA + (ist - 1) * IST_SLOT + PAGE_SIZE;
	if (map_stack_pages(base, IST_STACK_PAGES))
		panic("out of memory for the IST stacks");
	ist_mapped[ist] = true;
	return (void *)base;
}

/*
 * Which guarded stack addr lies in, or in whose guard page.  For the panic
 * path: it only reads this file's own bookkeeping, never a page table or
 * the address itself, so it cannot fault whatever addr is.
 */
bool find_kernel_stack(unsigned long addr, struct kernel_stack_info *info)
{
	unsigned long slot_start, slot_size;
	int index;
	if (addr >= VMALLOC_START && addr < IST_AREA) {
		index = (addr - VMALLOC_START) / STACK_SLOT;
		if (!slot_used[index])
			return false;
		slot_size = STACK_SLOT;
		slot_start = VMALLOC_START + index * STACK_SLOT;
		info->what = "kernel stack";
	} else if (addr >= IST_AREA && addr < IOREMAP_START) {
		index = (addr - IST_AREA) / IST_SLOT + 1;
		if (!ist_mapped[index])
			return false;
		slot_size = IST_SLOT;
		slot_start = IST_AREA + (index - 1) * IST_SLOT;
		info->what = "IST stack";
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
		u64 *pte = pte_walk(kernel_pml4, b + i * PAGE_SIZE, false);
		free_page(__va(*pte & PTE_ADDR));
		*pte = 0;
		invlpg(b + i * PAGE_SIZE);
	}
	slot_used[(b - PAGE_SIZE - VMALLOC_START) / STACK_SLOT] = false;
}

/* Uncached kernel mapping of one page of device memory (the local APIC),
 * placed after the kernel-stack and IST-stack slots. */
void *ioremap_page(unsigned long phys)
{
	static unsigned long next = IOREMAP_START;
	unsigned long va = next;
	u64 *pte = pte_walk(kernel_pml4, va, true);
	if (!pte)
		panic("ioremap: out of memory");
	*pte = (phys & PAGE_MASK) | PTE_P | PTE_W | PTE_G | (1UL << 4) /* PCD */ | nx_bit;
	next += PAGE_SIZE;
	return (void *)(va + (phys & ~PAGE_MASK));
}
