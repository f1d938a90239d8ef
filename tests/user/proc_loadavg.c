/* abi: 64 */
/*
 * The load average moves: with two busy children running for 11 seconds
 * (at least two of Linux's 5-second samples), the 1-minute load is well
 * above zero in /proc/loadavg and in sysinfo's 16-bit fixed point, and
 * the two agree.  64-bit only: the computation is ABI-independent and the
 * i386 sysinfo layout is covered by proc_global.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <sys/sysinfo.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"

static void chomp(char *s)
{
	char *nl = strchr(s, '\n');
	if (nl)
		*nl = 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void)
{
	char text[256];
	pid_t kids[2];
	double l1 = 0;
	struct sysinfo si;

	ktap_plan(3);
	for (int i = 0; i < 2; i++) {
		kids[i] = fork();
		if (kids[i] == 0)
			for (;;)
				__asm__ volatile("" ::: "memory");
	}
	double end = now() + 11;
	while (now() < end) {
		struct timespec ts = { 0, 200000000 };
		nanosleep(&ts, NULL);
	}
	read_all("/proc/loadavg", text, sizeof(text));
	sysinfo(&si);
	for (int i = 0; i < 2; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	ktap_ok(sscanf(text, "%lf", &l1) == 1, "loadavg parses");
	chomp(text);
	ktap_diag("loadavg: %s", text);
	ktap_ok(l1 >= 0.15, "two busy tasks for 11 s raise the 1-minute load (%.2f)", l1);
	double s1 = si.loads[0] / 65536.0;
	ktap_ok(s1 >= 0.15 && s1 - l1 < 0.2 && l1 - s1 < 0.2,
		"sysinfo loads[0]/65536 agrees (%.2f)", s1);
	return ktap_finish();
}
