/* Frame-building macros shared by the entry files.  Each pushes (or pops)
 * the part of struct pt_regs (asm/ptrace.h) below the di slot. */
#include <asm/ptrace.h>

/* Push si .. r15 on top of an (ss, sp, flags, cs, ip, orig_ax, di) frame.
 * \rax is what goes into the ax slot: -ENOSYS for a syscall. */
.macro PUSH_REGS_BELOW_DI rax=%rax
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	\rax
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
.endm

/* Restore every general register from the frame; leaves %rsp at orig_ax. */
.macro POP_REGS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
.endm
