/*
 * The system-wide files in /proc itself.  Memory, uptime and load come
 * from the same variables sysinfo(2) reads (kernel/loadavg.c), so a
 * program comparing the two sees the same figures.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/loadavg.h>
#include <asm/x86.h>
#include "internal.h"

/* meminfo's "Label:" column is 16 wide, then the value in 8, then kB. */
static void mi(struct pbuf *pb, const char *label, unsigned long pages)
{
	size_t n = strlen(label);

	pb_printf(pb, "%s", label);
	while (n++ < 16)
		pb_write(pb, " ", 1);
	pb_printf(pb, "%8lu kB\n", pages * (PAGE_SIZE / 1024));
}

int proc_show_meminfo(struct task *t, struct pbuf *pb)
{
	unsigned long total = total_page_count(), free = free_page_count();
	unsigned long shmem = fs_nr_pages;

	mi(pb, "MemTotal:", total);
	mi(pb, "MemFree:", free);
	mi(pb, "MemAvailable:", free);
	mi(pb, "Buffers:", 0);
	mi(pb, "Cached:", shmem);	/* tmpfs data counts as page cache */
	mi(pb, "SwapCached:", 0);
	mi(pb, "Active:", 0);
	mi(pb, "Inactive:", 0);
	mi(pb, "Active(anon):", 0);
	mi(pb, "Inactive(anon):", 0);
	mi(pb, "Active(file):", 0);
	mi(pb, "Inactive(file):", 0);
	mi(pb, "Unevictable:", 0);
	mi(pb, "Mlocked:", 0);
	mi(pb, "SwapTotal:", 0);
	mi(pb, "SwapFree:", 0);
	mi(pb, "Dirty:", 0);
	mi(pb, "Writeback:", 0);
	mi(pb, "AnonPages:", 0);
	mi(pb, "Mapped:", 0);
	mi(pb, "Shmem:", shmem);
	mi(pb, "KReclaimable:", 0);
	mi(pb, "Slab:", 0);
	mi(pb, "SReclaimable:", 0);
	mi(pb, "SUnreclaim:", 0);
	mi(pb, "KernelStack:", 0);
	mi(pb, "PageTables:", 0);
	mi(pb, "CommitLimit:", total);
	mi(pb, "Committed_AS:", total - free);
	mi(pb, "VmallocTotal:", 0);
	mi(pb, "VmallocUsed:", 0);
	mi(pb, "VmallocChunk:", 0);
	return 0;
}

int proc_show_cpuinfo(struct task *t, struct pbuf *pb)
{
	u32 a, b, c, d, vendor[4] = { 0 }, brand[13] = { 0 };

	cpuid(0, 0, &a, &vendor[0], &vendor[2], &vendor[1]);
	cpuid(0x80000000, 0, &a, &b, &c, &d);
	if (a >= 0x80000004)
		for (u32 i = 0; i < 3; i++)
			cpuid(0x80000002 + i, 0, &brand[4 * i], &brand[4 * i + 1],
			      &brand[4 * i + 2], &brand[4 * i + 3]);
	cpuid(1, 0, &a, &b, &c, &d);
	unsigned int family = (a >> 8) & 0xf, model = (a >> 4) & 0xf;
	if (family == 0xf)
		family += (a >> 20) & 0xff;
	if (family >= 6)
		model |= ((a >> 16) & 0xf) << 4;
	pb_printf(pb, "processor\t: 0\nvendor_id\t: %s\ncpu family\t: %u\n",
		  (const char *)vendor, family);
	pb_printf(pb, "model\t\t: %u\nmodel name\t: %s\nstepping\t: %u\n", model,
		  brand[0] ? (const char *)brand : "unknown", a & 0xf);
	pb_printf(pb, "physical id\t: 0\nsiblings\t: 1\ncore id\t\t: 0\ncpu cores\t: 1\n"
		  "fpu\t\t: yes\nfpu_exception\t: yes\ncpuid level\t: 13\nwp\t\t: yes\n"
		  "flags\t\t: fpu tsc cx8 cmov mmx fxsr sse sse2 syscall lm\n"
		  "address sizes\t: 40 bits physical, 48 bits virtual\n\n");
	return 0;
}

int proc_show_uptime(struct task *t, struct pbuf *pb)
{
	u64 up = ktime_ns() / 10000000ULL;	/* hundredths */

	/* Idle time is not accounted here: reported as 0. */
	pb_printf(pb, "%lu.%02lu 0.00\n", (unsigned long)(up / 100),
		  (unsigned long)(up % 100));
	return 0;
}

int proc_show_loadavg(struct task *t, struct pbuf *pb)
{
	unsigned long l[3];

	for (int i = 0; i < 3; i++)
		l[i] = avenrun[i] + FIXED_1 / 200;	/* round to 2 places */
	pb_printf(pb, "%lu.%02lu %lu.%02lu %lu.%02lu %u/%u %d\n",
		  LOAD_INT(l[0]), LOAD_FRAC(l[0]), LOAD_INT(l[1]), LOAD_FRAC(l[1]),
		  LOAD_INT(l[2]), LOAD_FRAC(l[2]), nr_running_tasks(), nr_threads(),
		  last_pid());
	return 0;
}

int proc_show_version(struct task *t, struct pbuf *pb)
{
	/* The uname(2) strings (kernel/sys.c), in Linux's sentence. */
	pb_printf(pb, "Linux version 6.8.0-xentry (xentry@xentry) (gcc) #1 xentry\n");
	return 0;
}

/* One CPU that has never been seen busy: procps and busybox top only need
 * the shape.  The cpu lines count USER_HZ ticks. */
int proc_show_stat_global(struct task *t, struct pbuf *pb)
{
	u64 now = ktime_ns();
	/* Ticks as Linux prints them, 64-bit (a 32-bit long on the i386
	 * kernel would wrap after 497 days). */
	unsigned long long idle = now / 10000000ULL;
	u64 boot = (ktime_real_ns() - now) / 1000000000ULL;

	pb_printf(pb, "cpu  0 0 0 %llu 0 0 0 0 0 0\n", idle);
	pb_printf(pb, "cpu0 0 0 0 %llu 0 0 0 0 0 0\n", idle);
	pb_printf(pb, "intr 0\nctxt 0\nbtime %llu\nprocesses %d\n",
		  (unsigned long long)boot, last_pid());
	pb_printf(pb, "procs_running %u\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n",
		  nr_running_tasks());
	return 0;
}

int proc_show_filesystems(struct task *t, struct pbuf *pb)
{
	pb_printf(pb, "nodev\trootfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tpipefs\n");
	return 0;
}
