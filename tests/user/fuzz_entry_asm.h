/*
 * fuzz_entry_asm.h - the assembly half of fuzz_entry.c: the code that arms
 * a round (loads every register, the flags and the segment registers from
 * the round's description), the entry stubs (one per way into the kernel),
 * the capture of every register after a normal return, the signal
 * handler's entry stub and the landing pad for far transfers.
 *
 * Everything is driven through globals at fixed addresses, never through a
 * register or the stack: the round loads garbage into RSP and into the
 * segment registers, so the only things the code may rely on are CS (and,
 * in 64-bit mode, RIP-relative addressing, which ignores DS).  Compat-mode
 * code therefore reads memory with a %cs: override (CS is a flat readable
 * code segment) and never writes memory until DS is known again.
 *
 * Both builds have the same shape:
 *
 *   fz_go (C calls it)           saves the callee-saved registers and RSP
 *     fz_armed:                  loads DS/ES/FS/GS (when the round asks),
 *                                the general registers, RFLAGS (popf), SS,
 *                                RSP, then far-jumps through fz_p_target to
 *     fzs_<stub>:                one stub: [mov ss;] <entry instruction>
 *                                then on to the capture;
 *   fz_after64 (64-bit code)     stores all 16 registers and the selectors,
 *                                restores what C needs, returns from fz_go.
 *
 * The 32-bit build plants r8-r15 first and captures in 64-bit mode too (by
 * far jumps to the 64-bit user code segment 0x33 and back to 0x23), so
 * that it sees the full 64-bit registers the kernel left: a compat task
 * cannot name r8-r15 or the upper halves, but the kernel must not leave
 * its values there either.
 *
 * The far jump at the end of fz_armed picks the stub's mode: every stub is
 * reachable from both builds (64-bit stubs through CS 0x33, compat-mode
 * stubs through CS 0x23).
 */
#ifndef FUZZ_ENTRY_ASM_H
#define FUZZ_ENTRY_ASM_H

#include <stdint.h>

/* Register slots in fz_in/fz_out/fz_hin, in this order. */
enum { R_AX, R_BX, R_CX, R_DX, R_SI, R_DI, R_BP, R_SP,
       R_8, R_9, R_10, R_11, R_12, R_13, R_14, R_15, NREGS };

/* A far pointer as the CPU reads it for m16:32 (offset, then selector). */
struct fz_far32 { uint32_t off; uint16_t sel; } __attribute__((packed));
struct fz_far16 { uint16_t off; uint16_t sel; } __attribute__((packed));
struct fz_far64 { uint64_t off; uint16_t sel; } __attribute__((packed));

/*
 * The round's inputs and outputs.  Not static: the asm names them.  The
 * alignment keeps every access aligned, so a round that sets AC (alignment
 * check) faults only where it means to.
 */
uint64_t fz_in[NREGS] __attribute__((aligned(64)));	/* planted */
uint64_t fz_out[NREGS] __attribute__((aligned(64)));	/* after a normal return */
uint64_t fz_hin[NREGS] __attribute__((aligned(64)));	/* at the handler's entry */
uint64_t fz_flags_in, fz_flags_out, fz_hflags;
/* ds, es, fs, gs, ss: what to load, what was there after, the originals. */
uint16_t fz_seg[8] __attribute__((aligned(16)));
uint16_t fz_seg_out[8] __attribute__((aligned(16)));
uint16_t fz_seg0[8] __attribute__((aligned(16)));
uint32_t fz_segmask;			/* bit n: load fz_seg[n] (n < 4) */
unsigned long fz_saved_sp;
struct fz_far32 fz_p_target __attribute__((aligned(8)));	/* the stub */
struct fz_far32 fz_p_far __attribute__((aligned(8)));	/* lcall/ljmp */
struct fz_far16 fz_p_far16 __attribute__((aligned(8)));	/* lcallw */
struct fz_far64 fz_p_far64 __attribute__((aligned(8)));	/* rex.w lcall */
uint32_t fz_vsys;			/* AT_SYSINFO (32-bit build) */

