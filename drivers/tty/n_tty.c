/*
 * The line discipline: what Linux's n_tty does between the serial line
 * and read()/write(), for the termios bits programs actually set
 * (docs/tty.md lists what is left out).  Echo and output go straight to
 * the UART (polled), so nothing is ever queued for output.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include "tty.h"

static bool is_cntrl(u8 c)
{
	return c < 32 || c == 127;
}

static bool is_word(u8 c)
{
	return c == '_' || (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z') ||
	       c >= 0x80;
}

/* A UTF-8 continuation byte takes no column (IUTF8). */
static bool is_cont(struct tty *t, u8 c)
{
	return I(t, IUTF8) && (c & 0xc0) == 0x80;
}

/* ---- output ---- */

/* Output processing of one byte into out (at most 8 bytes: XTABS), with
 * the column bookkeeping that echo's tab erasure relies on. */
static size_t opost_char(struct tty *t, u8 c, char *out)
{
	switch (c) {
	case '\n':
		if (O(t, ONLRET))
			t->column = 0;
		if (O(t, ONLCR)) {
			t->column = t->canon_column = 0;
			out[0] = '\r', out[1] = '\n';
			return 2;
		}
		t->canon_column = t->column;
		break;
	case '\r':
		if (O(t, ONOCR) && t->column == 0)
			return 0;
		if (O(t, OCRNL)) {
			c = '\n';
			if (O(t, ONLRET))
				t->column = t->canon_column = 0;
			break;
		}
		t->column = t->canon_column = 0;
		break;
	case '\t': {
		u32 spaces = 8 - (t->column & 7);
		t->column += spaces;
		if ((t->termios.c_oflag & TABDLY) == XTABS) {
			memset(out, ' ', spaces);
			return spaces;
		}
		break;
	}
	case '\b':
		if (t->column)
			t->column--;
		break;
	default:
		if (!is_cntrl(c)) {
			if (O(t, OLCUC) && c >= 'a' && c <= 'z')
				c -= 32;
			if (!is_cont(t, c))
				t->column++;
		}
		break;
	}
	out[0] = (char)c;
	return 1;
}

/* Bytes to the line, through OPOST when it is on. */
static void tty_out(struct tty *t, const u8 *s, size_t n)
{
	char out[300];
	size_t k = 0;

	if (!O(t, OPOST)) {
		console_write((const char *)s, n);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		k += opost_char(t, s[i], out + k);
		if (k > sizeof(out) - 8) {
			console_write(out, k);
			k = 0;
		}
	}
	if (k)
		console_write(out, k);
}

static void echo_raw(struct tty *t, u8 c)
{
	tty_out(t, &c, 1);
}

/* ECHOCTL shows a control byte as ^X (DEL as ^?); tab stays a tab. */
static void echo_char(struct tty *t, u8 c)
{
	if (L(t, ECHOCTL) && is_cntrl(c) && c != '\t') {
		u8 two[2] = { '^', c ^ 0100 };
		tty_out(t, two, 2);
	} else {
		echo_raw(t, c);
	}
}

/* ---- input ---- */

static u32 used(struct tty *t)
{
	return t->head - t->tail;
}

static void put_byte(struct tty *t, u8 c, u8 flag)
{
	t->buf[t->head % TTY_BUF] = c;
	t->flag[t->head % TTY_BUF] = flag;
	t->head++;
}

void n_tty_flush_input(struct tty *t)
{
	t->head = t->tail = t->canon_head = 0;
	t->lnext = false;
}

/* The column the line being edited has reached after its first `len`
 * bytes: where a tab's erasure must take the cursor back to. */
static u32 line_column(struct tty *t, u32 len)
{
	u32 col = t->canon_column;
	for (u32 i = 0; i < len; i++) {
		u8 c = t->buf[(t->canon_head + i) % TTY_BUF];
		if (c == '\t')
			col = (col | 7) + 1;
		else if (is_cntrl(c))
			col += L(t, ECHOCTL) ? 2 : 0;
		else if (!is_cont(t, c))
			col++;
	}
	return col;
}

static void rub_out(struct tty *t, u8 c)
{
	static const u8 bsb[3] = { '\b', ' ', '\b' };
	if (c == '\t') {
		u32 col = line_column(t, t->head - t->canon_head);
		while (t->column > col)
			echo_raw(t, '\b');
		return;
	}
	if (is_cont(t, c))
		return;
	if (is_cntrl(c) && L(t, ECHOCTL))
		tty_out(t, bsb, 3);
	if (!is_cntrl(c) || L(t, ECHOCTL))
		tty_out(t, bsb, 3);
}

