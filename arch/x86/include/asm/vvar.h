/*
 * The vvar page: what the kernel publishes for the vDSO's clock functions
 * (docs/vdso.md).  One page, mapped read-only just below each vDSO; the
 * kernel writes it, user space only reads it.  This header is compiled
 * into the kernel and into both vDSOs (-m32 and -m64), so it uses only
 * fixed-size types, and every u64 is 8-aligned in both ABIs (i386 aligns
 * a bare u64 to 4 in structs: the explicit padding keeps the offsets the
 * same either way).
 */
#ifndef ASM_VVAR_H
#define ASM_VVAR_H

struct vvar_data {
	/* Odd while the kernel rewrites the fields below; bumped twice per
	 * update, so a reader that saw the same even value before and after
	 * its reads saw one consistent snapshot. */
	unsigned int seq;
	unsigned int clock_mode;	/* VVAR_MODE_*: 0 sends readers to the syscall */
	/* CLOCK_MONOTONIC in ns = (rdtsc - tsc_base) * mult >> 32,
	 * computed piecewise (vvar_cycles_to_ns) so the 32-bit vDSO needs
	 * no 128-bit arithmetic and gets the kernel's exact result. */
	unsigned long long tsc_base;
	unsigned long long mult;
	/* CLOCK_REALTIME = CLOCK_MONOTONIC + wall_offset (mod 2^64);
	 * changed by settimeofday/clock_settime. */
	unsigned long long wall_offset;
	long long tai_offset;		/* CLOCK_TAI - CLOCK_REALTIME, in ns */
	int tz_minuteswest, tz_dsttime;	/* settimeofday's struct timezone */
	unsigned long long coarse_res;	/* clock_getres of the *_COARSE clocks */
};

#define VVAR_MODE_NONE 0
#define VVAR_MODE_TSC 1

/*
 * (delta * mult) >> 32 without a 128-bit product: with delta = dh:dl and
 * mult = mh:ml (32-bit halves), the product shifted right by 32 is
 * dh*mult + dl*mh + (dl*ml >> 32), exactly (the first two terms were
 * multiples of 2^32 before the shift).  Each partial product fits in 64
 * bits for any delta and mult a real machine produces.
 */
static inline unsigned long long vvar_cycles_to_ns(unsigned long long delta,
						   unsigned long long mult)
{
	unsigned long long dh = delta >> 32, dl = (unsigned int)delta;
	unsigned long long mh = mult >> 32, ml = (unsigned int)mult;
	return dh * mult + dl * mh + ((dl * ml) >> 32);
}

#endif
