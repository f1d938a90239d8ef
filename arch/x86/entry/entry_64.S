/*
 * 64-bit entries: SYSCALL from 64-bit mode, exceptions and IRQs, and the
 * two ways back to user mode.  Each entry only swaps GS, finds the kernel
 * stack, builds a complete struct pt_regs and calls one C function
 * (arch/x86/entry/common.c); all policy lives there.
 */
#include <asm/entry.h>
#include <asm/smap.h>
#include "calling.h"

	.text
/*
 * entry_SYSCALL_64 - the SYSCALL instruction from 64-bit mode.
 *
 * The CPU has: RCX = user RIP (of the next instruction), R11 = user RFLAGS,
 * RFLAGS &= ~MSR_SYSCALL_MASK (so IF, TF, DF, AC are clear), CS/SS = kernel.
 * It has NOT switched stacks: RSP is still the user's, so nothing may be
 * pushed before the switch.  GS is still the user's.
 * Registers: RAX = syscall number, RDI RSI RDX R10 R8 R9 = arguments.
 */
	.globl entry_SYSCALL_64
entry_SYSCALL_64:
	swapgs
	movq	%rsp, %gs:PERCPU_USER_RSP
	movq	%gs:PERCPU_KERNEL_RSP, %rsp
	pushq	$USER_DS			/* pt_regs->ss */
	pushq	%gs:PERCPU_USER_RSP		/* pt_regs->sp */
	pushq	%r11				/* pt_regs->flags */
	pushq	$USER_CS			/* pt_regs->cs */
	pushq	%rcx				/* pt_regs->ip */
	pushq	%rax				/* pt_regs->orig_ax */
	pushq	%rdi
	PUSH_REGS_BELOW_DI rax=$-ENOSYS_VAL
#ifdef XENTRY_VARIANT_ASM
	/*
	 * The pre-2015 style, kept only as the benchmark's baseline
	 * (docs/performance.md): with no work queued for the task, dispatch
	 * and return right here.  SYSCALL itself made SYSRET's preconditions
	 * true; only work or a user TF sends the exit to C.
	 */
	movq	%gs:PERCPU_CURR_TASK, %r11
	cmpq	$0, TASK_SYSCALL_WORK(%r11)	/* work, a tracer: all of it */
	jne	1f
	cmpl	x64_nr_syscalls(%rip), %eax
	jae	1f
	movl	%eax, %eax
	movq	%rsp, %rdi
	call	*x64_sys_call_table(, %rax, 8)
	movq	%rax, PTREGS_AX(%rsp)
	movq	%gs:PERCPU_CURR_TASK, %r11
	cmpq	$0, TASK_SYSCALL_WORK(%r11)
	jne	2f
	testl	$X86_EFLAGS_TF_VAL, PTREGS_FLAGS(%rsp)
	jnz	2f
	incq	exit_stats+STATS_SYSRETQ(%rip)
	jmp	sysretq_to_user
2:	call	syscall_exit_slow_64
	testb	%al, %al
	jz	return_to_user_iret
	jmp	sysretq_to_user
1:
#endif
	movq	%rsp, %rdi
	movl	%eax, %esi			/* nr: the low 32 bits, zero-extended */
	call	do_syscall_64
	testb	%al, %al
	jz	return_to_user_iret
sysretq_to_user:
	/*
	 * SYSRETQ.  do_syscall_64 checked that the frame's cx equals ip and
	 * r11 equals flags, so restoring them as ordinary registers loads
	 * exactly what SYSRET needs; ip is a canonical user address.
	 */
	POP_REGS
	movq	PTREGS_SP - PTREGS_ORIG_AX(%rsp), %rsp
	swapgs
	sysretq

/*
 * IRET to user mode: restores everything the frame holds.  The CPU may
 * refuse what the frame asks for (a selector from sigreturn or ptrace);
 * the fault is then taken in kernel mode at one of the two iretq below,
 * and entry_stack_fixup() turns it into the user-mode fault it stands for.
 */
	.globl return_to_user_iret
return_to_user_iret:
	POP_REGS
	addq	$8, %rsp			/* orig_ax */
	/* An LDT stack segment may be 16-bit, and IRET to one loads only SP:
	 * ESP's bits 16-31 would keep the kernel stack's.  Those go via espfix. */
	testb	$4, 32(%rsp)			/* SS: ip, cs, flags, sp, ss */
	jnz	iret_via_espfix
	swapgs
	.globl iret_to_user
iret_to_user:
	iretq

/*
 * Copy the IRET frame to the espfix alias whose address bits 16-31 are
 * the user's ESP bits 16-31, and IRET from there: whatever the CPU leaves
 * in ESP's high half is then the user's own.  Interrupts are off.
 */
