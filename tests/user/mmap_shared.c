/*
 * mmap_shared: MAP_SHARED memory really is shared, and msync's checks.
 *
 * Linux facts tested:
 *  - MAP_SHARED|MAP_ANONYMOUS memory is one copy across fork, both ways,
 *    including pages first touched after the fork; MAP_PRIVATE memory is
 *    a copy;
 *  - a MAP_SHARED mapping of a file is the file: a store through it is
 *    seen by read(), a write() is seen through it, two independent
 *    mappings of the file see each other, and so do parent and child
 *    after fork;
 *  - a mapping outlives its descriptor and the file's name, in any order
 *    of munmap, close and unlink;
 *  - write() from, and read() into, a shared mapping of the same file
 *    page works (the page is made once, not twice);
 *  - ftruncate shrinking a mapped file: the tail of the last page reads
 *    zero, a page wholly past EOF raises SIGBUS - also a private copy of
 *    one - and growing the file again makes it readable (zeros);
 *  - mprotect works on shared mappings; a shared mapping of a file open
 *    O_RDONLY cannot be made writable (mmap and mprotect give EACCES),
 *    a private one can, and its stores stay private;
 *  - madvise(MADV_DONTNEED) keeps a shared page's data, zeroes private
 *    anonymous memory;
 *  - msync: 0 on a mapping (any valid flags, len 0 too); EINVAL for an
 *    unaligned address, unknown flags, MS_ASYNC|MS_SYNC; ENOMEM when part
 *    of the range is not mapped.
 */
#include "ktap.h"
#include "sys.h"
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#define PG 4096

static char path[64];

static void *map(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
	return mmap(addr, len, prot, flags, fd, off);
}

/* A file of n pages, page i filled with 'a' + i. */
static int make_file(int n)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char buf[PG];
	for (int i = 0; i < n; i++) {
		memset(buf, 'a' + i, PG);
		if (write(fd, buf, PG) != PG)
			return -1;
	}
	return fd;
}

static int fault_addr_rw;	/* 0: read the byte, 1: write it */
static volatile char *fault_addr;

static int touch(void *arg)
{
	if (fault_addr_rw)
		*fault_addr = 1;
	else
		(void)*fault_addr;
	return 0;
}

/* The signal that touching p kills a child with (0: none). */
static int touch_sig(void *p, int write)
{
	fault_addr = p;
	fault_addr_rw = write;
	int st = run_in_child(touch, NULL);
	if (st == -1)
		return -1;
	return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static int child_fill(void *p)
{
	char *m = p;
	int ok = m[0] == 'P' && m[PG] == 0;	/* parent's store; untouched page */
	m[0] = 'C';
	m[PG] = 'D';			/* a page the parent never touched */
	return ok ? 0 : 1;
}

static void test_anon(void)
{
	char *m = map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *p = map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED || p == MAP_FAILED) {
		ktap_ok(0, "anonymous mappings (%d)", errno);
		ktap_ok(0, "shared anon: parent sees the child's stores");
		ktap_ok(0, "private anon stays private across fork");
		return;
	}
	ktap_ok(1, "anonymous mappings");
	m[0] = 'P';
	p[0] = 'P';
	int st = run_in_child(child_fill, m);
	ktap_ok(st == 0 && m[0] == 'C' && m[PG] == 'D',
		"shared anon: child sees the parent's store, parent sees the child's (%#x %d %d)",
		st, m[0], m[PG]);
	st = run_in_child(child_fill, p);
	ktap_ok(WIFEXITED(st) && p[0] == 'P', "private anon stays private across fork (%d)", p[0]);
	munmap(m, 2 * PG);
	munmap(p, PG);
}

static int child_store(void *p)
{
	((char *)p)[5] = 'F';
	return 0;
}

