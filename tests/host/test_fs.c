/*
 * Host test of the filesystem layer (fs/) through its system-call
 * entry points, against the stub core in fs_stubs.c.  Prints KTAP.
 *
 * Each call goes through the same generated wrapper the syscall table
 * will hold (__x64_sys_*, __ia32_compat_sys_*), with arguments in a
 * struct pt_regs, so argument conversion is exercised too.  The expected
 * values are Linux's; the user-space tests in tests/user check the same
 * things against a real Linux.
 */
#include <xentry/kernel.h>
#include <xentry/syscalls.h>
#include <xentry/fs.h>
#include "uapi.h"
#include "fs_stubs.h"

int printf(const char *fmt, ...);
int fork(void);
int waitpid(int pid, int *status, int options);
void *malloc(size_t n);
void free(void *p);
char *strcat(char *d, const char *s);
void *mmap(void *addr, size_t len, int prot, int flags, int fd, long off);
int setvbuf(void *stream, char *buf, int mode, size_t size);
extern void *stdout;
void _Exit(int status) __attribute__((noreturn));

/* ---- calling system calls ---- */

#define P(x) ((long)(unsigned long)(x))

static long call64(syscall_fn_t fn, const long *a)
{
	struct pt_regs r = { 0 };

	r.di = (unsigned long)a[0]; r.si = (unsigned long)a[1];
	r.dx = (unsigned long)a[2]; r.r10 = (unsigned long)a[3];
	r.r8 = (unsigned long)a[4]; r.r9 = (unsigned long)a[5];
	return fn(&r);
}

/* i386 arguments: the registers hold 32-bit values. */
static long call32(syscall_fn_t fn, const long *a)
{
	struct pt_regs r = { 0 };

	r.bx = (u32)a[0]; r.cx = (u32)a[1]; r.dx = (u32)a[2];
	r.si = (u32)a[3]; r.di = (u32)a[4]; r.bp = (u32)a[5];
	return (long)(int)fn(&r);	/* eax, sign-extended for comparison */
}

#define DECL64(n) long __x64_sys_##n(const struct pt_regs *);
#define DECL32(n) long __ia32_compat_sys_##n(const struct pt_regs *);
DECL64(read) DECL64(write) DECL64(open) DECL64(close) DECL64(newstat)
DECL64(newfstat) DECL64(newlstat) DECL64(lseek) DECL64(ioctl) DECL64(pread64)
DECL64(pwrite64) DECL64(readv) DECL64(writev) DECL64(access) DECL64(pipe)
DECL64(dup) DECL64(dup2) DECL64(fcntl) DECL64(getcwd) DECL64(chdir)
DECL64(mkdir) DECL64(rmdir) DECL64(unlink) DECL64(readlink) DECL64(chmod)
DECL64(umask) DECL64(getdents64) DECL64(openat) DECL64(mkdirat)
DECL64(newfstatat) DECL64(unlinkat) DECL64(readlinkat) DECL64(faccessat)
DECL64(faccessat2) DECL64(dup3) DECL64(pipe2) DECL64(statx)
DECL32(lseek) DECL32(newstat) DECL32(newfstat) DECL32(llseek) DECL32(readv)
DECL32(ia32_pread64) DECL32(stat64) DECL32(fstat64)
long __ia32_sys_open(const struct pt_regs *);

#define SYS(n, ...) call64(__x64_sys_##n, (long[]){ __VA_ARGS__, 0, 0, 0, 0, 0, 0 })
#define SYS0(n) call64(__x64_sys_##n, (long[6]){ 0 })
#define COMPAT(n, ...) call32(__ia32_compat_sys_##n, (long[]){ __VA_ARGS__, 0, 0, 0, 0, 0, 0 })

/* i386 pointers are 32 bits: compat calls get buffers below 4 GiB. */
static char *low_mem;
static size_t low_used;

static void *lo(const void *src, size_t n)
{
	char *p = low_mem + low_used;

	low_used += (n + 15) & ~15UL;
	if (src)
		memcpy(p, src, n);
	else
		memset(p, 0, n);
	return p;
}

/* ---- KTAP ---- */

#define NTESTS 166
static int test_no, failures;

#define CHECK(cond, ...) check_((cond), #cond, __VA_ARGS__)
static void check_(bool ok, const char *expr, const char *name)
{
	printf("%s %d %s\n", ok ? "ok" : "not ok", ++test_no, name);
	if (!ok) {
		printf("#   failed: %s\n", expr);
		failures++;
	}
}

/* ---- an initramfs ---- */

static unsigned char arc[1 << 16];
static size_t arc_len;

static void put(const void *p, size_t n)
{
	memcpy(arc + arc_len, p, n);
	arc_len += n;
	while (arc_len % 4)
		arc[arc_len++] = 0;
}

static void entry(const char *name, unsigned int ino, unsigned int mode,
		  unsigned int nlink, const char *data)
{
	char h[111];
	size_t n = data ? strlen(data) : 0;

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 ino, mode, 0, 0, nlink, 1000, (unsigned int)n, 0, 0,
		 (mode & S_IFMT) == S_IFCHR ? 1 : 0, (mode & S_IFMT) == S_IFCHR ? 3 : 0,
		 (unsigned int)strlen(name) + 1, 0);
	memcpy(arc + arc_len, h, 110);
	arc_len += 110;
	memcpy(arc + arc_len, name, strlen(name) + 1);
	arc_len += strlen(name) + 1;
	put("", 0);
	put(data ? data : "", n);
}

