/*
 * Signal frames in Linux's layouts - i386 sigframe and rt_sigframe here,
 * the x86-64 rt_sigframe in signal_frame_64.c - and the sigreturns that
 * read them back through the one sanitizer for user-supplied registers.
 * docs/signals.md draws them.
 *
 * The i386 frames serve the 64-bit kernel's i386 tasks and every task of
 * the native i386 kernel; they differ in one thing, where the user's data
 * selectors are while the kernel runs: in the CPU on the 64-bit kernel
 * (swapgs keeps GS, DS/ES are untouched), in the pt_regs frame on i386
 * (entry_32.S saves all four and the exit path loads them back).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/fpu.h>
#include "signal_frame.h"

struct sigcontext32 {
	u16 gs, gsh, fs, fsh, es, esh, ds, dsh;
	u32 di, si, bp, sp, bx, dx, cx, ax, trapno, err, ip;
	u16 cs, csh;
	u32 flags, sp_at_signal;
	u16 ss, ssh;
	u32 fpstate, oldmask, cr2;
};
struct stack32 { u32 ss_sp; s32 ss_flags; u32 ss_size; };
struct ucontext32 {
	u32 uc_flags, uc_link;
	struct stack32 uc_stack;
	struct sigcontext32 uc_mcontext;
	u32 uc_sigmask[2];
};
#define FPSTATE32_SIZE 624	/* struct _fpstate_32: fsave header + fxsave */
struct sigframe32 {
	u32 pretcode;
	s32 sig;
	struct sigcontext32 sc;
	u8 fpstate_unused[FPSTATE32_SIZE];
	u32 extramask;
	u8 retcode[8];
};
struct rt_sigframe32 {
	u32 pretcode;
	s32 sig;
	u32 pinfo, puc;
	u8 info[128];
	struct ucontext32 uc;
	u8 retcode[8];
};
_Static_assert(sizeof(struct sigcontext32) == 88, "sigcontext32");

void siginfo_to_user_layout(const struct ksiginfo *in, u8 out[128], bool is32)
{
	memset(out, 0, 128);
	memcpy(out + 0, &in->signo, 4);
	memcpy(out + 4, &in->err, 4);
	memcpy(out + 8, &in->code, 4);
	int u = is32 ? 12 : 16;		/* the union follows the three ints */
	bool fault = in->signo == SIGSEGV || in->signo == SIGBUS || in->signo == SIGILL ||
		     in->signo == SIGFPE || in->signo == SIGTRAP;
	if (fault && in->code > 0 && in->code != SI_KERNEL) {
		memcpy(out + u, &in->addr, is32 ? 4 : sizeof(in->addr));
	} else if (fault && in->code == SI_KERNEL) {
		/* si_addr 0, as Linux's SEND_SIG_PRIV */
	} else {
		memcpy(out + u, &in->pid, 4);
		memcpy(out + u + 4, &in->uid, 4);
		if (in->signo == SIGCHLD)
			memcpy(out + u + 8, &in->status, 4);
	}
}

/* A data selector from user space: a null one (0-3) as given, any other
 * with RPL 3 (Linux's fixup_rpl, 6.14+, both kernels). */
static u16 rpl3(u16 sel)
{
	return sel <= 3 ? sel : sel | 3;
}

/*
 * The RFLAGS bits a frame keeps through the sanitizer: FIX_EFLAGS (what
 * sigreturn and a tracer may choose) and the task's own NT.  IF is forced
 * on; IOPL, VM, VIF and VIP are never kept - on i386 an IRET with VM set
 * would enter virtual-8086 mode.  The i386 kernel also keeps the task's
 * own ID bit, as Linux does: it keeps every bit outside its masks from
 * the frame the CPU built, and ID is the one more that user code can
 * flip with popf.  (The 64-bit kernel clears it; Linux does not.)
 */
