/*
 * Page tables: the walkers both kernels share.  The top-level table (the
 * PGD: a PML4 on x86-64, PAE's four-entry PDPT on i386) has a user part
 * and a kernel part; the kernel part is the same in every address space
 * and is built at boot by pgtable_64.c or pgtable_32.c, which also make a
 * new address space's top level (pgd_create).  Everything here only walks
 * the user part, level by level, from internal.h's PT_LEVELS and
 * PGD_USER_ENTRIES.  docs/memory.md has the layout and the rules.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include "internal.h"

u64 *kernel_pgd;
u64 pte_nx;

/* The PTE for va, creating missing tables if asked.  Tables below the
 * top level of the user part carry PTE_U so the leaf decides access. */
u64 *pte_walk(u64 *pgd, unsigned long va, bool create)
{
	u64 *table = pgd;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		u64 *e = &table[PT_INDEX(va, level)];
		if (!(*e & PTE_P)) {
			if (!create)
				return NULL;
#ifdef CONFIG_X86_32
			/* Never a PDPTE: the CPU would not see it before
			 * the next CR3 load, and one with W or U set would
			 * make that load fault.  pgd_create() made all of
			 * them (pgtable_32.c). */
			BUG_ON(level == PT_LEVELS - 1);
#endif
			void *page = alloc_page();
			if (!page)
				return NULL;
			set_pte(e, __pa(page) | PTE_P | PTE_W | (va < USER_SPACE_END ? PTE_U : 0));
		}
		BUG_ON(*e & PTE_PS);
		table = __va(*e & PTE_ADDR);
	}
	return &table[PT_INDEX(va, 0)];
}

u64 pte_flags_for(u32 prot)
{
	u64 f = PTE_P | PTE_U;
	if (prot & PROT_WRITE)
		f |= PTE_W;
	if (!(prot & PROT_EXEC))
		f |= pte_nx;
	return f;
}

/* Takes over the caller's reference on page. */
int map_user_page(struct mm *mm, unsigned long va, void *page, u32 prot)
{
	u64 *pte = pte_walk(mm->pgd, va, true);
	if (!pte)
		return -ENOMEM;
	set_pte(pte, __pa(page) | pte_flags_for(prot));
	return 0;
}

/* Map a page someone else owns (a file's): the PTE takes a reference of
 * its own, so the page outlives the owner's copy of it if need be. */
int map_shared_page(struct mm *mm, unsigned long va, void *page, u32 prot)
{
	u64 *pte = pte_walk(mm->pgd, va, true);
	if (!pte)
		return -ENOMEM;
	get_page(page);
	set_pte(pte, __pa(page) | pte_flags_for(prot) | PTE_SHARED);
	return 0;
}

/*
 * The PTE for va if the tables down to it exist.  Otherwise NULL, and
 * *next is the first address past the hole, so range walks skip a missing
 * table in one step instead of page by page (a PROT_NONE reservation of
 * gigabytes costs nothing to unmap).
 */
u64 *pte_lookup(u64 *pgd, unsigned long va, unsigned long *next)
{
	u64 *table = pgd;
	for (int level = PT_LEVELS - 1; level > 0; level--) {
		u64 e = table[PT_INDEX(va, level)];
		if (!(e & PTE_P)) {
			unsigned long span = 1UL << PT_SHIFT(level);
			*next = (va & ~(span - 1)) + span;
			return NULL;
		}
		table = __va(e & PTE_ADDR);
	}
	return &table[PT_INDEX(va, 0)];
}

/* The kernel address of a present user page, or NULL. */
void *user_page(struct mm *mm, unsigned long va)
{
	u64 *pte = pte_walk(mm->pgd, va, false);
	if (!pte || !(*pte & PTE_P))
		return NULL;
	return __va(*pte & PTE_ADDR);
}

bool mm_is_current(struct mm *mm)
{
	return read_cr3() == __pa(mm->pgd);
}

/* Drop the PTEs of [start, end): a private page goes with its only
 * reference, a shared one stays with its file and its other mappers. */
