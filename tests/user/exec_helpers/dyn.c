/* A glibc program linked dynamically (the host's ld.so and libc). */
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>

int main(int argc, char **argv)
{
	printf("D argc=%d argv1=%s base_set=%d strlen=%zu\n", argc, argc > 1 ? argv[1] : "-",
	       getauxval(AT_BASE) != 0, strlen(argv[0]));
	return 7;
}
