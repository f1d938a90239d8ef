/*
 * Timed loops for bench.c, x86-64 ABI.
 *
 * Every measured path is defined once, by PATH below, as three functions
 * that share the same per-iteration setup:
 *
 *   unsigned long long t_NAME(unsigned long n, void *unused)
 *       fenced rdtsc; n times { setup; trap; dec; jnz }; fenced rdtsc;
 *       returns the tick difference.
 *   unsigned long long e_NAME(unsigned long n, void *unused)
 *       the very same loop without the trapping instruction: its ticks are
 *       what the measurement itself costs, subtracted by bench.c.
 *   long o_NAME(void *unused)
 *       setup; trap once; returns RAX (bench.c checks the result).
 *
 * Written in assembly so that the measured loop and its empty twin differ
 * by exactly one instruction: under icount (DESIGN §6) the difference per
 * iteration is then precisely "the trap instruction plus everything the
 * kernel executes until control is back at the next user instruction".
 *
 * The loop counter and the start timestamp live in r12/r13, which every
 * entry path preserves; rcx and r11 are lost to SYSCALL/SYSRET, and an
 * int $0x80 from 64-bit code may zero r8-r11 (Linux), none of which we
 * keep anything in.
 */

	.text

/* rdx:rax = TSC, with LFENCE on both sides so that it neither executes
 * before earlier instructions nor lets later ones start before it. */
.macro FENCED_RDTSC
	lfence
	rdtsc
	lfence
	shl	$32, %rdx
	or	%rdx, %rax
.endm

.macro SAVE_REGS
	push	%rbx
	push	%rbp
	push	%r12
	push	%r13
	push	%r14
	push	%r15
.endm

.macro RESTORE_REGS
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%rbp
	pop	%rbx
.endm

.macro TIMED name, setup, trap:vararg
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	SAVE_REGS
	mov	%rdi, %r12
	FENCED_RDTSC
	mov	%rax, %r13
	.p2align 4
1:	\setup
	\trap
	dec	%r12
	jnz	1b
	FENCED_RDTSC
	sub	%r13, %rax
	RESTORE_REGS
	ret
	.size	\name, . - \name
.endm

.macro ONCE name, setup, trap:vararg
	.globl	\name
	.type	\name, @function
	.p2align 4
\name:
	SAVE_REGS
	\setup
	\trap
	RESTORE_REGS
	ret
	.size	\name, . - \name
.endm

.macro PATH name, setup, trap:vararg
	TIMED	t_\name, \setup, \trap
	TIMED	e_\name, \setup
	ONCE	o_\name, \setup, \trap
.endm

/* The per-iteration setups (x86-64 numbers unless said otherwise). */

.macro set_getppid			/* getppid() = 110 */
	mov	$110, %eax
.endm

.macro set_nosys			/* past every table: -ENOSYS */
	mov	$0x3fff, %eax
.endm

.macro set_yield			/* sched_yield() = 24 */
	mov	$24, %eax
.endm

.macro set_getppid_i386			/* i386 getppid() = 64, for int $0x80 */
	mov	$64, %eax
.endm

/* mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, -1, 0) = 9: six arguments; a
 * file mapping of fd -1, so it fails with -EBADF without touching the
 * address space (Linux looks the fd up first; so does xentry after its
 * cheap argument checks, which these arguments pass). */
.macro set_mmap6
	mov	$9, %eax
	xor	%edi, %edi
	mov	$4096, %esi
	mov	$1, %edx
	mov	$2, %r10d
	mov	$-1, %r8
	xor	%r9d, %r9d
.endm

PATH	syscall64,		set_getppid,		syscall
PATH	syscall64_slow,		set_yield,		syscall
PATH	int80_from64,		set_getppid_i386,	int $0x80
PATH	syscall64_6args,	set_mmap6,		syscall
/* The floor: a number no table has (-ENOSYS at once), so the figure is
 * the bare prologue, the C landing's dispatch miss and the return. */
PATH	syscall64_floor,	set_nosys,		syscall

	.section .note.GNU-stack, "", @progbits
