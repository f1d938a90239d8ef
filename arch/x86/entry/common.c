/*
 * The C half of every system-call entry, and the single way back out.
 *
 * Each asm prologue (entry_64.S and entry_64_compat.S on the 64-bit
 * kernel, entry_32.S on the i386 one) builds a struct pt_regs and calls
 * one function here.  The 32-bit landings are the same code on both
 * kernels: only the fast return instruction differs (SYSRETL to compat
 * mode, SYSEXIT on i386), and with it the checks' reasons, not the checks.  That function dispatches through the
 * generated table, runs the exit-work loop, and decides whether the fast
 * return instruction may be used; the asm obeys, IRET being the default.
 *
 * The common case - no tracer, no work queued - is written to compile
 * straight through: one test of task->syscall_work on each side of the
 * table call, the SYSRET checks inlined, and everything unusual
 * (tracing, the exit-work loop, working out why a fast return was
 * refused) in functions of its own that the fast path only branches to.
 * docs/performance.md lists what each of these choices saves.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <asm/ptrace.h>
#include <asm/uaccess.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <uapi/xentry_stats.h>
#ifdef CONFIG_X86_64
#include "syscalls_64.h"
#endif
#include "syscalls_32.h"

#include <asm/entry.h>
#include "vdso32-offsets.h"

static inline unsigned long landing_pad(struct mm *mm)
{
	return mm->vdso32 + VDSO32_SYM_int80_landing_pad;
}

/* landing_pad(current->mm), kept by vdso32_switch() whenever the address
 * space changes or its vDSO moves, so the fast path reads one word. */
extern unsigned long vdso32_current_landing_pad;

/*
 * The user frame of the current task: every entry builds it right below
 * the top of the kernel stack, where current->regs points.  After the
 * handler call the landings find it again here rather than keep their
 * regs argument alive across the call in a callee-saved register: that
 * would cost a push, a move and a pop on every call, to preserve a
 * register for an asm caller that restores every register from the frame
 * anyway.  Through current (which the exit test loads anyway) it is one
 * load and no arithmetic: percpu kernel_rsp - sizeof(pt_regs) would be an
 * extra lea that the compiler keeps for every use.
 */
static __always_inline struct pt_regs *current_pt_regs(void)
{
	return current->regs;
}

/* Store a handler's result into the frame; returns the frame. */
static __always_inline struct pt_regs *syscall_return(long ret)
{
	struct pt_regs *regs = current_pt_regs();
	regs->ax = ret;
	return regs;
}

/* TASK_SIZE_MAX as a constant in memory (iret.c): x86 has no compare with
 * a 64-bit immediate, so the constant would first need a movabs into a
 * register on every SYSRETQ, where a memory operand costs nothing. */
extern const unsigned long sysret_ip_limit;

/* How syscalls returned (one CPU: no per-CPU array needed yet).  Global:
 * the asm variant's entry code counts its fast returns itself. */
struct xentry_exit_stats exit_stats;
#ifdef CONFIG_X86_64
_Static_assert(offsetof(struct xentry_exit_stats, sysretq) == STATS_SYSRETQ, "stats");
_Static_assert(offsetof(struct xentry_exit_stats, sysretl) == STATS_SYSRETL, "stats");
/* A 32-bit fast return: SYSRETL to compat mode. */
#define fast32_exits exit_stats.sysretl
#else
_Static_assert(offsetof(struct xentry_exit_stats, sysexit) == STATS_SYSEXIT, "stats");
_Static_assert(offsetof(struct xentry_exit_stats, refused[XENTRY_REFUSE_INT80]) ==
	       STATS_REFUSED_INT80, "stats");
_Static_assert(TASK_SIZE_32 == TASK_SIZE_32_VAL, "TASK_SIZE_32");
/* A 32-bit fast return: SYSEXIT, on the i386 kernel. */
#define fast32_exits exit_stats.sysexit
#endif
_Static_assert(offsetof(struct task, syscall_work) == TASK_SYSCALL_WORK, "task");
_Static_assert(offsetof(struct task, work) == TASK_WORK, "task");
_Static_assert(sizeof(((struct task *)0)->syscall_work) == 8, "task");
_Static_assert(offsetof(struct task, ptrace_step) < TASK_SYSCALL_WORK + 8, "task");
_Static_assert(offsetof(struct percpu, curr_task) == PERCPU_CURR_TASK, "percpu");

