/*
 * vdso_stats: which instruction xentry returns to user mode with, read
 * from its exit counters (include/uapi/xentry_stats.h).
 *
 * DESIGN §4: a plain 64-bit syscall returns by SYSRETQ; a 32-bit call
 * through a fast vDSO entry returns by SYSRETL (also for SYSENTER callers:
 * a 64-bit kernel never uses SYSEXIT); int $0x80 always returns by IRET.
 * On the native i386 kernel (docs/i386.md) the fast return of a vDSO
 * call is SYSEXIT, counted in sysexit, and nothing ever leaves by SYSRET
 * (kernel32.h says which kernel this is).
 * The fast return stays available after a reschedule.  Anything that
 * rewrites the user registers forces IRET; execve is the simplest such
 * case: its first return lands at the new program's entry with RCX != RIP
 * (64-bit) or away from the vDSO landing pad (32-bit).  The refusal
 * reason names that check, or FLAG_CLEARED in the `flag` build variant,
 * where execve's force_iret() hook made the decision.
 *
 * The counters are global and count every return; the test is the only
 * process running on xentry (pid 1), so windows between a reset and a read
 * see only its own calls.  The reset call's own return already counts in
 * the new window; the read call's return does not (it copies first).
 * On Linux the counter syscall is -ENOSYS and the counter checks SKIP; the
 * execve round trip is still checked.
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_expect.h"
#include "kernel32.h"
#include "../../include/uapi/xentry_stats.h"
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>

#define N_CALLS 200

#ifdef __x86_64__
#define NR_getppid 110
#define NR_sched_yield 24
#define FAST "sysretq"
/* 64-bit calls go through sys.h's raw SYSCALL. */
static long fast_call(long nr) { return SC(nr); }
#else
#define NR_getppid 64
#define NR_sched_yield 158
#define NR_execve 11
#define FAST (native_i386() ? "sysexit" : "sysretl")
static uint32_t g_vsys;

/* 32-bit calls go through the vDSO, as glibc's would. */
static long vdso_call3(long nr, long a1, long a2, long a3)
{
	long r;
	__asm__ volatile("call *%5"
			 : "=a"(r) : "0"(nr), "b"(a1), "c"(a2), "d"(a3), "m"(g_vsys)
			 : "memory");
	return r;
}
static long fast_call(long nr) { return vdso_call3(nr, 0, 0, 0); }

#endif

/* int $0x80 from either ABI, with the i386 number for getppid. */
static long int80_getppid(void)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "0"(64L) : "memory");
	return r;
}

static struct xentry_exit_stats st;
static int have_stats;

static void reset(void)
{
	SC(XENTRY_NR_exit_stats, &st, XENTRY_STATS_RESET);
}

static void read_stats(void)
{
	char why[160] = "";
	int n = 0;
	memset(&st, 0, sizeof(st));
	SC(XENTRY_NR_exit_stats, &st, 0);
	for (int i = 0; i < XENTRY_NR_REFUSALS && n < (int)sizeof(why) - 24; i++)
		if (st.refused[i])
			n += snprintf(why + n, sizeof(why) - n, " [%d]=%llu", i, st.refused[i]);
	ktap_diag("sysretq %llu sysretl %llu sysexit %llu iret %llu, refused:%s",
		  st.sysretq, st.sysretl, st.sysexit, st.iret, why);
}

/* A case that needs the counters: SKIP on Linux. */
#define STAT_OK(cond, ...)                                \
	do {                                              \
		if (have_stats)                           \
			ktap_ok((cond), __VA_ARGS__);     \
		else                                      \
			ktap_skip("not xentry", __VA_ARGS__); \
	} while (0)

/* The fast-return count for this ABI, and the IRETs not explained by
 * int $0x80 (which never returns fast, by design). */
#ifdef __x86_64__
#define FAST_COUNT() (st.sysretq)
#else
#define FAST_COUNT() (native_i386() ? st.sysexit : st.sysretl)
#endif
#define OTHER_IRETS() (st.iret - st.refused[XENTRY_REFUSE_INT80])

/* Re-execute ourselves; the new image exits 0 at once. */
static int exec_child(void *path)
{
	char *argv[] = { path, "exec-child", NULL };
	char *envp[] = { NULL };
#ifdef __x86_64__
	SC(SYS_execve, path, argv, envp);
#else
	/* Through the vDSO, so that a fast return would be possible if the
	 * kernel did not notice the registers changed. */
	vdso_call3(NR_execve, (long)path, (long)argv, (long)envp);
#endif
	return 98;
}

