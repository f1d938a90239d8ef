/*
 * proc_reread: a procfs file read again at offset 0 shows the state of
 * now, not of the first read (Linux's seq_file restarts at position 0).
 *
 * Linux facts tested:
 *  - pread(fd, .., 0) of one open /proc/uptime after a sleep gives a
 *    larger uptime (proc-uptime-001 relies on it).
 *  - lseek(fd, 0) then read does too.
 *  - /proc/self/stat re-read at 0 after prctl(PR_SET_NAME) shows the new
 *    name; a read that goes on from a later offset continues the text it
 *    started with (the old name).
 */
#include "ktap.h"
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/prctl.h>

static double uptime_at0(int fd, int use_lseek)
{
	char buf[128];
	ssize_t n;

	if (use_lseek) {
		lseek(fd, 0, SEEK_SET);
		n = read(fd, buf, sizeof(buf) - 1);
	} else {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
	}
	if (n <= 0)
		return -1;
	buf[n] = 0;
	return strtod(buf, NULL);
}

static void nap(void)
{
	struct timespec ts = { 0, 60 * 1000 * 1000 };
	nanosleep(&ts, NULL);
}

int main(void)
{
	char a[512], b[512];

	ktap_plan(5);
	int fd = open("/proc/uptime", O_RDONLY);
	double u0 = uptime_at0(fd, 0);
	nap();
	double u1 = uptime_at0(fd, 0);
	ktap_ok(u0 > 0 && u1 > u0, "pread at 0 again: %.2f then %.2f", u0, u1);
	nap();
	double u2 = uptime_at0(fd, 1);
	ktap_ok(u2 > u1, "lseek 0 and read: %.2f then %.2f", u1, u2);
	close(fd);

	prctl(PR_SET_NAME, "first");
	fd = open("/proc/self/stat", O_RDONLY);
	ssize_t n = pread(fd, a, sizeof(a) - 1, 0);
	a[n > 0 ? n : 0] = 0;
	ktap_ok(strstr(a, "(first)") != NULL, "stat names the first comm");
	prctl(PR_SET_NAME, "second");
	n = pread(fd, b, sizeof(b) - 1, 0);
	b[n > 0 ? n : 0] = 0;
	ktap_ok(strstr(b, "(second)") != NULL, "stat re-read at 0 names the new comm");

	/* Start a new text, rename, then read on: the rest is the old text. */
	prctl(PR_SET_NAME, "third");
	n = pread(fd, a, 3, 0);
	prctl(PR_SET_NAME, "fourth");
	ssize_t m = pread(fd, a + (n > 0 ? n : 0), sizeof(a) - 4, n > 0 ? n : 0);
	a[(n > 0 ? n : 0) + (m > 0 ? m : 0)] = 0;
	ktap_ok(strstr(a, "(third)") != NULL, "a read that goes on keeps its text: %.24s", a);
	close(fd);
	return ktap_finish();
}
