/*
 * xstrace - a small strace: trace one program's system calls with ptrace.
 *
 *   xstrace [-o FILE] PROG [ARGS...]
 *
 * Runs PROG (searched in PATH) under PTRACE_SYSCALL and prints one line per
 * system call, strace style, to stderr (or FILE):
 *
 *   openat(AT_FDCWD, "/etc/passwd", O_RDONLY|O_CLOEXEC) = 3
 *   read(3, "root:x:0:0:root:/root:/bin/bash"..., 4096) = 1234
 *   open("/nonexistent", O_RDONLY) = -1 ENOENT (No such file or directory)
 *   --- SIGCHLD ---
 *   exit_group(0) = ?
 *   +++ exited with 0 +++
 *
 * Each stop's ABI comes from the tracee's CS as a 64-bit tracer sees it:
 * 0x33 = x86-64 (syscall numbers and argument registers of x86-64), 0x23 =
 * i386 (i386 numbers, arguments in ebx ecx edx esi edi ebp).  So the 64-bit
 * build follows a program across an execve into the other ABI.  (A 64-bit
 * program that uses int $0x80 is decoded with the x86-64 table: CS alone
 * cannot tell.)  The 32-bit build traces i386 programs only.
 *
 * Only the one process is traced (no -f).  xstrace exits with the
 * program's exit status, or 128 + the signal that killed it.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

/*
 * Argument formats, one letter per argument:
 *   d int   u unsigned   l long   x hex   o octal   p pointer
 *   F file descriptor (AT_FDCWD)   s string   v argv-style string array
 *   b buffer of (next argument) bytes   B buffer of (return value) bytes
 *   f open flags   S signal number
 * A return format of 'x' prints the result in hex (addresses).
 */
struct sc { int nr; const char *name; const char *args; char ret; };

