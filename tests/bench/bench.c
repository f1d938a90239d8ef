/*
 * bench - what a null system call costs through each entry path (issue 6).
 *
 *   bench [-n ITERATIONS] [-b BATCHES] [-u insn|cycles] [PATH...]
 *
 * One static binary per ABI (bench.64, bench.32), the same file on xentry
 * and on Linux.  Prints machine-readable lines, each "BENCH" and then
 * key=value words (tools/bench reads them):
 *
 *   BENCH info abi=64 n=2000 batches=20 unit=insn
 *   BENCH boot first_insn_tsc=<TSC at this program's first instruction>
 *   BENCH vdso choice=sysenter|syscall|int80|unknown bytes=<hex>   (32-bit)
 *   BENCH path=<name> min=<n> median=<n> unit=<insn|cycles>
 *   BENCH path=<name> min=n/a median=n/a unit=... why=<reason>
 *   BENCH exits path=<name> calls=<n> sysretq=.. sysretl=.. sysexit=.. iret=..
 *         [why.<refusal>=<n>...]                           (xentry only)
 *   BENCH warn path=<name> ...                             (unexpected result)
 *   BENCH done
 *
 * Paths: 64-bit: syscall64, syscall64_slow, int80_from64, syscall64_6args;
 * 32-bit: int80, vdso, int80_slow, vdso_slow, int80_6args, vdso_6args;
 * both: the whole operations fork_exit_wait, fork_exec_wait,
 * vfork_exec_wait, page_fault (ops.c), pipe_pingpong, signal_self,
 * thread_create_join, futex_pingpong (ops_ipc.c).  The
 * null call is getppid().  The "vdso" paths call __kernel_vsyscall
 * (AT_SYSINFO), which enters by SYSENTER, SYSCALL or int $0x80 as the
 * kernel chose at boot; which one is read from its code (DESIGN §3) and
 * printed as "BENCH vdso choice=".
 *
 * Method.  Each path runs in batches of n calls timed by two fenced rdtsc
 * (loops64.S / loops32.S); the same loop without the trapping instruction
 * is timed too, and its cheapest batch is subtracted, so that a figure is
 * the trap instruction plus all the kernel does until the next user
 * instruction (for the vdso paths also the vDSO's own instructions).  One
 * warm-up batch first (page faults, first-touch costs), then BATCHES
 * batches; min and median of the per-call figures are reported.
 *
 * Unit.  Under QEMU's -icount shift=0 the TSC advances once per retired
 * instruction (DESIGN §6), so the figures are instruction counts; elsewhere
 * they are TSC ticks ("cycles").  Detected, unless -u says: an empty loop
 * of 2n iterations takes exactly 3n ticks more than one of n iterations
 * when, and only when, ticks are instructions (3 instructions per
 * iteration; real hardware runs such a loop at about one cycle per
 * iteration).
 *
 * The six-argument call is mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0)
 * (mmap2 on i386), which fails with -EBADF on both kernels without touching
 * the address space: it measures argument passing, in particular the
 * vDSO's sixth argument, which the kernel must fetch from the user stack.
 *
 * The "slow" paths.  The point is a return that has to run the exit-work
 * loop (DESIGN §4) instead of going straight out.  Nothing in Linux's ABI
 * lets an unprivileged task keep such work queued across a plain getppid()
 * without changing what the call does:
 *   - an ignored signal is discarded when it is sent (it never becomes
 *     pending); a blocked one stays pending but does not raise
 *     TIF_SIGPENDING (Linux's recalc_sigpending counts unblocked signals
 *     only, and so does xentry); a caught one is delivered - a handler and
 *     a sigreturn, a different path altogether;
 *   - TIF_NOTIFY_RESUME comes from rseq only on preemption, migration or
 *     signal delivery, and from task_work only on events such as the last
 *     close() of a file;
 *   - a tracer with PTRACE_SYSCALL costs two stops and context switches per
 *     call; seccomp, audit and syscall user dispatch put Linux on its
 *     syscall-work path, but xentry has none of them.
 * So the slow paths measure sched_yield() with no other runnable task.  On
 * xentry sys_sched_yield only sets TIF_NEED_RESCHED: the return runs the
 * exit-work loop once (schedule() finds nobody else and comes back), then
 * the same fast-return decision as getppid(); its excess over the null call
 * is one trip round the loop, and every variant (cfast included) must take
 * it.  On Linux sched_yield() calls schedule() inside the call instead, so
 * there the figure means "a call that passes through the scheduler" - what
 * the program sees is the same, the kernel code that runs is not.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include "../../include/uapi/xentry_stats.h"

typedef unsigned long long u64;
typedef u64 (*timed_fn)(unsigned long n, void *vsys);
typedef long (*once_fn)(void *vsys);

#define DECLARE_PATH(name)                        \
	u64 t_##name(unsigned long n, void *vsys); \
	u64 e_##name(unsigned long n, void *vsys); \
	long o_##name(void *vsys);

enum expect { EXPECT_PPID, EXPECT_ZERO, EXPECT_EBADF, EXPECT_ENOSYS };

struct path {
	const char *name;
	timed_fn timed, empty;
	once_fn once;
	enum expect expect;
	int needs_vdso;
};

#define P(name, expect, vdso) { #name, t_##name, e_##name, o_##name, expect, vdso }

#ifdef __x86_64__
#define ABI "64"
DECLARE_PATH(syscall64)
DECLARE_PATH(syscall64_slow)
DECLARE_PATH(int80_from64)
DECLARE_PATH(syscall64_6args)
DECLARE_PATH(syscall64_floor)
static const struct path paths[] = {
	P(syscall64, EXPECT_PPID, 0),
	P(syscall64_slow, EXPECT_ZERO, 0),
	P(int80_from64, EXPECT_PPID, 0),
	P(syscall64_6args, EXPECT_EBADF, 0),
	P(syscall64_floor, EXPECT_ENOSYS, 0),
};
#define CALIBRATION_LOOP e_syscall64
#else
#define ABI "32"
DECLARE_PATH(int80)
DECLARE_PATH(vdso)
DECLARE_PATH(int80_slow)
DECLARE_PATH(vdso_slow)
DECLARE_PATH(int80_6args)
DECLARE_PATH(vdso_6args)
DECLARE_PATH(vdso_floor)
static const struct path paths[] = {
	P(int80, EXPECT_PPID, 0),
	P(vdso, EXPECT_PPID, 1),
	P(int80_slow, EXPECT_ZERO, 0),
	P(vdso_slow, EXPECT_ZERO, 1),
	P(int80_6args, EXPECT_EBADF, 0),
	P(vdso_6args, EXPECT_EBADF, 1),
	P(vdso_floor, EXPECT_ENOSYS, 1),
};
#define CALIBRATION_LOOP e_int80
#endif
#define NPATHS (sizeof(paths) / sizeof(paths[0]))
/* Instructions per iteration of CALIBRATION_LOOP: mov $nr,%eax; dec; jnz. */
#define CALIBRATION_INSNS 3

