/*
 * ftruncate: setting a regular file's size through a descriptor.  The
 * work is reg_truncate()'s (fs/inode.c), which also takes the pages past
 * the new end away from every mapping of the file.  Checks in Linux's
 * order: the length, the descriptor, what it refers to and how it was
 * opened, then the size limit.
 */
#include <xentry/kernel.h>
#include <xentry/syscalls.h>
#include "internal.h"

static long do_ftruncate(unsigned int fd, loff_t length, bool small)
{
	struct file *f;
	long err = -EINVAL;

	if (length < 0)
		return -EINVAL;
	f = fget_io(fd);
	if (!f)
		return -EBADF;
	/* A 64-bit open is always O_LARGEFILE, so only i386's old
	 * ftruncate on a small-file descriptor is held to 2 GiB. */
	if (f->flags & O_LARGEFILE)
		small = false;
	if (!f->inode || !S_ISREG(f->inode->mode) || !(f->fmode & FMODE_WRITE))
		goto out;
	if (small && length > MAX_NON_LFS)
		goto out;
	err = -EFBIG;
	if (length > REG_MAX_BYTES)
		goto out;
	reg_truncate(f->inode, length);
	err = 0;
out:
	fput(f);
	return err;
}

SYSCALL_DEFINE2(ftruncate, unsigned int, fd, unsigned long, length)
{
#ifdef CONFIG_X86_32
	/* The native i386 call's off_t is a signed long: -1 is EINVAL, not
	 * 4 GiB - 1 (which an O_LARGEFILE descriptor would accept). */
	return do_ftruncate(fd, (loff_t)(long)length, true);
#else
	return do_ftruncate(fd, (loff_t)length, true);
#endif
}

/* i386: the 64-bit length comes in two registers, low half first. */
COMPAT_SYSCALL_DEFINE3(ia32_ftruncate64, unsigned int, fd, u32, len_lo, u32, len_hi)
{
	return do_ftruncate(fd, (loff_t)(((u64)len_hi << 32) | len_lo), false);
}
