/*
 * CPU affinity and getcpu on a machine with one CPU.
 *
 * xentry runs everything on CPU 0 of NUMA node 0, so the only affinity
 * mask a task can have is {0}: nothing is stored per task, but the calls
 * check their arguments the way Linux does, since programs (glibc's
 * sysconf(_SC_NPROCESSORS_ONLN) fallback, thread pools sizing themselves
 * with CPU_COUNT) depend on the exact sizes and errors.
 *
 * Linux's sizes: its mask is nr_cpu_ids bits rounded up to whole 64-bit
 * longs (cpumask_size() of a kernel whose masks are sized at boot), so
 * with nr_cpu_ids = 1 it is 8 bytes, for i386 callers too (the compat
 * calls move the same 64-bit mask as 32-bit words).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

#define NR_CPU_IDS 1u
/* NR_CPU_IDS bits in whole kernel longs, as Linux's cpumask_size(): 8
 * bytes on the 64-bit kernel (i386 callers included), 4 on i386. */
#define CPUMASK_BYTES ((unsigned int)sizeof(long))

static struct task *affinity_task(pid_t pid)
{
	return pid ? find_task(pid) : current;
}

/*
 * The length rules come first, before the pid is looked up: fewer bits
 * than CPUs, or a length that is not a whole number of the caller's
 * longs (4 bytes for i386), is EINVAL.  len * 8 is computed in 32 bits as
 * Linux does, so a huge len that wraps to 0 bits is EINVAL too.  The
 * answer is how many bytes were written: the mask, or less when the
 * caller's buffer is shorter (only possible for i386's 4-byte lengths).
 */
SYSCALL_DEFINE3(sched_getaffinity, pid_t, pid, unsigned int, len,
		unsigned long __user *, mask)
{
	unsigned int word = current->is32 ? 4 : 8;
	if ((u32)(len * 8u) < NR_CPU_IDS || (len & (word - 1)))
		return -EINVAL;
	if (!affinity_task(pid))
		return -ESRCH;
	u64 bits = 1;			/* CPU 0 */
	unsigned int n = MIN(len, CPUMASK_BYTES);
	if (copy_to_user(mask, &bits, n))
		return -EFAULT;
	return n;
}

/*
 * Any length is accepted: a short mask is zero-extended, a long one is
 * read only up to the kernel's mask size (bits for CPUs that cannot exist
 * are ignored).  i386 callers have the mask read in whole 32-bit words,
 * as Linux's compat path does.  The mask is read before the pid is
 * looked up (EFAULT beats ESRCH); a mask without CPU 0, the only online
 * CPU, is EINVAL.
 */
SYSCALL_DEFINE3(sched_setaffinity, pid_t, pid, unsigned int, len,
		const unsigned long __user *, mask)
{
	u64 bits = 0;
	unsigned int n = MIN(len, CPUMASK_BYTES);
	if (current->is32)
		n = (n + 3) & ~3u;
	if (n && copy_from_user(&bits, mask, n))
		return -EFAULT;
	if (!affinity_task(pid))
		return -ESRCH;
	if (!(bits & 1))
		return -EINVAL;
	return 0;
}

/* Both pointers may be NULL; both stores are tried even if one faults. */
SYSCALL_DEFINE3(getcpu, unsigned int __user *, cpu, unsigned int __user *, node,
		void __user *, unused_cache)
{
	int err = 0;
	unsigned int zero = 0;
	if (cpu)
		err |= copy_to_user(cpu, &zero, sizeof(zero));
	if (node)
		err |= copy_to_user(node, &zero, sizeof(zero));
	return err ? -EFAULT : 0;
}
