/*
 * Mappings (VMAs), demand paging, mmap and munmap.
 * Pages are allocated on first touch: the fault handler finds the VMA,
 * checks the access against its protection and fills a fresh page - zeros,
 * or file data up to file_end - or, for a shared mapping, maps the file's
 * own page (shmem.c).  mprotect.c, mremap.c: the calls that change
 * existing mappings.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <asm/desc.h>
#include "internal.h"

#ifdef CONFIG_X86_64
#define MMAP_BASE_64 0x7f0000000000UL
#endif

struct mm *mm_create(bool is32)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	mm->pgd = pgd_create();
	if (!mm->pgd) {
		kfree(mm);
		return NULL;
	}
	mm->users = 1;
#ifdef CONFIG_X86_64
	mm->limit = is32 ? TASK_SIZE_32 : TASK_SIZE_MAX;
	mm->mmap_base = is32 ? MMAP_BASE_32 : MMAP_BASE_64;
#else
	/* The native i386 kernel's one ABI (TASK_SIZE_MAX is TASK_SIZE_32). */
	mm->limit = TASK_SIZE_32;
	mm->mmap_base = MMAP_BASE_32;
#endif
	return mm;
}

static void vma_free(struct vma *v)
{
	if (v->ino) {
		vma_unlink_file(v);
		if (v->flags & VMA_SYSVSHM)
			shm_vma_closed(v->ino);
		inode_put(v->ino);
	}
	kfree(v);
}

void mm_put(struct mm *mm)
{
	if (!mm || --mm->users > 0)
		return;
	struct vma *v = mm->vmas;
	while (v) {
		struct vma *n = v->next;
		vma_free(v);
		v = n;
	}
	ldt_free(mm);
	if (mm->exe)
		inode_put(mm->exe);
	mm_unloaded(mm);
	pgd_destroy(mm->pgd);
	kfree(mm);
}

struct mm *mm_copy(struct mm *old)
{
	struct mm *mm = kzalloc(sizeof(*mm));
	if (!mm)
		return NULL;
	*mm = *old;
	mm->users = 1;
	mm->vmas = NULL;
	if (mm->exe)
		inode_get(mm->exe);	/* before any failure: mm_put drops it */
	mm->pgd = pgd_create();
	if (ldt_copy(mm, old))
		goto fail;
	struct vma **tail = &mm->vmas;
	for (struct vma *v = old->vmas; v; v = v->next) {
		struct vma *c = kmalloc(sizeof(*c));
		if (!c)
			goto fail;
		*c = *v;
		c->next = NULL;
		c->mm = mm;
		if (c->ino) {
			inode_get(c->ino);
			vma_link_file(c);
		}
		*tail = c;
		tail = &c->next;
	}
	if (!mm->pgd || pgd_copy_user(mm->pgd, old->pgd))
		goto fail;
	return mm;
fail:
	mm_put(mm);
	return NULL;
}

struct vma *vma_find(struct mm *mm, unsigned long addr)
{
	for (struct vma *v = mm->vmas; v && v->start <= addr; v = v->next)
		if (addr < v->end)
			return v;
	return NULL;
}

/* Split v so that a boundary falls at addr (start < addr < end). */
int vma_split(struct vma *v, unsigned long addr)
{
	struct vma *n = kmalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = *v;
	n->start = addr;
	n->off = v->off + (addr - v->start);
	if (n->ino) {
		inode_get(n->ino);
		vma_link_file(n);
	}
	v->end = addr;
	v->next = n;
	return 0;
}

void vma_insert(struct mm *mm, struct vma *n)
{
	struct vma **pp = &mm->vmas;
	while (*pp && (*pp)->start < n->start)
		pp = &(*pp)->next;
	n->next = *pp;
	*pp = n;
}

bool range_mapped(struct mm *mm, unsigned long start, unsigned long end)
{
	for (unsigned long a = start; a < end;) {
		struct vma *v = vma_find(mm, a);
		if (!v)
			return false;
		a = v->end;
	}
	return true;
}

