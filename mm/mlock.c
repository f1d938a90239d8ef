/*
 * mlock and friends.  Every page here stays in memory (there is no swap
 * and no reclaim of user pages), so locking changes nothing but must
 * answer as Linux does for root (CAP_IPC_LOCK: RLIMIT_MEMLOCK does not
 * apply): libgcrypt's secure memory mlocks a buffer at start-up and
 * prints "Warning: using insecure memory!" when that fails (gpgv, dar).
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include "internal.h"

#define MCL_CURRENT 1
#define MCL_FUTURE 2
#define MCL_ONFAULT 4
#define MLOCK_ONFAULT 1

/* Linux rounds start down and start+len up to pages; a range that wraps
 * is EINVAL, one with a hole or beyond the mappings ENOMEM. */
static long check_range(unsigned long start, size_t len)
{
	unsigned long end = ALIGN_UP(start + len, PAGE_SIZE);

	if (start + len < start || (len && end < start + len))
		return -EINVAL;
	start &= PAGE_MASK;
	if (end == start)
		return 0;
	return range_mapped(current->mm, start, end) ? 0 : -ENOMEM;
}

SYSCALL_DEFINE2(mlock, unsigned long, start, size_t, len)
{
	return check_range(start, len);
}

SYSCALL_DEFINE3(mlock2, unsigned long, start, size_t, len, int, flags)
{
	if (flags & ~MLOCK_ONFAULT)
		return -EINVAL;
	return check_range(start, len);
}

SYSCALL_DEFINE2(munlock, unsigned long, start, size_t, len)
{
	return check_range(start, len);
}

/* MCL_ONFAULT alone means nothing: Linux wants it with one of the
 * others, and at least one flag. */
SYSCALL_DEFINE1(mlockall, int, flags)
{
	if (!flags || (flags & ~(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT)) ||
	    flags == MCL_ONFAULT)
		return -EINVAL;
	return 0;
}

SYSCALL_DEFINE0(munlockall)
{
	return 0;
}
