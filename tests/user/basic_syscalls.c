/*
 * basic_syscalls: the everyday system calls behave as on Linux.
 *
 * Processes: getpid == gettid for a single-threaded process; uname says
 * "Linux" and "x86_64" (an i386 task gets "x86_64" too unless it chose
 * PER_LINUX32, which this test does not) - except on a native i386
 * kernel, which says "i686".  Which kernel an i386 task is on, the CPU
 * tells by its %cs: 0x23 is compatibility mode under a 64-bit kernel, 0x73
 * a native i386 kernel's user code segment (kernel32.h); anything else is
 * a failure of its own.
 * Memory: brk grows and shrinks and hands out zeroed pages; anonymous mmap
 * is zeroed; munmap/mprotect take effect at once (checked by a child that
 * touches the page and dies of SIGSEGV); MAP_PRIVATE file mappings see the
 * file but never write to it; MADV_DONTNEED on private anonymous memory
 * refills it with zeros.
 * Time: CLOCK_MONOTONIC never goes back; nanosleep sleeps at least as long
 * as asked and returns 0.
 * Files: pipes, dup/dup2/dup3/fcntl descriptor rules and their errnos,
 * lseek, getdents64, readlink("/proc/self/exe"), create/read/unlink in
 * /tmp, mkdir/rmdir, umask, and ioctl(TCGETS) on a non-tty -> ENOTTY.
 *
 * Time calls go through raw_syscall() with the classic numbers
 * (clock_gettime 228/265, nanosleep 35/162, clock_nanosleep 230/267) and
 * the native "long" timespec, so the 32-bit build never relies on the
 * time64 calls or on the vDSO.
 */
#define _GNU_SOURCE /* dup3, struct statx */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <termios.h>
#include <time.h>

struct kts { long sec, nsec; }; /* the kernel's timespec for this ABI */

static const char *self;
static char tmpbase[64];

static long long now_ns(int clk)
{
	struct kts t;
	if (SC(SYS_clock_gettime, clk, &t) != 0)
		return -1;
	return (long long)t.sec * 1000000000LL + t.nsec;
}

/* Child helpers for "this access must kill the process". */
static int touch_read(void *p) { return *(volatile char *)p; }
static int touch_write(void *p) { *(volatile char *)p = 1; return 0; }
static int killed_by_segv(int (*fn)(void *), void *p)
{
	int st = run_in_child(fn, p);
	return st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
}

