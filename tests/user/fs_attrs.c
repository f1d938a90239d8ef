/*
 * Attributes: chmod/fchmod/fchmodat, the chown family (i386's 16-bit
 * chown calls too), utimensat/futimens/utimes/utime with UTIME_NOW and
 * UTIME_OMIT, the times write/truncate/chmod change, fsync/fdatasync/
 * sync/syncfs, statfs/fstatfs (i386 statfs64's size argument), and the
 * open flags a shell relies on: O_APPEND, O_CLOEXEC, dup3, F_DUPFD_CLOEXEC
 * and "<>" (O_RDWR on an existing file).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>
#include <utime.h>
#include "ktap.h"
#include "sys.h"

#define TMPFS_MAGIC 0x01021994

static long ERR(long r)
{
	return r < 0 ? -errno : r;
}

static struct stat S(const char *path)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	lstat(path, &st);
	return st;
}

static long long ns(struct timespec t)
{
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_REALTIME, &t);
	return ns(t);
}

int main(void)
{
	char dir[] = "/tmp/fs_attrsXXXXXX";
	struct stat st;
	struct utsname u;
	int fd, p[2];

	ktap_plan(45);
	if (!mkdtemp(dir) || chdir(dir)) {
		ktap_diag("no scratch directory");
		return 1;
	}
	uname(&u);

	/* ---- modes ---- */
	fd = open("f", O_RDWR | O_CREAT, 0600);
	ktap_eq(ERR(chmod("f", 0640)), 0, "chmod");
	ktap_eq(S("f").st_mode, S_IFREG | 0640, "stat shows the new mode");
	ktap_eq(ERR(fchmod(fd, 04711)), 0, "fchmod with set-uid");
	ktap_eq(S("f").st_mode, S_IFREG | 04711, "stat shows it");
	ktap_eq(ERR(fchmodat(AT_FDCWD, "f", 0644, 0)), 0, "fchmodat");
	ktap_eq(ERR(chmod("nope", 0644)), -ENOENT, "chmod of a missing file: ENOENT");
	ktap_eq(ERR(fchmod(-1, 0644)), -EBADF, "fchmod of a bad fd: EBADF");

	/* ---- owners ---- */
	ktap_eq(ERR(chown("f", 1000, 2000)), 0, "chown");
	st = S("f");
	ktap_ok(st.st_uid == 1000 && st.st_gid == 2000, "stat shows uid 1000 gid 2000");
	ktap_eq(ERR(fchown(fd, -1, 3000)), 0, "fchown with uid -1 (keep)");
	st = S("f");
	ktap_ok(st.st_uid == 1000 && st.st_gid == 3000, "only the group changed");
	symlink("f", "s");
	ktap_eq(ERR(lchown("s", 7, 8)), 0, "lchown of a symlink");
	ktap_ok(S("s").st_uid == 7 && S("f").st_uid == 1000, "changes the link, not the target");
	ktap_eq(ERR(fchownat(AT_FDCWD, "s", 9, 9, 0)), 0, "fchownat follows");
	ktap_ok(S("f").st_uid == 9 && S("s").st_uid == 7, "and changed the target");
	ktap_eq(ERR(fchownat(AT_FDCWD, "s", 9, 9, 0x8000)), -EINVAL, "fchownat bad flag: EINVAL");
	chmod("f", 04755);
	chown("f", 0, 0);
	ktap_eq(S("f").st_mode & 07777, 0755, "chown drops set-uid, even for root");
#ifdef __i386__
	ktap_eq(SC(182 /* chown16 */, "f", 5, 0xffff), 0, "i386 chown16 (0xffff = keep)");
	ktap_ok(S("f").st_uid == 5 && S("f").st_gid == 0, "uid 5, gid kept");
	ktap_eq(SC(95 /* fchown16 */, fd, 0xffff, 6), 0, "i386 fchown16");
	ktap_ok(S("f").st_uid == 5 && S("f").st_gid == 6, "gid 6, uid kept");
#else
	for (int i = 0; i < 4; i++)
		ktap_skip("i386 only", "16-bit chown");
