/* For test_clock_load.sh: keep the kernel busy with interrupts off and
 * report how long that took by the guest's own CLOCK_MONOTONIC.  Fork
 * used to copy the 64 MiB buffer; with copy-on-write it copies only page
 * tables, so each round also write()s the buffer to a ramfs file, twice,
 * each in one call (16 MiB copied, 4096 pages allocated, all with IF=0),
 * and truncates it again. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	size_t n = 16UL << 20;
	char *buf = malloc(n);
	if (!buf)
		return 2;
	memset(buf, 1, n);
	int fd = open("/tmp/clock_load.dat", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 2;
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int ok = 0;
	for (int i = 0; i < rounds; i++) {
		for (int k = 0; k < 2; k++)
			if (pwrite(fd, buf, n, 0) != (ssize_t)n || ftruncate(fd, 0))
				return 2;
		pid_t p = fork();
		if (p == 0)
			_exit(buf[i * 4096]);
		int st;
		if (p > 0 && waitpid(p, &st, 0) == p && WIFEXITED(st) && WEXITSTATUS(st) == 1)
			ok++;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	double s = (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
	printf("forks %d of %d, guest seconds %.3f\n", ok, rounds, s);
	return ok == rounds ? 0 : 1;
}
