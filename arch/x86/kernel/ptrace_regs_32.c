/*
 * ptrace's register view on the native i386 kernel: struct
 * user_regs_struct of i386, which is this kernel's pt_regs word for word
 * (ebx at 0 ... ss at 64), so PEEKUSR/POKEUSR and GETREGS/SETREGS are
 * plain loads and stores, with Linux i386's checks (its getreg/putreg):
 *   - a selector is 16 bits: read back without the upper half of its
 *     frame word (a push of a segment register need not write it);
 *     written only if null or RPL 3 (-EIO), and never null in CS or SS;
 *   - of EFLAGS the tracer sets only FLAG_MASK_32: the arithmetic flags,
 *     TF, DF, RF and AC.  Unlike the 64-bit kernel not NT: the task
 *     keeps its own;
 *   - the rest of struct user (fp fields, u_debugreg[8] at 252) reads as
 *     zero; a write there is -EIO but for the debug registers, which
 *     xentry accepts and ignores (no hardware breakpoints; DR4/DR5 do
 *     not exist: -EIO, as on Linux).
 * The whole frame then goes through the sigreturn sanitizer
 * (ptrace_regs_changed).  The 64-bit kernel's views are in ptrace_regs.c.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/errno.h>

#define U32_REGS_SIZE 68	/* sizeof(struct user_regs_struct) */
#define U32_DEBUGREG 252	/* offsetof(struct user, u_debugreg) */
#define U32_USER_SIZE 284	/* sizeof(struct user) */

#define FLAG_MASK_32 (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
		      X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
		      X86_EFLAGS_RF | X86_EFLAGS_AC)

_Static_assert(U32_REGS_SIZE == PTREGS_SIZE, "pt_regs is the i386 user_regs_struct");

static bool is_selector(unsigned long off)
{
	return off == PTREGS_DS || off == PTREGS_ES || off == PTREGS_FS ||
	       off == PTREGS_GS || off == PTREGS_CS || off == PTREGS_SS;
}

long ptrace_getreg32(struct task *t, unsigned long off, u32 *val)
{
	if ((off & 3) || off >= U32_USER_SIZE)
		return -EIO;
	if (off >= U32_REGS_SIZE) {
		*val = 0;
		return 0;
	}
	u32 v = *(unsigned long *)((char *)t->regs + off);
	*val = is_selector(off) ? (u16)v : v;
	return 0;
}

long ptrace_putreg32(struct task *t, unsigned long off, u32 v)
{
	struct pt_regs *r = t->regs;
	if ((off & 3) || off >= U32_USER_SIZE)
		return -EIO;
	if (off >= U32_REGS_SIZE) {
		unsigned int dr = (off - U32_DEBUGREG) / 4;
		return off < U32_DEBUGREG || dr == 4 || dr == 5 ? -EIO : 0;
	}
	if (is_selector(off)) {
		v = (u16)v;
		if (v && (v & 3) != 3)
			return -EIO;
		if (!v && (off == PTREGS_CS || off == PTREGS_SS))
			return -EIO;
	} else if (off == PTREGS_FLAGS) {
		r->flags = (r->flags & ~FLAG_MASK_32) | (v & FLAG_MASK_32);
		t->ptrace_step = false;	/* the tracer owns TF now */
		return 0;
	}
	*(unsigned long *)((char *)r + off) = v;
	return 0;
}
