/*
 * The C half of every system-call entry, and the single way back out.
 *
 * Each asm prologue (entry_64.S, entry_64_compat.S) builds a struct pt_regs
 * and calls one function here.  That function dispatches through the
 * generated table, runs the exit-work loop, and decides whether the fast
 * return instruction may be used; the asm obeys, IRET being the default.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <asm/ptrace.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <uapi/xentry_stats.h>
#include "syscalls_64.h"
#include "syscalls_32.h"

/* How syscalls returned (one CPU: no per-CPU array needed yet). */
static struct xentry_exit_stats exit_stats;

static bool refuse(enum xentry_refusal why)
{
	exit_stats.refused[why]++;
	exit_stats.iret++;
	return false;
}

/* One past the highest user address a 64-bit task may map: 2^47 minus a
 * page.  The top page stays unmapped so no SYSCALL can sit at its end and
 * leave RCX non-canonical (Intel's SYSRET #GP, see sysret64_allowed). */
#define TASK_SIZE_MAX ((1UL << 47) - 4096)

long __x64_sys_xentry_exit_stats(const struct pt_regs *regs);
long __ia32_sys_xentry_exit_stats(const struct pt_regs *regs);

long sys_ni_syscall(const struct pt_regs *regs)
{
	return -ENOSYS;
}

void do_signal(struct pt_regs *regs);
long syscall_trace_enter(struct pt_regs *regs);
void syscall_trace_exit(struct pt_regs *regs);

/*
 * Work that must happen before any return to user mode: rescheduling and
 * signals.  Loops because handling one item can raise another (a signal
 * delivery can wake someone who preempts us).
 */
/*
 * Registers that came from user space (sigreturn) may hold a RIP that IRET
 * cannot load: non-canonical for 64-bit code, above 4 GiB for 32-bit code.
 * The CPU would fault on the IRET itself, in kernel mode; instead the task
 * takes the SIGSEGV it would get in user mode.  Only sanitize_user_regs()
 * sets TIF_CHECK_REGS, so ordinary returns never pay for this.
 */
static void check_user_regs(struct pt_regs *regs)
{
	bool bad;
	if (regs->cs == USER32_CS)
		bad = regs->ip > 0xffffffffUL;
	else
		bad = (long)(regs->ip << 16) >> 16 != (long)regs->ip;
	if (bad)
		force_sig(11);
}

void exit_to_user_mode(struct pt_regs *regs)
{
	struct task *t = current;
	while (t->work) {
		if (t->work & TIF_CHECK_REGS) {
			t->work &= ~TIF_CHECK_REGS;
			check_user_regs(regs);
		}
		if (t->work & TIF_NEED_RESCHED) {
			t->work &= ~TIF_NEED_RESCHED;
			schedule();
		}
		if (t->work & TIF_SIGPENDING)
			do_signal(regs);
	}
}

/*
 * May this 64-bit syscall return with SYSRETQ?  SYSRET reloads RIP from RCX
 * and RFLAGS from R11 and fixed selectors from STAR, and restores nothing
 * else; anything it cannot reproduce sends us to IRET.
 */
static bool sysret64_allowed(const struct pt_regs *regs)
{
	/* SYSRET takes RIP and RFLAGS from RCX and R11; a frame changed by
	 * execve, a signal or a tracer may no longer have them equal. */
	if (regs->cx != regs->ip)
		return refuse(XENTRY_REFUSE_CX_NE_IP);
	if (regs->r11 != regs->flags)
		return refuse(XENTRY_REFUSE_R11_NE_FLAGS);
	/* SYSRET can only produce CS 0x33 / SS 0x2b. */
	if (regs->cs != USER_CS || regs->ss != USER_DS)
		return refuse(XENTRY_REFUSE_CS_SS);
	/* A non-canonical RCX makes Intel's SYSRET #GP in ring 0 with the
	 * user's RSP already loaded: a user-controlled kernel stack. */
	if (regs->ip >= TASK_SIZE_MAX)
		return refuse(XENTRY_REFUSE_NONCANONICAL);
	/* SYSRET cannot restore RF, and with TF it would trap on the first
	 * user instruction without the single-step semantics IRET gives. */
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return refuse(XENTRY_REFUSE_RF_TF);
	exit_stats.sysretq++;
	return true;
}

