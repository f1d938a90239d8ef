/*
 * The user FPU/extended state (arch/x86/kernel/fpu.c, fpu_signal.c;
 * docs/fpu.md).  While a task runs its state lives in the CPU (the kernel
 * never touches FPU/SSE/AVX registers); task->fpu holds it only while the
 * task is switched out.  task->fpu is a 64-byte aligned XSAVE image in
 * the standard (uncompacted) format, fpu_user_size bytes long, or a
 * 512-byte FXSAVE image on a CPU without XSAVE.
 */
#ifndef _ASM_FPU_H
#define _ASM_FPU_H

#include <xentry/types.h>

struct task;

#define XFEATURE_MASK_FP (1ULL << 0)
#define XFEATURE_MASK_SSE (1ULL << 1)
#define XFEATURE_MASK_YMM (1ULL << 2)
#define XFEATURE_MASK_FPSSE (XFEATURE_MASK_FP | XFEATURE_MASK_SSE)
#define XSAVE_HDR_OFFSET 512
#define XSAVE_HDR_SIZE 64

#define FP_XSTATE_MAGIC1 0x46505853U
#define FP_XSTATE_MAGIC2 0x46505845U
#define FP_XSTATE_MAGIC2_SIZE 4
#define FSAVE_HDR_SIZE 112	/* i386 struct _fpstate_32 before the fxsave part */

extern bool fpu_xsave;		/* XSAVE enabled (CR4.OSXSAVE) */
extern bool cpu_fsgsbase;	/* CR4.FSGSBASE set: user code may write its bases */
extern u64 fpu_xfeatures;	/* XCR0: the user state components */
extern u32 fpu_user_size;	/* bytes of a task's image (and of the uabi xstate) */

void fpu_cpu_init(void);	/* after cpu_init's CR4 write */
int fpu_task_alloc(struct task *t);
void fpu_task_free(struct task *t);
void fpu_save_live(u8 *buf);
void fpu_restore_live(const u8 *buf);
void fpu_switch(struct task *prev, struct task *next);
void fpu_fork(struct task *child);	/* the live state of current */
void fpu_exec_reset(struct task *t);
void fpu_reset_live(void);
u32 mxcsr_mask(void);
void fpu_fill_sw_bytes(u8 *fx, bool ia32_frame);
long fpu_arch_prctl(int code, unsigned long arg);
unsigned long elf_hwcap2(void);
unsigned long sigframe_minstksz(void);

/* Signal frames (fpu_signal.c). */
unsigned long fpu_mathframe(unsigned long sp, bool ia32, unsigned long *fx);
int fpu_sig_save(unsigned long fx, unsigned long fsave_hdr, u16 cs, u16 ds);
int fpu_sig_restore(unsigned long fx, unsigned long fsave_hdr);

/* ptrace: NT_X86_XSTATE in the uabi (standard) format. */
long fpu_xstate_get(struct task *t, u8 *out);
long fpu_xstate_set(struct task *t, const u8 *in, size_t n);

#endif