#ifdef CONFIG_X86_32
#define SANE_EFLAGS (FIX_EFLAGS | X86_EFLAGS_NT | X86_EFLAGS_ID)
#else
#define SANE_EFLAGS (FIX_EFLAGS | X86_EFLAGS_NT)
#endif

/*
 * The one sanitizer for register state supplied by user space - by a
 * sigreturn frame or a tracer's register writes.  A user may pick any
 * general register and IP, only the bits of RFLAGS above (IF forced on),
 * and only RPL-3 (or null data) selectors.  What IRET could not load
 * (kernel selectors, a non-canonical RIP for 64-bit code) is not loaded:
 * the task gets SIGSEGV in user mode instead, which is Linux's outcome
 * too.
 */
static void sanitize_regs(struct task *t, struct pt_regs *regs, bool strict_ss)
{
	regs->flags = (regs->flags & SANE_EFLAGS) | X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	/* Any RPL-3 selector, GDT or LDT: the CPU judges it at the IRET, and
	 * one it refuses becomes a fault in user mode (fixup_bad_iret). */
#ifdef CONFIG_X86_32
	/* The frame's selector words are 16 bits of 32 (a push of a segment
	 * register need not write the upper half): keep only the selector. */
	regs->cs = (u16)regs->cs | 3;
	regs->ss = (u16)regs->ss | 3;
	/* The data selectors live in the frame here; the exit path turns
	 * one the CPU refuses into null (entry_32.S, POP_SEG), as Linux's
	 * segment-load fixups do. */
	regs->ds = rpl3(regs->ds);
	regs->es = rpl3(regs->es);
	regs->fs = rpl3(regs->fs);
	regs->gs = rpl3(regs->gs);
#else
	regs->cs |= 3;
	regs->ss |= 3;
#endif
	/* A frame for 64-bit code without UC_STRICT_RESTORE_SS gets a usable
	 * SS, as Linux's force_valid_ss does: old programs saved garbage
	 * there, and 64-bit code never uses SS anyway. */
	if (!strict_ss && user_64bit_mode(regs) && !usable_stack_sel(regs->ss))
		regs->ss = USER_DS;
	/* Selectors and RIP are checked on the way out (check_user_regs in
	 * entry/common.c), off the fast path: what IRET could not load turns
	 * into the SIGSEGV the task would have taken in user mode. */
	t->work |= TIF_CHECK_REGS;
	force_iret(t);
}

/* sigreturn: the restored state is not in a system call (no restart). */
void sanitize_user_regs(struct pt_regs *regs, bool strict_ss)
{
	regs->orig_ax = -1;
	sanitize_regs(current, regs, strict_ss);
}

/* ptrace: orig_ax is the tracer's to set (that is how it changes or skips
 * a system call). */
void sanitize_task_regs(struct task *t, struct pt_regs *regs)
{
	sanitize_regs(t, regs, true);
}

/* fpstate NULL: the FPU is reset (Linux's fpu__clear_user_states);
 * a bad image: SIGSEGV, after the same reset. */
int fpu_restore_user(unsigned long fx, unsigned long fsave_hdr)
{
	if (!fx) {
		fpu_reset_live();
		return 0;
	}
	int err = fpu_sig_restore(fx, fsave_hdr);
	if (err)
		fpu_reset_live();
	return err;
}

static bool on_altstack(struct task *t, unsigned long sp)
{
	return t->sas_ss_size && sp > t->sas_ss_sp && sp - t->sas_ss_sp <= t->sas_ss_size;
}

/* A frame that started on the alternate stack must end on it: running
 * off its bottom is an overflow, and Linux kills with SIGSEGV. */
bool altstack_overflow(struct task *t, unsigned long base, unsigned long frame)
{
	return on_altstack(t, base) && frame < t->sas_ss_sp;
}

#define SS_AUTODISARM (1U << 31)

