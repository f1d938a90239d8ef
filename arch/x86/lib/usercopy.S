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

/*
 * int __get_user_u32(const u32 *uptr, u32 *out): one aligned-or-not 32-bit
 * load, 0 or -EFAULT.  The fast 32-bit syscall entry reads argument 6 with
 * it on every call, so it is a single instruction, not a copy loop.  The
 * caller has checked that uptr lies in the user half.
 */
	.globl __get_user_u32
__get_user_u32:
	STAC
5:	movl	(%rdi), %eax
	CLAC
	movl	%eax, (%rsi)
	xorl	%eax, %eax
	ret
6:	CLAC
	movl	$-14, %eax		/* -EFAULT */
	ret
	.pushsection __ex_table, "a"
	.quad 5b, 6b
	.popsection

	.section .note.GNU-stack,"",@progbits