static void test_file(void)
{
	int fd = make_file(3);
	char *a = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *b = map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	char c = 0;
	if (fd < 0 || a == MAP_FAILED || b == MAP_FAILED) {
		ktap_ok(0, "shared file mappings (%d)", errno);
		for (int i = 0; i < 7; i++)
			ktap_ok(0, "skipped");
		return;
	}
	ktap_ok(a[0] == 'a' && a[PG] == 'b' && a[2 * PG + 7] == 'c' && b[0] == 'b',
		"a shared mapping shows the file's bytes");
	a[PG + 1] = 'X';
	ktap_ok(pread(fd, &c, 1, PG + 1) == 1 && c == 'X' && b[1] == 'X',
		"a store through the mapping is seen by read() and by another mapping (%d %d)",
		c, b[1]);
	ktap_ok(pwrite(fd, "W", 1, 2 * PG + 3) == 1 && a[2 * PG + 3] == 'W' && b[PG + 3] == 'W',
		"a write() is seen through both mappings");
	int st = run_in_child(child_store, b);
	ktap_ok(st == 0 && a[PG + 5] == 'F' && pread(fd, &c, 1, PG + 5) == 1 && c == 'F',
		"a child's store through the inherited mapping reaches the parent and the file");

	/* write() from the mapping itself, and read() into it. */
	ktap_eq(pwrite(fd, a + 2 * PG, PG, 0), PG, "write() from a shared mapping of the same file");
	ktap_ok(a[0] == 'c' && a[3] == 'W', "... and the mapping shows what it wrote (%d %d)",
		a[0], a[3]);
	ktap_eq(pread(fd, b, 16, 0), 16, "read() into a shared mapping of the same file");

	/* munmap a, close, the other mapping still works; unlink; reopen. */
	munmap(a, 3 * PG);
	close(fd);
	b[PG + 100] = 'Y';
	fd = open(path, O_RDONLY);
	ktap_ok(fd >= 0 && pread(fd, &c, 1, 2 * PG + 100) == 1 && c == 'Y',
		"after munmap and close, the other mapping still is the file (%d)", c);
	close(fd);
	unlink(path);
	b[PG + 101] = 'Z';
	munmap(b, 2 * PG);
}

static void test_holes(void)
{
	/* A file of holes: the mapping's first touch makes the page, and a
	 * write() sourced from that very page finds it. */
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, 2 * PG);
	char *m = map(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		ktap_ok(0, "mapping a sparse file (%d)", errno);
		ktap_ok(0, "skipped");
		close(fd);
		return;
	}
	ktap_eq(pwrite(fd, m + PG, PG, PG), PG, "write() of a hole from its own mapping");
	m[PG + 9] = 'h';
	char c = 0;
	ktap_ok(pread(fd, &c, 1, PG + 9) == 1 && c == 'h' && m[0] == 0,
		"the page stays one page (%d)", c);
	munmap(m, 2 * PG);
	close(fd);
	unlink(path);
}

static void test_truncate(void)
{
	int fd = make_file(3);
	char *m = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	char *p = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (fd < 0 || m == MAP_FAILED || p == MAP_FAILED) {
		ktap_ok(0, "mappings to truncate (%d)", errno);
		for (int i = 0; i < 4; i++)
			ktap_ok(0, "skipped");
		return;
	}
	ktap_ok(m[2 * PG] == 'c' && m[PG + 200] == 'b', "mapped, all pages touched");
	p[2 * PG] = 'p';		/* a private copy of the last page */
	ktap_eq(ftruncate(fd, PG + 100), 0, "ftruncate to 1 page + 100 bytes");
	ktap_ok(m[0] == 'a' && m[PG + 99] == 'b' && m[PG + 100] == 0 && m[PG + 200] == 0,
		"the last page's tail past EOF reads zero");
	int s1 = touch_sig(m + 2 * PG, 0), s2 = touch_sig(p + 2 * PG, 0);
	ktap_ok(s1 == SIGBUS && s2 == SIGBUS,
		"a page wholly past EOF: SIGBUS, shared (%d) and private copy (%d)", s1, s2);
	ftruncate(fd, 3 * PG);
	ktap_ok(touch_sig(m + 2 * PG, 0) == 0 && m[2 * PG] == 0 && m[PG + 200] == 0,
		"grown again: readable, zeros");
	munmap(m, 3 * PG);
	munmap(p, 3 * PG);
	close(fd);
	unlink(path);
}

