/*
 * Signal frames in Linux's layouts - x86-64 rt_sigframe, i386 sigframe and
 * rt_sigframe - and the sigreturns that read them back through the one
 * sanitizer for user-supplied registers.  docs/signals.md draws them.
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

struct sigcontext64 {
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 di, si, bp, bx, dx, ax, cx, sp, ip, flags;
	u16 cs, gs, fs, ss;
	u64 err, trapno, oldmask, cr2, fpstate;
	u64 reserved1[8];
};
struct stack64 { u64 ss_sp; s32 ss_flags; u32 pad; u64 ss_size; };
struct ucontext64 {
	u64 uc_flags, uc_link;
	struct stack64 uc_stack;
	struct sigcontext64 uc_mcontext;
	u64 uc_sigmask;
};
struct rt_sigframe64 {
	u64 pretcode;
	struct ucontext64 uc;
	u8 info[128];
};
_Static_assert(sizeof(struct sigcontext64) == 256, "sigcontext");
_Static_assert(sizeof(struct rt_sigframe64) == 440, "rt_sigframe");

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

#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4

/* The user-changeable RFLAGS bits (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | \
		    X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | \
		    X86_EFLAGS_CF | X86_EFLAGS_RF)

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
		memcpy(out + u, &in->addr, is32 ? 4 : 8);
	} else if (fault && in->code == SI_KERNEL) {
		/* si_addr 0, as Linux's SEND_SIG_PRIV */
	} else {
		memcpy(out + u, &in->pid, 4);
		memcpy(out + u + 4, &in->uid, 4);
		if (in->signo == SIGCHLD)
			memcpy(out + u + 8, &in->status, 4);
	}
}

/*
 * The one sanitizer for register state supplied by user space - by a
 * sigreturn frame or a tracer's register writes.  A user may pick any
 * general register and RIP, only the FIX_EFLAGS bits of RFLAGS (IF forced
 * on, IOPL and VM never), and only the user code/stack selectors.  What
 * IRET could not load (kernel selectors, a non-canonical RIP for 64-bit
 * code) is not loaded: the task gets SIGSEGV in user mode instead, which is
 * Linux's outcome too.
 */