/* The stubs and landmarks, defined below. */
void fz_go(void);
/* clone(CLONE_VM | CLONE_VFORK | SIGCHLD) with the child on stack_top,
 * where it calls fz_vfork_child() (which must not return); the parent
 * gets the pid (or -errno) once the child has exited. */
long fz_vfork(void *stack_top);
extern char fz_armed[], fz_stubs_end[], fz_after64[], fz_pad[], fz_hstub[];
extern char fzs_int64_tab[], fzs_int32_tab[];
#define FZ_INT64_STRIDE 8
#define FZ_INT32_STRIDE 16

#define FZ_STUBS(X)							\
	X(s64_syscall) X(s64_ss_syscall) X(s64_int80) X(s64_ss_int80)	\
	X(s64_sysenter) X(s64_int3) X(s64_ss_int3) X(s64_icebp)		\
	X(s64_ss_icebp) X(s64_into) X(s64_ud2) X(s64_hlt) X(s64_cli)	\
	X(s64_in) X(s64_sysret) X(s64_sysretq) X(s64_sysexit)		\
	X(s64_swapgs) X(s64_rdmsr) X(s64_lcall) X(s64_ljmp)		\
	X(s64_lcallq) X(s64_ljmpq) X(s64_lcallw) X(s64_lret)		\
	X(s64_lretq) X(s64_lretw) X(s64_iretq) X(s64_iretl)		\
	X(s64_iretw)							\
	X(s32_int80) X(s32_ss_int80) X(s32_vsyscall)			\
	X(s32_sysenter_f) X(s32_ss_sysenter_f) X(s32_sysenter_r)	\
	X(s32_syscall_f) X(s32_ss_syscall_f) X(s32_syscall_r)		\
	X(s32_int3) X(s32_ss_int3) X(s32_icebp) X(s32_into) X(s32_ud2)	\
	X(s32_hlt) X(s32_cli) X(s32_in) X(s32_sysret) X(s32_sysexit)	\
	X(s32_lcall) X(s32_ljmp) X(s32_lcallw) X(s32_lret)		\
	X(s32_lretw) X(s32_iret) X(s32_iretw)
#define FZ_DECLARE(n) extern char fzs_##n[];
FZ_STUBS(FZ_DECLARE)
#undef FZ_DECLARE

/*
 * The landing pad every far transfer, IRET and sigreturn frame aims at.
 * Its bytes mean the same in 16-bit, 32-bit and 64-bit code, so whatever
 * code segment a transfer lands in, it runs exit_group(1) through
 * int $0x80 (the i386 table: 64-bit tasks may use it too):
 *   31 c0      xor %ax,%ax / xor %eax,%eax
 *   66 31 c0   xor %eax,%eax (16-bit) / xor %ax,%ax - together: EAX = 0
 *   b0 fc      mov $0xfc,%al          EAX = 252, exit_group
 *   31 db 66 31 db b3 01              EBX = 1 the same way
 *   cd 80      int $0x80
 *   0f 0b      ud2, should a tracer skip the call
 * A 16-bit landing could otherwise have run a system call with the upper
 * half of a random EAX.
 */
#define FZ_LANDED 1

#define FZ_ASM_SAVE16						\
	".macro FZ_SAVE16 dst\n"				\
	"	mov %rax, \\dst+0(%rip)\n"			\
	"	mov %rbx, \\dst+8(%rip)\n"			\
	"	mov %rcx, \\dst+16(%rip)\n"			\
	"	mov %rdx, \\dst+24(%rip)\n"			\
	"	mov %rsi, \\dst+32(%rip)\n"			\
	"	mov %rdi, \\dst+40(%rip)\n"			\
	"	mov %rbp, \\dst+48(%rip)\n"			\
	"	mov %rsp, \\dst+56(%rip)\n"			\
	"	mov %r8, \\dst+64(%rip)\n"			\
	"	mov %r9, \\dst+72(%rip)\n"			\
	"	mov %r10, \\dst+80(%rip)\n"			\
	"	mov %r11, \\dst+88(%rip)\n"			\
	"	mov %r12, \\dst+96(%rip)\n"			\
	"	mov %r13, \\dst+104(%rip)\n"			\
	"	mov %r14, \\dst+112(%rip)\n"			\
	"	mov %r15, \\dst+120(%rip)\n"			\
	".endm\n"

