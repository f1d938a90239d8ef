/*
 * The legacy vsyscall page's emulation (arch/x86/kernel/vsyscall_64.c):
 * the page fault handler offers it every user-mode fault it did not
 * resolve.  Only 64-bit programs have a vsyscall page; Linux i386 never
 * had one, so on the i386 kernel no fault is a vsyscall.
 */
#ifndef ASM_VSYSCALL_H
#define ASM_VSYSCALL_H
#include <xentry/types.h>

struct pt_regs;

#ifdef CONFIG_X86_64
bool emulate_vsyscall(struct pt_regs *regs, unsigned long addr, unsigned long error);
#else
static inline bool emulate_vsyscall(struct pt_regs *regs, unsigned long addr,
				    unsigned long error)
{
	(void)regs, (void)addr, (void)error;
	return false;
}
#endif

#endif