#endif

	/* ---- times ---- */
	struct timespec ts[2] = { { 1000000000, 5 }, { 1100000000, 7 } };
	ktap_eq(ERR(utimensat(AT_FDCWD, "f", ts, 0)), 0, "utimensat with explicit times");
	st = S("f");
	ktap_ok(st.st_atim.tv_sec == 1000000000 && st.st_atim.tv_nsec == 5 &&
		st.st_mtim.tv_sec == 1100000000 && st.st_mtim.tv_nsec == 7,
		"atime and mtime as given, to the nanosecond");
	long long before = now_ns() - 1000000000LL;
	struct timespec omit_now[2] = { { 0, UTIME_OMIT }, { 0, UTIME_NOW } };
	ktap_eq(ERR(futimens(fd, omit_now)), 0, "futimens with UTIME_OMIT/UTIME_NOW");
	st = S("f");
	ktap_ok(st.st_atim.tv_sec == 1000000000 && ns(st.st_mtim) > before &&
		ns(st.st_ctim) > before, "atime kept; mtime and ctime are now");
	struct timespec omit2[2] = { { 0, UTIME_OMIT }, { 0, UTIME_OMIT } };
	ktap_eq(ERR(utimensat(AT_FDCWD, "nope", omit2, 0)), 0,
		"both UTIME_OMIT: success without even a lookup");
	struct timespec bad[2] = { { 0, 1000000000 }, { 0, 0 } };
	ktap_eq(ERR(utimensat(AT_FDCWD, "f", bad, 0)), -EINVAL, "nsec out of range: EINVAL");
	ktap_eq(ERR(utimensat(AT_FDCWD, "nope", bad, 0)), -ENOENT, "...checked after the lookup");
	struct timeval tv[2] = { { 2000, 3 }, { 3000, 4 } };
	utimes("f", tv);
	st = S("f");
	ktap_ok(st.st_atim.tv_nsec == 3000 && st.st_mtim.tv_sec == 3000 &&
		st.st_mtim.tv_nsec == 4000, "utimes: microseconds");
	struct utimbuf ub = { 4000, 5000 };
	utime("f", &ub);
	st = S("f");
	ktap_ok(st.st_atime == 4000 && st.st_mtime == 5000 && st.st_mtim.tv_nsec == 0,
		"utime: whole seconds");
	write(fd, "x", 1);
	ktap_ok(S("f").st_mtime > 5000, "write updates mtime");
	utime("f", &ub);
	ftruncate(fd, 0);
	ktap_ok(S("f").st_mtime > 5000, "ftruncate updates mtime");
	utime("f", &ub);
	struct stat a = S("f");
	chmod("f", 0600);
	struct stat b = S("f");
	ktap_ok(b.st_mtime == 5000 && ns(b.st_ctim) >= ns(a.st_ctim),
		"chmod changes ctime, not mtime");

	/* ---- sync ---- */
	pipe(p);
	ktap_ok(fsync(fd) == 0 && fdatasync(fd) == 0, "fsync, fdatasync of a file: 0");
	ktap_eq(ERR(fsync(p[0])), -EINVAL, "fsync of a pipe: EINVAL");
	ktap_eq(ERR(fsync(-1)), -EBADF, "fsync of a bad fd: EBADF");
	sync();
	ktap_ok(syncfs(fd) == 0 && ERR(syncfs(99)) == -EBADF, "syncfs: 0, or EBADF");

	/* ---- statfs ---- */
	struct statfs sf, sf2;
	ktap_ok(statfs(".", &sf) == 0 && fstatfs(fd, &sf2) == 0 &&
		sf.f_type == sf2.f_type && sf.f_bsize > 0 && sf.f_namelen == 255,
		"statfs and fstatfs agree; f_namelen 255");
	if (strstr(u.release, "xentry") || sf.f_type == TMPFS_MAGIC)
		ktap_eq(sf.f_type, TMPFS_MAGIC, "f_type is TMPFS_MAGIC");
	else
		ktap_skip("this host's /tmp is not tmpfs", "f_type is TMPFS_MAGIC");
	ktap_eq(ERR(fstatfs(-1, &sf)), -EBADF, "fstatfs of a bad fd: EBADF");
#ifdef __i386__
	char big[100];
	ktap_ok(SC(268 /* statfs64 */, ".", 84, big) == 0 &&
		SC(268, ".", 88, big) == -EINVAL && SC(269, fd, 80, big) == -EINVAL,
		"i386 statfs64/fstatfs64 insist on their 84-byte size");
#else
	ktap_skip("i386 only", "statfs64 size argument");
#endif

	/* ---- open flags ---- */
	int ap = open("log", O_WRONLY | O_CREAT | O_APPEND, 0644);
	write(ap, "ab", 2);
	lseek(ap, 0, SEEK_SET);
	write(ap, "cd", 2);
	ktap_eq(S("log").st_size, 4, "O_APPEND writes at the end after a seek");
	int rw = open("log", O_RDWR);		/* the shell's <> */
	char buf[8] = { 0 };
	read(rw, buf, 2);
	write(rw, "XY", 2);
	pread(rw, buf, 4, 0);
	ktap_ok(memcmp(buf, "abXY", 4) == 0 && S("log").st_size == 4,
		"O_RDWR on an existing file reads and writes in place");
	int ce = open("log", O_RDONLY | O_CLOEXEC);
	int d3 = dup3(ce, 50, O_CLOEXEC);
	int dc = fcntl(ce, F_DUPFD_CLOEXEC, 60);
	ktap_ok(fcntl(ce, F_GETFD) == FD_CLOEXEC && d3 == 50 &&
		fcntl(50, F_GETFD) == FD_CLOEXEC && dc >= 60 &&
		fcntl(dc, F_GETFD) == FD_CLOEXEC && dup(ce) >= 0,
		"O_CLOEXEC, dup3(O_CLOEXEC), F_DUPFD_CLOEXEC set FD_CLOEXEC");
	ktap_ok(ERR(dup3(ce, ce, 0)) == -EINVAL && ERR(dup3(ce, 51, O_RDONLY | 1)) == -EINVAL,
		"dup3 to itself or with a bad flag: EINVAL");
	return ktap_finish();
}
