/*
 * prctl's per-thread name, and getgroups.
 *
 * The name is comm, what /proc/PID/{comm,stat,status} and ps show.
 * busybox's applets run in a forked copy of the shell without an exec
 * and name themselves with PR_SET_NAME ("head", "sleep"); without it
 * ps would show every one of them under the shell's name.
 */
#include <xentry/errno.h>
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>

#define PR_SET_NAME 15
#define PR_GET_NAME 16

/* Linux takes at most 15 bytes and ends the name there: a longer string
 * is cut, not refused, so this copies byte by byte instead of asking for
 * a NUL within the bound (strncpy_from_user's -ENAMETOOLONG). */
static long set_name(const char __user *src)
{
	char name[sizeof(current->comm)] = { 0 };	/* NUL-padded, as Linux */
	size_t i;

	for (i = 0; i < sizeof(name) - 1; i++) {
		if (get_user(name[i], src + i))
			return -EFAULT;
		if (!name[i])
			break;
	}
	name[i] = '\0';
	memcpy(current->comm, name, sizeof(name));
	return 0;
}

SYSCALL_DEFINE5(prctl, int, option, unsigned long, arg2, unsigned long, arg3,
		unsigned long, arg4, unsigned long, arg5)
{
	(void)arg3; (void)arg4; (void)arg5;
	switch (option) {
	case PR_SET_NAME:
		return set_name((const char __user *)arg2);
	case PR_GET_NAME:
		/* Always the whole 16-byte buffer, NUL-padded, as Linux. */
		return copy_to_user((void __user *)arg2, current->comm, sizeof(current->comm));
	default:
		return -EINVAL;
	}
}

/* Every task runs as root with no supplementary groups (kernel/sys.c),
 * which is what Linux's init starts with: the list is empty whatever
 * the buffer, and only a negative size is an error.  The i386 16-bit
 * getgroups and getgroups32 both land here, having nothing to store. */
SYSCALL_DEFINE2(getgroups, int, size, void __user *, list)
{
	(void)list;
	return size < 0 ? -EINVAL : 0;
}
