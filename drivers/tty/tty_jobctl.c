/*
 * The controlling terminal and job control (docs/tty.md).
 *
 * There is one terminal, so "the process's controlling tty" is a fact
 * about its session: the console is the controlling tty of every process
 * whose sid is console_tty.session.  setsid() leaves the old session and
 * so the terminal, and the session leader's exit clears it, which is what
 * Linux's per-process signal->tty amounts to with one tty.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/uaccess.h>
#include "tty.h"

#define SIG_IGN 1UL

bool tty_is_ctty(const struct tty *t)
{
	return t->session && current->group->sid == t->session;
}

static bool session_leader(void)
{
	return current->group->sid == current->tgid;
}

static bool process_alive(struct task *p)
{
	return p->state != TASK_DEAD && p->group && thread_group_leader(p) && p->group->live;
}

void tty_signal_pgrp(pid_t pgrp, int sig)
{
	struct ksiginfo info = { .signo = sig, .code = SI_KERNEL };
	struct task *p;
	for_each_task(p)
		if (process_alive(p) && p->group->pgid == pgrp)
			send_signal_info(p, &info);
}

/* POSIX's orphaned process group: no member has a parent in another group
 * of the same session.  Children of init do not count (Linux's
 * will_become_orphaned_pgrp). */
static bool pgrp_orphaned(pid_t pgrp)
{
	struct task *p;
	for_each_task(p) {
		if (!process_alive(p) || p->group->pgid != pgrp)
			continue;
		struct task *par = p->parent;
		if (!par || par->tgid == 1 || !par->group)
			continue;
		if (par->group->pgid != pgrp && par->group->sid == p->group->sid)
			return false;
	}
	return true;
}

/*
 * A background process touching its terminal: reads (SIGTTIN), writes
 * with TOSTOP and termios changes (SIGTTOU).  A blocked or ignored SIGTTOU
 * lets the call through; a blocked or ignored SIGTTIN, or an orphaned
 * group (nobody would ever continue it), gets EIO instead.
 */
int tty_check_change(struct tty *t, int sig)
{
	struct task *cur = current;
	if (!tty_is_ctty(t) || !t->pgrp || cur->group->pgid == t->pgrp)
		return 0;
	if ((cur->sig_blocked & SIGMASK(sig)) ||
	    cur->sighand->action[sig - 1].handler == SIG_IGN)
		return sig == SIGTTIN ? -EIO : 0;
	if (pgrp_orphaned(cur->group->pgid))
		return -EIO;
	tty_signal_pgrp(cur->group->pgid, sig);
	return -ERESTARTSYS;
}

static void take_ctty(struct tty *t)
{
	t->session = current->group->sid;
	t->pgrp = current->group->pgid;
}

/* open() by a session leader without a terminal, unless O_NOCTTY or
 * /dev/console (which never becomes one), and only for reading. */
void tty_open_ctty(struct tty *t, struct file *f)
{
	if ((f->flags & O_NOCTTY) || f->inode->rdev == MKDEV(5, 1))
		return;
	if (session_leader() && !t->session && (f->fmode & FMODE_READ))
		take_ctty(t);
}

/* TIOCSCTTY: arg 1 steals it from another session (everyone is root). */
int tty_set_ctty(struct tty *t, struct file *f, unsigned long arg)
{
	if (session_leader() && tty_is_ctty(t))
		return 0;
	if (!session_leader())
		return -EPERM;
	if (t->session && arg != 1)
		return -EPERM;
	take_ctty(t);
	return 0;
}

/* The session leader gives the terminal up (TIOCNOTTY) or exits: the
 * foreground group hears SIGHUP (and SIGCONT, unless the leader is
 * exiting), and the terminal belongs to no session. */
static void disassociate(struct tty *t, bool on_exit)
{
	pid_t pgrp = t->pgrp;
	t->session = t->pgrp = 0;
	if (pgrp) {
		tty_signal_pgrp(pgrp, SIGHUP);
		if (!on_exit)
			tty_signal_pgrp(pgrp, SIGCONT);
	}
}

/* TIOCNOTTY by a member that is not the leader only drops its own link
 * on Linux; with the link kept per session here, that is a no-op. */
int tty_notty(struct tty *t)
{
	if (!tty_is_ctty(t))
		return -ENOTTY;
	if (session_leader())
		disassociate(t, false);
	return 0;
}

void tty_session_leader_exit(pid_t sid)
{
	struct tty *t = &console_tty;
	if (t->session == sid)
		disassociate(t, true);
}

/* The session a process-group id belongs to, or 0 if no process has it
 * as its group (or, failing that, as its pid: Linux's find_vpid). */
static pid_t session_of(pid_t pgrp)
{
	struct task *p, *by_pid = NULL;
	for_each_task(p) {
		if (!process_alive(p))
			continue;
		if (p->group->pgid == pgrp)
			return p->group->sid;
		if (p->tgid == pgrp)
			by_pid = p;
	}
	return by_pid ? by_pid->group->sid : 0;
}

int tty_set_pgrp(struct tty *t, pid_t __user *p)
{
	pid_t pgrp;
	int r = tty_check_change(t, SIGTTOU);
	if (r == -EIO)
		return -ENOTTY;
	if (r)
		return r;
	if (get_user(pgrp, p))
		return -EFAULT;
	if (pgrp < 0)
		return -EINVAL;
	if (!tty_is_ctty(t))
		return -ENOTTY;
	pid_t sid = session_of(pgrp);
	if (!sid)
		return -ESRCH;
	if (sid != current->group->sid)
		return -EPERM;
	t->pgrp = pgrp;
	return 0;
}
