/*
 * The vDSO's clock functions, built twice: -m32 into the 32-bit vDSO and
 * -m64 into the 64-bit one (docs/vdso.md).  They read the vvar page the
 * kernel maps one page below the vDSO's ELF header, and fall back to the
 * real system call for any clock the page cannot answer, so their errors
 * (EINVAL for a bad clock id, EFAULT for a bad pointer) are the kernel's.
 *
 * No libc, no libgcc: the 32-bit build must not call __udivdi3, so the
 * 64-by-32 division is done by hand below.
 */
#include <asm/vvar.h>

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;

#define NSEC_PER_SEC 1000000000U

/* Linux's clock ids. */
#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11

struct ts64 { s64 sec; s64 nsec; };
struct tv_native { long sec; long usec; };	/* struct timeval of this ABI */
struct ts_native { long sec; long nsec; };	/* struct timespec of this ABI */
struct tz { int minuteswest; int dsttime; };

/* The ELF header of this very image (the linker defines it); the vvar
 * page is the page below it, wherever the kernel put the pair.  Hidden,
 * so the address is PC-relative and needs no relocation. */
extern const char __ehdr_start[] __attribute__((visibility("hidden")));

static inline const volatile struct vvar_data *vvar(void)
{
	/* Laundered through an empty asm: C says nothing lies before an
	 * object's start, and the compiler may act on that. */
	unsigned long p;
	__asm__("" : "=r"(p) : "0"(__ehdr_start));
	return (const volatile struct vvar_data *)(p - 4096);
}

#ifdef __x86_64__
#define NR_clock_gettime 228
#define NR_clock_getres 229
#define NR_gettimeofday 96
#define NR_time 201

static inline long sys2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b)
			 : "rcx", "r11", "memory");
	return ret;
}
#else
#define NR_clock_gettime 265
#define NR_clock_getres 266
#define NR_gettimeofday 78
#define NR_time 13
#define NR_clock_gettime64 403

/* Through the vDSO's own entry, as a program would: SYSENTER, SYSCALL
 * or int $0x80, whichever the kernel patched in at boot. */
extern void vdso_vsyscall_entry(void) __attribute__((visibility("hidden")));

static inline long sys2(long nr, long a, long b)
{
	long ret;
	__asm__ volatile("call vdso_vsyscall_entry"
			 : "=a"(ret) : "0"(nr), "b"(a), "c"(b) : "memory", "edx");
	return ret;
}
#endif

static inline u64 rdtsc_ordered(void)
{
	u32 lo, hi;
	/* LFENCE keeps the TSC read from running ahead of earlier loads
	 * (the sequence count): a reordered read could pair an old base
	 * with a later count. */
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi) :: "memory");
	return ((u64)hi << 32) | lo;
}

/* ns / 1e9 and ns % 1e9 without libgcc: two 64-by-32 DIVs on i386, each
 * with a high half below the divisor so neither overflows. */
static inline u64 div_ns(u64 ns, u32 *rem)
{
#ifdef __x86_64__
	*rem = ns % NSEC_PER_SEC;
	return ns / NSEC_PER_SEC;
#else
	u32 hi = ns >> 32, lo = (u32)ns, qhi, qlo, r;
	qhi = hi / NSEC_PER_SEC;
	r = hi % NSEC_PER_SEC;
	__asm__("divl %4" : "=a"(qlo), "=d"(r) : "0"(lo), "1"(r), "rm"(NSEC_PER_SEC));
	*rem = r;
	return ((u64)qhi << 32) | qlo;
#endif
}

/* The clock's value in ns, or -1 when the syscall must answer: a clock
 * the page does not describe, or no usable TSC. */
static int read_clock(int clk, u64 *out)
{
	const volatile struct vvar_data *v = vvar();
	u32 seq;
	u64 ns;
	do {
		seq = v->seq;
		__asm__ volatile("" ::: "memory");
		if (seq & 1)
			continue;	/* the kernel is mid-update: try again */
		if (v->clock_mode != VVAR_MODE_TSC)
			return -1;
		u64 tsc = rdtsc_ordered(), base = v->tsc_base;
		ns = vvar_cycles_to_ns(tsc > base ? tsc - base : 0, v->mult);
		switch (clk) {
		case CLOCK_MONOTONIC:
		case CLOCK_MONOTONIC_RAW:
		case CLOCK_MONOTONIC_COARSE:
		case CLOCK_BOOTTIME:		/* xentry never suspends */
			break;
		case CLOCK_REALTIME:
		case CLOCK_REALTIME_COARSE:
			ns += v->wall_offset;
			break;
		case CLOCK_TAI:
			ns += v->wall_offset + v->tai_offset;
			break;
		default:
			return -1;
		}
		__asm__ volatile("" ::: "memory");
	} while ((seq & 1) || v->seq != seq);
	*out = ns;
	return 0;
}


