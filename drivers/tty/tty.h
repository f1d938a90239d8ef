/*
 * The console terminal (docs/tty.md): one struct tty, COM1, shared by
 * /dev/console (5:1), /dev/ttyS0 (4:64) and, for its session, /dev/tty
 * (5:0).  n_tty.c is the line discipline (input editing, echo, output
 * processing, reads), tty_io.c the file operations and ioctls,
 * tty_jobctl.c the controlling-terminal and job-control rules.
 *
 * Input is processed when it arrives (the serial IRQ), as Linux's n_tty
 * does, so ^C reaches the foreground process group even when nobody
 * reads.  Kernel code runs with interrupts off, so the IRQ never sees the
 * tty half-updated.
 */
#ifndef DRIVERS_TTY_H
#define DRIVERS_TTY_H
#include <xentry/types.h>
#include "../../fs/internal.h"

/* c_iflag */
#define IGNBRK  0000001
#define ISTRIP  0000040
#define INLCR   0000100
#define IGNCR   0000200
#define ICRNL   0000400
#define IUCLC   0001000
#define IXON    0002000
#define IXANY   0004000
#define IUTF8   0040000
/* c_oflag */
#define OPOST   0000001
#define OLCUC   0000002
#define ONLCR   0000004
#define OCRNL   0000010
#define ONOCR   0000020
#define ONLRET  0000040
#define TABDLY  0014000
#define XTABS   0014000
/* c_lflag */
#define ISIG    0000001
#define ICANON  0000002
#define ECHO    0000010
#define ECHOE   0000020
#define ECHOK   0000040
#define ECHONL  0000100
#define NOFLSH  0000200
#define TOSTOP  0000400
#define ECHOCTL 0001000
#define ECHOKE  0004000
#define IEXTEN  0100000
/* c_cc */
#define VINTR 0
#define VQUIT 1
#define VERASE 2
#define VKILL 3
#define VEOF 4
#define VTIME 5
#define VMIN 6
#define VSTART 8
#define VSTOP 9
#define VSUSP 10
#define VEOL 11
#define VREPRINT 12
#define VWERASE 14
#define VLNEXT 15
#define VEOL2 16

/* Linux's N_TTY_BUF_SIZE: a canonical line holds at most 4095 bytes. */
#define TTY_BUF 4096
/* What flag[] says about the byte at the same index. */
#define TTY_EOL 1		/* ends a line and is read */
#define TTY_EOF 2		/* ends a line and is not read (VEOF) */

struct tty {
	struct ktermios_user termios;
	struct winsize winsize;
	pid_t session, pgrp;		/* 0: no controlling session / group */
	/* The input ring; the counters run free, index with % TTY_BUF.
	 * [tail, canon_head) is complete lines, [canon_head, head) the line
	 * being edited (in non-canonical mode canon_head == head). */
	u8 buf[TTY_BUF], flag[TTY_BUF];
	u32 head, tail, canon_head;
	bool lnext;			/* ^V: the next byte is literal */
	bool stopped;			/* ^S or TCOOFF: writers wait */
	bool ready;			/* termios set from the boot options */
	u32 column, canon_column;	/* output column; where the line began */
};

extern struct tty console_tty;
struct tty *tty_get(void);		/* the console, initialized */

#define L(t, f) ((t)->termios.c_lflag & (f))
#define I(t, f) ((t)->termios.c_iflag & (f))
#define O(t, f) ((t)->termios.c_oflag & (f))
#define CC(t, i) ((t)->termios.c_cc[i])

/* n_tty.c */
void n_tty_receive(struct tty *t, u8 c);	/* one byte from the line */
ssize_t n_tty_read(struct tty *t, char __user *buf, size_t n, bool nonblock);
ssize_t n_tty_write(struct tty *t, const char __user *buf, size_t n, bool nonblock);
void n_tty_flush_input(struct tty *t);
void n_tty_set_termios(struct tty *t, const struct ktermios_user *nt);
bool n_tty_readable(struct tty *t, bool poll);
u32 n_tty_inq(struct tty *t);			/* FIONREAD */
void n_tty_start(struct tty *t);		/* ^Q / TCOON */

/* tty_jobctl.c */
bool tty_is_ctty(const struct tty *t);	/* of the calling process */
int tty_check_change(struct tty *t, int sig);	/* 0, -EIO or -ERESTARTSYS */
void tty_signal_pgrp(pid_t pgrp, int sig);	/* SI_KERNEL, as kill_pgrp(.., 1) */
int tty_set_ctty(struct tty *t, struct file *f, unsigned long arg); /* TIOCSCTTY */
void tty_open_ctty(struct tty *t, struct file *f);	/* a session leader's open */
int tty_notty(struct tty *t);			/* TIOCNOTTY */
int tty_set_pgrp(struct tty *t, pid_t __user *p);	/* TIOCSPGRP */

#endif