/* What the frame's uc_stack records: the alternate stack as it was. */
int uc_stack_flags(struct task *t, unsigned long sp)
{
	if (!t->sas_ss_size)
		return SS_DISABLE;
	return (on_altstack(t, sp) ? SS_ONSTACK : 0) | (t->sas_ss_flags & SS_AUTODISARM);
}

/* SS_AUTODISARM: a handler that runs on the alternate stack gets it
 * disabled, so it may switch contexts; sigreturn re-installs it from
 * uc_stack. */
void maybe_autodisarm(struct task *t, unsigned long frame)
{
	if ((t->sas_ss_flags & SS_AUTODISARM) && on_altstack(t, frame)) {
		t->sas_ss_sp = t->sas_ss_size = 0;
		t->sas_ss_flags = SS_DISABLE;
	}
}

long do_sigaltstack(bool have_new, unsigned long sp, int flags, unsigned long size,
		    unsigned long *osp, int *oflags, unsigned long *osize);

/* sigreturn puts back the frame's uc_stack (errors but -EFAULT are
 * ignored, as Linux does: the handler may still be on the stack). */
void restore_altstack(unsigned long sp, int flags, unsigned long size)
{
	unsigned long osp, osize;
	int oflags;
	do_sigaltstack(true, sp, flags, size, &osp, &oflags, &osize);
}

unsigned long frame_base(struct task *t, struct pt_regs *regs, int sig, bool is32)
{
	const struct k_sigaction *ka = &t->sighand->action[sig - 1];
	unsigned long sp = regs->sp;
	if (!is32)
		sp -= 128;			/* the x86-64 red zone */
	else
		sp &= 0xffffffffUL;
	if ((ka->flags & SA_ONSTACK) && t->sas_ss_size &&
	    !(t->sas_ss_flags & SS_DISABLE) && !on_altstack(t, regs->sp))
		sp = t->sas_ss_sp + t->sas_ss_size;
#ifdef CONFIG_X86_32
	/* Linux i386's legacy stack switch: a task running on a stack
	 * segment of its own (SS is not USER_DS), whose action has a
	 * restorer address but no SA_RESTORER, takes the signal on the stack
	 * at that address.  Never from the alternate stack. */
	else if (!(ka->flags & SA_ONSTACK) && !on_altstack(t, regs->sp) &&
		 (u16)regs->ss != USER_DS && !(ka->flags & SA_RESTORER) && ka->restorer)
		sp = ka->restorer;
#endif
	return sp;
}

static void fill_sc32(struct sigcontext32 *sc, struct pt_regs *regs, u32 mask,
		      const struct ksiginfo *info, u32 fpaddr)
{
	*sc = (struct sigcontext32){
		.di = regs->di, .si = regs->si, .bp = regs->bp, .sp = regs->sp, .bx = regs->bx,
		.dx = regs->dx, .cx = regs->cx, .ax = regs->ax, .trapno = info->trapno,
		.err = info->err_code, .ip = regs->ip, .cs = regs->cs,
		.flags = regs->flags, .sp_at_signal = regs->sp, .ss = regs->ss,
		.fpstate = fpaddr, .oldmask = mask, .cr2 = info->addr,
	};
#ifdef CONFIG_X86_32
	sc->gs = regs->gs, sc->fs = regs->fs, sc->es = regs->es, sc->ds = regs->ds;
#else
	/* Live: the user's, which the kernel does not change (swapgs). */
	asm volatile("movw %%gs, %0; movw %%fs, %1; movw %%es, %2; movw %%ds, %3"
		     : "=r"(sc->gs), "=r"(sc->fs), "=r"(sc->es), "=r"(sc->ds));
#endif
}