/*
 * The stubs.  64-bit ones return to fz_after64 with a near jmp; compat
 * ones with a far jump through a pointer in .rodata (read via %cs:,
 * since DS may be anything by now).  Each stub's first instruction is its
 * entry; the "ss" variants first reload SS (with the value fz_armed
 * already loaded), so the entry instruction sits in the MOV SS shadow: a
 * pending #DB (TF) is held back until after it, the pattern of
 * CVE-2018-8897.  The framed SYSENTER/SYSCALL stubs do what
 * __kernel_vsyscall does (push a return address, ECX, EDX, EBP; EBP =
 * ESP, or = ECX for SYSCALL), so the vDSO's landing pad returns to them;
 * the raw ones enter with whatever EBP and ESP the round planted.
 */
#define FZ_ASM_STUBS							\
	".macro S64 name\n"						\
	"	.balign 16\n"						\
	"	.globl fzs_\\name\n"					\
	"fzs_\\name:\n"							\
	".endm\n"							\
	".macro S32 name\n"						\
	"	.balign 16\n"						\
	"	.globl fzs_\\name\n"					\
	"fzs_\\name:\n"							\
	".endm\n"							\
	".code64\n"							\
	"S64 s64_syscall\n	syscall\n	jmp fz_after64\n"	\
	"S64 s64_ss_syscall\n	mov fz_seg+8(%rip), %ss\n"		\
	"	syscall\n	jmp fz_after64\n"			\
	"S64 s64_int80\n	int $0x80\n	jmp fz_after64\n"	\
	"S64 s64_ss_int80\n	mov fz_seg+8(%rip), %ss\n"		\
	"	int $0x80\n	jmp fz_after64\n"			\
	"S64 s64_sysenter\n	sysenter\n	jmp fz_after64\n"	\
	"S64 s64_int3\n	int3\n	jmp fz_after64\n"			\
	"S64 s64_ss_int3\n	mov fz_seg+8(%rip), %ss\n"		\
	"	int3\n	jmp fz_after64\n"				\
	"S64 s64_icebp\n	.byte 0xf1\n	jmp fz_after64\n"	\
	"S64 s64_ss_icebp\n	mov fz_seg+8(%rip), %ss\n"		\
	"	.byte 0xf1\n	jmp fz_after64\n"			\
	"S64 s64_into\n	.byte 0xce\n	jmp fz_after64\n"		\
	"S64 s64_ud2\n	ud2\n	jmp fz_after64\n"			\
	"S64 s64_hlt\n	hlt\n	jmp fz_after64\n"			\
	"S64 s64_cli\n	cli\n	jmp fz_after64\n"			\
	"S64 s64_in\n	in $0x60, %al\n	jmp fz_after64\n"		\
	"S64 s64_sysret\n	.byte 0x0f, 0x07\n	jmp fz_after64\n"	\
	"S64 s64_sysretq\n	.byte 0x48, 0x0f, 0x07\n	jmp fz_after64\n" \
	"S64 s64_sysexit\n	.byte 0x0f, 0x35\n	jmp fz_after64\n"	\
	"S64 s64_swapgs\n	.byte 0x0f, 0x01, 0xf8\n	jmp fz_after64\n" \
	"S64 s64_rdmsr\n	.byte 0x0f, 0x32\n	jmp fz_after64\n"	\
	"S64 s64_lcall\n	lcall *fz_p_far(%rip)\n	jmp fz_after64\n"	\
	"S64 s64_ljmp\n	ljmp *fz_p_far(%rip)\n	jmp fz_after64\n"	\
	"S64 s64_lcallq\n	rex.w lcall *fz_p_far64(%rip)\n"	\
	"	jmp fz_after64\n"					\
	"S64 s64_ljmpq\n	rex.w ljmp *fz_p_far64(%rip)\n"		\
	"	jmp fz_after64\n"					\
	"S64 s64_lcallw\n	lcallw *fz_p_far16(%rip)\n	jmp fz_after64\n" \
	"S64 s64_lret\n	lretl\n	jmp fz_after64\n"			\
	"S64 s64_lretq\n	lretq\n	jmp fz_after64\n"		\
	"S64 s64_lretw\n	lretw\n	jmp fz_after64\n"		\
	"S64 s64_iretq\n	iretq\n	jmp fz_after64\n"		\
	"S64 s64_iretl\n	iretl\n	jmp fz_after64\n"		\
	"S64 s64_iretw\n	iretw\n	jmp fz_after64\n"		\
	/* int $N for every N (N = 0x80 is never drawn: that would be a \
	 * system call with a random number).  .byte: GAS turns		\
	 * "int $3" into int3, a different instruction. */		\
	"	.balign 16\n"						\
	"fzs_int64_tab:\n"						\
	"	.set fz_n, 0\n"						\
	"	.rept 256\n"						\
	"	.balign 8\n"						\
	"	.byte 0xcd, fz_n\n"					\
	"	jmp fz_after64\n"					\
	"	.set fz_n, fz_n + 1\n"					\
	"	.endr\n"						\
	".code32\n"							\
	"S32 s32_int80\n	int $0x80\n"				\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_ss_int80\n	mov %cs:fz_seg+8, %ss\n	int $0x80\n"	\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_vsyscall\n	call *%cs:fz_vsys\n"			\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_sysenter_f\n	push $1f\n	push %ecx\n"		\
	"	push %edx\n	push %ebp\n	mov %esp, %ebp\n"	\
	"	sysenter\n1:	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_ss_sysenter_f\n	push $1f\n	push %ecx\n"	\
	"	push %edx\n	push %ebp\n	mov %esp, %ebp\n"	\
	"	mov %cs:fz_seg+8, %ss\n"				\
	"	sysenter\n1:	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_sysenter_r\n	sysenter\n"				\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_syscall_f\n	push $1f\n	push %ecx\n"		\
	"	push %edx\n	push %ebp\n	mov %ecx, %ebp\n"	\
	"	syscall\n1:	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_ss_syscall_f\n	push $1f\n	push %ecx\n"	\
	"	push %edx\n	push %ebp\n	mov %ecx, %ebp\n"	\
	"	mov %cs:fz_seg+8, %ss\n"				\
	"	syscall\n1:	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_syscall_r\n	syscall\n"				\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_int3\n	int3\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_ss_int3\n	mov %cs:fz_seg+8, %ss\n	int3\n"		\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_icebp\n	.byte 0xf1\n	ljmp *%cs:fz_p_after64\n"	\
	"S32 s32_into\n	into\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_ud2\n	ud2\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_hlt\n	hlt\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_cli\n	cli\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_in\n	in $0x60, %al\n	ljmp *%cs:fz_p_after64\n"	\
	"S32 s32_sysret\n	.byte 0x0f, 0x07\n"			\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_sysexit\n	.byte 0x0f, 0x35\n"			\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_lcall\n	lcall *%cs:fz_p_far\n"			\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_ljmp\n	ljmp *%cs:fz_p_far\n"			\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_lcallw\n	lcallw *%cs:fz_p_far16\n"		\
	"	ljmp *%cs:fz_p_after64\n"				\
	"S32 s32_lret\n	lretl\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_lretw\n	lretw\n	ljmp *%cs:fz_p_after64\n"	\
	"S32 s32_iret\n	iret\n	ljmp *%cs:fz_p_after64\n"		\
	"S32 s32_iretw\n	iretw\n	ljmp *%cs:fz_p_after64\n"	\
	"	.balign 16\n"						\
	"fzs_int32_tab:\n"						\
	"	.set fz_n, 0\n"						\
	"	.rept 256\n"						\
	"	.balign 16\n"						\
	"	.byte 0xcd, fz_n\n"					\
	"	ljmp *%cs:fz_p_after64\n"				\
	"	.set fz_n, fz_n + 1\n"					\
	"	.endr\n"						\
	"	.globl fz_stubs_end\n"					\
	"fz_stubs_end:\n"

