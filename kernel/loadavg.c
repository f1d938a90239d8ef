/*
 * Load averages and sysinfo(2).
 *
 * The load average is Linux's: every 5 seconds (LOAD_FREQ = 5 s + one
 * tick, so the sampling does not lock onto periodic work) the number of
 * runnable tasks is folded into three exponentially decaying averages in
 * 11-bit fixed point, with Linux's decay factors 1/exp(5s/1min) etc.
 * Everything here is a plain sleep (there is no uninterruptible state that
 * Linux would also count), so the count is runnable tasks, the running
 * one included.  sysinfo and /proc (fs/proc/global.c) read the same
 * variables, so they always agree.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/loadavg.h>

#define LOAD_FREQ_NS (5000000000ULL + 10000000ULL)
#define EXP_1 1884		/* FIXED_1 / exp(5s / 1min) */
#define EXP_5 2014		/* FIXED_1 / exp(5s / 5min) */
#define EXP_15 2037		/* FIXED_1 / exp(5s / 15min) */

unsigned long avenrun[3];
static u64 next_sample = LOAD_FREQ_NS;

unsigned int nr_running_tasks(void)
{
	struct task *t;
	unsigned int n = 0;

	for_each_task(t)
		if (t->state == TASK_RUNNING && t->pid > 0)
			n++;
	return n;
}

unsigned int nr_threads(void)
{
	struct task *t;
	unsigned int n = 0;

	for_each_task(t)
		if (t->state != TASK_DEAD && t->pid > 0)
			n++;
	return n;
}

/* load = load * e + active * (1 - e), rounded up while rising as Linux
 * does, so that a steady load of n really reaches n.00. */
static unsigned long calc_load(unsigned long load, unsigned long exp,
			       unsigned long active)
{
	unsigned long newload = load * exp + active * (FIXED_1 - exp);

	if (active >= load)
		newload += FIXED_1 - 1;
	return newload / FIXED_1;
}

void calc_global_load(u64 now)
{
	if (now < next_sample)
		return;
	unsigned long active = (unsigned long)nr_running_tasks() * FIXED_1;
	/* A late tick (a long stretch with interrupts off) counts once. */
	while (next_sample <= now)
		next_sample += LOAD_FREQ_NS;
	avenrun[0] = calc_load(avenrun[0], EXP_1, active);
	avenrun[1] = calc_load(avenrun[1], EXP_5, active);
	avenrun[2] = calc_load(avenrun[2], EXP_15, active);
}

/* On x86-64 this is the user's struct sysinfo.  The byte counts are u64
 * (unsigned long there) so that on i386, whose only sysinfo is the
 * compat one below, RAM of 4 GiB or more does not wrap before that call
 * scales it. */
struct sysinfo_k {
	long uptime;
	unsigned long loads[3];
	u64 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
	unsigned short procs, pad;
	u64 totalhigh, freehigh;
	unsigned int mem_unit;
};

/* Linux's do_sysinfo(): uptime rounded up to whole seconds, loads scaled
 * to 16 fraction bits, memory in bytes (mem_unit 1) when that fits. */
static void do_sysinfo(struct sysinfo_k *s)
{
	u64 up = ktime_ns();

	memset(s, 0, sizeof(*s));
	s->uptime = (long)(up / 1000000000ULL) + (up % 1000000000ULL ? 1 : 0);
	for (int i = 0; i < 3; i++)
		s->loads[i] = avenrun[i] << (16 - FSHIFT);
	s->procs = (unsigned short)nr_threads();
	s->totalram = (u64)total_page_count() * PAGE_SIZE;
	s->freeram = (u64)free_page_count() * PAGE_SIZE;
	s->sharedram = (u64)fs_nr_pages * PAGE_SIZE;
	s->mem_unit = 1;
}

#ifdef CONFIG_X86_64
/* The kernel's struct is the x86-64 one: Linux's padding after mem_unit
 * is 20 - 2*8 - 4 = 0 bytes there, so 112 bytes with alignment.  The
 * i386 kernel has only the i386 layout (the compat call below). */
_Static_assert(sizeof(struct sysinfo_k) == 112, "struct sysinfo (x86-64)");

SYSCALL_DEFINE1(sysinfo, void __user *, info)
{
	struct sysinfo_k s;

	do_sysinfo(&s);		/* zeroes the padding too */
	return copy_to_user(info, &s, sizeof(s)) ? -EFAULT : 0;
}
#endif

/* i386: 32-bit fields; memory too large for them is given in bigger
 * units, as Linux's compat_sysinfo does. */
COMPAT_SYSCALL_DEFINE1(sysinfo, void __user *, info)
{
	struct sysinfo_k s;
	struct {
		s32 uptime;
		u32 loads[3];
		u32 totalram, freeram, sharedram, bufferram, totalswap, freeswap;
		u16 procs, pad;
		u32 totalhigh, freehigh;
		u32 mem_unit;
		char f[8];
	} u;

	do_sysinfo(&s);
	if ((s.totalram >> 32) || (s.totalswap >> 32)) {
		int bits = 0;
		while (s.mem_unit < PAGE_SIZE) {
			s.mem_unit <<= 1;
			bits++;
		}
		s.totalram >>= bits;
		s.freeram >>= bits;
		s.sharedram >>= bits;
		s.bufferram >>= bits;
		s.totalswap >>= bits;
		s.freeswap >>= bits;
	}
	memset(&u, 0, sizeof(u));
	u.uptime = (s32)s.uptime;
	for (int i = 0; i < 3; i++)
		u.loads[i] = (u32)s.loads[i];
	u.totalram = (u32)s.totalram;
	u.freeram = (u32)s.freeram;
	u.sharedram = (u32)s.sharedram;
	u.procs = s.procs;
	u.mem_unit = s.mem_unit;
	return copy_to_user(info, &u, sizeof(u)) ? -EFAULT : 0;
}
