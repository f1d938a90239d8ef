/* The asm exit-path variant of the i386 kernel's entries (entry_32.S);
 * empty macros in the C variants. */
#include <asm/entry.h>
#include <asm/smap.h>

#ifdef XENTRY_VARIANT_ASM
/*
 * The pre-2015 style, kept only as the benchmark's baseline
 * (docs/performance.md): with no work queued, dispatch right here and,
 * for SYSENTER, do the int $0x80 rewrite (argument 6 from the user stack,
 * IP = landing pad) and SYSEXIT.  Anything unusual - work, a bad stack,
 * TF - goes to the C landing at \slow, which redoes it all properly.
 * %ds is loaded; %edx and %ecx are free (saved in the frame).
 */
.macro ASM_WORK_TEST target
	movl	percpu0 + PERCPU_CURR_TASK, %edx
	movl	TASK_SYSCALL_WORK(%edx), %ecx	/* work, a tracer: all of it */
	orl	TASK_SYSCALL_WORK + 4(%edx), %ecx
	jnz	\target
.endm
.macro ASM_DISPATCH slow
	ASM_WORK_TEST \slow
	cmpl	ia32_nr_syscalls, %eax
	jae	\slow
.endm
.macro ASM_CALL_TABLE
	pushl	%esp
	call	*ia32_sys_call_table(, %eax, 4)
	addl	$4, %esp
	movl	%eax, PTREGS_AX(%esp)
.endm
.macro ASM_FAST_SYSENTER slow
	ASM_DISPATCH \slow
	movl	PTREGS_SP(%esp), %ecx
	cmpl	$TASK_SIZE_32_VAL - 4, %ecx	/* the kernel's GiB: not a stack */
	ja	\slow
	STAC
781:	movl	(%ecx), %ecx			/* argument 6 */
	CLAC
	.pushsection __ex_table, "a"
	.long 781b, 772f
	.popsection
	movl	%ecx, PTREGS_BP(%esp)
	movl	vdso32_current_landing_pad, %ecx
	movl	%ecx, PTREGS_IP(%esp)
	ASM_CALL_TABLE
	ASM_WORK_TEST 773f
	testl	$(X86_EFLAGS_TF_VAL | 0x10000), PTREGS_FLAGS(%esp)	/* TF, RF */
	jnz	773f
	addl	$1, exit_stats + STATS_SYSEXIT
	adcl	$0, exit_stats + STATS_SYSEXIT + 4
	jmp	sysexit_to_user
772:	CLAC					/* the stack read faulted */
	jmp	\slow
773:	call	syscall_exit_slow_32
	testb	%al, %al
	jz	return_to_user_iret
	jmp	sysexit_to_user
.endm
/* int $0x80 always returns by IRET: only the dispatch moves into asm. */
.macro ASM_FAST_INT80 slow
	ASM_DISPATCH \slow
	ASM_CALL_TABLE
	ASM_WORK_TEST 774f
	addl	$1, exit_stats + STATS_REFUSED_INT80
	adcl	$0, exit_stats + STATS_REFUSED_INT80 + 4
	jmp	return_to_user_iret
774:	pushl	%esp
	call	syscall_exit_work_32
	addl	$4, %esp
	jmp	return_to_user_iret
.endm
#else
.macro ASM_FAST_SYSENTER slow
.endm
.macro ASM_FAST_INT80 slow
.endm
#endif