static void sanitize_regs(struct task *t, struct pt_regs *regs, bool strict_ss)
{
	/* IOPL, VM, VIF, VIP, ID: never the user's.  NT may stay (a tracer
	 * may set it; sigreturn keeps the task's own, see FIX_EFLAGS). */
	regs->flags = (regs->flags & (FIX_EFLAGS | X86_EFLAGS_NT)) | X86_EFLAGS_IF |
		      X86_EFLAGS_FIXED;
	/* Any RPL-3 selector, GDT or LDT: the CPU judges it at the IRET, and
	 * one it refuses becomes a fault in user mode (fixup_bad_iret). */
	regs->cs |= 3;
	regs->ss |= 3;
	/* A frame for 64-bit code without UC_STRICT_RESTORE_SS gets a usable
	 * SS, as Linux's force_valid_ss does: old programs saved garbage
	 * there, and 64-bit code never uses SS anyway. */
	if (!strict_ss && regs->cs == USER_CS && !usable_stack_sel(regs->ss))
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
static int fpu_restore_user(unsigned long fx, unsigned long fsave_hdr)
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
static bool altstack_overflow(struct task *t, unsigned long base, unsigned long frame)
{
	return on_altstack(t, base) && frame < t->sas_ss_sp;
}

#define SS_AUTODISARM (1U << 31)

/* What the frame's uc_stack records: the alternate stack as it was. */
static int uc_stack_flags(struct task *t, unsigned long sp)
{
	if (!t->sas_ss_size)
		return SS_DISABLE;
	return (on_altstack(t, sp) ? SS_ONSTACK : 0) | (t->sas_ss_flags & SS_AUTODISARM);
}

/* SS_AUTODISARM: a handler that runs on the alternate stack gets it
 * disabled, so it may switch contexts; sigreturn re-installs it from
 * uc_stack. */
static void maybe_autodisarm(struct task *t, unsigned long frame)
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
static void restore_altstack(unsigned long sp, int flags, unsigned long size)
{
	unsigned long osp, osize;
	int oflags;
	do_sigaltstack(true, sp, flags, size, &osp, &oflags, &osize);
}

static unsigned long frame_base(struct task *t, struct pt_regs *regs, int sig, bool is32)
{
	unsigned long sp = regs->sp;
	if (!is32)
		sp -= 128;			/* the x86-64 red zone */
	else
		sp &= 0xffffffffUL;
	if ((t->sighand->action[sig - 1].flags & SA_ONSTACK) && t->sas_ss_size &&
	    !(t->sas_ss_flags & SS_DISABLE) && !on_altstack(t, regs->sp))
		sp = t->sas_ss_sp + t->sas_ss_size;
	return sp;
}

static int setup_rt_frame64(int sig, const struct ksiginfo *info, struct pt_regs *regs,
			    u64 mask, const struct k_sigaction *ka)
{
	struct task *t = current;
	static struct rt_sigframe64 f;
	unsigned long fpaddr;
	/* No restorer, no way back: Linux fails the delivery (SIGSEGV). */
	if (!(ka->flags & SA_RESTORER))
		return -EFAULT;
	unsigned long sp = frame_base(t, regs, sig, false);
	unsigned long fa = ((fpu_mathframe(sp, false, &fpaddr) - sizeof(f)) & ~15UL) - 8;	/* as after a call */
	if (altstack_overflow(t, sp, fa))
		return -EFAULT;
	memset(&f, 0, sizeof(f));
	f.pretcode = ka->restorer;
	/* SS is always saved; restoring it strictly is promised only to 64-bit
	 * code (a 64-bit task may be in a 32-bit segment when signalled). */
	f.uc.uc_flags = UC_SIGCONTEXT_SS | (regs->cs == USER_CS ? UC_STRICT_RESTORE_SS : 0) |
			(fpu_xsave ? UC_FP_XSTATE : 0);
	f.uc.uc_stack = (struct stack64){ t->sas_ss_sp, uc_stack_flags(t, regs->sp), 0,
					  t->sas_ss_size };
	struct sigcontext64 *sc = &f.uc.uc_mcontext;
	*sc = (struct sigcontext64){
		regs->r8, regs->r9, regs->r10, regs->r11, regs->r12, regs->r13, regs->r14,
		regs->r15, regs->di, regs->si, regs->bp, regs->bx, regs->dx, regs->ax,
		regs->cx, regs->sp, regs->ip, regs->flags, regs->cs, 0, 0, regs->ss,
		info->err_code, info->trapno, mask, info->addr, fpaddr, { 0 } };
	f.uc.uc_sigmask = mask;
	siginfo_to_user_layout(info, f.info, false);
	if (fpu_sig_save(fpaddr, 0, 0, 0) ||
	    copy_to_user((void __user *)fa, &f, sizeof(f)))
		return -EFAULT;
	maybe_autodisarm(t, fa);
	regs->di = sig;
	regs->si = fa + offsetof(struct rt_sigframe64, info);
	regs->dx = fa + offsetof(struct rt_sigframe64, uc);
	regs->ax = 0;
	regs->sp = fa;
	regs->ip = ka->handler;
	regs->cs = USER_CS;
	/* A valid SS stays (Linux's force_valid_ss): DOSEMU-style handlers
	 * read the signal's SS from the live register, not the frame. */
	if (!usable_stack_sel(regs->ss))
		regs->ss = USER_DS;
	return 0;
}

static void fill_sc32(struct sigcontext32 *sc, struct pt_regs *regs, u32 mask,
		      const struct ksiginfo *info, u32 fpaddr)
{
	struct task *t = current;
	u16 ds, es;
	asm volatile("movw %%ds, %0; movw %%es, %1" : "=r"(ds), "=r"(es));
	*sc = (struct sigcontext32){
		.gs = t->gsindex, .fs = t->fsindex, .es = es, .ds = ds,
		.di = regs->di, .si = regs->si, .bp = regs->bp, .sp = regs->sp, .bx = regs->bx,
		.dx = regs->dx, .cx = regs->cx, .ax = regs->ax, .trapno = info->trapno,
		.err = info->err_code, .ip = regs->ip, .cs = regs->cs,
		.flags = regs->flags, .sp_at_signal = regs->sp, .ss = regs->ss,
		.fpstate = fpaddr, .oldmask = mask, .cr2 = info->addr,
	};
	asm volatile("movw %%gs, %0" : "=r"(sc->gs));	/* live: user GS while in kernel */
	asm volatile("movw %%fs, %0" : "=r"(sc->fs));
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
	u16 ds;
	asm volatile("movw %%ds, %0" : "=r"(ds));
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
	regs->cs = USER32_CS;
	regs->ss = USER_DS;
	asm volatile("movw %0, %%ds; movw %0, %%es" : : "r"((u16)USER_DS));
	return 0;
}

int setup_signal_frame(int sig, const struct ksiginfo *info, struct pt_regs *regs,
		       u64 saved_mask)
{
	struct task *t = current;
	const struct k_sigaction *ka = &t->sighand->action[sig - 1];
	int err = t->is32 ? setup_frame32(sig, info, regs, saved_mask, ka, ka->flags & SA_SIGINFO)
			  : setup_rt_frame64(sig, info, regs, saved_mask, ka);
	if (err)
		return err;
	/* The handler starts with DF, TF and RF clear and a clean FPU. */
	regs->flags &= ~(X86_EFLAGS_DF | X86_EFLAGS_TF | X86_EFLAGS_RF);
	fpu_reset_live();
	force_iret(t);
	return 0;
}

static void set_blocked(u64 mask)
{
	struct task *t = current;
	t->sig_blocked = mask & ~UNBLOCKABLE;
	recalc_sigpending(t);
}

static u16 rpl3(u16 sel)
{
	return sel <= 3 ? sel : sel | 3;
}

/* i386 frames restore SS as written: Linux's force_valid_ss is only for
 * 64-bit frames. */
static int restore_sc32(struct pt_regs *regs, const struct sigcontext32 *sc)
{
	regs->di = sc->di, regs->si = sc->si, regs->bp = sc->bp, regs->sp = sc->sp;
	regs->bx = sc->bx, regs->dx = sc->dx, regs->cx = sc->cx, regs->ax = sc->ax;
	regs->ip = sc->ip, regs->cs = sc->cs, regs->ss = sc->ss;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc->flags & FIX_EFLAGS);
	/* Any selector, GDT or LDT, with RPL 3 forced on all but the null
	 * ones (0-3 stay as written); one the CPU would refuse becomes 0, as
	 * Linux's segment-load fixups make it. */
	u16 ds = usable_data_sel(rpl3(sc->ds)), es = usable_data_sel(rpl3(sc->es));
	u16 fs = usable_data_sel(rpl3(sc->fs)), gs = usable_data_sel(rpl3(sc->gs));
	load_user_data_segs(ds, es, fs, gs);
	current->fsindex = fs, current->gsindex = gs;
	sanitize_user_regs(regs, true);
	return fpu_restore_user(sc->fpstate ? sc->fpstate + FSAVE_HDR_SIZE : 0, sc->fpstate);
}

