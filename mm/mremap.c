/*
 * mremap: grow, shrink or move a mapping.
 *
 * A move carries the page-table entries to the new place (move_user_range
 * in vm.c), so the data goes with the mapping - private pages stay the
 * task's own, shared ones stay the file's - and nothing is copied or
 * re-read.  The errors follow Linux's mm/mremap.c as of 6.1 (the kernel
 * the tests are checked against): its order decides which errno a caller
 * sees when several apply.  The whole old range must lie in one mapping.
 *
 * The vDSO may move too, as a whole only (Linux's vdso_mremap): the kernel
 * finds its landing pad and signal trampolines through mm->vdso32, so
 * vdso_moved() makes that follow.  Like Linux's special mappings it - and
 * its vvar page - can neither grow nor be the source of MREMAP_DONTUNMAP.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include "internal.h"

#define MREMAP_MAYMOVE 1
#define MREMAP_FIXED 2
#define MREMAP_DONTUNMAP 4

/*
 * May [addr, addr + old_len) of one mapping become new_len long?  Returns
 * that mapping or an error (Linux's vma_to_resize).  old_len 0 is the old
 * "duplicate a shared mapping" request: a second mapping of the same
 * pages; it makes no sense for private memory.
 */
static long resizable(struct mm *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_len, unsigned long flags, struct vma **out)
{
	struct vma *v = vma_find(mm, addr);
	if (!v)
		return -EFAULT;
	if (!old_len && !(v->flags & VMA_SHARED))
		return -EINVAL;
	if ((flags & MREMAP_DONTUNMAP) && (v->flags & (VMA_VDSO | VMA_VVAR)))
		return -EINVAL;
	if (old_len > v->end - addr)
		return -EFAULT;
	*out = v;
	if (new_len == old_len)
		return 0;
	if (new_len > old_len && vm_may_expand(mm, new_len - old_len, ~0UL))
		return -ENOMEM;		/* RLIMIT_AS */
	/* The file offset of the new end must not wrap. */
	u64 pgoff = (v->off + (addr - v->start)) >> PAGE_SHIFT;
	if (v->ino && pgoff + (new_len >> PAGE_SHIFT) < pgoff)
		return -EINVAL;
	if (v->flags & (VMA_VDSO | VMA_VVAR))
		return -EFAULT;
	return 0;
}

/* file_end of a mapping of [addr, ...) of v placed at to, len long: a
 * wholly file-backed mapping stays so however long it gets; an ELF
 * segment's file part keeps its length. */
static unsigned long moved_file_end(struct vma *v, unsigned long addr,
				    unsigned long to, unsigned long len)
{
	if (v->file_end >= v->end)
		return to + len;
	return v->file_end > addr ? to + (v->file_end - addr) : to;
}

/*
 * Move [addr, addr + old_len) of v to [to, to + new_len) (new_len >=
 * old_len; the destination is free and does not overlap).  Everything
 * that can fail happens before the first PTE moves: a refused or failed
 * move leaves the address space as it was.
 */
static long move_mapping(struct mm *mm, struct vma *v, unsigned long addr,
			 unsigned long old_len, unsigned long new_len,
			 unsigned long to, unsigned long flags)
{
	if ((v->flags & VMA_VDSO) && new_len != vdso_mapping_size(mm))
		return -EINVAL;
	struct vma *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	/* Split the old mapping at the range's edges now, so that removing
	 * the old range afterwards cannot fail. */
	bool unmap_old = old_len && !(flags & MREMAP_DONTUNMAP);
	if (unmap_old) {
		if (v->start < addr) {
			if (vma_split(v, addr))
				goto nomem;
			v = v->next;
		}
		if (v->end > addr + old_len && vma_split(v, addr + old_len))
			goto nomem;
	}
	*n = (struct vma){ .start = to, .end = to + new_len, .prot = v->prot,
			   .flags = v->flags, .ino = v->ino,
			   .off = v->off + (addr - v->start),
			   .file_end = moved_file_end(v, addr, to, new_len), .mm = mm };
	if (move_user_range(mm, addr, to, old_len))
		goto nomem;
	if (n->ino) {
		inode_get(n->ino);
		vma_link_file(n);
	}
	vma_insert(mm, n);
	bool vdso = v->flags & VMA_VDSO;
	/* DONTUNMAP leaves the old range mapped and empty: it refills on
	 * the next touch like any untouched page of its mapping. */
	if (unmap_old)
		vma_unmap(mm, addr, old_len);
	if (vdso)
		vdso_moved(mm, to);
	return (long)to;
nomem:
	kfree(n);
	return -ENOMEM;
}

