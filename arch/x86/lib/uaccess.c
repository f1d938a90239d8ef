/* User-memory access (include/xentry/uaccess.h) and its fault fixups. */
#include <xentry/kernel.h>
#include <xentry/uaccess.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <asm/ptrace.h>

size_t __copy_user(void *dst, const void *src, size_t n);
size_t __clear_user(void *dst, size_t n);

/* The range must lie wholly in the user half; kernel and non-canonical
 * addresses never reach the copy instruction. */
bool access_ok(const void __user *p, size_t n)
{
	unsigned long a = (unsigned long)p;
	return a + n >= a && a + n <= TASK_SIZE_MAX;
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!access_ok(dst, n) || __copy_user((void *)dst, src, n))
		return -EFAULT;
	return 0;
}

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!access_ok(src, n))
		return -EFAULT;
	size_t left = __copy_user(dst, (const void *)src, n);
	if (left) {
		memset((char *)dst + (n - left), 0, left);
		return -EFAULT;
	}
	return 0;
}

int clear_user(void __user *dst, size_t n)
{
	if (!access_ok(dst, n) || __clear_user((void *)dst, n))
		return -EFAULT;
	return 0;
}

size_t copy_to_user_partial(void __user *dst, const void *src, size_t n)
{
	return access_ok(dst, n) ? __copy_user((void *)dst, src, n) : n;
}

size_t clear_user_partial(void __user *dst, size_t n)
{
	return access_ok(dst, n) ? __clear_user((void *)dst, n) : n;
}

/*
 * A page at a time, not a byte at a time (every path name comes through
 * here): copy up to the end of the source page, then look for the NUL.
 * Reading past the NUL stays within a page whose first byte was readable,
 * so it cannot fault where a byte loop would not have; a fault before any
 * NUL is -EFAULT, as the byte loop gave.
 */
long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	size_t i = 0;
	while (i < max) {
		unsigned long a = (unsigned long)src + i;
		size_t n = MIN(max - i, PAGE_SIZE - (a & (PAGE_SIZE - 1)));
		if (!access_ok((const void __user *)a, n))
			return -EFAULT;
		size_t left = __copy_user(dst + i, (const void *)a, n);
		for (size_t k = i; k < i + n - left; k++)
			if (!dst[k])
				return (long)k;
		if (left)
			return -EFAULT;
		i += n;
	}
	return -ENAMETOOLONG;
}

struct extable_entry { unsigned long insn, fixup; };
extern const struct extable_entry __ex_table_start[], __ex_table_end[];

bool fixup_exception(struct pt_regs *regs)
{
	for (const struct extable_entry *e = __ex_table_start; e < __ex_table_end; e++) {
		if (e->insn == regs->ip) {
			regs->ip = e->fixup;
			return true;
		}
	}
	return false;
}
