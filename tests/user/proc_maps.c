/*
 * /proc/self/maps and smaps: a fresh mapping shows up as exactly one line
 * with its range and permissions, changes with mprotect, and is gone after
 * munmap; a file mapping names the file with its inode and offset; the
 * stack is [stack], a vDSO (when the auxv has one) is [vdso], 64-bit
 * tasks end with Linux's [vsyscall] line, and names start at column 73
 * (Linux pads to 25 + 6 * the kernel's pointer size: column 49 on a
 * native i386 kernel, kernel32.h).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"
#include "kernel32.h"

static char maps[65536];

/* The line starting with "start-end ", copied into line; 1 if found,
 * 0 if not, 2 if found twice. */
static int find_range(unsigned long start, unsigned long end, char *line, size_t n)
{
	char key[64];
	int found = 0;

	snprintf(key, sizeof(key), "%08lx-%08lx ", start, end);
	for (char *p = maps; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, strlen(key))) {
			size_t l = strchr(p, '\n') ? (size_t)(strchr(p, '\n') - p) : strlen(p);
			snprintf(line, n, "%.*s", (int)(l < n ? l : n - 1), p);
			found++;
		}
	return found;
}

/* Does a line containing addr end with name? */
static int named(unsigned long addr, const char *name)
{
	for (char *p = maps; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		unsigned long s, e;
		if (sscanf(p, "%lx-%lx", &s, &e) != 2 || addr < s || addr >= e)
			continue;
		size_t l = strchr(p, '\n') ? (size_t)(strchr(p, '\n') - p) : strlen(p);
		return l >= strlen(name) && !strncmp(p + l - strlen(name), name, strlen(name));
	}
	return 0;
}

int main(void)
{
	char line[512];
	long ps = sysconf(_SC_PAGESIZE);

	ktap_plan(14);
	char *m = mmap(NULL, 3 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long s = (unsigned long)m, e = s + 3 * ps;
	/* Surround it with a gap so it cannot merge with a neighbour. */
	munmap(m + 3 * ps, ps);
	read_all("/proc/self/maps", maps, sizeof(maps));
	ktap_eq(find_range(s, e, line, sizeof(line)), 1, "the new mapping has one line");
	ktap_ok(!strncmp(strchr(line, ' '), " rw-p 00000000 00:00 0 ", 23) &&
		line[strlen(line) - 1] == ' ', "rw-p, offset 0, 00:00 0, trailing space (%s)", line);

	mprotect(m + ps, ps, PROT_READ | PROT_EXEC);
	read_all("/proc/self/maps", maps, sizeof(maps));
	ktap_ok(find_range(s + ps, s + 2 * ps, line, sizeof(line)) == 1 &&
		!strncmp(strchr(line, ' '), " r-xp ", 6), "mprotect splits it: r-xp middle");

	munmap(m, 3 * ps);
	read_all("/proc/self/maps", maps, sizeof(maps));
	ktap_ok(!find_range(s, s + ps, line, sizeof(line)) &&
		!find_range(s + ps, s + 2 * ps, line, sizeof(line)), "munmap: the lines are gone");

	int sp_marker;
	ktap_ok(named((unsigned long)&sp_marker, "[stack]"), "the stack is [stack]");
	unsigned long vdso = getauxval(AT_SYSINFO_EHDR);
	if (vdso)
		ktap_ok(named(vdso, "[vdso]"), "AT_SYSINFO_EHDR is in [vdso]");
	else
		ktap_skip("no vDSO for this ABI here", "[vdso]");

	void *brk0 = sbrk(0);
	if (sbrk(4 * ps) != (void *)-1) {
		read_all("/proc/self/maps", maps, sizeof(maps));
		ktap_ok(named((unsigned long)brk0, "[heap]"), "grown brk is [heap]");
	} else {
		ktap_skip("sbrk failed", "[heap]");
	}

	/* A file mapping: path, offset, inode. */
	char path[] = "/tmp/proc_mapsXXXXXX";
	int fd = mkstemp(path);
	struct stat st;
	ftruncate(fd, 4 * ps);
	fstat(fd, &st);
	char *f = mmap(NULL, 2 * ps, PROT_READ, MAP_SHARED, fd, 2 * ps);
	read_all("/proc/self/maps", maps, sizeof(maps));
	ktap_eq(find_range((unsigned long)f, (unsigned long)f + 2 * ps, line, sizeof(line)), 1,
		"file mapping has one line");
	char perms[5], dev[16], name[256] = "";
	unsigned long off = 1, ino = 0;
	sscanf(strchr(line, ' ') + 1, "%4s %lx %15s %lu %255s", perms, &off, dev, &ino, name);
	ktap_ok(!strcmp(perms, "r--s") && off == (unsigned long)(2 * ps) && ino == st.st_ino,
		"r--s, offset, inode (%s)", line);
	const size_t col = native_i386() ? 49 : 73;
	ktap_ok(!strcmp(name, path) && strlen(line) > col && line[col - 1] == ' ' &&
			line[col] == '/',
		"the path, starting at column %zu", col);
	munmap(f, 2 * ps);
	close(fd);
	unlink(path);

	/* Linux lists the vsyscall page last for every 64-bit process. */
	const char *last = maps + strlen(maps) - 1;
	while (last > maps && last[-1] != '\n')
		last--;
#ifdef __x86_64__
	ktap_ok(!strcmp(last, "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0"
			"                  [vsyscall]\n"), "64-bit: the [vsyscall] line last");
#else
	ktap_ok(!strstr(maps, "[vsyscall]"), "32-bit: no [vsyscall] line");
#endif

	/* smaps: the same header, then Size/Rss of a touched mapping. */
	m = mmap(NULL, 4 * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	m[0] = m[2 * ps] = 1;
	static char sm[262144];
	read_all("/proc/self/smaps", sm, sizeof(sm));
	snprintf(line, sizeof(line), "%08lx-%08lx rw-p", (unsigned long)m, (unsigned long)m + 4 * ps);
	char *h = strstr(sm, line);
	ktap_ok(h != NULL, "smaps has the mapping's header");
	ktap_ok(h && field_long(strchr(h, '\n') + 1, "Size") == 4 * ps / 1024,
		"smaps: Size in kB");
	ktap_ok(h && field_long(strstr(h, "\nRss:") + 1, "Rss") == 2 * ps / 1024,
		"smaps: Rss counts the two touched pages");
	return ktap_finish();
}
