/*
 * poll, ppoll (and i386's ppoll_time64), plus the pieces select.c shares:
 * timeouts, temporary signal masks and the sleep.
 *
 * Waiting: a poller scans its descriptors and, if none is ready, sleeps
 * on POLL_CHAN (internal.h), which every pipe/FIFO state change and all
 * console input wake; then it scans again.  Spurious wakeups only cost a
 * scan.  The kernel runs with interrupts off, so nothing can become ready
 * between the scan and the sleep unnoticed.
 *
 * Linux's results: a negative fd is skipped (revents 0); a closed or
 * O_PATH one gives POLLNVAL; revents is the file's state masked by the
 * requested events plus POLLERR and POLLHUP; revents is written back
 * for every entry whatever the outcome.  An interrupted poll restarts
 * through restart_syscall with its original deadline
 * (-ERESTART_RESTARTBLOCK); ppoll returns -ERESTARTNOHAND and, like
 * select, writes the time left back into its timeout.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "poll.h"

#define NSEC 1000000000ULL


unsigned int file_poll(struct file *f)
{
	return f->ops->poll ? f->ops->poll(f) : DEFAULT_POLLMASK;
}

/* ---- timeouts ---- */

static int set_timeout(s64 sec, s64 nsec, struct poll_timeout *to)
{
	if (sec < 0 || nsec < 0 || nsec >= (s64)NSEC)
		return -EINVAL;
	to->timed = true;
	to->zero = !sec && !nsec;
	/* A deadline past ~292 years of uptime is as good as none. */
	if ((u64)sec > 9000000000ULL)
		to->timed = false;
	else
		to->deadline = ktime_ns() + (u64)sec * NSEC + (u64)nsec;
	return 0;
}

int timeout_from_user(const void __user *u, enum ts_kind kind,
		      struct poll_timeout *to)
{
	s64 sec, frac;

	to->timed = to->zero = false;
	if (!u)
		return 0;
	if (kind == TS_32 || kind == TV_32) {
		s32 v[2];
		if (copy_from_user(v, u, sizeof(v)))
			return -EFAULT;
		sec = v[0], frac = v[1];
	} else {
		s64 v[2];
		if (copy_from_user(v, u, sizeof(v)))
			return -EFAULT;
		sec = v[0], frac = v[1];
		if (kind == TS_64C)	/* the upper half is padding on i386 */
			frac = (s64)(u32)frac;
	}
	if (kind == TV_32 || kind == TV_64) {
		/* select normalises microseconds >= 1 s instead of refusing */
		sec += frac / 1000000;
		frac = (frac % 1000000) * 1000;
	}
	return set_timeout(sec, frac, to);
}

/*
 * Write the time left back (poll_select_finish): not for a NULL or zero
 * timeout; a fault there is ignored, except that an interrupted call
 * then reports EINTR rather than restarting with the old timeout.
 */
long timeout_finish(const struct poll_timeout *to, void __user *u,
		    enum ts_kind kind, long ret)
{
	u64 now = ktime_ns(), left;
	s64 sec, frac;
	int err;

	sigmask_restore_unless(ret == -ERESTARTNOHAND);
	if (!u || !to->timed || to->zero)
		return ret;
	left = to->deadline > now ? to->deadline - now : 0;
	sec = (s64)(left / NSEC);
	frac = (s64)(left % NSEC);
	if (kind == TV_32 || kind == TV_64)
		frac /= 1000;
	if (kind == TS_32 || kind == TV_32) {
		s32 v[2] = { (s32)sec, (s32)frac };
		err = copy_to_user(u, v, sizeof(v));
	} else {
		s64 v[2] = { sec, frac };
		err = copy_to_user(u, v, sizeof(v));
	}
	if (err && ret == -ERESTARTNOHAND)
		ret = -EINTR;
	return ret;
}

/* ---- the temporary signal mask ---- */

int sigmask_set(const void __user *umask, size_t size)
{
	struct task *t = current;
	u64 mask;

	if (!umask)
		return 0;
	if (size != sizeof(mask))
		return -EINVAL;
	if (copy_from_user(&mask, umask, sizeof(mask)))
		return -EFAULT;
	/* Restored by the signal code after a handler (the frame carries the
	 * old mask), or below when the call ends without one. */
	t->saved_sigmask = t->sig_blocked;
	t->restore_sigmask = true;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	recalc_sigpending(t);
	return 0;
}

void sigmask_restore_unless(bool interrupted)
{
	struct task *t = current;

	if (interrupted || !t->restore_sigmask)
		return;
	t->restore_sigmask = false;
	t->sig_blocked = t->saved_sigmask;
	recalc_sigpending(t);
}

