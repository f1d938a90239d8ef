/*
 * vdso_expect.h - which entry the 32-bit vDSO should use here.
 *
 * The runner says so for the int80 configuration (XENTRY_EXPECT_VDSO,
 * where the boot option, not the CPU, decides); otherwise the vendor does,
 * as on Linux: Intel-style CPUs run SYSENTER from compat mode but not
 * SYSCALL, AMD-style ones the other way round.  A native i386 kernel runs
 * in legacy mode, where every vendor's SYSENTER works: it uses SYSENTER
 * wherever the CPU has it (CPUID.1:EDX.SEP), on AMD too, as Linux i386
 * does (kernel32.h).
 */
#ifndef XENTRY_VDSO_EXPECT_H
#define XENTRY_VDSO_EXPECT_H
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include "kernel32.h"

static inline const char *expected_choice(void)
{
	const char *env = getenv("XENTRY_EXPECT_VDSO");
	unsigned int a, v[3];
	char vendor[13];

	if (env && *env)
		return env;
	if (native_i386()) {
		unsigned int b, c, d;
		if (__get_cpuid(1, &a, &b, &c, &d) && (d & (1u << 11)))
			return "sysenter";
		return "int80";
	}
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
