/*
 * epoll: epoll_create, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait,
 * epoll_pwait2, for both ABIs (struct epoll_event is the same 12 bytes
 * on i386 and x86-64, where Linux packs it).
 *
 * Design (docs/fs.md, "epoll"): there are no per-file wait queues to hook
 * a callback into, so an epoll set is just its interest list, and
 * epoll_wait scans it - calling each file's ->poll - and sleeps on
 * POLL_CHAN, like poll(), when nothing is ready.  Every wakeup costs one
 * scan of the interest list.
 *
 * Edge-triggered items report when something happened since they were
 * last reported: for pipes and FIFOs a count of the wakeups of their
 * side (pipe_poll_events), for other files a ready bit that was not set
 * at the previous scan.  ADD and MOD arm an item so that its current
 * state is reported once, as Linux's initial poll does.  EPOLLONESHOT
 * clears the item's event bits after one report, until EPOLL_CTL_MOD.
 *
 * Items point at files without holding a reference: fput() calls
 * eventpoll_release() when the last reference goes, which is when Linux
 * forgets a file (closing one of several descriptors does not).
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "poll.h"

#define EPOLL_CTL_ADD 1
#define EPOLL_CTL_DEL 2
#define EPOLL_CTL_MOD 3

#define EPOLLIN        0x00000001u
#define EPOLLOUT       0x00000004u
#define EPOLLERR       0x00000008u
#define EPOLLHUP       0x00000010u
#define EPOLLEXCLUSIVE (1u << 28)
#define EPOLLWAKEUP    (1u << 29)
#define EPOLLONESHOT   (1u << 30)
#define EPOLLET        (1u << 31)
/* Control bits: never reported, and all a ONESHOT item keeps. */
#define EP_PRIVATE_BITS (EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE)
/* What EPOLLEXCLUSIVE may be combined with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
#define EP_EXCLUSIVE_OK (EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | \
			 EPOLLWAKEUP | EPOLLET | EPOLLEXCLUSIVE)
/* Linux's EP_MAX_NESTS: how deep epoll sets may contain each other. */
#define EP_MAX_NESTS 4
#define EP_EVENT_SIZE 12
#define EP_MAX_EVENTS (0x7fffffff / EP_EVENT_SIZE)

struct eventpoll;

struct epitem {
	struct epitem *next;		/* in the set's interest list */
	struct epitem *fnext;		/* in the watched file's ep_links */
	struct eventpoll *ep;
	struct file *file;		/* not referenced: see fput() */
	int fd;
	u32 events;
	u64 data;
	/* Edge-triggered state: the file's event count and ready bits at the
	 * last scan, and whether an edge is still to be reported. */
	u64 gen;
	u32 last;
	bool pending;
};

struct eventpoll {
	struct epitem *head;
	struct file *file;
};

static const struct file_ops ep_fops;

#define is_file_epoll(f) ((f)->ops == &ep_fops)

#define file_events(f) (file_is_pipe(f) ? pipe_poll_events(f) : 0)

/*
 * The bits to report for one item now, or 0.  With update, the
 * edge-triggered state moves on; the nested-epoll poll only peeks.
 */
static u32 ep_item_check(struct epitem *epi, bool update)
{
	u32 mask = file_poll(epi->file) & epi->events;
	u64 gen = file_events(epi->file);
	bool pending = epi->pending;

	if (!(epi->events & EPOLLET))
		return mask;
	if (gen != epi->gen || (mask & ~epi->last))
		pending = true;
	if (!mask)
		pending = false;	/* woken, but nothing left to say */
	if (update) {
		epi->gen = gen;
		epi->last = mask;
		epi->pending = pending;
	}
	return pending ? mask : 0;
}

static void ep_unlink_file(struct epitem *epi)
{
	for (struct epitem **pp = &epi->file->ep_links; *pp; pp = &(*pp)->fnext) {
		if (*pp == epi) {
			*pp = epi->fnext;
			return;
		}
	}
}

