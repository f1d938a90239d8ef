/*
 * What the signal-frame files share: signal_frame.c (the i386 frames, the
 * sanitizer, the alternate stack) and signal_frame_64.c (the x86-64
 * frame, 64-bit kernel only).
 */
#ifndef SIGNAL_FRAME_H
#define SIGNAL_FRAME_H
#include <xentry/types.h>

struct task;
struct pt_regs;
struct ksiginfo;
struct k_sigaction;

#define UC_FP_XSTATE 1
#define UC_SIGCONTEXT_SS 2
#define UC_STRICT_RESTORE_SS 4

/* The user-changeable RFLAGS bits (Linux's FIX_EFLAGS). */
#define FIX_EFLAGS (X86_EFLAGS_AC | X86_EFLAGS_OF | X86_EFLAGS_DF | X86_EFLAGS_TF | \
		    X86_EFLAGS_SF | X86_EFLAGS_ZF | X86_EFLAGS_AF | X86_EFLAGS_PF | \
		    X86_EFLAGS_CF | X86_EFLAGS_RF)

/* signal_frame.c */
unsigned long frame_base(struct task *t, struct pt_regs *regs, int sig, bool is32);
bool altstack_overflow(struct task *t, unsigned long base, unsigned long frame);
int uc_stack_flags(struct task *t, unsigned long sp);
void maybe_autodisarm(struct task *t, unsigned long frame);
void restore_altstack(unsigned long sp, int flags, unsigned long size);
void set_blocked(u64 mask);
int fpu_restore_user(unsigned long fx, unsigned long fsave_hdr);
long sigreturn_fail(void);

/* signal_frame_64.c */
int setup_rt_frame64(int sig, const struct ksiginfo *info, struct pt_regs *regs,
		     u64 mask, const struct k_sigaction *ka);
long do_rt_sigreturn64(struct pt_regs *regs);

#endif
