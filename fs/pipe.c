/*
 * Pipes: pipe(2), pipe2(2), and the buffer behind named FIFOs (open).
 *
 * The buffer is a byte ring over up to 16 lazily allocated pages (64 KiB,
 * Linux's default pipe capacity).  head and tail count bytes ever written
 * and read, so head - tail is the fill level and never wraps in practice.
 *
 * Semantics are Linux's:
 *   - read returns what is there (at least 1 byte), sleeps while empty,
 *     returns 0 once empty with no writer left, -EAGAIN if O_NONBLOCK;
 *   - a write of at most PIPE_BUF bytes is atomic: it waits until it fits
 *     whole; a larger one may be split, and returns only when all is in
 *     (or on a signal / O_NONBLOCK, with the partial count);
 *   - writing with no reader left raises SIGPIPE and fails with EPIPE
 *     (or returns the partial count);
 *   - wakeups go to everyone on the channel; sleepers recheck; every
 *     change a poller could wait for also wakes POLL_CHAN.
 * The pipe itself is freed when the last of both ends is closed.
 *
 * A named FIFO gets a pipe at its first open and loses it (with any
 * unread data) at its last close, as on Linux.  Opening follows Linux's
 * fifo_open: a reader waits for a writer and a writer for a reader
 * (counting opens, so a partner that came and went already counts);
 * O_RDONLY|O_NONBLOCK never waits, O_WRONLY|O_NONBLOCK without a reader
 * is ENXIO, O_RDWR never waits.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

#define SIGPIPE 13
#define PIPE_MAX_PAGES 16
#define PIPE_SIZE (PIPE_MAX_PAGES * PAGE_SIZE)

struct pipe {
	char *pages[PIPE_MAX_PAGES];
	u64 head, tail;
	unsigned int readers, writers;
	u64 r_counter, w_counter;	/* opens ever, for fifo_open's waits */
	char rd_wait, wr_wait;		/* wait channels: their addresses */
	char open_wait;			/* FIFO opens waiting for a partner */
	/* Wakeups each side has had, for epoll's edge-triggered mode. */
	u64 rd_events, wr_events;
};

static size_t pipe_used(const struct pipe *p)
{
	return (size_t)(p->head - p->tail);
}

static ssize_t pipe_read(struct file *f, char __user *buf, size_t n, loff_t *pos,
			 bool nowait)
{
	struct pipe *p = f->priv;
	size_t done = 0;

	if (n == 0)
		return 0;
	while (pipe_used(p) == 0) {
		if (!p->writers)
			return 0;
		if (nowait || (f->flags & O_NONBLOCK))
			return -EAGAIN;
		int r = sleep_on(&p->rd_wait);
		if (r)
			return r;
	}
	while (done < n && pipe_used(p)) {
		size_t off = (size_t)(p->tail % PIPE_SIZE);
		size_t po = off % PAGE_SIZE;
		size_t c = MIN(MIN(n - done, pipe_used(p)), PAGE_SIZE - po);

		/* On a fault the bytes stay in the pipe for the next read. */
		if (copy_to_user(buf + done, p->pages[off / PAGE_SIZE] + po, c)) {
			if (!done)
				return -EFAULT;
			break;
		}
		p->tail += c;
		done += c;
	}
	wakeup(&p->wr_wait);
	p->wr_events++;
	poll_notify();
	return (ssize_t)done;
}

/* Copy up to n bytes in; returns bytes copied or -errno if none. */
static ssize_t pipe_fill(struct pipe *p, const char __user *buf, size_t n)
{
	size_t done = 0;

	while (done < n && pipe_used(p) < PIPE_SIZE) {
		size_t off = (size_t)(p->head % PIPE_SIZE);
		size_t po = off % PAGE_SIZE;
		size_t c = MIN(MIN(n - done, PIPE_SIZE - pipe_used(p)), PAGE_SIZE - po);
		char **page = &p->pages[off / PAGE_SIZE];

		if (!*page && !(*page = alloc_page()))
			return done ? (ssize_t)done : -ENOMEM;
		if (copy_from_user(*page + po, buf + done, c))
			return done ? (ssize_t)done : -EFAULT;
		p->head += c;
		done += c;
	}
	return (ssize_t)done;
}

