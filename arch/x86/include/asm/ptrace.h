/*
 * struct pt_regs: the frame every entry path builds on the kernel stack.
 *
 * Field order is Linux's x86-64 order, lowest address first, so that the
 * x86-64 ptrace user_regs_struct (which adds fs_base, gs_base and the four
 * data selectors after ss) maps onto it field for field.  The last five
 * words (ip, cs, flags, sp, ss) are exactly what the CPU pushes for an
 * interrupt in long mode; the entry code pushes the rest.
 *
 * orig_ax holds the syscall number for syscalls (ax starts out as -ENOSYS),
 * the error code for exceptions that have one, and -1 otherwise.
 */
#ifndef ASM_PTRACE_H
#define ASM_PTRACE_H

#ifdef __x86_64__
#define PTREGS_R15 0
#define PTREGS_R14 8
#define PTREGS_R13 16
#define PTREGS_R12 24
#define PTREGS_BP 32
#define PTREGS_BX 40
#define PTREGS_R11 48
#define PTREGS_R10 56
#define PTREGS_R9 64
#define PTREGS_R8 72
#define PTREGS_AX 80
#define PTREGS_CX 88
#define PTREGS_DX 96
#define PTREGS_SI 104
#define PTREGS_DI 112
#define PTREGS_ORIG_AX 120
#define PTREGS_IP 128
#define PTREGS_CS 136
#define PTREGS_FLAGS 144
#define PTREGS_SP 152
#define PTREGS_SS 160
#define PTREGS_SIZE 168

/* Selectors: the GDT order SYSRET needs (STAR[63:48] = 0x23 base). */
#define GDT_KERNEL_CS 0x10
#define GDT_KERNEL_DS 0x18
#define USER32_CS 0x23
#define USER_DS 0x2b
#define USER_CS 0x33
#define GDT_TSS 0x40
#define GDT_TLS_MIN 12	/* i386 set_thread_area slots 12..14: %gs = 0x63 */
#define GDT_TLS_ENTRIES 3
#else
/*
 * The native i386 kernel: Linux's i386 pt_regs, which is also the i386
 * ptrace user_regs_struct word for word (ebx first, ss last).  The CPU
 * pushes ip, cs, flags and - from user mode only - sp and ss; the entry
 * code pushes the rest, segment registers included, since an i386 kernel
 * has no swapgs and must save what it reloads.
 */
#define PTREGS_BX 0
#define PTREGS_CX 4
#define PTREGS_DX 8
#define PTREGS_SI 12
#define PTREGS_DI 16
#define PTREGS_BP 20
#define PTREGS_AX 24
#define PTREGS_DS 28
#define PTREGS_ES 32
#define PTREGS_FS 36
#define PTREGS_GS 40
#define PTREGS_ORIG_AX 44
#define PTREGS_IP 48
#define PTREGS_CS 52
#define PTREGS_FLAGS 56
#define PTREGS_SP 60
#define PTREGS_SS 64
#define PTREGS_SIZE 68

/* Linux i386's GDT (asm/segment.h there): TLS in entries 6-8, kernel
 * code/data in 12/13 and the user's in 14/15, so that SYSEXIT, which
 * derives user CS and SS from SYSENTER_CS (+16, +24), lands on 0x73/0x7b. */
#define GDT_KERNEL_CS 0x60
#define GDT_KERNEL_DS 0x68
#define USER32_CS 0x73
#define USER_DS 0x7b
#define GDT_TSS 0x80
#define GDT_ESPFIX_SS 0xd0	/* entry 26: the espfix stack (entry_32.S) */
#define GDT_TLS_MIN 6	/* set_thread_area slots 6..8: %gs = 0x33 */
#define GDT_TLS_ENTRIES 3
#endif

#ifndef __ASSEMBLER__
#include <xentry/types.h>

#ifdef __x86_64__
struct pt_regs {
	unsigned long r15, r14, r13, r12, bp, bx;
	unsigned long r11, r10, r9, r8, ax, cx, dx, si, di;
	unsigned long orig_ax;
	unsigned long ip, cs, flags, sp, ss;
};
#else
struct pt_regs {
	unsigned long bx, cx, dx, si, di, bp, ax;
	unsigned long ds, es, fs, gs;
	unsigned long orig_ax;
	unsigned long ip, cs, flags, sp, ss;
};
#endif

_Static_assert(offsetof(struct pt_regs, orig_ax) == PTREGS_ORIG_AX, "pt_regs");
_Static_assert(sizeof(struct pt_regs) == PTREGS_SIZE, "pt_regs size");

#define X86_EFLAGS_CF 0x00000001UL
#define X86_EFLAGS_FIXED 0x00000002UL
#define X86_EFLAGS_PF 0x00000004UL
#define X86_EFLAGS_AF 0x00000010UL
#define X86_EFLAGS_ZF 0x00000040UL
#define X86_EFLAGS_SF 0x00000080UL
#define X86_EFLAGS_TF 0x00000100UL
#define X86_EFLAGS_IF 0x00000200UL
#define X86_EFLAGS_DF 0x00000400UL
#define X86_EFLAGS_OF 0x00000800UL
#define X86_EFLAGS_IOPL 0x00003000UL
#define X86_EFLAGS_NT 0x00004000UL
#define X86_EFLAGS_RF 0x00010000UL
#define X86_EFLAGS_VM 0x00020000UL
#define X86_EFLAGS_AC 0x00040000UL
#define X86_EFLAGS_ID 0x00200000UL

/* Is the task running 64-bit code (Linux's user_64bit_mode)?  Only the
 * 64-bit kernel has any: on the i386 kernel every task is i386. */
static inline bool user_64bit_mode(const struct pt_regs *regs)
{
#ifdef __x86_64__
	return regs->cs == USER_CS;
#else
	(void)regs;
	return false;
#endif
}

/* From user mode: CS with a nonzero RPL (the kernel's is 0), or the VM
 * flag, which only QEMU's TCG lets a user set in long mode (see
 * do_interrupt) and whose CS may then have any RPL. */
static inline bool user_mode(const struct pt_regs *regs)
{
	return (regs->cs & 3) || (regs->flags & X86_EFLAGS_VM);
}
#endif
#endif
