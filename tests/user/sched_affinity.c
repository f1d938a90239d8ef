/*
 * sched_affinity: sched_getaffinity, sched_setaffinity and getcpu.
 *
 * Linux facts tested (raw system calls, so the kernel's own values):
 *  - sched_getaffinity returns the number of bytes it wrote: the kernel's
 *    mask size or the caller's length if that is smaller.  The mask size
 *    is whole 64-bit longs (for i386 callers too) holding at least
 *    nr_cpu_ids bits: exactly that many when the kernel sizes masks at
 *    boot (Debian's kernels, and xentry: 8 bytes), NR_CPUS bits otherwise
 *    (a 6.18 Firecracker guest answers 32), so only the rule is checked.
 *    A native i386 kernel's longs are 32 bits: its masks are whole u32s
 *    (4 bytes for up to 32 CPUs; kernel32.h), so 8 bytes asked give 4;
 *  - its length must hold nr_cpu_ids bits and be a multiple of the
 *    caller's long (8 bytes; 4 for i386), else EINVAL; the length is an
 *    unsigned int (a 64-bit caller's upper bits are ignored);
 *  - pid 0 is the caller, another process's pid works, an unknown pid is
 *    ESRCH; an unwritable mask is EFAULT;
 *  - sched_setaffinity takes any length (short masks are zero-extended,
 *    bits past the kernel's mask are ignored); a mask with no CPU that
 *    exists (or an empty one) is EINVAL; unknown pid ESRCH;
 *  - the mask set is what get returns afterwards, a fork child inherits
 *    it, and getcpu then reports a CPU inside it;
 *  - getcpu writes the CPU and the NUMA node (0 on a one-node machine);
 *    NULL pointers are allowed; an unwritable one is EFAULT;
 *  - glibc's sched_getcpu agrees with the mask.
 *
 * What differs between machines (the host may have 2 CPUs, xentry has 1)
 * is read from /sys/devices/system/cpu/possible when it exists; without
 * it (xentry) the machine is taken to have one CPU.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdlib.h>

/* Highest N in a sysfs range list such as "0-1" or "0,2-5", plus one. */
static int sysfs_count(const char *path, int dflt)
{
	char buf[256];
	int fd = open(path, O_RDONLY), last = -1;
	if (fd < 0)
		return dflt;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = 0;
	for (char *p = buf; *p;) {
		if (*p >= '0' && *p <= '9') {
			int v = (int)strtol(p, &p, 10);
			if (v > last)
				last = v;
		} else {
			p++;
		}
	}
	return last >= 0 ? last + 1 : dflt;
}

/* Masks as bytes: the same layout for both ABIs (little-endian longs). */
static unsigned char mask[128], mask2[128];

static int bit(const unsigned char *m, int cpu)
{
	return (m[cpu / 8] >> (cpu % 8)) & 1;
}