static ssize_t pipe_write(struct file *f, const char __user *buf, size_t n,
			  loff_t *pos)
{
	struct pipe *p = f->priv;
	size_t done = 0;

	if (n == 0)
		return 0;
	for (;;) {
		size_t room, need;

		if (!p->readers) {
			/* send_signal, not force_sig: SIGPIPE must respect
			 * SIG_IGN and the blocked mask (Linux's send_sig). */
			send_signal(current, SIGPIPE);
			return done ? (ssize_t)done : -EPIPE;
		}
		room = PIPE_SIZE - pipe_used(p);
		need = n <= PIPE_BUF ? n : 1;	/* small writes go in whole */
		if (room >= need) {
			ssize_t r = pipe_fill(p, buf + done, n - done);
			if (r < 0)
				return done ? (ssize_t)done : r;
			done += (size_t)r;
			wakeup(&p->rd_wait);
			p->rd_events++;
			poll_notify();
			if (done == n)
				return (ssize_t)done;
			if (r == 0)	/* cannot happen: room >= 1 */
				return (ssize_t)done;
			continue;
		}
		if (f->flags & O_NONBLOCK)
			return done ? (ssize_t)done : -EAGAIN;
		int r = sleep_on(&p->wr_wait);
		if (r)
			return done ? (ssize_t)done : r;
	}
}

static void pipe_maybe_free(struct inode *ino, struct pipe *p)
{
	if (p->readers || p->writers)
		return;
	for (int i = 0; i < PIPE_MAX_PAGES; i++)
		if (p->pages[i])
			free_page(p->pages[i]);
	ino->u.fifo.pipe = NULL;
	kfree(p);
}

static long pipe_ioctl(struct file *f, unsigned int cmd, unsigned long arg)
{
	struct pipe *p = f->priv;

	if (cmd == FIONREAD)
		return put_user((int)pipe_used(p), (int __user *)arg);
	return -ENOTTY;
}

static void pipe_release(struct file *f)
{
	struct pipe *p = f->priv;

	if (f->fmode & FMODE_READ)
		p->readers--;
	if (f->fmode & FMODE_WRITE)
		p->writers--;
	/* Let sleepers see EOF / EPIPE. */
	wakeup(&p->rd_wait);
	wakeup(&p->wr_wait);
	p->rd_events++;
	p->wr_events++;
	poll_notify();
	pipe_maybe_free(f->inode, p);
}

/*
 * What poll sees (Linux's pipe_poll): a read end is readable with data,
 * hung up once no writer is left - but a FIFO reader that has never seen
 * a writer is not told so (f->version); a write end is writable while a
 * PIPE_BUF write would fit, and in error once no reader is left.
 */
static unsigned int pipe_poll(struct file *f)
{
	struct pipe *p = f->priv;
	unsigned int mask = 0;

	if (f->fmode & FMODE_READ) {
		if (pipe_used(p))
			mask |= POLLIN | POLLRDNORM;
		if (!p->writers && f->version != p->w_counter)
			mask |= POLLHUP;
	}
	if (f->fmode & FMODE_WRITE) {
		if (PIPE_SIZE - pipe_used(p) >= PIPE_BUF)
			mask |= POLLOUT | POLLWRNORM;
		if (!p->readers)
			mask |= POLLERR;
	}
	return mask;
}

static const struct file_ops pipe_fops = {
	.read = pipe_read,
	.write = pipe_write,
	.ioctl = pipe_ioctl,
	.release = pipe_release,
	.poll = pipe_poll,
};

bool file_is_pipe(const struct file *f)
{
	return f->ops == &pipe_fops;
}

/* Linux wakes a pipe's readers on every write and its writers on every
 * read (not only on empty/full transitions), and edge-triggered epoll
 * users rely on that: epoll compares this count between scans. */
u64 pipe_poll_events(struct file *f)
{
	struct pipe *p = f->priv;
	u64 n = 0;

	if (f->fmode & FMODE_READ)
		n += p->rd_events;
	if (f->fmode & FMODE_WRITE)
		n += p->wr_events;
	return n;
}

long pipe_get_size(struct file *f)
{
	return (long)PIPE_SIZE;
}

/*
 * F_SETPIPE_SZ: Linux rounds up to a power-of-two number of pages and
 * lets root go past /proc/sys/fs/pipe-max-size.  Our ring is fixed at
 * 64 KiB: requests up to that keep 64 KiB (and report it), larger ones
 * fail with EPERM, as Linux does for a size it will not grant.
 */
long pipe_set_size(struct file *f, unsigned long arg)
{
	if (arg > PIPE_SIZE)
		return -EPERM;
	return (long)PIPE_SIZE;
}

/* Sleep until *counter moves past what it was (a partner opened). */
static int wait_for_partner(struct pipe *p, u64 *counter)
{
	u64 seen = *counter;

	while (*counter == seen) {
		int r = sleep_on(&p->open_wait);
		if (r && *counter == seen)
			return r;
	}
	return 0;
}