int vma_unmap(struct mm *mm, unsigned long start, unsigned long len)
{
	unsigned long end = start + len;
	struct vma **pp = &mm->vmas;
	while (*pp) {
		struct vma *v = *pp;
		if (v->end <= start) {
			pp = &v->next;
			continue;
		}
		if (v->start >= end)
			break;
		if (v->start < start) {
			if (vma_split(v, start))
				return -ENOMEM;
			pp = &v->next;
			continue;
		}
		if (v->end > end && vma_split(v, end))
			return -ENOMEM;
		unmap_user_range(mm, v->start, v->end);
		*pp = v->next;
		vma_free(v);
	}
	return 0;
}

int vma_map(struct mm *mm, unsigned long start, unsigned long len, u32 prot,
	    u32 flags, struct inode *ino, u64 off, unsigned long file_end)
{
	if (vma_unmap(mm, start, len))
		return -ENOMEM;
	struct vma *n = kzalloc(sizeof(*n));
	if (!n)
		return -ENOMEM;
	*n = (struct vma){ .start = start, .end = start + len, .prot = prot,
			   .flags = flags, .ino = ino, .off = off,
			   .file_end = file_end, .mm = mm };
	if (ino) {
		inode_get(ino);
		vma_link_file(n);
	}
	vma_insert(mm, n);
	return 0;
}

bool range_free(struct mm *mm, unsigned long start, unsigned long end)
{
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->start < end && start < v->end)
			return false;
	return true;
}

/*
 * The highest gap of len bytes below the top-down cursor, at least 16
 * pages up.  One walk of the sorted list, remembering the last gap that
 * fits: a search that restarted below each clash was quadratic in the
 * number of mappings, and 1,000 thread stacks made every mmap cost 14 ms.
 */
unsigned long vma_find_free(struct mm *mm, unsigned long len)
{
	unsigned long best = 0, floor = PAGE_SIZE * 16, top = mm->mmap_base;
	for (struct vma *v = mm->vmas;; v = v->next) {
		unsigned long gap_end = v && v->start < top ? v->start : top;
		if (gap_end > floor && gap_end - floor >= len)
			best = gap_end - len;
		if (!v || v->start >= top)
			return best;
		floor = MAX(floor, v->end);
	}
}

/* MAP_32BIT for 64-bit tasks: the lowest free range in [1 GiB, 2 GiB), as
 * Linux without address randomisation places it (code that must run from
 * a 32-bit segment, or a JIT wanting rel32 reach). */
static unsigned long vma_find_free_32bit(struct mm *mm, unsigned long len)
{
	unsigned long start = 0x40000000UL, end = 0x80000000UL;
	while (start + len <= end) {
		struct vma *clash = NULL;
		for (struct vma *v = mm->vmas; v && !clash; v = v->next)
			if (v->start < start + len && start < v->end)
				clash = v;	/* the lowest overlapping one */
		if (!clash)
			return start;
		start = clash->end;
	}
	return 0;
}

/* First touch of va (not present): `write` if the access is a write,
 * so that a private file page is copied at once rather than mapped and
 * then copied by a second fault. */
static int fill_page(struct mm *mm, struct vma *v, unsigned long va, bool write)
{
	/* A page that should come from the file but lies wholly past its
	 * end: SIGBUS, as Linux (-EIO tells the fault handler).  Checked
	 * here, not only on faults, so that no path (ptrace's included)
	 * gives a file a page past its end. */
	if (v->ino && va < v->file_end &&
	    (loff_t)(v->off + (va - v->start)) >= inode_size(v->ino))
		return -EIO;
	if (v->flags & VMA_SHARED)
		return shared_fault(mm, v, va);
	if (v->ino && va < v->file_end)
		return fill_private_file(mm, v, va, write);
	/* [vdso] and [vvar] refill from the kernel's own pages. */
	if (unlikely(v->flags & (VMA_VDSO | VMA_VVAR)))
		return vdso_fault(mm, v, va);
	void *page = alloc_page();
	if (!page)
		return -ENOMEM;
	if (map_user_page(mm, va, page, v->prot)) {
		free_page(page);
		return -ENOMEM;
	}
	return 0;
}

