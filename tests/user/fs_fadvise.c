/*
 * posix_fadvise (fadvise64; i386 fadvise64 and fadvise64_64 with the
 * 64-bit values in two halves) and FS_IOC_GETFLAGS, both asked by dar on
 * every file it saves.  fadvise: any valid advice on a regular file
 * succeeds; EBADF, then ESPIPE for a pipe, then EINVAL for unknown
 * advice or a negative length.  GETFLAGS on a /tmp file succeeds (the
 * value is the filesystem's: 0 on xentry's ramfs), on a pipe is ENOTTY.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <linux/fs.h>
#include "ktap.h"
#include "sys.h"

static long fadv(int fd, long long off, long long len, int advice)
{
#ifdef __x86_64__
	return raw_syscall(__NR_fadvise64, fd, off, len, advice, 0, 0);
#else
	return raw_syscall(__NR_fadvise64_64, fd, (long)off, (long)(off >> 32),
			   (long)len, (long)(len >> 32), advice);
#endif
}

int main(void)
{
	char path[] = "/tmp/fs_fadviseXXXXXX";
	int fd = mkstemp(path), p[2], flags = -1;

	ktap_plan(9);
	unlink(path);
	pipe(p);
	ktap_eq(fadv(fd, 0, 0, 0), 0, "POSIX_FADV_NORMAL on a file");
	ktap_eq(fadv(fd, 1LL << 40, 4096, 4), 0, "POSIX_FADV_DONTNEED far beyond the end");
	ktap_eq(fadv(-1, 0, 0, 0), -EBADF, "a bad fd is EBADF");
	ktap_eq(fadv(p[0], 0, 0, 99), -ESPIPE, "a pipe is ESPIPE, before the advice is checked");
	ktap_eq(fadv(fd, 0, 0, 6), -EINVAL, "advice 6 is EINVAL");
	ktap_eq(fadv(fd, 0, -1, 0), -EINVAL, "a negative length is EINVAL");
#ifdef __x86_64__
	ktap_skip("i386 only", "fadvise64 with a 32-bit length");
#else
	ktap_eq(raw_syscall(__NR_fadvise64, fd, 0, 1, 4096, 1, 0), 0,
		"i386 fadvise64: offset in two halves, 32-bit length");
#endif
	ktap_eq(raw_syscall(__NR_ioctl, fd, FS_IOC_GETFLAGS, (long)&flags, 0, 0, 0), 0,
		"FS_IOC_GETFLAGS on a file");
	ktap_eq(raw_syscall(__NR_ioctl, p[0], FS_IOC_GETFLAGS, (long)&flags, 0, 0, 0), -ENOTTY,
		"FS_IOC_GETFLAGS on a pipe is ENOTTY");
	return ktap_finish();
}
