/*
 * kernel32.h - what an i386 program sees that depends on the kernel under
 * it.  The same NAME.32 runs in compatibility mode on a 64-bit kernel
 * (xentry's x86_64 kernel; Linux x86-64, where make test-linux runs it) and
 * natively on an i386 kernel (xentry's ARCH=i386, docs/i386.md; Linux
 * i386).  Linux's values, which both xentry kernels follow:
 *
 *   fact                          64-bit kernel      native i386
 *   user CS                       0x23               0x73
 *   user SS = DS = ES             0x2b               0x7b
 *   GDT TLS slots                 12-14              6-8
 *   glibc's %gs (the first slot)  0x63               0x33
 *   a 64-bit code segment         0x33               none: 0x33 is a TLS slot
 *   user space ends at            0xffffe000         0xc0000000 (TASK_SIZE)
 *   uname -m                      x86_64             i686
 *   the vDSO's fast entry         SYSENTER (Intel),  SYSENTER (any vendor)
 *                                 SYSCALL (AMD)
 *   a fast return leaves by       SYSRETL            SYSEXIT
 *
 * Which kernel it is comes from uname's machine, read once by a raw
 * int $0x80 (so that tests without a C library can ask too).  That is
 * independent of the selectors: a test that then compares %cs or a
 * sigcontext's cs with user32_cs() still tests something, and
 * basic_syscalls checks that uname and %cs agree.  A 64-bit program always
 * runs on a 64-bit kernel.
 */
#ifndef XENTRY_KERNEL32_H
#define XENTRY_KERNEL32_H

#ifdef __x86_64__
static inline int native_i386(void)
{
	return 0;
}
#else
static inline int native_i386(void)
{
	static int known = -1;
	if (known < 0) {
		/* struct new_utsname: six 65-byte strings; machine is the 5th. */
		char u[6 * 65];
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(122 /* newuname */), "b"(u)
				 : "memory");
		const char *m = u + 4 * 65;
		/* i386, i486, i586, i686: Linux's i386 machine names. */
		known = r == 0 && m[0] == 'i' && m[1] >= '3' && m[1] <= '6' && m[2] == '8' &&
			m[3] == '6' && m[4] == 0;
	}
	return known;
}
#endif

/*
 * Linux's own native i386 kernel, as opposed to xentry's: the one place a
 * test relaxes is where Linux i386 has a quirk of its implementation that
 * xentry does not copy (its copy_to_user, on Intel CPUs, stops short of
 * the byte that faults).  xentry answers its exit-counter call
 * (include/uapi/xentry_stats.h), Linux says ENOSYS.
 */
#ifdef __x86_64__
static inline int linux_native_i386(void)
{
	return 0;
}
#else
static inline int linux_native_i386(void)
{
	static int known = -1;
	if (known < 0) {
		static char stats[1024];
		long r;
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(0x78656e74L), "b"(stats), "c"(0)
				 : "memory");
		known = native_i386() && r == -38 /* ENOSYS */;
	}
	return known;
}
#endif

/* The kernel's flat user segments for i386 code, and its 64-bit one. */
#define USER32_CS_COMPAT 0x23u
#define USER_DS_COMPAT 0x2bu
#define USER64_CS 0x33u
#define USER32_CS_NATIVE 0x73u
#define USER_DS_NATIVE 0x7bu

static inline unsigned int user32_cs(void)
{
	return native_i386() ? USER32_CS_NATIVE : USER32_CS_COMPAT;
}
static inline unsigned int user32_ds(void)
{
	return native_i386() ? USER_DS_NATIVE : USER_DS_COMPAT;
}
/* The three GDT slots set_thread_area hands out, and glibc's selector. */
static inline unsigned int tls_slot_min(void)
{
	return native_i386() ? 6 : 12;
}
static inline unsigned int glibc_gs(void)
{
	return tls_slot_min() << 3 | 3;
}
/* Where an i386 task's user space ends (TASK_SIZE). */
static inline unsigned long user32_end(void)
{
	return native_i386() ? 0xc0000000UL : 0xffffe000UL;
}
/* Only a 64-bit kernel has a 64-bit code segment to far-jump to. */
static inline int has_long_mode(void)
{
	return !native_i386();
}
#define NO_LONG_MODE "native i386 kernel: no 64-bit mode"

/* The selectors the CPU holds right now. */
#define READ_SEG(seg)                                                    \
	({                                                               \
		unsigned int v_;                                         \
		__asm__ volatile("mov %%" #seg ", %0" : "=r"(v_));       \
		v_ & 0xffff;                                             \
	})

#endif