/* For the asm variant's dispatch (entry_64.S, entry_64_compat.S). */
#ifdef CONFIG_X86_64
const unsigned int x64_nr_syscalls = X64_NR_syscalls;
#endif
const unsigned int ia32_nr_syscalls = IA32_NR_syscalls;

/* An IRET: count the reason.  The iret total is the sum of the reasons,
 * added up when the counters are read, so this is one increment. */
static __noinline __attribute__((cold)) bool refuse(enum xentry_refusal why)
{
	exit_stats.refused[why]++;
	return false;
}

#ifdef CONFIG_X86_64
long __x64_sys_xentry_exit_stats(const struct pt_regs *regs);
#endif
long __ia32_sys_xentry_exit_stats(const struct pt_regs *regs);

long sys_ni_syscall(const struct pt_regs *regs)
{
	return -ENOSYS;
}

void do_signal(struct pt_regs *regs);
long syscall_trace_enter(struct pt_regs *regs);
void syscall_trace_exit(struct pt_regs *regs);

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
#ifdef CONFIG_X86_64
	bool bad = false;
	if (regs->cs == USER32_CS)
		bad = regs->ip > 0xffffffffUL;
	else if (regs->cs == USER_CS)
		bad = (long)(regs->ip << 16) >> 16 != (long)regs->ip;
	if (bad)
		force_sig(11);
	return !bad;
#else
	/* i386: every EIP is within the flat 4 GiB code segment; one in the
	 * kernel's part page-faults in user mode, as on Linux. */
	return true;
#endif
}

/*
 * Work that must happen before any return to user mode: rescheduling and
 * signals.  Loops because handling one item can raise another (a signal
 * delivery can wake someone who preempts us).
 */
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
 * After the call, for a task with a tracer or work queued: the tracer's
 * syscall-exit stop, then the exit-work loop.
 */
static __noinline void syscall_exit_work(struct pt_regs *regs)
{
	struct task *t = current;
	if (t->syscall_trace || t->ptrace_step)
		syscall_trace_exit(regs);
	if (t->work)
		exit_to_user_mode(regs);
}

#if defined(XENTRY_VARIANT_ASM) && defined(CONFIG_X86_32)
/* The i386 asm variant's int $0x80, after its own dispatch found work
 * (asm_variant_32.h): the same ending as do_int80_syscall_32's. */
void syscall_exit_work_32(struct pt_regs *regs)
{
	syscall_exit_work(regs);
	exit_stats.refused[XENTRY_REFUSE_INT80]++;
}
#endif

/*
 * May this 32-bit fast syscall return by the fast instruction?  Both kinds
 * load fixed selectors and a register for EIP, and leave ECX, EDX (and
 * EBP) to the vDSO's landing pad, which pops them from the user stack:
 *  - SYSRETL (64-bit kernel): CS/SS 0x23/0x2b, EIP from ECX, EFLAGS from
 *    R11 with RF and VM forced clear;
 *  - SYSEXIT (i386 kernel): CS/SS 0x73/0x7b from SYSENTER_CS, EIP from
 *    EDX, ESP from ECX; EFLAGS come back by popfl, which cannot set RF or
 *    VM either, and IF by the STI before it (entry_32.S).
 * The asm loads those registers from the frame, so only what the
 * instruction cannot express needs checking: the same three conditions
 * for both, as on Linux.  NT is fine: it comes back with the flags.  pad
 * is the landing pad of the task's address space.
 */
static __always_inline int fast32_refusal(const struct pt_regs *regs, unsigned long pad)
{
	if (regs->cs != USER32_CS || regs->ss != USER_DS)
		return XENTRY_REFUSE_CS_SS;
	/* ECX/EDX/EBP are clobbered by the fast return; only the landing pad
	 * restores them.  A restart (IP - 2), a signal or a tracer moves IP. */
	if (regs->ip != pad)
		return XENTRY_REFUSE_NOT_LANDING_PAD;
	/* Neither can restore RF or VM, and a TF would trap without IRET's
	 * single-step semantics (on i386 in the kernel, right after the
	 * popfl): one test for the three (as Linux), and which of them only
	 * once we know we refuse. */
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF | X86_EFLAGS_VM))
		return regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF) ?
			XENTRY_REFUSE_RF_TF : XENTRY_REFUSE_VM;
	return -1;
}

