/* Thread-local storage: arch_prctl (x86-64 FS/GS bases) and the i386
 * set_thread_area GDT slots 12-14. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <asm/x86.h>

void load_tls_gdt(const u64 *tls);

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

static const u8 fpu_template[512] __aligned(16) = {
	[0] = 0x7f, [1] = 0x03,				/* FCW: all exceptions masked */
	[24] = 0x80, [25] = 0x1f,			/* MXCSR 0x1f80 */
};

static u32 cpu_mxcsr_mask;

/* The MXCSR bits this CPU accepts (FXRSTOR #GPs on any other). */
u32 mxcsr_mask(void)
{
	if (!cpu_mxcsr_mask) {
		static u8 img[512] __aligned(16);
		asm volatile("fxsave64 %0" : "=m"(img));
		memcpy(&cpu_mxcsr_mask, img + 28, 4);
		if (!cpu_mxcsr_mask)
			cpu_mxcsr_mask = 0xffbf;	/* the architectural default */
	}
	return cpu_mxcsr_mask;
}

/* The FPU as a new program (or a signal handler) gets it. */
void fpu_reset_live(void)
{
	asm volatile("fxrstor64 %0" : : "m"(fpu_template));
}

/* exec: a new program starts with no TLS and a freshly initialised FPU. */
void task_reset_user_state(struct task *t)
{
	/* Linux's start_thread: DS/ES are the user data selector for an i386
	 * program and 0 for a 64-bit one.  They are the task's: the kernel
	 * never uses them, and a return to compat mode needs them valid. */
	t->dsindex = t->esindex = t->is32 ? USER_DS : 0;
	asm volatile("movw %0, %%ds; movw %0, %%es" : : "r"(t->dsindex));
	t->fsindex = t->gsindex = 0;
	t->fsbase = t->gsbase = 0;
	memset(t->tls, 0, sizeof(t->tls));
	load_tls_gdt(t->tls);
	asm volatile("movw %w0, %%fs" : : "r"(0));
	wrmsr(MSR_FS_BASE, 0);
	asm volatile("swapgs; movw %w0, %%gs; swapgs" : : "r"(0));
	wrmsr(MSR_KERNEL_GS_BASE, 0);
	memcpy(t->fpu, fpu_template, sizeof(t->fpu));
	asm volatile("fxrstor64 %0" : : "m"(t->fpu));
}

SYSCALL_DEFINE2(arch_prctl, int, code, unsigned long, addr)
{
	struct task *t = current;
	switch (code) {
	case ARCH_SET_FS:
		if (addr >= TASK_SIZE_MAX)
			return -EPERM;
		asm volatile("movw %w0, %%fs" : : "r"(0));
		t->fsindex = 0;
		t->fsbase = addr;
		wrmsr(MSR_FS_BASE, addr);
		return 0;
	case ARCH_SET_GS:
		if (addr >= TASK_SIZE_MAX)
			return -EPERM;
		asm volatile("swapgs; movw %w0, %%gs; swapgs" : : "r"(0));
		t->gsindex = 0;
		t->gsbase = addr;
		wrmsr(MSR_KERNEL_GS_BASE, addr);
		return 0;
	case ARCH_GET_FS:
		return put_user(rdmsr(MSR_FS_BASE), (u64 __user *)addr);
	case ARCH_GET_GS:
		return put_user(rdmsr(MSR_KERNEL_GS_BASE), (u64 __user *)addr);
	case ARCH_GET_CPUID:
		return 1;			/* CPUID is never made to fault */
	case ARCH_SET_CPUID:
		return addr ? 0 : -ENODEV;
	}
	return -EINVAL;
}

/* A 32-bit task only has the mode-independent codes (Linux does the same). */
COMPAT_SYSCALL_DEFINE2(arch_prctl, int, code, unsigned long, addr)
{
	if (code == ARCH_GET_CPUID)
		return 1;
	if (code == ARCH_SET_CPUID)
		return addr ? 0 : -ENODEV;
	return -EINVAL;
}

struct user_desc {
	u32 entry_number, base_addr, limit;
	u32 seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
	    seg_not_present : 1, useable : 1, lm : 1;
};

static bool desc_empty(const struct user_desc *u)
{
	return !u->base_addr && !u->limit && !u->contents && u->read_exec_only &&
	       !u->seg_32bit && !u->limit_in_pages && u->seg_not_present && !u->useable;
}

static u64 desc_encode(const struct user_desc *u)
{
	if (desc_empty(u))
		return 0;
	u64 base = u->base_addr, limit = u->limit;
	u64 type = ((u64)(u->read_exec_only ^ 1) << 1) | ((u64)u->contents << 2) | 1;
	u64 hi = (base & 0xff000000) | ((base >> 16) & 0xff) | (limit & 0xf0000) |
		 (type << 8) | (1UL << 12) /* S */ | (3UL << 13) /* DPL 3 */ |
		 ((u64)(u->seg_not_present ^ 1) << 15) | ((u64)u->useable << 20) |
		 ((u64)u->seg_32bit << 22) | ((u64)u->limit_in_pages << 23);
	u64 lo = ((base & 0xffff) << 16) | (limit & 0xffff);
	return (hi << 32) | lo;
}

int do_set_thread_area(struct task *t, struct user_desc __user *uinfo)
{
	struct user_desc u;
	if (copy_from_user(&u, uinfo, sizeof(u)))
		return -EFAULT;
	int idx = u.entry_number;
	if (idx == -1) {
		for (idx = GDT_TLS_MIN; idx < GDT_TLS_MIN + GDT_TLS_ENTRIES; idx++)
			if (!t->tls[idx - GDT_TLS_MIN])
				break;
		if (idx == GDT_TLS_MIN + GDT_TLS_ENTRIES)
			return -ESRCH;
		if (put_user((u32)idx, &uinfo->entry_number))
			return -EFAULT;
	}
	if (idx < GDT_TLS_MIN || idx >= GDT_TLS_MIN + GDT_TLS_ENTRIES)
		return -EINVAL;
	if (u.lm)
		return -EINVAL;		/* no 64-bit code segments for users */
	t->tls[idx - GDT_TLS_MIN] = desc_encode(&u);
	if (t == current)
		load_tls_gdt(t->tls);
	return 0;
}

SYSCALL_DEFINE1(set_thread_area, struct user_desc __user *, uinfo)
{
	return do_set_thread_area(current, uinfo);
}

SYSCALL_DEFINE1(get_thread_area, struct user_desc __user *, uinfo)
{
	u32 idx;
	if (get_user(idx, &uinfo->entry_number))
		return -EFAULT;
	if (idx < GDT_TLS_MIN || idx >= GDT_TLS_MIN + GDT_TLS_ENTRIES)
		return -EINVAL;
	u64 d = current->tls[idx - GDT_TLS_MIN];
	u32 lo = d, hi = d >> 32;
	struct user_desc u = {
		.entry_number = idx,
		.base_addr = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000),
		.limit = (lo & 0xffff) | (hi & 0xf0000),
		.seg_32bit = (hi >> 22) & 1, .contents = (hi >> 10) & 3,
		.read_exec_only = !((hi >> 9) & 1), .limit_in_pages = (hi >> 23) & 1,
		.seg_not_present = !((hi >> 15) & 1), .useable = (hi >> 20) & 1,
	};
	if (!d)
		u.read_exec_only = 1, u.seg_not_present = 1;
	return copy_to_user(uinfo, &u, sizeof(u));
}