static int all_zero(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void test_process(void)
{
	ktap_eq(SC(SYS_gettid), getpid(), "gettid() == getpid() when single-threaded");
	struct utsname u;
	int r = uname(&u);
	if (!ktap_ok(r == 0 && strcmp(u.sysname, "Linux") == 0, "uname sysname is \"Linux\""))
		ktap_diag("sysname \"%s\"", u.sysname);
#ifdef __x86_64__
	if (!ktap_ok(r == 0 && strcmp(u.machine, "x86_64") == 0,
		     "uname machine is \"x86_64\" (also for an i386 task)"))
		ktap_diag("machine \"%s\"", u.machine);
#else
	/* The CPU says which kernel this is; uname must agree. */
	unsigned int cs = READ_SEG(cs);
	const char *want = cs == USER32_CS_NATIVE ? "i686" : "x86_64";
	if (!ktap_ok(r == 0 && (cs == USER32_CS_COMPAT || cs == USER32_CS_NATIVE) &&
			     strcmp(u.machine, want) == 0,
		     "uname machine is \"x86_64\" in compat mode (CS 0x23), \"i686\" on a "
		     "native i386 kernel (CS 0x73)"))
		ktap_diag("machine \"%s\", cs %#x", u.machine, cs);
#endif
	ktap_eq(SC(SYS_sched_yield), 0, "sched_yield returns 0");
	ktap_eq(SC(SYS_set_tid_address, 0), getpid(), "set_tid_address returns the tid");
}

static void test_brk(void)
{
	const long grow = 128 * 1024;
	long cur = SC(SYS_brk, 0);
	long top = SC(SYS_brk, cur + grow);
	unsigned char *lo = (unsigned char *)((cur + 4095) & ~4095L);
	size_t len = (unsigned char *)(cur + grow) - lo;
	ktap_ok(cur > 0 && top == cur + grow, "brk grows by 128 KiB");
	int zero = top == cur + grow && all_zero(lo, len);
	if (top == cur + grow)
		memset(lo, 0xa5, len);
	ktap_ok(zero && lo[len - 1] == 0xa5, "new brk memory is zeroed and writable");
	ktap_eq(SC(SYS_brk, cur), cur, "brk shrinks back");
	ktap_ok(killed_by_segv(touch_read, lo), "memory above a shrunk brk is gone (SIGSEGV)");
	top = SC(SYS_brk, cur + grow);
	ktap_ok(top == cur + grow && all_zero(lo, len),
		"brk memory grown again is zero, not the old contents");
	SC(SYS_brk, cur);
	/* Linux refuses a break below the data segment by returning the
	 * current break unchanged. */
	ktap_eq(SC(SYS_brk, 4096), cur, "brk below the data start fails: returns the old break");
}

static void test_mmap(void)
{
	size_t len = 3 * 4096;
	unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	int ok = p != MAP_FAILED && all_zero(p, len);
	if (ok)
		memset(p, 0x5a, len);
	ktap_ok(ok && p[len - 1] == 0x5a, "anonymous mmap is zeroed and writable");

	/* mprotect: read-only page can be read but writing kills. */
	ok = p != MAP_FAILED && mprotect(p + 4096, 4096, PROT_READ) == 0;
	ktap_ok(ok && p[4096] == 0x5a && killed_by_segv(touch_write, p + 4096) &&
		!killed_by_segv(touch_read, p + 4096),
		"mprotect(PROT_READ): reads work, a write is SIGSEGV");
	ok = p != MAP_FAILED && mprotect(p + 4096, 4096, PROT_READ | PROT_WRITE) == 0;
	if (ok)
		p[4096] = 1;
	ktap_ok(ok && p[4096] == 1, "mprotect back to read-write allows writes");

	/* MADV_DONTNEED drops private anonymous pages: they read as zero. */
	ok = p != MAP_FAILED && madvise(p, len, MADV_DONTNEED) == 0;
	ktap_ok(ok && all_zero(p, len), "madvise(MADV_DONTNEED) refills anonymous memory with zeros");

	ok = p != MAP_FAILED && munmap(p + 4096, 4096) == 0;
	ktap_ok(ok && killed_by_segv(touch_read, p + 4096) && !killed_by_segv(touch_read, p),
		"munmap of the middle page: it faults, its neighbour does not");
	ktap_eq(SC(SYS_munmap, (long)p + 1, 4096), -EINVAL, "munmap of an unaligned address: EINVAL");
	munmap(p, len);

	errno = 0;
	void *q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, 1000, 0);
	ktap_ok(q == MAP_FAILED && errno == EBADF, "mmap of a closed fd: EBADF");
	errno = 0;
	q = mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_ok(q == MAP_FAILED && errno == EINVAL, "mmap of length 0: EINVAL");

	/* A private file mapping shows the file; writes stay private. */
	int fd = open(self, O_RDONLY);
	unsigned char *f = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ok = f != MAP_FAILED && memcmp(f, "\177ELF", 4) == 0;
	ktap_ok(ok, "MAP_PRIVATE mapping of our own file starts with \\177ELF");
	unsigned char head[4] = { 0 };
	if (ok)
		f[0] = 'X';
	pread(fd, head, 4, 0);
	ktap_ok(ok && f[0] == 'X' && memcmp(head, "\177ELF", 4) == 0,
		"writes to a MAP_PRIVATE file mapping never reach the file");
	if (f != MAP_FAILED)
		munmap(f, 4096);
	close(fd);
}