int poll_sleep(const struct poll_timeout *to)
{
	int r = sleep_on_deadline(POLL_CHAN, to->timed ? to->deadline : 0);

	if (r == -ERESTARTSYS)
		return -EINTR;
	return r;
}

/* ---- poll ---- */

struct pollfd {
	s32 fd;
	s16 events, revents;
};

static int poll_scan(struct pollfd *p, unsigned int n)
{
	int ready = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct file *f;
		unsigned int mask;

		p[i].revents = 0;
		if (p[i].fd < 0)
			continue;
		f = fget((unsigned int)p[i].fd);
		if (!f || (f->fmode & FMODE_PATH)) {
			mask = POLLNVAL;
		} else {
			mask = file_poll(f) &
			       ((u16)p[i].events | POLLERR | POLLHUP);
		}
		if (f)
			fput(f);
		p[i].revents = (s16)mask;
		if (mask)
			ready++;
	}
	return ready;
}

/* The ready count, or -EINTR; -EFAULT/-EINVAL/-ENOMEM before waiting. */
static long do_sys_poll(struct pollfd __user *ufds, unsigned int nfds,
			const struct poll_timeout *to)
{
	bool expired = to->timed && to->zero;
	struct pollfd *k;
	long n;

	if (nfds > (unsigned int)fd_limit())
		return -EINVAL;
	k = kmalloc(nfds * sizeof(*k) + 1);
	if (!k)
		return -ENOMEM;
	if (copy_from_user(k, ufds, nfds * sizeof(*k))) {
		kfree(k);
		return -EFAULT;
	}
	for (;;) {
		n = poll_scan(k, nfds);
		if (n || expired)
			break;
		if (signal_pending(current)) {
			n = -EINTR;
			break;
		}
		if (poll_sleep(to) == -ETIMEDOUT)
			expired = true;		/* one last scan */
	}
	for (unsigned int i = 0; i < nfds; i++) {
		if (put_user(k[i].revents, &ufds[i].revents)) {
			n = -EFAULT;
			break;
		}
	}
	kfree(k);
	return n;
}

static long poll_restart(struct restart_block *rb)
{
	struct poll_timeout to = { .timed = rb->arg[2] != 0, .deadline = rb->deadline };
	long r = do_sys_poll((struct pollfd __user *)rb->arg[0],
			     (unsigned int)rb->arg[1], &to);

	if (r == -EINTR) {
		rb->fn = poll_restart;
		return -ERESTART_RESTARTBLOCK;
	}
	return r;
}

SYSCALL_DEFINE3(poll, void __user *, ufds, unsigned int, nfds, int, timeout_msecs)
{
	struct poll_timeout to = { 0 };
	long r;

	if (timeout_msecs >= 0)
		set_timeout(timeout_msecs / 1000,
			    (s64)(timeout_msecs % 1000) * 1000000, &to);
	r = do_sys_poll(ufds, nfds, &to);
	if (r == -EINTR) {
		/* Without a handler the call goes on to the same deadline. */
		struct restart_block *rb = &current->restart;
		rb->fn = poll_restart;
		rb->arg[0] = (unsigned long)ufds;
		rb->arg[1] = nfds;
		rb->arg[2] = to.timed;
		rb->deadline = to.deadline;
		return -ERESTART_RESTARTBLOCK;
	}
	return r;
}

static long do_ppoll(void __user *ufds, unsigned int nfds, void __user *tsp,
		     enum ts_kind kind, const void __user *sigmask, size_t sigsetsize)
{
	struct poll_timeout to;
	long r = timeout_from_user(tsp, kind, &to);

	if (r)
		return r;
	r = sigmask_set(sigmask, sigsetsize);
	if (r)
		return r;
	r = do_sys_poll(ufds, nfds, &to);
	if (r == -EINTR)
		r = -ERESTARTNOHAND;
	return timeout_finish(&to, tsp, kind, r);
}

SYSCALL_DEFINE5(ppoll, void __user *, ufds, unsigned int, nfds,
		void __user *, tsp, const void __user *, sigmask,
		size_t, sigsetsize)
{
	return do_ppoll(ufds, nfds, tsp, TS_64, sigmask, sigsetsize);
}

COMPAT_SYSCALL_DEFINE5(ppoll_time64, void __user *, ufds, unsigned int, nfds,
		       void __user *, tsp, const void __user *, sigmask,
		       u32, sigsetsize)
{
	return do_ppoll(ufds, nfds, tsp, TS_64C, sigmask, sigsetsize);
}

COMPAT_SYSCALL_DEFINE5(ppoll, void __user *, ufds, unsigned int, nfds,
		       void __user *, tsp, const void __user *, sigmask,
		       u32, sigsetsize)
{
	return do_ppoll(ufds, nfds, tsp, TS_32, sigmask, sigsetsize);
}
