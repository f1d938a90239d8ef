/*
 * exitstats - print xentry's exit-path counters (docs/entry.md).
 *
 *   exitstats          print
 *   exitstats -r       print, then reset
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "../../include/uapi/xentry_stats.h"

static const char *const why[XENTRY_NR_REFUSALS] = {
	[XENTRY_REFUSE_CX_NE_IP] = "cx!=ip",
	[XENTRY_REFUSE_R11_NE_FLAGS] = "r11!=flags",
	[XENTRY_REFUSE_CS_SS] = "cs/ss",
	[XENTRY_REFUSE_NONCANONICAL] = "non-canonical",
	[XENTRY_REFUSE_RF_TF] = "rf/tf",
	[XENTRY_REFUSE_VM] = "vm",
	[XENTRY_REFUSE_NOT_LANDING_PAD] = "not landing pad",
	[XENTRY_REFUSE_BAD_STACK] = "bad stack",
	[XENTRY_REFUSE_INT80] = "int80",
	[XENTRY_REFUSE_FLAG_CLEARED] = "flag cleared",
};

int main(int argc, char **argv)
{
	struct xentry_exit_stats s;
	int reset = argc > 1 && !strcmp(argv[1], "-r");
	memset(&s, 0, sizeof(s));
	long r = syscall(XENTRY_NR_exit_stats, &s, reset ? XENTRY_STATS_RESET : 0);
	if (r < 0) {
		perror("exitstats: not running on xentry");
		return 1;
	}
	printf("vdso32 entry: %s\n", s.vdso32_mode);
	printf("returns: sysretq %llu  sysretl %llu  sysexit %llu  iret %llu\n",
	       s.sysretq, s.sysretl, s.sysexit, s.iret);
	printf("iret because:");
	for (int i = 0; i < XENTRY_NR_REFUSALS; i++)
		printf("%s %s %llu", i ? "," : "", why[i], s.refused[i]);
	printf("\n");
	return 0;
}