/* VERASE, VWERASE and VKILL: only the line being edited can shrink. */
static void eraser(struct tty *t, u8 c)
{
	bool kill = c == CC(t, VKILL), werase = !kill && c != CC(t, VERASE);
	bool seen_word = false;

	if (t->head == t->canon_head)
		return;
	if (kill && (!L(t, ECHO) || !L(t, ECHOK) || !L(t, ECHOKE) || !L(t, ECHOE))) {
		t->head = t->canon_head;
		if (L(t, ECHO)) {
			echo_char(t, c);
			if (L(t, ECHOK))
				echo_raw(t, '\n');
		}
		return;
	}
	while (t->head != t->canon_head) {
		u8 b = t->buf[(t->head - 1) % TTY_BUF];
		if (werase) {
			if (is_word(b))
				seen_word = true;
			else if (seen_word)
				break;
		}
		t->head--;
		if (L(t, ECHO)) {
			if (!kill && !werase && !L(t, ECHOE))
				echo_char(t, CC(t, VERASE));
			else
				rub_out(t, b);
		}
		/* One erase takes a whole UTF-8 character. */
		if (!kill && !werase && !is_cont(t, b))
			break;
	}
}

/* ISIG: the signal goes to the foreground group first, then the
 * discarded input and the echoed ^C, as n_tty orders them. */
static void signal_char(struct tty *t, int sig, u8 c)
{
	if (t->pgrp)
		tty_signal_pgrp(t->pgrp, sig);
	if (!L(t, NOFLSH))
		n_tty_flush_input(t);
	if (I(t, IXON))
		n_tty_start(t);
	if (L(t, ECHO))
		echo_char(t, c);
}

void n_tty_start(struct tty *t)
{
	if (t->stopped) {
		t->stopped = false;
		wakeup(&t->stopped);
	}
}

static bool is_cc(struct tty *t, u8 c, int idx)
{
	return CC(t, idx) && c == CC(t, idx);	/* 0 is _POSIX_VDISABLE */
}

static void end_line(struct tty *t, u8 c, u8 flag)
{
	put_byte(t, c, flag);
	t->canon_head = t->head;
}

void n_tty_receive(struct tty *t, u8 c)
{
	bool canon = L(t, ICANON);

	if (I(t, ISTRIP))
		c &= 0x7f;
	if (I(t, IUCLC) && L(t, IEXTEN) && c >= 'A' && c <= 'Z')
		c += 32;
	if (t->lnext) {		/* literal: no special meaning at all */
		t->lnext = false;
		goto normal;
	}
	if (I(t, IXON)) {
		if (is_cc(t, c, VSTART)) {
			n_tty_start(t);
			return;
		}
		if (is_cc(t, c, VSTOP)) {
			t->stopped = true;
			return;
		}
	}
	if (L(t, ISIG)) {
		int sig = is_cc(t, c, VINTR) ? SIGINT : is_cc(t, c, VQUIT) ? SIGQUIT :
			  is_cc(t, c, VSUSP) ? SIGTSTP : 0;
		if (sig) {
			signal_char(t, sig, c);
			return;
		}
	}
	if (t->stopped && I(t, IXON) && I(t, IXANY))
		n_tty_start(t);
	if (c == '\r') {
		if (I(t, IGNCR))
			return;
		if (I(t, ICRNL))
			c = '\n';
	} else if (c == '\n' && I(t, INLCR)) {
		c = '\r';
	}
	if (canon) {
		if (is_cc(t, c, VERASE) || is_cc(t, c, VKILL) ||
		    (is_cc(t, c, VWERASE) && L(t, IEXTEN))) {
			eraser(t, c);
			return;
		}
		if (is_cc(t, c, VLNEXT) && L(t, IEXTEN)) {
			t->lnext = true;
			if (L(t, ECHO) && L(t, ECHOCTL)) {
				static const u8 hat[2] = { '^', '\b' };
				tty_out(t, hat, 2);
			}
			return;
		}
		if (is_cc(t, c, VREPRINT) && L(t, ECHO) && L(t, IEXTEN)) {
			echo_char(t, c);
			echo_raw(t, '\n');
			for (u32 i = t->canon_head; i != t->head; i++)
				echo_char(t, t->buf[i % TTY_BUF]);
			return;
		}
		/* A full buffer still takes the byte that ends the line. */
		if (c == '\n' || is_cc(t, c, VEOF) || is_cc(t, c, VEOL) ||
		    (is_cc(t, c, VEOL2) && L(t, IEXTEN))) {
			if (used(t) >= TTY_BUF)
				return;
			if (c == '\n') {
				if (L(t, ECHO) || L(t, ECHONL))
					echo_raw(t, '\n');
			} else if (L(t, ECHO) && !is_cc(t, c, VEOF)) {
				echo_char(t, c);
			}
			end_line(t, c, is_cc(t, c, VEOF) && c != '\n' ? TTY_EOF : TTY_EOL);
			return;
		}
	}
normal:
	if (used(t) >= TTY_BUF - (canon ? 1 : 0))
		return;		/* no room: dropped, as Linux does */
	if (L(t, ECHO)) {
		if (canon && t->head == t->canon_head)
			t->canon_column = t->column;
		if (c == '\n')
			echo_raw(t, '\n');
		else
			echo_char(t, c);
	}
	put_byte(t, c, 0);
	if (!canon)
		t->canon_head = t->head;
}

/* ---- termios ---- */

