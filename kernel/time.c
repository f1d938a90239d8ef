/* Clocks and the time system calls. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>
#include <asm/vvar.h>

#define NSEC_PER_SEC 1000000000UL
#define TICK_NS 10000000UL

u32 pit_read_count(void);
u32 pit_reload(void);
u64 pit_counts_to_ns(u64 counts);
/* CLOCK_REALTIME - CLOCK_MONOTONIC, mod 2^64: the RTC at boot, then
 * whatever settimeofday/clock_settime make it. */
static u64 boot_epoch_ns;
static u64 last_ns;
static int tz_minuteswest, tz_dsttime;	/* settimeofday's, for gettimeofday */

/* The vDSO's copy of all this (arch/x86/entry/vdso/vdso.c, docs/vdso.md). */
void vvar_init(u64 tsc_base, u64 mult, u64 wall_offset, u64 coarse_res);
void vvar_set_wall(u64 wall_offset);
void vvar_set_tz(int minuteswest, int dsttime);

/*
 * The clock is the TSC, calibrated once against the PIT.  It used to be
 * ticks counted by the timer IRQ plus the PIT's counter; but the kernel
 * runs with interrupts off, and a long stretch of kernel work (a fork
 * copying pages) lost whole ticks, so under load the clock fell behind
 * wall time by half (issue 13).  The TSC counts whatever the interrupt
 * state.  Under QEMU's icount it counts retired instructions and the PIT
 * runs on the same virtual clock, so the calibration stays exact there.
 */
static u64 tsc_boot, tsc_mult;		/* ns = (tsc - tsc_boot) * tsc_mult >> 32 */

/* The very function the vDSO uses, so the two can never disagree. */
static u64 tsc_to_ns(u64 delta)
{
	return vvar_cycles_to_ns(delta, tsc_mult);
}

/* About 2 ms of PIT counts (0.84 us each: 0.04% error at worst) keeps the
 * cost to every boot small; the test suite boots thousands of times. */
#define CAL_COUNTS 2400

static void tsc_calibrate(void)
{
	u32 reload = pit_reload(), prev = pit_read_count();
	u64 elapsed = 0, t0 = rdtsc(), t1;
	while (elapsed < CAL_COUNTS) {
		u32 c = pit_read_count();
		/* Down-counter; a wrap reloads it. */
		elapsed += c <= prev ? prev - c : prev + reload - c;
		prev = c;
	}
	t1 = rdtsc();
	u64 ns = pit_counts_to_ns(elapsed);
	/* ns is about 2e6 < 2^21: ns << 32 fits in 64 bits. */
	tsc_mult = t1 > t0 ? (ns << 32) / (t1 - t0) : (u64)1 << 32;
	tsc_boot = t0;
}

u64 ktime_ns(void)
{
	u64 ns = tsc_to_ns(rdtsc() - tsc_boot);
	if (ns < last_ns)
		ns = last_ns;	/* never backwards, whatever the TSC does */
	last_ns = ns;
	return ns;
}

u64 ktime_real_ns(void)
{
	return boot_epoch_ns + ktime_ns();
}

static u8 cmos(u8 reg)
{
	outb(0x70, reg);
	return inb(0x71);
}

static unsigned bcd(u8 v, bool binary)
{
	return binary ? v : (v & 0xf) + (v >> 4) * 10;
}

/* Wall-clock time at boot from the CMOS RTC (QEMU gives the host's UTC). */
void time_init(void)
{
	tsc_calibrate();
	while (cmos(0x0a) & 0x80)
		;
	bool bin = cmos(0x0b) & 4;
	unsigned s = bcd(cmos(0), bin), mi = bcd(cmos(2), bin), h = bcd(cmos(4), bin);
	unsigned d = bcd(cmos(7), bin), mo = bcd(cmos(8), bin), y = bcd(cmos(9), bin) + 2000;
	/* Days from 1970-01-01 (civil calendar arithmetic, March-based year). */
	int yy = y - (mo <= 2);
	int era = yy / 400;
	int yoe = yy - era * 400;
	int doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	long days = (long)era * 146097 + doe - 719468;
	boot_epoch_ns = ((u64)days * 86400 + h * 3600 + mi * 60 + s) * NSEC_PER_SEC;
	printk("time: %u-%02u-%02u %02u:%02u:%02u UTC\n", y, mo, d, h, mi, s);
	vvar_init(tsc_boot, tsc_mult, boot_epoch_ns, TICK_NS);
}