static void build_archive(void)
{
	entry("bin", 1, 040755, 2, NULL);
	entry("bin/hello", 2, 0100755, 1, "#!hello world\n");
	entry("bin/sh", 3, 0120777, 1, "hello");
	entry("etc/passwd", 4, 0100644, 1, "root:x:0:0::/:/bin/sh\n");  /* no "etc" */
	entry("etc/loop1", 5, 0120777, 1, "loop2");
	entry("etc/loop2", 6, 0120777, 1, "loop1");
	entry("etc/dangling", 7, 0120777, 1, "/tmp/made-by-symlink");
	entry("etc/abs", 8, 0120777, 1, "/bin");
	entry("link1", 9, 0100600, 2, NULL);
	entry("link2", 9, 0100600, 2, "linked data");
	entry("mynull", 10, 020666, 1, NULL);
	entry("TRAILER!!!", 0, 0, 1, NULL);
}

/* ---- helpers ---- */

static char buf[70000];

static long open_(const char *p, int flags, int mode)
{
	return SYS(open, P(p), flags, mode);
}

static long write_str(long fd, const char *s)
{
	return SYS(write, fd, P(s), (long)strlen(s));
}

static struct stat64_native st;

static long stat_(const char *p)
{
	return SYS(newstat, P(p), P(&st));
}

/* ---- tests ---- */

static void test_boot(void)
{
	struct inode *ino;

	build_archive();
	vfs_init(arc, arc_len);
	stub_task.files = files_new_console();
	static struct fs_struct stub_fs = { .users = 1, .umask = 022 };
	stub_task.fs = &stub_fs;
	stub_task.fs->cwd = root_inode();
	inode_get(stub_task.fs->cwd);

	CHECK(stat_("/bin/hello") == 0 && st.st_mode == 0100755 && st.st_size == 14 &&
	      st.st_nlink == 1 && st.st_blksize == 4096 && st.st_blocks == 8 &&
	      st.st_mtime == 1000, "cpio file: mode, size, nlink, blocks, mtime");
	CHECK(stat_("/etc") == 0 && st.st_mode == 040755 && st.st_nlink == 2,
	      "implicit parent directory created 0755");
	CHECK(stat_("/bin") == 0 && st.st_nlink == 2 && st.st_size == 40 + 2 * 20,
	      "directory nlink and tmpfs-style size");
	CHECK(stat_("/") == 0 && st.st_ino == 1 && st.st_nlink == 6,
	      "root is inode 1 with nlink 2 + subdirs (bin etc dev tmp)");
	CHECK(stat_("/dev/console") == 0 && st.st_mode == 020600 &&
	      st.st_rdev == ((5 << 8) | 1), "/dev/console created, char 5:1");
	CHECK(stat_("/dev/null") == 0 && st.st_rdev == ((1 << 8) | 3) &&
	      stat_("/dev/zero") == 0 && st.st_rdev == ((1 << 8) | 5),
	      "/dev/null 1:3 and /dev/zero 1:5");
	CHECK(stat_("/tmp") == 0 && st.st_mode == 041777, "/tmp created 01777");
	struct stat64_native a, b;
	SYS(newstat, P("/link1"), P(&a));
	SYS(newstat, P("/link2"), P(&b));
	CHECK(a.st_ino == b.st_ino && a.st_nlink == 2 && a.st_size == 11,
	      "cpio hard links share one inode with the data");
	CHECK(stat_("/mynull") == 0 && st.st_mode == 020666, "cpio device node");
	CHECK(vfs_lookup("/bin/sh", &ino) == 0 && inode_is_reg(ino) &&
	      inode_is_exec(ino) && inode_size(ino) == 14 &&
	      inode_read(ino, buf, 100, 2) == 12 && memcmp(buf, "hello world\n", 12) == 0,
	      "vfs_lookup follows a symlink; inode_read at an offset");
	inode_put(ino);
	CHECK(vfs_lookup("/nope", &ino) == -ENOENT, "vfs_lookup ENOENT");
}

static void test_console(void)
{
	struct ktermios_user t;
	struct winsize w;

	stub_console_out_len = 0;
	CHECK(write_str(1, "hi\n") == 3 && stub_console_out_len == 3 &&
	      memcmp(stub_console_out, "hi\n", 3) == 0, "write to the console");
	CHECK(SYS(write, 1, P(stub_bad_page), 10) == -EFAULT, "write, bad buffer: EFAULT");
	CHECK(SYS(write, 1, P(0xffff888000000000UL), 10) == -EFAULT,
	      "write, kernel address: EFAULT");
	CHECK(SYS(write, 77, P("x"), 1) == -EBADF && SYS(write, -1, P("x"), 1) == -EBADF,
	      "write, bad fd: EBADF");
	/* Canonical mode: a read waits for a whole line, one line per read;
	 * ^D ends a line without being read; DEL erases. */
	stub_console_type("typed");
	int s = stub_sleeps;
	CHECK(SYS(read, 0, P(buf), 100) == -ERESTARTSYS && stub_sleeps == s + 1,
	      "console read of a half-typed line sleeps (and a signal ends it)");
	stub_console_type("X\x7f\nnext\x04");
	CHECK(SYS(read, 0, P(buf), 100) == 6 && memcmp(buf, "typed\n", 6) == 0,
	      "console read returns one edited line");
	CHECK(SYS(read, 0, P(buf), 100) == 4 && memcmp(buf, "next", 4) == 0,
	      "^D ends a line and is not read");
	stub_console_out_len = 0;
	stub_console_type("\x03");
	CHECK(stub_console_out_len == 2 && memcmp(stub_console_out, "^C", 2) == 0,
	      "^C is echoed as ^C");
	CHECK(SYS(lseek, 0, 0, SEEK_CUR) == -ESPIPE &&
	      SYS(pread64, 0, P(buf), 1, 0) == -ESPIPE, "console: ESPIPE");
	CHECK(SYS(ioctl, 1, TCGETS, P(&t)) == 0 && t.c_lflag == 0105073 &&
	      t.c_cc[0] == 3, "TCGETS on the console");
	CHECK(SYS(ioctl, 1, TIOCGWINSZ, P(&w)) == 0 && w.ws_row == 0 && w.ws_col == 0,
	      "TIOCGWINSZ is 0x0, as a serial port starts");
	CHECK(SYS(ioctl, 1, TCGETS, P(stub_bad_page)) == -EFAULT, "TCGETS bad pointer");
	CHECK(SYS(fcntl, 0, F_GETFL, 0) == (O_RDWR | O_LARGEFILE), "console F_GETFL");
	struct stat64_native s1, s2;
	SYS(newfstat, 0, P(&s1));
	SYS(newfstat, 2, P(&s2));
	CHECK(s1.st_ino == s2.st_ino && s1.st_mode == 020600, "fds 0-2 share the console");
}

