/*
 * The console's file operations and the terminal ioctls, answered as
 * Linux's tty layer answers them (docs/tty.md).  One terminal, COM1,
 * behind three device numbers: 5:1 /dev/console, 4:64 /dev/ttyS0 and
 * 5:0 /dev/tty (the caller's controlling terminal, ENXIO without one).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include "tty.h"

const char *boot_option(const char *key);

#define TCSBRK     0x5409
#define TCXONC     0x540A
#define TCFLSH     0x540B
#define TIOCEXCL   0x540C
#define TIOCNXCL   0x540D
#define TIOCSCTTY  0x540E
#define TIOCOUTQ   0x5411
#define TIOCNOTTY  0x5422
#define TIOCSETD   0x5423
#define TIOCGETD   0x5424
#define TCSBRKP    0x5425
#define TIOCGSID   0x5429
#define TCGETS2    0x802C542A
#define TCSETS2    0x402C542B
#define TCSETSW2   0x402C542C
#define TCSETSF2   0x402C542D

/* struct termios2: the kernel termios plus the two speeds. */
struct ktermios2_user {
	struct ktermios_user t;
	u32 c_ispeed, c_ospeed;
};

/*
 * Linux's tty_std_termios for a serial port: 38400 8N1 with CREAD, HUPCL
 * and CLOCAL, ICRNL|IXON, OPOST|ONLCR, canonical with echo, and the usual
 * control characters (^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V).
 * A serial port starts with no window size (0x0).
 */
struct tty console_tty = {
	.termios = {
		.c_iflag = 0002400,
		.c_oflag = 0000005,
		.c_cflag = 0002277,
		.c_lflag = 0105073,
		.c_cc = { 003, 034, 0177, 025, 004, 0, 1, 0, 021, 023, 032, 0,
			  022, 017, 027, 026, 0 },
	},
};

/* console_opost=0 starts the terminal without output processing: what
 * xrun asks for, so a program's bytes reach the runner unchanged (its
 * init on Linux clears OPOST the same way). */
struct tty *tty_get(void)
{
	struct tty *t = &console_tty;
	if (!t->ready) {
		const char *o = boot_option("console_opost");
		if (o && o[0] == '0')
			t->termios.c_oflag &= ~OPOST;
		t->ready = true;
	}
	return t;
}

/* Called by the serial IRQ for every byte received on COM1. */
void console_receive(u8 c)
{
	n_tty_receive(tty_get(), c);
}

/* Files opened through /dev/console are exempt from SIGTTIN/SIGTTOU on
 * read and write (Linux's redirected_tty_write test); ioctls are not. */
static bool console_file(const struct file *f)
{
	return f->inode && f->inode->rdev == MKDEV(5, 1);
}

static int tty_open(struct file *f)
{
	struct tty *t = tty_get();
	if (f->inode->rdev == MKDEV(5, 0) && !tty_is_ctty(t))
		return -ENXIO;
	tty_open_ctty(t, f);
	return 0;
}

static ssize_t tty_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			bool nowait)
{
	struct tty *t = tty_get();
	if (!console_file(f)) {
		int r = tty_check_change(t, SIGTTIN);
		if (r)
			return r;
	}
	if (n == 0)
		return 0;
	return n_tty_read(t, buf, n, nowait || (f->flags & O_NONBLOCK));
}

static ssize_t tty_write(struct file *f, const char __user *buf, size_t n, loff_t *pos)
{
	struct tty *t = tty_get();
	if (L(t, TOSTOP) && !console_file(f)) {
		int r = tty_check_change(t, SIGTTOU);
		if (r)
			return r;
	}
	return n_tty_write(t, buf, n, f->flags & O_NONBLOCK);
}

static unsigned int tty_poll(struct file *f)
{
	return POLLOUT | POLLWRNORM | (n_tty_readable(tty_get(), true) ? POLLIN | POLLRDNORM : 0);
}

/* TCSETS* and TCSETS2*: a background caller is stopped first; F flushes
 * the input, W would wait for output (none is ever queued). */
