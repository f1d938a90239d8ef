/*
 * Descriptor manipulation: dup, dup2, dup3, fcntl, ioctl.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* F_SETFL may change only these (Linux's SETFL_MASK); the rest of the
 * argument is ignored, not rejected. */
#define SETFL_MASK (O_APPEND | O_NONBLOCK | FASYNC | O_DIRECT | O_NOATIME)

SYSCALL_DEFINE1(dup, unsigned int, fildes)
{
	struct file *f = fget(fildes);
	int fd;

	if (!f)
		return -EBADF;
	fd = fd_install_new(f, false, 0);
	if (fd < 0)
		fput(f);
	return fd;
}

/* Linux's order: flags, same fd, range of newfd, then oldfd. */
static long do_dup3(unsigned int oldfd, unsigned int newfd, int flags)
{
	struct file *f;

	if (flags & ~O_CLOEXEC)
		return -EINVAL;
	if (oldfd == newfd)
		return -EINVAL;
	if (newfd >= (unsigned int)fd_limit())
		return -EBADF;
	f = fget(oldfd);
	if (!f)
		return -EBADF;
	return fd_replace(newfd, f, flags & O_CLOEXEC);
}

SYSCALL_DEFINE3(dup3, unsigned int, oldfd, unsigned int, newfd, int, flags)
{
	return do_dup3(oldfd, newfd, flags);
}

/* dup2(fd, fd) is a validity check that returns fd (and keeps its
 * FD_CLOEXEC); dup3 calls that EINVAL instead. */
SYSCALL_DEFINE2(dup2, unsigned int, oldfd, unsigned int, newfd)
{
	if (oldfd == newfd) {
		struct file *f = fget(oldfd);
		if (!f)
			return -EBADF;
		fput(f);
		return (long)newfd;
	}
	return do_dup3(oldfd, newfd, 0);
}

static long do_setfl(struct file *f, unsigned long arg)
{
	/* O_DIRECT is accepted where Linux has direct I/O: tmpfs files. */
	if ((arg & O_DIRECT) && !(f->inode && S_ISREG(f->inode->mode)))
		return -EINVAL;
	f->flags = ((unsigned int)arg & SETFL_MASK) | (f->flags & ~SETFL_MASK);
	return 0;
}

SYSCALL_DEFINE3(fcntl, unsigned int, fd, unsigned int, cmd, unsigned long, arg)
{
	struct file *f = fget(fd);
	long r;

	if (!f)
		return -EBADF;
	/* O_PATH descriptors allow only the descriptor-level commands. */
	if ((f->fmode & FMODE_PATH) && cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC &&
	    cmd != F_GETFD && cmd != F_SETFD && cmd != F_GETFL) {
		fput(f);
		return -EBADF;
	}
	switch (cmd) {
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (arg >= (unsigned long)fd_limit()) {
			r = -EINVAL;
			break;
		}
		r = fd_install_new(f, cmd == F_DUPFD_CLOEXEC, (unsigned int)arg);
		if (r >= 0)
			return r;	/* the table took our reference */
		break;
	case F_GETFD:
		r = fd_get_cloexec(fd) ? FD_CLOEXEC : 0;
		break;
	case F_SETFD:
		fd_set_cloexec(fd, arg & FD_CLOEXEC);
		r = 0;
		break;
	case F_GETFL:
		r = f->flags;
		break;
	case F_SETFL:
		r = do_setfl(f, arg);
		break;
	case F_GETPIPE_SZ:
		r = file_is_pipe(f) ? pipe_get_size(f) : -EBADF;
		break;
	case F_SETPIPE_SZ:
		r = file_is_pipe(f) ? pipe_set_size(f, arg) : -EBADF;
		break;
	default:
		r = -EINVAL;
		break;
	}
	fput(f);
	return r;
}

/*
 * ioctl: the commands every descriptor understands (do_vfs_ioctl) come
 * first, then the file's own; anything unknown is ENOTTY.
 */
/*
 * The inode flags (chattr/lsattr's, FS_IOC_GETFLAGS), read as an int
 * whatever the "long" in the request's number says.  Only files of the
 * ramfs answer, like Linux's tmpfs; no flag is ever set here (there is no
 * FS_IOC_SETFLAGS), so the answer is 0.  dar saves these "filesystem
 * specific attributes" of every file it archives.  The 32-bit number is
 * the i386 spelling, which Linux knows only from compat tasks.
 */
#define FS_IOC_GETFLAGS 0x80086601u
#define FS_IOC32_GETFLAGS 0x80046601u
static long fs_getflags(struct file *f, unsigned int cmd, int __user *arg)
{
	struct inode *ino = f->inode;

	if (cmd == FS_IOC32_GETFLAGS && !current->is32)
		return -ENOTTY;
	if (!ino || ino->dev != ROOTFS_DEV || !(S_ISREG(ino->mode) || S_ISDIR(ino->mode)))
		return f->ops->ioctl ? f->ops->ioctl(f, cmd, (unsigned long)arg) : -ENOTTY;
	return put_user(0, arg);
}

SYSCALL_DEFINE3(ioctl, unsigned int, fd, unsigned int, cmd, unsigned long, arg)
{
	struct file *f = fget_io(fd);
	long r;

	if (!f)
		return -EBADF;
	switch (cmd) {
	case FIOCLEX:
	case FIONCLEX:
		fd_set_cloexec(fd, cmd == FIOCLEX);
		r = 0;
		break;
	case FIONBIO: {
		int on;
		r = get_user(on, (int __user *)arg);
		if (!r) {
			if (on)
				f->flags |= O_NONBLOCK;
			else
				f->flags &= ~O_NONBLOCK;
		}
		break;
	}
	case FS_IOC_GETFLAGS:
	case FS_IOC32_GETFLAGS:
		r = fs_getflags(f, cmd, (int __user *)arg);
		break;
	case FIONREAD:
		if (f->inode && S_ISREG(f->inode->mode)) {
			/* file_ioctl(): bytes from the offset to EOF */
			r = put_user((int)(f->inode->size - f->pos),
				     (int __user *)arg);
			break;
		}
		/* pipes and ttys answer it themselves */
		__attribute__((fallthrough));
	default:
		r = f->ops->ioctl ? f->ops->ioctl(f, cmd, arg) : -ENOTTY;
		break;
	}
	fput(f);
	return r;
}
