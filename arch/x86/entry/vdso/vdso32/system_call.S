/*
 * __kernel_vsyscall: the 32-bit system-call entry every i386 program finds
 * through AT_SYSINFO.
 *
 * It saves ECX, EDX and EBP, then runs one of three 4-byte sequences,
 * chosen once at boot by patching (arch/x86/entry/vdso/vdso32-setup.c):
 *
 *   SYSENTER (Intel): mov %esp,%ebp; sysenter   - the kernel finds the user
 *       stack in EBP (SYSENTER saves nothing); argument 6 is at 0(%ebp).
 *   SYSCALL (AMD):    mov %ecx,%ebp; syscall    - SYSCALL clobbers ECX, so
 *       argument 2 travels in EBP; argument 6 is at 0(%esp).
 *   int $0x80:        a 4-byte NOP, falling through to the int $0x80.
 *
 * Either fast path returns to int80_landing_pad, just after a real
 * `int $0x80`: a restarted syscall (IP - 2) re-enters through int $0x80
 * with exactly the registers it needs, because the kernel rewrote the frame
 * to look like that int $0x80 had been executed.  The landing pad restores
 * what was saved, so the fast return may clobber ECX, EDX and EBP.
 * This register convention is Linux's since 4.4 (programs hard-code it).
 */
	.text
	.globl __kernel_vsyscall
	.type __kernel_vsyscall, @function
	.p2align 4
	/* The same entry under a hidden name: the vDSO's own clock
	 * fallbacks call it directly, with no dynamic relocation. */
	.globl vdso_vsyscall_entry
	.hidden vdso_vsyscall_entry
__kernel_vsyscall:
vdso_vsyscall_entry:
	.cfi_startproc
	pushl	%ecx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset ecx, 0
	pushl	%edx
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset edx, 0
	pushl	%ebp
	.cfi_adjust_cfa_offset 4
	.cfi_rel_offset ebp, 0
	.globl vdso32_patch_site
vdso32_patch_site:
	.byte	0x0f, 0x1f, 0x40, 0x00		/* nopl 0(%eax): the int $0x80 choice */
	int	$0x80
	.globl int80_landing_pad
int80_landing_pad:
	popl	%ebp
	.cfi_adjust_cfa_offset -4
	.cfi_restore ebp
	popl	%edx
	.cfi_adjust_cfa_offset -4
	.cfi_restore edx
	popl	%ecx
	.cfi_adjust_cfa_offset -4
	.cfi_restore ecx
	ret
	.cfi_endproc
	.size __kernel_vsyscall, . - __kernel_vsyscall
	.section .note.GNU-stack, "", @progbits