static void test_time(void)
{
	long long prev = now_ns(CLOCK_MONOTONIC), bad = 0;
	for (int i = 0; i < 1000; i++) {
		long long t = now_ns(CLOCK_MONOTONIC);
		if (t < prev)
			bad++;
		prev = t;
	}
	ktap_ok(prev > 0 && bad == 0, "CLOCK_MONOTONIC never goes backwards (1000 reads)");

	struct kts res = { -1, -1 };
	long r = SC(SYS_clock_getres, CLOCK_MONOTONIC, &res);
	ktap_ok(r == 0 && res.sec == 0 && res.nsec > 0 && res.nsec <= 10000000,
		"clock_getres(CLOCK_MONOTONIC) is between 1 ns and 10 ms");

	/* Real time: Linux reads the RTC at boot; all three views agree. */
	long long rt = now_ns(CLOCK_REALTIME);
	struct { long sec, usec; } tv;
	long gr = SC(SYS_gettimeofday, &tv, 0);
	long t = SC(SYS_time, 0);
	ktap_ok(rt / 1000000000LL > 1577836800LL && gr == 0 &&
		tv.sec - rt / 1000000000LL <= 1 && t - rt / 1000000000LL <= 1 &&
		t >= rt / 1000000000LL,
		"CLOCK_REALTIME, gettimeofday and time agree and are past 2020");

	struct kts ts = { 0, 10 * 1000 * 1000 };
	long long t0 = now_ns(CLOCK_MONOTONIC);
	r = SC(SYS_nanosleep, &ts, 0);
	long long dt = now_ns(CLOCK_MONOTONIC) - t0;
	ktap_ok(r == 0 && dt >= 10000000LL, "nanosleep(10 ms) returns 0 after at least 10 ms");
	if (dt < 10000000LL)
		ktap_diag("slept %lld ns", dt);
	t0 = now_ns(CLOCK_MONOTONIC);
	r = SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &ts, 0);
	dt = now_ns(CLOCK_MONOTONIC) - t0;
	ktap_ok(r == 0 && dt >= 10000000LL, "clock_nanosleep(MONOTONIC, 10 ms) returns 0 after at least 10 ms");
	ts.nsec = 1000000000;
	ktap_eq(SC(SYS_nanosleep, &ts, 0), -EINVAL, "nanosleep with tv_nsec = 1e9: EINVAL");
}

static void test_random(void)
{
	unsigned char a[64], b[64];
	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	long ra = SC(SYS_getrandom, a, sizeof(a), 0);
	long rb = SC(SYS_getrandom, b, sizeof(b), 0);
	ktap_ok(ra == 64 && rb == 64 && !all_zero(a, 64) && memcmp(a, b, 64) != 0,
		"getrandom fills 64 bytes, differently each time");
}

static int write_to_readerless_pipe(void *arg)
{
	int *p = arg;
	default_signals(); /* the launcher may have ignored SIGPIPE */
	write(p[1], "x", 1);
	return 0; /* only if SIGPIPE did not kill us */
}