static long set_termios(struct tty *t, void __user *p, bool two, bool flush)
{
	struct ktermios2_user k;
	int r = tty_check_change(t, SIGTTOU);
	if (r)
		return r;
	if (copy_from_user(&k, p, two ? sizeof(k) : sizeof(k.t)))
		return -EFAULT;
	if (flush)
		n_tty_flush_input(t);
	n_tty_set_termios(t, &k.t);
	return 0;
}

static long tty_flow(struct tty *t, unsigned long arg)
{
	int r = tty_check_change(t, SIGTTOU);
	if (r)
		return r;
	switch (arg) {
	case 0:			/* TCOOFF */
		t->stopped = true;
		return 0;
	case 1:			/* TCOON */
		n_tty_start(t);
		return 0;
	case 2:			/* TCIOFF: send STOP to the other side */
	case 3: {		/* TCION: START */
		char c = CC(t, arg == 2 ? VSTOP : VSTART);
		if (c)
			console_write(&c, 1);
		return 0;
	}
	}
	return -EINVAL;
}

static long tty_flush(struct tty *t, unsigned long arg)
{
	int r = tty_check_change(t, SIGTTOU);
	if (r)
		return r;
	if (arg > 2)			/* TCIFLUSH, TCOFLUSH, TCIOFLUSH */
		return -EINVAL;
	if (arg != 1)
		n_tty_flush_input(t);
	return 0;
}

static long tty_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct tty *t = tty_get();
	void __user *p = (void __user *)arg;

	switch (cmd) {
	case TCGETS:
		return copy_to_user(p, &t->termios, sizeof(t->termios)) ? -EFAULT : 0;
	case TCGETS2: {
		struct ktermios2_user k = { t->termios, 38400, 38400 };
		return copy_to_user(p, &k, sizeof(k)) ? -EFAULT : 0;
	}
	case TCSETS:
	case TCSETSW:
	case TCSETSF:
		return set_termios(t, p, false, cmd == TCSETSF);
	case TCSETS2:
	case TCSETSW2:
	case TCSETSF2:
		return set_termios(t, p, true, cmd == TCSETSF2);
	case TIOCGWINSZ:
		return copy_to_user(p, &t->winsize, sizeof(t->winsize)) ? -EFAULT : 0;
	case TIOCSWINSZ: {
		struct winsize w;
		if (copy_from_user(&w, p, sizeof(w)))
			return -EFAULT;
		/* A new size tells the foreground group (tty_do_resize). */
		if (memcmp(&w, &t->winsize, sizeof(w))) {
			t->winsize = w;
			if (t->pgrp)
				tty_signal_pgrp(t->pgrp, SIGWINCH);
		}
		return 0;
	}
	case FIONREAD:
		return put_user((int)n_tty_inq(t), (int __user *)p);
	case TIOCOUTQ:
		return put_user(0, (int __user *)p);
	case TCFLSH:
		return tty_flush(t, arg);
	case TCXONC:
		return tty_flow(t, arg);
	case TCSBRK:
	case TCSBRKP:		/* tcdrain/tcsendbreak: output is never queued */
		return tty_check_change(t, SIGTTOU);
	case TIOCGETD:
		return put_user(0, (int __user *)p);	/* N_TTY */
	case TIOCSETD: {
		int ld;
		if (get_user(ld, (int __user *)p))
			return -EFAULT;
		return ld == 0 ? 0 : -EINVAL;
	}
	case TIOCEXCL:
	case TIOCNXCL:
		return 0;
	case TIOCSCTTY:
		return tty_set_ctty(t, f, arg);
	case TIOCNOTTY:
		return tty_notty(t);
	case TIOCGPGRP:
		if (!tty_is_ctty(t))
			return -ENOTTY;
		return put_user(t->pgrp, (pid_t __user *)p);
	case TIOCSPGRP:
		return tty_set_pgrp(t, (pid_t __user *)p);
	case TIOCGSID:
		if (!tty_is_ctty(t) || !t->session)
			return -ENOTTY;
		return put_user(t->session, (pid_t __user *)p);
	default:
		return -ENOTTY;
	}
}

/* No llseek: the open marks it nonseekable (ESPIPE), like a tty. */
const struct file_ops tty_fops = {
	.open = tty_open,
	.read = tty_read,
	.write = tty_write,
	.ioctl = tty_ioctl,
	.poll = tty_poll,
};
