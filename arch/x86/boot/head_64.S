/*
 * Boot: from the multiboot loader's 32-bit protected mode to 64-bit C.
 *
 * QEMU's multiboot loader (run by qboot) refuses ELF64 images, so the kernel
 * is a flat binary whose multiboot header uses the "a.out kludge" (flag 16):
 * the header itself says where to load the file and where to jump.  On entry
 * (Multiboot spec 3.2): EAX = 0x2BADB002, EBX = physical address of the
 * multiboot info, paging off, interrupts off, no usable stack.
 *
 * This code runs at its physical address (the .boot section is linked at
 * 1 MiB).  It builds just enough paging for long mode - the first GiB
 * identity-mapped and mapped again at KERNEL_VMA - then jumps to the
 * high-half kernel.  mm/vm.c replaces these tables with the real ones.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003	/* page-align modules, memory map, a.out kludge */
#define KERNEL_VMA 0xffffffff80000000

	.section .multiboot, "a"
	.align 4
mb_header:
	.long MB_MAGIC
	.long MB_FLAGS
	.long -(MB_MAGIC + MB_FLAGS)
	.long mb_header		/* header_addr */
	.long _phys_start	/* load_addr */
	.long _load_end_phys	/* load_end_addr */
	.long _end_phys		/* bss_end_addr: the loader zeroes the bss */
	.long _start32		/* entry_addr */

	.section .boot.text, "ax"
	.code32
	.globl _start32
_start32:
	cli
	movl	$boot_stack_top, %esp
	movl	%ebx, %edi		/* multiboot info: survives into 64-bit mode */
	movl	%eax, %esi		/* loader magic */

	/* PML4[0] and PML4[511] -> two PDPTs that share one PD of 2 MiB pages. */
	movl	$boot_pdpt_lo + 3, boot_pml4
	movl	$boot_pdpt_hi + 3, boot_pml4 + 511 * 8
	movl	$boot_pd + 3, boot_pdpt_lo
	movl	$boot_pd + 3, boot_pdpt_hi + 510 * 8
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB page */
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$512, %ecx
	jne	1b

	movl	$boot_pml4, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE */
	movl	%eax, %cr4
	movl	$0xc0000080, %ecx	/* EFER.LME */
	rdmsr
	orl	$0x100, %eax
	wrmsr
	movl	%cr0, %eax
	orl	$0x80010001, %eax	/* PG | WP | PE */
	movl	%eax, %cr0
	lgdt	boot_gdt_desc
	ljmp	$0x10, $start64_low

	.code64
start64_low:
	movabsq	$start64, %rax
	jmp	*%rax

	.section .boot.data, "aw"
	.align 8
boot_gdt:
	.quad 0
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x10: 64-bit kernel code */
	.quad 0x00cf92000000ffff	/* 0x18: kernel data */
boot_gdt_desc:
	.word boot_gdt_desc - boot_gdt - 1
	.long boot_gdt
	.align 4096
boot_pml4:	.fill 512, 8, 0
boot_pdpt_lo:	.fill 512, 8, 0
boot_pdpt_hi:	.fill 512, 8, 0
boot_pd:	.fill 512, 8, 0
boot_stack:	.fill 4096 * 4, 1, 0
boot_stack_top:

	.text
start64:
	movl	$0x18, %eax
	movl	%eax, %ss
	xorl	%eax, %eax
	movl	%eax, %ds
	movl	%eax, %es
	movl	%eax, %fs
	movl	%eax, %gs
	movabsq	$(boot_stack_top + KERNEL_VMA), %rsp
	movl	%edi, %edi		/* zero-extend: kmain(mbi_phys, magic) */
	movl	%esi, %esi
	xorl	%ebp, %ebp		/* terminates the backtrace */
	call	kmain
1:	hlt
	jmp	1b
	.section .note.GNU-stack,"",@progbits