int main(int argc, char **argv)
{
	char self[256], sbuf[64];
	int fast = 1;	/* a fast return exists for this ABI and choice */

	if (argc > 1 && !strcmp(argv[1], "exec-child"))
		return 0;

	ktap_plan(8);
#ifndef __x86_64__
	const char *want = expected_choice();
	g_vsys = getauxval(AT_SYSINFO);
	fast = strcmp(want, "int80") != 0;
	ktap_diag("expected vDSO entry: %s", want);
	if (!g_vsys) {
		ktap_diag("no AT_SYSINFO");
		return 1;
	}
#endif
	long r = SC(XENTRY_NR_exit_stats, &st, 0);
	have_stats = r != -ENOSYS;
	if (have_stats)
		ktap_eq(r, sizeof(st), "the exit-counter syscall returns the struct size");
	else
		ktap_skip("not xentry", "the exit-counter syscall returns the struct size");

	/* 1. Plain calls return fast (or by IRET with the int80 choice). */
	int ok = 1;
	if (have_stats)
		reset();
	for (int i = 0; i < N_CALLS; i++)
		ok &= fast_call(NR_getppid) == getppid();
	if (have_stats)
		read_stats();
	if (fast)
		STAT_OK(ok && FAST_COUNT() >= N_CALLS && OTHER_IRETS() == 0,
			"%d getppid calls: each returned by %s, no other IRET", N_CALLS, FAST);
	else
		STAT_OK(ok && st.refused[XENTRY_REFUSE_INT80] >= N_CALLS && FAST_COUNT() == 0,
			"%d getppid calls: each returned by IRET (int $0x80 choice)", N_CALLS);

	/* 2. int $0x80 always returns by IRET, from 32-bit and 64-bit code. */
	if (have_stats)
		reset();
	ok = 1;
	for (int i = 0; i < N_CALLS; i++)
		ok &= int80_getppid() == getppid();
	if (have_stats)
		read_stats();
	STAT_OK(ok && st.refused[XENTRY_REFUSE_INT80] >= N_CALLS && st.iret >= N_CALLS,
		"%d int $0x80 calls: each returned by IRET (refused: int80)", N_CALLS);

	/* 3. A 64-bit kernel never uses SYSEXIT; a native i386 one has no
	 * SYSRET (long mode's instruction) to use. */
	if (native_i386())
		STAT_OK(st.sysretl == 0 && st.sysretq == 0, "no SYSRET on a native i386 kernel");
	else
		STAT_OK(st.sysexit == 0, "no SYSEXIT on a 64-bit kernel");

	/* 4. Fast returns survive rescheduling: a child and the parent both
	 * call sched_yield, so every call switches tasks. */
	if (have_stats)
		reset();
	pid_t pid = fork();
	if (pid == 0) {
		for (int i = 0; i < N_CALLS; i++)
			fast_call(NR_sched_yield);
		_exit(0);
	}
	for (int i = 0; i < N_CALLS; i++)
		fast_call(NR_sched_yield);
	if (have_stats)
		read_stats();
	int wst = -1;
	waitpid(pid, &wst, 0);
	STAT_OK(pid > 0 && (fast ? FAST_COUNT() >= N_CALLS && OTHER_IRETS() == 0
				 : FAST_COUNT() == 0),
		"sched_yield ping-pong with a child: %s%s", fast ? "still " : "IRET only",
		fast ? FAST : "");

	/* 5. execve forces IRET for the new image's first return. */
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		n = snprintf(self, sizeof(self), "%s", argv[0]);
	self[n] = 0;
	if (have_stats)
		reset();
	wst = run_in_child(exec_child, self);
	if (have_stats)
		read_stats();
	ktap_ok(WIFEXITED(wst) && WEXITSTATUS(wst) == 0,
		"fork + execve of ourselves, child exits 0 (%s)", status_str(wst, sbuf, sizeof(sbuf)));
#ifdef __x86_64__
	STAT_OK(st.refused[XENTRY_REFUSE_CX_NE_IP] + st.refused[XENTRY_REFUSE_FLAG_CLEARED] >= 1,
		"the first return after execve used IRET (RCX != RIP, or force_iret)");
	STAT_OK(st.refused[XENTRY_REFUSE_INT80] == 0 && st.sysretl == 0,
		"a 64-bit process made no 32-bit returns");
#else
	if (fast)
		STAT_OK(st.refused[XENTRY_REFUSE_NOT_LANDING_PAD] +
			st.refused[XENTRY_REFUSE_FLAG_CLEARED] >= 1,
			"the first return after execve (via the vDSO) used IRET (not the landing pad, or force_iret)");
	else
		STAT_OK(st.refused[XENTRY_REFUSE_INT80] >= 1 && FAST_COUNT() == 0,
			"execve via the vDSO returned by IRET (int $0x80 choice)");
	STAT_OK(st.sysretq == 0 && st.refused[XENTRY_REFUSE_CX_NE_IP] == 0,
		"a 32-bit process made no 64-bit returns");
#endif
	return ktap_finish();
}
