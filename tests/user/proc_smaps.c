/*
 * proc_smaps: the line formats of /proc/self/smaps and smaps_rollup,
 * which tools (and proc-empty-vm) compare byte for byte.
 *
 * Linux 6.12 facts tested:
 *  - Every smaps counter line is the label padded to 16 columns, the
 *    value right-aligned in 8, then " kB"; THPeligible is the label, 4
 *    spaces and the value in 8 columns, no unit.
 *  - smaps_rollup is one header spanning the first mapping's start to the
 *    last one's end ([vsyscall] is no mapping of the process) named
 *    [rollup] at column 74 (50 on a native i386 kernel, whose pointers
 *    are 4 bytes: Linux pads to 25 + 6 * their size; kernel32.h), then Rss, Pss, Pss_Dirty, Pss_Anon, Pss_File,
 *    Pss_Shmem, Shared_Clean ... Locked, in that order and that format,
 *    with no Size, THPeligible or VmFlags lines.
 */
#include "ktap.h"
#include "kernel32.h"
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[1 << 20];

static ssize_t slurp(const char *path)
{
	int fd = open(path, O_RDONLY);
	ssize_t n = 0, r;
	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + n, sizeof(buf) - 1 - n)) > 0)
		n += r;
	close(fd);
	buf[n] = 0;
	return n;
}

static const char *const rollup_names[] = {
	"Rss:", "Pss:", "Pss_Dirty:", "Pss_Anon:", "Pss_File:", "Pss_Shmem:",
	"Shared_Clean:", "Shared_Dirty:", "Private_Clean:", "Private_Dirty:",
	"Referenced:", "Anonymous:", "KSM:", "LazyFree:", "AnonHugePages:",
	"ShmemPmdMapped:", "FilePmdMapped:", "Shared_Hugetlb:", "Private_Hugetlb:",
	"Swap:", "SwapPss:", "Locked:",
};

/* "Label:<pad to 16>%8lu kB" */
static int kb_line(const char *line, const char *name)
{
	size_t n = strlen(name);
	if (strncmp(line, name, n) || strlen(line) != 27 || strcmp(line + 24, " kB"))
		return 0;
	for (size_t i = n; i < 16; i++)
		if (line[i] != ' ')
			return 0;
	return line[23] >= '0' && line[23] <= '9';
}

int main(void)
{
	unsigned long first = 0, last = 0, s, e;
	int vmas = 0, thp_ok = 0, thp = 0, kb_ok = 1;

	ktap_plan(6);
	/* The span from maps, before smaps_rollup is read (no mapping in
	 * between: buf is static and stdio is not used). */
	ktap_ok(slurp("/proc/self/maps") > 0, "maps read");
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (strstr(l, "[vsyscall]") || sscanf(l, "%lx-%lx", &s, &e) != 2)
			continue;
		if (!first)
			first = s;
		last = e;
	}
	ktap_ok(slurp("/proc/self/smaps") > 0, "smaps read");
	for (char *l = strtok(buf, "\n"); l; l = strtok(NULL, "\n")) {
		if (!strncmp(l, "THPeligible:", 12)) {
			thp++;
			thp_ok += strlen(l) == 24 && strspn(l + 12, " ") == 11 &&
				  (l[23] == '0' || l[23] == '1');
		} else if (strstr(l, " kB")) {
			char name[32];
			if (sscanf(l, "%31s", name) == 1 && !kb_line(l, name)) {
				kb_ok = 0;
				ktap_diag("bad line: '%s'", l);
			}
		} else if (sscanf(l, "%lx-%lx", &s, &e) == 2) {
			vmas++;
		}
	}
	ktap_ok(thp > 0 && thp == vmas && thp_ok == thp, "THPeligible lines: %d of %d right",
		thp_ok, vmas);
	ktap_ok(kb_ok, "every kB line: 16-column label, 8-column value");

	ssize_t n = slurp("/proc/self/smaps_rollup");
	char head[128];
	snprintf(head, sizeof(head), "%08lx-%08lx ---p 00000000 00:00 0", first, last);
	while (strlen(head) < (native_i386() ? 49 : 73))
		strcat(head, " ");
	strcat(head, "[rollup]\n");
	ktap_ok(n > 0 && !strncmp(buf, head, strlen(head)), "rollup header: %.40s", buf);
	int names_ok = n > 0;
	char *l = strtok(buf + (n > 0 ? strlen(head) : 0), "\n");
	for (size_t i = 0; i < sizeof(rollup_names) / sizeof(*rollup_names); i++) {
		if (!l || !kb_line(l, rollup_names[i])) {
			names_ok = 0;
			ktap_diag("want %s, got '%s'", rollup_names[i], l ? l : "(end)");
			break;
		}
		l = strtok(NULL, "\n");
	}
	ktap_ok(names_ok && !l, "rollup: the 22 counters in order, nothing after");
	return ktap_finish();
}