void n_tty_set_termios(struct tty *t, const struct ktermios_user *nt)
{
	bool was_canon = L(t, ICANON);
	t->termios = *nt;
	if (was_canon == !!L(t, ICANON))
		return;
	/* Leaving canonical mode makes the half-edited line readable; entering
	 * it turns what is waiting into one line (Linux's "push"). */
	if (t->head != t->tail && L(t, ICANON) && !t->flag[(t->head - 1) % TTY_BUF])
		t->flag[(t->head - 1) % TTY_BUF] = TTY_EOL;
	t->canon_head = t->head;
	t->lnext = false;
}

/* What poll and read wait for: a whole line, or (non-canonical, for poll
 * with VTIME 0) VMIN bytes. */
bool n_tty_readable(struct tty *t, bool poll)
{
	if (L(t, ICANON))
		return t->canon_head != t->tail;
	u32 amt = poll && !CC(t, VTIME) && CC(t, VMIN) ? CC(t, VMIN) : 1;
	return t->head - t->tail >= amt;
}

/* FIONREAD counts what a read could return: complete lines without their
 * VEOF markers in canonical mode. */
u32 n_tty_inq(struct tty *t)
{
	if (!L(t, ICANON))
		return t->head - t->tail;
	u32 n = 0;
	for (u32 i = t->tail; i != t->canon_head; i++)
		n += t->flag[i % TTY_BUF] != TTY_EOF;
	return n;
}

/* ---- read and write ---- */

/* Copies out up to n bytes: in canonical mode at most one line, whose
 * VEOF marker is consumed but not copied (also when it sits just past a
 * full buffer, as Linux looks one byte further).  The ring advances only
 * past what reached user memory. */
static ssize_t copy_out(struct tty *t, char __user *buf, size_t n, bool *line_done)
{
	char k[256];
	size_t done = 0;
	bool canon = L(t, ICANON);
	u32 limit = canon ? t->canon_head : t->head;

	*line_done = false;
	while (done < n && t->tail != limit && !*line_done) {
		size_t c = 0;
		u32 pos = t->tail;
		while (c < sizeof(k) && done + c < n && pos != limit) {
			u8 fl = t->flag[pos % TTY_BUF];
			if (canon && fl == TTY_EOF) {
				pos++;
				*line_done = true;
				break;
			}
			k[c++] = (char)t->buf[pos % TTY_BUF];
			pos++;
			if (canon && fl == TTY_EOL) {
				*line_done = true;
				break;
			}
		}
		if (canon && !*line_done && done + c == n && pos != limit &&
		    t->flag[pos % TTY_BUF] == TTY_EOF) {
			pos++;
			*line_done = true;
		}
		if (c && copy_to_user(buf + done, k, c))
			return done ? (ssize_t)done : -EFAULT;
		done += c;
		t->tail = pos;
	}
	if (t->tail == t->head)		/* empty: start the ring over */
		t->tail = t->head = t->canon_head = 0;
	return (ssize_t)done;
}

ssize_t n_tty_read(struct tty *t, char __user *buf, size_t n, bool nonblock)
{
	size_t done = 0, minimum = 1;
	u64 timeout = 0, inter = 0;	/* ns; 0 = none */
	bool forever = true;

	if (!L(t, ICANON)) {
		u32 vmin = CC(t, VMIN), vtime = CC(t, VTIME);
		if (vmin) {
			minimum = MIN(vmin, n);
			inter = vtime * 100000000ULL;	/* between bytes, once one came */
		} else {
			forever = false;
			timeout = vtime * 100000000ULL;	/* for the first byte */
		}
	}
	u64 deadline = timeout ? ktime_ns() + timeout : 0;
	for (;;) {
		bool line_done;
		if (n_tty_readable(t, false)) {
			ssize_t r = copy_out(t, buf + done, n - done, &line_done);
			if (r < 0)
				return done ? (ssize_t)done : r;
			done += r;
			if (L(t, ICANON) && (line_done || done == n))
				return (ssize_t)done;	/* one line per read */
			if (done >= minimum)
				return (ssize_t)done;
			if (inter) {
				forever = false;
				deadline = ktime_ns() + inter;
			}
			continue;
		}
		if (!forever && !deadline)
			return (ssize_t)done;	/* VMIN 0, VTIME 0 */
		if (nonblock)
			return done ? (ssize_t)done : -EAGAIN;
		int r = sleep_on_deadline(POLL_CHAN, forever ? 0 : deadline);
		if (r == -ETIMEDOUT)
			return (ssize_t)done;
		if (r)
			return done ? (ssize_t)done : r;
	}
}

ssize_t n_tty_write(struct tty *t, const char __user *buf, size_t n, bool nonblock)
{
	u8 k[256];
	size_t done = 0;

	while (done < n) {
		while (t->stopped) {
			if (nonblock)
				return done ? (ssize_t)done : -EAGAIN;
			int r = sleep_on(&t->stopped);
			if (r)
				return done ? (ssize_t)done : r;
		}
		size_t c = MIN(n - done, sizeof(k));
		if (copy_from_user(k, buf + done, c))
			return done ? (ssize_t)done : -EFAULT;
		tty_out(t, k, c);
		done += c;
	}
	return (ssize_t)done;
}
