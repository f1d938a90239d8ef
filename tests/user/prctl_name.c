/*
 * prctl(PR_SET_NAME/PR_GET_NAME): the thread's name (comm) that
 * /proc/self/comm, /proc/self/stat and ps show.  Names are cut at 15
 * bytes, not refused; GET always fills 16 bytes; a bad pointer is
 * EFAULT and leaves the name alone; an unknown option is EINVAL; a
 * forked child inherits the name.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include "ktap.h"
#include "sys.h"

static void read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	long r = fd < 0 ? -1 : read(fd, buf, n - 1);
	buf[r > 0 ? r : 0] = 0;
	if (fd >= 0)
		close(fd);
}

int main(void)
{
	char name[32], buf[512];

	ktap_plan(10);
	ktap_eq(raw_syscall(__NR_prctl, PR_SET_NAME, (long)"worker", 0, 0, 0, 0), 0,
		"PR_SET_NAME succeeds");
	memset(name, 'x', sizeof(name));
	ktap_eq(raw_syscall(__NR_prctl, PR_GET_NAME, (long)name, 0, 0, 0, 0), 0,
		"PR_GET_NAME succeeds");
	ktap_ok(!strcmp(name, "worker") && name[15] == 0 && name[16] == 'x',
		"it reads back, NUL-padded to exactly 16 bytes");
	read_file("/proc/self/comm", buf, sizeof(buf));
	ktap_ok(!strcmp(buf, "worker\n"), "/proc/self/comm shows it (%s)", buf);
	read_file("/proc/self/stat", buf, sizeof(buf));
	ktap_ok(strstr(buf, " (worker) ") != NULL, "/proc/self/stat shows it");

	raw_syscall(__NR_prctl, PR_SET_NAME, (long)"abcdefghijklmnopqrstuvwxyz", 0, 0, 0, 0);
	raw_syscall(__NR_prctl, PR_GET_NAME, (long)name, 0, 0, 0, 0);
	ktap_ok(!strcmp(name, "abcdefghijklmno"), "a long name is cut at 15 bytes (%s)", name);

	/* The last byte of the page is the name's first: the copy runs into
	 * the unmapped page after it before any NUL. */
	char *page = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(page + 4096, 4096);
	page[4095] = 'z';
	ktap_eq(raw_syscall(__NR_prctl, PR_SET_NAME, (long)(page + 4095), 0, 0, 0, 0), -EFAULT,
		"a name running into an unmapped page is EFAULT");
	raw_syscall(__NR_prctl, PR_GET_NAME, (long)name, 0, 0, 0, 0);
	ktap_ok(!strcmp(name, "abcdefghijklmno"), "...and the name is unchanged (%s)", name);
	ktap_eq(raw_syscall(__NR_prctl, 0x7fffffff, 0, 0, 0, 0, 0), -EINVAL,
		"an unknown option is EINVAL");

	pid_t pid = fork();
	if (pid == 0) {
		raw_syscall(__NR_prctl, PR_GET_NAME, (long)name, 0, 0, 0, 0);
		_exit(strcmp(name, "abcdefghijklmno") ? 1 : 0);
	}
	int status = -1;
	waitpid(pid, &status, 0);
	ktap_eq(status, 0, "a forked child has the parent's name");
	return ktap_finish();
}
