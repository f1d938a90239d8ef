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

#include <asm/entry.h>
#include "vdso32-offsets.h"

int __get_user_u32(const u32 __user *uptr, u32 *out);

static inline unsigned long landing_pad(struct mm *mm)
{
	return mm->vdso32 + VDSO32_SYM_int80_landing_pad;
}

/* How syscalls returned (one CPU: no per-CPU array needed yet).  Global:
 * the asm variant's entry code counts its fast returns itself. */
struct xentry_exit_stats exit_stats;
_Static_assert(offsetof(struct xentry_exit_stats, sysretq) == STATS_SYSRETQ, "stats");
_Static_assert(offsetof(struct xentry_exit_stats, sysretl) == STATS_SYSRETL, "stats");
_Static_assert(offsetof(struct task, work) == TASK_WORK, "task");
_Static_assert(offsetof(struct task, syscall_trace) == TASK_TRACE_BITS, "task");
_Static_assert(offsetof(struct task, ptrace_step) == TASK_TRACE_BITS + 1, "task");
_Static_assert(offsetof(struct percpu, curr_task) == PERCPU_CURR_TASK, "percpu");

/* For the asm variant's dispatch (entry_64.S, entry_64_compat.S). */
const unsigned int x64_nr_syscalls = X64_NR_syscalls;
const unsigned int ia32_nr_syscalls = IA32_NR_syscalls;

static bool refuse(enum xentry_refusal why)
{
	exit_stats.refused[why]++;
	exit_stats.iret++;
	return false;
}

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
 * Registers that came from user space (sigreturn, ptrace) may hold a RIP
 * the standard code segments cannot take: non-canonical for 64-bit code,
 * above 4 GiB for 32-bit code.  The task takes the SIGSEGV it would get in
 * user mode.  Selectors are left to the CPU: an IRET it refuses becomes
 * the task's own fault (arch/x86/entry/iret.c), which is what Linux gives
 * for any RPL-3 selector, GDT or LDT.  Returns false (and keeps the check
 * armed) while the frame is unusable: if a tracer suppresses the SIGSEGV,
 * the task simply takes it again, as it would on Linux.  Only the
 * sanitizer sets TIF_CHECK_REGS, so ordinary returns never pay for this.
 */
static bool check_user_regs(struct pt_regs *regs)
{
	bool bad = false;
	if (regs->cs == USER32_CS)
		bad = regs->ip > 0xffffffffUL;
	else if (regs->cs == USER_CS)
		bad = (long)(regs->ip << 16) >> 16 != (long)regs->ip;
	if (bad)
		force_sig(11);
	return !bad;
}