/*
 * The TSC at our first instruction: "boot time to first user instruction"
 * (under icount, instructions and idle ticks since reset).  The linker's
 * entry point is bench_entry (Makefile: -e bench_entry), which reads the
 * TSC and goes on to the C library's _start.  It restores what _start may
 * look at: at ELF entry every register but the stack pointer is zero, and
 * EDX/RDX in particular is the rtld_fini pointer (none).
 */
u64 bench_first_tsc;
#ifdef __x86_64__
__asm__(".text\n"
	".globl bench_entry\n"
	"bench_entry:\n"
	"	rdtsc\n"
	"	mov %eax, bench_first_tsc(%rip)\n"
	"	mov %edx, bench_first_tsc+4(%rip)\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	jmp _start\n");
#else
__asm__(".text\n"
	".globl bench_entry\n"
	"bench_entry:\n"
	"	rdtsc\n"
	"	mov %eax, bench_first_tsc\n"
	"	mov %edx, bench_first_tsc+4\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	jmp _start\n");
#endif

static unsigned long n_iter = 2000;
static unsigned batches = 20;
static const char *unit;

static void usage(void)
{
	fprintf(stderr, "usage: bench [-n ITERATIONS] [-b BATCHES] [-u insn|cycles] [PATH...]\n");
	exit(2);
}

int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static u64 min_u64(const u64 *v, unsigned n)
{
	u64 m = v[0];
	for (unsigned i = 1; i < n; i++)
		if (v[i] < m)
			m = v[i];
	return m;
}

/* "93" for whole numbers (the usual case under icount), else "93.4". */
const char *fmt(double v, char *buf, size_t len)
{
	double r = (double)(long long)(v + 0.5);
	if (v - r < 0.05 && r - v < 0.05)
		snprintf(buf, len, "%lld", (long long)r);
	else
		snprintf(buf, len, "%.1f", v);
	return buf;
}

