/*
 * Nice values: setpriority stores one (clamped to -20..19), getpriority
 * answers 20 - nice (so 1..40, never negative), fork inherits it,
 * /proc/self/stat shows priority and nice (fields 18 and 19), i386's
 * nice() adds to it.  A pid that does not exist is ESRCH, an unknown
 * "which" EINVAL.  Needs root (lowering the value); restores it.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include "ktap.h"
#include "sys.h"

static long getprio(void)
{
	return raw_syscall(__NR_getpriority, PRIO_PROCESS, 0, 0, 0, 0, 0);
}

static int stat_nice(long *prio, long *nice)
{
	char buf[1024];
	int fd = open("/proc/self/stat", O_RDONLY);
	long r = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	char *p = strrchr(buf, ')');
	/* after ") ": field 3 is the state; priority is 18, nice 19 */
	for (int field = 2; p && field < 18; field++)
		p = strchr(p + 1, ' ');
	return p && sscanf(p, " %ld %ld", prio, nice) == 2 ? 0 : -1;
}

int main(void)
{
	long prio = 0, nice = 0;
	long orig = 20 - getprio();

	ktap_plan(11);
	ktap_eq(raw_syscall(__NR_setpriority, PRIO_PROCESS, 0, 5, 0, 0, 0), 0,
		"setpriority(PRIO_PROCESS, 0, 5)");
	ktap_eq(getprio(), 15, "getpriority answers 20 - nice");
	ktap_ok(stat_nice(&prio, &nice) == 0 && prio == 25 && nice == 5,
		"/proc/self/stat: priority 25, nice 5 (%ld %ld)", prio, nice);
	ktap_eq(raw_syscall(__NR_setpriority, PRIO_PROCESS, getpid(), 100, 0, 0, 0), 0,
		"a value above 19 is accepted");
	ktap_eq(getprio(), 1, "...and clamped to 19");
	ktap_eq(raw_syscall(__NR_setpriority, PRIO_PROCESS, 0, -100, 0, 0, 0), 0,
		"root may lower it, below -20 too");
	ktap_eq(getprio(), 40, "...clamped to -20");
	raw_syscall(__NR_setpriority, PRIO_PROCESS, 0, 3, 0, 0, 0);
	pid_t pid = fork();
	if (pid == 0)
		_exit(getprio() == 17 ? 0 : 1);
	int status = -1;
	waitpid(pid, &status, 0);
	ktap_eq(status, 0, "a forked child inherits it");
	ktap_eq(raw_syscall(__NR_getpriority, PRIO_PROCESS, 0x3fffffff, 0, 0, 0, 0), -ESRCH,
		"a pid nobody has is ESRCH");
	ktap_eq(raw_syscall(__NR_setpriority, 7, 0, 0, 0, 0, 0), -EINVAL,
		"an unknown which is EINVAL");
#ifdef __x86_64__
	ktap_skip("i386 only", "nice(2)");
#else
	ktap_ok(raw_syscall(__NR_nice, 2, 0, 0, 0, 0, 0) == 0 && getprio() == 15,
		"nice(2) adds 2 and returns 0");
#endif
	raw_syscall(__NR_setpriority, PRIO_PROCESS, 0, orig, 0, 0, 0);
	return ktap_finish();
}