static void ep_remove(struct eventpoll *ep, struct epitem *epi)
{
	for (struct epitem **pp = &ep->head; *pp; pp = &(*pp)->next) {
		if (*pp == epi) {
			*pp = epi->next;
			break;
		}
	}
	ep_unlink_file(epi);
	kfree(epi);
}

void eventpoll_release(struct file *f)
{
	while (f->ep_links)
		ep_remove(f->ep_links->ep, f->ep_links);
}

static struct epitem *ep_find(struct eventpoll *ep, struct file *f, int fd)
{
	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		if (epi->file == f && epi->fd == fd)
			return epi;
	return NULL;
}

/* ---- the epoll file itself ---- */

static unsigned int ep_fop_poll(struct file *f)
{
	struct eventpoll *ep = f->priv;

	for (struct epitem *epi = ep->head; epi; epi = epi->next)
		if (ep_item_check(epi, false))
			return POLLIN | POLLRDNORM;
	return 0;
}

static void ep_fop_release(struct file *f)
{
	struct eventpoll *ep = f->priv;

	while (ep->head)
		ep_remove(ep, ep->head);
	kfree(ep);
}

/* Linux's noop_llseek: lseek succeeds and moves nothing. */
static loff_t ep_fop_llseek(struct file *f, loff_t off, int whence)
{
	return f->pos;
}

static const struct file_ops ep_fops = {
	.llseek = ep_fop_llseek,
	.poll = ep_fop_poll,
	.release = ep_fop_release,
};

static long do_epoll_create(int flags)
{
	struct eventpoll *ep;
	struct inode *ino;
	struct file *f;
	int fd;

	if (flags & ~O_CLOEXEC)		/* EPOLL_CLOEXEC is O_CLOEXEC */
		return -EINVAL;
	if (!fd_available())
		return -EMFILE;
	ep = kzalloc(sizeof(*ep));
	ino = ep ? inode_new(0600) : NULL;	/* an anon inode: no type bits */
	if (!ino) {
		kfree(ep);
		return -ENOMEM;
	}
	ino->anon = true;
	ino->nlink = 1;
	f = file_alloc(ino, &ep_fops, O_RDWR,
		       FMODE_READ | FMODE_WRITE | FMODE_LSEEK);
	inode_put(ino);
	if (!f) {
		kfree(ep);
		return -ENOMEM;
	}
	f->priv = ep;
	ep->file = f;
	fd = fd_install_new(f, flags & O_CLOEXEC, 0);
	if (fd < 0)
		fput(f);
	return fd;
}

SYSCALL_DEFINE1(epoll_create1, int, flags)
{
	return do_epoll_create(flags);
}

SYSCALL_DEFINE1(epoll_create, int, size)
{
	return size <= 0 ? -EINVAL : do_epoll_create(0);
}

/* ---- epoll_ctl ---- */

/* How many epoll levels lie below ep (0: none), or -1 if `target` is
 * among them: adding that would make a loop. */
static int ep_depth_down(struct eventpoll *ep, struct eventpoll *target, int depth)
{
	int max = 0;

	if (depth > EP_MAX_NESTS)
		return max;
	for (struct epitem *epi = ep->head; epi; epi = epi->next) {
		struct eventpoll *sub;
		int d;

		if (!is_file_epoll(epi->file))
			continue;
		sub = epi->file->priv;
		if (sub == target)
			return -1;
		d = ep_depth_down(sub, target, depth + 1);
		if (d < 0)
			return -1;
		max = MAX(max, d + 1);
	}
	return max;
}

/* How many epoll sets contain ep, nested. */
static int ep_depth_up(struct eventpoll *ep, int depth)
{
	int max = 0;

	if (depth > EP_MAX_NESTS)
		return max;
	for (struct epitem *epi = ep->file->ep_links; epi; epi = epi->fnext)
		max = MAX(max, 1 + ep_depth_up(epi->ep, depth + 1));
	return max;
}

