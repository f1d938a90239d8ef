/*
 * Copy-on-write: private pages that more than one holder maps.
 *
 * A private page can be held by several PTEs or by a file as well as by
 * a PTE: fork shares every private page between parent and child instead
 * of copying it, and a private file mapping (exec's text and data, a
 * MAP_PRIVATE mmap) maps the file's own page until it is written.  Such a
 * page is mapped read-only, and its reference count (page_alloc.c) says
 * whether anybody else still holds it.  The first write faults, and
 * cow_page() either copies the page (count above 1: the others keep the
 * old one) or, if the writer is the last holder, just makes the PTE
 * writable again - no copy at all for the fork whose child has exited or
 * exec'd.  No per-page "is COW" bit is needed: a private PTE that is
 * read-only under a writable mapping *is* copy-on-write, and the count
 * decides what a write costs.
 *
 * Every writer goes through here first:
 *  - a user write faults (handle_user_page_fault);
 *  - the kernel writing through the user address (copy_to_user, put_user,
 *    the futex code's write test) faults too, because CR0.WP is set at
 *    boot (arch/x86/boot/head_64.S, head_32.S), so the kernel obeys
 *    read-only PTEs;
 *  - the one writer that goes through the kernel's own mapping of the
 *    page, ptrace's POKE (populate_page with write), calls cow_page
 *    itself before writing;
 *  - mprotect keeps such a page read-only even when the mapping becomes
 *    writable (protect_user_range).
 * Shared pages (PTE_SHARED) are never copied: they are the file's.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <asm/x86.h>
#include "internal.h"

/* Is the PTE of va present and writable?  A write fault on such a page
 * is no copy-on-write fault (a protection key, a reserved bit...). */
bool pte_writable(struct mm *mm, unsigned long va)
{
	u64 *pte = pte_walk(mm->pgd, va, false);
	return pte && (*pte & PTE_P) && (*pte & PTE_W);
}

/*
 * Make the present private page at va the caller's alone - a copy if
 * someone else holds it - and writable if `writable` (ptrace may write
 * into a read-only mapping: then it stays read-only, but is private).
 */
int cow_page(struct mm *mm, unsigned long va, bool writable)
{
	u64 *pte = pte_walk(mm->pgd, va, false);
	if (!pte || !(*pte & PTE_P) || (*pte & PTE_SHARED))
		return -EFAULT;
	void *old = __va(*pte & PTE_ADDR);
	u64 flags = (*pte & ~PTE_ADDR) | (writable ? PTE_W : 0);
	if (page_count(old) == 1) {
		set_pte(pte, __pa(old) | flags);
	} else {
		u64 was = *pte;
		void *page = alloc_page_uninit();
		if (!page)
			return -ENOMEM;
		/* The allocation may have run the OOM killer, which can
		 * reap mm if it is another process's (ptrace's POKE): then
		 * old may be gone and the PTE empty. */
		pte = pte_walk(mm->pgd, va, false);
		if (!pte || *pte != was) {
			free_page(page);
			return -EFAULT;
		}
		copy_page(page, old);
		set_pte(pte, __pa(page) | flags);
		put_page(old);
	}
	if (mm_is_current(mm))
		invlpg(va);
	return 0;
}

/*
 * First touch of a page of a private file mapping (below file_end).  A
 * page that lies wholly inside the file is the file's page itself,
 * mapped read-only: exec maps a program's text this way, so every
 * process running it shares one copy (and QEMU translates its code once).
 * A write fault copies it at once instead of mapping and then copying.
 * A page the file does not fill - the last one, where an ELF segment's
 * .bss begins at file_end, or the file's own last page - is always a
 * private copy: its tail must read as zeros, and zeroing it in the file's
 * page would change the file.
 *
 * Consequence (also Linux's behaviour): until a process writes a page of
 * its private mapping, write() to the file shows through.
 */
int fill_private_file(struct mm *mm, struct vma *v, unsigned long va, bool write)
{
	u64 pos = v->off + (va - v->start);
	bool whole = va + PAGE_SIZE <= v->file_end &&
		     (loff_t)(pos + PAGE_SIZE) <= inode_size(v->ino);
	void *fpage = whole ? inode_page(v->ino, (size_t)(pos >> PAGE_SHIFT), false) : NULL;
	if (fpage && !write) {
		u64 *pte = pte_walk(mm->pgd, va, true);
		if (!pte)
			return -ENOMEM;
		get_page(fpage);
		set_pte(pte, __pa(fpage) | (pte_flags_for(v->prot) & ~PTE_W));
		return 0;
	}
	char *page = alloc_page_uninit();
	if (!page)
		return -ENOMEM;
	size_t done = PAGE_SIZE;
	if (fpage) {
		copy_page(page, fpage);
	} else {
		size_t n = MIN(PAGE_SIZE, v->file_end - va);
		ssize_t r = inode_read(v->ino, page, n, (loff_t)pos);
		if (r < 0) {
			free_page(page);
			return -EIO;
		}
		done = (size_t)r;
	}
	if (done < PAGE_SIZE)
		memset(page + done, 0, PAGE_SIZE - done);
	if (map_user_page(mm, va, page, v->prot)) {
		free_page(page);
		return -ENOMEM;
	}
	return 0;
}
