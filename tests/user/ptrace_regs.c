/*
 * ptrace_regs: the register views ptrace gives, and what it does with
 * writes that make no sense.
 *
 * Linux facts tested:
 *  - int3 stops the tracee with SIGTRAP, si_code SI_KERNEL, ip just past the
 *    int3, orig_ax = -1 (no syscall).  GETREGS shows every general register;
 *    PEEKUSER of each word of the regs area agrees; POKEUSER and SETREGS
 *    values (and the arithmetic flags) are what the tracee runs with.
 *    GETREGSET/SETREGSET NT_PRSTATUS use the same layout, iov_len 216
 *    (x86-64) / 68 (i386).  PEEKUSER at a misaligned offset or past the
 *    kernel's struct user (928 bytes; i386: 284) fails with EIO.
 *  - Segments: a 64-bit task runs with CS 0x33, SS 0x2b, DS = ES = 0; a
 *    32-bit one with CS 0x23, SS = DS = ES = 0x2b and glibc's TLS in GS
 *    (0x63, GDT slot 12).  A 64-bit tracer sees a 32-bit tracee through the
 *    64-bit user_regs_struct (upper halves zero, orig_rax = -1 sign-extended),
 *    but GETREGSET NT_PRSTATUS/NT_PRFPREG follow the tracee's mode: the i386
 *    layouts (68 and 108 bytes).
 *  - GETFPREGS: x86-64 view = the 512-byte FXSAVE image (cwd, swd, abridged
 *    tag, mxcsr, st0..7, xmm0..15); i386 view = the 108-byte FSAVE layout,
 *    whose cwd/swd/twd words carry 0xffff in their upper halves, fcs = the
 *    task's CS and fos = 0xffff0000 | DS.  SETFPREGS values reach the tracee.
 *  - Adversarial SETREGS at a syscall-exit stop:
 *      RIP = 1 << 47 (non-canonical): accepted; the tracee stops with SIGSEGV,
 *        si_code SI_KERNEL, at that RIP; passing the signal on kills it.
 *      RIP = kernel text (0xffffffff81000000): SIGSEGV, SEGV_MAPERR, si_addr
 *        = that address.
 *      RCX != RIP, R11 != RFLAGS after SYSCALL: the tracee gets exactly the
 *        written RCX, R11 and RFLAGS (the return cannot be SYSRET).
 *      TF set: SIGTRAP (TRAP_TRACE) after exactly one instruction.
 *      CS 0x23 for a 64-bit tracee / 0x33 for a 32-bit one: accepted, and
 *        the code then runs in that mode; switching back works too.
 *      CS 0x10 or 0, SS 0x18 or 0, DS 0x10 (RPL != 3 or null CS/SS), and a
 *        non-canonical fs_base: EIO, nothing changed.
 *      CS 0x13 or 0x2b (RPL 3, but not a user code segment): accepted; the
 *        return to user mode faults and the tracee gets SIGSEGV (SI_KERNEL)
 *        at the unchanged ip.
 *      RFLAGS: only CF PF AF ZF SF TF DF OF NT RF AC are the tracer's (NT
 *        not on a native i386 kernel); IF
 *        and bit 1 stay set, IOPL/VM/VIF/VIP/ID are dropped, so a cli after
 *        "IOPL 3" still faults.
 *    The kernel survives all of it.
 *  - On a native i386 kernel (Linux i386, xentry ARCH=i386; kernel32.h) an
 *    i386 task runs with CS 0x73, SS = DS = ES = 0x7b and glibc's GS 0x33
 *    (GDT slot 6).  Its FSAVE view takes fcs (and fop above it) and fos
 *    from the CPU's own FXSAVE image, which leaves the selectors 0 where the
 *    CPU no longer records them (TCG, and CPUs with FPCSDS deprecated); and
 *    there is no 64-bit mode to switch to: CS 0x33 is a TLS data segment
 *    there, which SETREGS accepts (RPL 3) and the return to user mode
 *    refuses, like 0x13 and the data segment 0x7b - as Linux i386's
 *    "iret exception": SIGILL, ILL_BADSTK, not SIGSEGV.
 */
#include "ktap.h"
#include "sys.h"
#include "ptrace_util.h"
#include "kernel32.h"
#include <elf.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>

#ifndef NT_PRSTATUS
#define NT_PRSTATUS 1
#endif
#ifndef NT_PRFPREG
#define NT_PRFPREG 2
#endif
#ifndef SI_KERNEL
#define SI_KERNEL 0x80
#endif

/* EFLAGS bits. */
#define F_CF 0x1UL
#define F_PF 0x4UL
#define F_AF 0x10UL
#define F_ZF 0x40UL
#define F_SF 0x80UL
#define F_TF 0x100UL
#define F_IF 0x200UL
#define F_DF 0x400UL
#define F_OF 0x800UL
#define F_IOPL 0x3000UL
#define F_NT 0x4000UL
#define F_RF 0x10000UL
#define F_AC 0x40000UL
/* What ptrace lets a tracer change (Linux's FLAG_MASK on x86-64; a native
 * i386 kernel's lacks NT). */
#define PTRACE_FLAGS (F_CF | F_PF | F_AF | F_ZF | F_SF | F_TF | F_DF | F_OF | \
		      F_NT | F_RF | F_AC)
#define ARITH_SET (F_CF | F_PF | F_ZF | F_SF | F_OF)

/* ------------------------------------------------------------------ */
/* Tracee side.                                                        */

#ifdef __x86_64__
#define NGPR 15
#else
#define NGPR 7
#endif

/* The values the tracee loads and the ones the tracer writes instead. */
static unsigned long long gpr_val(int abi64, int i, int written)
{
	if (abi64)
		return (0x1111111111111111ULL * (unsigned)(i + 1)) ^
		       0x8000000000000000ULL ^
		       (written ? 0x5a5a5a5a5a5a5a5aULL : 0);
	return (0x11111111u * (unsigned)(i + 1)) ^ 0x80000000u ^
	       (written ? 0x5a5a5a5au : 0);
}

/* Used by the asm; order: ax bx cx dx si di bp (r8..r15). */
unsigned long pr_in[NGPR], pr_out[NGPR], pr_flags_out, pr_x1_out, pr_x2_out;

/* FP state: what the tracee loads, what it reads back after the stop. */
#define CW_LOADED 0x027f
#define CW_WRITTEN 0x037f
#define MXCSR_LOADED 0x7f80
#define MXCSR_WRITTEN 0x3f80
unsigned int pr_xmm_in[4] __attribute__((aligned(16))) = {
	0x01234567, 0x89abcdef, 0xdeadbeef, 0x0badf00d };
unsigned int pr_xmm_written[4] = { 0xcafef00d, 0x13579bdf, 0x2468ace0,
				   0xfeedface };
