/*
 * The stat family: one internal snapshot (struct kstat) and one copy-out
 * per user layout - x86-64 stat, i386 stat, i386 stat64, statx.
 *
 * Values follow what Linux's tmpfs reports: st_blksize 4096, st_blocks in
 * 512-byte units of the pages actually allocated, directories sized 40 +
 * 20 bytes per entry; uid and gid as chown set them (0 at first).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

struct ktime { s64 sec; u32 nsec; };

struct kstat {
	u32 dev, rdev;
	u64 ino, nlink, blocks;
	u32 mode, uid, gid;
	s64 size;
	u32 blksize;
	struct ktime atime, mtime, ctime;
	bool is_root;
};

static struct ktime split_ns(s64 ns)
{
	struct ktime t;
	s64 q = ns / 1000000000LL, r = ns % 1000000000LL;

	if (r < 0) {			/* floor, so nsec is always 0..999999999 */
		q--;
		r += 1000000000LL;
	}
	t.sec = q;
	t.nsec = (u32)r;
	return t;
}

static void fill_kstat(const struct inode *ino, struct kstat *st)
{
	st->dev = ino->dev;
	st->rdev = ino->rdev;
	st->ino = ino->ino;
	st->nlink = ino->nlink;
	if (ino->anon)			/* pipes count as linked once, as pipefs */
		st->nlink = 1;
	st->mode = ino->mode;
	st->uid = ino->uid;
	st->gid = ino->gid;
	st->size = S_ISREG(ino->mode) || S_ISDIR(ino->mode) || S_ISLNK(ino->mode)
		   ? ino->size : 0;
	st->blksize = 4096;
	st->blocks = S_ISREG(ino->mode) ? ino->u.reg.nalloc * 8 : 0;
	st->atime = split_ns(ino->atime);
	st->mtime = split_ns(ino->mtime);
	st->ctime = split_ns(ino->ctime);
	st->is_root = ino == fs_root;
}

/* fstatat's lookup: flags checked first, then the path (or the fd when
 * the path is empty and AT_EMPTY_PATH is given). */
static int vfs_fstatat(int dfd, const char __user *path, int flags,
		       struct kstat *st, int extra_ok)
{
	struct inode *ino;
	int err;

	err = user_path_at_flags(dfd, path, flags, AT_NO_AUTOMOUNT | extra_ok, &ino);
	if (err)
		return err;
	fill_kstat(ino, st);
	inode_put(ino);
	return 0;
}

/* fstat works on O_PATH descriptors too (fdget_raw in Linux). */
static int vfs_fstat(unsigned int fd, struct kstat *st)
{
	struct file *f = fget(fd);

	if (!f)
		return -EBADF;
	fill_kstat(f->inode, st);
	fput(f);
	return 0;
}

static int vfs_stat(const char __user *path, struct kstat *st, bool follow)
{
	return vfs_fstatat(AT_FDCWD, path, follow ? 0 : AT_SYMLINK_NOFOLLOW, st, 0);
}

/* ---- x86-64 struct stat ---- */

static long cp_new_stat(const struct kstat *st, void __user *ubuf)
{
	struct stat64_native t;

	memset(&t, 0, sizeof(t));
	t.st_dev = dev_encode(st->dev);
	t.st_ino = st->ino;
	t.st_nlink = st->nlink;
	t.st_mode = st->mode;
	t.st_uid = st->uid;
	t.st_gid = st->gid;
	t.st_rdev = dev_encode(st->rdev);
	t.st_size = st->size;
	t.st_blksize = st->blksize;
	t.st_blocks = (s64)st->blocks;
	t.st_atime = (u64)st->atime.sec;
	t.st_atime_nsec = st->atime.nsec;
	t.st_mtime = (u64)st->mtime.sec;
	t.st_mtime_nsec = st->mtime.nsec;
	t.st_ctime = (u64)st->ctime.sec;
	t.st_ctime_nsec = st->ctime.nsec;
	return copy_to_user(ubuf, &t, sizeof(t)) ? -EFAULT : 0;
}

