/*
 * The IRET way back to user mode, where it needs C: the espfix stack, and
 * what happens when the CPU refuses the frame.  docs/segments.md tells why.
 *
 * sigreturn and ptrace may hand the exit path any RPL-3 selector in CS and
 * SS.  The kernel does not try to predict what the CPU accepts (an LDT can
 * hold 16-bit, not-present or expand-down segments): it lets the IRET
 * judge.  A refused IRET faults in kernel mode, with the user's general
 * registers already restored and the IRET frame at the faulting RSP; the
 * task must see that fault as its own, taken at the instruction it was
 * returning to.  entry_stack_fixup() rebuilds that user-mode frame on the
 * task's stack, and the exception is then handled like any other from user
 * mode: SIGSEGV (#GP) or SIGBUS (#NP, #SS) with the selector as error code.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <asm/entry.h>
#include <asm/ptrace.h>
#include <asm/x86.h>

#ifdef CONFIG_X86_64
extern char iret_to_user[], iret_to_user_espfix[];

/* common.c's SYSRETQ check compares RIP with this.  Defined here, out of
 * that file's sight, so that its compiler cannot fold it back into the
 * constant (which would cost a movabs there). */
const unsigned long sysret_ip_limit = TASK_SIZE_MAX;

static bool is_user_iret(unsigned long ip)
{
	return ip == (unsigned long)iret_to_user || ip == (unsigned long)iret_to_user_espfix;
}

/* The IRET frame a refused iretq was popping: a 64-bit exception frame
 * always holds the interrupted RSP. */
static const unsigned long *refused_iret_frame(struct pt_regs *regs)
{
	return (const unsigned long *)regs->sp;
}
#else
extern char iret_to_user[];

static bool is_user_iret(unsigned long ip)
{
	return ip == (unsigned long)iret_to_user;
}

/* In protected mode an exception from ring 0 pushes no SS:ESP: the
 * interrupted stack continues right where the frame's sp slot would be,
 * and that is the IRET frame the refused iret was popping. */
static const unsigned long *refused_iret_frame(struct pt_regs *regs)
{
	return &regs->sp;
}
#endif

struct entry_fixup {
	struct pt_regs *regs;
	unsigned long vector;
};

/*
 * Called by every exception and IRQ entry before anything else, on the
 * stack the CPU chose; returns where the frame must be from now on, and
 * the vector to handle.
 *  - a fault of a user IRET: a user-mode frame on the task stack;
 *  - a user-mode entry through an IST vector (#DB, NMI, #MC, #DF): the same
 *    frame moved to the task stack, since handling it may sleep or send a
 *    signal, and the IST stack is shared by every task;
 *  - anything else: regs itself.
 */
struct entry_fixup entry_stack_fixup(struct pt_regs *regs, unsigned long vector)
{
	struct pt_regs *top = (struct pt_regs *)percpu0.kernel_rsp - 1;
	if (!user_mode(regs)) {
		/* Only #GP, #NP and #SS come from a refused IRET; anything
		 * else at that address (an NMI) is a kernel event. */
		if (!is_user_iret(regs->ip) || vector < 11 || vector > 13)
			return (struct entry_fixup){ regs, vector };
		/* The general registers are the user's (restored before the
		 * iretq); the rest is the IRET frame.  Read everything before
		 * writing: the new frame overlaps this one when the IRET ran
		 * on the task stack. */
		struct pt_regs u = *regs;
		const unsigned long *frame = refused_iret_frame(regs);
		u.ip = frame[0], u.cs = frame[1], u.flags = frame[2];
		u.sp = frame[3], u.ss = frame[4];
#ifdef CONFIG_X86_64
		/* Linux's espfix stack is read-only, so a refused IRET from it
		 * double-faults, and Linux reports every one as #GP(0): the
		 * same here, whatever the CPU said. */
		if (regs->ip == (unsigned long)iret_to_user_espfix)
			vector = 13, u.orig_ax = 0;
#else
		/* Linux i386 reports every refused IRET as its "iret
		 * exception", a SIGILL (traps.c), whatever the CPU said. */
		vector = VECTOR_IRET_FAULT, u.orig_ax = 0;
#endif
		*top = u;
		return (struct entry_fixup){ top, vector };
	}
	/* memmove: on i386 a frame from virtual-8086 mode (which QEMU's TCG
	 * lets a ring-3 IRET enter) has four more words above it, so it
	 * lies 16 bytes below top, overlapping it. */
	if (regs != top)
		memmove(top, regs, sizeof(*top));
	return (struct entry_fixup){ top, vector };
}