#define FZ_ASM_PAD							\
	"	.balign 16\n"						\
	"	.globl fz_pad\n"					\
	"fz_pad:\n"							\
	"	.byte 0x31, 0xc0, 0x66, 0x31, 0xc0, 0xb0, 0xfc\n"	\
	"	.byte 0x31, 0xdb, 0x66, 0x31, 0xdb, 0xb3, 0x01\n"	\
	"	.byte 0xcd, 0x80, 0x0f, 0x0b\n"

#ifdef __x86_64__
__asm__(FZ_ASM_SAVE16
	".section .rodata\n"
	".balign 8\n"
	"fz_p_after64:	.long fz_after64\n	.word 0x33\n"
	".text\n"
	".code64\n"
	".globl fz_go\n"
	".type fz_go, @function\n"
	"fz_go:\n"
	"	push %rbx\n	push %rbp\n	push %r12\n"
	"	push %r13\n	push %r14\n	push %r15\n"
	"	mov %rsp, fz_saved_sp(%rip)\n"
	/* No value of C's may reach a signal frame: a fault before the
	 * registers are planted shows zeros, not what C left there. */
	"	xor %eax, %eax\n	xor %ebx, %ebx\n	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n	xor %esi, %esi\n	xor %edi, %edi\n"
	"	xor %ebp, %ebp\n	xor %r8d, %r8d\n	xor %r9d, %r9d\n"
	"	xor %r10d, %r10d\n	xor %r11d, %r11d\n	xor %r12d, %r12d\n"
	"	xor %r13d, %r13d\n	xor %r14d, %r14d\n	xor %r15d, %r15d\n"
	".globl fz_armed\n"
	"fz_armed:\n"
	/* Segment loads first: they need EAX and the flags (testb),
	 * which are loaded after.  A refused selector is a #GP here. */
	"	testb $1, fz_segmask(%rip)\n	jz 1f\n"
	"	movzwl fz_seg+0(%rip), %eax\n	mov %eax, %ds\n"
	"1:	testb $2, fz_segmask(%rip)\n	jz 1f\n"
	"	movzwl fz_seg+2(%rip), %eax\n	mov %eax, %es\n"
	"1:	testb $4, fz_segmask(%rip)\n	jz 1f\n"
	"	movzwl fz_seg+4(%rip), %eax\n	mov %eax, %fs\n"
	"1:	testb $8, fz_segmask(%rip)\n	jz 1f\n"
	"	movzwl fz_seg+6(%rip), %eax\n	mov %eax, %gs\n"
	"1:	mov fz_in+8(%rip), %rbx\n"
	"	mov fz_in+16(%rip), %rcx\n"
	"	mov fz_in+24(%rip), %rdx\n"
	"	mov fz_in+32(%rip), %rsi\n"
	"	mov fz_in+40(%rip), %rdi\n"
	"	mov fz_in+48(%rip), %rbp\n"
	"	mov fz_in+64(%rip), %r8\n"
	"	mov fz_in+72(%rip), %r9\n"
	"	mov fz_in+80(%rip), %r10\n"
	"	mov fz_in+88(%rip), %r11\n"
	"	mov fz_in+96(%rip), %r12\n"
	"	mov fz_in+104(%rip), %r13\n"
	"	mov fz_in+112(%rip), %r14\n"
	"	mov fz_in+120(%rip), %r15\n"
	"	mov fz_in+0(%rip), %rax\n"
	/* The flags, while the stack is still ours; then SS and RSP,
	 * which make the stack the round's. */
	"	pushq fz_flags_in(%rip)\n"
	"	popfq\n"
	"	mov fz_seg+8(%rip), %ss\n"
	"	mov fz_in+56(%rip), %rsp\n"
	"	ljmpl *fz_p_target(%rip)\n"
	FZ_ASM_STUBS
	".code64\n"
	/* A normal return: registers first, before anything changes them. */
	".globl fz_after64\n"
	"fz_after64:\n"
	"	FZ_SAVE16 fz_out\n"
	"	mov %ds, fz_seg_out+0(%rip)\n"
	"	mov %es, fz_seg_out+2(%rip)\n"
	"	mov %fs, fz_seg_out+4(%rip)\n"
	"	mov %gs, fz_seg_out+6(%rip)\n"
	"	mov %ss, fz_seg_out+8(%rip)\n"
	"	mov fz_seg0+8(%rip), %ss\n"
	"	mov fz_saved_sp(%rip), %rsp\n"
	"	pushfq\n"
	"	popq fz_flags_out(%rip)\n"
	/* Clean flags for C: no TF, AC, DF or NT. */
	"	pushq $0x202\n"
	"	popfq\n"
	"	movzwl fz_seg0+0(%rip), %eax\n	mov %eax, %ds\n"
	"	movzwl fz_seg0+2(%rip), %eax\n	mov %eax, %es\n"
	"	pop %r15\n	pop %r14\n	pop %r13\n"
	"	pop %r12\n	pop %rbp\n	pop %rbx\n"
	"	ret\n"
	/* Signal handler entry: the registers the kernel handed over
	 * first, then clean flags (the kernel need not clear AC), then C. */
	".globl fz_hstub\n"
	"fz_hstub:\n"
	"	FZ_SAVE16 fz_hin\n"
	"	pushfq\n"
	"	popq fz_hflags(%rip)\n"
	"	pushq $0x202\n"
	"	popfq\n"
	"	jmp fz_handler\n"
	".globl fz_vfork\n"
	"fz_vfork:\n"
	"	mov %rdi, %rsi\n"
	"	mov $0x4111, %edi\n"
	"	xor %edx, %edx\n	xor %r10d, %r10d\n	xor %r8d, %r8d\n"
	"	mov $56, %eax\n"
	"	syscall\n"
	"	test %rax, %rax\n"
	"	jnz 1f\n"
	"	call fz_vfork_child\n"
	"	ud2\n"
	"1:	ret\n"
	FZ_ASM_PAD
	".code64\n");