unsigned int pr_xmm_out[4] __attribute__((aligned(16)));
unsigned int pr_mxcsr_in = MXCSR_LOADED, pr_mxcsr_out, pr_mxcsr_default = 0x1f80;
unsigned short pr_cw_in = CW_LOADED, pr_cw_out;
unsigned char pr_st0_out[10];
static const unsigned char st_pi[10] = { 0x35, 0xc2, 0x68, 0x21, 0xa2,
					 0xda, 0x0f, 0xc9, 0x00, 0x40 };
static const unsigned char st_one[10] = { 0, 0, 0, 0, 0, 0, 0, 0x80, 0xff,
					  0x3f };

void pr_gpr_blob(void);
void pr_fp_blob(void);
long pr_sc_blob(void);
void pr_cli_blob(void);
void pr_mode_setup(void);
extern const char pr_gpr_after[], pr_sc_after[], pr_sc_after_nop[],
	pr_cli_at[], pr_mode_blob[], pr_mode_int3_after[];

#ifdef __x86_64__
__asm__(".text\n"
	/* Load every GPR from pr_in, int3, store them all to pr_out. */
	".globl pr_gpr_blob\n"
	"pr_gpr_blob:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n"
	"	push %r15\n"
	"	mov pr_in+0(%rip), %rax\n"
	"	mov pr_in+8(%rip), %rbx\n"
	"	mov pr_in+16(%rip), %rcx\n"
	"	mov pr_in+24(%rip), %rdx\n"
	"	mov pr_in+32(%rip), %rsi\n"
	"	mov pr_in+40(%rip), %rdi\n"
	"	mov pr_in+48(%rip), %rbp\n"
	"	mov pr_in+56(%rip), %r8\n"
	"	mov pr_in+64(%rip), %r9\n"
	"	mov pr_in+72(%rip), %r10\n"
	"	mov pr_in+80(%rip), %r11\n"
	"	mov pr_in+88(%rip), %r12\n"
	"	mov pr_in+96(%rip), %r13\n"
	"	mov pr_in+104(%rip), %r14\n"
	"	mov pr_in+112(%rip), %r15\n"
	"	int3\n"
	".globl pr_gpr_after\n"
	"pr_gpr_after:\n"
	"	pushfq\n"
	"	popq pr_flags_out(%rip)\n"
	"	mov %rax, pr_out+0(%rip)\n"
	"	mov %rbx, pr_out+8(%rip)\n"
	"	mov %rcx, pr_out+16(%rip)\n"
	"	mov %rdx, pr_out+24(%rip)\n"
	"	mov %rsi, pr_out+32(%rip)\n"
	"	mov %rdi, pr_out+40(%rip)\n"
	"	mov %rbp, pr_out+48(%rip)\n"
	"	mov %r8, pr_out+56(%rip)\n"
	"	mov %r9, pr_out+64(%rip)\n"
	"	mov %r10, pr_out+72(%rip)\n"
	"	mov %r11, pr_out+80(%rip)\n"
	"	mov %r12, pr_out+88(%rip)\n"
	"	mov %r13, pr_out+96(%rip)\n"
	"	mov %r14, pr_out+104(%rip)\n"
	"	mov %r15, pr_out+112(%rip)\n"
	"	cld\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"

	/* FP/SSE state set up, int3, then read back what the tracer left. */
	".globl pr_fp_blob\n"
	"pr_fp_blob:\n"
	"	movdqu pr_xmm_in(%rip), %xmm0\n"
	"	ldmxcsr pr_mxcsr_in(%rip)\n"
	"	fninit\n"
	"	fldcw pr_cw_in(%rip)\n"
	"	fldpi\n"
	"	int3\n"
	"	movdqu %xmm1, pr_xmm_out(%rip)\n"
	"	stmxcsr pr_mxcsr_out(%rip)\n"
	"	fnstcw pr_cw_out(%rip)\n"
	"	fstpt pr_st0_out(%rip)\n"
	"	ldmxcsr pr_mxcsr_default(%rip)\n"
	"	fninit\n"
	"	ret\n"

	/* getpid by SYSCALL; afterwards record flags, rcx and r11. */
	".globl pr_sc_blob\n"
	"pr_sc_blob:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	".globl pr_sc_after\n"
	"pr_sc_after:\n"
	"	nop\n"
	".globl pr_sc_after_nop\n"
	"pr_sc_after_nop:\n"
	"	pushfq\n"
	"	popq pr_flags_out(%rip)\n"
	"	mov %rcx, pr_x1_out(%rip)\n"
	"	mov %r11, pr_x2_out(%rip)\n"
	"	ret\n"

	/* getpid, then cli: faults unless IOPL is 3. */
	".globl pr_cli_blob\n"
	"pr_cli_blob:\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	".globl pr_cli_at\n"
	"pr_cli_at:\n"
	"	cli\n"
	"	ret\n"

	/* getpid with the two addresses the tracer needs in rsi and rdi. */
	".globl pr_mode_setup\n"
	"pr_mode_setup:\n"
	"	lea pr_mode_blob(%rip), %rsi\n"
	"	lea pr_exit42(%rip), %rdi\n"
	"	mov $39, %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* eax = 0 in 64-bit mode, 0xffffffff in 32-bit mode (0x48 = dec). */
	".globl pr_mode_blob\n"
	"pr_mode_blob:\n"
	"	xor %eax, %eax\n"
	"	.byte 0x48\n"
	"	nop\n"
	"	int3\n"
	".globl pr_mode_int3_after\n"
	"pr_mode_int3_after:\n"
	"	ud2\n"
	"pr_exit42:\n"
	"	mov $60, %eax\n"
	"	mov $42, %edi\n"
	"	syscall\n"
	"	ud2\n");
