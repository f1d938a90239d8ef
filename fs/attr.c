/*
 * Changing attributes: chmod/fchmod/fchmodat/fchmodat2, the chown family
 * (including i386's 16-bit-id variants), and the calls that only report:
 * fsync/fdatasync/sync/syncfs and statfs/fstatfs (+ i386 statfs64).
 *
 * Everything runs as root, so no permission check can refuse; what is
 * left is Linux's argument checks, its errno order, and the side effects
 * a program can see (ctime, set-id bits dropped by chown).
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

/* ---- chmod ---- */

/* procfs modes are fixed (Linux's proc_setattr refuses ATTR_MODE). */
static int set_mode(struct inode *ino, mode_t mode)
{
	if (ino->dev == PROC_DEV)
		return -EPERM;
	ino->mode = (ino->mode & S_IFMT) | (mode & S_IALLUGO);
	inode_touch(ino, false);
	return 0;
}

static long do_fchmodat(int dfd, const char __user *filename, mode_t mode,
			int flags)
{
	struct inode *ino;
	int err;

	err = user_path_at_flags(dfd, filename, flags, 0, &ino);
	if (err)
		return err;
	if (S_ISLNK(ino->mode))		/* a link's mode cannot change */
		err = -EOPNOTSUPP;
	else
		err = set_mode(ino, mode);
	inode_put(ino);
	return err;
}

SYSCALL_DEFINE2(chmod, const char __user *, filename, mode_t, mode)
{
	return do_fchmodat(AT_FDCWD, filename, mode, 0);
}

SYSCALL_DEFINE3(fchmodat, int, dfd, const char __user *, filename, mode_t, mode)
{
	return do_fchmodat(dfd, filename, mode, 0);
}

SYSCALL_DEFINE4(fchmodat2, int, dfd, const char __user *, filename,
		mode_t, mode, unsigned int, flags)
{
	return do_fchmodat(dfd, filename, mode, (int)flags);
}

/* fchmod works on any open file but not on an O_PATH one (EBADF). */
SYSCALL_DEFINE2(fchmod, unsigned int, fd, mode_t, mode)
{
	struct file *f = fget_io(fd);

	if (!f)
		return -EBADF;
	long err = set_mode(f->inode, mode);
	fput(f);
	return err;
}

/* ---- chown ---- */

/*
 * (u32)-1 leaves an id alone.  Even a chown by root of a non-directory
 * drops set-user-id, and set-group-id when group-execute is on (where it
 * means "set-gid", not "mandatory locking"); ctime changes either way.
 */
static void set_owner(struct inode *ino, u32 uid, u32 gid)
{
	if (uid != (u32)-1)
		ino->uid = uid;
	if (gid != (u32)-1)
		ino->gid = gid;
	if (!S_ISDIR(ino->mode)) {
		ino->mode &= ~S_ISUID;
		if ((ino->mode & (S_ISGID | 0010)) == (S_ISGID | 0010))
			ino->mode &= ~S_ISGID;
	}
	inode_touch(ino, false);
}

static long do_fchownat(int dfd, const char __user *filename, u32 uid, u32 gid,
			int flags)
{
	struct inode *ino;
	int err;

	err = user_path_at_flags(dfd, filename, flags, 0, &ino);
	if (err)
		return err;
	set_owner(ino, uid, gid);
	inode_put(ino);
	return 0;
}

static long do_fchown(unsigned int fd, u32 uid, u32 gid)
{
	struct file *f = fget_io(fd);

	if (!f)
		return -EBADF;
	set_owner(f->inode, uid, gid);
	fput(f);
	return 0;
}

SYSCALL_DEFINE3(chown, const char __user *, filename, u32, user, u32, group)
{
	return do_fchownat(AT_FDCWD, filename, user, group, 0);
}

SYSCALL_DEFINE3(lchown, const char __user *, filename, u32, user, u32, group)
{
	return do_fchownat(AT_FDCWD, filename, user, group, AT_SYMLINK_NOFOLLOW);
}

SYSCALL_DEFINE3(fchown, unsigned int, fd, u32, user, u32, group)
{
	return do_fchown(fd, user, group);
}

SYSCALL_DEFINE5(fchownat, int, dfd, const char __user *, filename, u32, user,
		u32, group, int, flag)
{
	return do_fchownat(dfd, filename, user, group, flag);
}

