/*
 * Compat (i386 ABI) entries on the 64-bit kernel.
 */
#include <asm/entry.h>
#include <asm/smap.h>
#include "calling.h"


#ifdef XENTRY_VARIANT_ASM
/*
 * The pre-2015 style for the fast 32-bit entries, kept only as the
 * benchmark's baseline (docs/performance.md): with no work queued, do the
 * int $0x80 rewrite (argument 6 from the user stack, IP = landing pad),
 * dispatch and SYSRETL right here.  Anything unusual - work, a bad stack,
 * TF - falls back to the C path at \slow, which redoes it all properly.
 */
.macro ASM_FAST_32 slow
	movq	%gs:PERCPU_CURR_TASK, %r11
	cmpq	$0, TASK_SYSCALL_WORK(%r11)	/* work, a tracer: all of it */
	jne	\slow
	cmpl	ia32_nr_syscalls(%rip), %eax
	jae	\slow
	movl	PTREGS_SP(%rsp), %r11d
	cmpl	$0xffffe000 - 4, %r11d
	ja	\slow
	STAC
	/* The load the exception table fixes up (a bad user stack). */
781:	movl	(%r11), %r11d
	CLAC
	.pushsection __ex_table, "a"
	.quad 781b, 772f
	.popsection
	movq	%r11, PTREGS_BP(%rsp)
	movq	vdso32_current_landing_pad(%rip), %r11
	movq	%r11, PTREGS_IP(%rsp)
	movq	%rsp, %rdi
	call	*ia32_sys_call_table(, %rax, 8)
	movq	%rax, PTREGS_AX(%rsp)
	movq	%gs:PERCPU_CURR_TASK, %r11
	cmpq	$0, TASK_SYSCALL_WORK(%r11)
	jne	773f
	testl	$(X86_EFLAGS_TF_VAL | 0x10000), PTREGS_FLAGS(%rsp)
	jnz	773f
	incq	exit_stats+STATS_SYSRETL(%rip)
	jmp	sysretl_to_user
772:	CLAC				/* the stack read faulted */
	jmp	\slow
773:	call	syscall_exit_slow_32
	testb	%al, %al
	jz	return_to_user_iret
	jmp	sysretl_to_user
.endm
#else
.macro ASM_FAST_32 slow
.endm
#endif

/*
 * SYSRETL, for both fast entries (Linux has done so for SYSENTER callers
 * since 4.1: cheaper than SYSEXIT, and Intel accepts SYSRETL to compat
 * mode).  It loads EIP from ECX and EFLAGS from R11 and nothing else, so
 * those two are clobbered - the landing pad restores ECX, and R11 is
 * invisible to 32-bit code.  R8-R10 and R12-R15 come back as they were.
 * A macro, expanded after each entry's C call: a jump to one shared copy
 * was the one instruction SYSENTER's path had above 100.
 */
.macro SYSRETL_TO_USER
	POP_REGS
	movl	PTREGS_IP - PTREGS_ORIG_AX(%rsp), %ecx
	movl	PTREGS_FLAGS - PTREGS_ORIG_AX(%rsp), %r11d
	movl	PTREGS_SP - PTREGS_ORIG_AX(%rsp), %esp
	swapgs
	sysretl
.endm

	.text
/*
 * entry_INT80_compat - `int $0x80`, from a 32-bit task or a 64-bit one
 * (both get the i386 table).
 *
 * The CPU switched to TSS.RSP0 and pushed SS, ESP, EFLAGS, CS, EIP; IF, TF,
 * NT and RF are now clear, AC and DF are NOT (hence CLAC and CLD).  The gate
 * has DPL 3, so only user mode reaches it with `int $0x80`.
 * Registers: EAX = number; EBX ECX EDX ESI EDI EBP = arguments; R8-R15 hold
 * whatever the task left there and come back unchanged.
 */
	.globl entry_INT80_compat
entry_INT80_compat:
	CLAC
	swapgs
	cld
	movl	%eax, %eax			/* the number is 32 bits */
	pushq	%rax				/* pt_regs->orig_ax */
	pushq	%rdi
	PUSH_REGS_BELOW_DI rax=$-ENOSYS_VAL
	movq	%rsp, %rdi
	call	do_int80_syscall_32
	jmp	return_to_user_iret