#else
__asm__(".text\n"
	".globl pr_gpr_blob\n"
	"pr_gpr_blob:\n"
	"	push %ebx\n push %ebp\n push %esi\n push %edi\n"
	"	mov pr_in+0, %eax\n"
	"	mov pr_in+4, %ebx\n"
	"	mov pr_in+8, %ecx\n"
	"	mov pr_in+12, %edx\n"
	"	mov pr_in+16, %esi\n"
	"	mov pr_in+20, %edi\n"
	"	mov pr_in+24, %ebp\n"
	"	int3\n"
	".globl pr_gpr_after\n"
	"pr_gpr_after:\n"
	"	pushfl\n"
	"	popl pr_flags_out\n"
	"	mov %eax, pr_out+0\n"
	"	mov %ebx, pr_out+4\n"
	"	mov %ecx, pr_out+8\n"
	"	mov %edx, pr_out+12\n"
	"	mov %esi, pr_out+16\n"
	"	mov %edi, pr_out+20\n"
	"	mov %ebp, pr_out+24\n"
	"	cld\n"
	"	pop %edi\n pop %esi\n pop %ebp\n pop %ebx\n"
	"	ret\n"

	".globl pr_fp_blob\n"
	"pr_fp_blob:\n"
	"	movdqu pr_xmm_in, %xmm0\n"
	"	ldmxcsr pr_mxcsr_in\n"
	"	fninit\n"
	"	fldcw pr_cw_in\n"
	"	fldpi\n"
	"	int3\n"
	"	movdqu %xmm1, pr_xmm_out\n"
	"	stmxcsr pr_mxcsr_out\n"
	"	fnstcw pr_cw_out\n"
	"	fstpt pr_st0_out\n"
	"	ldmxcsr pr_mxcsr_default\n"
	"	fninit\n"
	"	ret\n"

	/* getpid by int $0x80; afterwards record flags, ecx and edx. */
	".globl pr_sc_blob\n"
	"pr_sc_blob:\n"
	"	push %ebx\n"
	"	mov $20, %eax\n"
	"	int $0x80\n"
	".globl pr_sc_after\n"
	"pr_sc_after:\n"
	"	nop\n"
	".globl pr_sc_after_nop\n"
	"pr_sc_after_nop:\n"
	"	pushfl\n"
	"	popl pr_flags_out\n"
	"	mov %ecx, pr_x1_out\n"
	"	mov %edx, pr_x2_out\n"
	"	pop %ebx\n"
	"	ret\n"

	".globl pr_cli_blob\n"
	"pr_cli_blob:\n"
	"	mov $20, %eax\n"
	"	int $0x80\n"
	".globl pr_cli_at\n"
	"pr_cli_at:\n"
	"	cli\n"
	"	ret\n"

	".globl pr_mode_setup\n"
	"pr_mode_setup:\n"
	"	mov $pr_mode_blob, %esi\n"
	"	mov $pr_exit42, %edi\n"
	"	mov $20, %eax\n"
	"	int $0x80\n"
	"	ud2\n"
	".globl pr_mode_blob\n"
	"pr_mode_blob:\n"
	"	xor %eax, %eax\n"
	"	.byte 0x48\n"
	"	nop\n"
	"	int3\n"
	".globl pr_mode_int3_after\n"
	"pr_mode_int3_after:\n"
	"	ud2\n"
	"pr_exit42:\n"
	"	mov $1, %eax\n"
	"	mov $42, %ebx\n"
	"	int $0x80\n"
	"	ud2\n");
#endif

enum scen { T_GPR, T_FP64VIEW, T_FP32VIEW, T_SC_X, T_SC_TF, T_SC_PLAIN,
	    T_CLI, T_MODE };

/* Values the tracer writes into the x1/x2 registers (rcx/r11, ecx/edx). */
#define X1_WRITTEN 0x0c0ffee0UL
#define X2_WRITTEN 0x600dcafeUL

static int tracee_main(int scen)
{
	int abi64 = sizeof(long) == 8;
	int code = 0;
	long r;
	for (int i = 0; i < NGPR; i++)
		pr_in[i] = (unsigned long)gpr_val(abi64, i, 0);
	long me = SC(SYS_getpid);
	SC(SYS_kill, me, SIGSTOP);

	switch (scen) {
	case T_GPR:
		pr_gpr_blob();
		for (int i = 0; i < NGPR; i++)
			if (pr_out[i] != (unsigned long)gpr_val(abi64, i, 1))
				code |= 1;
		if ((pr_flags_out & (ARITH_SET | F_AF)) != ARITH_SET)
			code |= 2;
		return code;
	case T_FP64VIEW:
	case T_FP32VIEW:
		pr_fp_blob();
		if (scen == T_FP64VIEW) {
			if (memcmp(pr_xmm_out, pr_xmm_written, 16) != 0)
				code |= 1;
			if (pr_mxcsr_out != MXCSR_WRITTEN)
				code |= 2;
		}
		if (pr_cw_out != CW_WRITTEN)
			code |= 4;
		if (memcmp(pr_st0_out, st_one, 10) != 0)
			code |= 8;
		return code;
	case T_SC_X:
		r = pr_sc_blob();
		if (r != me)
			code |= 1;
		if (pr_x1_out != X1_WRITTEN || pr_x2_out != X2_WRITTEN)
			code |= 2;
		if (!(pr_flags_out & F_CF) || (pr_flags_out & F_OF))
			code |= 4;
		return code;
	case T_SC_TF:
		r = pr_sc_blob();
		return (r == me ? 0 : 1) | (pr_flags_out & F_TF ? 2 : 0);
	case T_SC_PLAIN:
		r = pr_sc_blob();
		return r == me ? 0 : 1;
	case T_CLI:
		pr_cli_blob();
		return 77; /* cli executed: IOPL 3 took effect */
	case T_MODE:
		pr_mode_setup();
		return 78; /* not reached: ud2 */
	}
	return 99;
}

/* ------------------------------------------------------------------ */
/* Tracer side.                                                        */

typedef struct user_regs_struct regs_t;
typedef struct user_fpregs_struct fpregs_t;
#ifdef __x86_64__
typedef unsigned long long reg_t;
#define R_NR(r) ((r).orig_rax)
#define R_AX(r) ((r).rax)
#define R_IP(r) ((r).rip)
#define R_CS(r) ((r).cs)
#define R_SS(r) ((r).ss)
#define R_DS(r) ((r).ds)
#define R_ES(r) ((r).es)
#define R_GS(r) ((r).gs)
#define R_FLAGS(r) ((r).eflags)
#define R_SI(r) ((r).rsi)
#define R_DI(r) ((r).rdi)
#define OFF_CS offsetof(struct user, regs.cs)
#define OFF_BX offsetof(struct user, regs.rbx)
#define OFFR_CS offsetof(regs_t, cs)
#define OFFR_SS offsetof(regs_t, ss)
#define OFFR_DS offsetof(regs_t, ds)
#define REGS_SIZE 216
#define FP_SIZE 512
/* The kernel's struct user is 928 bytes (glibc's lacks the last two words). */
#define PAST_USER 928
#else
typedef long reg_t;
#define R_NR(r) ((r).orig_eax)
#define R_AX(r) ((r).eax)
#define R_IP(r) ((r).eip)
#define R_CS(r) ((r).xcs)
#define R_SS(r) ((r).xss)
#define R_DS(r) ((r).xds)
#define R_ES(r) ((r).xes)
#define R_GS(r) ((r).xgs)
#define R_FLAGS(r) ((r).eflags)
#define R_SI(r) ((r).esi)
#define R_DI(r) ((r).edi)
#define OFF_CS offsetof(struct user, regs.xcs)
#define OFF_BX offsetof(struct user, regs.ebx)
#define OFFR_CS offsetof(regs_t, xcs)
#define OFFR_SS offsetof(regs_t, xss)
#define OFFR_DS offsetof(regs_t, xds)
#define REGS_SIZE 68
#define FP_SIZE 108
/* struct user32 is 284 bytes; Linux lets offset 284 itself read as 0. */
#define PAST_USER 288
#endif

