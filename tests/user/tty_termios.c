/*
 * The terminal ioctls as Linux answers them (docs/tty.md): TCGETS and
 * TCSETS with the kernel's 36-byte struct termios (c_cc[19], the same for
 * i386 and x86-64), TIOCGWINSZ/TIOCSWINSZ, FIONREAD, ENOTTY on a pipe, and
 * the controlling terminal: in a new session the terminal is not ours
 * (TIOCGPGRP: ENOTTY, /dev/tty: ENXIO) until TIOCSCTTY, then tcgetpgrp ==
 * getpgrp and TIOCGSID == getsid; a background group's TCSETS stops it
 * with SIGTTOU (or passes when SIGTTOU is ignored), its read with SIGTTIN
 * ignored is EIO; tcsetpgrp refuses a group of another session (EPERM)
 * and an unknown one (ESRCH); the leader's exit frees the terminal.
 *
 * The terminal is whichever of fds 0-2 is one (the console on xentry),
 * else /dev/tty.  Under a runner that gives no terminal (run-tests
 * --linux), or where the terminal already belongs to another session
 * (our own shell's), the cases that need one say SKIP with the reason.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include "ktap.h"
#include "sys.h"

/* The kernel's struct termios (not glibc's, which has c_cc[32] and the
 * speeds): what TCGETS/TCSETS copy. */
struct kterm {
	unsigned int c_iflag, c_oflag, c_cflag, c_lflag;
	unsigned char c_line, c_cc[19];
};
#define VEOL2_IDX 16

static long sc_ioctl(int fd, unsigned long cmd, void *arg)
{
	return raw_syscall(SYS_ioctl, fd, (long)cmd, (long)arg, 0, 0, 0);
}

/* What the session child found, for the parent to report. */
enum { R_NOTTY_PGRP, R_DEVTTY_NXIO, R_SCTTY, R_PGRP, R_SID, R_TTOU_STOP, R_TTOU_IGN,
       R_TTIN_EIO, R_SETPGRP_OTHER, R_SETPGRP_NONE, R_DEVTTY_OPEN, R_FREED, R_N };
static volatile long *res;

static pid_t old_pgrp;

/* A grandchild in a background group of the session: returns its wait
 * status after it tried TCSETS (or read, with `do_read`). */
static int background(int fd, bool ignore, bool do_read, long *result)
{
	struct kterm t;
	int pfd[2];
	if (pipe(pfd))
		return -1;
	pid_t gc = fork();
	if (gc == 0) {
		setpgid(0, 0);
		if (ignore)
			signal(do_read ? SIGTTIN : SIGTTOU, SIG_IGN);
		long r;
		if (do_read) {
			char c;
			r = raw_syscall(SYS_read, fd, (long)&c, 1, 0, 0, 0);
		} else {
			sc_ioctl(fd, TCGETS, &t);
			r = sc_ioctl(fd, TCSETS, &t);
		}
		write(pfd[1], &r, sizeof(r));
		_exit(0);
	}
	close(pfd[1]);
	int st = 0;
	waitpid(gc, &st, WUNTRACED);
	if (WIFSTOPPED(st)) {
		kill(gc, SIGKILL);
		waitpid(gc, NULL, 0);
	}
	*result = -9999;
	read(pfd[0], result, sizeof(*result));
	close(pfd[0]);
	return st;
}

static void session_child(int fd)
{
	pid_t dummy;

	setsid();
	res[R_NOTTY_PGRP] = sc_ioctl(fd, TIOCGPGRP, &dummy);
	int d = open("/dev/tty", O_RDWR);
	res[R_DEVTTY_NXIO] = d < 0 ? -errno : d;
	res[R_SCTTY] = sc_ioctl(fd, TIOCSCTTY, 0);
	if (res[R_SCTTY])
		_exit(0);
	pid_t pg = -1, sid = -1;
	long r1 = sc_ioctl(fd, TIOCGPGRP, &pg);
	long r2 = sc_ioctl(fd, TIOCGSID, &sid);
	res[R_PGRP] = r1 ? r1 : pg == getpgrp() && pg == getpid();
	res[R_SID] = r2 ? r2 : sid == getsid(0) && sid == getpid();
	long r;
	int st = background(fd, false, false, &r);
	res[R_TTOU_STOP] = WIFSTOPPED(st) && WSTOPSIG(st) == SIGTTOU;
	background(fd, true, false, &r);
	res[R_TTOU_IGN] = r;
	int tfd = open("/dev/tty", O_RDWR);
	res[R_DEVTTY_OPEN] = tfd < 0 ? -errno : 0;
	if (tfd >= 0) {
		background(tfd, true, true, &r);
		res[R_TTIN_EIO] = r;
		close(tfd);
	}
	res[R_SETPGRP_OTHER] = sc_ioctl(fd, TIOCSPGRP, &old_pgrp);
	pid_t none = 0x3ffffff0;	/* above any pid_max */
	res[R_SETPGRP_NONE] = sc_ioctl(fd, TIOCSPGRP, &none);
	_exit(0);
}