#define STAT_CALL(call, copy) ({ struct kstat __st; long __e = (call); \
	__e ? __e : copy(&__st, statbuf); })

SYSCALL_DEFINE2(newstat, const char __user *, filename, void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, true), cp_new_stat);
}

SYSCALL_DEFINE2(newlstat, const char __user *, filename, void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, false), cp_new_stat);
}

SYSCALL_DEFINE2(newfstat, unsigned int, fd, void __user *, statbuf)
{
	return STAT_CALL(vfs_fstat(fd, &__st), cp_new_stat);
}

SYSCALL_DEFINE4(newfstatat, int, dfd, const char __user *, filename,
		void __user *, statbuf, int, flag)
{
	return STAT_CALL(vfs_fstatat(dfd, filename, flag, &__st, 0), cp_new_stat);
}

/* ---- i386 struct stat: EOVERFLOW for what 16/32-bit fields cannot hold */

static long cp_compat_stat(const struct kstat *st, void __user *ubuf)
{
	struct compat_stat t;

	if (st->ino > 0xffffffffUL || st->nlink > 0xffff ||
	    (u64)st->size > (u64)MAX_NON_LFS)
		return -EOVERFLOW;
	memset(&t, 0, sizeof(t));
	t.st_dev = dev_encode(st->dev);
	t.st_ino = (u32)st->ino;
	t.st_mode = (u16)st->mode;
	t.st_nlink = (u16)st->nlink;
	/* ids beyond 16 bits show as the overflow id, as high2lowuid() */
	t.st_uid = (u16)(st->uid > 0xffff ? 65534 : st->uid);
	t.st_gid = (u16)(st->gid > 0xffff ? 65534 : st->gid);
	t.st_rdev = dev_encode(st->rdev);
	t.st_size = (u32)st->size;
	t.st_blksize = st->blksize;
	t.st_blocks = (u32)st->blocks;
	t.st_atime = (u32)st->atime.sec;
	t.st_atime_nsec = st->atime.nsec;
	t.st_mtime = (u32)st->mtime.sec;
	t.st_mtime_nsec = st->mtime.nsec;
	t.st_ctime = (u32)st->ctime.sec;
	t.st_ctime_nsec = st->ctime.nsec;
	return copy_to_user(ubuf, &t, sizeof(t)) ? -EFAULT : 0;
}

COMPAT_SYSCALL_DEFINE2(newstat, const char __user *, filename,
		       void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, true), cp_compat_stat);
}

COMPAT_SYSCALL_DEFINE2(newlstat, const char __user *, filename,
		       void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, false), cp_compat_stat);
}

COMPAT_SYSCALL_DEFINE2(newfstat, unsigned int, fd, void __user *, statbuf)
{
	return STAT_CALL(vfs_fstat(fd, &__st), cp_compat_stat);
}

/* ---- i386 struct stat64 ----
 * Linux's cp_stat64() stores field by field and never touches the two
 * 4-byte pads, so neither do we: copy the three runs around them. */

