/*
 * vdso_settime: the vDSO follows the wall clock when it is set
 * (docs/vdso.md).  xentry only: on the host these cases SKIP, because
 * they would change the host's clock.
 *
 *  - clock_settime(+1000 s) shows at once in the vDSO's clock_gettime,
 *    gettimeofday and time; setting it back restores it;
 *  - settimeofday's timezone shows in the vDSO's gettimeofday;
 *  - reads racing a timer that keeps jumping the clock, and reads
 *    single-stepped by a tracer that jumps it between instructions, never
 *    see a torn offset (the vvar page's sequence count at work: without
 *    it the single-stepped i386 reads do tear).
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_sym.h"
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);

static gettime_fn v_gettime;
static gtod_fn v_gtod;
static time_fn v_time;

static int on_xentry(void)
{
	struct utsname u;
	return uname(&u) == 0 && strstr(u.release, "xentry") != NULL;
}

static int64_t ts_ns(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

static long sys_gettime(clockid_t c, struct timespec *t)
{
	return raw_syscall(SYS_clock_gettime, c, (long)t, 0, 0, 0, 0);
}

static int64_t real_now(void)
{
	struct timespec t;
	sys_gettime(CLOCK_REALTIME, &t);
	return ts_ns(&t);
}

static void set_real(int64_t ns)
{
	struct timespec t = { ns / 1000000000, ns % 1000000000 };
	raw_syscall(SYS_clock_settime, CLOCK_REALTIME, (long)&t, 0, 0, 0, 0);
}

static void test_settime(void)
{
	const int64_t jump = 1000LL * 1000000000;	/* 1000 s */
	int64_t before = real_now();
	set_real(before + jump);
	struct timespec v;
	struct timeval tv;
	v_gettime(CLOCK_REALTIME, &v);
	v_gtod(&tv, NULL);
	long t = v_time(NULL);
	int64_t d = ts_ns(&v) - before;
	set_real(real_now() - jump);
	ktap_ok(d >= jump && d < jump + 1000000000LL &&
		(int64_t)tv.tv_sec * 1000000000 - before > jump - 1000000000LL &&
		t * 1000000000LL - before > jump - 2000000000LL,
		"clock_settime(+1000 s) shows in the vDSO's realtime, gettimeofday, time "
		"(moved %lld ns)", (long long)d);
	int64_t back = real_now() - before;
	ktap_ok(back >= 0 && back < 1000000000LL, "and moving it back restores it");

	struct timezone z = { 60, 1 }, got = { 0, 0 }, zero = { 0, 0 };
	long r = raw_syscall(SYS_settimeofday, 0, (long)&z, 0, 0, 0, 0);
	v_gtod(NULL, &got);
	raw_syscall(SYS_settimeofday, 0, (long)&zero, 0, 0, 0, 0);
	ktap_ok(r == 0 && got.tz_minuteswest == 60 && got.tz_dsttime == 1,
		"settimeofday's timezone shows in the vDSO's gettimeofday");
}

static volatile int flips;
static int64_t w0;	/* CLOCK_REALTIME - CLOCK_MONOTONIC before the test */
/* Both 32-bit halves of the offset change with each jump (about 1102 s). */
#define JUMP ((1LL << 40) + 0x9abcdef1LL)

static void on_alarm(int sig)
{
	(void)sig;
	flips++;
	/* Anchored to the monotonic clock, so the jumps add no drift. */
	struct timespec m;
	sys_gettime(CLOCK_MONOTONIC, &m);
	set_real(ts_ns(&m) + w0 + ((flips & 1) ? JUMP : 0));
}

/*
 * A 1 ms timer keeps jumping the wall clock back and forth by JUMP while
 * the loop reads CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_MONOTONIC from the
 * vDSO.  Realtime minus the wall offset is monotonic time, for one of two
 * offsets.  A read that mixed an old and a new half of
 * the offset (i386 loads it in two pieces) would land 1.7 s or more away
 * from both.  Only the sequence count prevents that; on TCG an interrupt falls
 * between two adjacent loads rarely, on hardware at any instruction.
 */