static reg_t *gpr(regs_t *r, int i)
{
#ifdef __x86_64__
	reg_t *const p[15] = { &r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi,
			       &r->rdi, &r->rbp, &r->r8, &r->r9, &r->r10,
			       &r->r11, &r->r12, &r->r13, &r->r14, &r->r15 };
#else
	reg_t *const p[7] = { &r->eax, &r->ebx, &r->ecx, &r->edx, &r->esi,
			      &r->edi, &r->ebp };
#endif
	return p[i];
}

static const char *const gpr_names[15] = {
	"ax", "bx", "cx", "dx", "si", "di", "bp", "r8", "r9", "r10", "r11",
	"r12", "r13", "r14", "r15" };




static int wait_stop(pid_t pid, int want, const char *what)
{
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		ktap_diag("%s: waitpid: %s", what, strerror(errno));
		return 0;
	}
	if (WIFSTOPPED(st) && (st >> 8) == want)
		return 1;
	ktap_diag("%s: tracee %s, want a stop with status %#x", what,
		  st_str(st), (want << 8) | 0x7f);
	return 0;
}

static int resume_to(pid_t pid, int req, int sig, int want, const char *what)
{
	if (ptrace(req, pid, 0, (void *)(long)sig) != 0) {
		ktap_diag("%s: ptrace resume: %s", what, strerror(errno));
		return 0;
	}
	return wait_stop(pid, want, what);
}

static int getregs(pid_t pid, regs_t *r)
{
	if (ptrace(PTRACE_GETREGS, pid, 0, r) == 0)
		return 1;
	ktap_diag("GETREGS: %s", strerror(errno));
	return 0;
}

static int setregs(pid_t pid, regs_t *r)
{
	if (ptrace(PTRACE_SETREGS, pid, 0, r) == 0)
		return 1;
	ktap_diag("SETREGS: %s", strerror(errno));
	return 0;
}

/* Resume (with a signal) and return how the tracee ends, or -1. */
static int end_status(pid_t pid, int sig)
{
	int st;
	if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) != 0)
		ktap_diag("PTRACE_CONT: %s", strerror(errno));
	while (waitpid(pid, &st, 0) == pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return st;
		ktap_diag("unexpected %s; killing the tracee", st_str(st));
		kill(pid, SIGKILL);
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	return -1;
}

/* 1 if the tracee runs to exit(code). */
static int exits_with(pid_t pid, int code)
{
	int st = end_status(pid, 0);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code)
		return 1;
	ktap_diag("tracee %s, want exit %d", st_str(st), code);
	return 0;
}

static void kill_tracee(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == pid && !WIFEXITED(st) &&
	       !WIFSIGNALED(st))
		;
}

struct tracer {
	pid_t pid;
	int exec32;	/* the tracee is the 32-bit sibling (64-bit build) */
	int abi64;	/* the tracee's ABI */
	int ngpr;
	const char *label;
};

/* Fork a tracee for `scen` and bring it to its SIGSTOP. */
static pid_t start_tracee(struct tracer *t, int exec32, int scen)
{
	char sbuf[8];
	t->exec32 = exec32;
	t->abi64 = sizeof(long) == 8 && !exec32;
	t->ngpr = t->abi64 ? 15 : 7;
	t->label = exec32 ? "i386 tracee" : (sizeof(long) == 8 ? "x86-64" : "i386");
	t->pid = -1;
	if (exec32 && !have_sibling) {
		ktap_diag("no 32-bit sibling binary (%s)",
			  sibling_path[0] ? sibling_path : "?");
		return -1;
	}
	snprintf(sbuf, sizeof(sbuf), "%d", scen);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		if (exec32) {
			char *argv[] = { sibling_path, "--tracee", sbuf, NULL };
			execv(sibling_path, argv);
			_exit(92);
		}
		_exit(tracee_main(scen));
	}
	if (exec32 && (!wait_stop(pid, SIGTRAP, "exec stop") ||
		       ptrace(PTRACE_CONT, pid, 0, 0) != 0))
		goto fail;
	if (!wait_stop(pid, SIGSTOP, "tracee's SIGSTOP") ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)PTRACE_O_TRACESYSGOOD))
		goto fail;
	return t->pid = pid;
fail:
	kill_tracee(pid);
	return -1;
}

/* From the SIGSTOP through the getpid entry stop to its exit stop. */
static int to_sc_exit(struct tracer *t, regs_t *r)
{
	return resume_to(t->pid, PTRACE_SYSCALL, 0, SIGTRAP | 0x80, "entry") &&
	       resume_to(t->pid, PTRACE_SYSCALL, 0, SIGTRAP | 0x80, "exit") &&
	       getregs(t->pid, r);
}

/* From the SIGSTOP to the blob's int3. */
static int to_int3(struct tracer *t, regs_t *r)
{
	return resume_to(t->pid, PTRACE_CONT, 0, SIGTRAP, "int3 stop") &&
	       getregs(t->pid, r);
}

static reg_t want_gpr(const struct tracer *t, int i, int written)
{
	return (reg_t)gpr_val(t->abi64, i, written);
}

