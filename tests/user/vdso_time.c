/*
 * vdso_time: the vDSO's clock functions (docs/vdso.md) agree with the
 * system calls they stand for.
 *
 *  - found by name and version (LINUX_2.6) the way the C library finds
 *    them, for this ABI's set of names; a 64-bit task gets no AT_SYSINFO;
 *  - the page below [vdso] is the read-only [vvar], which mprotect cannot
 *    make writable and a tracer can neither read nor write (EIO);
 *  - each clock the vDSO computes lies between two syscall reads of the
 *    same clock (exactly for the monotonic ones, within 5 ms for the wall
 *    clocks), and monotonic time never goes back across interleaved
 *    vDSO and syscall reads;
 *  - gettimeofday, time, clock_getres and getcpu match their syscalls;
 *  - a bad clock id is EINVAL (the syscall fallback), a CPU-time clock
 *    still answers (through the fallback);
 *  - a forked child's vDSO works; MADV_DONTNEED on [vvar] loses nothing.
 * Setting the clock is vdso_settime.c (xentry only).
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_sym.h"
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

#ifndef __x86_64__
#define NR_clock_gettime64 403
#endif

typedef int (*gettime_fn)(clockid_t, struct timespec *);
typedef int (*getres_fn)(clockid_t, struct timespec *);
typedef int (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);
typedef int (*getcpu_fn)(unsigned *, unsigned *, void *);
struct ts64 { int64_t sec, nsec; };
typedef int (*gettime64_fn)(clockid_t, struct ts64 *);

static gettime_fn v_gettime;
static getres_fn v_getres;
static gtod_fn v_gtod;
static time_fn v_time;
static getcpu_fn v_getcpu;

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

#ifdef __x86_64__
static const char *const names[] = {
	"__vdso_clock_gettime", "__vdso_gettimeofday", "__vdso_time",
	"__vdso_clock_getres", "__vdso_getcpu", "clock_gettime", "gettimeofday",
	"time", "clock_getres", "getcpu",
};
#else
static const char *const names[] = {
	"__vdso_clock_gettime", "__vdso_clock_gettime64", "__vdso_gettimeofday",
	"__vdso_time", "__vdso_clock_getres", "__vdso_getcpu",
};
#endif
#define NAMES names
#define NNAMES ((int)(sizeof(NAMES) / sizeof(NAMES[0])))

static void test_symbols(void)
{
	for (int i = 0; i < NNAMES; i++)
		ktap_ok(vdso_sym(NAMES[i], "LINUX_2.6") != NULL, "%s@LINUX_2.6 is exported",
			NAMES[i]);
	/* A wrong version must not match: the lookup really checks it. */
	ktap_ok(vdso_sym("__vdso_clock_gettime", "LINUX_2.5") == NULL &&
		vdso_sym("__vdso_no_such_function", "LINUX_2.6") == NULL,
		"a wrong version or name finds nothing");
#ifdef __x86_64__
	ktap_eq(getauxval(AT_SYSINFO), 0UL, "64-bit: no AT_SYSINFO in the auxv");
#else
	ktap_ok(getauxval(AT_SYSINFO) &&
		getauxval(AT_SYSINFO) == (unsigned long)vdso_sym("__kernel_vsyscall", "LINUX_2.5"),
		"32-bit: AT_SYSINFO is __kernel_vsyscall@LINUX_2.5");
#endif
}

