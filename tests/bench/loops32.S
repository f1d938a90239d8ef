/*
 * Timed loops for bench.c, i386 ABI (see loops64.S for the scheme).
 *
 *   unsigned long long t_NAME(unsigned long n, void *vsys)
 *   unsigned long long e_NAME(unsigned long n, void *vsys)
 *   long o_NAME(void *vsys)
 *
 * vsys is __kernel_vsyscall (AT_SYSINFO), called by the vdso paths.  A
 * six-argument call needs all of EAX, EBX, ECX, EDX, ESI, EDI and EBP, so
 * the loop counter, vsys and the start timestamp live in a stack frame:
 *
 *   0(%esp) counter   4(%esp) vsys   8(%esp) start TSC low   12(%esp) high
 */

	.text

.macro SAVE_REGS
	push	%ebp
	push	%ebx
	push	%esi
	push	%edi
.endm

.macro RESTORE_REGS
	pop	%edi
	pop	%esi
	pop	%ebx
	pop	%ebp
.endm

/* Offsets of the C arguments after SAVE_REGS and the 16-byte frame:
 * 16 (frame) + 16 (four saved registers) + 4 (return address). */
#define ARG1 36
#define ARG2 40

.macro TIMED name, setup, trap:vararg
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	SAVE_REGS
	sub	$16, %esp
	mov	ARG1(%esp), %eax
	mov	%eax, 0(%esp)
	mov	ARG2(%esp), %eax
	mov	%eax, 4(%esp)
	lfence
	rdtsc
	lfence
	mov	%eax, 8(%esp)
	mov	%edx, 12(%esp)
	.p2align 4
1:	\setup
	\trap
	decl	0(%esp)
	jnz	1b
	lfence
	rdtsc
	lfence
	sub	8(%esp), %eax
	sbb	12(%esp), %edx
	add	$16, %esp
	RESTORE_REGS
	ret
	.size	\name, . - \name
.endm

/* Same frame, so that 4(%esp) is vsys here too. */
.macro ONCE name, setup, trap:vararg
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	SAVE_REGS
	sub	$16, %esp
	mov	ARG1(%esp), %eax	/* vsys, o_NAME's only argument */
	mov	%eax, 4(%esp)
	\setup
	\trap
	add	$16, %esp
	RESTORE_REGS
	ret
	.size	\name, . - \name
.endm

.macro PATH name, setup, trap:vararg
	TIMED	t_\name, \setup, \trap
	TIMED	e_\name, \setup
	ONCE	o_\name, \setup, \trap
.endm

.macro set_getppid			/* getppid() = 64 */
	mov	$64, %eax
.endm

.macro set_nosys			/* past every table: -ENOSYS */
	mov	$0x3fff, %eax
.endm

.macro set_yield			/* sched_yield() = 158 */
	mov	$158, %eax
.endm

/* mmap2(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) = 192: -EBADF, as in
 * loops64.S; the sixth argument travels in EBP (int $0x80) or on the user
 * stack where __kernel_vsyscall pushed it (SYSENTER/SYSCALL). */
.macro set_mmap6
	mov	$192, %eax
	xor	%ebx, %ebx
	mov	$4096, %ecx
	mov	$1, %edx
	mov	$2, %esi
	mov	$-1, %edi
	xor	%ebp, %ebp
.endm

PATH	int80,		set_getppid,	int $0x80
PATH	vdso,		set_getppid,	call *4(%esp)
PATH	int80_slow,	set_yield,	int $0x80
PATH	vdso_slow,	set_yield,	call *4(%esp)
PATH	int80_6args,	set_mmap6,	int $0x80
PATH	vdso_6args,	set_mmap6,	call *4(%esp)
/* The floor through the vDSO's fast entry: prologue, rewrite, dispatch
 * miss, return; nothing of a handler. */
PATH	vdso_floor,	set_nosys,	call *4(%esp)

	.section .note.GNU-stack, "", @progbits
