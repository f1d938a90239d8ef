/*
 * read/write and friends (positional, vectored, both ABIs), lseek, and the
 * regular-file operations behind them.
 *
 * The checks run in Linux's order, because a test can see which error
 * wins: bad descriptor (EBADF), then the mode it was opened with (EBADF),
 * then the buffer's range (EFAULT), then the operation itself.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* ---- regular files ---- */

static ssize_t reg_file_read(struct file *f, char __user *buf, size_t n,
			     loff_t *pos, bool nowait)
{
	ssize_t r = reg_read(f->inode, buf, n, *pos, true);

	if (r > 0)
		*pos += r;
	if (r >= 0 && !(f->flags & O_NOATIME))
		inode_accessed(f->inode);
	return r;
}

static ssize_t reg_file_write(struct file *f, const char __user *buf, size_t n,
			      loff_t *pos)
{
	struct inode *ino = f->inode;
	ssize_t r;

	/* O_APPEND moves every write to the end, pwrite's too (a Linux
	 * quirk that POSIX calls a bug; we match Linux). */
	if (f->flags & O_APPEND)
		*pos = ino->size;
	if (!(f->flags & O_LARGEFILE)) {
		if (*pos >= MAX_NON_LFS)
			return -EFBIG;
		n = MIN(n, (size_t)(MAX_NON_LFS - *pos));
	}
	r = reg_write(ino, buf, n, *pos, true);
	if (r > 0)
		*pos += r;
	return r;
}

/* Offset of the first allocated page at/after off (data) or the first
 * hole (!data), as tmpfs's SEEK_DATA/SEEK_HOLE see pages. */
static loff_t seek_data_hole(struct inode *ino, loff_t off, bool data)
{
	if (off < 0 || off >= ino->size)
		return -ENXIO;
	for (loff_t p = off; p < ino->size; p = (p | (PAGE_SIZE - 1)) + 1) {
		size_t idx = (size_t)(p >> PAGE_SHIFT);
		bool present = idx < ino->u.reg.nslots && ino->u.reg.pages[idx];
		if (present == data)
			return p;
	}
	return data ? -ENXIO : ino->size;	/* EOF is the last hole */
}

static loff_t generic_llseek(struct file *f, loff_t off, int whence, loff_t size)
{
	loff_t base;

	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		if (off == 0)		/* a plain "where am I" never fails */
			return f->pos;
		base = f->pos;
		break;
	case SEEK_END:
		base = size;
		break;
	default:
		return -EINVAL;
	}
	if (__builtin_add_overflow(base, off, &off) || off < 0)
		return -EINVAL;
	f->pos = off;
	return off;
}

static loff_t reg_llseek(struct file *f, loff_t off, int whence)
{
	if (whence == SEEK_DATA || whence == SEEK_HOLE) {
		loff_t r = seek_data_hole(f->inode, off, whence == SEEK_DATA);
		if (r >= 0)
			f->pos = r;
		return r;
	}
	return generic_llseek(f, off, whence, f->inode->size);
}

const struct file_ops reg_fops = {
	.read = reg_file_read,
	.write = reg_file_write,
	.llseek = reg_llseek,
};

/* ---- the common paths ---- */

/* A descriptor usable for I/O: O_PATH ones are EBADF here, as fdget(). */
struct file *fget_io(unsigned int fd)
{
	struct file *f = fget(fd);

	if (f && (f->fmode & FMODE_PATH)) {
		fput(f);
		return NULL;
	}
	return f;
}

static ssize_t vfs_read(struct file *f, char __user *buf, size_t n, loff_t *pos)
{
	if (!(f->fmode & FMODE_READ))
		return -EBADF;
	if (!f->ops->read)
		return -EINVAL;
	if (!access_ok(buf, n))
		return -EFAULT;
	return f->ops->read(f, buf, MIN(n, (size_t)MAX_RW_COUNT), pos, false);
}

static ssize_t vfs_write(struct file *f, const char __user *buf, size_t n,
			 loff_t *pos)
{
	if (!(f->fmode & FMODE_WRITE))
		return -EBADF;
	if (!f->ops->write)
		return -EINVAL;
	if (!access_ok(buf, n))
		return -EFAULT;
	return f->ops->write(f, buf, MIN(n, (size_t)MAX_RW_COUNT), pos);
}