struct file *fifo_open(struct inode *ino, unsigned int flags,
		       unsigned int fmode, int *err)
{
	struct pipe *p = ino->u.fifo.pipe;
	struct file *f;
	int r = 0;
	/* An anonymous pipe reopened through /proc/PID/fd/N (bash's and
	 * zsh's <(...)) never waits for a partner and never says ENXIO, as
	 * on Linux: its writer may well have come and gone already. */
	bool is_pipe = ino->dev == PIPEFS_DEV;

	fmode &= FMODE_READ | FMODE_WRITE;	/* never seekable */
	if (!fmode) {
		*err = -EINVAL;			/* access mode 3 */
		return NULL;
	}
	if (!is_pipe && (fmode == FMODE_WRITE) && (flags & O_NONBLOCK) && (!p || !p->readers)) {
		*err = -ENXIO;
		return NULL;
	}
	if (!p) {
		p = kzalloc(sizeof(*p));
		if (!p) {
			*err = -ENOMEM;
			return NULL;
		}
		ino->u.fifo.pipe = p;
	}
	/* Count ourselves in first: that keeps p alive while we sleep and
	 * is what a partner waiting for us looks for. */
	if (fmode & FMODE_READ) {
		p->readers++;
		p->r_counter++;
	}
	if (fmode & FMODE_WRITE) {
		p->writers++;
		p->w_counter++;
	}
	wakeup(&p->open_wait);
	poll_notify();
	if (is_pipe)
		;
	else if (fmode == FMODE_READ && !p->writers && !(flags & O_NONBLOCK))
		r = wait_for_partner(p, &p->w_counter);
	else if (fmode == FMODE_WRITE && !p->readers)
		r = wait_for_partner(p, &p->r_counter);
	f = r ? NULL : file_alloc(ino, &pipe_fops, flags, fmode);
	if (!f) {
		*err = r ? r : -ENOMEM;
		if (fmode & FMODE_READ)
			p->readers--;
		if (fmode & FMODE_WRITE)
			p->writers--;
		wakeup(&p->rd_wait);
		wakeup(&p->wr_wait);
		poll_notify();
		pipe_maybe_free(ino, p);
		return NULL;
	}
	f->priv = p;
	/* A reader that has not met a writer yet is not hung up (poll). */
	f->version = (!is_pipe && fmode == FMODE_READ && !p->writers) ? p->w_counter : 0;
	return f;
}

static long do_pipe2(int __user *ufds, int flags)
{
	struct inode *ino;
	struct pipe *p;
	struct file *rf, *wf;
	int fds[2];
	bool cloexec = flags & O_CLOEXEC;

	/* O_DIRECT ("packet mode") is not implemented: refuse it. */
	if (flags & ~(O_CLOEXEC | O_NONBLOCK))
		return -EINVAL;
	ino = inode_new(S_IFIFO | 0600);
	if (!ino)
		return -ENFILE;
	ino->anon = true;
	ino->nlink = 1;
	ino->dev = PIPEFS_DEV;
	p = kzalloc(sizeof(*p));
	if (!p) {
		inode_put(ino);
		return -ENFILE;
	}
	ino->u.fifo.pipe = p;
	p->readers = p->writers = 1;
	p->r_counter = p->w_counter = 1;
	rf = file_alloc(ino, &pipe_fops, O_RDONLY | (flags & O_NONBLOCK), FMODE_READ);
	wf = rf ? file_alloc(ino, &pipe_fops, O_WRONLY | (flags & O_NONBLOCK),
			     FMODE_WRITE) : NULL;
	if (rf)
		rf->priv = p;
	if (!wf) {
		if (rf) {		/* releasing the lone read end frees p */
			p->writers = 0;
			fput(rf);
		} else {
			kfree(p);
		}
		inode_put(ino);
		return -ENFILE;
	}
	wf->priv = p;
	inode_put(ino);			/* the two files hold it now */

	fds[0] = fd_install_new(rf, cloexec, 0);
	if (fds[0] < 0) {
		fput(rf);
		fput(wf);
		return fds[0];
	}
	fds[1] = fd_install_new(wf, cloexec, 0);
	if (fds[1] < 0) {
		fd_close((unsigned int)fds[0]);
		fput(wf);
		return fds[1];
	}
	/* Linux copies the pair out before installing; nothing can observe
	 * the descriptors in between here, so undoing them is equivalent. */
	if (copy_to_user(ufds, fds, sizeof(fds))) {
		fd_close((unsigned int)fds[0]);
		fd_close((unsigned int)fds[1]);
		return -EFAULT;
	}
	return 0;
}

SYSCALL_DEFINE2(pipe2, int __user *, fildes, int, flags)
{
	return do_pipe2(fildes, flags);
}

SYSCALL_DEFINE1(pipe, int __user *, fildes)
{
	return do_pipe2(fildes, 0);
}
