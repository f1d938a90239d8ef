/*
 * /proc/self/limits: a header and one line per limit in Linux's columns
 * (name 25, soft 20, hard 20, unit 10 wide), "unlimited" for
 * RLIM_INFINITY, values as getrlimit gives them - also right after
 * setrlimit lowers one.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "ktap.h"
#include "sys.h"

static char text[4096];

static int load(void)
{
	int fd = open("/proc/self/limits", O_RDONLY);
	long n = fd < 0 ? -1 : read(fd, text, sizeof(text) - 1);
	if (fd >= 0)
		close(fd);
	text[n > 0 ? n : 0] = 0;
	return n > 0;
}

/* The soft and hard columns of the line starting with name. */
static const char *line_of(const char *name)
{
	for (char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, name, strlen(name)))
			return l;
	return NULL;
}

static void fmt(char *out, rlim_t v)
{
	if (v == RLIM_INFINITY)
		strcpy(out, "unlimited");
	else
		sprintf(out, "%llu", (unsigned long long)v);
}

static int matches(const char *name, int res)
{
	struct rlimit r;
	char want[128], s[24], h[24];
	const char *l = line_of(name);

	getrlimit(res, &r);
	fmt(s, r.rlim_cur);
	fmt(h, r.rlim_max);
	snprintf(want, sizeof(want), "%-25s %-20s %-20s ", name, s, h);
	return l && !strncmp(l, want, strlen(want));
}

int main(void)
{
	ktap_plan(8);
	ktap_ok(load(), "/proc/self/limits reads");
	ktap_ok(!strncmp(text, "Limit                     Soft Limit           Hard Limit           Units     \n", 79),
		"the header, padded to its columns");
	ktap_ok(matches("Max stack size", RLIMIT_STACK), "stack size as getrlimit says");
	ktap_ok(matches("Max open files", RLIMIT_NOFILE), "open files as getrlimit says");
	ktap_ok(matches("Max address space", RLIMIT_AS), "address space as getrlimit says");
	const char *l = line_of("Max nice priority");
	ktap_ok(l && strchr(l, '\n') - l == 25 + 1 + 21 + 21 - 1 + 1,
		"nice priority has no unit: the line ends after the hard column");
	struct rlimit r = { 100, 200 };
	setrlimit(RLIMIT_NOFILE, &r);
	load();
	ktap_ok(matches("Max open files", RLIMIT_NOFILE) &&
		strstr(text, "Max open files            100                  200                  files     \n"),
		"after setrlimit(NOFILE, 100, 200)");
	l = line_of("Max realtime timeout");
	ktap_ok(l && strstr(l, " us        \n") == l + 25 + 1 + 21 + 21 - 1,
		"the last line, realtime timeout, in us");
	return ktap_finish();
}
