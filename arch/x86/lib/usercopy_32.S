/*
 * The instructions that touch user memory, i386 kernel: as usercopy_64.S,
 * four bytes per iteration, then the tail by bytes, and the same fixups
 * (a fault in the word loop hands everything left to the byte loop, which
 * stops at the bad byte, so the count of bytes not done is exact).
 * cdecl: arguments on the stack; ESI and EDI are the caller's.
 */
#include <asm/smap.h>

	.text
/* size_t __copy_user(void *dst, const void *src, size_t n): bytes NOT copied. */
	.globl __copy_user
__copy_user:
	pushl	%esi
	pushl	%edi
	movl	12(%esp), %edi
	movl	16(%esp), %esi
	movl	20(%esp), %edx
	movl	%edx, %ecx
	shrl	$2, %ecx
	andl	$3, %edx
	STAC
1:	rep movsl
	movl	%edx, %ecx
2:	rep movsb
3:	CLAC
	movl	%ecx, %eax
	popl	%edi
	popl	%esi
	ret
4:	leal	(%edx, %ecx, 4), %ecx
	jmp	2b
	.pushsection __ex_table, "a"
	.long 1b, 4b
	.long 2b, 3b
	.popsection

/* size_t __clear_user(void *dst, size_t n): bytes NOT cleared. */
	.globl __clear_user
__clear_user:
	pushl	%edi
	movl	8(%esp), %edi
	movl	12(%esp), %edx
	movl	%edx, %ecx
	shrl	$2, %ecx
	andl	$3, %edx
	xorl	%eax, %eax
	STAC
5:	rep stosl
	movl	%edx, %ecx
6:	rep stosb
7:	CLAC
	movl	%ecx, %eax
	popl	%edi
	ret
8:	leal	(%edx, %ecx, 4), %ecx
	jmp	6b
	.pushsection __ex_table, "a"
	.long 5b, 8b
	.long 6b, 7b
	.popsection
	.section .note.GNU-stack,"",@progbits