static void test_open_errors(void)
{
	char *longname = malloc(5000);

	CHECK(open_("/nope", O_RDONLY, 0) == -ENOENT, "open missing: ENOENT");
	CHECK(open_("/bin/hello/x", O_RDONLY, 0) == -ENOTDIR, "through a file: ENOTDIR");
	CHECK(open_("/bin/hello/", O_RDONLY, 0) == -ENOTDIR, "file with trailing slash: ENOTDIR");
	CHECK(open_("", O_RDONLY, 0) == -ENOENT, "empty path: ENOENT");
	CHECK(open_(stub_bad_page, O_RDONLY, 0) == -EFAULT, "bad path pointer: EFAULT");
	memset(longname, 'a', 300);
	longname[0] = '/';
	longname[300] = 0;
	CHECK(open_(longname, O_RDONLY, 0) == -ENAMETOOLONG, "component > NAME_MAX");
	for (int i = 0; i < 4096; i++)
		longname[i] = (i % 2) ? '/' : 'a';
	longname[4096] = 0;
	CHECK(open_(longname, O_RDONLY, 0) == -ENAMETOOLONG, "path >= PATH_MAX");
	free(longname);
	CHECK(open_("/etc/loop1", O_RDONLY, 0) == -ELOOP, "symlink loop: ELOOP");
	CHECK(open_("/bin/sh", O_RDONLY | O_NOFOLLOW, 0) == -ELOOP, "O_NOFOLLOW on a symlink");
	CHECK(open_("/bin/hello", O_RDONLY | O_DIRECTORY, 0) == -ENOTDIR,
	      "O_DIRECTORY on a file");
	CHECK(open_("/bin", O_WRONLY, 0) == -EISDIR && open_("/bin", O_RDWR, 0) == -EISDIR,
	      "directory for writing: EISDIR");
	CHECK(open_("/tmp/x", O_CREAT | O_DIRECTORY, 0600) == -EINVAL,
	      "O_CREAT|O_DIRECTORY: EINVAL (Linux 6.4+)");
	CHECK(open_("/tmp/newdir/", O_CREAT | O_WRONLY, 0600) == -EISDIR,
	      "O_CREAT with a trailing slash: EISDIR");
	CHECK(open_("/tmp", O_CREAT | O_RDONLY, 0600) == -EISDIR,
	      "O_CREAT on an existing directory: EISDIR");
	CHECK(open_("/bin/hello", O_CREAT | O_EXCL | O_WRONLY, 0600) == -EEXIST,
	      "O_EXCL on an existing file: EEXIST");
	CHECK(open_("/bin/sh", O_CREAT | O_EXCL | O_WRONLY, 0600) == -EEXIST,
	      "O_EXCL does not follow a symlink");
	CHECK(open_("/dev/../etc/./abs/hello", O_RDONLY, 0) >= 3, ". .. and an absolute symlink");
	long fd = open_("/etc/dangling", O_CREAT | O_WRONLY, 0644);
	CHECK(fd >= 0 && stat_("/tmp/made-by-symlink") == 0,
	      "O_CREAT through a dangling symlink creates its target");
}