/*
 * The exit decision, in the variant this kernel was built with
 * (docs/performance.md):
 *  - check: every return runs the predicate above (Linux since 6.7);
 *  - flag:  the entry cleared t->iret_forced, and every code path that
 *           rewrites user registers called force_iret(), which
 *           re-validates and sets it; the exit tests one flag (Brian
 *           Gerst's 2015 idea).  The flag is part of t->syscall_work, so
 *           the work test the exit makes anyway is that test too;
 *  - cfast: as check, but when no work ran the return trusts what the
 *           entry instruction made true and tests only the flags
 *           (do_syscall_64 and do_fast_syscall_32).
 */
#ifdef XENTRY_VARIANT_FLAG
static __always_inline int exit_refusal_flag(void)
{
	return current->iret_forced ? XENTRY_REFUSE_FLAG_CLEARED : -1;
}
#define exit_refusal64(regs) exit_refusal_flag()
#define exit_refusal32(regs) exit_refusal_flag()
#else
#define exit_refusal64(regs) sysret64_refusal(regs)
#define exit_refusal32(regs) fast32_refusal(regs, vdso32_current_landing_pad)
#endif

/* Which check refused, worked out again, out of line: only on an IRET.
 * Like the slow exits, they find the frame themselves. */
static __noinline __attribute__((cold)) bool refuse32(void)
{
	return refuse(exit_refusal32(current_pt_regs()));
}

static __always_inline bool fast32_allowed(const struct pt_regs *regs)
{
	if (unlikely(exit_refusal32(regs) >= 0))
		return refuse32();
	fast32_exits++;
	return true;
}


/*
 * The slow way out, for a call that ran with a tracer or work queued (or
 * an asm variant fast path that found some): the exit work, then every
 * check - a tracer or a signal may have rewritten the frame.  They find
 * the frame themselves, so that the fast path, which only branches here,
 * need not keep its address in a register.
 */
__noinline bool syscall_exit_slow_32(void)
{
	struct pt_regs *regs = current_pt_regs();
	syscall_exit_work(regs);
	return fast32_allowed(regs);
}

/*
 * The general dispatch, for a call that is not the common case: a tracer
 * (whose entry stop may change the number, or skip the call with -1), or
 * a number outside the table.  Returns the frame.
 */
static __noinline struct pt_regs *syscall_32_general(struct pt_regs *regs, unsigned long nr)
{
	if (current->syscall_trace)
		nr = (u32)syscall_trace_enter(regs);
	/* No truncation: a handler's long comes back whole, so a 64-bit
	 * caller of int $0x80 sees -errno sign-extended and an address such
	 * as mmap2's above 2 GiB zero-extended, as on Linux. */
	if (nr < IA32_NR_syscalls)
		regs->ax = ia32_sys_call_table[nr](regs);
	else if (nr == XENTRY_NR_exit_stats)
		regs->ax = __ia32_sys_xentry_exit_stats(regs);
	else if ((u32)nr != (u32)-1)
		/* An unknown number is ENOSYS even if a tracer's entry stop
		 * wrote ax; only -1 (the tracer's "skip") keeps the tracer's
		 * value (Linux's rule; its syscall_numbering selftest). */
		regs->ax = -ENOSYS;
	return regs;
}

/* The common case: a number in the table, and no tracer or work queued. */
static __always_inline bool common_case(unsigned long nr, unsigned long nr_syscalls)
{
	if (unlikely(current->syscall_work))
		return false;
	if (unlikely(nr >= nr_syscalls))
		return false;
	return true;
}

/* Called by entry_INT80_compat (64-bit kernel: 32-bit and 64-bit callers
 * alike) and entry_INT80_32 (i386 kernel). */
void do_int80_syscall_32(struct pt_regs *regs)
{
	unsigned long nr = (u32)regs->orig_ax;
#ifdef XENTRY_VARIANT_FLAG
	/* Only fast entries reset the flag, and force_iret() (an exec, a
	 * signal) sets it: in a task that only ever uses int $0x80 it would
	 * send every call down the general path. */
	current->iret_forced = false;
#endif
	if (common_case(nr, IA32_NR_syscalls))
		regs = syscall_return(ia32_sys_call_table[nr](regs));
	else
		regs = syscall_32_general(regs, nr);
	if (unlikely(current->syscall_work))
		syscall_exit_work(regs);
	exit_stats.refused[XENTRY_REFUSE_INT80]++;	/* always IRET, as Linux */
}

/*
 * As Linux: a fast 32-bit call whose user stack cannot be read fails with
 * -EFAULT and returns by IRET to the landing pad, whose pops fault on the
 * same bad stack, so the task takes a SIGSEGV in user mode.  Out of line,
 * so that the fast path keeps nothing across its calls.
 */
