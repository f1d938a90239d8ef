/*
 * unshare(2): FILES and FS give the caller its own copy of a table a
 * CLONE_FILES / CLONE_FS child shares with its parent (the control cases
 * show the sharing first); THREAD, SIGHAND and VM succeed only for a
 * lone thread (EINVAL with a second thread, VM in a vfork child);
 * unknown bits are EINVAL, before any namespace answer; NEWNS implies
 * FS (where it is allowed: xentry says EPERM, docs/threads.md).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ktap.h"

static long sys_unshare(unsigned long flags)
{
	long r = syscall(SYS_unshare, flags);
	return r < 0 ? -errno : r;
}

/* fork() whose child shares `flags` (CLONE_FILES / CLONE_FS) with us;
 * the child runs fn and exits with its result. */
static int clone_run(unsigned long flags, int (*fn)(void))
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0)
		_exit(fn());
	int st = -1;
	if (pid < 0 || waitpid((pid_t)pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static int victim_fd;
static int child_close(void) { close(victim_fd); return 0; }
static int child_unshare_close(void)
{
	if (sys_unshare(CLONE_FILES))
		return 1;
	close(victim_fd);
	return 0;
}
static int child_umask(void) { umask(0); return 0; }
static int child_unshare_umask(void)
{
	if (sys_unshare(CLONE_FS))
		return 1;
	umask(0);
	return 0;
}
static int child_newns_umask(void)
{
	long r = sys_unshare(CLONE_NEWNS);
	if (r == -EPERM)
		return 4;
	if (r)
		return 1;
	umask(0);
	return 0;
}

static volatile int stop_thread;
static void *spin(void *arg)
{
	while (!stop_thread)
		usleep(1000);
	return arg;
}

int main(void)
{
	ktap_plan(15);

	ktap_eq(sys_unshare(0), 0, "unshare(0) succeeds");
	ktap_eq(sys_unshare(0x1), -EINVAL, "an unknown bit (CSIGNAL) is EINVAL");
	ktap_eq(sys_unshare(CLONE_VFORK), -EINVAL, "CLONE_VFORK is EINVAL");
	ktap_eq(sys_unshare(CLONE_NEWNS | 0x1), -EINVAL,
		"an unknown bit is EINVAL even beside a namespace flag");
	ktap_eq(sys_unshare(CLONE_THREAD | CLONE_SIGHAND | CLONE_VM), 0,
		"THREAD|SIGHAND|VM succeed for a single-threaded process");

	/* FILES: the control case proves the child shares the table. */
	victim_fd = open("/dev/null", O_RDONLY);
	ktap_ok(clone_run(CLONE_FILES, child_close) == 0 &&
		fcntl(victim_fd, F_GETFD) == -1 && errno == EBADF,
		"control: a CLONE_FILES child's close reaches the parent");
	victim_fd = open("/dev/null", O_RDONLY);
	ktap_ok(clone_run(CLONE_FILES, child_unshare_close) == 0 &&
		fcntl(victim_fd, F_GETFD) >= 0,
		"after unshare(CLONE_FILES) the child's close does not");

	/* FS: umask is in the shared fs_struct. */
	umask(022);
	ktap_ok(clone_run(CLONE_FS, child_umask) == 0 && umask(022) == 0,
		"control: a CLONE_FS child's umask reaches the parent");
	umask(022);
	ktap_ok(clone_run(CLONE_FS, child_unshare_umask) == 0 && umask(022) == 022,
		"after unshare(CLONE_FS) the child's umask does not");
	int r = clone_run(CLONE_FS, child_newns_umask);
	if (r == 4)
		ktap_skip("no CAP_SYS_ADMIN", "unshare(CLONE_NEWNS) implies CLONE_FS");
	else
		ktap_ok(r == 0 && umask(022) == 022,
			"unshare(CLONE_NEWNS) implies CLONE_FS (child %d)", r);

	/* VM in a vfork child: the parent still uses that memory. */
	volatile long vr = 1;
	pid_t pid = vfork();
	if (pid == 0) {
		vr = syscall(SYS_unshare, CLONE_VM) < 0 ? -errno : 0;
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	ktap_eq(vr, -EINVAL, "unshare(CLONE_VM) in a vfork child is EINVAL");

	pthread_t th;
	if (pthread_create(&th, NULL, spin, NULL)) {
		ktap_skip("pthread_create failed", "THREAD with two threads");
		ktap_skip("pthread_create failed", "VM with two threads");
		ktap_skip("pthread_create failed", "NEWUSER with two threads");
		ktap_skip("pthread_create failed", "FILES with two threads");
	} else {
		ktap_eq(sys_unshare(CLONE_THREAD), -EINVAL,
			"unshare(CLONE_THREAD) with two threads is EINVAL");
		ktap_eq(sys_unshare(CLONE_VM), -EINVAL,
			"unshare(CLONE_VM) with two threads is EINVAL");
		ktap_eq(sys_unshare(CLONE_NEWUSER), -EINVAL,
			"unshare(CLONE_NEWUSER) with two threads is EINVAL (implies THREAD)");
		ktap_eq(sys_unshare(CLONE_FILES | CLONE_FS), 0,
			"unshare(CLONE_FILES|CLONE_FS) with two threads succeeds");
		stop_thread = 1;
		pthread_join(th, NULL);
	}
	return ktap_finish();
}
