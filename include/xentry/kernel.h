/* printk, panic and the freestanding string routines (lib/string.c). */
#ifndef XENTRY_KERNEL_H
#define XENTRY_KERNEL_H
#include <xentry/types.h>
#include <xentry/errno.h>
#include <stdarg.h>

/* Kernel log: goes to COM2 (the runner's KLOG file), never to the user's
 * console, so a program's output is exactly what it wrote. */
void printk(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
__noreturn void panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define BUG_ON(c) do { if (unlikely(c)) panic("BUG: %s at %s:%d", #c, __FILE__, __LINE__); } while (0)

void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strrchr(const char *s, int c);
size_t strlcpy(char *d, const char *s, size_t n);

#endif