SYSCALL_DEFINE3(read, unsigned int, fd, char __user *, buf, size_t, count)
{
	struct file *f = fget_io(fd);
	ssize_t r;

	if (!f)
		return -EBADF;
	r = vfs_read(f, buf, count, &f->pos);
	fput(f);
	return r;
}

SYSCALL_DEFINE3(write, unsigned int, fd, const char __user *, buf, size_t, count)
{
	struct file *f = fget_io(fd);
	ssize_t r;

	if (!f)
		return -EBADF;
	r = vfs_write(f, buf, count, &f->pos);
	fput(f);
	return r;
}

/* pread/pwrite: EINVAL for a negative offset comes even before EBADF. */
static long do_pread(unsigned int fd, char __user *buf, size_t count, loff_t pos)
{
	struct file *f;
	ssize_t r;

	if (pos < 0)
		return -EINVAL;
	if (!(f = fget_io(fd)))
		return -EBADF;
	r = (f->fmode & FMODE_PREAD) ? vfs_read(f, buf, count, &pos) : -ESPIPE;
	fput(f);
	return r;
}

static long do_pwrite(unsigned int fd, const char __user *buf, size_t count,
		      loff_t pos)
{
	struct file *f;
	ssize_t r;

	if (pos < 0)
		return -EINVAL;
	if (!(f = fget_io(fd)))
		return -EBADF;
	r = (f->fmode & FMODE_PWRITE) ? vfs_write(f, buf, count, &pos) : -ESPIPE;
	fput(f);
	return r;
}

SYSCALL_DEFINE4(pread64, unsigned int, fd, char __user *, buf, size_t, count,
		loff_t, pos)
{
	return do_pread(fd, buf, count, pos);
}

SYSCALL_DEFINE4(pwrite64, unsigned int, fd, const char __user *, buf,
		size_t, count, loff_t, pos)
{
	return do_pwrite(fd, buf, count, pos);
}

/* i386 passes the 64-bit offset as two registers, low word first. */
COMPAT_SYSCALL_DEFINE5(ia32_pread64, unsigned int, fd, char __user *, buf,
		       u32, count, u32, pos_lo, u32, pos_hi)
{
	return do_pread(fd, buf, count, (loff_t)(((u64)pos_hi << 32) | pos_lo));
}

COMPAT_SYSCALL_DEFINE5(ia32_pwrite64, unsigned int, fd, const char __user *, buf,
		       u32, count, u32, pos_lo, u32, pos_hi)
{
	return do_pwrite(fd, buf, count, (loff_t)(((u64)pos_hi << 32) | pos_lo));
}

/* ---- vectored I/O ---- */

/*
 * Read the user's iovec array (64- or 32-bit layout) into a kernel array
 * of iovec64, with import_iovec()'s rules: at most UIO_MAXIOV entries
 * (EINVAL), a negative length (as ssize_t) is EINVAL, each segment must be
 * a user range (EFAULT), and the total is clipped to MAX_RW_COUNT.
 */
static long import_iov(const void __user *uvec, unsigned long n, bool compat,
		       struct iovec64 **out)
{
	size_t esz = compat ? sizeof(struct iovec32) : sizeof(struct iovec64);
	struct iovec64 *v;
	u64 total = 0;

	if (n > UIO_MAXIOV)
		return -EINVAL;
	v = kmalloc(n * sizeof(*v) + esz);
	if (!v)
		return -ENOMEM;
	for (unsigned long i = 0; i < n; i++) {
		int r;
		if (compat) {
			struct iovec32 c;
			r = copy_from_user(&c, (const char __user *)uvec + i * esz, esz);
			v[i].base = c.base;
			v[i].len = c.len;
			/* compat lengths are compat_ssize_t: >2 GiB is "negative" */
			if (!r && (s32)c.len < 0)
				r = -EINVAL;
		} else {
			r = copy_from_user(&v[i], (const char __user *)uvec + i * esz, esz);
			if (!r && (s64)v[i].len < 0)
				r = -EINVAL;
		}
		if (!r && !access_ok((void __user *)(uintptr_t)v[i].base, v[i].len))
			r = -EFAULT;
		if (r) {
			kfree(v);
			return r;
		}
		if (v[i].len > MAX_RW_COUNT - total)
			v[i].len = MAX_RW_COUNT - total;
		total += v[i].len;
	}
	*out = v;
	return 0;
}