/* The mapping below [vdso]: its name and permissions from /proc/self/maps. */
static void test_vvar(void)
{
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR), below = 0;
	char line[512], name[64] = "", perms[8] = "";
	FILE *f = fopen("/proc/self/maps", "r");
	while (f && fgets(line, sizeof(line), f)) {
		unsigned long s, e;
		char p[8], n[64] = "";
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %63s", &s, &e, p, n) < 3)
			continue;
		if (e == vdso) {
			below = s;
			strcpy(name, n);
			strcpy(perms, p);
		}
	}
	if (f)
		fclose(f);
	ktap_ok(below && !strncmp(name, "[vvar", 5) && !strcmp(perms, "r--p"),
		"the mapping just below [vdso] is r--p [vvar*] (got '%s' '%s')", perms, name);
	errno = 0;
	int r = below ? mprotect((void *)(vdso - 4096), 4096, PROT_READ | PROT_WRITE) : 0;
	ktap_ok(r == -1 && errno == EACCES, "mprotect cannot make [vvar] writable (EACCES)");

	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	errno = 0;
	long peek = ptrace(PTRACE_PEEKDATA, pid, (void *)(vdso - 4096), 0);
	int peek_err = errno;
	errno = 0;
	long poke = ptrace(PTRACE_POKEDATA, pid, (void *)(vdso - 4096), (void *)1);
	int poke_err = errno;
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	ktap_ok(peek == -1 && peek_err == EIO && poke == -1 && poke_err == EIO,
		"ptrace can neither peek nor poke [vvar] (EIO): errno %d/%d", peek_err, poke_err);
}

static const struct { clockid_t id; const char *name; int wall; } clocks[] = {
	{ CLOCK_REALTIME, "REALTIME", 1 }, { CLOCK_MONOTONIC, "MONOTONIC", 0 },
	{ CLOCK_MONOTONIC_RAW, "MONOTONIC_RAW", 0 },
	{ CLOCK_REALTIME_COARSE, "REALTIME_COARSE", 1 },
	{ CLOCK_MONOTONIC_COARSE, "MONOTONIC_COARSE", 0 },
	{ CLOCK_BOOTTIME, "BOOTTIME", 0 }, { CLOCK_TAI, "TAI", 1 },
};
#define NCLOCKS ((int)(sizeof(clocks) / sizeof(clocks[0])))
#define WALL_SLACK_NS 5000000

/* sys <= vdso <= sys, many times over. */
static void test_sandwich(int i)
{
	int bad = 0, err = 0;
	int64_t worst = 0, slack = clocks[i].wall ? WALL_SLACK_NS : 0;
	for (int n = 0; n < 300 && !bad && !err; n++) {
		struct timespec a, v, b;
		if (sys_gettime(clocks[i].id, &a) || v_gettime(clocks[i].id, &v) ||
		    sys_gettime(clocks[i].id, &b)) {
			err = 1;
			break;
		}
		if (v.tv_nsec < 0 || v.tv_nsec >= 1000000000)
			bad = 1;
		if (ts_ns(&v) < ts_ns(&a) - slack || ts_ns(&v) > ts_ns(&b) + slack) {
			bad = 1;
			worst = ts_ns(&v) < ts_ns(&a) ? ts_ns(&v) - ts_ns(&a) : ts_ns(&v) - ts_ns(&b);
		}
	}
	ktap_ok(!bad && !err, "CLOCK_%s: vDSO lies between two syscall reads%s (%s%lld ns off)",
		clocks[i].name, slack ? " (5 ms slack)" : "", err ? "error, " : "",
		(long long)worst);
}

static void test_interleave(void)
{
	int64_t last = 0;
	int back = 0;
	for (int n = 0; n < 3000; n++) {
		struct timespec t;
		if (n % 3 == 1)
			sys_gettime(CLOCK_MONOTONIC, &t);
		else
			v_gettime(CLOCK_MONOTONIC, &t);
		if (ts_ns(&t) < last)
			back++;
		last = ts_ns(&t);
	}
	ktap_eq(back, 0, "CLOCK_MONOTONIC never goes back across vDSO/syscall reads");
}

