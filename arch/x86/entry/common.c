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
#include "syscalls_64.h"
#include "syscalls_32.h"

/* One past the highest user address a 64-bit task may map: 2^47 minus a
 * page.  The top page stays unmapped so no SYSCALL can sit at its end and
 * leave RCX non-canonical (Intel's SYSRET #GP, see sysret64_allowed). */
#define TASK_SIZE_MAX ((1UL << 47) - 4096)

long sys_ni_syscall(const struct pt_regs *regs)
{
	return -ENOSYS;
}

void do_signal(struct pt_regs *regs);

/*
 * Work that must happen before any return to user mode: rescheduling and
 * signals.  Loops because handling one item can raise another (a signal
 * delivery can wake someone who preempts us).
 */
void exit_to_user_mode(struct pt_regs *regs)
{
	struct task *t = current;
	while (t->work) {
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
	if (regs->cx != regs->ip || regs->r11 != regs->flags)
		return false;
	/* SYSRET can only produce CS 0x33 / SS 0x2b. */
	if (regs->cs != USER_CS || regs->ss != USER_DS)
		return false;
	/* A non-canonical RCX makes Intel's SYSRET #GP in ring 0 with the
	 * user's RSP already loaded: a user-controlled kernel stack. */
	if (regs->ip >= TASK_SIZE_MAX)
		return false;
	/* SYSRET cannot restore RF, and with TF it would trap on the first
	 * user instruction without the single-step semantics IRET gives. */
	if (regs->flags & (X86_EFLAGS_RF | X86_EFLAGS_TF))
		return false;
	return true;
}

/* Called by entry_SYSCALL_64.  Returns true if SYSRETQ may be used. */
bool do_syscall_64(struct pt_regs *regs, int nr)
{
	/* Only the low 32 bits select the call, as a signed int (Linux >= 5.14):
	 * the unsigned compare sends negative numbers to -ENOSYS too. */
	if (likely((unsigned int)nr < X64_NR_syscalls))
		regs->ax = x64_sys_call_table[nr](regs);
	exit_to_user_mode(regs);
	return sysret64_allowed(regs);
}

/* Called by entry_INT80_compat, for 32-bit and 64-bit callers alike. */
void do_int80_syscall_32(struct pt_regs *regs)
{
	unsigned int nr = (unsigned int)regs->orig_ax;
	if (likely(nr < IA32_NR_syscalls))
		regs->ax = ia32_sys_call_table[nr](regs);
	/* The i386 ABI returns a 32-bit value: a 64-bit caller of int $0x80
	 * sees it sign-extended, as on Linux. */
	regs->ax = (unsigned long)(long)(int)regs->ax;
	exit_to_user_mode(regs);
}
