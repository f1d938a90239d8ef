/*
 * The instructions that touch user memory.  Each may fault (unmapped page,
 * protection); its __ex_table entry sends the fault handler to a fixup
 * that reports how much was left undone, so the caller returns -EFAULT.
 * STAC/CLAC open SMAP only around the access itself.
 */
#include <asm/smap.h>

	.text
/*
 * size_t __copy_user(void *dst, const void *src, size_t n): bytes NOT copied.
 * Eight bytes per iteration, then the tail by bytes (see lib/string.c for
 * why that matters under TCG icount).  A fault in the word loop leaves
 * RSI/RDI at the word that faulted, so the fixup hands everything left to
 * the byte loop: it copies what precedes the bad byte and stops there,
 * which keeps the count exact (a short read() returns every byte it got).
 */
	.globl __copy_user
__copy_user:
	movq	%rdx, %rcx
	shrq	$3, %rcx
	andl	$7, %edx
	STAC
1:	rep movsq
	movl	%edx, %ecx
2:	rep movsb
3:	CLAC
	movq	%rcx, %rax
	ret
4:	leaq	(%rdx, %rcx, 8), %rcx
	jmp	2b
	.pushsection __ex_table, "a"
	.quad 1b, 4b
	.quad 2b, 3b
	.popsection
/* size_t __clear_user(void *dst, size_t n): bytes NOT cleared.  Words,
 * then bytes, with the same fixup as __copy_user. */
	.globl __clear_user
__clear_user:
	movq	%rsi, %rcx
	shrq	$3, %rcx
	andl	$7, %esi
	xorl	%eax, %eax
	STAC
5:	rep stosq
	movl	%esi, %ecx
6:	rep stosb
7:	CLAC
	movq	%rcx, %rax
	ret
8:	leaq	(%rsi, %rcx, 8), %rcx
	jmp	6b
	.pushsection __ex_table, "a"
	.quad 5b, 8b
	.quad 6b, 7b
	.popsection
	.section .note.GNU-stack,"",@progbits