#define CLOCK_REALTIME 0
#define CLOCK_MONOTONIC 1
#define CLOCK_PROCESS_CPUTIME_ID 2
#define CLOCK_THREAD_CPUTIME_ID 3
#define CLOCK_MONOTONIC_RAW 4
#define CLOCK_REALTIME_COARSE 5
#define CLOCK_MONOTONIC_COARSE 6
#define CLOCK_BOOTTIME 7
#define CLOCK_TAI 11

static int clock_read(int id, u64 *ns)
{
	switch (id) {
	case CLOCK_REALTIME:
	case CLOCK_REALTIME_COARSE:
	case CLOCK_TAI:			/* TAI offset 0 until adjtimex sets one */
		*ns = ktime_real_ns();
		return 0;
	case CLOCK_MONOTONIC:
	case CLOCK_MONOTONIC_RAW:
	case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME:
	case CLOCK_PROCESS_CPUTIME_ID:	/* approximation: no CPU accounting */
	case CLOCK_THREAD_CPUTIME_ID:
		*ns = ktime_ns();
		return 0;
	}
	return -EINVAL;
}

struct timespec64 { s64 sec; s64 nsec; };	/* also i386 *_time64 calls */
struct compat_timespec { s32 sec; s32 nsec; };
struct timeval64 { s64 sec; s64 usec; };
struct compat_timeval { s32 sec; s32 usec; };

/* tv_nsec of a struct timespec64 the caller passed in.  On the i386
 * kernel the struct is i386's __kernel_timespec, whose upper half of
 * tv_nsec is padding user space need not clear: Linux i386 reads the
 * field as a 32-bit long, and so do we. */
static s64 ts64_nsec(s64 nsec)
{
#ifdef CONFIG_X86_32
	return (s32)nsec;
#else
	return nsec;
#endif
}

SYSCALL_DEFINE2(clock_gettime, int, which, struct timespec64 __user *, tp)
{
	u64 ns;
	int err = clock_read(which, &ns);
	if (err)
		return err;
	struct timespec64 ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
	return copy_to_user(tp, &ts, sizeof(ts));
}

COMPAT_SYSCALL_DEFINE2(clock_gettime, int, which, struct compat_timespec __user *, tp)
{
	u64 ns;
	int err = clock_read(which, &ns);
	if (err)
		return err;
	struct compat_timespec ts = { ns / NSEC_PER_SEC, ns % NSEC_PER_SEC };
	return copy_to_user(tp, &ts, sizeof(ts));
}

static int clock_res(int which, u64 *res)
{
	u64 ns;
	int err = clock_read(which, &ns);
	*res = (which == CLOCK_REALTIME_COARSE || which == CLOCK_MONOTONIC_COARSE)
		? TICK_NS : 1;
	return err;
}

SYSCALL_DEFINE2(clock_getres, int, which, struct timespec64 __user *, tp)
{
	u64 res;
	int err = clock_res(which, &res);
	if (err || !tp)
		return err;
	struct timespec64 ts = { 0, res };
	return copy_to_user(tp, &ts, sizeof(ts));
}

COMPAT_SYSCALL_DEFINE2(clock_getres, int, which, struct compat_timespec __user *, tp)
{
	u64 res;
	int err = clock_res(which, &res);
	if (err || !tp)
		return err;
	struct compat_timespec ts = { 0, res };
	return copy_to_user(tp, &ts, sizeof(ts));
}

SYSCALL_DEFINE2(gettimeofday, struct timeval64 __user *, tv, void __user *, tz)
{
	u64 ns = ktime_real_ns();
	struct timeval64 v = { ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000 };
	if (tv && copy_to_user(tv, &v, sizeof(v)))
		return -EFAULT;
	int z[2] = { tz_minuteswest, tz_dsttime };
	if (tz && copy_to_user(tz, z, sizeof(z)))
		return -EFAULT;
	return 0;
}

COMPAT_SYSCALL_DEFINE2(gettimeofday, struct compat_timeval __user *, tv, void __user *, tz)
{
	u64 ns = ktime_real_ns();
	struct compat_timeval v = { ns / NSEC_PER_SEC, (ns % NSEC_PER_SEC) / 1000 };
	if (tv && copy_to_user(tv, &v, sizeof(v)))
		return -EFAULT;
	int z[2] = { tz_minuteswest, tz_dsttime };
	if (tz && copy_to_user(tz, z, sizeof(z)))
		return -EFAULT;
	return 0;
}

SYSCALL_DEFINE1(time, s64 __user *, tloc)
{
	s64 t = ktime_real_ns() / NSEC_PER_SEC;
	if (tloc && put_user(t, tloc))
		return -EFAULT;
	return t;
}

