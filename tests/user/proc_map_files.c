/*
 * proc_map_files: /proc/self/map_files, one symlink per file mapping.
 *
 * Linux facts tested (as root: Linux wants CAP_SYS_ADMIN here):
 *  - "start-end" in lowercase hex, no leading zeros, of a file mapping
 *    reads as the file's path; the directory lists that name.
 *  - Any other spelling - a space, a leading zero, uppercase is allowed
 *    though - or a range that is not exactly a mapping, or an anonymous
 *    mapping, is ENOENT.
 */
#include "ktap.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>

static int link_is(const char *fmt, unsigned long a, unsigned long b, const char *want)
{
	char name[96], buf[256];
	snprintf(name, sizeof(name), fmt, a, b);
	ssize_t n = readlink(name, buf, sizeof(buf) - 1);
	if (n < 0)
		return want ? 0 : errno == ENOENT;
	buf[n] = 0;
	return want && !strcmp(buf, want);
}

int main(void)
{
	char path[64], name[64];
	long pg = sysconf(_SC_PAGESIZE);

	ktap_plan(9);
	if (geteuid() != 0) {
		ktap_skip("not root (Linux wants CAP_SYS_ADMIN)", "map_files");
		return ktap_finish();
	}
	snprintf(path, sizeof(path), "/tmp/proc_map_files.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, 2 * pg);
	char *p = mmap(NULL, 2 * pg, PROT_READ, MAP_PRIVATE, fd, 0);
	char *anon = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long a = (unsigned long)p, b = a + 2 * pg;
	ktap_ok(fd >= 0 && p != MAP_FAILED && anon != MAP_FAILED, "setup");

	ktap_ok(link_is("/proc/self/map_files/%lx-%lx", a, b, path), "the exact name: the file");
	ktap_ok(link_is("/proc/self/map_files/%lX-%lX", a, b, path), "uppercase hex too");
	ktap_ok(link_is("/proc/self/map_files/0%lx-%lx", a, b, NULL), "leading zero: ENOENT");
	ktap_ok(link_is("/proc/self/map_files/%lx-%lx ", a, b, NULL), "trailing space: ENOENT");
	ktap_ok(link_is("/proc/self/map_files/%lx-%lx", a, b - pg, NULL), "part of a mapping: ENOENT");
	ktap_ok(link_is("/proc/self/map_files/%lx-%lx", (unsigned long)anon,
			(unsigned long)anon + pg, NULL), "anonymous mapping: ENOENT");

	snprintf(name, sizeof(name), "%lx-%lx", a, b);
	int listed = 0, anon_listed = 0;
	char aname[64];
	snprintf(aname, sizeof(aname), "%lx-%lx", (unsigned long)anon, (unsigned long)anon + pg);
	DIR *d = opendir("/proc/self/map_files");
	for (struct dirent *e; d && (e = readdir(d));) {
		listed |= !strcmp(e->d_name, name);
		anon_listed |= !strcmp(e->d_name, aname);
	}
	if (d)
		closedir(d);
	ktap_ok(listed, "readdir lists %s", name);
	ktap_ok(!anon_listed, "readdir leaves the anonymous mapping out");
	munmap(p, 2 * pg);
	close(fd);
	unlink(path);
	return ktap_finish();
}
