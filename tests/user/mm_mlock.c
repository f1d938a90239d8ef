/*
 * mlock family, as Linux answers root: locking mapped memory succeeds,
 * a range with an unmapped page is ENOMEM, a wrapping range EINVAL,
 * length 0 succeeds anywhere; mlock2 knows only MLOCK_ONFAULT; mlockall
 * needs MCL_CURRENT or MCL_FUTURE (MCL_ONFAULT alone, 0 or unknown bits
 * are EINVAL); the memory stays usable after munlock.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"

#ifndef __NR_mlock2
#define __NR_mlock2 (sizeof(long) == 8 ? 325 : 376)
#endif

int main(void)
{
	char *m = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ktap_plan(12);
	munmap(m + 4096, 4096);		/* a hole in the middle */
	ktap_eq(raw_syscall(__NR_mlock, (long)m, 4096, 0, 0, 0, 0), 0, "mlock of a mapped page");
	ktap_eq(raw_syscall(__NR_mlock, (long)m + 100, 10, 0, 0, 0, 0), 0,
		"an unaligned start is rounded down");
	ktap_eq(raw_syscall(__NR_mlock, (long)m, 3 * 4096, 0, 0, 0, 0), -ENOMEM,
		"a range over a hole is ENOMEM");
	ktap_eq(raw_syscall(__NR_mlock, (long)m + 4096, 0, 0, 0, 0, 0), 0,
		"length 0 succeeds even on the hole");
#ifdef __x86_64__
	ktap_eq(raw_syscall(__NR_mlock, (long)m, -4096L, 0, 0, 0, 0), -EINVAL,
		"a range that wraps is EINVAL");
#else
	/* A 64-bit kernel widens an i386 length to 64 bits: no wrap, a range
	 * far beyond the mappings.  A native i386 kernel's lengths are 32
	 * bits, so there it wraps, as on x86-64 (kernel32.h). */
	if (native_i386())
		ktap_eq(raw_syscall(__NR_mlock, (long)m, -4096L, 0, 0, 0, 0), -EINVAL,
			"a range that wraps is EINVAL (native i386 kernel)");
	else
		ktap_eq(raw_syscall(__NR_mlock, (long)m, -4096L, 0, 0, 0, 0), -ENOMEM,
			"a 4 GiB range from an i386 task is ENOMEM, not a wrap");
#endif
	ktap_eq(raw_syscall(__NR_munlock, (long)m, 4096, 0, 0, 0, 0), 0, "munlock");
	ktap_eq(raw_syscall(__NR_mlock2, (long)m, 4096, 1, 0, 0, 0), 0, "mlock2(MLOCK_ONFAULT)");
	ktap_eq(raw_syscall(__NR_mlock2, (long)m, 4096, 2, 0, 0, 0), -EINVAL,
		"mlock2 with an unknown flag is EINVAL");
	ktap_ok(raw_syscall(__NR_mlockall, 0, 0, 0, 0, 0, 0) == -EINVAL &&
		raw_syscall(__NR_mlockall, 8, 0, 0, 0, 0, 0) == -EINVAL,
		"mlockall(0) and an unknown bit are EINVAL");
	ktap_eq(raw_syscall(__NR_mlockall, MCL_ONFAULT, 0, 0, 0, 0, 0), -EINVAL,
		"MCL_ONFAULT alone is EINVAL");
	ktap_eq(raw_syscall(__NR_mlockall, MCL_CURRENT, 0, 0, 0, 0, 0), 0, "mlockall(MCL_CURRENT)");
	raw_syscall(__NR_munlockall, 0, 0, 0, 0, 0, 0);
	m[2 * 4096] = 7;
	ktap_eq(m[2 * 4096], 7, "the memory is still usable after munlockall");
	return ktap_finish();
}