/*
 * Run the segments in order through one file.  Stop at the first short
 * transfer; after some progress, later segments must not block (a pipe
 * readv returns what was there), and an error only ends the loop.
 */
static long do_iov(struct file *f, const void __user *uvec, unsigned long n,
		   bool compat, loff_t *pos, bool write)
{
	struct iovec64 *v;
	long total = 0, err;

	if (!(f->fmode & (write ? FMODE_WRITE : FMODE_READ)))
		return -EBADF;
	if (!(write ? (void *)f->ops->write : (void *)f->ops->read))
		return -EINVAL;
	err = import_iov(uvec, n, compat, &v);
	if (err)
		return err;
	for (unsigned long i = 0; i < n; i++) {
		ssize_t r;
		if (v[i].len == 0)
			continue;
		if (write)
			r = f->ops->write(f, (const char __user *)(uintptr_t)v[i].base,
					  v[i].len, pos);
		else
			r = f->ops->read(f, (char __user *)(uintptr_t)v[i].base, v[i].len,
					 pos, total > 0);
		if (r < 0) {
			if (!total)
				total = r;
			break;
		}
		total += r;
		if ((size_t)r < v[i].len)
			break;
	}
	kfree(v);
	return total;
}

static long vec_call(unsigned int fd, const void __user *vec, unsigned long n,
		     bool compat, bool write)
{
	struct file *f = fget_io(fd);
	long r;

	if (!f)
		return -EBADF;
	r = do_iov(f, vec, n, compat, &f->pos, write);
	fput(f);
	return r;
}

SYSCALL_DEFINE3(readv, unsigned long, fd, const void __user *, vec,
		unsigned long, vlen)
{
	return vec_call((unsigned int)fd, vec, vlen, false, false);
}

SYSCALL_DEFINE3(writev, unsigned long, fd, const void __user *, vec,
		unsigned long, vlen)
{
	return vec_call((unsigned int)fd, vec, vlen, false, true);
}

COMPAT_SYSCALL_DEFINE3(readv, u32, fd, const void __user *, vec, u32, vlen)
{
	return vec_call(fd, vec, vlen, true, false);
}

COMPAT_SYSCALL_DEFINE3(writev, u32, fd, const void __user *, vec, u32, vlen)
{
	return vec_call(fd, vec, vlen, true, true);
}

/* ---- lseek ---- */

/* EBADF, then a whence beyond SEEK_MAX (EINVAL), then ESPIPE. */
static loff_t vfs_llseek(unsigned int fd, loff_t off, unsigned int whence)
{
	struct file *f = fget_io(fd);
	loff_t r;

	if (!f)
		return -EBADF;
	if (whence > SEEK_MAX)
		r = -EINVAL;
	else if (!(f->fmode & FMODE_LSEEK) || !f->ops->llseek)
		r = -ESPIPE;
	else
		r = f->ops->llseek(f, off, (int)whence);
	fput(f);
	return r;
}

SYSCALL_DEFINE3(lseek, unsigned int, fd, loff_t, offset, unsigned int, whence)
{
	return vfs_llseek(fd, offset, whence);
}

/* i386 lseek: a 32-bit signed offset.  Like Linux on x86-64, a result
 * past 2 GiB is not turned into EOVERFLOW; it comes back truncated to
 * 32 bits in eax.  The native i386 kernel answers as Linux i386 does:
 * EOVERFLOW when the new position does not fit its off_t (it has moved
 * all the same). */
COMPAT_SYSCALL_DEFINE3(lseek, unsigned int, fd, int, offset, unsigned int, whence)
{
	loff_t r = vfs_llseek(fd, offset, whence);
#ifdef CONFIG_X86_32
	if (r != (long)r)
		return -EOVERFLOW;
#endif
	return r;
}

/* _llseek(fd, high, low, &result, whence): the full 64-bit offset. */
COMPAT_SYSCALL_DEFINE5(llseek, unsigned int, fd, u32, offset_high,
		       u32, offset_low, loff_t __user *, result,
		       unsigned int, whence)
{
	loff_t off = (loff_t)(((u64)offset_high << 32) | offset_low);
	loff_t r = vfs_llseek(fd, off, whence);

	if (r < 0)
		return r;
	if (copy_to_user(result, &r, sizeof(r)))
		return -EFAULT;
	return 0;
}
