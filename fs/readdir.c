/*
 * Directories as open files: getdents64, directory lseek, read() = EISDIR.
 *
 * Readdir position: 0 is ".", 1 is "..", and an entry is found by its
 * cookie, a per-directory counter given to each name when it is linked
 * (inode.c).  The file position is "the next cookie to return", so
 * removing or adding names during a readdir never repeats or skips a
 * name that stayed, which is the guarantee POSIX and Linux give.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

static unsigned char dtype(mode_t mode)
{
	return (unsigned char)((mode & S_IFMT) >> 12);	/* DT_* = type >> 12 */
}

static ssize_t dir_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			bool nowait)
{
	return -EISDIR;
}

/* Directories seek only to positions a readdir handed out: SET and CUR.
 * procfs's generated files seek the same way (Linux's seq_file). */
loff_t dir_llseek(struct file *f, loff_t off, int whence)
{
	if (whence == SEEK_CUR)
		off += f->pos;
	else if (whence != SEEK_SET)
		return -EINVAL;
	if (off < 0)
		return -EINVAL;
	f->pos = off;
	return off;
}

const struct file_ops dir_fops = {
	.read = dir_read,
	.llseek = dir_llseek,
};

/* Copy one record to user space; 0, 1 when it does not fit, or -EFAULT. */
static int emit(char __user *ubuf, size_t count, size_t *used, u64 ino,
		s64 next, unsigned char type, const char *name, size_t len)
{
	/* Largest record: 19-byte header, 255-byte name, NUL, padding. */
	u64 buf[(sizeof(struct linux_dirent64) + NAME_MAX + 1 + 7) / 8];
	struct linux_dirent64 *d = (struct linux_dirent64 *)buf;
	size_t reclen = ALIGN_UP(offsetof(struct linux_dirent64, d_name) + len + 1,
				 (size_t)8);

	if (reclen > count - *used)
		return 1;
	memset(buf, 0, reclen);
	d->d_ino = ino;
	d->d_off = next;
	d->d_reclen = (u16)reclen;
	d->d_type = type;
	memcpy(d->d_name, name, len);
	if (copy_to_user(ubuf + *used, buf, reclen))
		return -EFAULT;
	*used += reclen;
	return 0;
}

SYSCALL_DEFINE3(getdents64, unsigned int, fd, void __user *, dirent,
		unsigned int, count)
{
	struct file *f = fget_io(fd);
	struct inode *dir;
	size_t used = 0;
	int r = 0;

	if (!f)
		return -EBADF;
	dir = f->inode;
	if (!dir || !S_ISDIR(dir->mode)) {
		fput(f);
		return -ENOTDIR;
	}
	if (!access_ok(dirent, count)) {
		fput(f);
		return -EFAULT;
	}
	if (dir_is_dead(dir)) {		/* iterate_dir() on a removed dir */
		fput(f);
		return -ENOENT;
	}
	if (dir->dev == PROC_DEV)	/* bring the cache up to date */
		proc_fill_dir(dir);
	if (f->pos == 0) {
		r = emit(dirent, count, &used, dir->ino, 1, DT_DIR, ".", 1);
		if (!r)
			f->pos = 1;
	}
	if (!r && f->pos == 1) {
		struct inode *p = dir->u.dir.parent ? dir->u.dir.parent : dir;
		r = emit(dirent, count, &used, p->ino, 2, DT_DIR, "..", 2);
		if (!r)
			f->pos = 2;
	}
	for (struct dirent *d = dir->u.dir.head; !r && d; d = d->next) {
		if ((loff_t)d->cookie < f->pos)
			continue;
		r = emit(dirent, count, &used, d->inode->ino, (s64)d->cookie + 1,
			 dtype(d->inode->mode), d->name, d->len);
		if (!r)
			f->pos = (loff_t)d->cookie + 1;
	}
	if (!(f->flags & O_NOATIME))
		inode_accessed(dir);
	fput(f);
	/* Nothing fitted: EINVAL (buffer too small) or EFAULT; otherwise
	 * what was copied, the way filldir64 reports a late fault. */
	if (used)
		return (long)used;
	return r < 0 ? r : (r == 1 ? -EINVAL : 0);
}
