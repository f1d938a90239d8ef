/*
 * The only way kernel code touches user memory.  Each routine checks the
 * range against the user half and runs the access with an exception-table
 * fixup (arch/x86/lib/usercopy_64.S), so a bad pointer - unmapped, kernel,
 * non-canonical - makes it return -EFAULT instead of faulting the kernel.
 */
#ifndef XENTRY_UACCESS_H
#define XENTRY_UACCESS_H
#include <xentry/types.h>

/* True if [p, p+n) lies below TASK_SIZE_MAX (include/xentry/vm.h).  A
 * 32-bit task's pointers are below 4 GiB anyway; what it has not mapped
 * there faults and is fixed up like any other bad pointer. */
bool access_ok(const void __user *p, size_t n);

/* 0 on success, -EFAULT if any byte was inaccessible. */
int copy_to_user(void __user *dst, const void *src, size_t n);
int copy_from_user(void *dst, const void __user *src, size_t n);
int clear_user(void __user *dst, size_t n);
/* Linux's raw form, for read(): the number of bytes NOT copied or
 * cleared (0: all).  A fault stops at the exact byte, so a read into a
 * buffer that runs into an unmapped page returns what it stored. */
size_t copy_to_user_partial(void __user *dst, const void *src, size_t n);
size_t clear_user_partial(void __user *dst, size_t n);
/* Copies a NUL-terminated string of at most max-1 chars plus NUL.
 * Returns its length, -EFAULT, or -ENAMETOOLONG if no NUL within max. */
long strncpy_from_user(char *dst, const char __user *src, size_t max);

#define put_user(val, uptr) ({ __typeof__(*(uptr)) __v = (val); \
	copy_to_user((uptr), &__v, sizeof(__v)); })
#define get_user(var, uptr) copy_from_user(&(var), (uptr), sizeof(*(uptr)))

#endif
