/*
 * Signal trampolines for 32-bit tasks that give no SA_RESTORER: the signal
 * frame's return address points here.  The kernel side (frames, sigreturn)
 * belongs to the signals work; these are the user half of that contract.
 */
	.text
	.globl __kernel_sigreturn
	.type __kernel_sigreturn, @function
	.p2align 4
__kernel_sigreturn:
	popl	%eax			/* the signal number the handler was given */
	movl	$119, %eax		/* __NR_sigreturn */
	int	$0x80
	.size __kernel_sigreturn, . - __kernel_sigreturn

	.globl __kernel_rt_sigreturn
	.type __kernel_rt_sigreturn, @function
	.p2align 4
__kernel_rt_sigreturn:
	movl	$173, %eax		/* __NR_rt_sigreturn */
	int	$0x80
	.size __kernel_rt_sigreturn, . - __kernel_rt_sigreturn
	.section .note.GNU-stack, "", @progbits