static const char *detect_unit(void)
{
	for (int attempt = 0; attempt < 5; attempt++) {
		u64 a = CALIBRATION_LOOP(n_iter, NULL);
		u64 b = CALIBRATION_LOOP(2 * n_iter, NULL);
		if (b - a == (u64)CALIBRATION_INSNS * n_iter)
			return "insn";
	}
	return "cycles";
}

/* ---- the 32-bit vDSO's choice, read from __kernel_vsyscall's code ---- */
#ifndef __x86_64__

/*
 * Walks the code of __kernel_vsyscall (DESIGN §3: push ecx, edx, ebp; then
 * "mov %esp,%ebp; sysenter", or "mov %ecx,%ebp; syscall", or padding; then
 * int $0x80) up to the first instruction that enters the kernel.  Knows the
 * few things that may come before it: ENDBR32, pushes, the moves to EBP
 * and the NOP forms that alternatives patching and assemblers use.
 */
static const char *vdso_choice(const unsigned char *p)
{
	unsigned i = 0;
	while (i < 48) {
		const unsigned char *q = p + i;
		if (q[0] == 0x0f && q[1] == 0x34)
			return "sysenter";
		if (q[0] == 0x0f && q[1] == 0x05)
			return "syscall";
		if (q[0] == 0xcd && q[1] == 0x80)
			return "int80";
		if (q[0] == 0xf3 && q[1] == 0x0f && q[2] == 0x1e && q[3] == 0xfb) {
			i += 4;				/* endbr32 */
		} else if (q[0] >= 0x50 && q[0] <= 0x57) {
			i += 1;				/* push reg */
		} else if ((q[0] == 0x89 || q[0] == 0x8b) && (q[1] & 0xc0) == 0xc0) {
			i += 2;				/* mov reg, reg */
		} else if (q[0] == 0x90) {
			i += 1;				/* nop */
		} else if (q[0] == 0x66 || q[0] == 0x2e || q[0] == 0x3e) {
			i += 1;				/* prefix of a long nop */
		} else if ((q[0] == 0x0f && q[1] == 0x1f) || q[0] == 0x8d) {
			/* nopl / lea x(%esi),%esi: opcode, ModRM, SIB, disp */
			unsigned at = q[0] == 0x0f ? 2 : 1;
			unsigned modrm = q[at], mod = modrm >> 6, rm = modrm & 7;
			unsigned len = at + 1;
			if (mod == 3)
				return "unknown";
			if (rm == 4)
				len++;			/* SIB */
			if (mod == 1)
				len += 1;
			else if (mod == 2 || (mod == 0 && rm == 5))
				len += 4;
			i += len;
		} else {
			return "unknown";
		}
	}
	return "unknown";
}
#endif

/* ---- xentry's exit counters (the call fails with ENOSYS on Linux) ---- */

static const char *const refusal_names[XENTRY_NR_REFUSALS] = {
	[XENTRY_REFUSE_CX_NE_IP] = "cx_ne_ip",
	[XENTRY_REFUSE_R11_NE_FLAGS] = "r11_ne_flags",
	[XENTRY_REFUSE_CS_SS] = "cs_ss",
	[XENTRY_REFUSE_NONCANONICAL] = "noncanonical",
	[XENTRY_REFUSE_RF_TF] = "rf_tf",
	[XENTRY_REFUSE_VM] = "vm",
	[XENTRY_REFUSE_NOT_LANDING_PAD] = "not_landing_pad",
	[XENTRY_REFUSE_BAD_STACK] = "bad_stack",
	[XENTRY_REFUSE_INT80] = "int80",
	[XENTRY_REFUSE_FLAG_CLEARED] = "flag_cleared",
};

static int exit_stats(struct xentry_exit_stats *s, int flags)
{
	memset(s, 0, sizeof(*s));
	return syscall(XENTRY_NR_exit_stats, s, flags) > 0;
}

static void print_exits(const char *name, u64 calls, const struct xentry_exit_stats *s)
{
	printf("BENCH exits path=%s calls=%llu sysretq=%llu sysretl=%llu sysexit=%llu iret=%llu",
	       name, calls, s->sysretq, s->sysretl, s->sysexit, s->iret);
	for (int i = 0; i < XENTRY_NR_REFUSALS; i++) {
		if (!s->refused[i])
			continue;
		if (refusal_names[i])
			printf(" why.%s=%llu", refusal_names[i], s->refused[i]);
		else
			printf(" why.%d=%llu", i, s->refused[i]);
	}
	printf("\n");
}

