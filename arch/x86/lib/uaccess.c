/* User-memory access (include/xentry/uaccess.h) and its fault fixups. */
#include <xentry/kernel.h>
#include <xentry/uaccess.h>
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

long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!access_ok(src + i, 1) || __copy_user(dst + i, src + i, 1))
			return -EFAULT;
		if (!dst[i])
			return i;
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
