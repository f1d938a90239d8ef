/* Small helpers shared by the proc_*.c tests: whole-file reads. */
#ifndef XENTRY_PROC_UTIL_H
#define XENTRY_PROC_UTIL_H
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Reads all of path into buf (NUL-terminated); bytes read or -errno.
 * Small reads on purpose: procfs must hand out its text in pieces. */
static inline long read_all(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY);
	size_t n = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t r = read(fd, buf + n, size - 1 - n < 100 ? size - 1 - n : 100);
		if (r < 0) {
			int e = errno;
			close(fd);
			return -e;
		}
		if (r == 0 || n + (size_t)r >= size - 1) {
			n += (size_t)r;
			break;
		}
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (long)n;
}

/* The value after "key:\t" in a status-like text, or -1. */
static inline long field_long(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, key, kl) && p[kl] == ':')
			return strtol(p + kl + 1, NULL, 10);
	return -1;
}
#endif
