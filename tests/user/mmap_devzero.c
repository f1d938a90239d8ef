/*
 * mmap of /dev/zero: MAP_PRIVATE is private anonymous memory (zero, a
 * fork child's writes stay its own), MAP_SHARED is shared anonymous
 * memory (a fork child's writes reach the parent); the usual access
 * checks still apply (EACCES for a write-only fd or a writable shared
 * mapping of a read-only fd).  /dev/null stays unmappable (ENODEV).
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "ktap.h"

static int child_writes(volatile unsigned char *p, unsigned char val)
{
	pid_t pid = fork();
	if (pid == 0) {
		p[0] = val;
		p[8191] = val;
		_exit(0);
	}
	int st = -1;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

int main(void)
{
	ktap_plan(9);
	int fd = open("/dev/zero", O_RDWR);
	int ro = open("/dev/zero", O_RDONLY);
	int wo = open("/dev/zero", O_WRONLY);
	if (fd < 0 || ro < 0 || wo < 0) {
		ktap_diag("open /dev/zero: %s", strerror(errno));
		return 1;
	}

	unsigned char *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	ktap_ok(p != MAP_FAILED && p[0] == 0 && p[8191] == 0,
		"private /dev/zero mapping reads zero");
	if (p != MAP_FAILED) {
		p[5] = 7;
		ktap_ok(child_writes(p, 0x55) == 0 && p[0] == 0 && p[8191] == 0 && p[5] == 7,
			"private: a fork child's writes stay in the child");
	} else {
		ktap_ok(0, "private: a fork child's writes stay in the child");
	}

	unsigned char *s = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ktap_ok(s != MAP_FAILED && s[0] == 0 && s[4096] == 0,
		"shared /dev/zero mapping reads zero");
	ktap_ok(s != MAP_FAILED && child_writes(s, 0xaa) == 0 && s[0] == 0xaa &&
		s[8191] == 0xaa, "shared: a fork child's writes reach the parent");

	/* A second shared mapping is a new object, not the first one. */
	unsigned char *s2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	ktap_ok(s2 != MAP_FAILED && s2[0] == 0, "each shared mapping is a fresh object");

	errno = 0;
	void *q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0);
	ktap_ok(q == MAP_FAILED && errno == EACCES,
		"shared writable mapping of an O_RDONLY fd: EACCES (errno %d)", errno);

	q = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE, ro, 0);
	ktap_ok(q != MAP_FAILED && (((unsigned char *)q)[0] = 3) == 3,
		"private writable mapping of an O_RDONLY fd is allowed");

	errno = 0;
	q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, wo, 0);
	ktap_ok(q == MAP_FAILED && errno == EACCES,
		"mapping an O_WRONLY fd: EACCES (errno %d)", errno);

	int nul = open("/dev/null", O_RDWR);
	errno = 0;
	q = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, nul, 0);
	ktap_ok(q == MAP_FAILED && errno == ENODEV,
		"/dev/null is not mappable: ENODEV (errno %d)", errno);
	return ktap_finish();
}
