/*
 * efault: a bad user pointer makes a system call fail with -EFAULT.
 *
 * Linux validates every user pointer a syscall dereferences: addresses
 * outside the user range fail access_ok(), and user addresses that are
 * unmapped, PROT_NONE, or (for results the kernel writes) read-only fault
 * inside the kernel's copy routines and are turned into -EFAULT.  Nothing
 * else happens: no signal, no partial effect that the caller can see.
 *
 * Each case calls one syscall with the bad pointer in one argument, for
 * every kind of bad address below, through raw_syscall() so that glibc
 * cannot check or replace the pointer first.  Where Linux documents NULL
 * as "not given" (gettimeofday, time, clock_getres, wait4 status, waitid
 * info, prlimit64, rt_sigprocmask, rt_sigaction, execve argv/envp), NULL is
 * left out: that is a valid argument, not a bad pointer.
 */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <fcntl.h>
#include <linux/stat.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <time.h>

#ifdef __x86_64__
#define NR_stat SYS_stat
#define NR_lstat SYS_lstat
#define NR_fstat SYS_fstat
#define NR_fstatat SYS_newfstatat
#define NR_getrlimit SYS_getrlimit
#else
#define NR_stat SYS_stat64
#define NR_lstat SYS_lstat64
#define NR_fstat SYS_fstat64
#define NR_fstatat SYS_fstatat64
#define NR_getrlimit SYS_ugetrlimit
#endif

enum {
	NULL_OK = 1,	/* NULL means "absent" for this argument */
	KOUT = 2,	/* the kernel writes here: a read-only page is bad too */
};

static const char *self;	/* argv[0] */
static int selffd, pipew, tmpfd;
static char tmpname[64];
static char good[4096];

