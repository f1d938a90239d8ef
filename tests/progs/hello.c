/*
 * hello: xentry's demo program (not a test).
 *
 * Greets with the ABI it was built for, uses the heap, prints the first
 * line of the file named by argv[1] (if any), then echoes its arguments
 * and environment.  Built static for i386 and x86-64 (and with musl when
 * musl-gcc exists) to show that unmodified Linux binaries run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

#ifdef __GLIBC__
#define LIBC "glibc"
#else
#define LIBC "musl"
#endif

int main(int argc, char **argv)
{
	printf("Hello from a %d-bit %s program!\n", (int)sizeof(long) * 8, LIBC);

	/* A small block (from brk) and a large one (glibc/musl use mmap). */
	size_t sizes[2] = { 4096, 4 << 20 };
	for (int i = 0; i < 2; i++) {
		unsigned char *buf = malloc(sizes[i]);
		if (!buf) {
			printf("malloc(%zu) failed\n", sizes[i]);
			return 1;
		}
		unsigned long sum = 0;
		for (size_t j = 0; j < sizes[i]; j++)
			buf[j] = (unsigned char)(j * 7);
		for (size_t j = 0; j < sizes[i]; j++)
			sum += buf[j];
		printf("malloc(%zu) at %p, checksum %lu\n", sizes[i], (void *)buf, sum);
		free(buf);
	}

	if (argc > 1) {
		FILE *f = fopen(argv[1], "r");
		char line[256];
		if (!f)
			perror(argv[1]);
		else {
			if (fgets(line, sizeof(line), f)) {
				line[strcspn(line, "\n")] = 0;
				printf("first line of %s: %s\n", argv[1], line);
			} else {
				printf("%s is empty\n", argv[1]);
			}
			fclose(f);
		}
	}

	for (int i = 0; i < argc; i++)
		printf("argv[%d] = %s\n", i, argv[i]);
	for (char **e = environ; *e; e++)
		printf("env: %s\n", *e);
	return 0;
}