static void test_files(void)
{
	long fd, fd2;
	loff_t pos;

	fd = open_("/tmp/f", O_CREAT | O_RDWR | O_EXCL, 0666);
	CHECK(fd >= 0 && stat_("/tmp/f") == 0 && st.st_mode == 0100644,
	      "O_CREAT applies the umask");
	for (int i = 0; i < 10000; i++)
		buf[i] = (char)(i * 7);
	CHECK(SYS(write, fd, P(buf), 10000) == 10000, "write 10000 bytes");
	CHECK(SYS(lseek, fd, 0, SEEK_CUR) == 10000, "offset advanced");
	memset(buf + 20000, 0, 10000);
	CHECK(SYS(pread64, fd, P(buf + 20000), 20000, 0) == 10000 &&
	      memcmp(buf, buf + 20000, 10000) == 0, "pread reads it back, short at EOF");
	CHECK(SYS(lseek, fd, 0, SEEK_CUR) == 10000, "pread leaves the offset");
	CHECK(SYS(lseek, fd, -1, SEEK_SET) == -EINVAL && SYS(lseek, fd, 0, 5) == -EINVAL,
	      "lseek negative / bad whence: EINVAL");
	CHECK(SYS(lseek, fd, -10, SEEK_END) == 9990, "SEEK_END");
	CHECK(SYS(pread64, fd, P(buf), 1, -1) == -EINVAL && SYS(pread64, 99, P(buf), 1, -1)
	      == -EINVAL, "pread negative offset: EINVAL, even before EBADF");
	CHECK(SYS(pwrite64, fd, P("Z"), 1, 1 << 20) == 1 && stat_("/tmp/f") == 0 &&
	      st.st_size == (1 << 20) + 1 && st.st_blocks == 4 * 8,
	      "sparse write: size grows, holes use no pages");
	CHECK(SYS(pread64, fd, P(buf), 100, 500000) == 100 && buf[0] == 0 && buf[99] == 0,
	      "holes read as zeros");
	CHECK(SYS(lseek, fd, 5000, SEEK_DATA) == 5000 && SYS(lseek, fd, 5000, SEEK_HOLE) == 12288 &&
	      SYS(lseek, fd, 20000, SEEK_DATA) == (1 << 20) &&
	      SYS(lseek, fd, (1 << 20) + 1, SEEK_DATA) == -ENXIO, "SEEK_DATA / SEEK_HOLE");
	CHECK(SYS(read, fd, P(stub_bad_page), 10) == -EFAULT, "read into a bad buffer: EFAULT");
	CHECK(SYS(pwrite64, fd, P(stub_bad_page), 10, 2 << 20) == -EFAULT &&
	      stat_("/tmp/f") == 0 && st.st_size == (1 << 20) + 1,
	      "write from a bad buffer: EFAULT, size unchanged");

	fd2 = open_("/tmp/f", O_WRONLY | O_APPEND, 0);
	CHECK(SYS(fcntl, fd2, F_GETFL, 0) == (O_WRONLY | O_APPEND | O_LARGEFILE),
	      "F_GETFL shows O_APPEND|O_LARGEFILE, not O_CREAT");
	CHECK(write_str(fd2, "END") == 3 && SYS(lseek, fd2, 0, SEEK_CUR) == (1 << 20) + 4,
	      "O_APPEND writes at the end");
	CHECK(SYS(pwrite64, fd2, P("!"), 1, 0) == 1 && stat_("/tmp/f") == 0 &&
	      st.st_size == (1 << 20) + 5, "pwrite on O_APPEND appends (Linux)");
	CHECK(SYS(read, fd2, P(buf), 1) == -EBADF, "read on O_WRONLY: EBADF");
	CHECK(SYS(fcntl, fd2, F_SETFL, O_RDWR | O_NONBLOCK) == 0 &&
	      SYS(fcntl, fd2, F_GETFL, 0) == (O_WRONLY | O_NONBLOCK | O_LARGEFILE),
	      "F_SETFL changes only APPEND/NONBLOCK-class bits");
	SYS(close, fd2);

	long pages = stub_live_pages;
	CHECK(SYS(unlink, P("/tmp/f")) == 0 && stat_("/tmp/f") == -ENOENT,
	      "unlink removes the name");
	CHECK(SYS(pread64, fd, P(buf), 5, 0) == 5 && memcmp(buf, "\0\7\16\25\34", 5) == 0 &&
	      SYS(newfstat, fd, P(&st)) == 0 && st.st_nlink == 0,
	      "an unlinked open file stays readable, nlink 0");
	CHECK(stub_live_pages == pages, "... and keeps its pages");
	SYS(close, fd);
	CHECK(stub_live_pages == pages - 4, "last close frees the pages");

	fd = open_("/tmp/g", O_CREAT | O_WRONLY | O_TRUNC, 0600);
	write_str(fd, "0123456789");
	SYS(close, fd);
	fd = open_("/tmp/g", O_RDONLY | O_TRUNC, 0);
	CHECK(stat_("/tmp/g") == 0 && st.st_size == 0, "O_TRUNC truncates even O_RDONLY");
	CHECK(SYS(write, fd, P("x"), 1) == -EBADF, "write on O_RDONLY: EBADF");
	SYS(close, fd);
	CHECK(SYS(close, fd) == -EBADF, "double close: EBADF");

	/* Access mode 3: opens, but neither reads nor writes. */
	fd = open_("/tmp/g", 3, 0);
	CHECK(fd >= 0 && SYS(read, fd, P(buf), 1) == -EBADF &&
	      SYS(write, fd, P(buf), 1) == -EBADF, "O_ACCMODE 3 allows no I/O");
	SYS(close, fd);

	/* readv/writev */
	fd = open_("/tmp/v", O_CREAT | O_RDWR, 0600);
	struct iovec64 iov[3] = { { P("ab"), 2 }, { P(""), 0 }, { P("cde"), 3 } };
	CHECK(SYS(writev, fd, P(iov), 3) == 5, "writev gathers");
	char x[2], y[10];
	struct iovec64 rv[2] = { { P(x), 2 }, { P(y), 10 } };
	SYS(lseek, fd, 0, SEEK_SET);
	CHECK(SYS(readv, fd, P(rv), 2) == 5 && memcmp(x, "ab", 2) == 0 &&
	      memcmp(y, "cde", 3) == 0, "readv scatters, short at EOF");
	CHECK(SYS(readv, fd, P(rv), 1025) == -EINVAL, "readv > UIO_MAXIOV: EINVAL");
	struct iovec64 neg[1] = { { P(x), (u64)-1 } };
	CHECK(SYS(readv, fd, P(neg), 1) == -EINVAL, "negative iov_len: EINVAL");
	CHECK(SYS(readv, fd, P(stub_bad_page), 1) == -EFAULT, "bad iovec: EFAULT");
	CHECK(SYS(readv, fd, P(rv), 0) == 0, "zero segments: 0");

	/* i386 views */
	char *lx = lo(NULL, 2), *ly = lo(NULL, 10);
	struct iovec32 cv[2] = { { (u32)P(lx), 2 }, { (u32)P(ly), 10 } };
	SYS(lseek, fd, 0, SEEK_SET);
	CHECK(COMPAT(readv, fd, P(lo(cv, sizeof(cv))), 2) == 5 && memcmp(lx, "ab", 2) == 0 &&
	      memcmp(ly, "cde", 3) == 0, "compat readv (32-bit iovec)");
	loff_t *res = lo(NULL, 8);
	CHECK(COMPAT(llseek, fd, 0, 3, P(res), SEEK_SET) == 0 && *res == 3 &&
	      SYS(lseek, fd, 0, SEEK_CUR) == 3, "_llseek stores the result");
	CHECK(COMPAT(llseek, fd, 1, 0, P(res), SEEK_SET) == 0 && *res == (1LL << 32),
	      "_llseek high word");
	CHECK(COMPAT(llseek, fd, 0, 0, 0xfffff000, SEEK_SET) == -EFAULT,
	      "_llseek bad result pointer: EFAULT");
	CHECK(COMPAT(lseek, fd, -1, SEEK_END) == 4, "compat lseek sign-extends the offset");
	char *lb = lo(NULL, 16);
	CHECK(COMPAT(ia32_pread64, fd, P(lb), 3, 1, 0) == 3 && memcmp(lb, "bcd", 3) == 0,
	      "ia32 pread64 with split offset");
	pos = 0;
	(void)pos;
	SYS(close, fd);
}