static void test_seqcount(void)
{
	struct timespec m, r;
	v_gettime(CLOCK_MONOTONIC, &m);
	v_gettime(CLOCK_REALTIME, &r);
	w0 = ts_ns(&r) - ts_ns(&m);
	signal(SIGALRM, on_alarm);
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	int torn = 0;
	long reads = 0;
	int64_t worst = 0;
	struct timespec start, cur;
	sys_gettime(CLOCK_MONOTONIC, &start);
	/* Up to 300 jumps or 4 s, whichever comes first (xentry's timer
	 * ticks at 100 Hz; TCG's speed varies with the host's load). */
	while (flips < 300) {
		if (!(reads & 4095)) {
			sys_gettime(CLOCK_MONOTONIC, &cur);
			if (ts_ns(&cur) - ts_ns(&start) > 4000000000LL)
				break;
		}
		struct timespec m2;
		v_gettime(CLOCK_MONOTONIC, &m);
		v_gettime(CLOCK_REALTIME, &r);
		v_gettime(CLOCK_MONOTONIC, &m2);
		/* The monotonic time the realtime read implies must lie
		 * between the two monotonic reads (however long the host
		 * stalled us between them), give or take 0.5 s: a jump
		 * lands a little early when the handler is delayed between
		 * its clock read and its clock_settime.  A torn offset is
		 * off by 1.7 s or more. */
		int64_t x = ts_ns(&r) - w0;
		if (x - ts_ns(&m) > JUMP / 2)
			x -= JUMP;
		if (x < ts_ns(&m) - 500000000LL || x > ts_ns(&m2) + 500000000LL) {
			torn++;
			worst = x - ts_ns(&m);
		}
		reads++;
	}
	struct itimerval stop = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &stop, NULL);
	signal(SIGALRM, SIG_DFL);
	sys_gettime(CLOCK_MONOTONIC, &m);
	set_real(ts_ns(&m) + w0);
	ktap_ok(flips >= 20 && torn == 0,
		"vDSO reads racing %d clock jumps: none torn (%ld reads, %d bad, %lld ns)",
		flips, reads, torn, (long long)worst);
}

/* Three realtime reads between two monotonic ones, checked as in
 * test_seqcount: 1 if all are consistent. */
static int consistent_reads(void)
{
	struct timespec m, r[3], m2;
	v_gettime(CLOCK_MONOTONIC, &m);
	for (int i = 0; i < 3; i++)
		v_gettime(CLOCK_REALTIME, &r[i]);
	v_gettime(CLOCK_MONOTONIC, &m2);
	for (int i = 0; i < 3; i++) {
		int64_t x = ts_ns(&r[i]) - w0;
		if (x - ts_ns(&m) > JUMP / 2)
			x -= JUMP;
		if (x < ts_ns(&m) - 500000000LL || x > ts_ns(&m2) + 500000000LL)
			return 0;
	}
	return 1;
}

/*
 * The same, with the clock moved between single instructions: a tracer
 * single-steps a child through its vDSO reads and jumps the wall clock
 * at pseudo-random steps (about one in 40, so a whole read sometimes runs
 * undisturbed and the retry loop can finish).  This reaches the one
 * instruction between the two halves of a 32-bit load, which a timer
 * (delivered at block boundaries under TCG) practically never does.
 */
static void test_seqcount_step(void)
{
	struct timespec m, r;
	v_gettime(CLOCK_MONOTONIC, &m);
	v_gettime(CLOCK_REALTIME, &r);
	w0 = ts_ns(&r) - ts_ns(&m);
	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		int bad = 0;
		for (int i = 0; i < 100; i++)
			bad += !consistent_reads();
		_exit(bad > 100 ? 100 : bad);
	}
	int st = 0, steps = 0, jumps = 0;
	unsigned rnd = 12345;
	waitpid(pid, &st, 0);
	while (WIFSTOPPED(st) && steps < 60000) {
		rnd = rnd * 1103515245 + 12345;
		if (((rnd >> 16) % 40) == 0) {
			jumps++;
			sys_gettime(CLOCK_MONOTONIC, &m);
			set_real(ts_ns(&m) + w0 + ((jumps & 1) ? JUMP : 0));
		}
		if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0))
			break;
		waitpid(pid, &st, 0);
		steps++;
	}
	sys_gettime(CLOCK_MONOTONIC, &m);
	set_real(ts_ns(&m) + w0);
	if (WIFSTOPPED(st)) {
		ptrace(PTRACE_CONT, pid, 0, 0);
		waitpid(pid, &st, 0);
	}
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && jumps > 100,
		"reads single-stepped through %d clock jumps (%d steps): none torn (status %#x)",
		jumps, steps, st);
}

#define NCASES 5

int main(void)
{
	ktap_plan(NCASES);
	v_gettime = (gettime_fn)vdso_sym("__vdso_clock_gettime", "LINUX_2.6");
	v_gtod = (gtod_fn)vdso_sym("__vdso_gettimeofday", "LINUX_2.6");
	v_time = (time_fn)vdso_sym("__vdso_time", "LINUX_2.6");
	const char *why = !on_xentry() ? "would change the host's clock; xentry only"
			  : !v_gettime || !v_gtod || !v_time ? "no vDSO clock functions" : NULL;
	if (why) {
		for (int i = 0; i < NCASES; i++)
			ktap_skip(why, "wall-clock change case %d", i + 1);
		return ktap_finish();
	}
	test_settime();
	test_seqcount();
	test_seqcount_step();
	return ktap_finish();
}