/* ---- measuring one path ---- */

static long expected(enum expect e)
{
	switch (e) {
	case EXPECT_PPID:
		return getppid();
	case EXPECT_ZERO:
		return 0;
	case EXPECT_EBADF:
		return -EBADF;
	case EXPECT_ENOSYS:
		return -ENOSYS;
	}
	return 0;
}

static void measure(const struct path *p, void *vsys)
{
	char b1[32], b2[32];
	if (p->needs_vdso && !vsys) {
		printf("BENCH path=%s min=n/a median=n/a unit=%s why=no-AT_SYSINFO\n", p->name, unit);
		return;
	}
	long want = expected(p->expect), got = p->once(vsys);
	if (got != want)
		printf("BENCH warn path=%s result=%ld expected=%ld\n", p->name, got, want);

	u64 *t = calloc(batches, sizeof(u64)), *e = calloc(batches, sizeof(u64));
	double *per = calloc(batches, sizeof(double));
	if (!t || !e || !per) {
		printf("BENCH warn path=%s out-of-memory\n", p->name);
		exit(1);
	}
	p->empty(n_iter, vsys);			/* warm-up */
	p->timed(n_iter, vsys);

	struct xentry_exit_stats s;
	int have_stats = exit_stats(&s, XENTRY_STATS_RESET);
	for (unsigned i = 0; i < batches; i++) {
		e[i] = p->empty(n_iter, vsys);
		t[i] = p->timed(n_iter, vsys);
	}
	if (have_stats && exit_stats(&s, 0))
		print_exits(p->name, (u64)batches * n_iter, &s);

	u64 floor = min_u64(e, batches);
	for (unsigned i = 0; i < batches; i++)
		per[i] = t[i] > floor ? (double)(t[i] - floor) / n_iter : 0;
	qsort(per, batches, sizeof(double), cmp_double);
	double median = batches % 2 ? per[batches / 2]
				    : (per[batches / 2 - 1] + per[batches / 2]) / 2;
	printf("BENCH path=%s min=%s median=%s unit=%s\n", p->name,
	       fmt(per[0], b1, sizeof(b1)), fmt(median, b2, sizeof(b2)), unit);
	free(t);
	free(e);
	free(per);
}

/* ---- whole operations: ops.c ---- */
#define EXIT_AT_ONCE "--bench-exit-at-once"
void ops_init(char *self, char **envp);
void ops_run(int argc, char **argv, int first, const char *unit);

int main(int argc, char **argv, char **envp)
{
	int opt;
	if (argc == 2 && !strcmp(argv[1], EXIT_AT_ONCE))
		return 0;		/* fork_exec_wait's child */
	ops_init(argv[0], envp);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "n:b:u:")) != -1) {
		switch (opt) {
		case 'n':
			n_iter = strtoul(optarg, NULL, 0);
			break;
		case 'b':
			batches = strtoul(optarg, NULL, 0);
			break;
		case 'u':
			unit = optarg;
			break;
		default:
			usage();
		}
	}
	if (!n_iter || !batches)
		usage();
	if (!unit)
		unit = detect_unit();

	printf("BENCH info abi=%s n=%lu batches=%u unit=%s\n", ABI, n_iter, batches, unit);
	printf("BENCH boot first_insn_tsc=%llu\n", bench_first_tsc);

	void *vsys = NULL;
#ifndef __x86_64__
	vsys = (void *)getauxval(AT_SYSINFO);
	if (vsys) {
		const unsigned char *c = vsys;
		printf("BENCH vdso choice=%s bytes=", vdso_choice(c));
		for (int i = 0; i < 16; i++)
			printf("%02x", c[i]);
		printf("\n");
	} else {
		printf("BENCH vdso choice=none\n");
	}
#endif

	for (unsigned i = 0; i < NPATHS; i++) {
		int wanted = optind == argc;
		for (int a = optind; a < argc; a++)
			if (!strcmp(argv[a], paths[i].name))
				wanted = 1;
		if (wanted)
			measure(&paths[i], vsys);
	}
	ops_run(argc, argv, optind, unit);
	printf("BENCH done\n");
	return 0;
}