static long cp_stat64(const struct kstat *st, void __user *ubuf)
{
	struct compat_stat64 t;
	char __user *u = ubuf;
	const char *k = (const char *)&t;
	size_t pad0 = offsetof(struct compat_stat64, __pad0);
	size_t ino32 = offsetof(struct compat_stat64, __st_ino);
	size_t pad3 = offsetof(struct compat_stat64, __pad3);
	size_t size = offsetof(struct compat_stat64, st_size);

	if (!access_ok(ubuf, sizeof(t)))
		return -EFAULT;
	memset(&t, 0, sizeof(t));
	t.st_dev = dev_encode(st->dev);
	t.__st_ino = (u32)st->ino;
	t.st_mode = st->mode;
	t.st_nlink = (u32)st->nlink;
	t.st_uid = st->uid;
	t.st_gid = st->gid;
	t.st_rdev = dev_encode(st->rdev);
	t.st_size = st->size;
	t.st_blksize = st->blksize;
	t.st_blocks = (s64)st->blocks;
	t.st_atime = (u32)st->atime.sec;
	t.st_atime_nsec = st->atime.nsec;
	t.st_mtime = (u32)st->mtime.sec;
	t.st_mtime_nsec = st->mtime.nsec;
	t.st_ctime = (u32)st->ctime.sec;
	t.st_ctime_nsec = st->ctime.nsec;
	t.st_ino = st->ino;
	if (copy_to_user(u, k, pad0) ||
	    copy_to_user(u + ino32, k + ino32, pad3 - ino32) ||
	    copy_to_user(u + size, k + size, sizeof(t) - size))
		return -EFAULT;
	return 0;
}

COMPAT_SYSCALL_DEFINE2(stat64, const char __user *, filename,
		       void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, true), cp_stat64);
}

COMPAT_SYSCALL_DEFINE2(lstat64, const char __user *, filename,
		       void __user *, statbuf)
{
	return STAT_CALL(vfs_stat(filename, &__st, false), cp_stat64);
}

COMPAT_SYSCALL_DEFINE2(fstat64, unsigned int, fd, void __user *, statbuf)
{
	return STAT_CALL(vfs_fstat(fd, &__st), cp_stat64);
}

COMPAT_SYSCALL_DEFINE4(fstatat64, int, dfd, const char __user *, filename,
		       void __user *, statbuf, int, flag)
{
	return STAT_CALL(vfs_fstatat(dfd, filename, flag, &__st, 0), cp_stat64);
}

/* ---- statx ---- */

static struct statx_timestamp stx_time(struct ktime t)
{
	struct statx_timestamp s = { .tv_sec = t.sec, .tv_nsec = t.nsec };
	return s;
}

/*
 * We fill the basic fields whatever the mask asks (as Linux may), and
 * report exactly those in stx_mask.  attributes_mask lists what a Linux
 * 6.x tmpfs root advertises as supported-and-meaningful (automount, DAX,
 * mount-root); only mount-root can be set, on "/".
 */
SYSCALL_DEFINE5(statx, int, dfd, const char __user *, filename,
		unsigned int, flags, unsigned int, mask, void __user *, buffer)
{
	struct kstat st;
	struct statx x;
	long err;

	if (mask & STATX__RESERVED)
		return -EINVAL;
	if ((flags & AT_STATX_SYNC_TYPE) == AT_STATX_SYNC_TYPE)
		return -EINVAL;
	err = vfs_fstatat(dfd, filename, (int)flags, &st, AT_STATX_SYNC_TYPE);
	if (err)
		return err;
	memset(&x, 0, sizeof(x));
	x.stx_mask = STATX_BASIC_STATS;
	x.stx_blksize = st.blksize;
	x.stx_attributes = st.is_root ? STATX_ATTR_MOUNT_ROOT : 0;
	x.stx_nlink = (u32)st.nlink;
	x.stx_mode = (u16)st.mode;
	x.stx_uid = st.uid;
	x.stx_gid = st.gid;
	x.stx_ino = st.ino;
	x.stx_size = (u64)st.size;
	x.stx_blocks = st.blocks;
	x.stx_attributes_mask = STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT |
				STATX_ATTR_DAX;
	x.stx_atime = stx_time(st.atime);
	x.stx_ctime = stx_time(st.ctime);
	x.stx_mtime = stx_time(st.mtime);
	x.stx_rdev_major = MAJOR(st.rdev);
	x.stx_rdev_minor = MINOR(st.rdev);
	x.stx_dev_major = MAJOR(st.dev);
	x.stx_dev_minor = MINOR(st.dev);
	return copy_to_user(buffer, &x, sizeof(x)) ? -EFAULT : 0;
}
