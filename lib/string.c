/* Freestanding string routines.  gcc may emit calls to memcpy/memset/
 * memmove/memcmp itself, so these must exist even if nothing names them. */
#include <xentry/kernel.h>

/*
 * Eight bytes per iteration (four on i386), then the tail.  Under TCG
 * icount (how make bench measures) every iteration of a rep string
 * instruction is a retired instruction, so a byte loop would cost eight
 * times as much on every large copy (an XSAVE image, a pipe buffer);
 * real CPUs do not mind either way.
 */
void *memcpy(void *d, const void *s, size_t n)
{
	void *ret = d;
#ifdef CONFIG_X86_64
	size_t words = n >> 3, tail = n & 7;
	asm volatile("rep movsq\n\tmovq %3, %%rcx\n\trep movsb"
		     : "+D"(d), "+S"(s), "+c"(words) : "r"(tail) : "memory");
#else
	/* i386: the widest rep string word is four bytes. */
	size_t words = n >> 2, tail = n & 3;
	asm volatile("rep movsl\n\tmovl %3, %%ecx\n\trep movsb"
		     : "+D"(d), "+S"(s), "+c"(words) : "r"(tail) : "memory");
#endif
	return ret;
}

void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;
	if (dp <= sp || dp >= sp + n)
		return memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

/* As memcpy: words, then the tail, with the byte in every lane. */
void *memset(void *d, int c, size_t n)
{
	void *ret = d;
#ifdef CONFIG_X86_64
	size_t words = n >> 3, tail = n & 7;
	unsigned long v = (unsigned char)c * 0x0101010101010101UL;
	asm volatile("rep stosq\n\tmovq %3, %%rcx\n\trep stosb"
		     : "+D"(d), "+c"(words) : "a"(v), "r"(tail) : "memory");
#else
	size_t words = n >> 2, tail = n & 3;
	unsigned long v = (unsigned char)c * 0x01010101UL;
	asm volatile("rep stosl\n\tmovl %3, %%ecx\n\trep stosb"
		     : "+D"(d), "+c"(words) : "a"(v), "r"(tail) : "memory");
#endif
	return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;
	while (n < max && s[n])
		n++;
	return n;
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

int strncmp(const char *a, const char *b, size_t n)
{
	for (; n; n--, a++, b++) {
		if (*a != *b)
			return (unsigned char)*a - (unsigned char)*b;
		if (!*a)
			return 0;
	}
	return 0;
}

char *strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *strrchr(const char *s, int c)
{
	const char *last = NULL;
	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

size_t strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);
	if (n) {
		size_t k = len < n - 1 ? len : n - 1;
		memcpy(d, s, k);
		d[k] = 0;
	}
	return len;
}