static void test_dirs(void)
{
	long fd;

	CHECK(SYS(mkdir, P("/tmp/d"), 0777) == 0 && stat_("/tmp/d") == 0 &&
	      st.st_mode == 040755, "mkdir applies the umask");
	CHECK(SYS(mkdir, P("/tmp/d"), 0777) == -EEXIST, "mkdir existing: EEXIST");
	CHECK(SYS(mkdir, P("/"), 0777) == -EEXIST && SYS(mkdir, P("/tmp/."), 0777) == -EEXIST,
	      "mkdir / and .: EEXIST");
	CHECK(SYS(mkdir, P("/tmp/e/"), 01777) == 0 && stat_("/tmp/e") == 0 &&
	      st.st_mode == 041755, "mkdir with a trailing slash keeps the sticky bit");
	CHECK(SYS(mkdir, P("/nope/x"), 0777) == -ENOENT, "mkdir in a missing dir: ENOENT");
	fd = open_("/tmp/d/f", O_CREAT | O_WRONLY, 0644);
	SYS(close, fd);
	CHECK(SYS(rmdir, P("/tmp/d")) == -ENOTEMPTY, "rmdir non-empty: ENOTEMPTY");
	CHECK(SYS(rmdir, P("/tmp/d/f")) == -ENOTDIR, "rmdir a file: ENOTDIR");
	CHECK(SYS(rmdir, P("/tmp/d/.")) == -EINVAL && SYS(rmdir, P("/tmp/d/..")) == -ENOTEMPTY &&
	      SYS(rmdir, P("/")) == -EBUSY, "rmdir . / .. / '/': EINVAL ENOTEMPTY EBUSY");
	CHECK(SYS(unlink, P("/tmp/d")) == -EISDIR, "unlink a directory: EISDIR");
	CHECK(SYS(unlink, P("/tmp/d/f/")) == -ENOTDIR && SYS(unlink, P("/tmp/d/zz/")) == -ENOENT,
	      "unlink with trailing slash: ENOTDIR / ENOENT");
	CHECK(SYS(unlinkat, AT_FDCWD, P("/tmp/d/f"), 1) == -EINVAL, "unlinkat bad flag");
	CHECK(SYS(unlinkat, AT_FDCWD, P("/tmp/d/f"), 0) == 0 &&
	      SYS(unlinkat, AT_FDCWD, P("/tmp/d"), AT_REMOVEDIR) == 0 &&
	      stat_("/tmp/d") == -ENOENT, "unlinkat and AT_REMOVEDIR");

	/* *at with a directory fd */
	long dfd = open_("/etc", O_RDONLY | O_DIRECTORY, 0);
	CHECK(SYS(openat, dfd, P("passwd"), O_RDONLY, 0) >= 0, "openat relative to a dirfd");
	long ffd = open_("/etc/passwd", O_RDONLY, 0);
	CHECK(SYS(openat, ffd, P("x"), O_RDONLY, 0) == -ENOTDIR &&
	      SYS(openat, 999, P("x"), O_RDONLY, 0) == -EBADF &&
	      SYS(openat, 999, P("/etc/passwd"), O_RDONLY, 0) >= 0,
	      "openat: ENOTDIR / EBADF dirfd; absolute paths ignore it");
	CHECK(SYS(mkdirat, dfd, P("sub"), 0700) == 0 && stat_("/etc/sub") == 0,
	      "mkdirat");
	CHECK(SYS(read, dfd, P(buf), 10) == -EISDIR && SYS(write, dfd, P(buf), 1) == -EBADF,
	      "read a directory: EISDIR; write: EBADF");

	/* getdents64 */
	long bfd = open_("/bin", O_RDONLY | O_DIRECTORY, 0);
	long n = SYS(getdents64, bfd, P(buf), sizeof(buf));
	int count = 0;
	bool types = true;
	char names[64] = "";
	for (long off = 0; off < n; ) {
		struct linux_dirent64 *d = (void *)(buf + off);
		strcat(names, d->d_name);
		strcat(names, ",");
		if (strcmp(d->d_name, "sh") == 0 && d->d_type != DT_LNK)
			types = false;
		if (strcmp(d->d_name, "hello") == 0 && d->d_type != DT_REG)
			types = false;
		if (d->d_reclen % 8)
			types = false;
		off += d->d_reclen;
		count++;
	}
	CHECK(count == 4 && strcmp(names, ".,..,hello,sh,") == 0 && types,
	      "getdents64 lists . .. and entries with d_type");
	CHECK(SYS(getdents64, bfd, P(buf), sizeof(buf)) == 0, "getdents64 at the end: 0");
	SYS(lseek, bfd, 0, SEEK_SET);
	CHECK(SYS(getdents64, bfd, P(buf), 10) == -EINVAL, "buffer too small: EINVAL");
	CHECK(SYS(getdents64, bfd, P(buf), 24) == 24 && SYS(getdents64, bfd, P(buf), 24) == 24 &&
	      strcmp(((struct linux_dirent64 *)buf)->d_name, "..") == 0,
	      "getdents64 resumes where it stopped");
	CHECK(SYS(lseek, bfd, 0, SEEK_END) == -EINVAL, "directory SEEK_END: EINVAL");
	CHECK(SYS(getdents64, ffd, P(buf), sizeof(buf)) == -ENOTDIR, "getdents64 on a file");
	CHECK(SYS(getdents64, bfd, P(stub_bad_page), 4096) == -EFAULT, "getdents64 bad buffer");

	/* cwd */
	char cwd[64];
	CHECK(SYS(chdir, P("/etc/abs")) == 0 && SYS(getcwd, P(cwd), 64) == 5 &&
	      strcmp(cwd, "/bin") == 0, "chdir through a symlink; getcwd returns length+1");
	CHECK(open_("hello", O_RDONLY, 0) >= 0 && open_("../etc/passwd", O_RDONLY, 0) >= 0,
	      "relative paths start at the cwd");
	CHECK(SYS(getcwd, P(cwd), 4) == -ERANGE && SYS(getcwd, P(stub_bad_page), 64) == -EFAULT,
	      "getcwd ERANGE / EFAULT");
	CHECK(SYS(chdir, P("/bin/hello")) == -ENOTDIR, "chdir to a file: ENOTDIR");
	SYS(mkdir, P("/tmp/gone"), 0755);
	SYS(chdir, P("/tmp/gone"));
	SYS(rmdir, P("/tmp/gone"));
	CHECK(SYS(getcwd, P(cwd), 64) == -ENOENT && open_("x", O_CREAT | O_RDWR, 0600) == -ENOENT,
	      "removed cwd: getcwd and create give ENOENT");
	SYS(chdir, P("/"));
	CHECK(SYS(getcwd, P(cwd), 64) == 2 && strcmp(cwd, "/") == 0, "getcwd at the root");

	/* readlink */
	CHECK(SYS(readlink, P("/bin/sh"), P(cwd), 64) == 5 && memcmp(cwd, "hello", 5) == 0,
	      "readlink");
	CHECK(SYS(readlink, P("/bin/sh"), P(cwd), 2) == 2, "readlink truncates");
	CHECK(SYS(readlink, P("/bin/hello"), P(cwd), 64) == -EINVAL &&
	      SYS(readlink, P("/bin/sh"), P(cwd), 0) == -EINVAL, "readlink EINVAL cases");
	CHECK(SYS(readlinkat, AT_FDCWD, P(""), P(cwd), 64) == -ENOENT, "readlinkat empty: ENOENT");

	/* access */
	CHECK(SYS(access, P("/bin/hello"), X_OK) == 0 && SYS(access, P("/etc/passwd"), X_OK) == -EACCES &&
	      SYS(access, P("/etc"), X_OK) == 0 && SYS(access, P("/etc/passwd"), R_OK | W_OK) == 0,
	      "access: X_OK needs an x bit or a directory");
	CHECK(SYS(access, P("/etc/passwd"), 8) == -EINVAL &&
	      SYS(faccessat2, AT_FDCWD, P("/etc"), F_OK, 1) == -EINVAL, "access EINVAL");
	CHECK(SYS(faccessat, AT_FDCWD, P("/nope"), F_OK) == -ENOENT, "faccessat ENOENT");

	/* chmod / umask */
	CHECK(SYS(chmod, P("/etc/passwd"), 0100755) == 0 && stat_("/etc/passwd") == 0 &&
	      st.st_mode == 0100755, "chmod keeps the file type");
	CHECK(SYS(umask, 077) == 022 && SYS(umask, 022) == 077, "umask returns the old mask");
}