/* After a session leader that held the terminal exited, a new session
 * can take it without stealing. */
static void second_session(int fd)
{
	setsid();
	res[R_FREED] = sc_ioctl(fd, TIOCSCTTY, 0);
	_exit(0);
}

static int find_tty(const char **why)
{
	struct kterm t;
	for (int fd = 0; fd < 3; fd++)
		if (sc_ioctl(fd, TCGETS, &t) == 0)
			return fd;
	int fd = open("/dev/tty", O_RDWR | O_NOCTTY);
	if (fd >= 0)
		return fd;
	*why = errno == ENXIO ? "no terminal: fds 0-2 are not ttys and there is no controlling tty"
			      : "no terminal: fds 0-2 are not ttys and /dev/tty cannot be opened";
	return -1;
}

int main(void)
{
	const char *why = NULL;
	int fd = find_tty(&why);
	ktap_plan(21);

	/* Needs no terminal. */
	int p[2];
	struct kterm t;
	struct winsize w;
	pid_t pg;
	if (pipe(p) == 0) {
		ktap_eq(sc_ioctl(p[0], TCGETS, &t), -ENOTTY, "TCGETS on a pipe: ENOTTY");
		ktap_eq(sc_ioctl(p[1], TIOCGWINSZ, &w), -ENOTTY, "TIOCGWINSZ on a pipe: ENOTTY");
		ktap_eq(sc_ioctl(p[0], TIOCGPGRP, &pg), -ENOTTY, "TIOCGPGRP on a pipe: ENOTTY");
	} else {
		for (int i = 0; i < 3; i++)
			ktap_ok(0, "pipe");
	}

	if (fd < 0) {
		for (int i = 0; i < 18; i++)
			ktap_skip(why, "terminal case %d", i + 4);
		return ktap_finish();
	}
	ktap_diag("terminal: fd %d", fd);

	unsigned char buf[64], orig[36];
	memset(buf, 0xaa, sizeof(buf));
	long r = sc_ioctl(fd, TCGETS, buf);
	bool canary = true;
	for (int i = 36; i < 64; i++)
		canary &= buf[i] == 0xaa;
	ktap_ok(r == 0 && canary && buf[16] == 0 /* c_line: N_TTY */,
		"TCGETS writes the kernel's 36-byte termios (got %ld)", r);
	memcpy(orig, buf, 36);

	struct kterm nt;
	memcpy(&nt, orig, 36);
	nt.c_cc[VEOL2_IDX] = orig[17 + VEOL2_IDX] == 0x17 ? 0x18 : 0x17;
	long s = sc_ioctl(fd, TCSETS, &nt);
	memset(buf, 0, sizeof(buf));
	long g = sc_ioctl(fd, TCGETS, buf);
	ktap_ok(s == 0 && g == 0 && memcmp(buf, &nt, 36) == 0,
		"TCSETS then TCGETS gives back the same 36 bytes (%ld, %ld)", s, g);
	s = sc_ioctl(fd, TCSETSW, orig);
	g = sc_ioctl(fd, TCGETS, buf);
	ktap_ok(s == 0 && g == 0 && memcmp(buf, orig, 36) == 0,
		"TCSETSW restores the original termios");
	ktap_eq(sc_ioctl(fd, TCSETS, (void *)16), -EFAULT, "TCSETS from a bad pointer: EFAULT");
	ktap_eq(sc_ioctl(fd, TCGETS, (void *)16), -EFAULT, "TCGETS to a bad pointer: EFAULT");

	memset(buf, 0xaa, sizeof(buf));
	r = sc_ioctl(fd, TIOCGWINSZ, buf);
	canary = true;
	for (int i = 8; i < 64; i++)
		canary &= buf[i] == 0xaa;
	ktap_ok(r == 0 && canary, "TIOCGWINSZ writes an 8-byte winsize (got %ld)", r);
	struct winsize ow, nw = { 33, 99, 0, 0 }, gw;
	memcpy(&ow, buf, sizeof(ow));
	/* Our own group may be the foreground one: a SIGWINCH must not hurt. */
	signal(SIGWINCH, SIG_IGN);
	long a = sc_ioctl(fd, TIOCSWINSZ, &nw), b = sc_ioctl(fd, TIOCGWINSZ, &gw);
	sc_ioctl(fd, TIOCSWINSZ, &ow);
	ktap_ok(a == 0 && b == 0 && gw.ws_row == 33 && gw.ws_col == 99,
		"TIOCSWINSZ 33x99 then TIOCGWINSZ gives it back");
	int n = -1;
	r = sc_ioctl(fd, FIONREAD, &n);
	ktap_ok(r == 0 && n >= 0, "FIONREAD answers a count (%ld, %d)", r, n);

	res = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (res == MAP_FAILED) {
		for (int i = 0; i < 10; i++)
			ktap_ok(0, "mmap for results");
		return ktap_finish();
	}
	for (int i = 0; i < R_N; i++)
		res[i] = -9999;
	/* A group of the old session for tcsetpgrp to refuse (getpgrp()
	 * itself may be 0 here: Linux's init has no group of its own). */
	pid_t holder = fork();
	if (holder == 0) {
		setpgid(0, 0);
		pause();
		_exit(0);
	}
	setpgid(holder, holder);
	old_pgrp = holder;
	pid_t c = fork();
	if (c == 0)
		session_child(fd);
	waitpid(c, NULL, 0);
	kill(holder, SIGKILL);
	waitpid(holder, NULL, 0);
	ktap_eq(res[R_NOTTY_PGRP], -ENOTTY, "in a new session the terminal is not ours: TIOCGPGRP ENOTTY");
	if (res[R_DEVTTY_NXIO] == -ENOENT)
		ktap_skip("there is no /dev/tty here", "in a new session /dev/tty is ENXIO");
	else
		ktap_eq(res[R_DEVTTY_NXIO], -ENXIO, "in a new session /dev/tty is ENXIO");
	if (res[R_SCTTY] == -EPERM) {
		for (int i = 0; i < 8; i++)
			ktap_skip("the terminal is another session's controlling tty (the runner's)",
				  "controlling-terminal case %d", i + 1);
		return ktap_finish();
	}
	ktap_eq(res[R_SCTTY], 0, "a new session leader's TIOCSCTTY makes it the controlling tty");
	ktap_eq(res[R_PGRP], 1, "then tcgetpgrp == getpgrp (the leader's group is the foreground)");
	ktap_eq(res[R_SID], 1, "and TIOCGSID == getsid");
	ktap_eq(res[R_TTOU_STOP], 1, "a background group's TCSETS stops it with SIGTTOU");
	ktap_eq(res[R_TTOU_IGN], 0, "with SIGTTOU ignored a background TCSETS goes through");
	if (res[R_DEVTTY_OPEN] == -ENOENT)
		ktap_skip("there is no /dev/tty here", "background read with SIGTTIN ignored: EIO");
	else
		ktap_eq(res[R_TTIN_EIO], -EIO, "background read with SIGTTIN ignored: EIO");
	ktap_ok(res[R_SETPGRP_OTHER] == -EPERM && res[R_SETPGRP_NONE] == -ESRCH,
		"tcsetpgrp: a group of another session EPERM, no such group ESRCH (%ld, %ld)",
		res[R_SETPGRP_OTHER], res[R_SETPGRP_NONE]);
	c = fork();
	if (c == 0)
		second_session(fd);
	waitpid(c, NULL, 0);
	ktap_eq(res[R_FREED], 0, "the leader's exit freed the terminal for the next session");
	return ktap_finish();
}
