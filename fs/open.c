/*
 * open/openat/close, and the calls about a path's attributes or the
 * process's place in the tree: access family, umask, chdir, getcwd.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* Linux's VALID_OPEN_FLAGS: other bits are dropped silently by open(2). */
#define VALID_OPEN_FLAGS (O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | \
	O_APPEND | O_NONBLOCK | O_DSYNC | FASYNC | O_DIRECT | O_LARGEFILE | \
	O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | __O_SYNC | O_PATH | \
	__O_TMPFILE)
#define O_PATH_FLAGS (O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC)

/* An O_PATH descriptor only names a file: no I/O (fget_io refuses it). */
const struct file_ops path_fops = { 0 };

/*
 * Make a struct file for an inode we found or created.  `flags` are the
 * open flags as F_GETFL will show them (O_CLOEXEC and the creation flags
 * already removed), plus O_NOCTTY, which only a terminal's open reads.
 */
struct file *open_inode(struct inode *ino, unsigned int flags, int *err)
{
	/* Access mode 3 opens with neither read nor write (Linux quirk). */
	static const unsigned int acc_fmode[4] = {
		FMODE_READ, FMODE_WRITE, FMODE_READ | FMODE_WRITE, 0
	};
	unsigned int fmode = FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE;
	const struct file_ops *ops;
	struct file *f;
	unsigned int noctty = flags & O_NOCTTY;

	flags &= ~O_NOCTTY;
	if (flags & O_PATH) {
		ops = &path_fops;
		fmode = FMODE_PATH;
		goto alloc;
	}
	fmode |= acc_fmode[flags & O_ACCMODE];
	switch (ino->mode & S_IFMT) {
	case S_IFREG:
		/* A non-LFS (i386, no O_LARGEFILE) open must not see a file
		 * whose size it cannot represent. */
		if (!(flags & O_LARGEFILE) && ino->size > MAX_NON_LFS) {
			*err = -EOVERFLOW;
			return NULL;
		}
		ops = ino->dev == PROC_DEV ? &proc_fops : &reg_fops;
		break;
	case S_IFDIR:
		/* may_open(): any write intent on a directory is EISDIR; an
		 * access mode of 3 counts as read+write here. */
		if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC)) {
			*err = -EISDIR;
			return NULL;
		}
		ops = &dir_fops;
		break;
	case S_IFCHR:
		ops = chrdev_ops(ino->rdev);
		if (!ops) {
			*err = -ENXIO;
			return NULL;
		}
		if (ops->llseek == NULL)	/* ttys are nonseekable_open() */
			fmode &= ~(FMODE_LSEEK | FMODE_PREAD | FMODE_PWRITE);
		break;
	case S_IFLNK:
		*err = -ELOOP;
		return NULL;
	case S_IFIFO:		/* may sleep for a partner (pipe.c) */
		return fifo_open(ino, flags, fmode, err);
	default:	/* sockets, block devices: no driver here */
		*err = -ENXIO;
		return NULL;
	}
alloc:
	f = file_alloc(ino, ops, flags, fmode);
	if (!f) {
		*err = -ENOMEM;
		return NULL;
	}
	/* The terminal's open reads O_NOCTTY, which F_GETFL never shows. */
	if (ops->open) {
		f->flags |= noctty;
		*err = ops->open(f);
		f->flags &= ~O_NOCTTY;
		if (*err) {
			fput(f);
			return NULL;
		}
	}
	return f;
}

/*
 * O_CREAT: find or create the last component.  A symlink there is
 * followed (unless O_EXCL or O_NOFOLLOW) and, if it dangles, its target
 * is created, as on Linux.  Returns the inode referenced.
 */
