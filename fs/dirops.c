/*
 * Calls that change or read directory structure by name: mkdir, rmdir,
 * unlink, readlink.  Each resolves the parent directory and the last
 * name (path_parent), then applies Linux's errno for the awkward cases:
 *
 *                 mkdir    rmdir      unlink
 *   "/"           EEXIST   EBUSY      EISDIR
 *   "." (last)    EEXIST   EINVAL     EISDIR
 *   ".." (last)   EEXIST   ENOTEMPTY  EISDIR
 *   "name/"       ok       ok         EISDIR if a dir, ENOTDIR if not,
 *                                     ENOENT if missing
 * Neither rmdir nor unlink follows a symlink in the last component.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

static long do_mkdirat(int dfd, const char __user *upath, mode_t mode)
{
	struct last_name last;
	struct inode *dir, *ino;
	char *path;
	int err = user_path_parent(dfd, upath, &path, &dir, &last);

	if (err)
		return err;
	if (last.type != LAST_NORM || dir_find(dir, last.name, last.len)) {
		err = -EEXIST;
	} else if (dir_is_dead(dir)) {
		err = -ENOENT;
	} else {
		/* mkdir keeps the sticky bit but not set-id bits. */
		mode = (mode & (S_IRWXUGO | S_ISVTX)) & ~current->fs->umask;
		if (dir->mode & S_ISGID)	/* inode_init_owner(): inherited */
			mode |= S_ISGID;
		ino = inode_new(S_IFDIR | mode);
		err = -ENOSPC;
		if (ino) {
			err = dir_link(dir, last.name, last.len, ino);
			inode_put(ino);
		}
	}
	inode_put(dir);
	putname(path);
	return err;
}

SYSCALL_DEFINE3(mkdirat, int, dfd, const char __user *, pathname, mode_t, mode)
{
	return do_mkdirat(dfd, pathname, mode);
}

SYSCALL_DEFINE2(mkdir, const char __user *, pathname, mode_t, mode)
{
	return do_mkdirat(AT_FDCWD, pathname, mode);
}

static long do_rmdir(int dfd, const char __user *upath)
{
	struct last_name last;
	struct inode *dir, *ino;
	char *path;
	int err = user_path_parent(dfd, upath, &path, &dir, &last);

	if (err)
		return err;
	if (last.type == LAST_DOT)
		err = -EINVAL;
	else if (last.type == LAST_DOTDOT)
		err = -ENOTEMPTY;
	else if (last.type == LAST_ROOT)
		err = -EBUSY;
	else if (!(ino = dir_find(dir, last.name, last.len)))
		err = -ENOENT;
	else if (!S_ISDIR(ino->mode))
		err = -ENOTDIR;
	else if (!dir_is_empty(ino))
		err = -ENOTEMPTY;
	else
		err = dir_unlink(dir, last.name, last.len);
	inode_put(dir);
	putname(path);
	return err;
}

static long do_unlinkat(int dfd, const char __user *upath)
{
	struct last_name last;
	struct inode *dir, *ino;
	char *path;
	int err = user_path_parent(dfd, upath, &path, &dir, &last);

	if (err)
		return err;
	ino = last.type == LAST_NORM ? dir_find(dir, last.name, last.len) : NULL;
	if (last.type != LAST_NORM)
		err = -EISDIR;
	else if (!ino)
		err = -ENOENT;
	else if (S_ISDIR(ino->mode))
		err = -EISDIR;	/* Linux's answer, where POSIX allows EPERM */
	else if (last.slash)
		err = -ENOTDIR;
	else
		err = dir_unlink(dir, last.name, last.len);
	inode_put(dir);
	putname(path);
	return err;
}

SYSCALL_DEFINE1(rmdir, const char __user *, pathname)
{
	return do_rmdir(AT_FDCWD, pathname);
}

SYSCALL_DEFINE1(unlink, const char __user *, pathname)
{
	return do_unlinkat(AT_FDCWD, pathname);
}

SYSCALL_DEFINE3(unlinkat, int, dfd, const char __user *, pathname, int, flag)
{
	if (flag & ~AT_REMOVEDIR)
		return -EINVAL;
	if (flag & AT_REMOVEDIR)
		return do_rmdir(dfd, pathname);
	return do_unlinkat(dfd, pathname);
}

static long copy_link(char __user *buf, int bufsiz, const char *s, size_t len)
{
	len = MIN(len, (size_t)bufsiz);	/* truncated, never NUL-terminated */
	if (copy_to_user(buf, s, len))
		return -EFAULT;
	return (long)len;
}

/*
 * A symlink gives its target (procfs's are made at lookup, fs/proc/);
 * anything else is EINVAL, or ENOENT when the path was empty
 * (readlinkat(fd, "") on a non-link).
 */
static long do_readlinkat(int dfd, const char __user *upath, char __user *buf,
			  int bufsiz)
{
	struct inode *start, *ino;
	char *path;
	long len, err;

	if (bufsiz <= 0)
		return -EINVAL;
	len = getname(upath, &path);
	if (len < 0)
		return len;
	err = path_start(dfd, path, LOOKUP_EMPTY, &start);
	if (err)
		goto out;
	err = path_walk(start, path, LOOKUP_EMPTY, &ino);
	inode_put(start);
	if (err)
		goto out;
	if (!S_ISLNK(ino->mode)) {
		err = len == 0 ? -ENOENT : -EINVAL;
	} else {
		err = copy_link(buf, bufsiz, ino->u.lnk.target, (size_t)ino->size);
		inode_accessed(ino);
	}
	inode_put(ino);
out:
	putname(path);
	return err;
}

SYSCALL_DEFINE3(readlink, const char __user *, path, char __user *, buf,
		int, bufsiz)
{
	return do_readlinkat(AT_FDCWD, path, buf, bufsiz);
}

SYSCALL_DEFINE4(readlinkat, int, dfd, const char __user *, pathname,
		char __user *, buf, int, bufsiz)
{
	return do_readlinkat(dfd, pathname, buf, bufsiz);
}