static void test_fds(void)
{
	long fd = open_("/etc/passwd", O_RDONLY, 0), d;

	d = SYS(dup, fd);
	SYS(read, fd, P(buf), 4);
	CHECK(SYS(lseek, d, 0, SEEK_CUR) == 4, "dup shares the offset");
	CHECK(SYS(dup2, fd, fd) == fd && SYS(dup2, 999, 999) == -EBADF, "dup2(fd, fd)");
	CHECK(SYS(dup3, fd, fd, 0) == -EINVAL && SYS(dup3, fd, 50, 1) == -EINVAL,
	      "dup3 same fd / bad flags: EINVAL");
	CHECK(SYS(dup2, fd, 1024) == -EBADF, "dup2 beyond the table: EBADF");
	CHECK(SYS(dup3, fd, 40, O_CLOEXEC) == 40 && SYS(fcntl, 40, F_GETFD, 0) == FD_CLOEXEC,
	      "dup3 O_CLOEXEC");
	CHECK(SYS(fcntl, fd, F_DUPFD, 100) == 100 && SYS(fcntl, fd, F_DUPFD_CLOEXEC, 100) == 101 &&
	      SYS(fcntl, 101, F_GETFD, 0) == 1 && SYS(fcntl, 100, F_GETFD, 0) == 0,
	      "F_DUPFD / F_DUPFD_CLOEXEC");
	CHECK(SYS(fcntl, fd, F_DUPFD, 5000) == -EINVAL && SYS(fcntl, fd, 12345, 0) == -EINVAL,
	      "fcntl EINVAL");
	SYS(ioctl, 100, FIOCLEX, 0);
	files_close_on_exec(stub_task.files);
	CHECK(SYS(fcntl, 40, F_GETFD, 0) == -EBADF && SYS(fcntl, 101, F_GETFD, 0) == -EBADF &&
	      SYS(fcntl, 100, F_GETFD, 0) == -EBADF && SYS(fcntl, d, F_GETFD, 0) == 0,
	      "close-on-exec closes exactly the marked fds");
	int v = -1;
	SYS(lseek, fd, 3, SEEK_SET);
	CHECK(SYS(ioctl, fd, FIONREAD, P(&v)) == 0 && v == 22 - 3, "FIONREAD on a file");
	CHECK(SYS(ioctl, fd, TCGETS, P(buf)) == -ENOTTY, "TCGETS on a file: ENOTTY");

	/* A forked table shares files; closing in one leaves the other. */
	struct files_struct *mine = stub_task.files, *child = files_dup(mine);
	stub_task.files = child;
	SYS(close, fd);
	stub_task.files = mine;
	CHECK(SYS(read, fd, P(buf), 1) == 1, "files_dup: the parent's fd survives the child's close");
	files_put(child);

	/* EMFILE */
	long last = 0, n = 0;
	while ((last = SYS(dup, 0)) >= 0)
		n++;
	CHECK(last == -EMFILE && open_("/etc/passwd", O_RDONLY, 0) == -EMFILE &&
	      open_("/tmp/emfile", O_CREAT | O_RDWR, 0600) == -EMFILE &&
	      stat_("/tmp/emfile") == -ENOENT, "EMFILE, and no file created");
	for (long i = 3; i < 1024; i++)
		SYS(close, i);

	/* mmap's view */
	struct inode *ino;
	fd = open_("/bin/hello", O_RDONLY, 0);
	long wfd = open_("/tmp/w", O_CREAT | O_WRONLY, 0600);
	CHECK(fd_get_inode_for_mmap((int)fd, false, &ino) == 0 && inode_size(ino) == 14,
	      "fd_get_inode_for_mmap");
	inode_put(ino);
	CHECK(fd_get_inode_for_mmap((int)fd, true, &ino) == -EACCES &&
	      fd_get_inode_for_mmap((int)wfd, false, &ino) == -EACCES &&
	      fd_get_inode_for_mmap(1, false, &ino) == -ENODEV &&
	      fd_get_inode_for_mmap(77, false, &ino) == -EBADF, "mmap checks");
	SYS(close, fd);
	SYS(close, wfd);
}

