/*
 * The native i386 kernel's entries (docs/i386.md): int $0x80, SYSENTER,
 * and the ways back to user mode (exceptions and IRQs: interrupt_32.S).  As on 64-bit,
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

#include "calling_32.h"
#include "asm_variant_32.h"

	.text
/*
 * entry_INT80_32 - `int $0x80`.  The CPU switched to TSS.esp0 and pushed
 * SS, ESP, EFLAGS, CS, EIP; the interrupt gate cleared IF, TF, NT, RF and
 * VM, not AC or DF (hence CLAC and CLD).  DPL 3: only user mode gets here.
 * Registers: EAX = number; EBX ECX EDX ESI EDI EBP = arguments.
 */
	.globl entry_INT80_32
entry_INT80_32:
	testl	$X86_EFLAGS_VM_VAL, 8(%esp)	/* flags: ip, cs, flags */
	jnz	int80_from_vm86
	CLAC
	cld
	pushl	%eax				/* pt_regs->orig_ax */
	SAVE_REGS ax=$-ENOSYS_VAL
	LOAD_KERNEL_SEGS
	ASM_FAST_INT80 .Lint80_c
.Lint80_c:
	pushl	%esp
	call	do_int80_syscall_32
	addl	$4, %esp
	jmp	return_to_user_iret

/*
 * Virtual-8086 mode with IOPL 3, which real CPUs never give a ring-3 task
 * but QEMU's TCG does (its IRET loads VM and IOPL from a ring-3 frame):
 * the CPU pushed four more selectors, so the frame is not a pt_regs at
 * t->regs.  Handled as the #GP a vm86 `int` without IOPL 3 raises (error
 * code: IDT vector 0x80), which do_interrupt() turns back into a 32-bit
 * task with a SIGSEGV (traps.c leave_vm86).
 */
int80_from_vm86:
	pushl	$(0x80 << 3 | 2)
	pushl	$13
	jmp	common_interrupt

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
	ASM_FAST_SYSENTER .Lsysenter_c
.Lsysenter_c:
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
	testb	$4, PTREGS_SS(%esp)		/* an LDT stack segment */
	jnz	iret_via_espfix
.Lrestore_user:
	POP_GPRS
	POP_SEG	%ds
	POP_SEG	%es
	POP_SEG	%fs
	POP_SEG	%gs
	addl	$4, %esp			/* orig_ax */
	.globl iret_to_user
iret_to_user:
	iret

/*
 * espfix, as Linux i386: an IRET to a 16-bit stack segment (an LDT can
 * hold one) loads only SP, and ESP's bits 16-31 would keep the kernel
 * stack's - an address leak, and a corrupt ESP for the user.  So the
 * restore runs on GDT_ESPFIX_SS, whose base is set so that an ESP made of
 * the user's high half and the kernel's low half addresses this very
 * frame; whatever the IRET leaves in ESP's high half is then the user's.
 * An exception on that stack goes back to the flat one first
 * (common_interrupt).  DS is still USER_DS here.
 */
iret_via_espfix:
	movl	%esp, %edx
	movl	PTREGS_SP(%esp), %eax
	movw	%dx, %ax			/* user high half, kernel low half */
	subl	%eax, %edx			/* the base; its low half is 0 */
	shrl	$16, %edx
	movb	%dl, gdt + GDT_ESPFIX_SS + 4	/* base bits 16-23 */
	movb	%dh, gdt + GDT_ESPFIX_SS + 7	/* base bits 24-31 */
	pushl	$GDT_ESPFIX_SS
	pushl	%eax
	lss	(%esp), %esp
	jmp	.Lrestore_user

/*
 * Back to kernel mode: the CPU pops no SP/SS for the same privilege.
 * FS and GS are left as they are: the kernel never changes them, and the
 * saved copy may be a selector that no longer loads (another thread
 * changed the LDT entry), which would fault here again on every return
 * of the fault's own handler.  DS/ES always load: USER_DS, or the user's
 * own at the few instructions of an entry or exit where they are live.
 */
	.globl return_to_kernel_iret
return_to_kernel_iret:
	POP_GPRS
	POP_SEG	%ds
	POP_SEG	%es
	addl	$12, %esp			/* fs, gs, orig_ax */
	iret

	.section .note.GNU-stack,"",@progbits