static void test_pipes_and_fds(void)
{
	int p[2];
	char buf[16] = { 0 };
	int ok = pipe(p) == 0 && write(p[1], "hello", 5) == 5 &&
		 read(p[0], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0;
	ktap_ok(ok, "pipe round trip");

	/* O_NONBLOCK set with F_SETFL: an empty pipe read gives EAGAIN. */
	int fl = fcntl(p[0], F_GETFL);
	errno = 0;
	ok = fl != -1 && (fl & O_ACCMODE) == O_RDONLY &&
	     fcntl(p[0], F_SETFL, fl | O_NONBLOCK) == 0 &&
	     (fcntl(p[0], F_GETFL) & O_NONBLOCK) && read(p[0], buf, 1) == -1 &&
	     errno == EAGAIN;
	ktap_ok(ok, "F_GETFL shows O_RDONLY; after F_SETFL O_NONBLOCK an empty pipe gives EAGAIN");

	close(p[1]);
	fcntl(p[0], F_SETFL, fl);
	ktap_eq(read(p[0], buf, 1), 0, "read of a pipe with no writers left: 0 (EOF)");
	close(p[0]);

	int st = -1;
	if (pipe(p) == 0) {
		close(p[0]); /* the only read end: now nobody can read */
		st = run_in_child(write_to_readerless_pipe, p);
		close(p[1]);
	}
	ktap_ok(st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == SIGPIPE,
		"write to a pipe without readers: killed by SIGPIPE");

	/* dup family. */
	int fd = open(self, O_RDONLY);
	int low = dup(fd);
	close(low);
	int d = dup(fd);
	ktap_eq(d, low, "dup returns the lowest free descriptor");
	close(d);
	ktap_eq(dup2(fd, 100), 100, "dup2(fd, 100) returns 100");
	char c1[4], c2[4];
	ok = read(100, c1, 4) == 4 && read(fd, c2, 4) == 4 &&
	     memcmp(c1, "\177ELF", 4) == 0 && lseek(fd, 0, SEEK_CUR) == 8;
	ktap_ok(ok, "dup2'd descriptors share one file offset");
	ktap_eq(SC(SYS_close, 100), 0, "close(100) succeeds");
	ktap_eq(SC(SYS_close, 100), -EBADF, "second close(100): EBADF");
	ktap_eq(dup2(fd, fd), fd, "dup2(fd, fd) returns fd");
	ktap_eq(SC(SYS_dup2, 1000, 5), -EBADF, "dup2 of a closed fd: EBADF");
	ktap_eq(SC(SYS_dup3, fd, fd, 0), -EINVAL, "dup3(fd, fd): EINVAL");
	ok = dup3(fd, 101, O_CLOEXEC) == 101 && fcntl(101, F_GETFD) == FD_CLOEXEC &&
	     fcntl(fd, F_GETFD) == 0;
	ktap_ok(ok, "dup3(O_CLOEXEC) sets FD_CLOEXEC on the new fd only");
	close(101);
	int e = fcntl(fd, F_DUPFD, 50);
	int f = fcntl(fd, F_DUPFD_CLOEXEC, 50);
	ktap_ok(e == 50 && f == 51 && fcntl(e, F_GETFD) == 0 && fcntl(f, F_GETFD) == FD_CLOEXEC,
		"F_DUPFD / F_DUPFD_CLOEXEC take the lowest fd >= 50");
	ok = fcntl(e, F_SETFD, FD_CLOEXEC) == 0 && fcntl(e, F_GETFD) == FD_CLOEXEC &&
	     fcntl(e, F_SETFD, 0) == 0 && fcntl(e, F_GETFD) == 0;
	ktap_ok(ok, "F_SETFD / F_GETFD round trip");
	close(e);
	close(f);
	ktap_eq(SC(SYS_read, fd, c1, 0), 0, "read of 0 bytes returns 0");
	ktap_eq(SC(SYS_write, fd, "x", 1), -EBADF, "write to a read-only fd: EBADF");
	close(fd);
}

static void test_files(void)
{
	/* Our own executable. */
	int fd = open(self, O_RDONLY);
	char magic[4] = { 0 };
	ktap_ok(fd >= 0 && read(fd, magic, 4) == 4 && memcmp(magic, "\177ELF", 4) == 0,
		"open + read of our own file gives the ELF magic");
	struct stat st, st2;
	int ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 4096;
	ktap_ok(ok && lseek(fd, 0, SEEK_END) == st.st_size,
		"lseek(SEEK_END) returns st_size of a regular file");
	ktap_ok(stat(self, &st2) == 0 && st2.st_ino == st.st_ino && st2.st_size == st.st_size,
		"stat and fstat agree");
	ktap_eq(SC(SYS_lseek, fd, -1, SEEK_SET), -EINVAL, "lseek to a negative offset: EINVAL");
	ktap_eq(pread(fd, magic, 4, 1) == 4 && lseek(fd, 0, SEEK_CUR) == st.st_size, 1,
		"pread does not move the file offset");
	close(fd);

	ktap_ok(stat("/", &st) == 0 && S_ISDIR(st.st_mode), "stat(\"/\") is a directory");
	ktap_ok(access(self, X_OK) == 0, "access(argv[0], X_OK) succeeds");
	ktap_eq(SC(SYS_faccessat, AT_FDCWD, "/nonexistent-xentry", F_OK), -ENOENT,
		"faccessat of a missing path: ENOENT");

	int p[2];
	pipe(p);
	ktap_eq(SC(SYS_lseek, p[0], 0, SEEK_SET), -ESPIPE, "lseek on a pipe: ESPIPE");
	close(p[0]);
	close(p[1]);

	/* A file in /tmp: create, write, read back, unlink. */
	char path[96];
	snprintf(path, sizeof(path), "%s.file", tmpbase);
	fd = open(path, O_RDWR | O_CREAT | O_EXCL, 0644);
	char out[] = "xentry test data", in[32] = { 0 };
	ok = fd >= 0 && write(fd, out, sizeof(out)) == sizeof(out) &&
	     lseek(fd, 0, SEEK_SET) == 0 && read(fd, in, sizeof(in)) == sizeof(out) &&
	     memcmp(in, out, sizeof(out)) == 0;
	ktap_ok(ok, "create, write, seek and read back a file in /tmp");
	errno = 0;
	ktap_ok(open(path, O_RDWR | O_CREAT | O_EXCL, 0644) == -1 && errno == EEXIST,
		"O_CREAT|O_EXCL on an existing file: EEXIST");
	struct iovec iov[2] = { { "ab", 2 }, { "cd", 2 } };
	char v1[2], v2[2];
	struct iovec riov[2] = { { v1, 2 }, { v2, 2 } };
	ok = lseek(fd, 0, SEEK_SET) == 0 && writev(fd, iov, 2) == 4 &&
	     lseek(fd, 0, SEEK_SET) == 0 && readv(fd, riov, 2) == 4 &&
	     memcmp(v1, "ab", 2) == 0 && memcmp(v2, "cd", 2) == 0;
	ktap_ok(ok, "writev then readv round trip");
	struct statx sx;
	ok = fstat(fd, &st) == 0 &&
	     SC(SYS_statx, AT_FDCWD, path, 0, STATX_BASIC_STATS, &sx) == 0 &&
	     (long long)sx.stx_size == (long long)st.st_size && sx.stx_ino == st.st_ino &&
	     st.st_size == (off_t)sizeof(out);
	ktap_ok(ok, "statx and fstat agree on size and inode");
	close(fd);
	ktap_eq(unlink(path), 0, "unlink succeeds");
	errno = 0;
	ktap_ok(open(path, O_RDONLY) == -1 && errno == ENOENT, "open after unlink: ENOENT");

	/* umask applies to the creation mode. */
	mode_t old = umask(077);
	snprintf(path, sizeof(path), "%s.umask", tmpbase);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0666);
	ok = fd >= 0 && fstat(fd, &st) == 0 && (st.st_mode & 0777) == 0600;
	mode_t mid = umask(old);
	ktap_ok(ok && mid == 077, "umask(077): a 0666 file is created 0600; umask returns the old mask");
	close(fd);
	unlink(path);

	/* Directories. */
	snprintf(path, sizeof(path), "%s.dir", tmpbase);
	ok = mkdir(path, 0755) == 0;
	ktap_eq(SC(SYS_mkdir, path, 0755), -EEXIST, "mkdir of an existing directory: EEXIST");
	char inner[128];
	snprintf(inner, sizeof(inner), "%s/f", path);
	close(open(inner, O_WRONLY | O_CREAT, 0644));
	ktap_eq(SC(SYS_rmdir, path), -ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
	unlink(inner);
	ktap_ok(ok && rmdir(path) == 0 && SC(SYS_rmdir, path) == -ENOENT,
		"mkdir, rmdir, then rmdir again: ENOENT");

	/* getcwd names the current directory; chdir changes it. */
	char cwd[4096];
	ok = SC(SYS_getcwd, cwd, sizeof(cwd)) > 0 && cwd[0] == '/' &&
	     stat(cwd, &st) == 0 && stat(".", &st2) == 0 && st.st_ino == st2.st_ino;
	ktap_ok(ok, "getcwd returns an absolute path naming \".\"");
	ok = chdir("/tmp") == 0 && stat(".", &st) == 0 && stat("/tmp", &st2) == 0 &&
	     st.st_ino == st2.st_ino && chdir(cwd) == 0;
	ktap_ok(ok, "chdir(\"/tmp\") then back");

	fd = open("/dev/null", O_RDWR);
	struct termios tio;
	ktap_eq(SC(SYS_ioctl, fd, TCGETS, &tio), -ENOTTY, "ioctl(TCGETS) on /dev/null: ENOTTY");
	ktap_ok(write(fd, "abc", 3) == 3 && read(fd, in, 3) == 0,
		"/dev/null swallows writes and reads as EOF");
	close(fd);
}

/* dirname(argv[0]) must list basename(argv[0]). */
static void test_getdents(void)
{
	char dir[256];
	const char *base = strrchr(self, '/');
	if (!base) {
		strcpy(dir, ".");
		base = self;
	} else {
		size_t n = base - self;
		if (n == 0)
			n = 1; /* "/name" lives in "/" */
		memcpy(dir, self, n);
		dir[n] = 0;
		base++;
	}
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	int found = 0, dots = 0;
	char buf[4096];
	long n;
	while (fd >= 0 && (n = SC(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < n;) {
			/* struct linux_dirent64: ino 8, off 8, reclen 2, type 1, name */
			unsigned short reclen;
			memcpy(&reclen, buf + off + 16, 2);
			const char *name = buf + off + 19;
			if (strcmp(name, base) == 0 && buf[off + 18] == 8 /* DT_REG */)
				found = 1;
			if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
				dots++;
			if (reclen == 0)
				break;
			off += reclen;
		}
	}
	close(fd);
	ktap_ok(found && dots == 2,
		"getdents64(\"%s\") lists \".\", \"..\" and \"%s\" as a regular file", dir, base);
}

static void test_readlink(void)
{
	char buf[4096];
	memset(buf, '#', sizeof(buf));
	long n = SC(SYS_readlink, "/proc/self/exe", buf, sizeof(buf) - 1);
	const char *base = strrchr(self, '/');
	base = base ? base : self;
	size_t bl = strlen(base);
	int ok = n > 0 && buf[n] == '#'; /* readlink does not NUL-terminate */
	buf[n > 0 ? n : 0] = 0;
	ok = ok && buf[0] == '/' && (size_t)n >= bl && strcmp(buf + n - bl, base) == 0;
	if (!ktap_ok(ok, "readlink(\"/proc/self/exe\") is an absolute path ending in our name"))
		ktap_diag("got %ld \"%s\"", n, buf);
}

static void test_limits(void)
{
	struct { uint64_t cur, max; } a, b;
	struct { unsigned long cur, max; } c;
#ifdef __x86_64__
	long nr = SYS_getrlimit;
#else
	long nr = SYS_ugetrlimit;
#endif
	int ok = SC(SYS_prlimit64, 0, 7 /* RLIMIT_NOFILE */, 0, &a) == 0 &&
		 SC(nr, 7, &c) == 0 && a.cur <= a.max && a.cur == c.cur;
	ktap_ok(ok, "prlimit64 and getrlimit report the same RLIMIT_NOFILE");
	b.cur = a.cur > 64 ? 64 : a.cur;
	b.max = a.max;
	ok = SC(SYS_prlimit64, 0, 7, &b, 0) == 0 &&
	     SC(SYS_prlimit64, 0, 7, &a, &b) == 0 && b.cur == (a.cur > 64 ? 64 : a.cur);
	ktap_ok(ok, "prlimit64 sets a limit and returns the old one");
}

int main(int argc, char **argv)
{
	(void)argc;
	self = argv[0];
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	snprintf(tmpbase, sizeof(tmpbase), "/tmp/basic_syscalls.%d", (int)getpid());
	ktap_plan(72);
	test_process();
	test_brk();
	test_mmap();
	test_time();
	test_random();
	test_pipes_and_fds();
	test_files();
	test_getdents();
	test_readlink();
	test_limits();
	return ktap_finish();
}
