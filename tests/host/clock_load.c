/* For test_clock_load.sh: keep the kernel busy with interrupts off (fork
 * copies a 64 MiB buffer, over and over) and report how long that took
 * by the guest's own CLOCK_MONOTONIC. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 10;
	size_t n = 64UL << 20;
	char *buf = malloc(n);
	if (!buf)
		return 2;
	memset(buf, 1, n);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	int ok = 0;
	for (int i = 0; i < rounds; i++) {
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
