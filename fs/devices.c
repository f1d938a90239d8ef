/*
 * Character devices.  A device node is an inode with S_IFCHR and a
 * (major, minor) number; opening it picks the file operations from the
 * table at the bottom (chrdev_ops).  To add a device: write its file_ops,
 * add a line to the table, and (if it should always exist) a node in
 * initramfs.c's list.
 *
 *   1:3 null   1:5 zero   1:7 full   5:0 tty   5:1 console   4:64 ttyS0
 *
 * /dev/tty and ttyS0 share the console: there is one terminal, COM1,
 * whose line discipline and ioctls live in drivers/tty/.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* ---- /dev/null, /dev/zero, /dev/full ---- */

static ssize_t null_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			 bool nowait)
{
	return 0;
}

/* The buffer is never read: Linux's write_null() returns n even for an
 * unmapped (but user-range) pointer. */
static ssize_t null_write(struct file *f, const char __user *buf, size_t n,
			  loff_t *pos)
{
	return (ssize_t)n;
}

/* null_lseek(): every seek lands on 0. */
static loff_t null_llseek(struct file *f, loff_t off, int whence)
{
	f->pos = 0;
	return 0;
}

static ssize_t zero_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			 bool nowait)
{
	size_t done = 0;

	while (done < n) {
		size_t c = MIN(n - done, PAGE_SIZE);
		size_t left = clear_user_partial(buf + done, c);
		done += c - left;
		if (left)
			return done ? (ssize_t)done : -EFAULT;
		if (signal_pending(current))	/* huge reads stay killable */
			break;
	}
	return (ssize_t)done;
}

static ssize_t full_write(struct file *f, const char __user *buf, size_t n,
			  loff_t *pos)
{
	return -ENOSPC;
}

static const struct file_ops null_fops = {
	.read = null_read, .write = null_write, .llseek = null_llseek,
};
static const struct file_ops zero_fops = {
	.read = zero_read, .write = null_write, .llseek = null_llseek,
};
static const struct file_ops full_fops = {
	.read = zero_read, .write = full_write, .llseek = null_llseek,
};

/* ---- the console (COM1): drivers/tty/ ---- */
extern const struct file_ops tty_fops;

static const struct {
	u32 dev;
	const struct file_ops *ops;
} chrdevs[] = {
	{ MKDEV(1, 3), &null_fops },
	{ MKDEV(1, 5), &zero_fops },
	{ MKDEV(1, 7), &full_fops },
	{ MKDEV(5, 0), &tty_fops },
	{ MKDEV(5, 1), &tty_fops },
	{ MKDEV(4, 64), &tty_fops },
};

/* mmap maps /dev/zero as anonymous memory (mm/mmap.c), not through ops. */
bool inode_is_dev_zero(const struct inode *ino)
{
	return S_ISCHR(ino->mode) && ino->rdev == MKDEV(1, 5);
}

const struct file_ops *chrdev_ops(u32 rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (chrdevs[i].dev == rdev)
			return chrdevs[i].ops;
	return NULL;
}
