/*
 * The native i386 kernel's exception and IRQ entries, and the context
 * switch (docs/i386.md).  As entry_32.S: build a struct pt_regs, call C
 * (do_interrupt), leave by one of entry_32.S's exits.
 */
#include <asm/entry.h>
#include <asm/smap.h>
#include <asm/ptrace.h>
#include "calling_32.h"

	.text
/*
 * Exceptions and IRQs (vectors 0-47).  The CPU pushed (SS, ESP if from
 * user mode,) EFLAGS, CS, EIP and for some exceptions an error code, on
 * TSS.esp0 from user mode, else on the current stack.  The stub makes the
 * frame uniform - error code or -1 in the orig_ax slot - and pushes the
 * vector, which sits where the gs slot goes until common_interrupt has
 * read it.
 */
.macro IDT_STUB vec, has_error
	.p2align 4
idt_stub_\vec:
	.if \has_error == 0
	pushl	$-1
	.endif
	pushl	$\vec
	jmp	common_interrupt
.endm

	.p2align 4
	.globl common_interrupt
common_interrupt:
	CLAC					/* the user may have left AC set */
	cld
	pushl	%fs
	pushl	%es
	pushl	%ds
	pushl	%eax
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
	/* On the espfix stack (a fault of the exit's pops or IRET there):
	 * C needs a flat stack, so switch to the same memory through
	 * GDT_KERNEL_DS.  The base comes from the GDT through %cs: %ds
	 * may already be the user's. */
	movl	%ss, %ecx
	cmpl	$GDT_ESPFIX_SS, %ecx
	jne	1f
	movb	%cs:gdt + GDT_ESPFIX_SS + 4, %cl
	movb	%cs:gdt + GDT_ESPFIX_SS + 7, %ch
	shll	$16, %ecx
	addl	%esp, %ecx
	pushl	$GDT_KERNEL_DS
	pushl	%ecx
	lss	(%esp), %esp
1:	movl	%gs, %ecx			/* zero-extends */
	movl	PTREGS_GS(%esp), %eax		/* the vector */
	movl	%ecx, PTREGS_GS(%esp)
	LOAD_KERNEL_SEGS
	/* A refused IRET or SYSENTER's entry stack: entry_stack_fixup gives
	 * back (frame, vector) in eax:edx (-freg-struct-return). */
	pushl	%eax
	pushl	%esp
	addl	$4, (%esp)			/* the frame, above the vector */
	call	entry_stack_fixup
	movl	%eax, %esp
	pushl	%edx
	pushl	%eax
	call	do_interrupt
	addl	$8, %esp
	testl	$X86_EFLAGS_VM_VAL, PTREGS_FLAGS(%esp)
	jnz	return_to_user_iret
	testb	$3, PTREGS_CS(%esp)
	jnz	return_to_user_iret
	jmp	return_to_kernel_iret

	.irp vec, 0,1,2,3,4,5,6,7,9,15,16,18,19,20,22,23,24,25,26,27,28,31
	IDT_STUB \vec, 0
	.endr
	.irp vec, 8,10,11,12,13,14,17,21,29,30
	IDT_STUB \vec, 1
	.endr
	.irp vec, 32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	IDT_STUB \vec, 0
	.endr

	.section .rodata
	.globl idt_stub_table
	.p2align 2
idt_stub_table:
	.irp vec, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47
	.long idt_stub_\vec
	.endr
	.text

/*
 * __switch_to_asm(&prev->ksp, next->ksp): the callee-saved registers go on
 * the old stack, its esp into prev->ksp; then the same in reverse for next.
 */
	.globl __switch_to_asm
__switch_to_asm:
	movl	4(%esp), %eax
	movl	8(%esp), %edx
	pushl	%ebp
	pushl	%ebx
	pushl	%esi
	pushl	%edi
	movl	%esp, (%eax)
	movl	%edx, %esp
	popl	%edi
	popl	%esi
	popl	%ebx
	popl	%ebp
	ret

/* A new task's first switch "returns" here, with its pt_regs on top. */
	.globl ret_from_fork_asm
ret_from_fork_asm:
	pushl	%esp
	call	ret_from_fork
	addl	$4, %esp
	jmp	return_to_user_iret
	.section .note.GNU-stack,"",@progbits