/*
 * Bring in the page at va now.  With `write`, the caller is about to
 * write into it through the kernel's mapping of the page (ptrace's POKE),
 * which no read-only PTE stops: so a page shared copy-on-write, or a
 * file's page in a private mapping, is first made this mm's own copy.
 */
int populate_page(struct mm *mm, unsigned long va, bool write)
{
	va &= PAGE_MASK;
	struct vma *v = vma_find(mm, va);
	/* [vvar] is the kernel's: another process (ptrace, process_vm_*,
	 * /proc/PID/mem) neither reads nor writes it, as Linux's PFN mapping
	 * refuses access_remote_vm. */
	if (v && (v->flags & VMA_VVAR))
		return -EFAULT;
	void *page = user_page(mm, va);
	if (page && !write)
		return 0;
	if (!v)
		return page ? 0 : -EFAULT;
	if (!page) {
		int err = fill_page(mm, v, va, write);
		if (err || !write)
			return err;
	}
	if (v->flags & VMA_SHARED)
		return 0;			/* the file's page: written in place */
	return cow_page(mm, va, v->prot & PROT_WRITE);
}

#define PF_PROT 1
#define PF_WRITE 2
#define PF_RSVD 8
#define PF_INSTR 16

/* 0 if the fault at addr was a legitimate first touch (now mapped) or a
 * write to a copy-on-write page (now the writer's own). */
int handle_user_page_fault(unsigned long addr, unsigned long error)
{
	/* -EFAULT: nothing mapped there (SEGV_MAPERR); -EACCES: mapped, but
	 * not for this access (SEGV_ACCERR).  The address space is the one
	 * loaded, usually current's (fork writes its child's memory). */
	struct mm *mm = fault_mm();
	if (!mm)
		return -EFAULT;
	struct vma *v = vma_find(mm, addr);
	if (!v)
		return -EFAULT;
	if ((error & PF_WRITE) && !(v->prot & PROT_WRITE))
		return -EACCES;
	if (error & PF_PROT) {
		/* A present page.  The only legitimate case is a write to a
		 * private page kept read-only for copy-on-write; anything
		 * else is a real violation. */
		if ((error & (PF_WRITE | PF_RSVD | PF_INSTR)) == PF_WRITE &&
		    !(v->flags & VMA_SHARED) && !pte_writable(mm, addr & PAGE_MASK))
		{
			int err = cow_page(mm, addr & PAGE_MASK, true);
			return err == -ENOMEM ? err : err ? -EACCES : 0;
		}
		return -EACCES;
	}
	if ((error & PF_INSTR) && !(v->prot & PROT_EXEC))
		return -EACCES;
	if (!(v->prot & (PROT_READ | PROT_WRITE | PROT_EXEC)))
		return -EACCES;
	if (!stack_within_limit(v, addr))
		return -EFAULT;
	return fill_page(mm, v, addr & PAGE_MASK, error & PF_WRITE);
}