static void test_pipes(void)
{
	int p[2];
	int v;

	CHECK(SYS(pipe, P(p)) == 0 && p[0] == 3 && p[1] == 4, "pipe: lowest fds");
	CHECK(write_str(p[1], "abc") == 3 && SYS(ioctl, p[0], FIONREAD, P(&v)) == 0 && v == 3,
	      "pipe write; FIONREAD");
	CHECK(SYS(read, p[0], P(buf), 100) == 3 && memcmp(buf, "abc", 3) == 0,
	      "pipe read returns what is there");
	CHECK(SYS(read, p[0], P(buf), 100) == -ERESTARTSYS, "empty pipe read blocks");
	CHECK(SYS(lseek, p[0], 0, SEEK_CUR) == -ESPIPE &&
	      SYS(pwrite64, p[1], P("x"), 1, 0) == -ESPIPE, "pipe: ESPIPE");
	CHECK(SYS(newfstat, p[0], P(&st)) == 0 && st.st_mode == 010600 && st.st_nlink == 1,
	      "fstat on a pipe: S_IFIFO 0600");
	CHECK(SYS(fcntl, p[0], F_GETFL, 0) == O_RDONLY && SYS(fcntl, p[1], F_GETFL, 0) == O_WRONLY &&
	      SYS(fcntl, p[0], F_GETPIPE_SZ, 0) == 65536, "pipe F_GETFL / F_GETPIPE_SZ");
	SYS(close, p[1]);
	CHECK(SYS(read, p[0], P(buf), 100) == 0, "EOF once the writer is gone");
	SYS(close, p[0]);

	CHECK(SYS(pipe2, P(p), O_NONBLOCK | O_CLOEXEC) == 0 &&
	      SYS(fcntl, p[0], F_GETFD, 0) == 1 &&
	      SYS(fcntl, p[1], F_GETFL, 0) == (O_WRONLY | O_NONBLOCK), "pipe2 flags");
	CHECK(SYS(read, p[0], P(buf), 10) == -EAGAIN, "O_NONBLOCK empty read: EAGAIN");
	memset(buf, 'x', 70000);
	CHECK(SYS(write, p[1], P(buf), 70000) == 65536 && SYS(write, p[1], P(buf), 1) == -EAGAIN,
	      "a non-blocking write fills 64 KiB, then EAGAIN");
	SYS(read, p[0], P(buf), 100);
	CHECK(SYS(write, p[1], P(buf), 200) == -EAGAIN && SYS(write, p[1], P(buf), 5000) == 100,
	      "writes <= PIPE_BUF are atomic, larger ones partial");
	SYS(close, p[0]);
	stub_last_signal = 0;
	CHECK(SYS(write, p[1], P("x"), 1) == -EPIPE && stub_last_signal == 13,
	      "no reader: EPIPE and SIGPIPE");
	SYS(close, p[1]);
	CHECK(SYS(pipe2, P(p), O_DIRECT << 1) == -EINVAL, "pipe2 bad flags: EINVAL");
	CHECK(SYS(pipe, P(stub_bad_page)) == -EFAULT && open_("/etc/passwd", 0, 0) == 3,
	      "pipe with a bad pointer: EFAULT and no fds leaked");
	SYS(close, 3);
	long pages = stub_live_pages;
	SYS(pipe, P(p));
	write_str(p[1], "q");
	SYS(close, p[0]);
	SYS(close, p[1]);
	CHECK(stub_live_pages == pages, "closing both ends frees the pipe's pages");
}

