/* Constants shared by the entry asm and C (kept here so .S can use them). */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H
/* struct percpu offsets (arch/x86/include/asm/x86.h; checked in cpu.c):
 * one word per field, so 8 bytes apart on x86-64 and 4 on i386. */
#ifdef __x86_64__
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16
#define PERCPU_CURR_TASK 24
#else
#define PERCPU_KERNEL_RSP 4
#define PERCPU_USER_RSP 8
#define PERCPU_CURR_TASK 12
#endif
/*
 * i386: the vector entry_stack_fixup() (iret.c) hands do_interrupt() for
 * a refused IRET to user mode, whatever fault the CPU raised: Linux i386's
 * "iret exception" (X86_TRAP_IRET, 32), a SIGILL.  Above the IDT's
 * vectors, since 32 there is IRQ 0.
 */
#define VECTOR_IRET_FAULT 0x120
#define X86_TRAP_IRET 32
/* struct task offsets (include/xentry/sched.h; checked in common.c). */
#define TASK_SYSCALL_WORK 0	/* u64: work, syscall_trace, ptrace_step */
#define TASK_WORK 0		/* u32: TIF_* */
/* struct xentry_exit_stats (include/uapi/xentry_stats.h) */
#define STATS_SYSRETQ 0
#define STATS_SYSRETL 8
#define STATS_SYSEXIT 16
#define STATS_REFUSED_INT80 (32 + 8 * 8)	/* refused[XENTRY_REFUSE_INT80] */
/* The i386 kernel's TASK_SIZE_32 (include/xentry/vm.h), for its asm. */
#define TASK_SIZE_32_VAL 0xc0000000
#define ENOSYS_VAL 38
/*
 * espfix (arch/x86/kernel/espfix.c): ESPFIX_STACK_SIZE bytes mapped at the
 * start of every 64 KiB slot of a 4 GiB region, all slots the same pages,
 * so a stack address can carry any user ESP's bits 16-31.  IRET frames go
 * at the top of the slot.
 */
#define ESPFIX_BASE 0xffffff0000000000
#define ESPFIX_STACK_SIZE 0x4000
#define ESPFIX_FRAME (ESPFIX_BASE + ESPFIX_STACK_SIZE - 40)
#define X86_EFLAGS_FIXED_VAL 0x2
#define X86_EFLAGS_TF_VAL 0x100
#define X86_EFLAGS_IF_VAL 0x200
#define X86_EFLAGS_NT_VAL 0x4000
#define X86_EFLAGS_AC_VAL 0x40000
#define X86_EFLAGS_VM_VAL 0x20000
#endif
