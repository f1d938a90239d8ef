/*
 * vdso_expect.h - which entry the 32-bit vDSO should use here.
 *
 * The runner says so for the int80 configuration (XENTRY_EXPECT_VDSO,
 * where the boot option, not the CPU, decides); otherwise the vendor does,
 * as on Linux: Intel-style CPUs run SYSENTER from compat mode but not
 * SYSCALL, AMD-style ones the other way round.
 */
#ifndef XENTRY_VDSO_EXPECT_H
#define XENTRY_VDSO_EXPECT_H
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>

static inline const char *expected_choice(void)
{
	const char *env = getenv("XENTRY_EXPECT_VDSO");
	unsigned int a, v[3];
	char vendor[13];

	if (env && *env)
		return env;
	if (!__get_cpuid(0, &a, &v[0], &v[2], &v[1]))
		return "int80";
	memcpy(vendor, v, 12);
	vendor[12] = 0;
	if (!strcmp(vendor, "GenuineIntel") || !strcmp(vendor, "CentaurHauls") ||
	    !strcmp(vendor, "  Shanghai  "))
		return "sysenter";
	if (!strcmp(vendor, "AuthenticAMD") || !strcmp(vendor, "HygonGenuine"))
		return "syscall";
	return "int80";
}
#endif