long do_mmap(unsigned long addr, unsigned long len, unsigned long prot,
	     unsigned long flags, int fd, u64 off)
{
	struct mm *mm = current->mm;
	struct inode *ino = NULL;
	if (!len)
		return -EINVAL;
	if (off & ~PAGE_MASK)
		return -EINVAL;
	unsigned type = flags & MAP_TYPE;
	if (type != MAP_SHARED && type != MAP_PRIVATE && type != MAP_SHARED_VALIDATE)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (!len || len > mm->limit)
		return -ENOMEM;
	bool shared = type != MAP_PRIVATE;
	u32 vflags = shared ? VMA_SHARED : 0;
	bool dev_zero = false;
	if (!(flags & MAP_ANONYMOUS)) {
		/* Linux: the file offset of the mapping's end must not wrap. */
		if (((off >> PAGE_SHIFT) + (len >> PAGE_SHIFT)) < (off >> PAGE_SHIFT))
			return -EOVERFLOW;
		bool writable;
		int err = fd_get_inode_for_mmap2(fd, shared && (prot & PROT_WRITE), &ino,
						 &writable);
		if (err)
			return err;
		/* A shared mapping of a file not open for writing can never
		 * be made writable (mprotect says EACCES). */
		if (writable)
			vflags |= VMA_MAYWRITE;
		/* /dev/zero, as Linux's mmap_zero: shared is a fresh shmem
		 * object (offset dropped); private keeps the device as its
		 * file, for maps and map_files, but with file_end at the
		 * start no byte ever comes from it: anonymous memory. */
		if (inode_is_dev_zero(ino)) {
			if (shared) {
				inode_put(ino);
				ino = shmem_create(len);
				if (!ino)
					return -ENOMEM;
				off = 0;
			} else {
				dev_zero = true;
			}
		}
	} else if (shared) {
		/* Shared anonymous memory is an unnamed file of len bytes,
		 * as Linux's shmem: fork shares it through the mapping's
		 * reference, and it goes with the last mapping.  Offset 0. */
		ino = shmem_create(len);
		if (!ino)
			return -ENOMEM;
		vflags |= VMA_MAYWRITE;
		off = 0;
	}
	long ret;
	if (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) {
		ret = -EINVAL;
		if (addr & ~PAGE_MASK)
			goto out;
		ret = -ENOMEM;
		if (addr + len > mm->limit || addr + len < addr)
			goto out;
		ret = -EEXIST;
		if ((flags & MAP_FIXED_NOREPLACE) && !(flags & MAP_FIXED) &&
		    !range_free(mm, addr, addr + len))
			goto out;
	} else {
		addr = ALIGN_UP(addr, PAGE_SIZE);
		bool low = (flags & MAP_32BIT) && !current->is32;
		if (addr < MMAP_MIN_ADDR || addr + len > mm->limit || !range_free(mm, addr, addr + len))
			addr = low ? vma_find_free_32bit(mm, len) : vma_find_free(mm, len);
		ret = -ENOMEM;
		if (!addr)
			goto out;
	}
	ret = vm_may_expand(mm, len, (flags & (MAP_FIXED | MAP_FIXED_NOREPLACE)) ? addr : ~0UL);
	if (ret)
		goto out;
	/* Pages past EOF raise SIGBUS when touched (handle_user_page_fault);
	 * the tail of the last page is zero-filled. */
	unsigned long file_end = ino && !dev_zero ? addr + len : 0;
	ret = vma_map(mm, addr, len, prot & 7, vflags, ino, off, file_end);
	if (!ret)
		ret = addr;
out:
	if (ino)
		inode_put(ino);
	return ret;
}

SYSCALL_DEFINE6(mmap, unsigned long, addr, unsigned long, len, unsigned long, prot,
		unsigned long, flags, int, fd, unsigned long, off)
{
	return do_mmap(addr, len, prot, flags, fd, off);
}

/* i386 mmap2: the offset is in 4 KiB units, so files past 4 GiB fit. */
COMPAT_SYSCALL_DEFINE6(ia32_mmap2, unsigned long, addr, unsigned long, len,
		       unsigned long, prot, unsigned long, flags, int, fd,
		       unsigned long, pgoff)
{
	return do_mmap(addr, len, prot, flags, fd, (u64)pgoff << PAGE_SHIFT);
}

SYSCALL_DEFINE2(munmap, unsigned long, addr, unsigned long, len)
{
	if ((addr & ~PAGE_MASK) || !len)
		return -EINVAL;
	len = ALIGN_UP(len, PAGE_SIZE);
	if (addr + len > current->mm->limit || addr + len < addr)
		return -EINVAL;
	return vma_unmap(current->mm, addr, len);
}
