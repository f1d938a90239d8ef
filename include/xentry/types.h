/* Fixed-width types and the few compiler helpers every kernel file uses. */
#ifndef XENTRY_TYPES_H
#define XENTRY_TYPES_H

/* The two kernels built from this tree (docs/i386.md): CONFIG_X86_64 is
 * the 64-bit one, which also runs i386 programs (compat); CONFIG_X86_32
 * is the native i386 kernel, whose only ABI is i386's. */
#ifdef __x86_64__
#define CONFIG_X86_64 1
#else
#define CONFIG_X86_32 1
#endif

typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef signed char s8;
typedef short s16;
typedef int s32;
#ifdef CONFIG_X86_64
typedef unsigned long u64;
typedef long s64;
typedef unsigned long size_t;
typedef long ssize_t;
#else
typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int size_t;
typedef int ssize_t;
#endif
typedef unsigned long uintptr_t;
typedef s64 loff_t;
typedef int pid_t;
typedef unsigned int uid_t;
typedef unsigned int gid_t;
typedef unsigned int mode_t;
typedef _Bool bool;
#define true 1
#define false 0
#define NULL ((void *)0)

/* Marks a pointer that holds a user-space address: never dereference it,
 * pass it to copy_{to,from}_user() (include/xentry/uaccess.h). */
#define __user

#define __packed __attribute__((packed))
#define __aligned(x) __attribute__((aligned(x)))
#define __noreturn __attribute__((noreturn))
#define __unused __attribute__((unused))
#define __always_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define offsetof(t, m) __builtin_offsetof(t, m)
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(p, t, m) ((t *)((char *)(p) - offsetof(t, m)))
#define ALIGN_UP(x, a) (((x) + (a) - 1) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a) ((x) & ~((__typeof__(x))(a) - 1))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define BUILD_BUG_ON(c) _Static_assert(!(c), #c)

#endif
