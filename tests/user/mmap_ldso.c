/*
 * File mappings the way ld.so loads a library: one private read-only
 * mapping of the whole span reserves the addresses, then each segment is
 * mapped MAP_FIXED over it from its file offset (text PROT_EXEC, data
 * writable and private), the tail of the data page past EOF reads as
 * zero, .bss beyond is anonymous MAP_FIXED memory, and RELRO is made
 * read-only with mprotect.  A page of the reservation wholly past EOF
 * still raises SIGBUS.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include "ktap.h"

#define PG 4096

/* Status of a child that runs fn(arg). */
static int in_child(void (*fn)(char *), char *arg)
{
	pid_t pid = fork();
	if (pid == 0) {
		fn(arg);
		_exit(0);
	}
	int st;
	waitpid(pid, &st, 0);
	return st;
}

static void write_byte(char *p)
{
	*(volatile char *)p = 1;
}

static void read_byte(char *p)
{
	(void)*(volatile char *)p;
}

int main(void)
{
	ktap_plan(11);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/xentry_ldso.%d", getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0755);
	static unsigned char file[2 * PG + 100];
	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (unsigned char)(i * 7 + 3);
	/* mov $42, %eax; ret - the same bytes in both modes. */
	static const unsigned char code[] = { 0xb8, 42, 0, 0, 0, 0xc3 };
	memcpy(file + PG, code, sizeof(code));
	ktap_ok(fd >= 0 && write(fd, file, sizeof(file)) == (ssize_t)sizeof(file),
		"a 2-page + 100-byte file");

	char *base = mmap(NULL, 5 * PG, PROT_READ, MAP_PRIVATE, fd, 0);
	ktap_ok(base != MAP_FAILED && !memcmp(base, file, PG), "reservation maps the file");
	char *text = mmap(base + PG, PG, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_FIXED, fd, PG);
	ktap_ok(text == base + PG && !memcmp(text, file + PG, PG),
		"MAP_FIXED text over the reservation, from its file offset");
	int (*fn)(void) = (int (*)(void))(uintptr_t)text;
	ktap_eq(fn(), 42, "code runs from the PROT_EXEC file mapping");

	char *data = mmap(base + 2 * PG, PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED,
			  fd, 2 * PG);
	int tail_zero = 1;
	for (int i = 100; i < PG; i++)
		tail_zero &= data[i] == 0;
	ktap_ok(data == base + 2 * PG && !memcmp(data, file + 2 * PG, 100) && tail_zero,
		"last data page: file bytes, then zeros past EOF");
	data[0] = 'X';
	unsigned char b = 0;
	ktap_ok(pread(fd, &b, 1, 2 * PG) == 1 && b == file[2 * PG],
		"a write to the private data page stays out of the file");

	/* Page 3 of the reservation lies wholly past EOF: SIGBUS. */
	int st = in_child(read_byte, base + 3 * PG);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGBUS, "a reserved page past EOF: SIGBUS (%#x)",
		st);

	char *bss = mmap(base + 3 * PG, 2 * PG, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0);
	ktap_ok(bss == base + 3 * PG && bss[0] == 0 && bss[2 * PG - 1] == 0,
		".bss: anonymous MAP_FIXED over the rest, zero");
	bss[5] = 9;

	ktap_eq(mprotect(data, PG, PROT_READ), 0, "RELRO: mprotect(PROT_READ) of the data page");
	st = in_child(write_byte, data);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "a write after RELRO: SIGSEGV (%#x)",
		st);
	ktap_ok(data[0] == 'X' && bss[5] == 9 && fn() == 42,
		"the private copy, .bss and text survive the mprotect");
	munmap(base, 5 * PG);
	close(fd);
	unlink(path);
	return ktap_finish();
}