static int setup_frame32(int sig, const struct ksiginfo *info, struct pt_regs *regs,
			 u64 mask, const struct k_sigaction *ka, bool rt)
{
	struct task *t = current;
	unsigned long sp = frame_base(t, regs, sig, true);
	unsigned long fx;
	u32 fpaddr = fpu_mathframe(sp, true, &fx);
	size_t size = rt ? sizeof(struct rt_sigframe32) : sizeof(struct sigframe32);
	u32 fa = ((fpaddr - size + 4) & ~15UL) - 4;	/* esp+4 16-aligned in the handler */
	u32 restorer = (ka->flags & SA_RESTORER) ? (u32)ka->restorer
		: (u32)vdso32_sym(t->mm, rt ? 2 : 1);
	if (altstack_overflow(t, sp, fa))
		return -EFAULT;
	/* The selectors stand in for FCS/FDS in the fsave view, which a
	 * 64-bit FXSAVE does not record (the i386 kernel's does). */
#ifdef CONFIG_X86_32
	u16 ds = regs->ds;
#else
	u16 ds;
	asm volatile("movw %%ds, %0" : "=r"(ds));
#endif
	if (fpu_sig_save(fx, fpaddr, regs->cs, ds))
		return -EFAULT;
	if (rt) {
		static struct rt_sigframe32 f;
		memset(&f, 0, sizeof(f));
		f.pretcode = restorer;
		f.sig = sig;
		f.pinfo = fa + offsetof(struct rt_sigframe32, info);
		f.puc = fa + offsetof(struct rt_sigframe32, uc);
		siginfo_to_user_layout(info, f.info, true);
		/* i386 frames carry no SS flags (the SS restore has no
		 * legacy to protect); UC_FP_XSTATE as on 64-bit. */
		f.uc.uc_flags = fpu_xsave ? UC_FP_XSTATE : 0;
		f.uc.uc_stack = (struct stack32){ t->sas_ss_sp, uc_stack_flags(t, regs->sp),
						  t->sas_ss_size };
		fill_sc32(&f.uc.uc_mcontext, regs, mask, info, fpaddr);
		f.uc.uc_sigmask[0] = mask;
		f.uc.uc_sigmask[1] = mask >> 32;
		/* The historical "movl $173,%eax; int $0x80" that gdb looks for. */
		static const u8 rc[8] = { 0xb8, 173, 0, 0, 0, 0xcd, 0x80, 0 };
		memcpy(f.retcode, rc, 8);
		if (copy_to_user((void __user *)(unsigned long)fa, &f, sizeof(f)))
			return -EFAULT;
		regs->dx = f.pinfo;
		regs->cx = f.puc;
	} else {
		static struct sigframe32 f;
		memset(&f, 0, sizeof(f));
		f.pretcode = restorer;
		f.sig = sig;
		fill_sc32(&f.sc, regs, mask, info, fpaddr);
		f.extramask = mask >> 32;
		static const u8 rc[8] = { 0x58, 0xb8, 119, 0, 0, 0, 0xcd, 0x80 };
		memcpy(f.retcode, rc, 8);
		if (copy_to_user((void __user *)(unsigned long)fa, &f, sizeof(f)))
			return -EFAULT;
		regs->dx = 0;
		regs->cx = 0;
	}
	maybe_autodisarm(t, fa);
	regs->ax = sig;
	regs->sp = fa;
	regs->ip = ka->handler;
	/* The handler gets the flat user segments in CS, SS, DS and ES (FS
	 * and GS stay the task's), as on Linux. */
	regs->cs = USER32_CS;
	regs->ss = USER_DS;
#ifdef CONFIG_X86_32
	regs->ds = regs->es = USER_DS;
#else
	asm volatile("movw %0, %%ds; movw %0, %%es" : : "r"((u16)USER_DS));
#endif
	return 0;
}

int setup_signal_frame(int sig, const struct ksiginfo *info, struct pt_regs *regs,
		       u64 saved_mask)
{
	struct task *t = current;
	const struct k_sigaction *ka = &t->sighand->action[sig - 1];
#ifdef CONFIG_X86_64
	int err = t->is32 ? setup_frame32(sig, info, regs, saved_mask, ka, ka->flags & SA_SIGINFO)
			  : setup_rt_frame64(sig, info, regs, saved_mask, ka);
#else
	int err = setup_frame32(sig, info, regs, saved_mask, ka, ka->flags & SA_SIGINFO);
#endif
	if (err)
		return err;
	/* The handler starts with DF, TF and RF clear and a clean FPU. */
	regs->flags &= ~(X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_RF);
	fpu_reset_live();
	force_iret(t);
	return 0;
}