static void test_stat_layouts(void)
{
	struct compat_stat *cs = lo(NULL, sizeof(*cs));
	struct compat_stat64 *s64 = lo(NULL, sizeof(*s64));
	struct statx sx;
	long fd = open_("/bin/hello", O_RDONLY, 0);
	char *hello = lo("/bin/hello", 11), *big = lo("/tmp/big", 9);

	CHECK(COMPAT(newstat, P(hello), P(cs)) == 0 && cs->st_mode == 0100755 &&
	      cs->st_size == 14 && cs->st_nlink == 1 && cs->st_blksize == 4096,
	      "i386 stat");
	memset(s64, 0xAA, sizeof(*s64));
	CHECK(COMPAT(fstat64, fd, P(s64)) == 0 && s64->st_size == 14 &&
	      s64->st_ino == s64->__st_ino && s64->__pad0[0] == 0xAA &&
	      s64->__pad3[3] == 0xAA && s64->st_blocks == 8,
	      "i386 stat64, packed; the pads are left alone");
	CHECK(COMPAT(stat64, P(hello), 0xfffff000) == -EFAULT, "stat64 EFAULT");
	memset(&sx, 0xff, sizeof(sx));
	CHECK(SYS(statx, fd, P(""), AT_EMPTY_PATH, STATX_BASIC_STATS, P(&sx)) == 0 &&
	      sx.stx_mask == STATX_BASIC_STATS && sx.stx_size == 14 && sx.stx_mode == 0100755 &&
	      sx.stx_blksize == 4096 && sx.__spare3[11] == 0 && sx.stx_mtime.tv_sec == 1000,
	      "statx with AT_EMPTY_PATH");
	CHECK(SYS(statx, AT_FDCWD, P("/"), 0, STATX_BASIC_STATS, P(&sx)) == 0 &&
	      (sx.stx_attributes & STATX_ATTR_MOUNT_ROOT), "statx on / has MOUNT_ROOT");
	CHECK(SYS(statx, AT_FDCWD, P("/"), 0, 0x80000000U, P(&sx)) == -EINVAL &&
	      SYS(statx, AT_FDCWD, P("/"), 0x6000, 0, P(&sx)) == -EINVAL &&
	      SYS(statx, AT_FDCWD, P("/"), 0x10000, 0, P(&sx)) == -EINVAL, "statx EINVAL");
	CHECK(SYS(statx, AT_FDCWD, P(""), 0, 0, P(&sx)) == -ENOENT, "statx empty path: ENOENT");
	CHECK(SYS(newfstatat, AT_FDCWD, P("/bin/sh"), P(&st), AT_SYMLINK_NOFOLLOW) == 0 &&
	      st.st_mode == 0120777 && st.st_size == 5, "fstatat AT_SYMLINK_NOFOLLOW");
	CHECK(SYS(newlstat, P("/bin/sh"), P(&st)) == 0 && (st.st_mode & S_IFMT) == S_IFLNK,
	      "lstat");
	CHECK(SYS(newfstatat, fd, P(""), P(&st), AT_EMPTY_PATH) == 0 && st.st_size == 14 &&
	      SYS(newfstatat, fd, P(""), P(&st), 0) == -ENOENT &&
	      SYS(newfstatat, AT_FDCWD, P("/"), P(&st), 0x4) == -EINVAL,
	      "fstatat AT_EMPTY_PATH / empty / bad flag");
	SYS(close, fd);

	/* i386, no O_LARGEFILE: a > 2 GiB file cannot be opened or stat'ed. */
	fd = open_("/tmp/big", O_CREAT | O_RDWR, 0600);
	SYS(pwrite64, fd, P("x"), 1, 0x80000000L);
	SYS(close, fd);
	stub_task.is32 = true;
	CHECK(call32(__ia32_sys_open, (long[6]){ P(big), O_RDONLY }) == -EOVERFLOW &&
	      call32(__ia32_sys_open, (long[6]){ P(big), O_RDONLY | O_LARGEFILE }) >= 0 &&
	      COMPAT(newstat, P(big), P(cs)) == -EOVERFLOW,
	      "i386 non-LFS: EOVERFLOW for a file past 2 GiB");
	stub_task.is32 = false;
}

static void test_devices(void)
{
	long n = open_("/dev/null", O_RDWR, 0), z = open_("/dev/zero", O_RDONLY, 0);

	CHECK(SYS(write, n, P(stub_bad_page), 10) == 10, "/dev/null ignores the buffer");
	CHECK(SYS(read, n, P(buf), 10) == 0 && SYS(lseek, n, 100, SEEK_SET) == 0,
	      "/dev/null: EOF, seeks to 0");
	memset(buf, 1, 10000);
	CHECK(SYS(read, z, P(buf), 10000) == 10000 && buf[0] == 0 && buf[9999] == 0,
	      "/dev/zero reads zeros");
	CHECK(SYS(ioctl, n, TCGETS, P(buf)) == -ENOTTY, "/dev/null is not a tty");
	CHECK(open_("/mynull", O_RDONLY, 0) >= 0, "a cpio device node opens its driver");
}

static void test_panic(void)
{
	int status = 0, pid = fork();

	if (pid == 0) {
		static const char bad[] = "070701000000010000";
		vfs_init(bad, sizeof(bad) - 1);
		_Exit(0);
	}
	waitpid(pid, &status, 0);
	CHECK(((status >> 8) & 0xff) == 99, "a truncated initramfs panics the boot");
}

int main(void)
{
	setvbuf(stdout, NULL, 2 /* _IONBF: keep output if a test crashes */, 0);
	low_mem = mmap(NULL, 1 << 20, 3, 0x40 | 0x20 | 0x02 /* MAP_32BIT|ANON|PRIVATE */,
		       -1, 0);
	printf("KTAP version 1\n1..%d\n", NTESTS);
	test_boot();
	test_console();
	test_open_errors();
	test_files();
	test_dirs();
	test_fds();
	test_pipes();
	test_stat_layouts();
	test_devices();
	test_panic();
	if (test_no != NTESTS)
		printf("# plan mismatch: ran %d tests\n", test_no);
	printf("# %d passed, %d failed\n", test_no - failures, failures);
	return failures || test_no != NTESTS;
}
