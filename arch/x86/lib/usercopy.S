/*
 * The instructions that touch user memory.  Each may fault (unmapped page,
 * protection); its __ex_table entry sends the fault handler to a fixup
 * that reports how much was left undone, so the caller returns -EFAULT.
 * STAC/CLAC open SMAP only around the access itself.
 */
#include <asm/smap.h>

	.text
/* size_t __copy_user(void *dst, const void *src, size_t n): bytes NOT copied. */
	.globl __copy_user
__copy_user:
	movq	%rdx, %rcx
	STAC
1:	rep movsb
2:	CLAC
	movq	%rcx, %rax
	ret
	.pushsection __ex_table, "a"
	.quad 1b, 2b
	.popsection

/* size_t __clear_user(void *dst, size_t n): bytes NOT cleared. */
	.globl __clear_user
__clear_user:
	movq	%rsi, %rcx
	xorl	%eax, %eax
	STAC
3:	rep stosb
4:	CLAC
	movq	%rcx, %rax
	ret
	.pushsection __ex_table, "a"
	.quad 3b, 4b
	.popsection

	.section .note.GNU-stack,"",@progbits