#ifndef __x86_64__
static void test_gettime64(void)
{
	gettime64_fn f = (gettime64_fn)vdso_sym("__vdso_clock_gettime64", "LINUX_2.6");
	int ok = f != NULL;
	for (int n = 0; ok && n < 200; n++) {
		struct ts64 a, v, b;
		raw_syscall(NR_clock_gettime64, CLOCK_MONOTONIC, (long)&a, 0, 0, 0, 0);
		ok = f(CLOCK_MONOTONIC, &v) == 0;
		raw_syscall(NR_clock_gettime64, CLOCK_MONOTONIC, (long)&b, 0, 0, 0, 0);
		int64_t an = a.sec * 1000000000 + a.nsec, vn = v.sec * 1000000000 + v.nsec;
		int64_t bn = b.sec * 1000000000 + b.nsec;
		ok = ok && an <= vn && vn <= bn;
	}
	ktap_ok(ok, "__vdso_clock_gettime64 lies between two clock_gettime64 syscalls");
	ktap_eq(f ? f(12345, NULL) : 0, -EINVAL, "__vdso_clock_gettime64(bad id): -EINVAL");
}
#endif

static void test_gettimeofday(void)
{
	int ok = 1;
	for (int n = 0; ok && n < 200; n++) {
		struct timeval a, v, b;
		raw_syscall(SYS_gettimeofday, (long)&a, 0, 0, 0, 0, 0);
		ok = v_gtod(&v, NULL) == 0;
		raw_syscall(SYS_gettimeofday, (long)&b, 0, 0, 0, 0, 0);
		int64_t an = (int64_t)a.tv_sec * 1000000 + a.tv_usec;
		int64_t vn = (int64_t)v.tv_sec * 1000000 + v.tv_usec;
		int64_t bn = (int64_t)b.tv_sec * 1000000 + b.tv_usec;
		ok = ok && v.tv_usec >= 0 && v.tv_usec < 1000000 &&
		     vn >= an - WALL_SLACK_NS / 1000 && vn <= bn + WALL_SLACK_NS / 1000;
	}
	ktap_ok(ok, "gettimeofday: vDSO lies between two syscall reads (5 ms slack)");
	struct timezone sz = { -1, -1 }, vz = { -2, -2 };
	raw_syscall(SYS_gettimeofday, 0, (long)&sz, 0, 0, 0, 0);
	int r = v_gtod(NULL, &vz), r2 = v_gtod(NULL, NULL);
	ktap_ok(r == 0 && r2 == 0 && sz.tz_minuteswest == vz.tz_minuteswest &&
		sz.tz_dsttime == vz.tz_dsttime,
		"gettimeofday: NULL tv works, tz is the syscall's (%d/%d)", vz.tz_minuteswest,
		vz.tz_dsttime);
}

static void test_time(void)
{
	long t = -1;
	long s1 = raw_syscall(SYS_time, 0, 0, 0, 0, 0, 0);
	long v = v_time(&t);
	long v2 = v_time(NULL);
	long s2 = raw_syscall(SYS_time, 0, 0, 0, 0, 0, 0);
	ktap_ok(v == t && v >= s1 - 1 && v <= s2 + 1 && v2 >= v && v2 <= s2 + 1,
		"time: equals the syscall's within 1 s and stores what it returns "
		"(sys %ld, vdso %ld/%ld)", s1, v, t);
}

static void test_getres(void)
{
	int ok = 1;
	for (int i = 0; i < NCLOCKS; i++) {
		struct timespec s = { -1, -1 }, v = { -2, -2 };
		long rs = raw_syscall(SYS_clock_getres, clocks[i].id, (long)&s, 0, 0, 0, 0);
		int rv = v_getres(clocks[i].id, &v);
		if (rs != rv || s.tv_sec != v.tv_sec || s.tv_nsec != v.tv_nsec) {
			ktap_diag("CLOCK_%s: syscall %ld {%ld,%ld}, vDSO %d {%ld,%ld}",
				  clocks[i].name, rs, (long)s.tv_sec, s.tv_nsec, rv,
				  (long)v.tv_sec, v.tv_nsec);
			ok = 0;
		}
		if (v_getres(clocks[i].id, NULL) != 0)
			ok = 0;
	}
	ktap_ok(ok, "clock_getres: the syscall's resolution for every clock, NULL allowed");
}