static __noinline __attribute__((cold)) bool fast_syscall_bad_stack(struct pt_regs *regs)
{
	regs->ax = -EFAULT;
	if (current->work)
		exit_to_user_mode(regs);
	return refuse(XENTRY_REFUSE_BAD_STACK);
}

/*
 * Called by entry_SYSENTER_compat and entry_SYSCALL_compat alike, and by
 * the i386 kernel's entry_SYSENTER_32: each prologue left the user stack
 * pointer in regs->sp and argument 2 in regs->cx.  This turns the frame
 * into exactly what an `int $0x80` at landing_pad - 2 would have built -
 * after it, no one can tell the paths apart.  Returns true if SYSRETL (SYSEXIT on i386) may be used.
 */
bool do_fast_syscall_32(struct pt_regs *regs)
{
	unsigned long arg6;
	regs->ip = vdso32_current_landing_pad;
	/* The vDSO pushed the user's EBP (argument 6) last, so it is the
	 * word at the user stack pointer.  On the 64-bit kernel any 32-bit
	 * address is in the user half; on i386 the top GiB is the kernel's,
	 * and a user ESP there must not make us read kernel memory as
	 * argument 6 (Linux's get_user checks the range too). */
	unsigned long usp = regs->sp & 0xffffffffUL;
#ifdef CONFIG_X86_32
	if (unlikely(usp > TASK_SIZE_32 - 4))
		return fast_syscall_bad_stack(regs);
#endif
	if (unlikely(!get_user_u32(&arg6, (const u32 __user *)usp)))
		return fast_syscall_bad_stack(regs);
	regs->bp = arg6;
#ifdef XENTRY_VARIANT_FLAG
	/* IP is the landing pad and CS/SS are what the prologue pushed; only
	 * the user's flags can still forbid SYSRETL. */
	current->iret_forced = !!(regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_RF | X86_EFLAGS_VM));
#endif
	unsigned long nr = (u32)regs->orig_ax;
	if (!common_case(nr, IA32_NR_syscalls)) {
		syscall_32_general(regs, nr);
		return syscall_exit_slow_32();
	}
	long ret = ia32_sys_call_table[nr](regs);
	/* The result is stored on each side of the test: see do_syscall_64. */
	regs = current_pt_regs();
	if (unlikely(current->syscall_work)) {
		regs->ax = ret;
		return syscall_exit_slow_32();
	}
	regs->ax = ret;
#ifdef XENTRY_VARIANT_CFAST
	/* The prologue and the rewrite above made CS, SS and IP right; with
	 * no tracer and no work queued nothing changed them since. */
	if (likely(!(regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_RF)))) {
		fast32_exits++;
		return true;
	}
	return syscall_exit_slow_32();	/* all the checks, out of line */
#elif defined(XENTRY_VARIANT_FLAG)
	/* syscall_work, just found zero, holds iret_forced. */
	fast32_exits++;
	return true;
#else
	return fast32_allowed(regs);
#endif
}

#ifdef CONFIG_X86_64
/* The 64-bit landing and its SYSRETQ checks: the x86-64 kernel only. */

/*
 * May this 64-bit syscall return with SYSRETQ?  SYSRET reloads RIP from RCX
 * and RFLAGS from R11 and fixed selectors from STAR, and restores nothing
 * else; anything it cannot reproduce sends us to IRET.  Returns the first
 * refusal, or -1 if SYSRETQ is safe.  Inlined, each failing check is a
 * branch to a refuse() of its own reason: the reason costs nothing until
 * a return is refused.
 */
static __always_inline int sysret64_refusal(const struct pt_regs *regs)
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
	 * user's RSP already loaded: a user-controlled kernel stack.
	 * (sysret_ip_limit is TASK_SIZE_MAX, see iret.c.) */
	if (regs->ip >= sysret_ip_limit)
		return XENTRY_REFUSE_NONCANONICAL;
	/* SYSRET cannot restore RF, and with TF it would trap on the first
	 * user instruction without the single-step semantics IRET gives. */
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return XENTRY_REFUSE_RF_TF;
	return -1;
}

static __noinline __attribute__((cold)) bool refuse64(void)
{
	return refuse(exit_refusal64(current_pt_regs()));
}

static __always_inline bool sysret64_allowed(const struct pt_regs *regs)
{
	if (unlikely(exit_refusal64(regs) >= 0))
		return refuse64();
	exit_stats.sysretq++;
	return true;
}