/* Where a move goes without MREMAP_FIXED: the hint if it is free, as
 * mmap's placement would do, else the usual top-down search. */
static unsigned long place(struct mm *mm, unsigned long hint, unsigned long len)
{
	if (hint >= MMAP_MIN_ADDR && hint + len <= mm->limit && hint + len > hint &&
	    range_free(mm, hint, hint + len))
		return hint;
	return vma_find_free(mm, len);
}

/* MREMAP_FIXED or MREMAP_DONTUNMAP: always a move, to new_addr (or, for
 * DONTUNMAP alone, near it). */
static long mremap_to(struct mm *mm, unsigned long addr, unsigned long old_len,
		      unsigned long new_addr, unsigned long new_len, unsigned long flags)
{
	if (new_addr & ~PAGE_MASK)
		return -EINVAL;
	if (new_len > mm->limit || new_addr > mm->limit - new_len)
		return -EINVAL;
	if (addr + old_len > new_addr && new_addr + new_len > addr)
		return -EINVAL;		/* the two ranges overlap */
	if ((flags & MREMAP_FIXED) && vma_unmap(mm, new_addr, new_len))
		return -ENOMEM;
	if (old_len > new_len) {
		if (vma_unmap(mm, addr + new_len, old_len - new_len))
			return -ENOMEM;
		old_len = new_len;
	}
	struct vma *v;
	long err = resizable(mm, addr, old_len, new_len, flags, &v);
	if (err)
		return err;
	unsigned long to = new_addr;
	if (!(flags & MREMAP_FIXED)) {
		to = place(mm, new_addr, new_len);
		if (!to)
			return -ENOMEM;
	}
	return move_mapping(mm, v, addr, old_len, new_len, to, flags);
}

SYSCALL_DEFINE5(mremap, unsigned long, addr, unsigned long, old_len,
		unsigned long, new_len, unsigned long, flags, unsigned long, new_addr)
{
	struct mm *mm = current->mm;
	if (flags & ~(MREMAP_MAYMOVE | MREMAP_FIXED | MREMAP_DONTUNMAP))
		return -EINVAL;
	if ((flags & MREMAP_FIXED) && !(flags & MREMAP_MAYMOVE))
		return -EINVAL;
	/* DONTUNMAP is always a move and never a resize. */
	if ((flags & MREMAP_DONTUNMAP) &&
	    (!(flags & MREMAP_MAYMOVE) || old_len != new_len))
		return -EINVAL;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	old_len = ALIGN_UP(old_len, PAGE_SIZE);
	new_len = ALIGN_UP(new_len, PAGE_SIZE);
	if (!new_len)
		return -EINVAL;
	if (!vma_find(mm, addr))
		return -EFAULT;
	if (flags & (MREMAP_FIXED | MREMAP_DONTUNMAP))
		return mremap_to(mm, addr, old_len, new_addr, new_len, flags);

	/* Shrinking in place always works: it is an munmap of the tail. */
	if (old_len >= new_len) {
		if (old_len > new_len && vma_unmap(mm, addr + new_len, old_len - new_len))
			return -ENOMEM;
		return (long)addr;
	}

	struct vma *v;
	long err = resizable(mm, addr, old_len, new_len, flags, &v);
	if (err)
		return err;
	/* Grow in place if the range ends the mapping and the space after
	 * it is free. */
	unsigned long old_end = addr + old_len, new_end = addr + new_len;
	if (old_end == v->end && new_end > addr && new_end <= mm->limit &&
	    range_free(mm, old_end, new_end)) {
		if (v->file_end >= v->end)
			v->file_end = new_end;
		v->end = new_end;
		return (long)addr;
	}
	if (!(flags & MREMAP_MAYMOVE))
		return -ENOMEM;
	unsigned long to = vma_find_free(mm, new_len);
	if (!to)
		return -ENOMEM;
	return move_mapping(mm, v, addr, old_len, new_len, to, flags);
}
