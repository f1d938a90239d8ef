/*
 * Compat (i386 ABI) entries on the 64-bit kernel.
 */
#include <asm/entry.h>
#include <asm/smap.h>
#include "calling.h"

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
 * entry_SYSCALL_compat - SYSCALL from compat mode (AMD; Intel raises #UD).
 * Until the 32-bit fast path exists this only refuses: -ENOSYS and straight
 * back.  RCX/R11 hold the return EIP/EFLAGS exactly as SYSRETL needs them.
 */
	.globl entry_SYSCALL_compat
entry_SYSCALL_compat:
	movl	$-ENOSYS_VAL, %eax
	sysretl

	.globl entry_SYSENTER_compat
entry_SYSENTER_compat:
	ud2
	.section .note.GNU-stack,"",@progbits
