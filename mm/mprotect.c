/*
 * The calls that change mappings in place: mprotect, madvise, msync and
 * brk.  Their range checks follow Linux's, errno for errno, because the
 * same test programs run on both kernels.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include "internal.h"

SYSCALL_DEFINE3(mprotect, unsigned long, start, unsigned long, len, unsigned long, prot)
{
	struct mm *mm = current->mm;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if (prot & ~7UL)
		return -EINVAL;
	unsigned long end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	/* Linux: the whole range must be mapped, else -ENOMEM. */
	if (!range_mapped(mm, start, end))
		return -ENOMEM;
	/* A shared mapping writes into its file, so it may become writable
	 * only if the file was opened for writing (Linux's VM_MAYWRITE).
	 * Checked for the whole range first, so a refusal changes nothing. */
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
		if (v->end > start && (prot & PROT_WRITE) &&
		    (v->flags & VMA_SHARED) && !(v->flags & VMA_MAYWRITE))
			return -EACCES;
	/* The vvar page is the kernel's, for reading only (Linux maps it
	 * without VM_MAYWRITE or VM_MAYEXEC). */
	for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
		if (v->end > start && (prot & (PROT_WRITE | PROT_EXEC)) &&
		    (v->flags & VMA_VVAR))
			return -EACCES;
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if (v->end <= start || v->start >= end)
			continue;
		if (v->start < start) {
			if (vma_split(v, start))
				return -ENOMEM;
			continue;
		}
		if (v->end > end && vma_split(v, end))
			return -ENOMEM;
		v->prot = prot;
		protect_user_range(mm, v->start, v->end, prot);
	}
	return 0;
}

SYSCALL_DEFINE1(brk, unsigned long, newbrk)
{
	struct mm *mm = current->mm;
	unsigned long old_end = ALIGN_UP(mm->brk, PAGE_SIZE);
	unsigned long new_end = ALIGN_UP(newbrk, PAGE_SIZE);
	/* Linux returns the current break for any refused request. */
	if (newbrk < mm->brk_start || newbrk >= mm->limit)
		return mm->brk;
	if (new_end > old_end) {
		if (!range_free(mm, old_end, new_end) || !brk_within_limit(mm, newbrk) ||
		    vm_may_expand(mm, new_end - old_end, ~0UL))
			return mm->brk;
		if (vma_map(mm, old_end, new_end - old_end, PROT_READ | PROT_WRITE,
			    VMA_BRK, NULL, 0, 0))
			return mm->brk;
	} else if (new_end < old_end) {
		vma_unmap(mm, new_end, old_end - new_end);
	}
	mm->brk = newbrk;
	return newbrk;
}

#define MADV_DONTNEED 4
#define MADV_FREE 8

static bool private_anon(const struct vma *v)
{
	return !v->ino && !(v->flags & (VMA_SHARED | VMA_VDSO | VMA_VVAR));
}

SYSCALL_DEFINE3(madvise, unsigned long, start, unsigned long, len, int, advice)
{
	struct mm *mm = current->mm;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	unsigned long end = start + ALIGN_UP(len, PAGE_SIZE);
	if ((len && end == start) || end < start)
		return -EINVAL;		/* the rounded length wrapped */
	/* Linux: -ENOMEM if part of the range is not mapped. */
	if (!range_mapped(mm, start, end))
		return -ENOMEM;
	/* MADV_FREE lets the kernel take private anonymous pages lazily;
	 * Linux refuses it for anything else. */
	if (advice == MADV_FREE)
		for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
			if (v->end > start && !private_anon(v))
				return -EINVAL;
	/*
	 * DONTNEED drops the PTEs; the next touch refills the page from the
	 * mapping: zeros for private anonymous memory, the file's data for a
	 * private file mapping, and for a shared mapping the very same page,
	 * since the data lives in the file (or shared object), not in the
	 * PTE - exactly Linux's behaviour.  Other advice is a hint a kernel
	 * without swap can ignore.
	 */
	if (advice == MADV_DONTNEED || advice == MADV_FREE)
		unmap_user_range(mm, start, end);
	return 0;
}

#define MS_ASYNC 1
#define MS_INVALIDATE 2
#define MS_SYNC 4

/* ramfs has no backing store: a shared mapping already is the file, so
 * there is nothing to write back.  Only Linux's checks remain. */
SYSCALL_DEFINE3(msync, unsigned long, start, unsigned long, len, int, flags)
{
	if (flags & ~(MS_ASYNC | MS_INVALIDATE | MS_SYNC))
		return -EINVAL;
	if (start & ~PAGE_MASK)
		return -EINVAL;
	if ((flags & MS_ASYNC) && (flags & MS_SYNC))
		return -EINVAL;
	unsigned long end = start + ALIGN_UP(len, PAGE_SIZE);
	if (end < start)
		return -ENOMEM;
	if (end == start)
		return 0;
	/* No mlock, so MS_INVALIDATE never meets a locked page (EBUSY). */
	return range_mapped(current->mm, start, end) ? 0 : -ENOMEM;
}
