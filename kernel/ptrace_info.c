/*
 * Two read-only ptrace requests that describe a stopped tracee:
 * PTRACE_GET_SYSCALL_INFO (which syscall stop it is in, and the call) and
 * PTRACE_PEEKSIGINFO (the siginfo of its pending signals).  Layouts and
 * return values are Linux's (include/uapi/linux/ptrace.h); strace and
 * CRIU read them.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/uaccess.h>

#define PTRACE_SYSCALL_INFO_NONE 0
#define PTRACE_SYSCALL_INFO_ENTRY 1
#define PTRACE_SYSCALL_INFO_EXIT 2
#define AUDIT_ARCH_X86_64 0xc000003eU
#define AUDIT_ARCH_I386 0x40000003U
#define PTRACE_PEEKSIGINFO_SHARED 1U

/* The same for both tracer ABIs: every field is fixed-width and 8-byte
 * fields sit at 8-byte offsets, so i386 and x86-64 agree. */
struct ptrace_syscall_info {
	u8 op;
	u8 pad[3];
	u32 arch;
	u64 instruction_pointer;
	u64 stack_pointer;
	union {
		struct { u64 nr, args[6]; } entry;
		struct { s64 rval; u8 is_error; } exit;
		struct { u64 nr, args[6]; u32 ret_data; } seccomp;
	};
};

/*
 * Linux tells the kind of stop from the stop's siginfo: only a syscall
 * stop reported as SIGTRAP|0x80 (PTRACE_O_TRACESYSGOOD) counts, and the
 * event message (1 entry, 2 exit, as PTRACE_GETEVENTMSG also shows)
 * says which side.  Any other stop is NONE: the reply is the header
 * only.  The reply's length is the part that op fills, whatever the
 * buffer's size (addr); at most the buffer's size is written.
 */
long ptrace_get_syscall_info(struct task *t, unsigned long size, void __user *ubuf)
{
	struct pt_regs *r = t->regs;
#ifdef CONFIG_X86_64
	bool c32 = t->is32 || r->cs == USER32_CS;
#else
	bool c32 = true;
#endif
	struct ptrace_syscall_info info;
	size_t len = offsetof(struct ptrace_syscall_info, entry);

	memset(&info, 0, sizeof(info));
	info.op = PTRACE_SYSCALL_INFO_NONE;
	info.arch = c32 ? AUDIT_ARCH_I386 : AUDIT_ARCH_X86_64;
	info.instruction_pointer = r->ip;
	info.stack_pointer = r->sp;
	if (t->ptrace_siginfo.code == (SIGTRAP | 0x80) && t->ptrace_eventmsg == 1) {
		info.op = PTRACE_SYSCALL_INFO_ENTRY;
		/* Linux's syscall_get_nr is an int, sign-extended: on the
		 * i386 kernel a -1 must not read as 0xffffffff. */
		info.entry.nr = (long)r->orig_ax;
		if (c32) {	/* ebx, ecx, edx, esi, edi, ebp */
			u64 a[6] = { (u32)r->bx, (u32)r->cx, (u32)r->dx,
				     (u32)r->si, (u32)r->di, (u32)r->bp };
			memcpy(info.entry.args, a, sizeof(a));
		} else {
#ifdef CONFIG_X86_64
			u64 a[6] = { r->di, r->si, r->dx, r->r10, r->r8, r->r9 };
			memcpy(info.entry.args, a, sizeof(a));
#endif
		}
		len = offsetof(struct ptrace_syscall_info, entry.args) +
		      sizeof(info.entry.args);
	} else if (t->ptrace_siginfo.code == (SIGTRAP | 0x80) && t->ptrace_eventmsg == 2) {
		/* An i386 call's result is 32 bits wide: -4095..-1 in eax
		 * is an error whatever the upper half holds.  A success is
		 * the word as the kernel's long: zero-extended on the 64-bit
		 * kernel, sign-extended on i386 (Linux's
		 * syscall_get_return_value, on each). */
		long v = c32 ? (long)(int)r->ax : (long)r->ax;
		info.op = PTRACE_SYSCALL_INFO_EXIT;
		info.exit.is_error = (unsigned long)v >= (unsigned long)-4095;
		info.exit.rval = info.exit.is_error ? v : (long)r->ax;
		len = offsetof(struct ptrace_syscall_info, exit.is_error) + 1;
	}
	if (copy_to_user(ubuf, &info, MIN(len, size)))
		return -EFAULT;
	return (long)len;
}

struct ptrace_peeksiginfo_args {
	u64 off;
	u32 flags;
	s32 nr;
};

/* The n-th (from 0) pending signal of one queue, lowest number first:
 * xentry keeps one instance per signal number, so the queue's order is
 * the signal order rather than Linux's order of arrival. */
static const struct ksiginfo *nth_pending(struct task *t, bool shared, unsigned long n)
{
	u64 set = shared ? t->group->shared_pending : t->sig_pending;

	for (int sig = 1; sig <= NSIG; sig++) {
		if (!(set & SIGMASK(sig)))
			continue;
		if (n-- == 0)
			return shared ? &t->group->shared_info[sig - 1] : &t->siginfo[sig - 1];
	}
	return NULL;
}

/*
 * Copies up to nr siginfos starting at off into consecutive 128-byte
 * slots (a 32-bit tracer gets the compat layout, in slots as large).
 * Returns how many were copied; a fault after the first one just ends
 * the copy, as on Linux (peeksiginfo's half read-only buffer).
 */
long ptrace_peeksiginfo(struct task *t, const void __user *uarg, void __user *ubuf,
			bool compat)
{
	struct ptrace_peeksiginfo_args a;
	long i;

	if (copy_from_user(&a, uarg, sizeof(a)))
		return -EFAULT;
	if (a.flags & ~PTRACE_PEEKSIGINFO_SHARED)
		return -EINVAL;
	if (a.nr < 0)
		return -EINVAL;
	if (a.off >= NSIG)
		return 0;		/* past any queue; also no wrap below */
	for (i = 0; i < a.nr; i++) {
		u8 out[128];
		const struct ksiginfo *k;

		k = nth_pending(t, a.flags & PTRACE_PEEKSIGINFO_SHARED, a.off + i);
		if (!k)
			break;
		siginfo_to_user_layout(k, out, compat);
		if (copy_to_user((u8 __user *)ubuf + i * 128, out, sizeof(out)))
			return i ? i : -EFAULT;
	}
	return i;
}