static int ep_insert(struct eventpoll *ep, struct file *tf, int fd,
		     u32 events, u64 data)
{
	struct epitem *epi = kzalloc(sizeof(*epi)), **pp;

	if (!epi)
		return -ENOMEM;
	epi->ep = ep;
	epi->file = tf;
	epi->fd = fd;
	epi->events = events;
	epi->data = data;
	epi->gen = file_events(tf);
	epi->pending = true;
	for (pp = &ep->head; *pp; pp = &(*pp)->next)
		;
	*pp = epi;
	epi->fnext = tf->ep_links;
	tf->ep_links = epi;
	return 0;
}

static long ep_ctl(struct file *f, struct file *tf, int op, int fd,
		   u32 events, u64 data)
{
	struct eventpoll *ep;
	struct epitem *epi;

	/* Linux's file_can_poll: files without a poll method (regular
	 * files, directories, /dev/null) are always ready, so refused. */
	if (!tf->ops->poll)
		return -EPERM;
	if (f == tf || !is_file_epoll(f))
		return -EINVAL;
	if (op != EPOLL_CTL_DEL && (events & EPOLLEXCLUSIVE)) {
		if (op == EPOLL_CTL_MOD)
			return -EINVAL;
		if (op == EPOLL_CTL_ADD &&
		    (is_file_epoll(tf) || (events & ~EP_EXCLUSIVE_OK)))
			return -EINVAL;
	}
	ep = f->priv;
	if (op == EPOLL_CTL_ADD && is_file_epoll(tf)) {
		int down = ep_depth_down(tf->priv, ep, 0);

		if (down < 0 || down + 1 + ep_depth_up(ep, 0) > EP_MAX_NESTS)
			return -ELOOP;
	}
	epi = ep_find(ep, tf, fd);
	switch (op) {
	case EPOLL_CTL_ADD:
		if (epi)
			return -EEXIST;
		return ep_insert(ep, tf, fd, events | EPOLLERR | EPOLLHUP, data);
	case EPOLL_CTL_DEL:
		if (epi)
			ep_remove(ep, epi);
		return epi ? 0 : -ENOENT;
	case EPOLL_CTL_MOD:
		if (!epi)
			return -ENOENT;
		if (epi->events & EPOLLEXCLUSIVE)
			return -EINVAL;
		epi->events = events | EPOLLERR | EPOLLHUP;
		epi->data = data;
		epi->last = 0;
		epi->gen = file_events(tf);
		epi->pending = true;
		return 0;
	}
	return -EINVAL;
}

SYSCALL_DEFINE4(epoll_ctl, int, epfd, int, op, int, fd, void __user *, uevent)
{
	u8 raw[EP_EVENT_SIZE];
	u32 events = 0;
	u64 data = 0;
	struct file *f, *tf;
	long r;

	/* Every op but DEL reads the event first, even an unknown one. */
	if (op != EPOLL_CTL_DEL) {
		if (copy_from_user(raw, uevent, sizeof(raw)))
			return -EFAULT;
		memcpy(&events, raw, 4);
		memcpy(&data, raw + 4, 8);
	}
	f = fget_io((unsigned int)epfd);
	if (!f)
		return -EBADF;
	tf = fget_io((unsigned int)fd);
	if (!tf) {
		fput(f);
		return -EBADF;
	}
	r = ep_ctl(f, tf, op, fd, events, data);
	fput(tf);
	fput(f);
	if (!r)
		poll_notify();	/* another waiter on this set rescans */
	return r;
}

/* ---- waiting ---- */

/*
 * One scan: copy out up to max ready events.  An item is consumed only
 * once its event is in user memory; a fault on the first one is EFAULT,
 * on a later one it ends the batch.  The list then rotates past the last
 * item reported, so that level-triggered items that stay ready take turns
 * when they outnumber maxevents (Linux requeues them at the tail).
 */