COMPAT_SYSCALL_DEFINE1(time, s32 __user *, tloc)
{
	s32 t = ktime_real_ns() / NSEC_PER_SEC;
	if (tloc && put_user(t, tloc))
		return -EFAULT;
	return t;
}

/*
 * Sleeping.  An interrupted relative sleep writes the remaining time and
 * returns -ERESTART_RESTARTBLOCK: if a handler runs, the caller sees
 * -EINTR; if not (the signal was ignored, or it stopped and continued the
 * task), the signal code makes the task call restart_syscall, which sleeps
 * until the original deadline.  An absolute sleep simply restarts.
 */
static int ts_to_ns(s64 sec, s64 nsec, u64 *ns)
{
	if (sec < 0 || nsec < 0 || nsec >= (s64)NSEC_PER_SEC)
		return -EINVAL;
	*ns = (u64)sec * NSEC_PER_SEC + nsec;
	return 0;
}

static long nanosleep_restart(struct restart_block *rb);

static long nanosleep_common(int which, int flags, u64 req, u64 *rem, void __user *rmtp,
			     bool compat)
{
	u64 now;
	if (clock_read(which, &now))
		return -EINVAL;
	u64 deadline = ktime_ns() + req;
	if (flags & 1)			/* TIMER_ABSTIME */
		deadline = req > now ? ktime_ns() + (req - now) : 0;
	int err = sleep_until(deadline);
	u64 t = ktime_ns();
	*rem = t < deadline ? deadline - t : 0;
	if (!err)
		return 0;
	if (flags & 1)
		return -ERESTARTNOHAND;
	struct restart_block *rb = &current->restart;
	rb->fn = nanosleep_restart;
	rb->deadline = deadline;
	rb->arg[0] = (unsigned long)rmtp;
	rb->compat = compat;
	return -ERESTART_RESTARTBLOCK;
}

static int put_rem(void __user *rmtp, u64 rem, bool compat)
{
	if (!rmtp)
		return 0;
	if (compat) {
		struct compat_timespec o = { rem / NSEC_PER_SEC, rem % NSEC_PER_SEC };
		return copy_to_user(rmtp, &o, sizeof(o));
	}
	struct timespec64 o = { rem / NSEC_PER_SEC, rem % NSEC_PER_SEC };
	return copy_to_user(rmtp, &o, sizeof(o));
}

static long nanosleep_restart(struct restart_block *rb)
{
	void __user *rmtp = (void __user *)rb->arg[0];
	bool compat = rb->compat;
	u64 rem, now = ktime_ns();
	u64 left = rb->deadline > now ? rb->deadline - now : 0;
	long r = nanosleep_common(CLOCK_MONOTONIC, 0, left, &rem, rmtp, compat);
	if (r == -ERESTART_RESTARTBLOCK && put_rem(rmtp, rem, compat))
		return -EFAULT;
	return r;
}

/* Continues whatever call last returned -ERESTART_RESTARTBLOCK; called
 * without one (a user program may), it fails as on Linux. */
SYSCALL_DEFINE0(restart_syscall)
{
	struct restart_block *rb = &current->restart;
	long (*fn)(struct restart_block *) = rb->fn;
	rb->fn = NULL;
	return fn ? fn(rb) : -EINTR;
}

/* A struct timespec from user space in either ABI, checked, in ns. */
static int get_ts(const void __user *uts, bool compat, u64 *ns)
{
	s64 sec, nsec;
	if (compat) {
		struct compat_timespec c;
		if (copy_from_user(&c, uts, sizeof(c)))
			return -EFAULT;
		sec = c.sec, nsec = c.nsec;
	} else {
		struct timespec64 t;
		if (copy_from_user(&t, uts, sizeof(t)))
			return -EFAULT;
		sec = t.sec, nsec = ts64_nsec(t.nsec);
	}
	return ts_to_ns(sec, nsec, ns);
}

static long do_clock_nanosleep(int which, int flags, const void __user *rqtp,
			       void __user *rmtp, bool compat)
{
	u64 req, rem;
	int err = get_ts(rqtp, compat, &req);
	if (err)
		return err;
	long r = nanosleep_common(which, flags, req, &rem, rmtp, compat);
	if (r == -ERESTART_RESTARTBLOCK && put_rem(rmtp, rem, compat))
		return -EFAULT;
	return r;
}