static int open_create(struct inode *start, const char *path, unsigned int flags,
		       mode_t mode, struct inode **out)
{
	struct inode *dir = NULL, *ino, *lnk = NULL;
	struct last_name last;
	int links = 0, err;

	inode_get(start);
	for (;;) {
		err = path_parent(start, path, &dir, &last);
		if (err)
			break;
		/* ".", "..", "/" or "name/" with O_CREAT: Linux says EISDIR. */
		err = -EISDIR;
		if (last.type != LAST_NORM || last.slash)
			break;
		ino = dir_find(dir, last.name, last.len);
		if (!ino) {
			err = -ENOENT;
			if (dir_is_dead(dir))
				break;
			err = -ENOSPC;
			ino = inode_new(S_IFREG | (mode & ~current->fs->umask & S_IALLUGO));
			if (!ino)
				break;
			err = dir_link(dir, last.name, last.len, ino);
			if (err) {
				inode_put(ino);
				break;
			}
			*out = ino;	/* inode_new's reference */
			break;
		}
		err = -EEXIST;
		if (flags & O_EXCL)
			break;
		if (S_ISLNK(ino->mode)) {
			err = -ELOOP;
			if ((flags & O_NOFOLLOW) || ++links > 40)
				break;
			/* Walk again from the link's directory to its target. */
			inode_get(ino);
			inode_put(lnk);
			lnk = ino;
			inode_put(start);
			start = dir;
			dir = NULL;
			path = lnk->u.lnk.target;
			err = -ENOENT;
			if (!path[0])
				break;
			continue;
		}
		err = -EISDIR;
		if (S_ISDIR(ino->mode))
			break;
		inode_get(ino);
		*out = ino;
		err = 0;
		break;
	}
	inode_put(dir);
	inode_put(lnk);
	inode_put(start);
	return err;
}

static long do_open(int dfd, const char __user *upath, unsigned int flags,
		    mode_t mode)
{
	struct inode *start, *ino = NULL;
	struct file *f;
	char *path;
	bool cloexec;
	long len;
	int err, fd;

	/* The 64-bit open() always means large-file; i386 callers say so
	 * themselves (force_o_largefile() is not applied to compat opens). */
	if (!current->is32)
		flags |= O_LARGEFILE;
	flags &= VALID_OPEN_FLAGS;
	if (flags & O_PATH)		/* O_PATH beats everything else */
		flags &= O_PATH_FLAGS;
	/* Since Linux 6.4, O_CREAT|O_DIRECTORY is simply invalid. */
	if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY))
		return -EINVAL;
	if (flags & __O_TMPFILE)
		return -EOPNOTSUPP;	/* no unnamed files here */
	if (flags & __O_SYNC)
		flags |= O_DSYNC;
	cloexec = flags & O_CLOEXEC;
	flags &= ~O_CLOEXEC;		/* an fd property, never in F_GETFL */

	/* Linux reserves the descriptor first: EMFILE wins over ENOENT, and
	 * no file is created when there is no descriptor for it. */
	if (!fd_available())
		return -EMFILE;
	len = getname(upath, &path);
	if (len < 0)
		return len;
	err = -ENOENT;
	if (len == 0)
		goto out_name;
	err = path_start(dfd, path, 0, &start);
	if (err)
		goto out_name;
	if (flags & O_CREAT) {
		err = open_create(start, path, flags, mode, &ino);
	} else {
		unsigned int lf = 0;
		if (!(flags & O_NOFOLLOW))
			lf |= LOOKUP_FOLLOW;
		if (flags & O_DIRECTORY)
			lf |= LOOKUP_DIRECTORY;
		err = path_walk(start, path, lf, &ino);
		if (!err && S_ISLNK(ino->mode) && !(flags & O_PATH))
			err = -ELOOP;	/* O_NOFOLLOW on a symlink */
	}
	inode_put(start);
	if (err)
		goto out_name;

	f = open_inode(ino, flags & ~(O_CREAT | O_EXCL | O_TRUNC), &err);
	if (!f)
		goto out_ino;
	/* O_TRUNC truncates a regular file even when opened read-only, and
	 * updates mtime/ctime even if it was already empty. */
	if ((flags & O_TRUNC) && S_ISREG(ino->mode) && !(flags & O_PATH))
		reg_truncate(ino, 0);
	fd = fd_install_new(f, cloexec, 0);
	if (fd < 0)
		fput(f);
	err = fd;