int main(void)
{
	int ncpu = sysfs_count("/sys/devices/system/cpu/possible", 1);
	int nnode = sysfs_count("/sys/devices/system/node/possible", 1);
	/* The kernel's long: 8 bytes, 4 on a native i386 kernel. */
	const long klong = native_i386() ? 4 : 8;
	/* The smallest mask Linux could use. */
	long min_size = ((ncpu + 8 * klong - 1) / (8 * klong)) * klong;
	const long lsz = sizeof(long);
	long r;

	ktap_plan(30);
	ktap_diag("nr_cpu_ids %d, nodes %d", ncpu, nnode);

	/* --- sched_getaffinity --- */
	memset(mask, 0xa5, sizeof(mask));
	r = SC(SYS_sched_getaffinity, 0, sizeof(mask), mask);
	long want_size = r;	/* the kernel's mask size, checked here */
	if (!ktap_ok(r >= min_size && r <= (long)sizeof(mask) && r % klong == 0,
		     "getaffinity(0, 128 bytes) returns whole %s holding nr_cpu_ids bits",
		     klong == 8 ? "u64s" : "u32s (native i386)"))
		ktap_diag("returned %ld", r);
	ktap_diag("the kernel's mask: %ld bytes", r);
	int any = 0, stray = 0;
	for (int c = 0; c < 8 * (int)sizeof(mask); c++) {
		if (c < ncpu)
			any |= bit(mask, c);
		else if (c < 8 * r && bit(mask, c))
			stray = 1;
	}
	ktap_ok(r > 0 && any && !stray,
		"the mask has at least one CPU and none at or past nr_cpu_ids");
	ktap_ok(r > 0 && r < (long)sizeof(mask) && mask[r] == 0xa5,
		"bytes past the returned size are left alone");

	if (ncpu <= 64 && klong == 4)
		ktap_eq(SC(SYS_sched_getaffinity, 0, 8, mask2), want_size < 8 ? want_size : 8,
			"getaffinity with 8 bytes returns %ld (min of length and mask size)",
			want_size < 8 ? want_size : 8);
	else if (ncpu <= 64)
		ktap_eq(SC(SYS_sched_getaffinity, 0, 8, mask2), 8,
			"getaffinity with 8 bytes returns 8 (min of length and mask size)");
	else
		ktap_skip("more than 64 CPUs", "getaffinity with 8 bytes");
	ktap_eq(SC(SYS_sched_getaffinity, 0, 0, mask2), -EINVAL,
		"getaffinity with length 0: EINVAL");
	ktap_eq(SC(SYS_sched_getaffinity, 0, lsz + 2, mask2), -EINVAL,
		"getaffinity with a length that is not a multiple of a long: EINVAL");
	if (lsz == 4) {
		/* i386: 4 is a whole long, enough for 32 CPUs. */
		if (ncpu <= 32)
			ktap_eq(SC(SYS_sched_getaffinity, 0, 4, mask2), 4,
				"i386 getaffinity with 4 bytes returns 4 (smaller than the kernel's mask)");
		else
			ktap_skip("more than 32 CPUs", "i386 getaffinity with 4 bytes");
	} else {
		ktap_eq(SC(SYS_sched_getaffinity, 0, 4, mask2), -EINVAL,
			"x86-64 getaffinity with 4 bytes (half a long): EINVAL");
	}
#ifdef __x86_64__
	ktap_eq(raw_syscall(SYS_sched_getaffinity, 0, (1L << 32) | 8, (long)mask2, 0, 0, 0),
		want_size >= 8 ? 8 : want_size,
		"the length is an unsigned int: bits 32-63 are ignored");
#else
	ktap_eq(SC(SYS_sched_getaffinity, 0, 0x20000000, mask2), -EINVAL,
		"a length whose bit count wraps 32 bits to 0: EINVAL");
#endif
	ktap_eq(SC(SYS_sched_getaffinity, 0, sizeof(mask), 0), -EFAULT,
		"getaffinity into NULL: EFAULT");
	ktap_eq(SC(SYS_sched_getaffinity, INT_MAX, sizeof(mask), mask2), -ESRCH,
		"getaffinity of a pid that does not exist: ESRCH");
	ktap_eq(SC(SYS_sched_getaffinity, -1, sizeof(mask), mask2), -ESRCH,
		"getaffinity of pid -1: ESRCH");
	ktap_eq(SC(SYS_sched_getaffinity, INT_MAX, 0, mask2), -EINVAL,
		"a bad length is checked before the pid (EINVAL, not ESRCH)");
	r = SC(SYS_sched_getaffinity, getpid(), sizeof(mask2), memset(mask2, 0, sizeof(mask2)));
	ktap_ok(r == want_size && want_size > 0 && memcmp(mask, mask2, want_size) == 0,
		"getaffinity(getpid()) is the same as getaffinity(0)");

	/* Another process: a child blocked on a pipe. */
	{
		int p[2], st;
		pipe(p);
		pid_t pid = fork();
		if (pid == 0) {
			char c;
			close(p[1]);
			read(p[0], &c, 1);
			_exit(0);
		}
		memset(mask2, 0, sizeof(mask2));
		r = SC(SYS_sched_getaffinity, pid, sizeof(mask2), mask2);
		close(p[1]);
		waitpid(pid, &st, 0);
		close(p[0]);
		ktap_ok(r == want_size && want_size > 0 && memcmp(mask, mask2, want_size) == 0,
			"getaffinity of a child process: same size and mask as ours");
	}

	/* --- getcpu --- */
	{
		unsigned cpu = 999, node = 999;
		r = SC(SYS_getcpu, &cpu, &node, 0);
		ktap_eq(r, 0, "getcpu(&cpu, &node, NULL) returns 0");
		ktap_ok(cpu < (unsigned)ncpu && bit(mask, cpu),
			"getcpu's CPU is one of the affinity mask");
		if (nnode == 1)
			ktap_eq(node, 0, "getcpu's node is 0 on a one-node machine");
		else
			ktap_skip("more than one NUMA node", "getcpu's node");
		ktap_eq(SC(SYS_getcpu, 0, 0, 0), 0, "getcpu(NULL, NULL, NULL) returns 0");
		node = 999;
		r = SC(SYS_getcpu, 0, &node, 0);
		ktap_ok(r == 0 && (nnode > 1 || node == 0), "getcpu(NULL, &node): node written");
		ktap_eq(SC(SYS_getcpu, 1, 0, 0), -EFAULT, "getcpu to an unwritable address: EFAULT");
		int c = sched_getcpu();
		ktap_ok(c >= 0 && c < ncpu && bit(mask, c), "sched_getcpu() is in the mask");
		if (c < 0)
			ktap_diag("sched_getcpu: %s", strerror(errno));
	}

	/* --- sched_setaffinity --- */
	memcpy(mask2, mask, sizeof(mask));
	ktap_eq(SC(SYS_sched_setaffinity, 0, sizeof(mask2), mask2), 0,
		"setaffinity(0) with the current mask: 0");
	{
		/* Only CPUs that cannot exist: the first id past nr_cpu_ids
		 * (inside the kernel's mask), and CPU 64+8 (past it, ignored). */
		unsigned char none[128];
		memset(none, 0, sizeof(none));
		if (ncpu < 64) {
			none[ncpu / 8] |= 1 << (ncpu % 8);
			none[9] |= 1;
			ktap_eq(SC(SYS_sched_setaffinity, 0, sizeof(none), none), -EINVAL,
				"a mask of only nonexistent CPUs: EINVAL");
		} else {
			ktap_skip("64 or more CPUs", "a mask of only nonexistent CPUs");
		}
		memset(none, 0, sizeof(none));
		ktap_eq(SC(SYS_sched_setaffinity, 0, sizeof(none), none), -EINVAL,
			"an empty mask: EINVAL");
		ktap_eq(SC(SYS_sched_setaffinity, 0, 0, mask2), -EINVAL,
			"length 0 (an empty mask): EINVAL");
	}
	ktap_eq(SC(SYS_sched_setaffinity, INT_MAX, sizeof(mask2), mask2), -ESRCH,
		"setaffinity of a pid that does not exist: ESRCH");
	ktap_eq(SC(SYS_sched_setaffinity, 0, sizeof(mask2), 0), -EFAULT,
		"setaffinity from NULL: EFAULT");

	/* Pin to one CPU (the lowest allowed one) with a 4-byte mask: short
	 * lengths are zero-extended, not refused. */
	{
		int first = -1;
		for (int c = 0; c < ncpu && c < 32 && first < 0; c++)
			if (bit(mask, c))
				first = c;
		if (first < 0) {
			ktap_skip("no allowed CPU below 32", "setaffinity with a 4-byte mask");
			ktap_skip("no allowed CPU below 32", "pinned: get, getcpu and a fork child agree");
		} else {
			unsigned char one[8];
			memset(one, 0, sizeof(one));
			one[first / 8] = 1 << (first % 8);
			ktap_eq(SC(SYS_sched_setaffinity, 0, 4, one), 0,
				"setaffinity with a 4-byte mask of one CPU: 0");
			memset(mask2, 0, sizeof(mask2));
			long g = SC(SYS_sched_getaffinity, 0, sizeof(mask2), mask2);
			unsigned cpu = 999;
			SC(SYS_getcpu, &cpu, 0, 0);
			int p[2], st;
			unsigned char kid[sizeof(mask2)];
			memset(kid, 0xff, sizeof(kid));
			pipe(p);
			pid_t pid = fork();
			if (pid == 0) {
				unsigned char m[sizeof(mask2)];
				memset(m, 0, sizeof(m));
				SC(SYS_sched_getaffinity, 0, sizeof(m), m);
				write(p[1], m, sizeof(m));
				_exit(0);
			}
			read(p[0], kid, sizeof(kid));
			waitpid(pid, &st, 0);
			close(p[0]);
			close(p[1]);
			int only = g == want_size && bit(mask2, first);
			for (int c = 0; c < 8 * (int)sizeof(mask2); c++)
				if (c != first && bit(mask2, c))
					only = 0;
			if (!ktap_ok(only && cpu == (unsigned)first &&
					     memcmp(kid, mask2, sizeof(kid)) == 0,
				     "pinned to CPU %d: get, getcpu and a fork child agree", first))
				ktap_diag("get %ld, getcpu %u", g, cpu);
			/* Put the original mask back. */
			SC(SYS_sched_setaffinity, 0, sizeof(mask), mask);
		}
	}

	/* glibc's view: the online count covers every CPU of our mask. */
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		int ok = sched_getaffinity(0, sizeof(set), &set) == 0;
		long online = sysconf(_SC_NPROCESSORS_ONLN);
		ktap_ok(ok && CPU_COUNT(&set) >= 1 && online >= CPU_COUNT(&set),
			"sysconf(_SC_NPROCESSORS_ONLN) (%ld) >= CPU_COUNT of the mask (%d)", online,
			CPU_COUNT(&set));
	}
	return ktap_finish();
}