/* i386's original calls take 16-bit ids, where 0xffff means "leave". */
static u32 id16(u32 id)
{
	id &= 0xffff;
	return id == 0xffff ? (u32)-1 : id;
}

COMPAT_SYSCALL_DEFINE3(chown16, const char __user *, filename, u32, user,
		       u32, group)
{
	return do_fchownat(AT_FDCWD, filename, id16(user), id16(group), 0);
}

COMPAT_SYSCALL_DEFINE3(lchown16, const char __user *, filename, u32, user,
		       u32, group)
{
	return do_fchownat(AT_FDCWD, filename, id16(user), id16(group),
			   AT_SYMLINK_NOFOLLOW);
}

COMPAT_SYSCALL_DEFINE3(fchown16, unsigned int, fd, u32, user, u32, group)
{
	return do_fchown(fd, id16(user), id16(group));
}

/* ---- sync ---- */

/*
 * Nothing is ever dirty in a RAM filesystem, so these only validate.
 * fsync needs a file whose kind has an fsync method on Linux: tmpfs files
 * and directories do; pipes, FIFOs and character devices do not (EINVAL).
 */
static long do_fsync(unsigned int fd)
{
	struct file *f = fget_io(fd);
	long err = 0;

	if (!f)
		return -EBADF;
	if (!S_ISREG(f->inode->mode) && !S_ISDIR(f->inode->mode))
		err = -EINVAL;
	fput(f);
	return err;
}

SYSCALL_DEFINE1(fsync, unsigned int, fd)
{
	return do_fsync(fd);
}

SYSCALL_DEFINE1(fdatasync, unsigned int, fd)
{
	return do_fsync(fd);
}

SYSCALL_DEFINE0(sync)
{
	return 0;
}

SYSCALL_DEFINE1(syncfs, int, fd)
{
	struct file *f = fget_io((unsigned int)fd);

	if (!f)
		return -EBADF;
	fput(f);
	return 0;
}

/* ---- statfs ---- */

#define TMPFS_MAGIC   0x01021994
#define PIPEFS_MAGIC  0x50495045
#define PROC_SUPER_MAGIC 0x9fa0
#define ST_NOSUID     0x0002
#define ST_NODEV      0x0004
#define ST_NOEXEC     0x0008
#define ST_VALID      0x0020
#define ST_RELATIME   0x0400

struct kstatfs {
	u64 type, bsize, blocks, bfree, bavail, files, ffree, namelen, frsize,
	    flags;
};

/*
 * tmpfs's answers: 4 KiB blocks; the size is the ramfs limit (half of
 * RAM, tmpfs's default: fs_max_pages) less what files hold; the inode
 * limit is what memory allows.  Pipes answer for pipefs.
 */
static void fill_statfs(const struct inode *ino, struct kstatfs *s)
{
	u64 freep = free_page_count();

	memset(s, 0, sizeof(*s));
	s->bsize = s->frsize = PAGE_SIZE;
	s->namelen = NAME_MAX;
	s->flags = ST_VALID | ST_RELATIME;
	if (ino->anon && S_ISFIFO(ino->mode)) {
		s->type = PIPEFS_MAGIC;
		return;
	}
	if (ino->dev == PROC_DEV) {	/* no blocks: df leaves it out */
		s->type = PROC_SUPER_MAGIC;
		s->flags |= ST_NOSUID | ST_NODEV | ST_NOEXEC;
		return;
	}
	s->type = TMPFS_MAGIC;
	s->blocks = fs_max_pages();
	s->bfree = s->bavail = s->blocks > fs_nr_pages ? s->blocks - fs_nr_pages : 0;
	s->ffree = freep;
	s->files = freep + fs_nr_inodes;
}

static int statfs_path(const char __user *path, struct kstatfs *s)
{
	struct inode *ino;
	int err = user_path_at(AT_FDCWD, path, LOOKUP_FOLLOW, &ino);

	if (err)
		return err;
	fill_statfs(ino, s);
	inode_put(ino);
	return 0;
}

/* fstatfs works on O_PATH descriptors too (fdget_raw). */
static int statfs_fd(unsigned int fd, struct kstatfs *s)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	fill_statfs(f->inode, s);
	fput(f);
	return 0;
}

struct statfs_native {
	s64 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	s64 f_namelen, f_frsize, f_flags, f_spare[4];
};
BUILD_BUG_ON(sizeof(struct statfs_native) != 120);

