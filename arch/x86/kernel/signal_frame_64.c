/*
 * The x86-64 signal frame (rt_sigframe) and its sigreturn: only the 64-bit
 * kernel has 64-bit tasks.  The i386 frames, the sanitizer and the
 * alternate-stack rules they share are in signal_frame.c; docs/signals.md
 * draws the layouts.
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

int setup_rt_frame64(int sig, const struct ksiginfo *info, struct pt_regs *regs,
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

/* The restorer popped pretcode: the frame starts 8 below sp. */
long do_rt_sigreturn64(struct pt_regs *regs)
{
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

SYSCALL_DEFINE0(rt_sigreturn)
{
	/* The table wrappers see a const frame; sigreturn is the one call
	 * whose job is to rewrite it. */
	return do_rt_sigreturn64(current->regs);
}