static void test_protect(void)
{
	int fd = make_file(2);
	close(fd);
	fd = open(path, O_RDWR);
	char *m = map(NULL, 2 * PG, PROT_READ, MAP_SHARED, fd, 0);
	char c = 0;
	ktap_ok(m != MAP_FAILED && touch_sig(m, 1) == SIGSEGV,
		"a PROT_READ shared mapping: a store is SIGSEGV");
	ktap_ok(mprotect(m, 2 * PG, PROT_READ | PROT_WRITE) == 0 && (m[PG] = 'M') &&
		pread(fd, &c, 1, PG) == 1 && c == 'M',
		"mprotect(PROT_WRITE) on it (O_RDWR file): stores reach the file");
	ktap_ok(mprotect(m, PG, PROT_READ) == 0 && touch_sig(m, 1) == SIGSEGV &&
		touch_sig(m + PG, 1) == 0, "mprotect back to PROT_READ, one page of two");
	munmap(m, 2 * PG);
	close(fd);

	fd = open(path, O_RDONLY);
	errno = 0;
	ktap_ok(map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED &&
		errno == EACCES, "mmap(MAP_SHARED, PROT_WRITE) of an O_RDONLY file: EACCES");
	m = map(NULL, PG, PROT_READ, MAP_SHARED, fd, 0);
	errno = 0;
	ktap_ok(m != MAP_FAILED && mprotect(m, PG, PROT_READ | PROT_WRITE) == -1 &&
		errno == EACCES, "... mprotect(PROT_WRITE) of its PROT_READ shared mapping: EACCES");
	ktap_ok(mprotect(m, PG, PROT_NONE) == 0 && mprotect(m, PG, PROT_READ) == 0 &&
		m[0] == 'a', "... other protections are fine");
	munmap(m, PG);
	char *p = map(NULL, PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ktap_ok(p != MAP_FAILED && mprotect(p, PG, PROT_READ | PROT_WRITE) == 0 &&
		(p[0] = 'q') && pread(fd, &c, 1, 0) == 1 && c == 'a',
		"a private mapping of it may become writable; stores stay private");
	munmap(p, PG);
	close(fd);
	unlink(path);
}

static void test_madvise(void)
{
	char *s = map(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *p = map(NULL, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s[10] = 's';
	p[10] = 'p';
	ktap_ok(madvise(s, PG, MADV_DONTNEED) == 0 && s[10] == 's',
		"MADV_DONTNEED on shared anon keeps the data");
	ktap_ok(madvise(p, PG, MADV_DONTNEED) == 0 && p[10] == 0,
		"MADV_DONTNEED on private anon zeroes it");
	munmap(s, PG);
	munmap(p, PG);
}

static void test_msync(void)
{
	char *m = map(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	munmap(m + 2 * PG, PG);		/* [m, m+2 pages) mapped, then a hole */
	ktap_ok(msync(m, 2 * PG, MS_SYNC) == 0 && msync(m, 2 * PG, MS_ASYNC) == 0 &&
		msync(m, 100, MS_INVALIDATE) == 0 && msync(m, 0, MS_SYNC) == 0 &&
		msync(m, PG, 0) == 0, "msync on a mapping: 0 (MS_SYNC, MS_ASYNC, MS_INVALIDATE, len 0)");
	errno = 0;
	ktap_ok(msync(m + 1, PG, MS_SYNC) == -1 && errno == EINVAL, "msync: unaligned address EINVAL");
	errno = 0;
	ktap_ok(msync(m, PG, 8) == -1 && errno == EINVAL, "msync: unknown flag EINVAL");
	errno = 0;
	ktap_ok(msync(m, PG, MS_SYNC | MS_ASYNC) == -1 && errno == EINVAL,
		"msync: MS_SYNC|MS_ASYNC EINVAL");
	errno = 0;
	ktap_ok(msync(m, 3 * PG, MS_SYNC) == -1 && errno == ENOMEM,
		"msync: range running into a hole ENOMEM");
	errno = 0;
	ktap_ok(msync(m + 2 * PG, PG, MS_ASYNC) == -1 && errno == ENOMEM,
		"msync: unmapped range ENOMEM");
	munmap(m, 2 * PG);
}

int main(void)
{
	default_signals();
	no_core_dumps();
	snprintf(path, sizeof(path), "/tmp/mmap_shared.%d", (int)getpid());
	ktap_plan(33);
	test_anon();
	test_file();
	test_holes();
	test_truncate();
	test_protect();
	test_madvise();
	test_msync();
	return ktap_finish();
}