iret_via_espfix:
	pushq	%rax
	pushq	%rdi
	movl	16+24(%rsp), %eax		/* user ESP; zero-extends */
	andl	$0xffff0000, %eax
	movabsq	$ESPFIX_FRAME, %rdi
	orq	%rax, %rdi
	.irp off, 0, 8, 16, 24, 32
	movq	16+\off(%rsp), %rax
	movq	%rax, \off(%rdi)
	.endr
	movq	%rdi, %rax
	popq	%rdi
	xchgq	%rax, (%rsp)			/* user rax back; espfix frame on top */
	popq	%rsp
	swapgs
	.globl iret_to_user_espfix
iret_to_user_espfix:
	iretq

return_to_kernel_iret:
	POP_REGS
	addq	$8, %rsp
	iretq

/*
 * Exceptions and IRQs (vectors 0-47).  The CPU pushed SS, RSP, RFLAGS, CS,
 * RIP (and for some exceptions an error code) on the TSS.RSP0 stack if it
 * came from user mode, else on the current stack.  IF is clear (interrupt
 * gates), AC and DF are not.  The stub makes the frame uniform - error code
 * or -1 in the orig_ax slot - and pushes the vector into the di slot.
 */
.macro IDT_STUB vec, has_error
	.p2align 4
idt_stub_\vec:
	.if \has_error == 0
	pushq	$-1
	.endif
	pushq	$\vec
	jmp	common_interrupt
.endm

	.p2align 4
common_interrupt:
	testb	$3, 24(%rsp)			/* CS: vector, error, ip, cs */
	jnz	1f
	testl	$X86_EFLAGS_VM_VAL, 32(%rsp)	/* flags: TCG's virtual-8086 */
	jnz	1f
	/* From kernel mode, GS is the user's only at a user IRET, which
	 * runs after the swapgs. */
	cmpq	$iret_to_user, 16(%rsp)
	je	1f
	cmpq	$iret_to_user_espfix, 16(%rsp)
	jne	2f
1:	swapgs
2:	CLAC					/* the user may have left AC set */
	cld
	xchgq	%rdi, (%rsp)			/* di slot <- rdi, rdi <- vector */
	PUSH_REGS_BELOW_DI
	/* The frame may sit on an IST or the espfix stack, where nothing may
	 * sleep: entry_stack_fixup moves it to the task stack when it stands
	 * for user mode, and gives back (frame, vector) in rax:rdx. */
	movq	%rdi, %rsi
	movq	%rsp, %rdi
	call	entry_stack_fixup
	movq	%rax, %rsp
	movq	%rax, %rdi
	movq	%rdx, %rsi
	call	do_interrupt
	testb	$3, PTREGS_CS(%rsp)
	jnz	return_to_user_iret
	jmp	return_to_kernel_iret

	IDT_STUB 0, 0
	IDT_STUB 1, 0
	IDT_STUB 2, 0
	IDT_STUB 3, 0
	IDT_STUB 4, 0
	IDT_STUB 5, 0
	IDT_STUB 6, 0
	IDT_STUB 7, 0
	IDT_STUB 8, 1
	IDT_STUB 9, 0
	IDT_STUB 10, 1
	IDT_STUB 11, 1
	IDT_STUB 12, 1
	IDT_STUB 13, 1
	IDT_STUB 14, 1
	IDT_STUB 15, 0
	IDT_STUB 16, 0
	IDT_STUB 17, 1
	IDT_STUB 18, 0
	IDT_STUB 19, 0
	IDT_STUB 20, 0
	IDT_STUB 21, 1
	IDT_STUB 22, 0
	IDT_STUB 23, 0
	IDT_STUB 24, 0
	IDT_STUB 25, 0
	IDT_STUB 26, 0
	IDT_STUB 27, 0
	IDT_STUB 28, 0
	IDT_STUB 29, 1
	IDT_STUB 30, 1
	IDT_STUB 31, 0
	.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	IDT_STUB \vec, 0
	.endr

	.section .rodata
	.globl idt_stub_table
	.p2align 3
idt_stub_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.quad idt_stub_\vec
	.endr
	.text

/*
 * __switch_to_asm(&prev->ksp, next->ksp): the callee-saved registers go on
 * the old stack, its rsp into prev->ksp; then the same in reverse for next.
 */
	.globl __switch_to_asm
__switch_to_asm:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, (%rdi)
	movq	%rsi, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/* A new task's first switch "returns" here, with its pt_regs on top. */
	.globl ret_from_fork_asm
ret_from_fork_asm:
	movq	%rsp, %rdi
	call	ret_from_fork
	jmp	return_to_user_iret
	.section .note.GNU-stack,"",@progbits