static void test_getcpu(void)
{
	unsigned cpu = 999999, node = 999999;
	int r = v_getcpu(&cpu, &node, NULL), r2 = v_getcpu(NULL, NULL, NULL);
	if (on_xentry())
		ktap_ok(r == 0 && r2 == 0 && cpu == 0 && node == 0,
			"getcpu: cpu 0, node 0 (got %u/%u)", cpu, node);
	else
		ktap_ok(r == 0 && r2 == 0 && cpu < (unsigned)sysconf(_SC_NPROCESSORS_CONF) &&
			node < 1024, "getcpu: a valid cpu and node (got %u/%u)", cpu, node);
}

static void test_fallbacks(void)
{
	struct timespec t;
	ktap_ok(v_gettime(12345, &t) == -EINVAL && v_gettime(-1000000, &t) == -EINVAL &&
		v_getres(12345, &t) == -EINVAL,
		"a bad clock id gets the syscall's -EINVAL");
	struct timespec p = { -1, -1 }, q = { -1, -1 };
	ktap_ok(v_gettime(CLOCK_PROCESS_CPUTIME_ID, &p) == 0 && p.tv_sec >= 0 &&
		v_gettime(CLOCK_THREAD_CPUTIME_ID, &q) == 0 && q.tv_nsec >= 0,
		"CPU-time clocks answer through the fallback");
}

static void test_fork_and_dontneed(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		struct timespec a, v;
		sys_gettime(CLOCK_MONOTONIC, &a);
		_exit(v_gettime(CLOCK_MONOTONIC, &v) == 0 && ts_ns(&v) >= ts_ns(&a) ? 0 : 1);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a forked child's vDSO reads the clock");
	/* Refused on Linux (a PFN mapping), allowed on xentry: either way
	 * the next read must still see the kernel's page. */
	madvise((void *)(getauxval(AT_SYSINFO_EHDR) - 4096), 4096, MADV_DONTNEED);
	struct timespec a, v, b;
	sys_gettime(CLOCK_MONOTONIC, &a);
	v_gettime(CLOCK_MONOTONIC, &v);
	sys_gettime(CLOCK_MONOTONIC, &b);
	ktap_ok(ts_ns(&a) <= ts_ns(&v) && ts_ns(&v) <= ts_ns(&b),
		"after MADV_DONTNEED on [vvar] the vDSO still reads the clock");
}

int main(void)
{
	int n = NNAMES + 2 + 3 + NCLOCKS + 1 + 2 + 1 + 1 + 1 + 2 + 2;
#ifndef __x86_64__
	n += 2;
#endif
	ktap_plan(n);
	if (!getauxval(AT_SYSINFO_EHDR)) {
		for (int i = 0; i < n; i++)
			ktap_skip("no vDSO in the auxv", "vDSO case %d", i + 1);
		return ktap_finish();
	}
	test_symbols();
	v_gettime = (gettime_fn)vdso_sym("__vdso_clock_gettime", "LINUX_2.6");
	v_getres = (getres_fn)vdso_sym("__vdso_clock_getres", "LINUX_2.6");
	v_gtod = (gtod_fn)vdso_sym("__vdso_gettimeofday", "LINUX_2.6");
	v_time = (time_fn)vdso_sym("__vdso_time", "LINUX_2.6");
	v_getcpu = (getcpu_fn)vdso_sym("__vdso_getcpu", "LINUX_2.6");
	if (!v_gettime || !v_getres || !v_gtod || !v_time || !v_getcpu) {
		ktap_diag("a clock function is missing: the rest cannot run");
		while (ktap_count < n)
			ktap_skip("vDSO function missing", "vDSO case %d", ktap_count + 1);
		return ktap_finish();
	}
	test_vvar();
	for (int i = 0; i < NCLOCKS; i++)
		test_sandwich(i);
	test_interleave();
#ifndef __x86_64__
	test_gettime64();
#endif
	test_gettimeofday();
	test_time();
	test_getres();
	test_getcpu();
	test_fallbacks();
	test_fork_and_dontneed();
	return ktap_finish();
}
