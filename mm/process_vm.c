/*
 * process_vm_readv / process_vm_writev: copy between our memory and
 * another process's (or our own) without ptrace.
 *
 * Linux's rules, which callers (debuggers, test_vsyscall) depend on:
 *  - flags != 0 is EINVAL, before anything else is looked at.
 *  - The local iovec is imported like readv's (more than UIO_MAXIOV
 *    entries or a negative length: EINVAL; a segment outside user space:
 *    EFAULT; the total clipped to MAX_RW_COUNT).  If it describes no bytes
 *    the call returns 0 without looking at the remote side or the pid.
 *  - The remote iovec is only read (count and lengths as for the local
 *    one, but no address check): its addresses belong to the other mm.
 *    With no remote bytes the result is 0, again before the pid lookup.
 *  - An unknown pid, or a process with no memory left (exiting): ESRCH.
 *  - Remote pages are reached as get_user_pages without FOLL_FORCE does:
 *    a read needs PROT_READ, a write PROT_WRITE (a private page is copied
 *    first); no mapping, or the wrong permission, is a fault.  Nothing is
 *    mapped at the vsyscall address, so reading it faults (vsyscall=xonly).
 *  - A fault on either side ends the copy: the result is the bytes done
 *    so far, or EFAULT if there were none.  Chunks never cross a page on
 *    either side, so "done" is exact to the byte at the faulting page.
 * Compat callers pass 32-bit iovecs.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "../fs/uapi.h"
#include "internal.h"

/* Copy n iovecs of either layout into v; 0 or -errno.  check: the
 * addresses are ours (access_ok), total: the byte count, clipped. */
static long load_iov(const void __user *uvec, unsigned long n, bool compat, bool check,
		     struct iovec64 *v, u64 *total)
{
	size_t esz = compat ? sizeof(struct iovec32) : sizeof(struct iovec64);
	*total = 0;
	for (unsigned long i = 0; i < n; i++) {
		const char __user *src = (const char __user *)uvec + i * esz;
		if (compat) {
			struct iovec32 c;
			if (copy_from_user(&c, src, esz))
				return -EFAULT;
			/* compat_ssize_t: a length of 2 GiB or more is negative */
			if ((s32)c.len < 0)
				return -EINVAL;
			v[i].base = c.base, v[i].len = c.len;
		} else {
			if (copy_from_user(&v[i], src, esz))
				return -EFAULT;
			if ((s64)v[i].len < 0)
				return -EINVAL;
		}
		if (check && !access_ok((void __user *)(uintptr_t)v[i].base, v[i].len))
			return -EFAULT;
		if (check && v[i].len > MAX_RW_COUNT - *total)
			v[i].len = MAX_RW_COUNT - *total;
		*total += v[i].len;
	}
	return 0;
}

/* The kernel's view of the remote byte at addr, ready for this access,
 * or NULL (no mapping, wrong permission, beyond the ABI's user range). */
static u8 *remote_byte(struct mm *mm, unsigned long addr, bool write)
{
	if (addr >= mm->limit)
		return NULL;
	struct vma *v = vma_find(mm, addr);
	if (!v || !(v->prot & (write ? PROT_WRITE : PROT_READ)))
		return NULL;
	if (populate_page(mm, addr, write))
		return NULL;
	u8 *page = user_page(mm, addr & PAGE_MASK);
	return page ? page + (addr & ~PAGE_MASK) : NULL;
}

static long process_vm_rw(pid_t pid, const void __user *lvec, unsigned long liovcnt,
			  const void __user *rvec, unsigned long riovcnt,
			  unsigned long flags, bool write, bool compat)
{
	struct iovec64 *l = NULL, *r = NULL;
	u64 ltotal, rtotal;
	long err;

	if (flags != 0)
		return -EINVAL;
	if (liovcnt > UIO_MAXIOV)
		return -EINVAL;
	l = kmalloc((liovcnt + 1) * sizeof(*l));
	r = kmalloc((MIN(riovcnt, UIO_MAXIOV) + 1) * sizeof(*r));
	err = -ENOMEM;
	if (!l || !r)
		goto out;
	err = load_iov(lvec, liovcnt, compat, true, l, &ltotal);
	if (err || ltotal == 0)
		goto out;
	err = -EINVAL;
	if (riovcnt > UIO_MAXIOV)
		goto out;
	err = load_iov(rvec, riovcnt, compat, false, r, &rtotal);
	if (err || rtotal == 0)
		goto out;

	struct task *t = find_task(pid);
	err = -ESRCH;
	if (!t || t->state == TASK_ZOMBIE || t->state == TASK_DEAD || !t->mm)
		goto out;
	struct mm *mm = t->mm;

	u64 done = 0;
	unsigned long li = 0, loff = 0;
	err = 0;
	for (unsigned long ri = 0; ri < riovcnt && li < liovcnt && !err; ri++) {
		for (u64 roff = 0; roff < r[ri].len && !err;) {
			while (li < liovcnt && loff == l[li].len)
				li++, loff = 0;
			if (li == liovcnt)
				break;
			unsigned long ra = r[ri].base + roff, la = l[li].base + loff;
			u64 n = MIN(r[ri].len - roff, l[li].len - loff);
			n = MIN(n, PAGE_SIZE - (ra & ~PAGE_MASK));
			n = MIN(n, PAGE_SIZE - (la & ~PAGE_MASK));
			u8 *k = ra + n < ra ? NULL : remote_byte(mm, ra, write);
			if (!k)
				err = -EFAULT;
			else if (write)
				err = copy_from_user(k, (const void __user *)la, n) ? -EFAULT : 0;
			else
				err = copy_to_user((void __user *)la, k, n) ? -EFAULT : 0;
			if (!err)
				done += n, roff += n, loff += n;
		}
	}
	if (done)
		err = (long)done;
out:
	kfree(l);
	kfree(r);
	return err;
}

SYSCALL_DEFINE6(process_vm_readv, long, pid, const void __user *, lvec,
		unsigned long, liovcnt, const void __user *, rvec,
		unsigned long, riovcnt, unsigned long, flags)
{
	return process_vm_rw((pid_t)pid, lvec, liovcnt, rvec, riovcnt, flags, false, false);
}

SYSCALL_DEFINE6(process_vm_writev, long, pid, const void __user *, lvec,
		unsigned long, liovcnt, const void __user *, rvec,
		unsigned long, riovcnt, unsigned long, flags)
{
	return process_vm_rw((pid_t)pid, lvec, liovcnt, rvec, riovcnt, flags, true, false);
}

COMPAT_SYSCALL_DEFINE6(process_vm_readv, long, pid, const void __user *, lvec,
		       u32, liovcnt, const void __user *, rvec, u32, riovcnt, u32, flags)
{
	return process_vm_rw((pid_t)pid, lvec, liovcnt, rvec, riovcnt, flags, false, true);
}

COMPAT_SYSCALL_DEFINE6(process_vm_writev, long, pid, const void __user *, lvec,
		       u32, liovcnt, const void __user *, rvec, u32, riovcnt, u32, flags)
{
	return process_vm_rw((pid_t)pid, lvec, liovcnt, rvec, riovcnt, flags, true, true);
}