static long ep_send_events(struct eventpoll *ep, u8 __user *uev, int max)
{
	struct epitem *epi, *last = NULL, **tailp;
	long n = 0;

	for (epi = ep->head; epi && n < max; epi = epi->next) {
		u32 mask = ep_item_check(epi, true);
		u8 raw[EP_EVENT_SIZE];

		if (!mask)
			continue;
		memcpy(raw, &mask, 4);
		memcpy(raw + 4, &epi->data, 8);
		if (copy_to_user(uev + n * EP_EVENT_SIZE, raw, sizeof(raw))) {
			if (!n)
				return -EFAULT;
			break;
		}
		epi->pending = false;
		if (epi->events & EPOLLONESHOT)
			epi->events &= EP_PRIVATE_BITS;
		last = epi;
		n++;
	}
	if (last && last->next) {
		for (tailp = &last->next; *tailp; tailp = &(*tailp)->next)
			;
		*tailp = ep->head;
		ep->head = last->next;
		last->next = NULL;
	}
	return n;
}

/* The ready count, or -EINTR, or an argument error. */
static long do_epoll_wait(int epfd, void __user *uev, int maxevents,
			  const struct poll_timeout *to)
{
	bool expired = to->timed && to->zero;
	struct file *f;
	long n;

	if (maxevents <= 0 || maxevents > EP_MAX_EVENTS)
		return -EINVAL;
	if (!access_ok(uev, (size_t)maxevents * EP_EVENT_SIZE))
		return -EFAULT;
	f = fget_io((unsigned int)epfd);
	if (!f)
		return -EBADF;
	n = -EINVAL;			/* unless it is an epoll file */
	while (is_file_epoll(f)) {
		/* Rescanned after each wakeup: a close may have emptied it. */
		n = ep_send_events(f->priv, uev, maxevents);
		if (n || expired)
			break;
		/* Linux never restarts epoll_wait, even with SA_RESTART. */
		if (signal_pending(current)) {
			n = -EINTR;
			break;
		}
		if (poll_sleep(to) == -ETIMEDOUT)
			expired = true;		/* one last scan */
	}
	fput(f);
	return n;
}

static void ms_timeout(int ms, struct poll_timeout *to)
{
	to->timed = ms >= 0;
	to->zero = ms == 0;
	to->deadline = ms > 0 ? ktime_ns() + (u64)ms * 1000000ULL : 0;
}

SYSCALL_DEFINE4(epoll_wait, int, epfd, void __user *, events, int, maxevents,
		int, timeout)
{
	struct poll_timeout to;

	ms_timeout(timeout, &to);
	return do_epoll_wait(epfd, events, maxevents, &to);
}

static long do_epoll_pwait(int epfd, void __user *events, int maxevents,
			   const struct poll_timeout *to,
			   const void __user *sigmask, size_t sigsetsize)
{
	long r = sigmask_set(sigmask, sigsetsize);

	if (r)
		return r;
	r = do_epoll_wait(epfd, events, maxevents, to);
	/* Interrupted: the signal code puts the old mask back after the
	 * handler ran under the temporary one. */
	sigmask_restore_unless(r == -EINTR);
	return r;
}

/* i386 uses this one too: its sigset_t is the same 8 bytes. */
SYSCALL_DEFINE6(epoll_pwait, int, epfd, void __user *, events, int, maxevents,
		int, timeout, const void __user *, sigmask, size_t, sigsetsize)
{
	struct poll_timeout to;

	ms_timeout(timeout, &to);
	return do_epoll_pwait(epfd, events, maxevents, &to, sigmask, sigsetsize);
}

SYSCALL_DEFINE6(epoll_pwait2, int, epfd, void __user *, events, int, maxevents,
		const void __user *, timeout, const void __user *, sigmask,
		size_t, sigsetsize)
{
	struct poll_timeout to;
	long r = timeout_from_user(timeout, TS_64, &to);

	return r ? r : do_epoll_pwait(epfd, events, maxevents, &to, sigmask,
				      sigsetsize);
}

/* i386 passes a 64-bit timespec whose nanosecond upper half is padding. */
COMPAT_SYSCALL_DEFINE6(epoll_pwait2, int, epfd, void __user *, events,
		       int, maxevents, const void __user *, timeout,
		       const void __user *, sigmask, u32, sigsetsize)
{
	struct poll_timeout to;
	long r = timeout_from_user(timeout, TS_64C, &to);

	return r ? r : do_epoll_pwait(epfd, events, maxevents, &to, sigmask,
				      sigsetsize);
}
