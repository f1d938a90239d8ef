/*
 * Calls that add a name: link/linkat, symlink/symlinkat, mknod/mknodat
 * (FIFOs, regular files, device nodes).  Each finds the parent of the new
 * name the way Linux's filename_create() does, so the errno of the odd
 * cases is Linux's:
 *   - "/", "." or ".." as the new name, or a name that exists: EEXIST;
 *   - a missing name written with a trailing slash: ENOENT;
 *   - a parent directory that has been removed: ENOENT.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* The parent of a name to create, checked as above.  On success the
 * caller owns *kpath and *dirp. */
static int create_parent(int dfd, const char __user *upath, char **kpath,
			 struct inode **dirp, struct last_name *last)
{
	int err = user_path_parent(dfd, upath, kpath, dirp, last);

	if (err)
		return err;
	if (last->type != LAST_NORM || dir_find(*dirp, last->name, last->len))
		err = -EEXIST;
	else if (last->slash || dir_is_dead(*dirp))
		err = -ENOENT;
	if (err) {
		inode_put(*dirp);
		putname(*kpath);
	}
	return err;
}

/* ---- link ---- */

static long do_linkat(int olddfd, const char __user *oldname, int newdfd,
		      const char __user *newname, int flags)
{
	struct inode *old, *dir;
	struct last_name last;
	unsigned int lf = 0;
	char *path;
	int err;

	if (flags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_FOLLOW)		/* link(2) itself never follows */
		lf |= LOOKUP_FOLLOW;
	if (flags & AT_EMPTY_PATH)		/* root has CAP_DAC_READ_SEARCH */
		lf |= LOOKUP_EMPTY;
	err = user_path_at(olddfd, oldname, lf, &old);
	if (err)
		return err;
	err = create_parent(newdfd, newname, &path, &dir, &last);
	if (err)
		goto out_old;
	if (old->anon || old->dev == PROC_DEV)	/* pipefs, procfs */
		err = -EXDEV;
	else if (S_ISDIR(old->mode))
		err = -EPERM;
	else if (old->nlink == 0)		/* an unlinked file via its fd */
		err = -ENOENT;
	else
		err = dir_link(dir, last.name, last.len, old);
	inode_put(dir);
	putname(path);
out_old:
	inode_put(old);
	return err;
}

SYSCALL_DEFINE2(link, const char __user *, oldname, const char __user *, newname)
{
	return do_linkat(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}

SYSCALL_DEFINE5(linkat, int, olddfd, const char __user *, oldname, int, newdfd,
		const char __user *, newname, int, flags)
{
	return do_linkat(olddfd, oldname, newdfd, newname, flags);
}

/* ---- symlink ---- */

static long do_symlinkat(const char __user *target, int newdfd,
			 const char __user *newname)
{
	struct inode *dir, *ino;
	struct last_name last;
	char *t, *path;
	long len = getname(target, &t);
	int err;

	if (len < 0)
		return len;
	if (len == 0) {				/* an empty target is ENOENT */
		putname(t);
		return -ENOENT;
	}
	err = create_parent(newdfd, newname, &path, &dir, &last);
	if (err)
		goto out;
	err = -ENOSPC;
	ino = inode_new(S_IFLNK | 0777);	/* symlinks are always 0777 */
	if (ino) {
		err = inode_set_symlink(ino, t, (size_t)len);
		if (!err)
			err = dir_link(dir, last.name, last.len, ino);
		inode_put(ino);			/* freed here if not linked */
	}
	inode_put(dir);
	putname(path);
out:
	putname(t);
	return err;
}

SYSCALL_DEFINE2(symlink, const char __user *, oldname, const char __user *, newname)
{
	return do_symlinkat(oldname, AT_FDCWD, newname);
}

SYSCALL_DEFINE3(symlinkat, const char __user *, oldname, int, newdfd,
		const char __user *, newname)
{
	return do_symlinkat(oldname, newdfd, newname);
}

/* ---- mknod ---- */

/* The user's 32-bit dev_t (new_encode_dev's layout) as MKDEV. */
static u32 dev_decode(u32 d)
{
	return MKDEV((d & 0xfff00) >> 8, (d & 0xff) | ((d >> 12) & 0xfff00));
}

static long do_mknodat(int dfd, const char __user *filename, mode_t mode,
		       unsigned int dev)
{
	struct inode *dir, *ino;
	struct last_name last;
	char *path;
	int err;

	/* The type is checked before the path (may_mknod); 0 means a file. */
	switch (mode & S_IFMT) {
	case 0:
		mode |= S_IFREG;
		break;
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		break;
	case S_IFDIR:
		return -EPERM;
	default:
		return -EINVAL;
	}
	err = create_parent(dfd, filename, &path, &dir, &last);
	if (err)
		return err;
	err = -ENOSPC;
	ino = inode_new((mode & S_IFMT) |
			(mode & S_IALLUGO & ~current->fs->umask));
	if (ino) {
		if (S_ISCHR(mode) || S_ISBLK(mode))
			ino->rdev = dev_decode(dev);
		err = dir_link(dir, last.name, last.len, ino);
		inode_put(ino);
	}
	inode_put(dir);
	putname(path);
	return err;
}

SYSCALL_DEFINE3(mknod, const char __user *, filename, mode_t, mode,
		unsigned int, dev)
{
	return do_mknodat(AT_FDCWD, filename, mode, dev);
}

SYSCALL_DEFINE4(mknodat, int, dfd, const char __user *, filename, mode_t, mode,
		unsigned int, dev)
{
	return do_mknodat(dfd, filename, mode, dev);
}