out_ino:
	inode_put(ino);
out_name:
	putname(path);
	return err;
}

SYSCALL_DEFINE3(open, const char __user *, filename, int, flags, mode_t, mode)
{
	return do_open(AT_FDCWD, filename, (unsigned int)flags, mode);
}

SYSCALL_DEFINE4(openat, int, dfd, const char __user *, filename, int, flags,
		mode_t, mode)
{
	return do_open(dfd, filename, (unsigned int)flags, mode);
}

SYSCALL_DEFINE1(close, unsigned int, fd)
{
	return fd_close(fd);
}

/*
 * We run everything as root, so only the execute bit can refuse: root may
 * execute a non-directory only if some x bit is set (generic_permission).
 */
static long do_faccessat(int dfd, const char __user *upath, int mode, int flags)
{
	struct inode *ino;
	int err;

	if (mode & ~(R_OK | W_OK | X_OK))
		return -EINVAL;
	err = user_path_at_flags(dfd, upath, flags, AT_EACCESS, &ino);
	if (err)
		return err;
	if ((mode & X_OK) && !S_ISDIR(ino->mode) && !(ino->mode & S_IXUGO))
		err = -EACCES;
	inode_put(ino);
	return err;
}

SYSCALL_DEFINE2(access, const char __user *, filename, int, mode)
{
	return do_faccessat(AT_FDCWD, filename, mode, 0);
}

SYSCALL_DEFINE3(faccessat, int, dfd, const char __user *, filename, int, mode)
{
	return do_faccessat(dfd, filename, mode, 0);
}

SYSCALL_DEFINE4(faccessat2, int, dfd, const char __user *, filename, int, mode,
		int, flags)
{
	return do_faccessat(dfd, filename, mode, flags);
}

SYSCALL_DEFINE1(umask, int, mask)
{
	mode_t old = current->fs->umask;

	current->fs->umask = (mode_t)mask & S_IRWXUGO;
	return old;
}

SYSCALL_DEFINE1(chdir, const char __user *, filename)
{
	struct inode *ino;
	int err = user_path_at(AT_FDCWD, filename,
			       LOOKUP_FOLLOW | LOOKUP_DIRECTORY, &ino);

	if (err)
		return err;
	inode_put(current->fs->cwd);
	current->fs->cwd = ino;
	return 0;
}

/*
 * Build the path from the cwd up to the root, right to left, in a
 * PATH_MAX buffer.  Returns the length including the NUL, as the raw
 * syscall does; ERANGE if the user's buffer is too small; ENOENT if the
 * cwd has been removed (Linux would prefix "(unreachable)" only for a cwd
 * outside the process root, which cannot happen here).
 */
SYSCALL_DEFINE2(getcwd, char __user *, buf, unsigned long, size)
{
	struct inode *ino = current->fs->cwd ? current->fs->cwd : fs_root;
	char *k;
	size_t pos = PATH_MAX, len;
	long err = 0;

	if (dir_is_dead(ino))
		return -ENOENT;
	k = kmalloc(PATH_MAX);
	if (!k)
		return -ENOMEM;
	k[--pos] = '\0';
	while (ino != fs_root) {
		struct inode *parent = ino->u.dir.parent;
		const struct dirent *d = parent ? dir_entry_of(parent, ino) : NULL;
		if (!d) {
			err = -ENOENT;
			goto out;
		}
		if (pos < (size_t)d->len + 1 + 1) {
			err = -ENAMETOOLONG;
			goto out;
		}
		pos -= d->len;
		memcpy(k + pos, d->name, d->len);
		k[--pos] = '/';
		ino = parent;
	}
	if (pos == PATH_MAX - 1)
		k[--pos] = '/';
	len = PATH_MAX - pos;
	if (len > size)
		err = -ERANGE;
	else if (copy_to_user(buf, k + pos, len))
		err = -EFAULT;
	else
		err = (long)len;
out:
	kfree(k);
	return err;
}