/* Called by entry_SYSCALL_64.  Returns true if SYSRETQ may be used. */
bool do_syscall_64(struct pt_regs *regs, int nr)
{
	/* Only the low 32 bits select the call, as a signed int (Linux >= 5.14):
	 * the unsigned compare sends negative numbers to -ENOSYS too. */
	struct task *t = current;
	/* A tracer may change the number or skip the call (-1) at the stop. */
	if (unlikely(t->syscall_trace))
		nr = syscall_trace_enter(regs);
	if (likely((unsigned int)nr < X64_NR_syscalls))
		regs->ax = x64_sys_call_table[nr](regs);
	else if (nr == XENTRY_NR_exit_stats)
		regs->ax = __x64_sys_xentry_exit_stats(regs);
	if (unlikely(t->syscall_trace || t->ptrace_step))
		syscall_trace_exit(regs);
	exit_to_user_mode(regs);
	return sysret64_allowed(regs);
}

/* The i386 table, for all three 32-bit entries. */
static void dispatch_ia32(struct pt_regs *regs)
{
	struct task *t = current;
	unsigned int nr = (unsigned int)regs->orig_ax;
	if (unlikely(t->syscall_trace))
		nr = (unsigned int)syscall_trace_enter(regs);
	if (likely(nr < IA32_NR_syscalls))
		regs->ax = ia32_sys_call_table[nr](regs);
	else if (nr == XENTRY_NR_exit_stats)
		regs->ax = __ia32_sys_xentry_exit_stats(regs);
	/* The i386 ABI returns a 32-bit value: a 64-bit caller of int $0x80
	 * sees it sign-extended, as on Linux. */
	regs->ax = (unsigned long)(long)(int)regs->ax;
	if (unlikely(t->syscall_trace || t->ptrace_step))
		syscall_trace_exit(regs);
}

/* Called by entry_INT80_compat, for 32-bit and 64-bit callers alike. */
void do_int80_syscall_32(struct pt_regs *regs)
{
	dispatch_ia32(regs);
	exit_to_user_mode(regs);
	refuse(XENTRY_REFUSE_INT80);
}

/*
 * May this 32-bit fast syscall return with SYSRETL?  SYSRETL sets CS/SS
 * to 0x23/0x2b, EIP from ECX and EFLAGS from R11 (RF and VM forced clear);
 * the asm loads ECX and R11 from the frame, so only what SYSRETL cannot
 * express needs checking.  NT is fine: it comes back through R11.
 */
static bool sysret32_allowed(const struct pt_regs *regs)
{
	if (regs->cs != USER32_CS || regs->ss != USER_DS)
		return refuse(XENTRY_REFUSE_CS_SS);
	/* ECX/EDX/EBP are clobbered by the fast return; only the landing pad
	 * restores them.  A restart (IP - 2), a signal or a tracer moves IP. */
	if (regs->ip != vdso32_landing_pad(current->mm))
		return refuse(XENTRY_REFUSE_NOT_LANDING_PAD);
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return refuse(XENTRY_REFUSE_RF_TF);
	if (regs->flags & X86_EFLAGS_VM)
		return refuse(XENTRY_REFUSE_VM);
	exit_stats.sysretl++;
	return true;
}

/*
 * Called by entry_SYSENTER_compat and entry_SYSCALL_compat alike: both
 * prologues left the user stack pointer in regs->sp and argument 2 in
 * regs->cx.  This turns the frame into exactly what an `int $0x80` at
 * landing_pad - 2 would have built - after it, no one can tell the paths
 * apart.  Returns true if SYSRETL may be used.
 */
bool do_fast_syscall_32(struct pt_regs *regs)
{
	u32 arg6;
	regs->ip = vdso32_landing_pad(current->mm);
	/* The vDSO pushed the user's EBP (argument 6) last, so it is the
	 * word at the user stack pointer. */
	if (get_user(arg6, (u32 __user *)(regs->sp & 0xffffffffUL))) {
		/* As Linux: the call fails with -EFAULT and returns by IRET to
		 * the landing pad, whose pops fault on the same bad stack, so
		 * the task takes a SIGSEGV in user mode. */
		regs->ax = -EFAULT;
		exit_to_user_mode(regs);
		return refuse(XENTRY_REFUSE_BAD_STACK);
	}
	regs->bp = arg6;
	dispatch_ia32(regs);
	exit_to_user_mode(regs);
	return sysret32_allowed(regs);
}

SYSCALL_DEFINE2(xentry_exit_stats, struct xentry_exit_stats __user *, buf, int, flags)
{
	strlcpy(exit_stats.vdso32_mode, vdso32_mode, sizeof(exit_stats.vdso32_mode));
	if (copy_to_user(buf, &exit_stats, sizeof(exit_stats)))
		return -EFAULT;
	if (flags & XENTRY_STATS_RESET) {
		/* The counters restart from this very call: its own return is
		 * counted into the fresh set. */
		memset(&exit_stats, 0, sizeof(exit_stats));
	}
	return sizeof(exit_stats);
}
