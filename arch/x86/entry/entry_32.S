/*
 * The native i386 kernel's entries (docs/i386.md): int $0x80, SYSENTER,
 * exceptions and IRQs, and the two ways back to user mode.  As on 64-bit,
 * each entry only builds a struct pt_regs (Linux's i386 layout,
 * asm/ptrace.h) and calls one C function; the system-call landings are the
 * very ones the 64-bit kernel's compat entries call (common.c).
 *
 * C is called with the stack convention (cdecl): the frame's address is
 * pushed as the argument.  The kernel never uses %fs or %gs, so the
 * user's stay loaded while in the kernel; %ds and %es get USER_DS (flat,
 * usable in ring 0) on every entry, since a user may leave anything in
 * them - and until they are reloaded only %ss-relative accesses are safe.
 */
#include <asm/entry.h>
#include <asm/smap.h>
#include <asm/ptrace.h>

/* Push gs .. bx below (orig_ax, ip, cs, flags[, sp, ss]); \ax is what goes
 * into the ax slot (-ENOSYS for a system call). */
.macro SAVE_REGS ax=%eax
	pushl	%gs
	pushl	%fs
	pushl	%es
	pushl	%ds
	pushl	\ax
	pushl	%ebp
	pushl	%edi
	pushl	%esi
	pushl	%edx
	pushl	%ecx
	pushl	%ebx
.endm

/* %ds/%es <- USER_DS; clobbers %edx (already saved). */
.macro LOAD_KERNEL_SEGS
	movl	$USER_DS, %edx
	movl	%edx, %ds
	movl	%edx, %es
.endm

/*
 * Pop a saved data selector.  A selector that the CPU refuses here (an LDT
 * entry changed since the frame was written) is replaced by null and the
 * pop retried, as Linux does: the task gets a null segment, not a kernel
 * fault.  The fixup runs with %esp at the saved word again.
 */
.macro POP_SEG seg
98:	popl	\seg
	.pushsection .text.fixup, "ax"
99:	movl	$0, (%esp)
	jmp	98b
	.popsection
	.pushsection __ex_table, "a"
	.long 98b, 99b
	.popsection
.endm

	.text
/*
 * entry_INT80_32 - `int $0x80`.  The CPU switched to TSS.esp0 and pushed
 * SS, ESP, EFLAGS, CS, EIP; the interrupt gate cleared IF, TF, NT, RF and
 * VM, not AC or DF (hence CLAC and CLD).  DPL 3: only user mode gets here.
 * Registers: EAX = number; EBX ECX EDX ESI EDI EBP = arguments.
 */
	.globl entry_INT80_32
entry_INT80_32:
	CLAC
	cld
	pushl	%eax				/* pt_regs->orig_ax */
	SAVE_REGS ax=$-ENOSYS_VAL
	LOAD_KERNEL_SEGS
	pushl	%esp
	call	do_int80_syscall_32
	addl	$4, %esp
	jmp	return_to_user_iret

/*
 * entry_SYSENTER_32 - SYSENTER through the vDSO's `mov %esp,%ebp;
 * sysenter` (after it pushed ECX, EDX and EBP).
 *
 * SYSENTER saves NOTHING: ESP is SYSENTER_ESP (a small entry stack, which
 * only ever holds a #DB frame, see below), EIP this label, CS/SS kernel.
 * IF, VM and RF are cleared; TF, NT, AC, DF survive into ring 0 as the
 * user set them.  DS/ES are still the user's, so the stack switch reads
 * percpu0 through %ss.  EBP = the user's ESP, whose first word is
 * argument 6.  The return address is the vDSO's landing pad, which C
 * writes into the frame (common.c).  Until the popfl below a user TF
 * makes each instruction trap; do_exception() lets those #DBs pass.
 */
	.globl entry_SYSENTER_32