/* ---- one function per (syscall, argument) ---- */
static long c_write(long p) { return SC(SYS_write, pipew, p, 16); }
static long c_read(long p) { SC(SYS_lseek, selffd, 0, SEEK_SET); return SC(SYS_read, selffd, p, 16); }
static long c_pread(long p) { return SC(SYS_pread64, selffd, p, 16, 0, 0); }
static long c_pwrite(long p) { return SC(SYS_pwrite64, tmpfd, p, 16, 0, 0); }
static long c_readv_arr(long p) { return SC(SYS_readv, selffd, p, 1); }
static long c_readv_base(long p)
{
	struct iovec iov = { (void *)p, 16 };
	SC(SYS_lseek, selffd, 0, SEEK_SET);
	return SC(SYS_readv, selffd, &iov, 1);
}
static long c_writev_arr(long p) { return SC(SYS_writev, pipew, p, 1); }
static long c_writev_base(long p)
{
	struct iovec iov = { (void *)p, 16 };
	return SC(SYS_writev, pipew, &iov, 1);
}
#ifdef SYS_open
static long c_open(long p) { return SC(SYS_open, p, O_RDONLY); }
#endif
static long c_openat(long p) { return SC(SYS_openat, AT_FDCWD, p, O_RDONLY); }
static long c_stat_path(long p) { return SC(NR_stat, p, good); }
static long c_stat_buf(long p) { return SC(NR_stat, "/", p); }
static long c_lstat_path(long p) { return SC(NR_lstat, p, good); }
static long c_fstat_buf(long p) { return SC(NR_fstat, selffd, p); }
static long c_fstatat_path(long p) { return SC(NR_fstatat, AT_FDCWD, p, good, 0); }
static long c_fstatat_buf(long p) { return SC(NR_fstatat, AT_FDCWD, "/", p, 0); }
static long c_statx_path(long p) { return SC(SYS_statx, AT_FDCWD, p, 0, STATX_BASIC_STATS, good); }
static long c_statx_buf(long p) { return SC(SYS_statx, AT_FDCWD, "/", 0, STATX_BASIC_STATS, p); }
static long c_access(long p) { return SC(SYS_access, p, F_OK); }
static long c_faccessat(long p) { return SC(SYS_faccessat, AT_FDCWD, p, F_OK); }
static long c_chdir(long p) { return SC(SYS_chdir, p); }
static long c_mkdir(long p) { return SC(SYS_mkdir, p, 0755); }
static long c_rmdir(long p) { return SC(SYS_rmdir, p); }
static long c_unlink(long p) { return SC(SYS_unlink, p); }
static long c_chmod(long p) { return SC(SYS_chmod, p, 0644); }
static long c_readlink_path(long p) { return SC(SYS_readlink, p, good, 64); }
static long c_readlink_buf(long p) { return SC(SYS_readlink, "/proc/self/exe", p, 64); }
static long c_readlinkat_buf(long p) { return SC(SYS_readlinkat, AT_FDCWD, "/proc/self/exe", p, 64); }
static long c_getcwd(long p) { return SC(SYS_getcwd, p, 4096); }
static long c_uname(long p) { return SC(SYS_uname, p); }
static long c_clock_gettime(long p) { return SC(SYS_clock_gettime, CLOCK_MONOTONIC, p); }
static long c_clock_getres(long p) { return SC(SYS_clock_getres, CLOCK_MONOTONIC, p); }
static long c_gettimeofday(long p) { return SC(SYS_gettimeofday, p, 0); }
static long c_time(long p) { return SC(SYS_time, p); }
static long c_nanosleep(long p) { return SC(SYS_nanosleep, p, 0); }
static long c_clock_nanosleep(long p) { return SC(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, p, 0); }
static long c_pipe(long p) { return SC(SYS_pipe, p); }
static long c_pipe2(long p) { return SC(SYS_pipe2, p, 0); }
static long c_getrandom(long p) { return SC(SYS_getrandom, p, 16, 0); }
static long c_prlimit_new(long p) { return SC(SYS_prlimit64, 0, 7 /* NOFILE */, p, 0); }
static long c_prlimit_old(long p) { return SC(SYS_prlimit64, 0, 7, 0, p); }
static long c_getrlimit(long p) { return SC(NR_getrlimit, 7, p); }
static long c_getdents64(long p)
{
	/* A fresh directory fd, so there are entries left to copy out. */
	int fd = open("/", O_RDONLY | O_DIRECTORY);
	long r = SC(SYS_getdents64, fd, p, 4096);
	close(fd);
	return r;
}
static long c_sigprocmask_set(long p) { return SC(SYS_rt_sigprocmask, SIG_BLOCK, p, 0, 8); }
static long c_sigprocmask_old(long p) { return SC(SYS_rt_sigprocmask, SIG_BLOCK, 0, p, 8); }
static long c_sigaction_act(long p) { return SC(SYS_rt_sigaction, SIGUSR1, p, 0, 8); }
static long c_sigaction_old(long p) { return SC(SYS_rt_sigaction, SIGUSR1, 0, p, 8); }
/*
 * execve runs in a child with stdout on /dev/null and reports -errno via
 * its exit status: should a broken kernel accept the bad pointer and
 * start a program, that program cannot disturb this test's output.
 */
static long exec_in_child(long path, long argv, long envp)
{
	int st;
	pid_t pid = fork();
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);
		dup2(fd, 1);
		dup2(fd, 2);
		_exit((int)-SC(SYS_execve, path, argv, envp) & 0xff);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -9999;
	return -WEXITSTATUS(st);
}
static long c_execve_path(long p)
{
	char *argv[] = { (char *)self, NULL };
	return exec_in_child(p, (long)argv, (long)(argv + 1));
}
static long c_execve_argv(long p)
{
	char *envp[] = { NULL };
	return exec_in_child((long)self, p, (long)envp);
}
static long c_execve_envp(long p)
{
	char *argv[] = { (char *)self, "efault-should-not-run", NULL };
	return exec_in_child((long)self, (long)argv, p);
}

/* wait4/waitid need a dead child to report; the bad pointer is the output. */
static long reap_with(long p, int which)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	long r;
	siginfo_t si;
	if (which == 0)
		r = SC(SYS_wait4, pid, p, 0, 0);
	else if (which == 1)
		r = SC(SYS_wait4, pid, good, 0, p);
	else
		r = SC(SYS_waitid, P_PID, pid, p, WEXITED, 0);
	/* Linux has already reaped the child when the copy-out fails; if a
	 * kernel did not, collect it here so no zombie is left behind. */
	SC(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, 0);
	return r;
}
static long c_wait4_status(long p) { return reap_with(p, 0); }
static long c_wait4_rusage(long p) { return reap_with(p, 1); }
static long c_waitid_info(long p) { return reap_with(p, 2); }

