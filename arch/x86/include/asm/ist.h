/*
 * Interrupt stack table: which exceptions switch to a stack of their own,
 * and that stack's size.  Plain #defines so that the entry asm can include
 * this too.  docs/exceptions.md explains each choice.
 *
 * The numbers are what an IDT gate's 3-bit IST field holds: 1-7 select
 * TSS.ist[n - 1]; 0 means "no switch, push on the current stack" (or on
 * TSS.rsp0 when coming from user mode).
 *
 * Long mode only: a 32-bit TSS has no IST, so the native i386 kernel
 * takes every vector on the current stack (cpu_32.c says what that means
 * for #DF) and allocates none of these stacks.
 */
#ifndef ASM_IST_H
#define ASM_IST_H

#define IST_DF 1	/* #DF: the kernel stack may be the reason we are here */
#define IST_NMI 2	/* NMI: may arrive before SYSCALL's prologue switched stacks */
#define IST_MC 3	/* #MC: same window as NMI */
#define IST_DB 4	/* #DB: TF and breakpoints in the kernel's entry windows */
#define IST_COUNT 4	/* stacks allocated, IST 1..IST_COUNT */
#define IST_MAX 7	/* what the TSS has room for */

/*
 * Each IST stack: 4 pages, like a task's kernel stack.  die() with its
 * register dump and backtrace is the deepest thing that runs on one; it
 * needs well under half of this.
 */
#define IST_STACK_PAGES 4
#define IST_STACK_SIZE (IST_STACK_PAGES * 4096)

/*
 * #DB runs on its own stack too, as on Linux: a hardware breakpoint or TF
 * can fire in the SYSCALL window too.  A #DB from user mode (single-step)
 * is moved off the IST onto the task's stack before any C handler runs
 * (entry_stack_fixup, arch/x86/entry/iret.c): its handler may sleep or
 * deliver a signal, and the next #DB would reuse the IST from its top.
 */
#define DB_GATE_IST IST_DB

#endif