entry_SYSENTER_32:
	movl	%ss:percpu0 + PERCPU_KERNEL_RSP, %esp
	pushl	$USER_DS			/* pt_regs->ss */
	pushl	%ebp				/* pt_regs->sp: the user ESP */
	pushfl					/* pt_regs->flags: the user's */
	orl	$X86_EFLAGS_IF_VAL, (%esp)	/* IF was on in user mode */
	pushl	$USER32_CS			/* pt_regs->cs */
	pushl	$0				/* pt_regs->ip: set by C */
	pushl	%eax				/* pt_regs->orig_ax */
	SAVE_REGS ax=$-ENOSYS_VAL
	/* NT would make the next IRET a task switch (in protected mode an
	 * IRET with NT set returns to the TSS back-link), AC would open
	 * SMAP, TF would keep trapping: clear them now.  The user's values
	 * are in the frame and come back on return. */
	testl	$(X86_EFLAGS_NT_VAL | X86_EFLAGS_AC_VAL | X86_EFLAGS_TF_VAL), PTREGS_FLAGS(%esp)
	jz	.Lsysenter_flags_done
	pushl	$X86_EFLAGS_FIXED_VAL
	popfl
	/* A TF that was set traps once more here, after the popfl: the
	 * end of the range do_exception lets #DB pass in. */
.Lsysenter_flags_done:
	.globl entry_SYSENTER_32_end
entry_SYSENTER_32_end:
	cld
	LOAD_KERNEL_SEGS
	pushl	%esp
	call	do_fast_syscall_32
	addl	$4, %esp
	testb	%al, %al
	jz	return_to_user_iret
	/* fall through */

/*
 * SYSEXIT.  It loads EIP from EDX and ESP from ECX, CS/SS from
 * SYSENTER_CS + 16/24, and nothing else: EDX, ECX and EBP come back from
 * the user stack through the landing pad (C checked that IP is the pad),
 * the flags through popfl, and FS/GS from the frame.  DS/ES keep USER_DS,
 * as on Linux, whose SYSEXIT path does not restore them either.  IF goes
 * last, by STI, whose one-instruction shadow keeps an interrupt from
 * arriving between it and SYSEXIT.
 */
sysexit_to_user:
	movl	PTREGS_IP(%esp), %edx
	movl	PTREGS_SP(%esp), %ecx
	movl	PTREGS_BX(%esp), %ebx
	movl	PTREGS_SI(%esp), %esi
	movl	PTREGS_DI(%esp), %edi
	movl	PTREGS_AX(%esp), %eax
	addl	$PTREGS_FS, %esp
	POP_SEG	%fs
	POP_SEG	%gs
	addl	$PTREGS_FLAGS - PTREGS_ORIG_AX, %esp
	btrl	$9, (%esp)			/* IF: by the sti below */
	popfl
	sti
	sysexit

/*
 * IRET to user mode: restores everything the frame holds.  The CPU may
 * refuse what the frame asks for (a selector from sigreturn or ptrace):
 * a refused data selector becomes null (POP_SEG), a refused IRET faults
 * in kernel mode at iret_to_user and entry_stack_fixup() (iret.c) turns
 * it into the user-mode fault it stands for.
 */
	.globl return_to_user_iret
return_to_user_iret:
	popl	%ebx
	popl	%ecx
	popl	%edx
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%eax
	POP_SEG	%ds
	POP_SEG	%es
	POP_SEG	%fs
	POP_SEG	%gs
	addl	$4, %esp			/* orig_ax */
	.globl iret_to_user
iret_to_user:
	iret

/* Back to kernel mode: the CPU pops no SP/SS for the same privilege. */
return_to_kernel_iret:
	popl	%ebx
	popl	%ecx
	popl	%edx
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%eax
	POP_SEG	%ds
	POP_SEG	%es
	POP_SEG	%fs
	POP_SEG	%gs
	addl	$4, %esp
	iret

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
	movl	%gs, %ecx			/* zero-extends */
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
