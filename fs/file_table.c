/*
 * Open files and per-process descriptor tables.
 *
 * A struct file is one open (offset, flags, kind); descriptors point to
 * it and dup()/fork() share it by reference count, exactly like Linux's
 * struct file, so that dup'ed descriptors share the offset and O_APPEND /
 * O_NONBLOCK.  FD_CLOEXEC belongs to the descriptor, not the file: it is a
 * bitmap beside the table.
 *
 * Syscalls take a reference for their duration (fget/fput), so a file
 * whose descriptor is closed by someone else while we sleep in read()
 * stays alive until we return.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include "internal.h"

#define RLIMIT_NOFILE 7

struct file *file_alloc(struct inode *ino, const struct file_ops *ops,
			unsigned int flags, unsigned int fmode)
{
	struct file *f = kzalloc(sizeof(*f));

	if (!f)
		return NULL;
	f->count = 1;
	f->flags = flags;
	f->fmode = fmode;
	f->ops = ops;
	f->inode = ino;
	if (ino)
		inode_get(ino);
	return f;
}

void fput(struct file *f)
{
	BUG_ON(f->count == 0);
	if (--f->count)
		return;
	/* Linux drops a file from every epoll set when it is really closed,
	 * not when one of its descriptors is. */
	if (f->ep_links)
		eventpoll_release(f);
	if (f->ops && f->ops->release)
		f->ops->release(f);
	inode_put(f->inode);
	kfree(f);
}

struct file *fget(unsigned int fd)
{
	struct files_struct *fs = current->files;
	struct file *f;

	if (!fs || fd >= NR_OPEN_MAX || !(f = fs->fd[fd]))
		return NULL;
	f->count++;
	return f;
}

/*
 * RLIMIT_NOFILE, capped by the table size.  A limit that was never set
 * (both values 0) counts as the table size rather than as "no files".
 */
int fd_limit(void)
{
	const struct rlimit64 *r = &current->rlim[RLIMIT_NOFILE];

	if (r->cur == 0 && r->max == 0)
		return NR_OPEN_MAX;
	return (int)MIN(r->cur, (u64)NR_OPEN_MAX);
}

bool fd_get_cloexec(unsigned int fd)
{
	return (current->files->cloexec[fd / 64] >> (fd % 64)) & 1;
}

void fd_set_cloexec(unsigned int fd, bool on)
{
	u64 bit = (u64)1 << (fd % 64);

	if (on)
		current->files->cloexec[fd / 64] |= bit;
	else
		current->files->cloexec[fd / 64] &= ~bit;
}

/* The lowest free descriptor >= from, or -EMFILE. */
static int fd_alloc(unsigned int from)
{
	struct files_struct *fs = current->files;
	unsigned int lim = (unsigned int)fd_limit();

	if (!fs)
		return -EMFILE;
	for (unsigned int i = from; i < lim; i++)
		if (!fs->fd[i])
			return (int)i;
	return -EMFILE;
}

/* Install f (consuming the caller's reference) at the lowest free slot
 * >= from; returns the descriptor or -EMFILE (then f is still the
 * caller's). */
int fd_install_new(struct file *f, bool cloexec, unsigned int from)
{
	int fd = fd_alloc(from);

	if (fd < 0)
		return fd;
	current->files->fd[fd] = f;
	fd_set_cloexec((unsigned int)fd, cloexec);
	return fd;
}

bool fd_available(void)
{
	return fd_alloc(0) >= 0;
}

/* dup2/dup3: put f (caller's reference) at fd, closing what was there. */
int fd_replace(unsigned int fd, struct file *f, bool cloexec)
{
	struct files_struct *fs = current->files;
	struct file *old = fs->fd[fd];

	fs->fd[fd] = f;
	fd_set_cloexec(fd, cloexec);
	if (old)
		fput(old);
	return (int)fd;
}

