/*
 * usercopy_partial - a copy to or from user memory that runs into an
 * unmapped page stops at the exact byte, whatever the alignment.
 *
 * The kernel copies eight bytes at a time and finishes by bytes
 * (arch/x86/lib/usercopy_64.S).  A fault in the word loop must not lose the
 * up to seven bytes before the bad page: read() returns every byte it
 * stored, as on Linux, and those bytes are right; the same for
 * clear_user (a read of /dev/zero).  A pipe read that cannot store all
 * of what it takes fails with EFAULT, as Linux's does.
 *
 * Linux's own native i386 kernel copies out in 4-byte and 64-byte steps
 * on Intel CPUs and may report fewer bytes than it could store, even none
 * (EFAULT): there (kernel32.h: linux_native_i386) a pread may return fewer
 * bytes than room, each of them right.  xentry stays exact on both kernels.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "ktap.h"
#include "kernel32.h"

static char pattern[256];

/* A buffer whose last `room` bytes are right below a PROT_NONE page. */
static char *edge(char *two_pages, size_t page, size_t room)
{
	return two_pages + page - room;
}

int main(void)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	static const size_t rooms[] = { 1, 3, 7, 8, 13, 16, 61 };
	const int nrooms = (int)(sizeof(rooms) / sizeof(rooms[0]));

	ktap_plan(3 * nrooms + 1);
	for (int i = 0; i < (int)sizeof(pattern); i++)
		pattern[i] = (char)(i * 7 + 1);

	char *two = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (two == MAP_FAILED || mprotect(two + page, page, PROT_NONE)) {
		ktap_diag("mmap/mprotect failed");
		return 1;
	}

	char path[] = "/tmp/usercopy_partialXXXXXX";
	int fd = mkstemp(path);
	ktap_ok(fd >= 0 && write(fd, pattern, sizeof(pattern)) == (ssize_t)sizeof(pattern),
		"a 256-byte file to read from");
	unlink(path);

	for (int i = 0; i < nrooms; i++) {
		size_t room = rooms[i];
		char *buf = edge(two, page, room);
		memset(two, 0, page);
		ssize_t r = pread(fd, buf, 100, 0);
		int ok = r == (ssize_t)room && memcmp(buf, pattern, room) == 0;
		if (linux_native_i386())
			ok = (r == -1 && errno == EFAULT) ||
			     (r > 0 && r <= (ssize_t)room && memcmp(buf, pattern, r) == 0);
		ktap_ok(ok,
			"pread of 100 bytes with %zu before a PROT_NONE page: %zd, the bytes right",
			room, r);
	}

	for (int i = 0; i < nrooms; i++) {
		size_t room = rooms[i];
		int p[2];
		if (pipe(p)) {
			ktap_ok(0, "pipe");
			continue;
		}
		ssize_t w = write(p[1], pattern, 100);
		char *buf = edge(two, page, room);
		memset(two, 0, page);
		ssize_t r = read(p[0], buf, 100);
		ktap_ok(w == 100 && r == -1 && errno == EFAULT,
			"pipe read of 100 bytes with %zu before a PROT_NONE page: EFAULT (%zd)",
			room, r);
		close(p[0]);
		close(p[1]);
	}

	int zero = open("/dev/zero", O_RDONLY);
	for (int i = 0; i < nrooms; i++) {
		size_t room = rooms[i];
		char *buf = edge(two, page, room);
		memset(two, 0x5a, page);
		ssize_t r = read(zero, buf, 100);
		int zeros = 1;
		for (size_t k = 0; k < room; k++)
			zeros &= buf[k] == 0;
		ktap_ok(r == (ssize_t)room && zeros && buf[-1] == 0x5a,
			"/dev/zero read of 100 bytes with %zu before a PROT_NONE page: %zd", room, r);
	}
	return ktap_finish();
}