/* ---- GETREGS / PEEKUSER / POKEUSER / SETREGS / regsets ---- */
static void t_gpr(int exec32, int use_regset)
{
	struct tracer t;
	int ok_stop = 0, ok_get = 0, ok_orig = 0, ok_seg = 0, ok_peek = 0,
	    ok_poke = 0, ok_set = 0, ok_flags = 0, ok_rs = 0, ok_eio = 0;
	regs_t r, r2;
	pid_t pid = start_tracee(&t, exec32, T_GPR);
	if (pid < 0)
		goto report;
	if (!to_int3(&t, &r))
		goto lost;

	/* The stop itself. */
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
	errno = 0;
	long w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(R_IP(r) - 1), 0);
	ok_stop = si.si_signo == SIGTRAP && si.si_code == SI_KERNEL &&
		  errno == 0 && (w & 0xff) == 0xcc;
	if (!exec32)
		ok_stop = ok_stop && R_IP(r) == (reg_t)(unsigned long)pr_gpr_after;
	if (!ok_stop)
		ktap_diag("int3 stop: signo %d code %#x, ip %#llx, byte before %#lx",
			  si.si_signo, si.si_code, (unsigned long long)R_IP(r),
			  w & 0xff);

	/* Every general register as the tracee loaded it. */
	ok_get = 1;
	for (int i = 0; i < t.ngpr; i++)
		if (*gpr(&r, i) != want_gpr(&t, i, 0)) {
			ktap_diag("%s = %#llx, want %#llx", gpr_names[i],
				  (unsigned long long)*gpr(&r, i),
				  (unsigned long long)want_gpr(&t, i, 0));
			ok_get = 0;
		}
	ok_orig = R_NR(r) == (reg_t)-1;
	if (!ok_orig)
		ktap_diag("orig_ax %#llx", (unsigned long long)R_NR(r));

	/* Segment registers (and, for x86-64, fs_base = the TLS pointer). */
	if (t.abi64) {
		ok_seg = R_CS(r) == 0x33 && R_SS(r) == 0x2b && R_DS(r) == 0 &&
			 R_ES(r) == 0;
#ifdef __x86_64__
		unsigned long fsb = 0;
		SC(SYS_arch_prctl, 0x1003 /* ARCH_GET_FS */, &fsb);
		if (r.fs_base != fsb) {
			ktap_diag("fs_base %#llx, want %#lx", r.fs_base, fsb);
			ok_seg = 0;
		}
#endif
	} else {
		ok_seg = R_CS(r) == user32_cs() && R_SS(r) == user32_ds() &&
			 R_DS(r) == user32_ds() && R_ES(r) == user32_ds() &&
			 R_GS(r) == glibc_gs();
	}
	if (!ok_seg)
		ktap_diag("cs %#llx ss %#llx ds %#llx es %#llx gs %#llx",
			  (unsigned long long)R_CS(r), (unsigned long long)R_SS(r),
			  (unsigned long long)R_DS(r), (unsigned long long)R_ES(r),
			  (unsigned long long)R_GS(r));

	/* PEEKUSER agrees with GETREGS word by word; bad offsets give EIO. */
	ok_peek = 1;
	for (size_t off = 0; off < sizeof(regs_t); off += sizeof(long)) {
		errno = 0;
		long v = ptrace(PTRACE_PEEKUSER, pid, (void *)off, 0);
		long want;
		memcpy(&want, (char *)&r + off, sizeof(long));
		if (errno || v != want) {
			ktap_diag("PEEKUSER %zu: %#lx (%s), GETREGS %#lx", off, v,
				  strerror(errno), want);
			ok_peek = 0;
		}
	}
	errno = 0;
	ptrace(PTRACE_PEEKUSER, pid, (void *)1, 0);
	ok_eio = errno == EIO;
	errno = 0;
	ptrace(PTRACE_PEEKUSER, pid, (void *)PAST_USER, 0);
	ok_eio = ok_eio && errno == EIO;

	/* The regset view: the layout of the tracee's mode. */
	{
		unsigned char buf[512];
		struct iovec iov = { buf, sizeof(buf) };
		size_t want_len = t.abi64 ? 216 : 68;
		memset(buf, 0xee, sizeof(buf));
		if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) != 0) {
			ktap_diag("GETREGSET: %s", strerror(errno));
		} else if (iov.iov_len != want_len) {
			ktap_diag("GETREGSET NT_PRSTATUS length %zu, want %zu",
				  iov.iov_len, want_len);
		} else if (!exec32) {
			ok_rs = memcmp(buf, &r, REGS_SIZE) == 0;
		} else {
			/* i386 layout: ebx ecx edx esi edi ebp eax ... cs at 13 */
			unsigned int *w32 = (unsigned int *)buf;
			static const int idx[7] = { 6, 0, 1, 2, 3, 4, 5 };
			ok_rs = w32[13] == 0x23 && w32[11] == 0xffffffffu;
			for (int i = 0; i < 7; i++)
				if (w32[idx[i]] != (unsigned)want_gpr(&t, i, 0))
					ok_rs = 0;
		}
		if (!ok_rs)
			ktap_diag("NT_PRSTATUS contents differ from the expected view");
	}

	/* POKEUSER one register, seen by GETREGS. */
	reg_t newbx = want_gpr(&t, 1, 1);
	if (ptrace(PTRACE_POKEUSER, pid, (void *)OFF_BX, (void *)(long)newbx))
		ktap_diag("POKEUSER bx: %s", strerror(errno));
	else if (getregs(pid, &r2))
		ok_poke = *gpr(&r2, 1) == newbx;

	/* Write every register (and the arithmetic flags) for the tracee. */
	r2 = r;
	for (int i = 0; i < t.ngpr; i++)
		*gpr(&r2, i) = want_gpr(&t, i, 1);
	R_FLAGS(r2) = (R_FLAGS(r2) & ~(reg_t)(ARITH_SET | F_AF)) | ARITH_SET;
	if (use_regset && !exec32) {
		struct iovec iov = { &r2, sizeof(r2) };
		if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov)) {
			ktap_diag("SETREGSET: %s", strerror(errno));
			goto lost;
		}
	} else if (use_regset) {
		/* The i386 tracee's regset is the 68-byte i386 layout. */
		unsigned int w32[17];
		struct iovec iov = { w32, sizeof(w32) };
		static const int idx[7] = { 6, 0, 1, 2, 3, 4, 5 };
		if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &iov) ||
		    iov.iov_len != sizeof(w32)) {
			ktap_diag("GETREGSET: %s", strerror(errno));
			goto lost;
		}
		for (int i = 0; i < 7; i++)
			w32[idx[i]] = (unsigned)want_gpr(&t, i, 1);
		w32[14] = (unsigned)R_FLAGS(r2);
		if (ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &iov)) {
			ktap_diag("SETREGSET: %s", strerror(errno));
			goto lost;
		}
	} else if (!setregs(pid, &r2)) {
		goto lost;
	}
	int st = end_status(pid, 0);
	if (st != -1 && WIFEXITED(st)) {
		ok_set = !(WEXITSTATUS(st) & 1);
		ok_flags = !(WEXITSTATUS(st) & 2);
		if (WEXITSTATUS(st))
			ktap_diag("tracee reported %#x", WEXITSTATUS(st));
	} else {
		ktap_diag("tracee %s", st_str(st));
	}
	goto report;
lost:
	kill_tracee(pid);