static long sigreturn_fail(void)
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
	static struct rt_sigframe64 f;
	unsigned long fa = regs->sp - 8;
	if (copy_from_user(&f, (const void __user *)fa, sizeof(f)))
		return sigreturn_fail();
	const struct sigcontext64 *sc = &f.uc.uc_mcontext;
	set_blocked(f.uc.uc_sigmask);
	restore_altstack(f.uc.uc_stack.ss_sp, f.uc.uc_stack.ss_flags, f.uc.uc_stack.ss_size);
	regs->r8 = sc->r8, regs->r9 = sc->r9, regs->r10 = sc->r10, regs->r11 = sc->r11;
	regs->r12 = sc->r12, regs->r13 = sc->r13, regs->r14 = sc->r14, regs->r15 = sc->r15;
	regs->di = sc->di, regs->si = sc->si, regs->bp = sc->bp, regs->bx = sc->bx;
	regs->dx = sc->dx, regs->ax = sc->ax, regs->cx = sc->cx, regs->sp = sc->sp;
	regs->ip = sc->ip, regs->cs = sc->cs, regs->ss = sc->ss;
	regs->flags = (regs->flags & ~FIX_EFLAGS) | (sc->flags & FIX_EFLAGS);
	sanitize_user_regs(regs, f.uc.uc_flags & UC_STRICT_RESTORE_SS);
	if (fpu_restore_user(sc->fpstate, 0))
		return sigreturn_fail();
	return regs->ax;
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

SYSCALL_DEFINE0(rt_sigreturn)
{
	/* The table wrappers see a const frame; sigreturn is the one call
	 * whose job is to rewrite it. */
	return do_rt_sigreturn(current->regs, false);
}

COMPAT_SYSCALL_DEFINE0(rt_sigreturn)
{
	return do_rt_sigreturn(current->regs, true);
}

COMPAT_SYSCALL_DEFINE0(sigreturn)
{
	return do_sigreturn32(current->regs);
}