struct compat_statfs {
	u32 f_type, f_bsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	u32 f_namelen, f_frsize, f_flags, f_spare[4];
};
BUILD_BUG_ON(sizeof(struct compat_statfs) != 64);

struct compat_statfs64 {
	u32 f_type, f_bsize;
	u64 f_blocks, f_bfree, f_bavail, f_files, f_ffree;
	s32 f_fsid[2];
	u32 f_namelen, f_frsize, f_flags, f_spare[4];
} __packed;
BUILD_BUG_ON(sizeof(struct compat_statfs64) != 84);

static long put_statfs(long err, const struct kstatfs *s, void __user *buf)
{
	struct statfs_native t = {
		.f_type = (s64)s->type, .f_bsize = (s64)s->bsize,
		.f_blocks = s->blocks, .f_bfree = s->bfree, .f_bavail = s->bavail,
		.f_files = s->files, .f_ffree = s->ffree,
		.f_namelen = (s64)s->namelen, .f_frsize = (s64)s->frsize,
		.f_flags = (s64)s->flags,
	};
	if (err)
		return err;
	return copy_to_user(buf, &t, sizeof(t)) ? -EFAULT : 0;
}

/* The 32-bit layout cannot hold large counts: EOVERFLOW, as Linux. */
static long put_compat_statfs(long err, const struct kstatfs *s, void __user *buf)
{
	struct compat_statfs t = {
		.f_type = (u32)s->type, .f_bsize = (u32)s->bsize,
		.f_blocks = (u32)s->blocks, .f_bfree = (u32)s->bfree,
		.f_bavail = (u32)s->bavail, .f_files = (u32)s->files,
		.f_ffree = (u32)s->ffree, .f_namelen = (u32)s->namelen,
		.f_frsize = (u32)s->frsize, .f_flags = (u32)s->flags,
	};
	if (err)
		return err;
	if ((s->blocks | s->bfree | s->bavail | s->files | s->ffree) >> 32)
		return -EOVERFLOW;
	return copy_to_user(buf, &t, sizeof(t)) ? -EFAULT : 0;
}

static long put_compat_statfs64(long err, const struct kstatfs *s,
				void __user *buf)
{
	struct compat_statfs64 t = {
		.f_type = (u32)s->type, .f_bsize = (u32)s->bsize,
		.f_blocks = s->blocks, .f_bfree = s->bfree, .f_bavail = s->bavail,
		.f_files = s->files, .f_ffree = s->ffree,
		.f_namelen = (u32)s->namelen, .f_frsize = (u32)s->frsize,
		.f_flags = (u32)s->flags,
	};
	if (err)
		return err;
	return copy_to_user(buf, &t, sizeof(t)) ? -EFAULT : 0;
}

SYSCALL_DEFINE2(statfs, const char __user *, path, void __user *, buf)
{
	struct kstatfs s;
	return put_statfs(statfs_path(path, &s), &s, buf);
}

SYSCALL_DEFINE2(fstatfs, unsigned int, fd, void __user *, buf)
{
	struct kstatfs s;
	return put_statfs(statfs_fd(fd, &s), &s, buf);
}

COMPAT_SYSCALL_DEFINE2(statfs, const char __user *, path, void __user *, buf)
{
	struct kstatfs s;
	return put_compat_statfs(statfs_path(path, &s), &s, buf);
}

COMPAT_SYSCALL_DEFINE2(fstatfs, unsigned int, fd, void __user *, buf)
{
	struct kstatfs s;
	return put_compat_statfs(statfs_fd(fd, &s), &s, buf);
}

/* statfs64 names the size of the caller's structure: it must be ours. */
COMPAT_SYSCALL_DEFINE3(statfs64, const char __user *, path, u32, sz,
		       void __user *, buf)
{
	struct kstatfs s;
	if (sz != sizeof(struct compat_statfs64))
		return -EINVAL;
	return put_compat_statfs64(statfs_path(path, &s), &s, buf);
}

COMPAT_SYSCALL_DEFINE3(fstatfs64, unsigned int, fd, u32, sz, void __user *, buf)
{
	struct kstatfs s;
	if (sz != sizeof(struct compat_statfs64))
		return -EINVAL;
	return put_compat_statfs64(statfs_fd(fd, &s), &s, buf);
}
