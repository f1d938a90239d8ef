/*
 * Character devices.  A device node is an inode with S_IFCHR and a
 * (major, minor) number; opening it picks the file operations from the
 * table at the bottom (chrdev_ops).  To add a device: write its file_ops,
 * add a line to the table, and (if it should always exist) a node in
 * initramfs.c's list.
 *
 *   1:3 null   1:5 zero   1:7 full   5:0 tty   5:1 console   4:64 ttyS0
 *
 * /dev/tty and ttyS0 share the console: there is one terminal, COM1.
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
		if (clear_user(buf + done, c))
			return done ? (ssize_t)done : -EFAULT;
		done += c;
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

/* ---- the console (COM1) ---- */

/*
 * The termios a Linux tty starts with (tty_std_termios): 38400 8N1,
 * ICRNL|IXON, OPOST|ONLCR, canonical mode with echo, and the usual
 * control characters (^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V).
 * TCSETS* store a new one; the serial driver does not act on it.
 */
static struct ktermios_user console_termios = {
	.c_iflag = 0002400,
	.c_oflag = 0000005,
	.c_cflag = 0002277,
	.c_lflag = 0105073,
	.c_line = 0,
	.c_cc = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0,
		  022, 017, 027, 026, 0 },
};
static struct winsize console_winsize = { .ws_row = 24, .ws_col = 80 };

/*
 * poll must know whether input is waiting without consuming it, and the
 * driver can only hand bytes over: poll moves what has arrived into this
 * small buffer, and reads take from it before asking the driver.
 */
static char console_peek[64];
static size_t console_peek_len;

static size_t console_take(char *buf, size_t n)
{
	size_t k = MIN(n, console_peek_len);

	if (k) {
		memcpy(buf, console_peek, k);
		memmove(console_peek, console_peek + k, console_peek_len - k);
		console_peek_len -= k;
		return k;
	}
	return console_read_avail(buf, n);
}

static unsigned int console_poll(struct file *f)
{
	if (!console_peek_len)
		console_peek_len = console_read_avail(console_peek,
						      sizeof(console_peek));
	return POLLOUT | POLLWRNORM | (console_peek_len ? POLLIN | POLLRDNORM : 0);
}

/* Reads return whatever input is there, sleeping only while there is
 * none (no line editing: the serial line is raw). */
static ssize_t console_read(struct file *f, char __user *buf, size_t n,
			    loff_t *pos, bool nowait)
{
	char k[256];
	size_t done = 0;

	if (n == 0)
		return 0;
	for (;;) {
		while (done < n) {
			size_t got = console_take(k, MIN(n - done, sizeof(k)));
			if (!got)
				break;
			if (copy_to_user(buf + done, k, got))
				return done ? (ssize_t)done : -EFAULT;
			done += got;
		}
		if (done)
			return (ssize_t)done;
		if (nowait || (f->flags & O_NONBLOCK))
			return -EAGAIN;
		int r = sleep_on(&console_rx_wait);
		if (r)
			return r;
	}
}

static ssize_t console_fwrite(struct file *f, const char __user *buf, size_t n,
			      loff_t *pos)
{
	char k[256];
	size_t done = 0;

	while (done < n) {
		size_t c = MIN(n - done, sizeof(k));
		if (copy_from_user(k, buf + done, c))
			return done ? (ssize_t)done : -EFAULT;
		console_write(k, c);
		done += c;
	}
	return (ssize_t)done;
}

static long console_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(p, &console_termios, sizeof(console_termios))
		       ? -EFAULT : 0;
	case TCSETS:
	case TCSETSW:
	case TCSETSF: {
		struct ktermios_user t;
		if (copy_from_user(&t, p, sizeof(t)))
			return -EFAULT;
		console_termios = t;
		return 0;
	}
	case TIOCGWINSZ:
		return copy_to_user(p, &console_winsize, sizeof(console_winsize))
		       ? -EFAULT : 0;
	case TIOCSWINSZ:
		return copy_from_user(&console_winsize, p, sizeof(console_winsize))
		       ? -EFAULT : 0;
	case FIONREAD:		/* TIOCINQ: the driver cannot peek; say 0 */
		return put_user(0, (int __user *)p);
	default:
		return -ENOTTY;
	}
}

/* No llseek: the open marks it nonseekable (ESPIPE), like a tty. */
static const struct file_ops console_fops = {
	.read = console_read,
	.write = console_fwrite,
	.ioctl = console_ioctl,
	.poll = console_poll,
};

static const struct {
	u32 dev;
	const struct file_ops *ops;
} chrdevs[] = {
	{ MKDEV(1, 3), &null_fops },
	{ MKDEV(1, 5), &zero_fops },
	{ MKDEV(1, 7), &full_fops },
	{ MKDEV(5, 0), &console_fops },
	{ MKDEV(5, 1), &console_fops },
	{ MKDEV(4, 64), &console_fops },
};

const struct file_ops *chrdev_ops(u32 rdev)
{
	for (size_t i = 0; i < ARRAY_SIZE(chrdevs); i++)
		if (chrdevs[i].dev == rdev)
			return chrdevs[i].ops;
	return NULL;
}
