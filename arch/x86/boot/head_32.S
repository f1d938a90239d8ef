/*
 * Boot of the native i386 kernel (docs/i386.md): from the multiboot
 * loader's 32-bit protected mode to C in the high half, with PAE paging.
 *
 * The loader and the header are the 64-bit kernel's (head_64.S): a flat
 * binary whose multiboot header uses the "a.out kludge" (flag 16).  On
 * entry (Multiboot spec 3.2): EAX = 0x2BADB002, EBX = physical address of
 * the multiboot info, paging off, interrupts off, no usable stack, and a
 * GDTR that may point anywhere.
 *
 * This code runs at its physical address (the .boot section is linked at
 * 1 MiB).  It turns on PAE paging with a temporary PDPT that maps the
 * first GiB twice, at 0 (so this code keeps running once paging is on,
 * and kmain can still read the multiboot info) and at KERNEL_VMA, where
 * the C code is linked; one page directory of 2 MiB pages serves both.
 * The CPU stays in protected mode: EFER.LME is never set.  EFER.NXE is
 * set later, by cpu_early_init, before vm_init builds the real tables
 * (mm/), which replace these.
 */
#define MB_MAGIC 0x1BADB002
#define MB_FLAGS 0x00010003	/* page-align modules, memory map, a.out kludge */
#define KERNEL_VMA 0xc0000000
/* Linux i386's selectors (asm/ptrace.h): the boot GDT has the same
 * entries as cpu_32.c's, so nothing changes meaning at its lgdt. */
#define BOOT_CS 0x60
#define BOOT_DS 0x68
#define BOOT_USER_DS 0x7b

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
	cld
	movl	$boot_stack_top, %esp
	movl	%ebx, %esi		/* multiboot info: callee-saved from here on */
	movl	%eax, %edi		/* loader magic */

	/* One PD of 2 MiB pages for the first GiB.  Its upper words (NX and
	 * address bits 32+) stay 0: the section is zeros in the file. */
	xorl	%ecx, %ecx
1:	movl	%ecx, %eax
	shll	$21, %eax
	orl	$0x83, %eax		/* present, writable, 2 MiB page */
	movl	%eax, boot_pd(, %ecx, 8)
	incl	%ecx
	cmpl	$512, %ecx
	jne	1b
	/* PDPT[0] (0 - 1 GiB) and PDPT[3] (KERNEL_VMA - 4 GiB) -> that PD.
	 * A PAE PDPTE has no RW/US bits: anything but P and the address is
	 * reserved, and a reserved bit makes the CR3 load #GP. */
	movl	$boot_pd + 1, boot_pdpt
	movl	$boot_pd + 1, boot_pdpt + 3 * 8

	movl	$boot_pdpt, %eax
	movl	%eax, %cr3
	movl	%cr4, %eax
	orl	$0x20, %eax		/* PAE (2 MiB PDEs need no PSE then) */
	movl	%eax, %cr4
	movl	%cr0, %eax
	/* WP: copy-on-write relies on the kernel's own stores to a
	 * read-only user page faulting (mm/cow.c). */
	orl	$0x80010001, %eax	/* PG | WP | PE */
	movl	%eax, %cr0
	/* The loader's GDTR cannot be trusted: ours, through the high-half
	 * address so that it survives vm_init dropping the identity map
	 * (cpu_init loads the real GDT later). */
	lgdt	boot_gdt_desc
	ljmp	$BOOT_CS, $start32_high

	.section .boot.data, "aw"
	.align 8
boot_gdt:
	.fill 12, 8, 0
	.quad 0x00cf9a000000ffff	/* 0x60: kernel code, flat 32-bit */
	.quad 0x00cf92000000ffff	/* 0x68: kernel data */
	.quad 0x00cffa000000ffff	/* 0x73: user code */
	.quad 0x00cff2000000ffff	/* 0x7b: user data */
boot_gdt_end:
	.align 4
	.word 0				/* so the 6-byte pointer is aligned */
boot_gdt_desc:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt + KERNEL_VMA
	.align 4096
boot_pdpt:	.fill 512, 8, 0		/* 4 entries used; page-aligned (>= 32) */
boot_pd:	.fill 512, 8, 0
boot_stack:	.fill 4096 * 4, 1, 0
boot_stack_top:

	.text
start32_high:
	movl	$BOOT_DS, %eax
	movl	%eax, %ss
	movl	$(boot_stack_top + KERNEL_VMA), %esp
	/* The kernel runs with DS = ES = the flat user data selector, as on
	 * every entry (entry_32.S), and never uses FS or GS. */
	movl	$BOOT_USER_DS, %eax
	movl	%eax, %ds
	movl	%eax, %es
	xorl	%eax, %eax
	movl	%eax, %fs
	movl	%eax, %gs
	xorl	%ebp, %ebp		/* terminates the backtrace */
	pushl	%edi			/* kmain(mbi_phys, magic), cdecl */
	pushl	%esi
	call	kmain
1:	hlt
	jmp	1b
	.section .note.GNU-stack,"",@progbits