report:
	if (use_regset) {
		ktap_ok(ok_set && ok_flags,
			"%s: SETREGSET NT_PRSTATUS: the tracee runs with the written registers",
			t.label);
		return;
	}
	ktap_ok(ok_stop, "%s: int3 stop: SIGTRAP, SI_KERNEL, ip just past the int3",
		t.label);
	ktap_ok(ok_get, "%s: GETREGS shows every general register", t.label);
	ktap_ok(ok_orig, "%s: orig_ax is -1 at a stop outside a syscall", t.label);
	ktap_ok(ok_seg, "%s: segment registers (and fs_base) as Linux sets them",
		t.label);
	ktap_ok(ok_peek, "%s: PEEKUSER of every regs word agrees with GETREGS",
		t.label);
	ktap_ok(ok_eio, "%s: PEEKUSER misaligned or past struct user: EIO",
		t.label);
	ktap_ok(ok_rs, "%s: GETREGSET NT_PRSTATUS: %s layout, same values",
		t.label, t.abi64 ? "216-byte x86-64" : "68-byte i386");
	ktap_ok(ok_poke, "%s: POKEUSER bx shows in GETREGS", t.label);
	ktap_ok(ok_set, "%s: SETREGS: the tracee runs with every written register",
		t.label);
	ktap_ok(ok_flags, "%s: SETREGS: ... and the written arithmetic flags",
		t.label);
}

/* ---- GETFPREGS / SETFPREGS / NT_PRFPREG ---- */
static void t_fp(int exec32)
{
	struct tracer t;
	int ok_get = 0, ok_rs = 0, ok_set = 0;
	regs_t r;
	/* The tracer's view decides the layout: 64-bit tracers get FXSAVE. */
	int view64 = sizeof(long) == 8;
	pid_t pid = start_tracee(&t, exec32,
				 view64 ? T_FP64VIEW : T_FP32VIEW);
	if (pid < 0)
		goto report;
	if (!to_int3(&t, &r))
		goto lost;
	fpregs_t f;
	memset(&f, 0xee, sizeof(f));
	if (ptrace(PTRACE_GETFPREGS, pid, 0, &f) != 0) {
		ktap_diag("GETFPREGS: %s", strerror(errno));
		goto lost;
	}
#ifdef __x86_64__
	ok_get = f.cwd == CW_LOADED && (f.swd & 0x3800) == 0x3800 &&
		 f.ftw == 0x80 && f.mxcsr == MXCSR_LOADED &&
		 memcmp(f.st_space, st_pi, 10) == 0 &&
		 memcmp(f.xmm_space, pr_xmm_in, 16) == 0;
	if (!ok_get)
		ktap_diag("fxsave: cwd %#x swd %#x ftw %#x mxcsr %#x xmm0 %08x..",
			  f.cwd, f.swd, f.ftw, f.mxcsr, f.xmm_space[0]);
#else
	ok_get = f.cwd == (long)(0xffff0000u | CW_LOADED) &&
		 f.swd == (long)0xffff3800u && f.twd == (long)0xffff3fffu &&
		 memcmp(f.st_space, st_pi, 10) == 0;
	if (!native_i386()) {
		/* A 64-bit kernel fills in the task's CS and DS itself. */
		ok_get = ok_get && f.fcs == 0x23 && f.fos == (long)0xffff002bu;
	} else {
		/* Native: the CPU's FCS (fop above it) and FDS, or 0. */
		unsigned long cs = f.fcs & 0xffff, ds = f.fos;
		ok_get = ok_get && (cs == 0 || cs == user32_cs()) &&
			 ((unsigned long)f.fcs >> 16) < 0x800 && (ds == 0 || ds == user32_ds());
	}
	if (!ok_get)
		ktap_diag("fsave: cwd %#lx swd %#lx twd %#lx fcs %#lx fos %#lx",
			  f.cwd, f.swd, f.twd, f.fcs, f.fos);
#endif
	/* NT_PRFPREG: the layout of the tracee's mode. */
	{
		unsigned char buf[1024];
		struct iovec iov = { buf, sizeof(buf) };
		size_t want_len = t.abi64 ? 512 : 108;
		if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRFPREG, &iov) != 0) {
			ktap_diag("GETREGSET NT_PRFPREG: %s", strerror(errno));
		} else if (iov.iov_len != want_len) {
			ktap_diag("NT_PRFPREG length %zu, want %zu", iov.iov_len,
				  want_len);
		} else if (want_len == FP_SIZE) {
			/* Same layout as GETFPREGS: same bytes (up to xmm15). */
			size_t n = FP_SIZE == 512 ? 416 : 108;
			ok_rs = memcmp(buf, &f, n) == 0;
		} else {
			/* 64-bit tracer, i386 tracee: FSAVE layout. */
			unsigned int cw;
			memcpy(&cw, buf, 4);
			ok_rs = cw == (0xffff0000u | CW_LOADED) &&
				memcmp(buf + 28, st_pi, 10) == 0;
		}
		if (!ok_rs)
			ktap_diag("NT_PRFPREG contents differ");
	}
	/* Write new state; the tracee reads it back. */
#ifdef __x86_64__
	f.cwd = CW_WRITTEN;
	f.mxcsr = MXCSR_WRITTEN;
	memcpy(&f.xmm_space[4], pr_xmm_written, 16);
#else
	f.cwd = CW_WRITTEN;
#endif
	memcpy(f.st_space, st_one, 10);
	if (ptrace(PTRACE_SETFPREGS, pid, 0, &f) != 0) {
		ktap_diag("SETFPREGS: %s", strerror(errno));
		goto lost;
	}
	ok_set = exits_with(pid, 0);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_get, "%s: GETFPREGS: %s", t.label,
		view64 ? "FXSAVE image with x87, mxcsr and xmm0"
		       : "FSAVE layout, 0xffff upper halves, fcs/fos filled in");
	ktap_ok(ok_rs, "%s: GETREGSET NT_PRFPREG: %s", t.label,
		t.abi64 ? "512 bytes, as GETFPREGS"
			: "108-byte i387 layout (the tracee's mode)");
	ktap_ok(ok_set, "%s: SETFPREGS: the tracee reads back the written %s",
		t.label, view64 ? "cw, st0, mxcsr and xmm1" : "cw and st0");
}

/* ---- adversarial writes at a syscall-exit stop ---- */

/* The tracee dies after passing on the SIGSEGV it stopped with. */
static int sig_stop(pid_t pid, int sig, int code, reg_t ip, unsigned long addr)
{
	siginfo_t si;
	regs_t r;
	int ok = wait_stop(pid, sig, sig == SIGSEGV ? "SIGSEGV stop" : "signal stop");
	if (!ok)
		return 0;
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
	if (!getregs(pid, &r))
		return 0;
	ok = si.si_signo == sig && si.si_code == code &&
	     (unsigned long)si.si_addr == addr && R_IP(r) == ip;
	if (!ok)
		ktap_diag("signal %d stop: code %d addr %p ip %#llx; want code %d addr %#lx ip %#llx",
			  sig, si.si_code, si.si_addr, (unsigned long long)R_IP(r),
			  code, addr, (unsigned long long)ip);
	return ok;
}

static int segv_stop(pid_t pid, int code, reg_t ip, unsigned long addr)
{
	return sig_stop(pid, SIGSEGV, code, ip, addr);
}