#ifdef __x86_64__
static long c_arch_prctl_fs(long p) { return SC(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, p); }
static long c_arch_prctl_gs(long p) { return SC(SYS_arch_prctl, 0x1004 /* ARCH_GET_GS */, p); }
#else
static long c_set_thread_area(long p) { return SC(SYS_set_thread_area, p); }
static long c_get_thread_area(long p) { return SC(SYS_get_thread_area, p); }
static long c_waitpid(long p)
{
	pid_t pid = fork();
	if (pid == 0)
		_exit(7);
	long r = SC(SYS_waitpid, pid, p, 0);
	siginfo_t si;
	SC(SYS_waitid, P_PID, pid, &si, WEXITED | WNOHANG, 0);
	return r;
}
#endif

static const struct ecase {
	const char *name;
	int flags;
	long (*fn)(long);
} cases[] = {
	{ "write buffer", 0, c_write },
	{ "read buffer", KOUT, c_read },
	{ "pread64 buffer", KOUT, c_pread },
	{ "pwrite64 buffer", 0, c_pwrite },
	{ "readv iovec array", 0, c_readv_arr },
	{ "readv iov_base", KOUT, c_readv_base },
	{ "writev iovec array", 0, c_writev_arr },
	{ "writev iov_base", 0, c_writev_base },
#ifdef SYS_open
	{ "open path", 0, c_open },
#endif
	{ "openat path", 0, c_openat },
	{ "stat path", 0, c_stat_path },
	{ "stat buffer", KOUT, c_stat_buf },
	{ "lstat path", 0, c_lstat_path },
	{ "fstat buffer", KOUT, c_fstat_buf },
	{ "fstatat path", 0, c_fstatat_path },
	{ "fstatat buffer", KOUT, c_fstatat_buf },
	{ "statx path", 0, c_statx_path },
	{ "statx buffer", KOUT, c_statx_buf },
	{ "access path", 0, c_access },
	{ "faccessat path", 0, c_faccessat },
	{ "chdir path", 0, c_chdir },
	{ "mkdir path", 0, c_mkdir },
	{ "rmdir path", 0, c_rmdir },
	{ "unlink path", 0, c_unlink },
	{ "chmod path", 0, c_chmod },
	{ "readlink path", 0, c_readlink_path },
	{ "readlink buffer", KOUT, c_readlink_buf },
	{ "readlinkat buffer", KOUT, c_readlinkat_buf },
	{ "getcwd buffer", KOUT, c_getcwd },
	{ "uname buffer", KOUT, c_uname },
	{ "clock_gettime timespec", KOUT, c_clock_gettime },
	{ "clock_getres timespec", KOUT | NULL_OK, c_clock_getres },
	{ "gettimeofday timeval", KOUT | NULL_OK, c_gettimeofday },
	{ "time result", KOUT | NULL_OK, c_time },
	{ "nanosleep request", 0, c_nanosleep },
	{ "clock_nanosleep request", 0, c_clock_nanosleep },
	{ "pipe fd array", KOUT, c_pipe },
	{ "pipe2 fd array", KOUT, c_pipe2 },
	{ "getrandom buffer", KOUT, c_getrandom },
	{ "prlimit64 new limit", NULL_OK, c_prlimit_new },
	{ "prlimit64 old limit", KOUT | NULL_OK, c_prlimit_old },
	{ "getrlimit result", KOUT, c_getrlimit },
	{ "getdents64 buffer", KOUT, c_getdents64 },
	{ "rt_sigprocmask new set", NULL_OK, c_sigprocmask_set },
	{ "rt_sigprocmask old set", KOUT | NULL_OK, c_sigprocmask_old },
	{ "rt_sigaction new action", NULL_OK, c_sigaction_act },
	{ "rt_sigaction old action", KOUT | NULL_OK, c_sigaction_old },
	{ "execve path", 0, c_execve_path },
	{ "execve argv", NULL_OK, c_execve_argv },
	{ "execve envp", NULL_OK, c_execve_envp },
	{ "wait4 status", KOUT | NULL_OK, c_wait4_status },
	{ "wait4 rusage", KOUT | NULL_OK, c_wait4_rusage },
	{ "waitid siginfo", KOUT | NULL_OK, c_waitid_info },
#ifdef __x86_64__
	{ "arch_prctl(ARCH_GET_FS) result", KOUT, c_arch_prctl_fs },
	{ "arch_prctl(ARCH_GET_GS) result", KOUT, c_arch_prctl_gs },
#else
	{ "set_thread_area descriptor", 0, c_set_thread_area },
	/* in/out: entry_number is read first, so a read-only page of zeros
	 * gives -EINVAL (entry 0 is no TLS slot), not -EFAULT: no KOUT. */
	{ "get_thread_area descriptor", 0, c_get_thread_area },
	{ "waitpid status", KOUT | NULL_OK, c_waitpid },
#endif
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

int main(int argc, char **argv)
{
	self = argv[0];
	if (argc > 1) /* started by a kernel that accepted a bad execve */
		return 111;
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	ktap_plan(NCASES + 2);

	/* The kinds of bad address. */
	char *area = mmap(NULL, 3 * 4096, PROT_READ,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole = area + 4096, *none = area + 8192;
	munmap(hole, 4096);			/* an unmapped user page */
	mprotect(none, 4096, PROT_NONE);	/* mapped, no access */
	struct { const char *what; long addr; int needs; } bad[] = {
		{ "NULL", 0, 0 },
		{ "unmapped page", (long)hole, 0 },
		{ "PROT_NONE page", (long)none, 0 },
		{ "read-only page", (long)area, KOUT },
#ifdef __x86_64__
		{ "kernel address", (long)0xffff888000000000UL, 0 },
		{ "non-canonical address", (long)0x8000000000000000UL, 0 },
#else
		/* Above the compat task size (0xffffe000): never user memory. */
		{ "top of 4 GiB", (long)0xfffff000UL, 0 },
		/* Native i386 only (the last two): the kernel's own memory,
		 * mapped and readable for the kernel - only access_ok() stands
		 * between it and the call. */
		{ "kernel direct map (TASK_SIZE)", (long)0xc0000000UL, 0 },
		{ "kernel image", (long)0xc0100000UL, 0 },
#endif
	};
	int nbad = sizeof(bad) / sizeof(bad[0]);
#ifndef __x86_64__
	if (!native_i386())
		nbad -= 2;	/* user memory may be there on a 64-bit kernel */
#endif

	int pfd[2];
	if (pipe(pfd) < 0)
		ktap_diag("pipe failed: %s", strerror(errno));
	pipew = pfd[1];
	selffd = open(self, O_RDONLY);
	snprintf(tmpname, sizeof(tmpname), "/tmp/efault.%d", (int)getpid());
	tmpfd = open(tmpname, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (selffd < 0 || tmpfd < 0)
		ktap_diag("setup failed: %s", strerror(errno));

	int lowest_before = dup(1);
	close(lowest_before);

	for (int i = 0; i < NCASES; i++) {
		const struct ecase *c = &cases[i];
		int ok = 1;
		for (int b = 0; b < nbad; b++) {
			if (bad[b].addr == 0 && (c->flags & NULL_OK))
				continue;
			if (bad[b].needs && !(c->flags & bad[b].needs))
				continue;
			long r = c->fn(bad[b].addr);
			if (r != -EFAULT) {
				ktap_diag("%s with %s (%#lx): got %ld, want -EFAULT",
					  c->name, bad[b].what,
					  (unsigned long)bad[b].addr, r);
				ok = 0;
			}
		}
		ktap_ok(ok, "%s: bad pointer gives EFAULT", c->name);
	}

	/* pipe()/pipe2() with a bad array must not leave descriptors open. */
	int lowest_after = dup(1);
	close(lowest_after);
	ktap_eq(lowest_after, lowest_before,
		"failed pipe/pipe2/open calls leak no file descriptors");

	/* Nothing above may have written into the read-only page. */
	int clean = 1;
	for (int i = 0; i < 4096; i++)
		clean &= area[i] == 0;
	ktap_ok(clean, "read-only page still all zero after the failed calls");

	close(tmpfd);
	unlink(tmpname);
	return ktap_finish();
}
