/*
 * tscrun NAME PROGRAM [ARGS...] - run PROGRAM, wait for it, and print
 *
 *   BB tsc name=NAME ticks=<TSC delta> status=<wait status>
 *
 * For tools/bench's busybox workloads (bench_lib/busybox.py): under QEMU's
 * -icount shift=0 the TSC counts retired instructions (and idle ticks), so
 * the delta is what the whole workload cost the guest - kernel, every
 * process it forked, and the C library - on whichever kernel runs it.
 */
#include <stdio.h>
#include <unistd.h>
#include <sys/wait.h>

static unsigned long long tsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((unsigned long long)hi << 32) | lo;
}

int main(int argc, char **argv)
{
	int status = -1;
	if (argc < 3) {
		fprintf(stderr, "usage: tscrun NAME PROGRAM [ARGS...]\n");
		return 2;
	}
	unsigned long long t0 = tsc();
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[2], argv + 2);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = -1;
	unsigned long long t1 = tsc();
	printf("BB tsc name=%s ticks=%llu status=%d\n", argv[1], t1 - t0, status);
	return status == 0 ? 0 : 1;
}
