/*
 * fuzz_syscalls - random system calls with hostile arguments must never
 * hurt the kernel.
 *
 * Children make thousands of calls with random numbers (past the end of the
 * table too) and arguments drawn from a pool of bad values: NULL, -1,
 * unmapped, kernel and non-canonical addresses, huge lengths, pointers into
 * and just past a buffer.  A child may die of anything; the assertions are
 * that each child ends (by itself, by alarm, or by our SIGKILL), that the
 * parent survives, and that the kernel still answers afterwards.  A kernel
 * panic fails the whole run in the runner.
 *
 * Calls that would leave the sandbox of a child are not drawn: signals to
 * other processes, process creation and exec, ptrace, waits, and filesystem
 * writes outside the child's own files.  On Linux the test SKIPs: as root,
 * random calls could harm the host.
 */
#include "ktap.h"
#include "sys.h"
#include "../../include/uapi/xentry_stats.h"
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>

#define CHILDREN 8
#define CALLS 1500

static unsigned long rnd_state;
static char buf[65536];

static unsigned long rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static long bad_arg(void)
{
	switch (rnd() % 12) {
	case 0: return 0;
	case 1: return -1;
	case 2: return rnd() % 16;			/* small: fds, flags */
	case 3: return (long)buf;
	case 4: return (long)(buf + sizeof(buf) - 3);	/* runs off the end */
	case 5: return 0x1000;				/* unmapped */
	case 6: return (long)0xffff888000000000UL;	/* kernel (64-bit) */
	case 7: return (long)0x8000000000000000UL;	/* non-canonical */
	case 8: return (long)rnd();
	case 9: return (long)0xfffff000UL;		/* top of 4 GiB */
	case 10: return rnd() % 4096;
	default: return (long)(buf + rnd() % 60000);
	}
}

/* Numbers never drawn (see the header comment). */
static const int excluded[] = {
#ifdef __x86_64__
	56, 57, 58, 59, 60, 61, 62, 101, 200, 231, 234, 247, 322, 34, 35, 37, 38,
	7, 23, 270, 230, 130, 128, 15, 82, 83, 84, 87, 90, 263, 258, 264, 316,
#else
	1, 2, 7, 11, 26, 37, 114, 120, 190, 238, 252, 270, 284, 27, 29, 104, 162,
	267, 407, 179, 177, 421, 119, 173, 10, 15, 38, 39, 40, 301, 296, 302, 353,
#endif
};

static void child(int n)
{
	rnd_state = 0x2545f4914f6cdd1dUL ^ (unsigned long)(n + 1) * 0x9e3779b97f4a7c15UL;
	if (!rnd_state)
		rnd_state = 1;
	/* Random writes to fds 1 and 2 would interleave garbage with the
	 * parent's KTAP lines on the shared console: point them at /dev/null. */
	int null = open("/dev/null", O_RDWR);
	for (int fd = 0; fd < 3 && null >= 0; fd++)
		dup2(null, fd);
	alarm(1);
	for (int i = 0; i < CALLS; i++) {
		long nr = rnd() % 480, a[6];
		int skip = 0;
		for (unsigned k = 0; k < sizeof(excluded) / sizeof(excluded[0]); k++)
			skip |= excluded[k] == nr;
		if (skip)
			continue;
		for (int k = 0; k < 6; k++)
			a[k] = bad_arg();
		raw_syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	_exit(0);
}

int main(void)
{
	struct xentry_exit_stats st;
	ktap_plan(CHILDREN + 1);
	if (raw_syscall(XENTRY_NR_exit_stats, (long)&st, 0, 0, 0, 0, 0) < 0) {
		for (int i = 0; i < CHILDREN + 1; i++)
			ktap_skip("not xentry: random calls as root could harm the host",
				  "fuzz case %d", i + 1);
		return ktap_finish();
	}
	for (int n = 0; n < CHILDREN; n++) {
		pid_t pid = fork();
		if (pid == 0)
			child(n);
		int status = -1, waited = 0;
		/* It may block SIGALRM and then sleep forever: that is allowed,
		 * and SIGKILL still ends it. */
		while (pid > 0 && waitpid(pid, &status, WNOHANG) == 0) {
			usleep(100000);
			if (++waited == 20)
				kill(pid, SIGKILL);
		}
		ktap_ok(pid > 0 && (WIFEXITED(status) || WIFSIGNALED(status)),
			"child %d (%d random calls) ended: %s", n, CALLS,
			pid > 0 && WIFSIGNALED(status) ? strsignal(WTERMSIG(status)) : "exit");
	}
	ktap_ok(getppid() >= 0 && raw_syscall(SYS_getpid, 0, 0, 0, 0, 0, 0) == getpid(),
		"the kernel still answers after the fuzzing");
	return ktap_finish();
}