static int killed_by(pid_t pid, int sig, int with)
{
	int st = end_status(pid, with);
	if (st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == sig)
		return 1;
	ktap_diag("tracee %s, want killed by %d", st_str(st), sig);
	return 0;
}

#ifdef __x86_64__
/* RIP outside the user half. */
static void t_bad_rip(unsigned long long rip, int code, unsigned long addr,
		      const char *what)
{
	struct tracer t;
	int ok_set = 0, ok_segv = 0, ok_dead = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, 0, T_SC_PLAIN);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	r.rip = rip;
	if (!setregs(pid, &r) || !getregs(pid, &r) || r.rip != rip ||
	    ptrace(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	ok_set = 1;
	ok_segv = segv_stop(pid, code, rip, addr);
	ok_dead = killed_by(pid, SIGSEGV, SIGSEGV);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_set, "x86-64: SETREGS accepts rip %s", what);
	ktap_ok(ok_segv, "x86-64: ... the tracee stops with SIGSEGV (%s) at that rip",
		code == SI_KERNEL ? "SI_KERNEL" : "SEGV_MAPERR, si_addr = rip");
	ktap_ok(ok_dead, "x86-64: ... passing the SIGSEGV on kills it");
}
#endif

/* x1/x2 (rcx/r11 after SYSCALL; ecx/edx after int $0x80) and flags. */
static void t_sc_x(void)
{
	struct tracer t;
	int ok = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, 0, T_SC_X);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	reg_t fl = (R_FLAGS(r) | F_CF) & ~(reg_t)F_OF;
	R_FLAGS(r) = fl;
#ifdef __x86_64__
	r.rcx = X1_WRITTEN;	/* not the return rip */
	r.r11 = X2_WRITTEN;	/* not rflags: OF set, CF clear */
#else
	r.ecx = X1_WRITTEN;
	r.edx = X2_WRITTEN;
#endif
	if (!setregs(pid, &r))
		goto lost;
	ok = exits_with(pid, 0);
	goto report;
lost:
	kill_tracee(pid);
report:
#ifdef __x86_64__
	ktap_ok(ok, "x86-64: rcx != rip, r11 != rflags at the exit stop: the tracee gets exactly those rcx, r11 and rflags");
#else
	ktap_ok(ok, "i386: ecx, edx and eflags written at an int80 exit stop reach the tracee");
#endif
}

/* TF set by the tracer: one instruction, then SIGTRAP. */
static void t_sc_tf(void)
{
	struct tracer t;
	int ok_trap = 0, ok_end = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, 0, T_SC_TF);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	if (R_IP(r) != (reg_t)(unsigned long)pr_sc_after) {
		ktap_diag("exit stop ip %#llx", (unsigned long long)R_IP(r));
		goto lost;
	}
	R_FLAGS(r) |= F_TF;
	if (!setregs(pid, &r) ||
	    !resume_to(pid, PTRACE_CONT, 0, SIGTRAP, "TF trap") ||
	    !getregs(pid, &r))
		goto lost;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
	ok_trap = R_IP(r) == (reg_t)(unsigned long)pr_sc_after_nop &&
		  si.si_code == 2 /* TRAP_TRACE */;
	if (!ok_trap)
		ktap_diag("trap at ip %#llx (want %p), si_code %d",
			  (unsigned long long)R_IP(r), (void *)pr_sc_after_nop,
			  si.si_code);
	R_FLAGS(r) &= ~(reg_t)F_TF;
	if (!setregs(pid, &r))
		goto lost;
	ok_end = exits_with(pid, 0);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_trap, "%s: TF written at the exit stop: SIGTRAP (TRAP_TRACE) after exactly one instruction",
		t.label);
	ktap_ok(ok_end, "%s: ... TF cleared again: the tracee runs on with TF clear",
		t.label);
}

/* Switch a tracee between 32- and 64-bit code by writing CS. */
static void t_mode(int exec32)
{
	struct tracer t;
	int ok_switch = 0, ok_back = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, exec32, T_MODE);
	int to64 = !t.abi64;
	reg_t cs_other = to64 ? 0x33 : 0x23, cs_own = to64 ? 0x23 : 0x33;
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	reg_t blob = R_SI(r), exit42 = R_DI(r);
	R_CS(r) = cs_other;
	R_IP(r) = blob;
	if (!setregs(pid, &r) ||
	    !resume_to(pid, PTRACE_CONT, 0, SIGTRAP, "int3 in the other mode") ||
	    !getregs(pid, &r))
		goto lost;
	unsigned eax = (unsigned)R_AX(r);
	ok_switch = R_CS(r) == cs_other && R_IP(r) == blob + 5 &&
		    eax == (to64 ? 0u : 0xffffffffu);
	if (!ok_switch)
		ktap_diag("after the switch: cs %#llx ip %#llx (blob %#llx) eax %#x",
			  (unsigned long long)R_CS(r), (unsigned long long)R_IP(r),
			  (unsigned long long)blob, eax);
	R_CS(r) = cs_own;
	R_IP(r) = exit42;
	if (!setregs(pid, &r))
		goto lost;
	ok_back = exits_with(pid, 42);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_switch, "%s: SETREGS cs %#x at a syscall stop: the code runs in %d-bit mode",
		t.label, (unsigned)cs_other, to64 ? 64 : 32);
	ktap_ok(ok_back, "%s: ... cs %#x again: %d-bit code runs (exit 42)",
		t.label, (unsigned)cs_own, to64 ? 32 : 64);
}

/* Writes Linux refuses with EIO, leaving the registers alone. */
static int refused(pid_t pid, const regs_t *orig, size_t off, reg_t val,
		   const char *what)
{
	regs_t r = *orig, now;
	memcpy((char *)&r + off, &val, sizeof(val));
	errno = 0;
	long rc = ptrace(PTRACE_SETREGS, pid, 0, &r);
	int e = errno;
	if (!getregs(pid, &now))
		return 0;
	int ok = rc == -1 && e == EIO && memcmp(&now, orig, sizeof(now)) == 0;
	if (!ok)
		ktap_diag("%s: SETREGS returned %ld (%s); registers %s", what,
			  rc, strerror(e),
			  memcmp(&now, orig, sizeof(now)) ? "changed" : "unchanged");
	return ok;
}

static void t_refused(void)
{
	struct tracer t;
	int ok_cs10 = 0, ok_cs0 = 0, ok_ss18 = 0, ok_ss0 = 0, ok_ds = 0,
	    ok_fsb = 0, ok_poke = 0, ok_end = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, 0, T_SC_PLAIN);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	ok_cs10 = refused(pid, &r, OFFR_CS, 0x10, "cs 0x10");
	ok_cs0 = refused(pid, &r, OFFR_CS, 0, "cs 0");
	ok_ss18 = refused(pid, &r, OFFR_SS, 0x18, "ss 0x18");
	ok_ss0 = refused(pid, &r, OFFR_SS, 0, "ss 0");
	ok_ds = refused(pid, &r, OFFR_DS, 0x10, "ds 0x10");
