/* Frame-building macros of the i386 kernel's entries (entry_32.S), for
 * struct pt_regs in Linux's i386 layout (asm/ptrace.h). */
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

/* Pop bx .. ax, the general registers at the bottom of the frame. */
.macro POP_GPRS
	popl	%ebx
	popl	%ecx
	popl	%edx
	popl	%esi
	popl	%edi
	popl	%ebp
	popl	%eax
.endm