/*
 * entry_SYSENTER_compat - SYSENTER from a 32-bit task (Intel), through the
 * vDSO's `mov %esp,%ebp; sysenter` (or a program that hard-codes it).
 *
 * SYSENTER saves NOTHING: RSP and RIP come from the SYSENTER MSRs (RSP is
 * this CPU's small entry stack), CS/SS are kernel.  IF and VM are cleared,
 * but TF, NT, AC and DF survive into ring 0 as the user set them.
 * Registers: EAX = number; EBX ECX EDX ESI EDI = arguments 1-5; EBP = the
 * user's ESP, whose first word is argument 6 (the vDSO pushed EBP there).
 * The return address is implied: the vDSO's int80_landing_pad, which C
 * writes into the frame.  Until the popfq below, a user TF makes every
 * instruction here trap; do_debug() lets those #DBs pass (see traps.c).
 */
	.globl entry_SYSENTER_compat
entry_SYSENTER_compat:
	swapgs
	movq	%gs:PERCPU_KERNEL_RSP, %rsp
	movl	%eax, %eax
	movl	%ebp, %ebp
	pushq	$USER_DS			/* pt_regs->ss */
	pushq	%rbp				/* pt_regs->sp: the user ESP, from EBP */
	pushfq					/* pt_regs->flags: the user's, DF included */
	orl	$X86_EFLAGS_IF_VAL, (%rsp)	/* IF was on in user mode; SYSENTER cleared it */
	cld				/* C assumes DF clear */
	pushq	$USER32_CS			/* pt_regs->cs */
	pushq	$0				/* pt_regs->ip: set by C */
	pushq	%rax				/* pt_regs->orig_ax */
	pushq	%rdi
	PUSH_REGS_BELOW_DI rax=$-ENOSYS_VAL
	/*
	 * NT would make a later IRET a task return (#GP), AC would open SMAP,
	 * TF would keep trapping: take them out of the live flags now.  The
	 * user's values are safe in the frame and come back on return.
	 */
	testl	$(X86_EFLAGS_NT_VAL | X86_EFLAGS_AC_VAL | X86_EFLAGS_TF_VAL), PTREGS_FLAGS(%rsp)
	jz	.Lsysenter_flags_done
	pushq	$X86_EFLAGS_FIXED_VAL
	popfq
	/* A TF that was set traps once more right after the popfq, at the
	 * label below: the end of the range do_exception lets #DB pass in. */
.Lsysenter_flags_done:
	.globl entry_SYSENTER_compat_end
entry_SYSENTER_compat_end:
	ASM_FAST_32 .Lsysenter_c
.Lsysenter_c:
	movq	%rsp, %rdi
	call	do_fast_syscall_32
	testb	%al, %al
	jz	return_to_user_iret
	SYSRETL_TO_USER

/*
 * entry_SYSCALL_compat - SYSCALL from a 32-bit task (AMD; Intel raises
 * #UD), through the vDSO's `mov %ecx,%ebp; syscall`.
 *
 * The CPU has: RCX = return EIP (ignored: C substitutes the landing pad),
 * R11 = EFLAGS, RFLAGS masked by MSR_SYSCALL_MASK, RSP still the user's.
 * Registers: EAX = number; EBX = arg 1; EBP = arg 2 (ECX was needed for
 * the return address); EDX ESI EDI = args 3-5; argument 6 is at 0(%esp).
 * The frame stores EBP in the cx slot, so that C finds arg 2 where an
 * int $0x80 would have left it.
 */
	.globl entry_SYSCALL_compat
entry_SYSCALL_compat:
	swapgs
	movq	%rsp, %gs:PERCPU_USER_RSP
	movq	%gs:PERCPU_KERNEL_RSP, %rsp
	movl	%eax, %eax
	pushq	$USER_DS			/* pt_regs->ss */
	pushq	%gs:PERCPU_USER_RSP		/* pt_regs->sp */
	movl	$0, 4(%rsp)			/* ...only ESP means anything */
	pushq	%r11				/* pt_regs->flags */
	pushq	$USER32_CS			/* pt_regs->cs */
	pushq	%rcx				/* pt_regs->ip: replaced by C */
	pushq	%rax				/* pt_regs->orig_ax */
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rbp				/* pt_regs->cx: argument 2 */
	pushq	$-ENOSYS_VAL			/* pt_regs->ax */
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	ASM_FAST_32 .Lsyscall32_c
.Lsyscall32_c:
	movq	%rsp, %rdi
	call	do_fast_syscall_32
	testb	%al, %al
	jz	return_to_user_iret
sysretl_to_user:			/* the asm variant's fast path too */
	SYSRETL_TO_USER
	.section .note.GNU-stack,"",@progbits