#else
__asm__(FZ_ASM_SAVE16
	".section .rodata\n"
	".balign 8\n"
	"fz_p_after64:	.long fz_after64\n	.word 0x33\n"
	".balign 8\n"
	"fz_p_after32:	.long fz_after32\n	.word 0x23\n"
	".balign 8\n"
	"fz_p_plant64:	.long fz_plant64\n	.word 0x33\n"
	".balign 8\n"
	"fz_p_plant32:	.long fz_armed\n	.word 0x23\n"
	".balign 8\n"
	"fz_p_h64:	.long fz_h64\n	.word 0x33\n"
	".balign 8\n"
	"fz_p_h32:	.long fz_h32\n	.word 0x23\n"
	".text\n"
	".code32\n"
	".globl fz_go\n"
	".type fz_go, @function\n"
	"fz_go:\n"
	"	push %ebp\n	push %ebx\n	push %esi\n	push %edi\n"
	"	mov %esp, fz_saved_sp\n"
	"	ljmp *%cs:fz_p_plant64\n"
	/* r8-r15 exist only in 64-bit mode: plant them there. */
	".code64\n"
	"fz_plant64:\n"
	"	mov fz_in+64(%rip), %r8\n"
	"	mov fz_in+72(%rip), %r9\n"
	"	mov fz_in+80(%rip), %r10\n"
	"	mov fz_in+88(%rip), %r11\n"
	"	mov fz_in+96(%rip), %r12\n"
	"	mov fz_in+104(%rip), %r13\n"
	"	mov fz_in+112(%rip), %r14\n"
	"	mov fz_in+120(%rip), %r15\n"
	/* Zeros, not C's values, until the round's are loaded. */
	"	xor %eax, %eax\n	xor %ebx, %ebx\n	xor %ecx, %ecx\n"
	"	xor %edx, %edx\n	xor %esi, %esi\n	xor %edi, %edi\n"
	"	xor %ebp, %ebp\n"
	"	ljmpl *fz_p_plant32(%rip)\n"
	".code32\n"
	".globl fz_armed\n"
	"fz_armed:\n"
	"	testb $1, fz_segmask\n	jz 1f\n"
	"	movw fz_seg+0, %ax\n	mov %ax, %ds\n"
	/* DS may be anything from here on: read through CS. */
	"1:	testb $2, %cs:fz_segmask\n	jz 1f\n"
	"	movw %cs:fz_seg+2, %ax\n	mov %ax, %es\n"
	"1:	testb $4, %cs:fz_segmask\n	jz 1f\n"
	"	movw %cs:fz_seg+4, %ax\n	mov %ax, %fs\n"
	"1:	testb $8, %cs:fz_segmask\n	jz 1f\n"
	"	movw %cs:fz_seg+6, %ax\n	mov %ax, %gs\n"
	"1:	mov %cs:fz_in+8, %ebx\n"
	"	mov %cs:fz_in+16, %ecx\n"
	"	mov %cs:fz_in+24, %edx\n"
	"	mov %cs:fz_in+32, %esi\n"
	"	mov %cs:fz_in+40, %edi\n"
	"	mov %cs:fz_in+48, %ebp\n"
	"	mov %cs:fz_in+0, %eax\n"
	"	pushl %cs:fz_flags_in\n"
	"	popfl\n"
	"	mov %cs:fz_seg+8, %ss\n"
	"	mov %cs:fz_in+56, %esp\n"
	"	ljmp *%cs:fz_p_target\n"
	FZ_ASM_STUBS
	/* A normal return: capture in 64-bit mode, where all 16 registers
	 * and their upper halves are visible. */
	".code64\n"
	".globl fz_after64\n"
	"fz_after64:\n"
	"	FZ_SAVE16 fz_out\n"
	"	mov %ds, fz_seg_out+0(%rip)\n"
	"	mov %es, fz_seg_out+2(%rip)\n"
	"	mov %fs, fz_seg_out+4(%rip)\n"
	"	mov %gs, fz_seg_out+6(%rip)\n"
	"	mov %ss, fz_seg_out+8(%rip)\n"
	"	mov fz_seg0+8(%rip), %ss\n"
	"	mov fz_seg0+0(%rip), %ds\n"
	"	mov fz_seg0+2(%rip), %es\n"
	"	mov fz_saved_sp(%rip), %esp\n"
	"	ljmpl *fz_p_after32(%rip)\n"
	".code32\n"
	"fz_after32:\n"
	"	pushfl\n"
	"	popl fz_flags_out\n"
	"	pushl $0x202\n"
	"	popfl\n"
	"	mov fz_seg0+4, %fs\n"
	"	mov fz_seg0+6, %gs\n"
	"	pop %edi\n	pop %esi\n	pop %ebx\n	pop %ebp\n"
	"	ret\n"
	/* Signal handler entry: all 16 registers as the kernel left them
	 * (64-bit view), then DS/ES from SS (the kernel set SS for the
	 * handler; DS may still be the round's), GS for glibc's TLS, clean
	 * flags, and C with the kernel's stack arguments in place. */
	".globl fz_hstub\n"
	"fz_hstub:\n"
	"	ljmp *%cs:fz_p_h64\n"
	".code64\n"
	"fz_h64:\n"
	"	FZ_SAVE16 fz_hin\n"
	"	ljmpl *fz_p_h32(%rip)\n"
	".code32\n"
	"fz_h32:\n"
	"	mov %ss, %eax\n"
	"	mov %eax, %ds\n"
	"	mov %eax, %es\n"
	"	mov %cs:fz_seg0+6, %gs\n"
	"	pushfl\n"
	"	popl fz_hflags\n"
	"	pushl $0x202\n"
	"	popfl\n"
	"	jmp fz_handler\n"
	".globl fz_vfork\n"
	"fz_vfork:\n"
	"	push %ebx\n	push %esi\n	push %edi\n"
	"	mov 16(%esp), %ecx\n"
	"	mov $0x4111, %ebx\n"
	"	xor %edx, %edx\n	xor %esi, %esi\n	xor %edi, %edi\n"
	"	mov $120, %eax\n"
	"	int $0x80\n"
	"	test %eax, %eax\n"
	"	jnz 1f\n"
	"	call fz_vfork_child\n"
	"	ud2\n"
	"1:	pop %edi\n	pop %esi\n	pop %ebx\n"
	"	ret\n"
	FZ_ASM_PAD
	".code32\n");
#endif

#endif