void set_blocked(u64 mask)
{
	struct task *t = current;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	recalc_sigpending(t);
}

/* i386 frames restore SS as written: Linux's force_valid_ss is only for
 * 64-bit frames. */
static int restore_sc32(struct pt_regs *regs, const struct sigcontext32 *sc)
{
	regs->di = sc->di, regs->si = sc->si, regs->bp = sc->bp, regs->sp = sc->sp;
	regs->bx = sc->bx, regs->dx = sc->dx, regs->cx = sc->cx, regs->ax = sc->ax;
	regs->ip = sc->ip, regs->cs = sc->cs, regs->ss = sc->ss;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc->flags & FIX_EFLAGS);
#ifdef CONFIG_X86_32
	/* Into the frame: the sanitizer forces RPL 3 on all but the null
	 * ones, and the exit path loads them (a refused one becomes 0). */
	regs->ds = sc->ds, regs->es = sc->es, regs->fs = sc->fs, regs->gs = sc->gs;
#else
	/* Any selector, GDT or LDT, with RPL 3 forced on all but the null
	 * ones (0-3 stay as written); one the CPU would refuse becomes 0, as
	 * Linux's segment-load fixups make it. */
	u16 ds = usable_data_sel(rpl3(sc->ds)), es = usable_data_sel(rpl3(sc->es));
	u16 fs = usable_data_sel(rpl3(sc->fs)), gs = usable_data_sel(rpl3(sc->gs));
	load_user_data_segs(ds, es, fs, gs);
	current->fsindex = fs, current->gsindex = gs;
#endif
	sanitize_user_regs(regs, true);
	return fpu_restore_user(sc->fpstate ? sc->fpstate + FSAVE_HDR_SIZE : 0, sc->fpstate);
}

long sigreturn_fail(void)
{
	force_sig(SIGSEGV);
	return 0;
}

long do_rt_sigreturn(struct pt_regs *regs, bool is32)
{
	if (is32) {
		static struct rt_sigframe32 f;
		unsigned long fa = (regs->sp & 0xffffffffUL) - 4;	/* pretcode popped */
		if (copy_from_user(&f, (const void __user *)fa, sizeof(f)))
			return sigreturn_fail();
		set_blocked(f.uc.uc_sigmask[0] | ((u64)f.uc.uc_sigmask[1] << 32));
		restore_altstack(f.uc.uc_stack.ss_sp, f.uc.uc_stack.ss_flags, f.uc.uc_stack.ss_size);
		if (restore_sc32(regs, &f.uc.uc_mcontext))
			return sigreturn_fail();
		return regs->ax;
	}
#ifdef CONFIG_X86_64
	return do_rt_sigreturn64(regs);
#else
	return sigreturn_fail();	/* the i386 kernel has no 64-bit frames */
#endif
}

long do_sigreturn32(struct pt_regs *regs)
{
	static struct sigframe32 f;
	/* The trampoline popped pretcode and the signal number. */
	unsigned long fa = (regs->sp & 0xffffffffUL) - 8;
	if (copy_from_user(&f, (const void __user *)fa, sizeof(f)))
		return sigreturn_fail();
	set_blocked(f.sc.oldmask | ((u64)f.extramask << 32));
	if (restore_sc32(regs, &f.sc))
		return sigreturn_fail();
	return regs->ax;
}

COMPAT_SYSCALL_DEFINE0(rt_sigreturn)
{
	return do_rt_sigreturn(current->regs, true);
}

COMPAT_SYSCALL_DEFINE0(sigreturn)
{
	return do_sigreturn32(current->regs);
}
