/*
 * Extended attributes: the ramfs stores none, so every read answers as
 * Linux does for a file without that attribute (ENODATA; an empty list),
 * after the same checks (the path resolves, the descriptor is open, the
 * name is 1-255 bytes: ERANGE otherwise).  Setting one is EOPNOTSUPP.
 * Debian's coreutils ask for security.selinux and the POSIX ACLs on every
 * `ls -l`, and print an error for ENOSYS, not for these.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

#define XATTR_NAME_MAX 255

static long check_name(const char __user *uname)
{
	char name[XATTR_NAME_MAX + 1];
	long n = strncpy_from_user(name, uname, sizeof(name));
	if (n == -ENAMETOOLONG || n == 0)
		return -ERANGE;
	return n < 0 ? n : 0;
}

static long check_path(const char __user *path, bool follow)
{
	struct inode *ino;
	int err = user_path_at(AT_FDCWD, path, follow ? LOOKUP_FOLLOW : 0, &ino);
	if (!err)
		inode_put(ino);
	return err;
}

static long check_fd(int fd)
{
	struct file *f = fget(fd);
	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

static long get_common(long err, const char __user *name)
{
	if (!err)
		err = check_name(name);
	return err ? err : -ENODATA;
}

SYSCALL_DEFINE4(getxattr, const char __user *, path, const char __user *, name,
		void __user *, value, size_t, size)
{
	return get_common(check_path(path, true), name);
}

SYSCALL_DEFINE4(lgetxattr, const char __user *, path, const char __user *, name,
		void __user *, value, size_t, size)
{
	return get_common(check_path(path, false), name);
}

SYSCALL_DEFINE4(fgetxattr, int, fd, const char __user *, name, void __user *, value,
		size_t, size)
{
	return get_common(check_fd(fd), name);
}

SYSCALL_DEFINE3(listxattr, const char __user *, path, char __user *, list, size_t, size)
{
	return check_path(path, true);
}

SYSCALL_DEFINE3(llistxattr, const char __user *, path, char __user *, list, size_t, size)
{
	return check_path(path, false);
}

SYSCALL_DEFINE3(flistxattr, int, fd, char __user *, list, size_t, size)
{
	return check_fd(fd);
}

static long set_common(long err, const char __user *name)
{
	if (!err)
		err = check_name(name);
	return err ? err : -EOPNOTSUPP;
}

SYSCALL_DEFINE5(setxattr, const char __user *, path, const char __user *, name,
		const void __user *, value, size_t, size, int, flags)
{
	return set_common(check_path(path, true), name);
}

SYSCALL_DEFINE5(lsetxattr, const char __user *, path, const char __user *, name,
		const void __user *, value, size_t, size, int, flags)
{
	return set_common(check_path(path, false), name);
}

SYSCALL_DEFINE5(fsetxattr, int, fd, const char __user *, name, const void __user *, value,
		size_t, size, int, flags)
{
	return set_common(check_fd(fd), name);
}
