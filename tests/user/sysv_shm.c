/*
 * System V shared memory: shmget's key rules (EEXIST, ENOENT, EINVAL for
 * sizes), shmat at a chosen address (SHM_RND, SHM_RDONLY), shm_nattch
 * through attach, fork and exit, IPC_STAT/IPC_SET, IPC_RMID keeping an
 * attached segment alive until its last detach, shmdt's EINVAL.  On
 * i386 glibc goes through ipc(2); the direct calls 395-398 are checked
 * by number as well.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include "ktap.h"

static long nattch(int id)
{
	struct shmid_ds ds;
	if (shmctl(id, IPC_STAT, &ds))
		return -errno;
	return (long)ds.shm_nattch;
}

/* Run fn in a child; its wait status. */
static int in_child(void (*fn)(void *), void *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

static void write_byte(void *p) { *(volatile char *)p = 'w'; }

static int child_id;
static void child_attach_and_write(void *p)
{
	if (nattch(child_id) != 4)	/* the parent's two and our copies */
		_exit(3);
	char *q = shmat(child_id, NULL, 0);
	if (q == (void *)-1 || nattch(child_id) != 5)
		_exit(4);
	q[100] = 'c';		/* left attached: exit must detach it */
	((char *)p)[101] = 'd';
}

/* A fork child attaches, then execs this program, which reports
 * whether exec detached everything (nattch is then the parent's). */
static int exec_detaches(int id, long parent_count)
{
	pid_t pid = fork();
	if (pid == 0) {
		char a[32], b[32];
		snprintf(a, sizeof(a), "%d", id);
		snprintf(b, sizeof(b), "%ld", parent_count);
		if (shmat(id, NULL, 0) == (void *)-1)
			_exit(2);
		execl("/proc/self/exe", "sysv_shm", "--after-exec", a, b, (char *)NULL);
		_exit(3);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "--after-exec"))
		return nattch(atoi(argv[2])) == atol(argv[3]) ? 0 : 1;
	ktap_plan(26);
	long pg = sysconf(_SC_PAGESIZE);
	key_t key = (key_t)(0x5e000000 | (getpid() & 0xffffff));

	errno = 0;
	ktap_ok(shmget(IPC_PRIVATE, 0, 0600) == -1 && errno == EINVAL,
		"size 0 (below SHMMIN): EINVAL (errno %d)", errno);
	errno = 0;
	ktap_ok(shmget(key, 4096, 0600) == -1 && errno == ENOENT,
		"unknown key without IPC_CREAT: ENOENT (errno %d)", errno);

	int id = shmget(key, 2 * pg + 10, IPC_CREAT | IPC_EXCL | 0600);
	ktap_ok(id >= 0, "IPC_CREAT|IPC_EXCL makes a segment (id %d)", id);
	errno = 0;
	ktap_ok(shmget(key, 10, IPC_CREAT | IPC_EXCL | 0600) == -1 && errno == EEXIST,
		"IPC_CREAT|IPC_EXCL on an existing key: EEXIST (errno %d)", errno);
	ktap_eq(shmget(key, 10, 0), id, "the key finds the same segment");
	errno = 0;
	ktap_ok(shmget(key, 3 * pg, 0) == -1 && errno == EINVAL,
		"a size above the segment's: EINVAL (errno %d)", errno);

	char *p = shmat(id, NULL, 0);
	ktap_ok(p != (void *)-1 && ((uintptr_t)p & (pg - 1)) == 0 && p[0] == 0 &&
		p[2 * pg + 9] == 0, "shmat maps the zeroed segment at a page boundary");
	if (p == (void *)-1)
		return ktap_finish();

	struct shmid_ds ds;
	memset(&ds, 0xff, sizeof(ds));
	ktap_ok(shmctl(id, IPC_STAT, &ds) == 0 && ds.shm_segsz == (size_t)(2 * pg + 10) &&
		(ds.shm_perm.mode & 0777) == 0600 && ds.shm_perm.__key == key &&
		ds.shm_cpid == getpid() && ds.shm_lpid == getpid() && ds.shm_nattch == 1 &&
		ds.shm_atime != 0, "IPC_STAT: size, mode, key, pids, nattch 1, atime");

	/* A second attachment at a chosen address, rounded by SHM_RND. */
	char *want = mmap(NULL, 4 * pg, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(want, 4 * pg);
	errno = 0;
	ktap_ok(shmat(id, want + 5, 0) == (void *)-1 && errno == EINVAL,
		"an unaligned address without SHM_RND: EINVAL (errno %d)", errno);
	char *q = shmat(id, want + 5, SHM_RND);
	ktap_ok(q == want, "SHM_RND rounds the address down (%p vs %p)", q, want);
	p[7] = 'x';
	ktap_ok(q != (void *)-1 && q[7] == 'x' && nattch(id) == 2,
		"both attachments show one memory; nattch 2");
	errno = 0;
	ktap_ok(shmat(id, want, 0) == (void *)-1 && errno == EINVAL,
		"attaching over a mapping without SHM_REMAP: EINVAL (errno %d)", errno);

	/* fork inherits both; the child's own attach goes with its exit. */
	child_id = id;
	int st = in_child(child_attach_and_write, p);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && p[100] == 'c' && p[101] == 'd' &&
		nattch(id) == 2, "fork inherits attachments, exit detaches (status %#x)", st);

	st = exec_detaches(id, 2);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && nattch(id) == 2,
		"exec detaches inherited and own attachments (status %#x)", st);

	char *r = shmat(id, NULL, SHM_RDONLY);
	ktap_ok(r != (void *)-1 && r[7] == 'x', "SHM_RDONLY attachment reads");
	st = in_child(write_byte, r);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		"writing through SHM_RDONLY: SIGSEGV (status %#x)", st);
	errno = 0;
	ktap_ok(mprotect(r, pg, PROT_READ | PROT_WRITE) == -1 && errno == EACCES,
		"mprotect cannot make SHM_RDONLY writable: EACCES (errno %d)", errno);
	ktap_eq(shmdt(r), 0, "shmdt of the read-only attachment");

	ds.shm_perm.mode = 0640;
	ktap_ok(shmctl(id, IPC_SET, &ds) == 0 && shmctl(id, IPC_STAT, &ds) == 0 &&
		(ds.shm_perm.mode & 0777) == 0640, "IPC_SET changes the mode");

	/* IPC_RMID while attached: the key goes, the memory stays. */
	ktap_ok(shmctl(id, IPC_RMID, NULL) == 0 && shmctl(id, IPC_STAT, &ds) == 0 &&
		(ds.shm_perm.mode & SHM_DEST) && ds.shm_perm.__key == IPC_PRIVATE &&
		ds.shm_nattch == 2, "IPC_RMID while attached: SHM_DEST, key cleared");
	errno = 0;
	ktap_ok(shmget(key, 10, 0) == -1 && errno == ENOENT && p[7] == 'x',
		"its key is free (ENOENT) while the memory lives (errno %d)", errno);
	ktap_ok(shmdt(p) == 0 && nattch(id) == 1 && q[7] == 'x',
		"first detach: the segment lives on");
	ktap_ok(shmdt(q) == 0 && nattch(id) == -EINVAL,
		"last detach destroys it: IPC_STAT says EINVAL");
	errno = 0;
	ktap_ok(shmdt(q) == -1 && errno == EINVAL,
		"shmdt where nothing is attached: EINVAL (errno %d)", errno);