void unmap_user_range(struct mm *mm, unsigned long start, unsigned long end)
{
	unsigned long next;
	for (unsigned long va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pgd, va, &next);
		if (!pte) {
			va = next - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		u64 old = *pte;
		set_pte(pte, 0);
		if (mm_is_current(mm))
			invlpg(va);
		put_page(__va(old & PTE_ADDR));
	}
}

void protect_user_range(struct mm *mm, unsigned long start, unsigned long end, u32 prot)
{
	unsigned long next;
	for (unsigned long va = start; va < end; va += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pgd, va, &next);
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
		set_pte(pte, (*pte & (PTE_ADDR | PTE_SHARED)) | f);
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
		u64 *pte = pte_lookup(mm->pgd, from + off, &next);
		if (!pte) {
			off = next - from - PAGE_SIZE;
			continue;
		}
		if ((*pte & PTE_P) && !pte_walk(mm->pgd, to + off, true))
			return -ENOMEM;
	}
	for (unsigned long off = 0; off < len; off += PAGE_SIZE) {
		u64 *pte = pte_lookup(mm->pgd, from + off, &next);
		if (!pte) {
			off = next - from - PAGE_SIZE;
			continue;
		}
		if (!(*pte & PTE_P))
			continue;
		u64 *dst = pte_walk(mm->pgd, to + off, false);
		BUG_ON(!dst || (*dst & PTE_P));
		set_pte(dst, *pte);
		set_pte(pte, 0);
		if (mm_is_current(mm))
			invlpg(from + off);
	}
	return 0;
}

static int walk_level(u64 *table, int level, int entries, unsigned long va,
		      table_fn fn, void *arg)
{
	for (int i = 0; i < entries; i++) {
		if (!(table[i] & PTE_P))
			continue;
		u64 *child = __va(table[i] & PTE_ADDR);
		unsigned long cva = va + ((unsigned long)i << PT_SHIFT(level));
		int err = level > 1 ? walk_level(child, level - 1, PT_ENTRIES, cva, fn, arg) : 0;
		if (!err)
			err = fn(child, level - 1, cva, arg);
		if (err)
			return err;
	}
	return 0;
}

/* Only the user part: the kernel part's tables are shared by every
 * address space (on i386 that is PDPT[3]'s directory, which the user
 * part's 3 entries never reach). */
int walk_user_tables(u64 *pgd, table_fn fn, void *arg)
{
	return walk_level(pgd, PT_LEVELS - 1, PGD_USER_ENTRIES, 0, fn, arg);
}

static int free_table(u64 *table, int level, unsigned long va, void *arg)
{
	if (level == 0)
		for (int i = 0; i < PT_ENTRIES; i++)
			if (table[i] & PTE_P)
				put_page(__va(table[i] & PTE_ADDR));
	free_page(table);
	return 0;
}

/* Frees the user part - leaf pages and every table below the top level
 * (on i386 the three user page directories too) - and the top level. */
void pgd_destroy(u64 *pgd)
{
	if (!pgd)
		return;		/* mm_copy() failed before making it */
	walk_user_tables(pgd, free_table, NULL);
	free_page(pgd);
}

/* One page table of the parent: every present PTE into the child's
 * table for the same addresses, made when the first one is found. */
static int copy_table(u64 *pt, int level, unsigned long va, void *arg)
{
	if (level)
		return 0;
	u64 *dst = arg, *dpt = NULL;
	for (int l = 0; l < PT_ENTRIES; l++) {
		if (!(pt[l] & PTE_P))
			continue;
		if (!dpt) {
			dpt = pte_walk(dst, va, true);	/* entry 0 of the child's table */
			if (!dpt)
				return -ENOMEM;
		}
		u64 e = pt[l];
		get_page(__va(e & PTE_ADDR));
		if (!(e & PTE_SHARED)) {
			e &= ~PTE_W;
			set_pte(&pt[l], e);
		}
		set_pte(&dpt[l], e);
	}
	return 0;
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
int pgd_copy_user(u64 *dst, u64 *src)
{
	int err = walk_user_tables(src, copy_table, dst);
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
	unsigned long pa = __pa(mm ? mm->pgd : kernel_pgd);
	if (read_cr3() != pa)
		write_cr3(pa);
	vdso32_switch(mm);
	/* An address space comes with its LDT (or the null LDTR). */
	ldt_load(mm);
}