void exit_to_user_mode(struct pt_regs *regs)
{
	struct task *t = current;
	while (t->work) {
		if (t->work & TIF_CHECK_REGS) {
			if (check_user_regs(regs))
				t->work &= ~TIF_CHECK_REGS;
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
 * else; anything it cannot reproduce sends us to IRET.  Returns the first
 * refusal, or -1 if SYSRETQ is safe.
 */
static int sysret64_refusal(const struct pt_regs *regs)
{
	/* SYSRET takes RIP and RFLAGS from RCX and R11; a frame changed by
	 * execve, a signal or a tracer may no longer have them equal. */
	if (regs->cx != regs->ip)
		return XENTRY_REFUSE_CX_NE_IP;
	if (regs->r11 != regs->flags)
		return XENTRY_REFUSE_R11_NE_FLAGS;
	/* SYSRET can only produce CS 0x33 / SS 0x2b. */
	if (regs->cs != USER_CS || regs->ss != USER_DS)
		return XENTRY_REFUSE_CS_SS;
	/* A non-canonical RCX makes Intel's SYSRET #GP in ring 0 with the
	 * user's RSP already loaded: a user-controlled kernel stack. */
	if (regs->ip >= TASK_SIZE_MAX)
		return XENTRY_REFUSE_NONCANONICAL;
	/* SYSRET cannot restore RF, and with TF it would trap on the first
	 * user instruction without the single-step semantics IRET gives. */
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return XENTRY_REFUSE_RF_TF;
	return -1;
}

/*
 * May this 32-bit fast syscall return with SYSRETL?  SYSRETL sets CS/SS
 * to 0x23/0x2b, EIP from ECX and EFLAGS from R11 (RF and VM forced clear);
 * the asm loads ECX and R11 from the frame, so only what SYSRETL cannot
 * express needs checking.  NT is fine: it comes back through R11.
 */
static int sysret32_refusal(const struct pt_regs *regs, struct mm *mm)
{
	if (regs->cs != USER32_CS || regs->ss != USER_DS)
		return XENTRY_REFUSE_CS_SS;
	/* ECX/EDX/EBP are clobbered by the fast return; only the landing pad
	 * restores them.  A restart (IP - 2), a signal or a tracer moves IP. */
	if (regs->ip != landing_pad(mm))
		return XENTRY_REFUSE_NOT_LANDING_PAD;
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return XENTRY_REFUSE_RF_TF;
	if (regs->flags & X86_EFLAGS_VM)
		return XENTRY_REFUSE_VM;
	return -1;
}

static bool fast_exit(unsigned long long *counter)
{
	(*counter)++;
	return true;
}

/*
 * The exit decision, in the variant this kernel was built with
 * (docs/performance.md):
 *  - check: every return runs the predicate above (Linux since 6.7);
 *  - flag:  the entry set t->fast_ok, and every code path that rewrites
 *           user registers called force_iret(), which re-validates and
 *           clears it; the exit tests one flag (Brian Gerst's 2015 idea);
 *  - cfast: as check, but an open-coded fast path (do_syscall_64 and
 *           do_fast_syscall_32) skips the exit loop and the predicate when
 *           no work is pending.
 */
static bool exit_decision(struct task *t, struct pt_regs *regs, bool is64)
{
#ifdef XENTRY_VARIANT_FLAG
	if (t->fast_ok)
		return fast_exit(is64 ? &exit_stats.sysretq : &exit_stats.sysretl);
	return refuse(XENTRY_REFUSE_FLAG_CLEARED);
#else
	int why = is64 ? sysret64_refusal(regs) : sysret32_refusal(regs, t->mm);
	if (why >= 0)
		return refuse(why);
	return fast_exit(is64 ? &exit_stats.sysretq : &exit_stats.sysretl);
#endif
}

#ifdef XENTRY_VARIANT_FLAG
/* The flag variant's hook: called after any change to a task's user
 * registers; the fast return stays allowed only if the new frame still
 * passes the same checks the check variant makes on every return. */
void force_iret(struct task *t)
{
	if (!t->fast_ok)
		return;
	struct pt_regs *regs = t->regs;
	int why = regs->cs == USER32_CS ? sysret32_refusal(regs, t->mm) : sysret64_refusal(regs);
	t->fast_ok = why < 0;
}
#endif

/* The exit-work loop is a call only when there is work. */
static inline void exit_work(struct task *t, struct pt_regs *regs)
{
	if (unlikely(t->work))
		exit_to_user_mode(regs);
}

/* Nothing pending that the exit loop or a tracer would have to handle. */
static inline bool no_exit_work(struct task *t)
{
	return !t->work && !t->syscall_trace && !t->ptrace_step;
}

#ifdef XENTRY_VARIANT_ASM
/* The asm fast path (entry_64*.S) ran the call but found work queued or
 * a TF: finish in C. */
bool syscall_exit_slow_64(struct pt_regs *regs)
{
	exit_to_user_mode(regs);
	return exit_decision(current, regs, true);
}

bool syscall_exit_slow_32(struct pt_regs *regs)
{
	exit_to_user_mode(regs);
	return exit_decision(current, regs, false);
}
#endif

/* Called by entry_SYSCALL_64.  Returns true if SYSRETQ may be used. */
bool do_syscall_64(struct pt_regs *regs, int nr)
{
	/* Only the low 32 bits select the call, as a signed int (Linux >= 5.14):
	 * the unsigned compare sends negative numbers to -ENOSYS too. */
	struct task *t = current;
#ifdef XENTRY_VARIANT_FLAG
	t->fast_ok = !(regs->flags & X86_EFLAGS_TF);	/* SYSCALL made the rest true */
#endif
#ifdef XENTRY_VARIANT_CFAST
	if (likely(no_exit_work(t) && (unsigned int)nr < X64_NR_syscalls)) {
		regs->ax = x64_sys_call_table[nr](regs);
		/* SYSCALL itself made RCX == RIP, R11 == RFLAGS, the selectors
		 * and the canonical RIP true; with no work queued (execve and
		 * sigreturn queue TIF_CHECK_REGS) nothing changed them.  Only a
		 * user TF, carried in through R11, still needs looking at. */
		if (likely(!t->work && !(regs->flags & X86_EFLAGS_TF)))
			return fast_exit(&exit_stats.sysretq);
		exit_work(t, regs);
		return exit_decision(t, regs, true);
	}
#endif
	/* A tracer may change the number or skip the call (-1) at the stop. */
	if (unlikely(t->syscall_trace))
		nr = syscall_trace_enter(regs);
	if (likely((unsigned int)nr < X64_NR_syscalls))
		regs->ax = x64_sys_call_table[nr](regs);
	else if (nr == XENTRY_NR_exit_stats)
		regs->ax = __x64_sys_xentry_exit_stats(regs);
	if (unlikely(t->syscall_trace || t->ptrace_step))
		syscall_trace_exit(regs);
	exit_work(t, regs);
	return exit_decision(t, regs, true);
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
	/* No truncation: a handler's long comes back whole, so a 64-bit
	 * caller of int $0x80 sees -errno sign-extended and an address such
	 * as mmap2's above 2 GiB zero-extended, as on Linux. */
	if (unlikely(t->syscall_trace || t->ptrace_step))
		syscall_trace_exit(regs);
}

/* Called by entry_INT80_compat, for 32-bit and 64-bit callers alike. */
void do_int80_syscall_32(struct pt_regs *regs)
{
	dispatch_ia32(regs);
	exit_work(current, regs);
	refuse(XENTRY_REFUSE_INT80);
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
	struct task *t = current;
	u32 arg6;
	regs->ip = landing_pad(t->mm);
	/* The vDSO pushed the user's EBP (argument 6) last, so it is the
	 * word at the user stack pointer. */
	unsigned long usp = regs->sp & 0xffffffffUL;	/* below 4 GiB: user half */
	if (__get_user_u32((const u32 __user *)usp, &arg6)) {
		/* As Linux: the call fails with -EFAULT and returns by IRET to
		 * the landing pad, whose pops fault on the same bad stack, so
		 * the task takes a SIGSEGV in user mode. */
		regs->ax = -EFAULT;
		exit_work(t, regs);
		return refuse(XENTRY_REFUSE_BAD_STACK);
	}
	regs->bp = arg6;
#ifdef XENTRY_VARIANT_FLAG
	/* IP is the landing pad and CS/SS are what the prologue pushed; only
	 * the user's flags can still forbid SYSRETL. */
	t->fast_ok = !(regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_RF | X86_EFLAGS_VM));
#endif
#ifdef XENTRY_VARIANT_CFAST
	unsigned int nr = (unsigned int)regs->orig_ax;
	if (likely(no_exit_work(t) && nr < IA32_NR_syscalls)) {
		regs->ax = ia32_sys_call_table[nr](regs);
		/* The prologue and the rewrite above made CS, SS and IP right;
		 * with no work queued nothing changed them since. */
		if (likely(!t->work && !(regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_RF))))
			return fast_exit(&exit_stats.sysretl);
		exit_work(t, regs);
		return exit_decision(t, regs, false);
	}
#endif
	dispatch_ia32(regs);
	exit_work(t, regs);
	return exit_decision(t, regs, false);
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