static const struct sc table_x64[] = {
	{ 0, "read", "FBu", 'd' },
	{ 1, "write", "Fbu", 'd' },
	{ 2, "open", "sfo", 'd' },
	{ 3, "close", "F", 'd' },
	{ 4, "stat", "sp", 'd' },
	{ 5, "fstat", "Fp", 'd' },
	{ 6, "lstat", "sp", 'd' },
	{ 7, "poll", "pud", 'd' },
	{ 8, "lseek", "Fld", 'd' },
	{ 9, "mmap", "puxxFx", 'x' },
	{ 10, "mprotect", "pux", 'd' },
	{ 11, "munmap", "pu", 'd' },
	{ 12, "brk", "p", 'x' },
	{ 13, "rt_sigaction", "Sppu", 'd' },
	{ 14, "rt_sigprocmask", "dppu", 'd' },
	{ 15, "rt_sigreturn", "", 'd' },
	{ 16, "ioctl", "Fxp", 'd' },
	{ 17, "pread64", "FBul", 'd' },
	{ 18, "pwrite64", "Fbul", 'd' },
	{ 19, "readv", "Fpd", 'd' },
	{ 20, "writev", "Fpd", 'd' },
	{ 21, "access", "so", 'd' },
	{ 22, "pipe", "p", 'd' },
	{ 23, "select", "dpppp", 'd' },
	{ 24, "sched_yield", "", 'd' },
	{ 25, "mremap", "puuxp", 'x' },
	{ 28, "madvise", "pud", 'd' },
	{ 32, "dup", "F", 'd' },
	{ 33, "dup2", "FF", 'd' },
	{ 34, "pause", "", 'd' },
	{ 35, "nanosleep", "pp", 'd' },
	{ 36, "getitimer", "dp", 'd' },
	{ 37, "alarm", "u", 'd' },
	{ 38, "setitimer", "dpp", 'd' },
	{ 39, "getpid", "", 'd' },
	{ 41, "socket", "ddd", 'd' },
	{ 56, "clone", "xpppx", 'd' },
	{ 57, "fork", "", 'd' },
	{ 58, "vfork", "", 'd' },
	{ 59, "execve", "svp", 'd' },
	{ 60, "exit", "d", 'd' },
	{ 61, "wait4", "dpxp", 'd' },
	{ 62, "kill", "dS", 'd' },
	{ 63, "uname", "p", 'd' },
	{ 72, "fcntl", "Fdx", 'd' },
	{ 79, "getcwd", "pu", 'd' },
	{ 80, "chdir", "s", 'd' },
	{ 82, "rename", "ss", 'd' },
	{ 83, "mkdir", "so", 'd' },
	{ 84, "rmdir", "s", 'd' },
	{ 87, "unlink", "s", 'd' },
	{ 89, "readlink", "spu", 'd' },
	{ 90, "chmod", "so", 'd' },
	{ 95, "umask", "o", 'o' },
	{ 96, "gettimeofday", "pp", 'd' },
	{ 97, "getrlimit", "dp", 'd' },
	{ 101, "ptrace", "ddpp", 'd' },
	{ 102, "getuid", "", 'd' },
	{ 104, "getgid", "", 'd' },
	{ 107, "geteuid", "", 'd' },
	{ 108, "getegid", "", 'd' },
	{ 109, "setpgid", "dd", 'd' },
	{ 110, "getppid", "", 'd' },
	{ 111, "getpgrp", "", 'd' },
	{ 112, "setsid", "", 'd' },
	{ 121, "getpgid", "d", 'd' },
	{ 124, "getsid", "d", 'd' },
	{ 127, "rt_sigpending", "pu", 'd' },
	{ 128, "rt_sigtimedwait", "pppu", 'd' },
	{ 130, "rt_sigsuspend", "pu", 'd' },
	{ 131, "sigaltstack", "pp", 'd' },
	{ 158, "arch_prctl", "xx", 'd' },
	{ 160, "setrlimit", "dp", 'd' },
	{ 186, "gettid", "", 'd' },
	{ 200, "tkill", "dS", 'd' },
	{ 201, "time", "p", 'd' },
	{ 202, "futex", "pduppu", 'd' },
	{ 217, "getdents64", "Fpu", 'd' },
	{ 218, "set_tid_address", "p", 'd' },
	{ 219, "restart_syscall", "", 'd' },
	{ 228, "clock_gettime", "dp", 'd' },
	{ 229, "clock_getres", "dp", 'd' },
	{ 230, "clock_nanosleep", "ddpp", 'd' },
	{ 231, "exit_group", "d", 'd' },
	{ 234, "tgkill", "ddS", 'd' },
	{ 247, "waitid", "ddpdp", 'd' },
	{ 257, "openat", "Fsfo", 'd' },
	{ 258, "mkdirat", "Fso", 'd' },
	{ 262, "newfstatat", "Fspx", 'd' },
	{ 263, "unlinkat", "Fsx", 'd' },
	{ 267, "readlinkat", "Fspu", 'd' },
	{ 269, "faccessat", "Fso", 'd' },
	{ 273, "set_robust_list", "pu", 'd' },
	{ 292, "dup3", "FFx", 'd' },
	{ 293, "pipe2", "px", 'd' },
	{ 302, "prlimit64", "ddpp", 'd' },
	{ 318, "getrandom", "pux", 'd' },
	{ 332, "statx", "Fsxxp", 'd' },
	{ 334, "rseq", "pudx", 'd' },
	{ 435, "clone3", "pu", 'd' },
	{ 439, "faccessat2", "Fsox", 'd' },
};

