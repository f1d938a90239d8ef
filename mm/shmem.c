/*
 * Shared mappings.
 *
 * A MAP_SHARED mapping does not own pages: it maps the pages of a ramfs
 * file (the inode's page array, fs/inode.c), so every process mapping the
 * file, read() and write() all see one copy of each byte.  Shared
 * anonymous memory is the same thing with an unnamed file made at mmap
 * time, so there is one mechanism, not two, as in Linux's shmem.
 *
 * Who frees a page: each holder has a reference (mm/page_alloc.c) - the
 * file's slot, and each PTE mapping it, in any address space.  munmap,
 * exit, fork's copies, truncate and the file's own end drop theirs in any
 * order; the last one frees.  The mapping also holds a reference on the
 * inode, so the file (and its page array) outlives its last descriptor
 * and its last name for as long as it is mapped.
 *
 * Truncation is the one event that must reach into address spaces: Linux
 * gives SIGBUS for a page past EOF, so the pages cut off must leave every
 * mapping, or a process would keep using (and a new reader would never
 * see) a page the file no longer has.  Each inode lists the VMAs mapping
 * it for that (inode_mmaps()), private ones included: Linux takes even a
 * private copy of a page past the new EOF away.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include "internal.h"

void vma_link_file(struct vma *v)
{
	if (!v->ino)
		return;
	struct vma **head = inode_mmaps(v->ino);
	v->i_next = *head;
	if (*head)
		(*head)->i_pprev = &v->i_next;
	v->i_pprev = head;
	*head = v;
}

void vma_unlink_file(struct vma *v)
{
	if (!v->i_pprev)
		return;
	*v->i_pprev = v->i_next;
	if (v->i_next)
		v->i_next->i_pprev = v->i_pprev;
	v->i_next = NULL;
	v->i_pprev = NULL;
}

struct inode *shmem_create(unsigned long len)
{
	return inode_new_shmem((loff_t)len);
}

/* First touch of a shared page: map the file's page, making it if the
 * file has a hole there (the caller has checked it lies before EOF). */
int shared_fault(struct mm *mm, struct vma *v, unsigned long va)
{
	u64 pos = v->off + (va - v->start);
	void *page = inode_page(v->ino, (size_t)(pos >> PAGE_SHIFT), true);
	if (!page)
		return -EIO;	/* a full tmpfs: SIGBUS, as Linux */
	return map_shared_page(mm, va, page, v->prot);
}

void unmap_file_beyond(struct inode *ino, loff_t size)
{
	u64 cut = ALIGN_UP((u64)size, PAGE_SIZE);	/* first file offset to go */
	for (struct vma *v = *inode_mmaps(ino); v; v = v->i_next) {
		/* Only the file-backed part: below file_end (an ELF
		 * segment's .bss beyond it is anonymous memory). */
		unsigned long end = MIN(v->end, ALIGN_UP(v->file_end, PAGE_SIZE));
		unsigned long start = v->start;
		if (end <= start)
			continue;
		if (cut > v->off)
			start = cut - v->off >= end - v->start ? end : v->start + (cut - v->off);
		if (start < end)
			unmap_user_range(v->mm, start, end);
	}
}
