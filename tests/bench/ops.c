/*
 * bench's whole operations (issue 13), beside bench.c's entry paths.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

typedef unsigned long long u64;
#define EXIT_AT_ONCE "--bench-exit-at-once"	/* bench.c's main exits at once */
int cmp_double(const void *a, const void *b);
const char *fmt(double v, char *buf, size_t len);

/*
 * What a program sees as one operation, kernel and C library together:
 * the same static binary on both kernels, so glibc's share is the same.
 * Each batch times n operations with two fenced rdtsc and reports the
 * cost of one; no empty loop is subtracted (a few instructions of loop
 * against hundreds of thousands).
 *
 *   fork_exit_wait   fork(); the child _exit(0)s; waitpid()
 *   fork_exec_wait   fork(); the child execve()s this very binary (about
 *                    800 KB, static), which exits at once; waitpid()
 *   vfork_exec_wait  the same with vfork(): the parent sleeps until the
 *                    child's execve, and no page tables are copied
 *   page_fault       first write to one page of a fresh anonymous mapping
 * and ops_ipc.c's pipe, signal, thread and futex round trips.
 */

static u64 tsc(void)
{
	unsigned lo, hi;
	__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi) : : "memory");
	return ((u64)hi << 32) | lo;
}

static char *self_path;
static char **self_envp;

static int reap(pid_t pid)
{
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static int op_fork_exit_wait(unsigned long n, u64 *ticks)
{
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0)
			_exit(0);
		if (reap(pid))
			return -1;
	}
	*ticks = tsc() - t0;
	return 0;
}

static int op_fork_exec_wait(unsigned long n, u64 *ticks)
{
	char *argv[] = { self_path, EXIT_AT_ONCE, NULL };
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid == 0) {
			execve(self_path, argv, self_envp);
			_exit(127);
		}
		if (reap(pid))
			return -1;
	}
	*ticks = tsc() - t0;
	return 0;
}

/* Out of line: the child borrows this frame, so nothing of the caller's
 * loop may live in it (a vfork child may only execve or _exit). */
static __attribute__((noinline)) pid_t vfork_exec(char **argv)
{
	pid_t pid = vfork();
	if (pid == 0) {
		execve(self_path, argv, self_envp);
		_exit(127);
	}
	return pid;
}

static int op_vfork_exec_wait(unsigned long n, u64 *ticks)
{
	char *argv[] = { self_path, EXIT_AT_ONCE, NULL };
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++)
		if (reap(vfork_exec(argv)))
			return -1;
	*ticks = tsc() - t0;
	return 0;
}

static int op_page_fault(unsigned long n, u64 *ticks)
{
	char *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -1;
	u64 t0 = tsc();
	for (unsigned long i = 0; i < n; i++)
		((volatile char *)p)[i * 4096] = 1;
	*ticks = tsc() - t0;
	munmap(p, n * 4096);
	return 0;
}

int op_pipe_pingpong(unsigned long n, u64 *ticks);
int op_signal_self(unsigned long n, u64 *ticks);
int op_thread_create_join(unsigned long n, u64 *ticks);
int op_futex_pingpong(unsigned long n, u64 *ticks);

struct op {
	const char *name;
	int (*run)(unsigned long n, u64 *ticks);
	unsigned long n;		/* operations per batch */
};

static const struct op ops[] = {
	{ "fork_exit_wait", op_fork_exit_wait, 8 },
	{ "fork_exec_wait", op_fork_exec_wait, 4 },
	{ "vfork_exec_wait", op_vfork_exec_wait, 4 },
	{ "page_fault", op_page_fault, 256 },
	{ "pipe_pingpong", op_pipe_pingpong, 200 },
	{ "signal_self", op_signal_self, 200 },
	{ "thread_create_join", op_thread_create_join, 32 },
	{ "futex_pingpong", op_futex_pingpong, 200 },
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))
#define OP_BATCHES 5

static void measure_op(const struct op *o, const char *unit)
{
	char b1[32], b2[32];
	double per[OP_BATCHES];
	u64 ticks;
	if (o->run(1, &ticks)) {		/* warm-up */
		printf("BENCH path=%s min=n/a median=n/a unit=%s why=failed\n", o->name, unit);
		return;
	}
	for (unsigned i = 0; i < OP_BATCHES; i++) {
		if (o->run(o->n, &ticks)) {
			printf("BENCH path=%s min=n/a median=n/a unit=%s why=failed\n", o->name, unit);
			return;
		}
		per[i] = (double)ticks / o->n;
	}
	qsort(per, OP_BATCHES, sizeof(double), cmp_double);
	printf("BENCH path=%s min=%s median=%s unit=%s\n", o->name, fmt(per[0], b1, sizeof(b1)),
	       fmt(per[OP_BATCHES / 2], b2, sizeof(b2)), unit);
}

void ops_init(char *self, char **envp)
{
	self_path = self;
	self_envp = envp;
}

/* Every operation, or those named among argv[first...] (no names: all). */
void ops_run(int argc, char **argv, int first, const char *unit)
{
	for (unsigned i = 0; i < NOPS; i++) {
		int wanted = first == argc;
		for (int a = first; a < argc; a++)
			if (!strcmp(argv[a], ops[i].name))
				wanted = 1;
		if (wanted)
			measure_op(&ops[i], unit);
	}
}
