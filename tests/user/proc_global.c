/*
 * System-wide /proc files: meminfo parses and agrees with sysinfo(2),
 * uptime grows and agrees with sysinfo, loadavg has Linux's shape and
 * agrees with sysinfo's 16-bit fixed-point loads, version starts like
 * uname, and stat has a cpu line.  The raw sysinfo system call is also
 * checked for its ABI size on each side.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <time.h>
#include <sys/sysinfo.h>
#include <sys/utsname.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"

static char text[65536];

/* Message text without its newline (KTAP is one line per case). */
static const char *line1(const char *s)
{
	static char b[256];
	snprintf(b, sizeof(b), "%.*s", (int)strcspn(s, "\n"), s);
	return b;
}

static long meminfo_kb(const char *key)
{
	read_all("/proc/meminfo", text, sizeof(text));
	return field_long(text, key);
}

int main(void)
{
	struct sysinfo si;

	ktap_plan(12);
	ktap_eq(sysinfo(&si), 0, "sysinfo");
	long total = meminfo_kb("MemTotal"), free_kb = meminfo_kb("MemFree");
	unsigned long long si_total = (unsigned long long)si.totalram * si.mem_unit / 1024;
	unsigned long long si_free = (unsigned long long)si.freeram * si.mem_unit / 1024;
	ktap_ok(total > 0 && free_kb > 0 && free_kb <= total, "MemTotal %ld >= MemFree %ld kB",
		total, free_kb);
	ktap_ok(si_total == (unsigned long long)total, "sysinfo totalram = MemTotal (%llu)",
		si_total);
	/* Free memory moves a little between the two calls. */
	ktap_ok(llabs((long long)si_free - free_kb) < total / 20 + 1024,
		"sysinfo freeram ~ MemFree (%llu vs %ld)", si_free, free_kb);
	ktap_ok(strstr(text, "\nSwapTotal:") && strstr(text, "\nCached:") &&
		!strncmp(text, "MemTotal:", 9), "meminfo has the usual keys in order");

	double up1, up2, idle;
	read_all("/proc/uptime", text, sizeof(text));
	ktap_ok(sscanf(text, "%lf %lf", &up1, &idle) == 2 && text[strlen(text) - 1] == '\n',
		"uptime: two numbers (%s)", line1(text));
	ktap_ok(llabs((long long)up1 - si.uptime) <= 2, "uptime agrees with sysinfo (%ld)",
		si.uptime);
	struct timespec ts = { 0, 300000000 };
	nanosleep(&ts, NULL);
	read_all("/proc/uptime", text, sizeof(text));
	ktap_ok(sscanf(text, "%lf", &up2) == 1 && up2 > up1, "uptime increases");

	read_all("/proc/loadavg", text, sizeof(text));
	double l1, l5, l15;
	int run, tot, last;
	ktap_ok(sscanf(text, "%lf %lf %lf %d/%d %d", &l1, &l5, &l15, &run, &tot, &last) == 6 &&
		run >= 1 && tot >= run && last > 0, "loadavg format (%s)", line1(text));
	sysinfo(&si);
	/* Both round the same fixed-point value; a 5-second sample may fall
	 * between the two reads, hence the margin. */
	double s1 = si.loads[0] / 65536.0, d = s1 > l1 ? s1 - l1 : l1 - s1;
	ktap_ok(d <= 0.02 + l1 * 0.2, "loadavg 1-min agrees with sysinfo loads[0]/65536 (%.2f, %.2f)", l1, s1);

	struct utsname u;
	uname(&u);
	char want[512];
	snprintf(want, sizeof(want), "Linux version %s ", u.release);
	read_all("/proc/version", text, sizeof(text));
	ktap_ok(!strncmp(text, want, strlen(want)), "version starts 'Linux version <release> '");

	read_all("/proc/stat", text, sizeof(text));
	unsigned long long user, nice, sys, idl;
	ktap_ok(sscanf(text, "cpu  %llu %llu %llu %llu", &user, &nice, &sys, &idl) == 4,
		"stat: the cpu line");
	return ktap_finish();
}