/*
 * The exported functions.  They write through the caller's pointers
 * directly, as Linux's vDSO does: a bad pointer faults in user space
 * (SIGSEGV) where the syscall would have said EFAULT.
 */
int __vdso_clock_gettime(int clk, struct ts_native *ts)
{
	u64 ns;
	u32 rem;
	if (read_clock(clk, &ns))
		return sys2(NR_clock_gettime, clk, (long)ts);
	ts->sec = div_ns(ns, &rem);
	ts->nsec = rem;
	return 0;
}

#ifndef __x86_64__
/* i386's y2038-safe variant: 64-bit fields, its own fallback number. */
int __vdso_clock_gettime64(int clk, struct ts64 *ts)
{
	u64 ns;
	u32 rem;
	if (read_clock(clk, &ns))
		return sys2(NR_clock_gettime64, clk, (long)ts);
	ts->sec = div_ns(ns, &rem);
	ts->nsec = rem;
	return 0;
}
#endif

int __vdso_gettimeofday(struct tv_native *tv, struct tz *tz)
{
	if (tv) {
		u64 ns;
		u32 rem;
		if (read_clock(CLOCK_REALTIME, &ns))
			return sys2(NR_gettimeofday, (long)tv, (long)tz);
		tv->sec = div_ns(ns, &rem);
		tv->usec = rem / 1000;
	}
	if (tz) {
		tz->minuteswest = vvar()->tz_minuteswest;
		tz->dsttime = vvar()->tz_dsttime;
	}
	return 0;
}

long __vdso_time(long *t)
{
	u64 ns;
	u32 rem;
	if (read_clock(CLOCK_REALTIME, &ns))
		return sys2(NR_time, (long)t, 0);
	long sec = div_ns(ns, &rem);
	if (t)
		*t = sec;
	return sec;
}

/* The resolutions the kernel's clock_getres gives; any other clock (or
 * no TSC) asks the kernel, which also validates the id. */
int __vdso_clock_getres(int clk, struct ts_native *res)
{
	const volatile struct vvar_data *v = vvar();
	long ns;
	switch (clk) {
	case CLOCK_REALTIME:
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_BOOTTIME:
	case CLOCK_TAI:
		ns = 1;
		break;
	case CLOCK_REALTIME_COARSE:
	case CLOCK_MONOTONIC_COARSE:
		ns = v->coarse_res;
		break;
	default:
		return sys2(NR_clock_getres, clk, (long)res);
	}
	if (v->clock_mode != VVAR_MODE_TSC)
		return sys2(NR_clock_getres, clk, (long)res);
	if (res) {
		res->sec = 0;
		res->nsec = ns;
	}
	return 0;
}

/* One CPU, one node: what the getcpu syscall says on xentry, without
 * entering the kernel.  The third argument has been unused since 2.6.24. */
int __vdso_getcpu(unsigned *cpu, unsigned *node, void *unused)
{
	(void)unused;
	if (cpu)
		*cpu = 0;
	if (node)
		*node = 0;
	return 0;
}

#ifdef __x86_64__
/* The 64-bit vDSO also exports the plain names, weak, as Linux's does. */
int clock_gettime(int, struct ts_native *) __attribute__((weak, alias("__vdso_clock_gettime")));
int gettimeofday(struct tv_native *, struct tz *) __attribute__((weak, alias("__vdso_gettimeofday")));
long time(long *) __attribute__((weak, alias("__vdso_time")));
int clock_getres(int, struct ts_native *) __attribute__((weak, alias("__vdso_clock_getres")));
int getcpu(unsigned *, unsigned *, void *) __attribute__((weak, alias("__vdso_getcpu")));
#endif