static const struct sc table_i386[] = {
	{ 0, "restart_syscall", "", 'd' },
	{ 1, "exit", "d", 'd' },
	{ 2, "fork", "", 'd' },
	{ 3, "read", "FBu", 'd' },
	{ 4, "write", "Fbu", 'd' },
	{ 5, "open", "sfo", 'd' },
	{ 6, "close", "F", 'd' },
	{ 7, "waitpid", "dpx", 'd' },
	{ 10, "unlink", "s", 'd' },
	{ 11, "execve", "svp", 'd' },
	{ 12, "chdir", "s", 'd' },
	{ 13, "time", "p", 'd' },
	{ 15, "chmod", "so", 'd' },
	{ 19, "lseek", "Fld", 'd' },
	{ 20, "getpid", "", 'd' },
	{ 24, "getuid", "", 'd' },
	{ 26, "ptrace", "ddpp", 'd' },
	{ 27, "alarm", "u", 'd' },
	{ 29, "pause", "", 'd' },
	{ 33, "access", "so", 'd' },
	{ 37, "kill", "dS", 'd' },
	{ 38, "rename", "ss", 'd' },
	{ 39, "mkdir", "so", 'd' },
	{ 40, "rmdir", "s", 'd' },
	{ 41, "dup", "F", 'd' },
	{ 42, "pipe", "p", 'd' },
	{ 45, "brk", "p", 'x' },
	{ 47, "getgid", "", 'd' },
	{ 49, "geteuid", "", 'd' },
	{ 50, "getegid", "", 'd' },
	{ 54, "ioctl", "Fxp", 'd' },
	{ 55, "fcntl", "Fdx", 'd' },
	{ 57, "setpgid", "dd", 'd' },
	{ 60, "umask", "o", 'o' },
	{ 63, "dup2", "FF", 'd' },
	{ 64, "getppid", "", 'd' },
	{ 65, "getpgrp", "", 'd' },
	{ 66, "setsid", "", 'd' },
	{ 67, "sigaction", "Spp", 'd' },
	{ 75, "setrlimit", "dp", 'd' },
	{ 76, "getrlimit", "dp", 'd' },
	{ 78, "gettimeofday", "pp", 'd' },
	{ 85, "readlink", "spu", 'd' },
	{ 90, "mmap", "p", 'x' },
	{ 91, "munmap", "pu", 'd' },
	{ 104, "setitimer", "dpp", 'd' },
	{ 105, "getitimer", "dp", 'd' },
	{ 106, "stat", "sp", 'd' },
	{ 107, "lstat", "sp", 'd' },
	{ 108, "fstat", "Fp", 'd' },
	{ 114, "wait4", "dpxp", 'd' },
	{ 119, "sigreturn", "", 'd' },
	{ 120, "clone", "xppxp", 'd' },
	{ 122, "uname", "p", 'd' },
	{ 125, "mprotect", "pux", 'd' },
	{ 132, "getpgid", "d", 'd' },
	{ 140, "_llseek", "Fuupd", 'd' },
	{ 145, "readv", "Fpd", 'd' },
	{ 146, "writev", "Fpd", 'd' },
	{ 147, "getsid", "d", 'd' },
	{ 158, "sched_yield", "", 'd' },
	{ 162, "nanosleep", "pp", 'd' },
	{ 168, "poll", "pud", 'd' },
	{ 173, "rt_sigreturn", "", 'd' },
	{ 174, "rt_sigaction", "Sppu", 'd' },
	{ 175, "rt_sigprocmask", "dppu", 'd' },
	{ 176, "rt_sigpending", "pu", 'd' },
	{ 177, "rt_sigtimedwait", "pppu", 'd' },
	{ 179, "rt_sigsuspend", "pu", 'd' },
	{ 180, "pread64", "FBuxx", 'd' },
	{ 181, "pwrite64", "Fbuxx", 'd' },
	{ 183, "getcwd", "pu", 'd' },
	{ 186, "sigaltstack", "pp", 'd' },
	{ 190, "vfork", "", 'd' },
	{ 191, "ugetrlimit", "dp", 'd' },
	{ 192, "mmap2", "puxxFx", 'x' },
	{ 195, "stat64", "sp", 'd' },
	{ 196, "lstat64", "sp", 'd' },
	{ 197, "fstat64", "Fp", 'd' },
	{ 199, "getuid32", "", 'd' },
	{ 200, "getgid32", "", 'd' },
	{ 201, "geteuid32", "", 'd' },
	{ 202, "getegid32", "", 'd' },
	{ 219, "madvise", "pud", 'd' },
	{ 220, "getdents64", "Fpu", 'd' },
	{ 221, "fcntl64", "Fdx", 'd' },
	{ 224, "gettid", "", 'd' },
	{ 238, "tkill", "dS", 'd' },
	{ 240, "futex", "pduppu", 'd' },
	{ 243, "set_thread_area", "p", 'd' },
	{ 244, "get_thread_area", "p", 'd' },
	{ 252, "exit_group", "d", 'd' },
	{ 258, "set_tid_address", "p", 'd' },
	{ 265, "clock_gettime", "dp", 'd' },
	{ 266, "clock_getres", "dp", 'd' },
	{ 267, "clock_nanosleep", "ddpp", 'd' },
	{ 270, "tgkill", "ddS", 'd' },
	{ 284, "waitid", "ddpdp", 'd' },
	{ 295, "openat", "Fsfo", 'd' },
	{ 296, "mkdirat", "Fso", 'd' },
	{ 300, "fstatat64", "Fspx", 'd' },
	{ 301, "unlinkat", "Fsx", 'd' },
	{ 305, "readlinkat", "Fspu", 'd' },
	{ 307, "faccessat", "Fso", 'd' },
	{ 311, "set_robust_list", "pu", 'd' },
	{ 330, "dup3", "FFx", 'd' },
	{ 331, "pipe2", "px", 'd' },
	{ 340, "prlimit64", "ddpp", 'd' },
	{ 355, "getrandom", "pux", 'd' },
	{ 383, "statx", "Fsxxp", 'd' },
	{ 384, "arch_prctl", "xx", 'd' },
	{ 386, "rseq", "pudx", 'd' },
	{ 403, "clock_gettime64", "dp", 'd' },
	{ 406, "clock_getres_time64", "dp", 'd' },
	{ 407, "clock_nanosleep_time64", "ddpp", 'd' },
	{ 435, "clone3", "pu", 'd' },
	{ 439, "faccessat2", "Fsox", 'd' },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const struct sc *lookup(int abi32, long nr)
{
	const struct sc *t = abi32 ? table_i386 : table_x64;
	size_t n = abi32 ? NELEM(table_i386) : NELEM(table_x64);
	for (size_t i = 0; i < n; i++)
		if (t[i].nr == nr)
			return &t[i];
	return NULL;
}

static const char *const errnames[] = {
	[EPERM] = "EPERM", [ENOENT] = "ENOENT", [ESRCH] = "ESRCH",
	[EINTR] = "EINTR", [EIO] = "EIO", [ENXIO] = "ENXIO", [E2BIG] = "E2BIG",
	[ENOEXEC] = "ENOEXEC", [EBADF] = "EBADF", [ECHILD] = "ECHILD",
	[EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES",
	[EFAULT] = "EFAULT", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST",
	[EXDEV] = "EXDEV", [ENODEV] = "ENODEV", [ENOTDIR] = "ENOTDIR",
	[EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [ENFILE] = "ENFILE",
	[EMFILE] = "EMFILE", [ENOTTY] = "ENOTTY", [EFBIG] = "EFBIG",
	[ENOSPC] = "ENOSPC", [ESPIPE] = "ESPIPE", [EROFS] = "EROFS",
	[EMLINK] = "EMLINK", [EPIPE] = "EPIPE", [EDOM] = "EDOM",
	[ERANGE] = "ERANGE", [EDEADLK] = "EDEADLK",
	[ENAMETOOLONG] = "ENAMETOOLONG", [ENOSYS] = "ENOSYS",
	[ENOTEMPTY] = "ENOTEMPTY", [ELOOP] = "ELOOP", [ENOTSUP] = "ENOTSUP",
	[ETIMEDOUT] = "ETIMEDOUT",
};

static const char *const signames[32] = {
	[SIGHUP] = "SIGHUP", [SIGINT] = "SIGINT", [SIGQUIT] = "SIGQUIT",
	[SIGILL] = "SIGILL", [SIGTRAP] = "SIGTRAP", [SIGABRT] = "SIGABRT",
	[SIGBUS] = "SIGBUS", [SIGFPE] = "SIGFPE", [SIGKILL] = "SIGKILL",
	[SIGUSR1] = "SIGUSR1", [SIGSEGV] = "SIGSEGV", [SIGUSR2] = "SIGUSR2",
	[SIGPIPE] = "SIGPIPE", [SIGALRM] = "SIGALRM", [SIGTERM] = "SIGTERM",
	[SIGSTKFLT] = "SIGSTKFLT", [SIGCHLD] = "SIGCHLD", [SIGCONT] = "SIGCONT",
	[SIGSTOP] = "SIGSTOP", [SIGTSTP] = "SIGTSTP", [SIGTTIN] = "SIGTTIN",
	[SIGTTOU] = "SIGTTOU", [SIGURG] = "SIGURG", [SIGXCPU] = "SIGXCPU",
	[SIGXFSZ] = "SIGXFSZ", [SIGVTALRM] = "SIGVTALRM", [SIGPROF] = "SIGPROF",
	[SIGWINCH] = "SIGWINCH", [SIGIO] = "SIGIO", [SIGPWR] = "SIGPWR",
	[SIGSYS] = "SIGSYS",
};

/* ---- output: lines are built in a buffer and written whole ---- */

static int out_fd = 2;
static char line[4096];
static size_t line_len;

static void emit(const char *fmt, ...)
{
	va_list ap;
	if (line_len >= sizeof(line) - 1)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line + line_len, sizeof(line) - line_len, fmt, ap);
	va_end(ap);
	if (n > 0)
		line_len += (size_t)n < sizeof(line) - line_len ?
				    (size_t)n : sizeof(line) - line_len - 1;
}

static void flush_line(void)
{
	size_t off = 0;
	emit("\n");
	while (off < line_len) {
		ssize_t w = write(out_fd, line + off, line_len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	line_len = 0;
}

static void emit_signame(long sig)
{
	if (sig > 0 && sig < 32 && signames[sig])
		emit("%s", signames[sig]);
	else if (sig >= 32 && sig <= 64)
		emit("SIGRT_%ld", sig - 32);
	else
		emit("%ld", sig);
}

/* ---- the tracee's memory ---- */

static pid_t tracee;

/* Copy up to n bytes from the tracee; returns how many could be read. */
static size_t peek(unsigned long addr, void *dst, size_t n)
{
	unsigned char *d = dst;
	size_t done = 0;
	while (done < n) {
		unsigned long a = addr + done;
		unsigned long base = a & ~(unsigned long)(sizeof(long) - 1);
		errno = 0;
		long w = ptrace(PTRACE_PEEKDATA, tracee, (void *)base, 0);
		if (errno)
			break;
		size_t skip = a - base, take = sizeof(long) - skip;
		if (take > n - done)
			take = n - done;
		memcpy(d + done, (unsigned char *)&w + skip, take);
		done += take;
	}
	return done;
}

#define MAX_STR 32

static void emit_bytes(const unsigned char *s, size_t n)
{
	emit("\"");
	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];
		if (c == '"' || c == '\\')
			emit("\\%c", c);
		else if (c == '\n')
			emit("\\n");
		else if (c == '\t')
			emit("\\t");
		else if (c == '\r')
			emit("\\r");
		else if (c >= 0x20 && c < 0x7f)
			emit("%c", c);
		else
			emit("\\%o", c);
	}
	emit("\"");
}

static void emit_ptr(unsigned long v)
{
	if (v)
		emit("%#lx", v);
	else
		emit("NULL");
}

/* A NUL-terminated string in the tracee. */
static void emit_string(unsigned long addr)
{
	unsigned char buf[MAX_STR + 1];
	size_t got, len;
	if (!addr) {
		emit("NULL");
		return;
	}
	got = peek(addr, buf, sizeof(buf));
	for (len = 0; len < got && buf[len]; len++)
		;
	if (got == 0) {
		emit_ptr(addr);
		return;
	}
	emit_bytes(buf, len > MAX_STR ? MAX_STR : len);
	if (len >= MAX_STR || (len == got && got < sizeof(buf)))
		emit("...");
}

/* n bytes at addr in the tracee (write buffers, read results). */
static void emit_buffer(unsigned long addr, long n)
{
	unsigned char buf[MAX_STR];
	if (!addr) {
		emit("NULL");
		return;
	}
	if (n <= 0) {
		emit("\"\"");
		return;
	}
	size_t want = (size_t)n > MAX_STR ? MAX_STR : (size_t)n;
	size_t got = peek(addr, buf, want);
	if (got == 0) {
		emit_ptr(addr);
		return;
	}
	emit_bytes(buf, got);
	if ((size_t)n > got)
		emit("...");
}

/* An argv-like array of string pointers (word size of the tracee). */
static void emit_strv(unsigned long addr, int abi32)
{
	size_t ws = abi32 ? 4 : sizeof(long);
	if (!addr) {
		emit("NULL");
		return;
	}
	emit("[");
	for (int i = 0;; i++) {
		unsigned long p = 0;
		if (peek(addr + i * ws, &p, ws) != ws) {
			emit("?");
			break;
		}
		if (!p)
			break;
		if (i == 8) {
			emit(", ...");
			break;
		}
		if (i)
			emit(", ");
		emit_string(p);
	}
	emit("]");
}

static void emit_open_flags(unsigned long f)
{
	static const struct { unsigned long bit; const char *name; } fl[] = {
		{ 0100, "O_CREAT" }, { 0200, "O_EXCL" }, { 0400, "O_NOCTTY" },
		{ 01000, "O_TRUNC" }, { 02000, "O_APPEND" },
		{ 04000, "O_NONBLOCK" }, { 0100000, "O_LARGEFILE" },
		{ 0200000, "O_DIRECTORY" }, { 0400000, "O_NOFOLLOW" },
		{ 02000000, "O_CLOEXEC" },
	};
	static const char *const acc[4] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
					     "O_ACCMODE" };
	emit("%s", acc[f & 3]);
	f &= ~3UL;
	for (size_t i = 0; i < NELEM(fl); i++)
		if (f & fl[i].bit) {
			emit("|%s", fl[i].name);
			f &= ~fl[i].bit;
		}
	if (f)
		emit("|%#lo", f);
}

/* Plain numbers: decimal when small, hex otherwise. */
static void emit_number(long v)
{
	if (v > -0x10000 && v < 0x10000)
		emit("%ld", v);
	else
		emit("%#lx", (unsigned long)v);
}

/* ---- registers ---- */

struct call {
	int abi32;		/* decoded with the i386 table */
	long nr;
	unsigned long args[6];
	long ret;
};

/* Number, arguments and (at exit) result from the tracee's registers. */
static int read_call(struct call *c)
{
	struct user_regs_struct r;
	if (ptrace(PTRACE_GETREGS, tracee, 0, &r) != 0)
		return -1;
#ifdef __x86_64__
	c->abi32 = r.cs == 0x23;
	if (c->abi32) {
		unsigned long a[6] = { r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp };
		for (int i = 0; i < 6; i++)
			c->args[i] = (unsigned int)a[i];
		c->nr = (int)r.orig_rax;
		c->ret = (long)r.rax;
		if (c->ret >= 0)
			c->ret = (long)(unsigned int)r.rax;
	} else {
		unsigned long a[6] = { r.rdi, r.rsi, r.rdx, r.r10, r.r8, r.r9 };
		memcpy(c->args, a, sizeof(a));
		c->nr = (long)r.orig_rax;
		c->ret = (long)r.rax;
	}
#else
	static int warned;
	c->abi32 = 1;
	if (r.xcs != 0x23 && !warned) {
		warned = 1;
		emit("[cs %#lx: not an i386 tracee; decoding with the i386 table]",
		     r.xcs);
		flush_line();
	}
	unsigned long a[6] = { r.ebx, r.ecx, r.edx, r.esi, r.edi, r.ebp };
	memcpy(c->args, a, sizeof(a));
	c->nr = r.orig_eax;
	c->ret = r.eax;
#endif
	return 0;
}

/* Signed view of an argument: 32-bit for i386 and for 'd'. */
static long sarg(const struct call *c, int i, int as_int)
{
	if (as_int || c->abi32)
		return (int)c->args[i];
	return (long)c->args[i];
}

/* "name(args" for the call as it was entered; buffers need the result. */
static void emit_call(const struct call *c, long ret, int have_ret)
{
	const struct sc *s = lookup(c->abi32, c->nr);
	const char *fmt = s ? s->args : "??????";
	if (s)
		emit("%s(", s->name);
	else
		emit("syscall_%s%ld(", c->abi32 ? "i386_" : "", c->nr);
	for (int i = 0; fmt[i] && i < 6; i++) {
		unsigned long v = c->args[i];
		/* open's mode only means something with O_CREAT. */
		if (fmt[i] == 'o' && i > 0 && fmt[i - 1] == 'f' &&
		    !(c->args[i - 1] & 0100))
			break;
		if (i)
			emit(", ");
		switch (fmt[i]) {
		case 'd': emit("%d", (int)v); break;
		case 'u': emit("%lu", v); break;
		case 'l': emit("%ld", sarg(c, i, 0)); break;
		case 'x': emit("%#lx", v); break;
		case 'o': emit("%#lo", v); break;
		case 'p': emit_ptr(v); break;
		case 's': emit_string(v); break;
		case 'v': emit_strv(v, c->abi32); break;
		case 'f': emit_open_flags(v); break;
		case 'S': emit_signame((int)v); break;
		case 'F':
			if ((int)v == -100)
				emit("AT_FDCWD");
			else
				emit("%d", (int)v);
			break;
		case 'b':
			emit_buffer(v, i + 1 < 6 ? (long)c->args[i + 1] : 0);
			break;
		case 'B':
			if (have_ret && ret > 0)
				emit_buffer(v, ret);
			else
				emit_ptr(v);
			break;
		default: emit_number(sarg(c, i, 0)); break;
		}
	}
	emit(")");
}

static void emit_result(const struct call *entry, long ret)
{
	const struct sc *s = lookup(entry->abi32, entry->nr);
	if (ret < 0 && ret >= -4095) {
		long e = -ret;
		switch (e) {
		case 512: emit(" = ? ERESTARTSYS (To be restarted if SA_RESTART is set)"); return;
		case 513: emit(" = ? ERESTARTNOINTR (To be restarted)"); return;
		case 514: emit(" = ? ERESTARTNOHAND (To be restarted if no handler)"); return;
		case 516: emit(" = ? ERESTART_RESTARTBLOCK (Interrupted by signal)"); return;
		}
		if (e < (long)NELEM(errnames) && errnames[e])
			emit(" = -1 %s (%s)", errnames[e], strerror((int)e));
		else
			emit(" = -1 errno %ld (%s)", e, strerror((int)e));
		return;
	}
	char rf = s ? s->ret : 'd';
	if (rf == 'x')
		emit(" = %#lx", (unsigned long)ret);
	else if (rf == 'o')
		emit(" = %#lo", (unsigned long)ret);
	else
		emit(" = %ld", ret);
}

/*
 * The call's text is taken at the entry stop (execve's strings are gone
 * by its exit stop), except for calls whose buffers the kernel fills.
 */
static char entry_text[sizeof(line)];
static int have_entry_text;

static void save_entry_text(const struct call *c)
{
	const struct sc *s = lookup(c->abi32, c->nr);
	have_entry_text = 0;
	if (s && strchr(s->args, 'B'))
		return;
	line_len = 0;
	emit_call(c, 0, 0);
	memcpy(entry_text, line, line_len);
	entry_text[line_len] = 0;
	line_len = 0;
	have_entry_text = 1;
}

static void emit_entry(const struct call *c, long ret, int have_ret)
{
	if (have_entry_text)
		emit("%s", entry_text);
	else
		emit_call(c, ret, have_ret);
}

static int is_exit_call(const struct call *c)
{
	const struct sc *s = lookup(c->abi32, c->nr);
	return s && (strcmp(s->name, "exit") == 0 ||
		     strcmp(s->name, "exit_group") == 0);
}

static void usage(void)
{
	static const char msg[] = "usage: xstrace [-o FILE] PROG [ARGS...]\n";
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(2);
	exit(2);
}

int main(int argc, char **argv)
{
	int argi = 1;
	if (argi + 1 < argc && strcmp(argv[argi], "-o") == 0) {
		out_fd = open(argv[argi + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			      0644);
		if (out_fd < 0) {
			perror(argv[argi + 1]);
			return 2;
		}
		argi += 2;
	}
	if (argi >= argc || argv[argi][0] == '-')
		usage();

	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0) {
			perror("PTRACE_TRACEME");
			_exit(127);
		}
		/* Stop so the tracer can set options and see the execve. */
		syscall(SYS_kill, syscall(SYS_getpid), SIGSTOP);
		execvp(argv[argi], &argv[argi]);
		_exit(127);
	}
	tracee = pid;

	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st)) {
		fprintf(stderr, "xstrace: the child did not stop\n");
		return 2;
	}
	if (ptrace(PTRACE_SETOPTIONS, pid, 0,
		   (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
			    PTRACE_O_EXITKILL)) != 0) {
		perror("PTRACE_SETOPTIONS");
		kill(pid, SIGKILL);
		return 2;
	}

	struct call entry;
	int in_call = 0, sig = 0;
	memset(&entry, 0, sizeof(entry));
	for (;;) {
		if (ptrace(PTRACE_SYSCALL, pid, 0, (void *)(long)sig) != 0 &&
		    errno != ESRCH) {
			perror("PTRACE_SYSCALL");
			kill(pid, SIGKILL);
		}
		sig = 0;
		if (waitpid(pid, &st, __WALL) != pid) {
			perror("waitpid");
			return 2;
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (in_call) {
				emit_entry(&entry, 0, 0);
				emit(" = ?");
				flush_line();
			}
			if (WIFEXITED(st)) {
				emit("+++ exited with %d +++", WEXITSTATUS(st));
				flush_line();
				return WEXITSTATUS(st);
			}
			emit("+++ killed by ");
			emit_signame(WTERMSIG(st));
			emit(" +++");
			flush_line();
			return 128 + WTERMSIG(st);
		}
		if (!WIFSTOPPED(st))
			continue;
		int s = WSTOPSIG(st), event = st >> 16;
		if (s == (SIGTRAP | 0x80)) {
			struct call now;
			if (read_call(&now) != 0)
				continue;
			if (!in_call) {
				entry = now;
				in_call = 1;
				save_entry_text(&entry);
				if (is_exit_call(&entry)) {
					/* No exit stop will come. */
					emit_entry(&entry, 0, 0);
					emit(" = ?");
					flush_line();
					in_call = 0;
				}
			} else {
				emit_entry(&entry, now.ret, 1);
				emit_result(&entry, now.ret);
				flush_line();
				in_call = 0;
			}
		} else if (event) {
			/* PTRACE_EVENT_EXEC: inside execve; its exit stop follows. */
		} else {
			emit("--- ");
			emit_signame(s);
			emit(" ---");
			flush_line();
			sig = s;
		}
	}
}