#ifdef __x86_64__
	ok_fsb = refused(pid, &r, offsetof(regs_t, fs_base), 1ULL << 47,
			 "fs_base 1<<47");
#endif
	errno = 0;
	long rc = ptrace(PTRACE_POKEUSER, pid, (void *)OFF_CS, (void *)0x10L);
	ok_poke = rc == -1 && errno == EIO;
	regs_t now;
	if (!getregs(pid, &now))
		goto lost;
	ok_poke = ok_poke && R_CS(now) == R_CS(r);
	ok_end = exits_with(pid, 0);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_cs10, "%s: SETREGS cs 0x10 (kernel CS): EIO, nothing changed", t.label);
	ktap_ok(ok_cs0, "%s: SETREGS cs 0: EIO", t.label);
	ktap_ok(ok_ss18, "%s: SETREGS ss 0x18 (kernel SS): EIO", t.label);
	ktap_ok(ok_ss0, "%s: SETREGS ss 0: EIO", t.label);
	ktap_ok(ok_ds, "%s: SETREGS ds 0x10: EIO", t.label);
#ifdef __x86_64__
	ktap_ok(ok_fsb, "%s: SETREGS fs_base 1<<47 (non-canonical): EIO", t.label);
#else
	(void)ok_fsb;
#endif
	ktap_ok(ok_poke, "%s: POKEUSER cs 0x10: EIO", t.label);
	ktap_ok(ok_end, "%s: after the refused writes the tracee runs on normally",
		t.label);
}

/* An RPL-3 selector that is not a user code segment, in CS. */
static void t_bad_cs(reg_t cs)
{
	struct tracer t;
	int ok_set = 0, ok_segv = 0, ok_dead = 0;
	/* Native i386: the refused IRET is Linux i386's "iret exception". */
	int sig = native_i386() ? SIGILL : SIGSEGV;
	int code = native_i386() ? 8 /* ILL_BADSTK */ : SI_KERNEL;
	regs_t r;
	pid_t pid = start_tracee(&t, 0, T_SC_PLAIN);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	reg_t ip = R_IP(r);
	R_CS(r) = cs;
	if (!setregs(pid, &r) || !getregs(pid, &r) || R_CS(r) != cs ||
	    ptrace(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	ok_set = 1;
	ok_segv = sig_stop(pid, sig, code, ip, 0);
	ok_dead = killed_by(pid, sig, sig);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_set, "%s: SETREGS accepts cs %#x (RPL 3)", t.label, (unsigned)cs);
	ktap_ok(ok_segv && ok_dead,
		"%s: ... the return to user mode faults: %s at the same ip, fatal",
		t.label, native_i386() ? "SIGILL (ILL_BADSTK)" : "SIGSEGV (SI_KERNEL)");
}

/* RFLAGS: which bits a tracer may set. */
static void t_flags(void)
{
	/* A native i386 kernel's FLAG_MASK leaves NT out. */
	const unsigned long pflags = native_i386() ? PTRACE_FLAGS & ~F_NT : PTRACE_FLAGS;
	struct tracer t;
	int ok_ones = 0, ok_zero = 0, ok_cli = 0;
	regs_t r, w, now;
	pid_t pid = start_tracee(&t, 0, T_CLI);
	if (pid < 0)
		goto report;
	if (!to_sc_exit(&t, &r))
		goto lost;
	reg_t old = R_FLAGS(r);

	w = r;
	R_FLAGS(w) = (reg_t)~0ULL & ~(reg_t)F_TF;
	if (!setregs(pid, &w) || !getregs(pid, &now))
		goto lost;
	reg_t want = (old & ~(reg_t)pflags) | (pflags & ~F_TF);
	ok_ones = R_FLAGS(now) == want;
	if (!ok_ones)
		ktap_diag("all ones: read back %#llx, want %#llx (old %#llx)",
			  (unsigned long long)R_FLAGS(now),
			  (unsigned long long)want, (unsigned long long)old);

	R_FLAGS(w) = 0;
	if (!setregs(pid, &w) || !getregs(pid, &now))
		goto lost;
	ok_zero = R_FLAGS(now) == (old & ~(reg_t)pflags);
	if (!ok_zero)
		ktap_diag("zero: read back %#llx", (unsigned long long)R_FLAGS(now));

	/* "IOPL 3" then cli: still a #GP, so SIGSEGV at the cli. */
	R_FLAGS(w) = old | F_IOPL;
	if (!setregs(pid, &w) || ptrace(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	ok_cli = segv_stop(pid, SI_KERNEL, (reg_t)(unsigned long)pr_cli_at, 0);
	kill_tracee(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_ones, "%s: eflags all ones: only CF PF AF ZF SF DF OF %sRF AC taken; IOPL, VM, VIF, VIP, ID dropped",
		t.label, pflags & F_NT ? "NT " : "");
	ktap_ok(ok_zero, "%s: eflags 0: IF and bit 1 stay set", t.label);
	ktap_ok(ok_cli, "%s: IOPL 3 written: cli still faults (SIGSEGV at the cli)",
		t.label);
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--tracee") == 0)
		return tracee_main(atoi(argv[2]));

	no_core_dumps();
	default_signals();
	alarm(120);
	find_paths(argv[0]);
#ifdef __x86_64__
	ktap_plan(10 + 1 + 3 + 10 + 1 + 3 + 6 + 1 + 2 + 2 + 2 + 8 + 4 + 3);
#else
	ktap_plan(10 + 1 + 3 + 1 + 2 + 2 + 7 + 4 + 3);
#endif
	t_gpr(0, 0);
	t_gpr(0, 1);
	t_fp(0);
#ifdef __x86_64__
	t_gpr(1, 0);
	t_gpr(1, 1);
	t_fp(1);
	t_bad_rip(1ULL << 47, SI_KERNEL, 0, "1<<47 (non-canonical)");
	t_bad_rip(0xffffffff81000000ULL, 1 /* SEGV_MAPERR */,
		  0xffffffff81000000UL, "0xffffffff81000000 (kernel half)");
#endif
	t_sc_x();
	t_sc_tf();
	if (has_long_mode())
		t_mode(0);
	else
		t_bad_cs(USER64_CS);	/* a TLS data segment on native i386 */
#ifdef __x86_64__
	t_mode(1);
#endif
	t_refused();
	t_bad_cs(0x13);
	t_bad_cs(user32_ds());
	t_flags();
	return ktap_finish();
}