SYSCALL_DEFINE2(nanosleep, const struct timespec64 __user *, rqtp,
		struct timespec64 __user *, rmtp)
{
	return do_clock_nanosleep(CLOCK_MONOTONIC, 0, rqtp, rmtp, false);
}

COMPAT_SYSCALL_DEFINE2(nanosleep, const struct compat_timespec __user *, rqtp,
		       struct compat_timespec __user *, rmtp)
{
	return do_clock_nanosleep(CLOCK_MONOTONIC, 0, rqtp, rmtp, true);
}

SYSCALL_DEFINE4(clock_nanosleep, int, which, int, flags,
		const struct timespec64 __user *, rqtp, struct timespec64 __user *, rmtp)
{
	return do_clock_nanosleep(which, flags, rqtp, rmtp, false);
}

COMPAT_SYSCALL_DEFINE4(clock_nanosleep, int, which, int, flags,
		       const struct compat_timespec __user *, rqtp,
		       struct compat_timespec __user *, rmtp)
{
	return do_clock_nanosleep(which, flags, rqtp, rmtp, true);
}

/*
 * Setting the wall clock.  Every task is root here, so there is no EPERM.
 * Only CLOCK_REALTIME can be set; the monotonic clocks never jump.  The
 * new offset goes to the vvar page at once, so the vDSO's next read
 * agrees with the syscall's (docs/vdso.md).
 */
/* Linux's TIME_SETTOD_SEC_MAX: 30 years of uptime below the largest
 * second a signed 64-bit ns count holds. */
#define SETTOD_SEC_MAX (9223372036LL - 946080000LL)

static void set_wall(u64 real_ns)
{
	boot_epoch_ns = real_ns - ktime_ns();
	vvar_set_wall(boot_epoch_ns);
}

/* Linux's order: the clock id, then the copy, then the value. */
static long do_clock_settime(int which, const void __user *tp, bool compat)
{
	u64 ns;
	if (clock_read(which, &ns))
		return -EINVAL;
	s64 sec, nsec;
	if (compat) {
		struct compat_timespec c;
		if (copy_from_user(&c, tp, sizeof(c)))
			return -EFAULT;
		sec = c.sec, nsec = c.nsec;
	} else {
		struct timespec64 t;
		if (copy_from_user(&t, tp, sizeof(t)))
			return -EFAULT;
		sec = t.sec, nsec = ts64_nsec(t.nsec);
	}
	if (which != CLOCK_REALTIME)
		return -EINVAL;
	if (ts_to_ns(sec, nsec, &ns) || sec >= SETTOD_SEC_MAX)
		return -EINVAL;
	set_wall(ns);
	return 0;
}

SYSCALL_DEFINE2(clock_settime, int, which, const struct timespec64 __user *, tp)
{
	return do_clock_settime(which, tp, false);
}

COMPAT_SYSCALL_DEFINE2(clock_settime, int, which, const struct compat_timespec __user *, tp)
{
	return do_clock_settime(which, tp, true);
}

/* tv and tz are both optional; tz's minutes must be within 15 hours. */
static long do_settimeofday(const void __user *utv, const void __user *utz, bool compat)
{
	s64 sec = 0, usec = 0;
	int tz[2];
	if (utv) {
		if (compat) {
			struct compat_timeval c;
			if (copy_from_user(&c, utv, sizeof(c)))
				return -EFAULT;
			sec = c.sec, usec = c.usec;
		} else {
			struct timeval64 t;
			if (copy_from_user(&t, utv, sizeof(t)))
				return -EFAULT;
			sec = t.sec, usec = t.usec;
		}
		if (usec < 0 || usec >= 1000000)
			return -EINVAL;
	}
	if (utz && copy_from_user(tz, utz, sizeof(tz)))
		return -EFAULT;
	u64 ns = 0;
	if (utv && (ts_to_ns(sec, usec * 1000, &ns) || sec >= SETTOD_SEC_MAX))
		return -EINVAL;
	if (utz) {
		if (tz[0] > 15 * 60 || tz[0] < -15 * 60)
			return -EINVAL;
		tz_minuteswest = tz[0];
		tz_dsttime = tz[1];
		vvar_set_tz(tz[0], tz[1]);
	}
	if (utv)
		set_wall(ns);
	return 0;
}

SYSCALL_DEFINE2(settimeofday, const struct timeval64 __user *, tv, const void __user *, tz)
{
	return do_settimeofday(tv, tz, false);
}

COMPAT_SYSCALL_DEFINE2(settimeofday, const struct compat_timeval __user *, tv,
		       const void __user *, tz)
{
	return do_settimeofday(tv, tz, true);
}
