/* Freestanding bits for the exec helpers: raw syscalls, output, no libc
 * (they run before or without any C library, and must need no
 * relocation, so only PC-relative references). */
#ifndef EXEC_HELPERS_MINI_H
#define EXEC_HELPERS_MINI_H

static long sys3(long nr, long a, long b, long c)
{
	long r;
#ifdef __x86_64__
	__asm__ volatile("syscall" : "=a"(r) : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
#else
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
#endif
	return r;
}

#ifdef __x86_64__
#define NR_WRITE 1
#define NR_EXIT 60
#else
#define NR_WRITE 4
#define NR_EXIT 1
#endif

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}

static void puts_raw(const char *s)
{
	sys3(NR_WRITE, 1, (long)s, slen(s));
}

static void put_hex(unsigned long v)
{
	char b[20];
	int i = sizeof(b);
	b[--i] = 0;
	do {
		b[--i] = "0123456789abcdef"[v & 15];
		v >>= 4;
	} while (v);
	puts_raw(b + i);
}

static void put_kv(const char *k, unsigned long v)
{
	puts_raw(" ");
	puts_raw(k);
	puts_raw("=");
	put_hex(v);
}

static __attribute__((noreturn, unused)) void exit_raw(int code)
{
	for (;;)
		sys3(NR_EXIT, code, 0, 0);
}

#endif
