/* Thread-local storage: arch_prctl (x86-64 FS/GS bases) and the i386
 * set_thread_area GDT slots: 12-14 on the 64-bit kernel, 6-8 on the i386
 * one (GDT_TLS_MIN), as on Linux. */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/fpu.h>

void load_tls_gdt(const u64 *tls);
#ifdef CONFIG_X86_32
void refresh_user_fs_gs(void);		/* ldt.c */
#endif

#define ARCH_SET_GS 0x1001
#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define ARCH_GET_GS 0x1004
#define ARCH_GET_CPUID 0x1011
#define ARCH_SET_CPUID 0x1012

/* exec: a new program starts with no TLS and a freshly initialised FPU. */
#ifdef CONFIG_X86_32
/* Its selectors are in the frame, which exec has just set (DS/ES/SS
 * USER_DS, FS/GS null); the exit path loads them.  The live FS and GS
 * are nulled now (Linux i386's start_thread does GS): they may name a
 * slot just cleared, and kernel-mode frames save and reload them. */
void task_reset_user_state(struct task *t)
{
	memset(t->tls, 0, sizeof(t->tls));
	load_tls_gdt(t->tls);
	asm volatile("movw %w0, %%fs; movw %w0, %%gs" : : "r"(0));
	fpu_exec_reset(t);
}
#else
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
	fpu_exec_reset(t);
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
	return fpu_arch_prctl(code, addr);
}
#endif

/* A 32-bit task only has the mode-independent codes (Linux does the same,
 * and so does its i386 kernel). */
COMPAT_SYSCALL_DEFINE2(arch_prctl, int, code, unsigned long, addr)
{
	if (code == ARCH_GET_CPUID)
		return 1;
	if (code == ARCH_SET_CPUID)
		return addr ? 0 : -ENODEV;
	return fpu_arch_prctl(code, addr);
}

/*
 * What the GDT's TLS slots may hold (Linux's rules since CVE-2014-8133):
 * nothing, or a present 32-bit data segment.  A 16-bit one could be loaded
 * into SS, and only LDT stack segments get espfix's protection of ESP's
 * high bits; a not-present one is attack surface with no use.  Code
 * segments have no place here.
 */
static bool tls_desc_ok(const struct user_desc *u)
{
	if (user_desc_empty(u) || user_desc_zero(u))
		return true;
	return u->seg_32bit && u->contents <= 1 && !u->seg_not_present;
}

/* idx -1: the struct's entry_number says which; -1 there too allocates a
 * free slot when the caller may (set_thread_area, not ptrace). */
static int set_tls_entry(struct task *t, int idx, struct user_desc __user *uinfo,
			 bool can_allocate)
{
	struct user_desc u;
	if (copy_from_user(&u, uinfo, sizeof(u)))
		return -EFAULT;
	if (!tls_desc_ok(&u))
		return -EINVAL;
	if (idx == -1)
		idx = u.entry_number;
	if (idx == -1 && can_allocate) {
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
	bool clear = user_desc_empty(&u) || user_desc_zero(&u);
	t->tls[idx - GDT_TLS_MIN] = clear ? 0 : user_desc_encode(&u);
#ifdef CONFIG_X86_32
	/* A segment register keeps the old descriptor cached until it is
	 * reloaded: both ways back to user mode reload FS and GS from the
	 * frame (DS and ES too, on IRET), so the task sees the new base on
	 * return, as on Linux.  The live FS/GS are refreshed now as well. */
	if (t == current) {
		load_tls_gdt(t->tls);
		refresh_user_fs_gs();
	}
#else
	if (t == current) {
		load_tls_gdt(t->tls);
		/* A segment register holding the changed slot keeps the old
		 * descriptor cached until reloaded: reload it now, as Linux
		 * does, so the task sees the new base at once.  Only those
		 * registers: reloading a null FS or GS would clear a 64-bit
		 * task's arch_prctl base on Intel (ldt_gdt_64). */
		u16 sel = (idx << 3) | 3, ds, es, fs, gs;
		asm volatile("movw %%ds, %0; movw %%es, %1; movw %%fs, %2; movw %%gs, %3"
			     : "=r"(ds), "=r"(es), "=r"(fs), "=r"(gs));
		u16 now = usable_data_sel(sel);
		if (ds == sel)
			asm volatile("movw %0, %%ds" : : "r"(now));
		if (es == sel)
			asm volatile("movw %0, %%es" : : "r"(now));
		if (fs == sel)
			asm volatile("movw %0, %%fs" : : "r"(now));
		if (gs == sel)
			asm volatile("swapgs; movw %0, %%gs; swapgs" : : "r"(now));
	} else {
		/* A task that is not running (a new clone's CLONE_SETTLS, a
		 * tracee) resumes with its saved base when FSGSBASE makes the
		 * base win over the selector: give it the new one (Linux's
		 * do_set_thread_area). */
		u16 sel = (idx << 3) | 3;
		if (t->fsindex == sel)
			t->fsbase = desc_base(t->tls[idx - GDT_TLS_MIN]);
		if (t->gsindex == sel)
			t->gsbase = desc_base(t->tls[idx - GDT_TLS_MIN]);
	}
#endif
	return 0;
}

int do_set_thread_area(struct task *t, struct user_desc __user *uinfo)
{
	return set_tls_entry(t, -1, uinfo, true);
}

static int get_tls_entry(struct task *t, u32 idx, struct user_desc __user *uinfo)
{
	if (idx < GDT_TLS_MIN || idx >= GDT_TLS_MIN + GDT_TLS_ENTRIES)
		return -EINVAL;
	struct user_desc u;
	user_desc_decode(t->tls[idx - GDT_TLS_MIN], idx, &u);
	return copy_to_user(uinfo, &u, sizeof(u));
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
	return get_tls_entry(current, idx, uinfo);
}

/* PTRACE_GET/SET_THREAD_AREA: the slot is the request's addr, never the
 * struct's entry_number, and nothing is allocated (Linux's rules; both
 * ABIs' tracers may ask). */
long ptrace_thread_area(struct task *t, bool set, unsigned long addr,
			struct user_desc __user *uinfo)
{
	if ((long)(int)addr < 0)
		return -EIO;
	return set ? set_tls_entry(t, (int)addr, uinfo, false)
		   : get_tls_entry(t, (u32)addr, uinfo);
}

#ifdef CONFIG_X86_32
/*
 * The NT_386_TLS register set (PTRACE_GETREGSET/SETREGSET, i386 kernel):
 * the three slots as struct user_desc, by position - each one's
 * entry_number is written as its slot and ignored when read, and a write
 * checks every descriptor before it changes any (Linux's regset_tls_*).
 */
void tls_regset_get(struct task *t, struct user_desc *u)
{
	for (int i = 0; i < GDT_TLS_ENTRIES; i++)
		user_desc_decode(t->tls[i], GDT_TLS_MIN + i, &u[i]);
}

int tls_regset_set(struct task *t, const struct user_desc *u, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (!tls_desc_ok(&u[i]))
			return -EINVAL;
	for (unsigned int i = 0; i < n; i++) {
		bool clear = user_desc_empty(&u[i]) || user_desc_zero(&u[i]);
		t->tls[i] = clear ? 0 : user_desc_encode(&u[i]);
	}
	if (t == current)
		load_tls_gdt(t->tls);
	return 0;
}
#endif
