/*
 * getgroups: a negative size is EINVAL; size 0 asks for the count and
 * writes nothing; a buffer of that size gets that many groups; one too
 * small (when there are groups) is EINVAL.  xentry's tasks have none,
 * like Linux's init; the host's may have some, so counts are compared
 * with each other, not with a constant.  On i386 also the 16-bit
 * getgroups (80) next to getgroups32.
 */
#include <string.h>
#include "ktap.h"
#include "sys.h"

#ifdef __x86_64__
#define NR_GETGROUPS __NR_getgroups
#else
#define NR_GETGROUPS __NR_getgroups32
#endif

int main(void)
{
	unsigned int list[256];

	ktap_plan(5);
	ktap_eq(raw_syscall(NR_GETGROUPS, -1, (long)list, 0, 0, 0, 0), -EINVAL,
		"a negative size is EINVAL");
	memset(list, 0xab, sizeof(list));
	long n = raw_syscall(NR_GETGROUPS, 0, (long)list, 0, 0, 0, 0);
	ktap_ok(n >= 0 && n < 256 && list[0] == 0xabababab,
		"size 0 gives the count (%ld) and writes nothing", n);
	ktap_eq(raw_syscall(NR_GETGROUPS, n, (long)list, 0, 0, 0, 0), n,
		"a buffer of that size gets them all");
	if (n > 0)
		ktap_eq(raw_syscall(NR_GETGROUPS, n - 1, (long)list, 0, 0, 0, 0), -EINVAL,
			"a buffer one too small is EINVAL");
	else
		ktap_eq(raw_syscall(NR_GETGROUPS, 1, 0, 0, 0, 0, 0), 0,
			"no groups: nothing is written, even through NULL");
#ifdef __x86_64__
	ktap_skip("i386 only", "16-bit getgroups");
#else
	ktap_eq(raw_syscall(__NR_getgroups, 0, 0, 0, 0, 0, 0), n,
		"the 16-bit getgroups gives the same count");
#endif
	return ktap_finish();
}