#ifdef __i386__
	/* The direct i386 calls (glibc uses ipc(2)). */
	long did = syscall(395, IPC_PRIVATE, 4096, 0600);
	long a = did >= 0 ? syscall(397, (int)did, 0, 0) : -1;
	struct shmid_ds d2;
	memset(&d2, 0, sizeof(d2));
	long sr = syscall(396, (int)did, IPC_STAT, &d2);
	/* ipc(2) SHMCTL without IPC_64: the old layout, segsz at 16 and
	 * a 16-bit nattch at 36. */
	unsigned char old[48];
	memset(old, 0xee, sizeof(old));
	long orr = syscall(117, 24, (int)did, IPC_STAT, 0, old);
	int osz;
	unsigned short onat;
	memcpy(&osz, old + 16, 4);
	memcpy(&onat, old + 36, 2);
	ktap_ok(orr == 0 && osz == 4096 && onat == 1,
		"ipc(SHMCTL, IPC_STAT) without IPC_64: old shmid_ds (%ld %d %u)",
		orr, osz, onat);
	long dr = syscall(398, a), rr = syscall(396, (int)did, IPC_RMID, 0);
	ktap_ok(did >= 0 && a != -1 && sr == 0 && d2.shm_nattch == 1 &&
		d2.shm_segsz == 4096 && dr == 0 && rr == 0,
		"direct i386 shmget/shmat/shmctl/shmdt (395-398): %ld %#lx %ld %lu %lu %ld %ld",
		did, a, sr, (unsigned long)d2.shm_nattch, (unsigned long)d2.shm_segsz, dr, rr);
#else
	errno = 0;
	ktap_ok(shmctl(id, 0x7777, &ds) == -1 && errno == EINVAL,
		"unknown shmctl command: EINVAL (errno %d)", errno);
	ktap_skip("i386 only", "ipc(2) old shmid_ds layout");
#endif
	return ktap_finish();
}