__noinline bool syscall_exit_slow_64(void)
{
	struct pt_regs *regs = current_pt_regs();
	syscall_exit_work(regs);
	return sysret64_allowed(regs);
}

static __noinline struct pt_regs *syscall_64_general(struct pt_regs *regs, unsigned long nr)
{
	if (current->syscall_trace)
		nr = (u32)syscall_trace_enter(regs);
	if (nr < X64_NR_syscalls)
		regs->ax = x64_sys_call_table[nr](regs);
	else if (nr == XENTRY_NR_exit_stats)
		regs->ax = __x64_sys_xentry_exit_stats(regs);
	else if ((u32)nr != (u32)-1)
		regs->ax = -ENOSYS;	/* as in syscall_32_general */
	return regs;
}

/*
 * Called by entry_SYSCALL_64.  Returns true if SYSRETQ may be used.
 * nr is the low 32 bits of RAX, zero-extended by the prologue: only they
 * select the call, as a signed int (Linux >= 5.14), and a negative int is
 * >= 2^31 here, so the unsigned compares send it to -ENOSYS.
 */
bool do_syscall_64(struct pt_regs *regs, unsigned long nr)
{
#ifdef XENTRY_VARIANT_FLAG
	/* SYSCALL made the rest true.  RF too, as the check variant: SYSRET
	 * cannot restore it (and two bits compile to a test-and-set, where
	 * TF alone took a four-instruction bit extraction). */
	current->iret_forced = !!(regs->flags & (X86_EFLAGS_TF | X86_EFLAGS_RF));
#endif
	if (!common_case(nr, X64_NR_syscalls)) {
		syscall_64_general(regs, nr);
		return syscall_exit_slow_64();
	}
	long ret = x64_sys_call_table[nr](regs);
	/* The result goes into the frame on each side of the work test
	 * rather than once before it: GCC 12 then stores it straight from
	 * RAX instead of first copying it to another register. */
	regs = current_pt_regs();
	if (unlikely(current->syscall_work)) {
		regs->ax = ret;
		return syscall_exit_slow_64();
	}
	regs->ax = ret;
#ifdef XENTRY_VARIANT_CFAST
	/* SYSCALL itself made RCX == RIP, R11 == RFLAGS, the selectors and
	 * the canonical RIP true; with no tracer and no work queued (execve
	 * and sigreturn queue TIF_CHECK_REGS) nothing changed them.  Only a
	 * user TF, carried in through R11, still needs looking at. */
	if (likely(!(regs->flags & X86_EFLAGS_TF))) {
		exit_stats.sysretq++;
		return true;
	}
	return syscall_exit_slow_64();	/* all the checks, out of line */
#elif defined(XENTRY_VARIANT_FLAG)
	/* syscall_work, just found zero, holds iret_forced. */
	exit_stats.sysretq++;
	return true;
#else
	return sysret64_allowed(regs);
#endif
}

#endif /* CONFIG_X86_64 */

#ifdef XENTRY_VARIANT_FLAG
/* The flag variant's hook: called after any change to a task's user
 * registers (t is not always current: ptrace writes a tracee's); the fast
 * return stays allowed only if the new frame still passes the same checks
 * the check variant makes on every return. */
void force_iret(struct task *t)
{
	if (t->iret_forced)
		return;
	struct pt_regs *regs = t->regs;
#ifdef CONFIG_X86_64
	int why = regs->cs == USER32_CS ? fast32_refusal(regs, landing_pad(t->mm))
					: sysret64_refusal(regs);
#else
	int why = fast32_refusal(regs, landing_pad(t->mm));
#endif
	t->iret_forced = why >= 0;
}
#endif

SYSCALL_DEFINE2(xentry_exit_stats, struct xentry_exit_stats __user *, buf, int, flags)
{
	strlcpy(exit_stats.vdso32_mode, vdso32_mode, sizeof(exit_stats.vdso32_mode));
	/* Each IRET was counted once, by its reason. */
	exit_stats.iret = 0;
	for (int i = 0; i < XENTRY_NR_REFUSALS; i++)
		exit_stats.iret += exit_stats.refused[i];
	if (copy_to_user(buf, &exit_stats, sizeof(exit_stats)))
		return -EFAULT;
	if (flags & XENTRY_STATS_RESET) {
		/* The counters restart from this very call: its own return is
		 * counted into the fresh set. */
		memset(&exit_stats, 0, sizeof(exit_stats));
	}
	return sizeof(exit_stats);
}
