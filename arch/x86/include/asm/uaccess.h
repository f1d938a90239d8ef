/* User-memory accesses small enough to inline (the rest: xentry/uaccess.h). */
#ifndef ASM_UACCESS_H
#define ASM_UACCESS_H
#include <xentry/types.h>
#include <asm/smap.h>

/*
 * One 32-bit load from user memory, zero-extended; false if it faulted.  The fast 32-bit
 * entry reads argument 6 with it on every call, so it is the load itself,
 * between STAC and CLAC, with an exception-table entry that sends a fault
 * to the `fault` label instead of a copy routine.  The caller has checked
 * that uptr lies in the user half.
 */
static __always_inline bool get_user_u32(unsigned long *val, const u32 __user *uptr)
{
	unsigned long v;	/* movl clears bits 32-63 */
	asm goto(SMAP_INSN_STR("stac")
		 "1:	movl (%[p]), %k[v]\n"
		 SMAP_INSN_STR("clac")
		 "	.pushsection __ex_table, \"a\"\n"
		 "	" _ASM_PTR_STR " 1b, %l[fault]\n"
		 "	.popsection\n"
		 : [v] "=r"(v) : [p] "r"(uptr) : "memory" : fault);
	*val = v;
	return true;
fault:
	/* The fixup resumes here with the user's AC still open. */
	asm volatile(SMAP_INSN_STR("clac") ::: "memory");
	return false;
}
#endif
