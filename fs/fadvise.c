/*
 * posix_fadvise: advice about a file's future reads.  The ramfs has no
 * cache to prefetch into or drop, so once the arguments pass Linux's
 * checks the advice is taken and ignored.  dar asks for it on every file
 * it saves and says "Failed to set fadvise()" when the call fails.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include "internal.h"

#define POSIX_FADV_NOREUSE 5	/* the highest advice number */

/* Linux's order: EBADF, then ESPIPE for a pipe or FIFO, then EINVAL for
 * a negative length or unknown advice. */
static long do_fadvise(int fd, loff_t offset, loff_t len, int advice)
{
	struct file *f = fget_io((unsigned int)fd);
	long err = 0;

	(void)offset;
	if (!f)
		return -EBADF;
	if (S_ISFIFO(f->inode->mode))
		err = -ESPIPE;
	else if (len < 0 || advice < 0 || advice > POSIX_FADV_NOREUSE)
		err = -EINVAL;
	fput(f);
	return err;
}

SYSCALL_DEFINE4(fadvise64, int, fd, loff_t, offset, size_t, len, int, advice)
{
	return do_fadvise(fd, offset, (loff_t)len, advice);
}

/* i386 passes the 64-bit offset (and, in fadvise64_64, the length) as
 * two 32-bit halves, low first; fadvise64's length is 32 bits. */
COMPAT_SYSCALL_DEFINE5(ia32_fadvise64, int, fd, u32, off_lo, u32, off_hi,
		       u32, len, int, advice)
{
	return do_fadvise(fd, (loff_t)(((u64)off_hi << 32) | off_lo), (loff_t)len, advice);
}

COMPAT_SYSCALL_DEFINE6(ia32_fadvise64_64, int, fd, u32, off_lo, u32, off_hi,
		       u32, len_lo, u32, len_hi, int, advice)
{
	return do_fadvise(fd, (loff_t)(((u64)off_hi << 32) | off_lo),
			  (loff_t)(((u64)len_hi << 32) | len_lo), advice);
}