int fd_close(unsigned int fd)
{
	struct files_struct *fs = current->files;
	struct file *f;

	if (!fs || fd >= NR_OPEN_MAX || !(f = fs->fd[fd]))
		return -EBADF;
	fs->fd[fd] = NULL;
	fd_set_cloexec(fd, false);
	fput(f);
	return 0;
}

static struct files_struct *files_alloc(void)
{
	struct files_struct *fs = kzalloc(sizeof(*fs));

	if (fs)
		fs->count = 1;
	return fs;
}

/*
 * The first process gets /dev/console on 0, 1 and 2: one open file
 * shared by three descriptors, O_RDWR (| O_LARGEFILE, as the kernel's own
 * opens are), the way Linux's console_on_rootfs() sets up init.
 */
struct files_struct *files_new_console(void)
{
	struct files_struct *fs = files_alloc();
	struct inode *ino;
	struct file *f;
	int err;

	if (!fs)
		return NULL;
	if (path_walk(fs_root, "/dev/console", LOOKUP_FOLLOW, &ino)) {
		printk("fs: warning: unable to open an initial console\n");
		return fs;
	}
	f = open_inode(ino, O_RDWR | O_LARGEFILE, &err);
	inode_put(ino);
	if (!f) {
		printk("fs: warning: unable to open an initial console (%d)\n", err);
		return fs;
	}
	f->count = 3;
	fs->fd[0] = fs->fd[1] = fs->fd[2] = f;
	return fs;
}

struct files_struct *files_dup(struct files_struct *old)
{
	struct files_struct *fs = files_alloc();

	if (!fs)
		return NULL;
	for (int i = 0; i < NR_OPEN_MAX; i++) {
		if (old->fd[i]) {
			fs->fd[i] = old->fd[i];
			fs->fd[i]->count++;
		}
	}
	memcpy(fs->cloexec, old->cloexec, sizeof(fs->cloexec));
	return fs;
}

void files_get(struct files_struct *fs)
{
	fs->count++;
}

bool files_shared(const struct files_struct *fs)
{
	return fs->count > 1;
}

void files_put(struct files_struct *fs)
{
	if (!fs || --fs->count)
		return;
	for (int i = 0; i < NR_OPEN_MAX; i++)
		if (fs->fd[i])
			fput(fs->fd[i]);
	kfree(fs);
}

void files_close_on_exec(struct files_struct *fs)
{
	for (int w = 0; w < NR_OPEN_MAX / 64; w++) {
		u64 bits = fs->cloexec[w];
		fs->cloexec[w] = 0;
		for (int b = 0; bits; b++, bits >>= 1) {
			struct file *f;
			if (!(bits & 1))
				continue;
			f = fs->fd[w * 64 + b];
			fs->fd[w * 64 + b] = NULL;
			if (f)
				fput(f);
		}
	}
}

/*
 * mmap's view of a descriptor, with do_mmap()'s checks in its order:
 * a shared writable mapping needs a writable file (EACCES), every mapping
 * a readable one (EACCES), and the file must be mappable (ENODEV): here,
 * regular files, and /dev/zero (do_mmap makes that anonymous memory).
 */
int fd_get_inode_for_mmap(int fd, bool want_write_shared, struct inode **out)
{
	return fd_get_inode_for_mmap2(fd, want_write_shared, out, NULL);
}

int fd_get_inode_for_mmap2(int fd, bool want_write_shared, struct inode **out,
			   bool *writable)
{
	struct file *f = fget((unsigned int)fd);
	int err = 0;

	if (!f || (f->fmode & FMODE_PATH))
		err = -EBADF;
	else if (want_write_shared && !(f->fmode & FMODE_WRITE))
		err = -EACCES;
	else if (!(f->fmode & FMODE_READ))
		err = -EACCES;
	else if (!f->inode || (!S_ISREG(f->inode->mode) && !inode_is_dev_zero(f->inode)))
		err = -ENODEV;
	if (!err) {
		inode_get(f->inode);
		*out = f->inode;
		if (writable)
			*writable = (f->fmode & FMODE_WRITE) != 0;
	}
	if (f)
		fput(f);
	return err;
}
