/*
 * Setting file times: utimensat, futimens (utimensat with a NULL path),
 * utimes, futimesat, utime; each in the x86-64 layout, the i386 one with
 * 32-bit seconds, and i386's utimensat_time64.
 *
 * Linux's rules: UTIME_NOW takes the current time, UTIME_OMIT leaves a
 * time alone, both OMIT returns 0 before even looking at the path or the
 * descriptor; other nanoseconds must be 0..999999999 (EINVAL, checked
 * after the lookup); ctime always becomes "now".  utimes' microseconds
 * are checked first, so that UTIME_NOW/OMIT cannot sneak in through them.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

#define UTIME_NOW  ((1L << 30) - 1)
#define UTIME_OMIT ((1L << 30) - 2)
#define NSEC 1000000000LL

struct kts { s64 sec; long nsec; };

static bool nsec_valid(long nsec)
{
	return nsec == UTIME_NOW || nsec == UTIME_OMIT || (nsec >= 0 && nsec < NSEC);
}

static int set_times(struct inode *ino, const struct kts *t)
{
	s64 now = fs_now();

	if (t) {
		if (!nsec_valid(t[0].nsec) || !nsec_valid(t[1].nsec))
			return -EINVAL;
		if (t[0].nsec != UTIME_OMIT)
			ino->atime = t[0].nsec == UTIME_NOW ? now
				     : t[0].sec * NSEC + t[0].nsec;
		if (t[1].nsec != UTIME_OMIT)
			ino->mtime = t[1].nsec == UTIME_NOW ? now
				     : t[1].sec * NSEC + t[1].nsec;
	} else {
		ino->atime = ino->mtime = now;
	}
	ino->ctime = now;
	return 0;
}

static long do_utimes(int dfd, const char __user *filename, const struct kts *t,
		      int flags)
{
	struct inode *ino;
	int err;

	if (!filename && dfd != AT_FDCWD) {	/* futimens */
		struct file *f;
		if (flags)
			return -EINVAL;
		f = fget_io((unsigned int)dfd);
		if (!f)
			return -EBADF;
		err = set_times(f->inode, t);
		fput(f);
		return err;
	}
	err = user_path_at_flags(dfd, filename, flags, 0, &ino);
	if (err)
		return err;
	err = set_times(ino, t);
	inode_put(ino);
	return err;
}

/* ---- utimensat: two timespecs ---- */

struct ts64 { s64 sec, nsec; };
struct ts32 { s32 sec, nsec; };

static long utimensat_common(int dfd, const char __user *filename,
			     const struct kts *t, int flags)
{
	if (t && t[0].nsec == UTIME_OMIT && t[1].nsec == UTIME_OMIT)
		return 0;
	return do_utimes(dfd, filename, t, flags);
}

SYSCALL_DEFINE4(utimensat, int, dfd, const char __user *, filename,
		const void __user *, utimes, int, flags)
{
	struct ts64 u[2];
	struct kts t[2];

	if (!utimes)
		return utimensat_common(dfd, filename, NULL, flags);
	if (copy_from_user(u, utimes, sizeof(u)))
		return -EFAULT;
	for (int i = 0; i < 2; i++)
		t[i] = (struct kts){ u[i].sec, (long)u[i].nsec };
	return utimensat_common(dfd, filename, t, flags);
}

/* i386 time64: 64-bit fields, but the upper half of nsec is padding. */
COMPAT_SYSCALL_DEFINE4(utimensat_time64, int, dfd, const char __user *, filename,
		       const void __user *, utimes, int, flags)
{
	struct ts64 u[2];
	struct kts t[2];

	if (!utimes)
		return utimensat_common(dfd, filename, NULL, flags);
	if (copy_from_user(u, utimes, sizeof(u)))
		return -EFAULT;
	for (int i = 0; i < 2; i++)
		t[i] = (struct kts){ u[i].sec, (long)(u[i].nsec & 0xffffffffL) };
	return utimensat_common(dfd, filename, t, flags);
}

COMPAT_SYSCALL_DEFINE4(utimensat, int, dfd, const char __user *, filename,
		       const void __user *, utimes, int, flags)
{
	struct ts32 u[2];
	struct kts t[2];

	if (!utimes)
		return utimensat_common(dfd, filename, NULL, flags);
	if (copy_from_user(u, utimes, sizeof(u)))
		return -EFAULT;
	for (int i = 0; i < 2; i++)
		t[i] = (struct kts){ u[i].sec, u[i].nsec };
	return utimensat_common(dfd, filename, t, flags);
}

/* ---- utimes/futimesat: two timevals ---- */

static long timeval_times(int dfd, const char __user *filename,
			  const void __user *utimes, bool compat)
{
	struct kts t[2];

	if (!utimes)
		return do_utimes(dfd, filename, NULL, 0);
	for (int i = 0; i < 2; i++) {
		s64 sec, usec;
		if (compat) {
			s32 v[2];
			if (copy_from_user(v, (const char __user *)utimes + 8 * i, 8))
				return -EFAULT;
			sec = v[0], usec = v[1];
		} else {
			s64 v[2];
			if (copy_from_user(v, (const char __user *)utimes + 16 * i, 16))
				return -EFAULT;
			sec = v[0], usec = v[1];
		}
		if (usec < 0 || usec >= 1000000)
			return -EINVAL;
		t[i] = (struct kts){ sec, (long)usec * 1000 };
	}
	return do_utimes(dfd, filename, t, 0);
}

SYSCALL_DEFINE2(utimes, const char __user *, filename, const void __user *, utimes)
{
	return timeval_times(AT_FDCWD, filename, utimes, false);
}

SYSCALL_DEFINE3(futimesat, int, dfd, const char __user *, filename,
		const void __user *, utimes)
{
	return timeval_times(dfd, filename, utimes, false);
}

COMPAT_SYSCALL_DEFINE2(utimes, const char __user *, filename,
		       const void __user *, utimes)
{
	return timeval_times(AT_FDCWD, filename, utimes, true);
}

COMPAT_SYSCALL_DEFINE3(futimesat, int, dfd, const char __user *, filename,
		       const void __user *, utimes)
{
	return timeval_times(dfd, filename, utimes, true);
}

/* ---- utime: struct utimbuf { actime, modtime } in whole seconds ---- */

static long utime_common(const char __user *filename, const void __user *times,
			 bool compat)
{
	struct kts t[2];
	s64 a, m;

	if (!times)
		return do_utimes(AT_FDCWD, filename, NULL, 0);
	if (compat) {
		s32 v[2];
		if (copy_from_user(v, times, sizeof(v)))
			return -EFAULT;
		a = v[0], m = v[1];
	} else {
		s64 v[2];
		if (copy_from_user(v, times, sizeof(v)))
			return -EFAULT;
		a = v[0], m = v[1];
	}
	t[0] = (struct kts){ a, 0 };
	t[1] = (struct kts){ m, 0 };
	return do_utimes(AT_FDCWD, filename, t, 0);
}

SYSCALL_DEFINE2(utime, const char __user *, filename, const void __user *, times)
{
	return utime_common(filename, times, false);
}

COMPAT_SYSCALL_DEFINE2(utime, const char __user *, filename,
		       const void __user *, times)
{
	return utime_common(filename, times, true);
}
