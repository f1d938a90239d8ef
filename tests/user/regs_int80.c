/*
 * regs_int80: int $0x80 changes EAX/RAX and nothing else.
 *
 * Linux saves a complete pt_regs on int $0x80 entry and restores every
 * field on the way out (IRET or the fast return), so every general register
 * other than the result, the stack pointer and the arithmetic/ID flags come
 * back exactly as they went in.  This holds for 32-bit tasks and for 64-bit
 * tasks that use int $0x80 with i386 numbers: there the full 64-bit values,
 * including r8-r15 (preserved since Linux 4.17's fix for leaking r8-r11),
 * must survive too.
 *
 * The registers are loaded from g_in[] and stored to g_out[] by a
 * hand-written routine, so the compiler cannot keep anything in them.
 */
#include "ktap.h"
#include "sys.h"

#ifdef __x86_64__
enum { AX, BX, CX, DX, SI, DI, BP, SP, R8, R9, R10, R11, R12, R13, R14, R15,
       FL, NREGS };
static const char *const names[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rflags" };
#else
enum { AX, BX, CX, DX, SI, DI, BP, SP, FL, NREGS };
static const char *const names[NREGS] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eflags" };
#endif

/* Used by the asm below; g_in[SP] and g_in[FL] are filled in by the asm. */
unsigned long g_in[NREGS], g_out[NREGS], g_flags_set;
void run_int80(void);

#ifdef __x86_64__
__asm__(".text\n"
	".globl run_int80\n"
	"run_int80:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n"
	"	push %r15\n"
	"	mov %rsp, g_in+56(%rip)\n"
	"	pushq g_flags_set(%rip)\n"
	"	popfq\n"
	"	pushfq\n"			/* what the CPU really holds now */
	"	popq g_in+128(%rip)\n"		/* pushf/pop leave flags alone */
	"	mov g_in+0(%rip), %rax\n"
	"	mov g_in+8(%rip), %rbx\n"
	"	mov g_in+16(%rip), %rcx\n"
	"	mov g_in+24(%rip), %rdx\n"
	"	mov g_in+32(%rip), %rsi\n"
	"	mov g_in+40(%rip), %rdi\n"
	"	mov g_in+48(%rip), %rbp\n"
	"	mov g_in+64(%rip), %r8\n"
	"	mov g_in+72(%rip), %r9\n"
	"	mov g_in+80(%rip), %r10\n"
	"	mov g_in+88(%rip), %r11\n"
	"	mov g_in+96(%rip), %r12\n"
	"	mov g_in+104(%rip), %r13\n"
	"	mov g_in+112(%rip), %r14\n"
	"	mov g_in+120(%rip), %r15\n"
	"	int $0x80\n"
	"	pushfq\n"
	"	popq g_out+128(%rip)\n"
	"	mov %rax, g_out+0(%rip)\n"
	"	mov %rbx, g_out+8(%rip)\n"
	"	mov %rcx, g_out+16(%rip)\n"
	"	mov %rdx, g_out+24(%rip)\n"
	"	mov %rsi, g_out+32(%rip)\n"
	"	mov %rdi, g_out+40(%rip)\n"
	"	mov %rbp, g_out+48(%rip)\n"
	"	mov %rsp, g_out+56(%rip)\n"
	"	mov %r8, g_out+64(%rip)\n"
	"	mov %r9, g_out+72(%rip)\n"
	"	mov %r10, g_out+80(%rip)\n"
	"	mov %r11, g_out+88(%rip)\n"
	"	mov %r12, g_out+96(%rip)\n"
	"	mov %r13, g_out+104(%rip)\n"
	"	mov %r14, g_out+112(%rip)\n"
	"	mov %r15, g_out+120(%rip)\n"
	"	cld\n"
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n");
#else
__asm__(".text\n"
	".globl run_int80\n"
	"run_int80:\n"
	"	push %ebx\n push %ebp\n push %esi\n push %edi\n"
	"	mov %esp, g_in+28\n"
	"	pushl g_flags_set\n"
	"	popfl\n"
	"	pushfl\n"
	"	popl g_in+32\n"
	"	mov g_in+0, %eax\n"
	"	mov g_in+4, %ebx\n"
	"	mov g_in+8, %ecx\n"
	"	mov g_in+12, %edx\n"
	"	mov g_in+16, %esi\n"
	"	mov g_in+20, %edi\n"
	"	mov g_in+24, %ebp\n"
	"	int $0x80\n"
	"	pushfl\n"
	"	popl g_out+32\n"
	"	mov %eax, g_out+0\n"
	"	mov %ebx, g_out+4\n"
	"	mov %ecx, g_out+8\n"
	"	mov %edx, g_out+12\n"
	"	mov %esi, g_out+16\n"
	"	mov %edi, g_out+20\n"
	"	mov %ebp, g_out+24\n"
	"	mov %esp, g_out+28\n"
	"	cld\n"
	"	pop %edi\n pop %esi\n pop %ebp\n pop %ebx\n"
	"	ret\n");
#endif

/* EFLAGS bits a user can set and Linux must hand back: CF PF AF ZF SF OF
 * plus IF (always on in user mode) and ID.  DF stays clear. */
#define FLAGS_ALL 0x200ad7UL
#define FLAGS_NONE 0x202UL

/* Distinct, high-bit-heavy values so a swap or truncation shows. */
static void fill(unsigned long seed)
{
	for (int i = 0; i < NREGS; i++)
		g_in[i] = (unsigned long)(seed * (i + 1) * 0x9e3779b97f4a7c15ULL) |
			  ((unsigned long)1 << (sizeof(long) * 8 - 1)) | i;
}

/* Compare every register but AX; report each mismatch as a diagnostic. */
static int others_preserved(void)
{
	int ok = 1;
	for (int i = 0; i < NREGS; i++) {
		if (i == AX || g_in[i] == g_out[i])
			continue;
		ktap_diag("%s: before %#lx after %#lx", names[i], g_in[i],
			  g_out[i]);
		ok = 0;
	}
	return ok;
}

int main(void)
{
	long pid = getpid();
	ktap_plan(NREGS + 2);

	/* Round 1: getpid (20 in the i386 table), all settable flags on. */
	fill(0x1234567);
	g_in[AX] = 20;
	g_flags_set = FLAGS_ALL;
	run_int80();
	ktap_eq((long)g_out[AX], pid, "int $0x80 getpid returns the pid");
	for (int i = 0; i < NREGS; i++) {
		if (i == AX)
			continue;
		if (!ktap_ok(g_out[i] == g_in[i], "%s preserved across int $0x80",
			     names[i]))
			ktap_diag("before %#lx after %#lx", g_in[i], g_out[i]);
	}

	/* Round 2: an error return (uname(NULL) -> -EFAULT), flags cleared. */
	fill(0x7654321);
	g_in[AX] = 122; /* i386 newuname */
	g_in[BX] = 0;
	g_flags_set = FLAGS_NONE;
	run_int80();
	ktap_ok((long)g_out[AX] == -EFAULT && others_preserved(),
		"failing int $0x80 (-EFAULT) changes only the result register");

	/* Round 3: an unknown number gives -ENOSYS, again nothing else moves. */
	fill(0xabcdef1);
	g_in[AX] = 0x7fff;
	g_flags_set = FLAGS_ALL;
	run_int80();
	ktap_ok((long)g_out[AX] == -ENOSYS && others_preserved(),
		"unknown int $0x80 number (-ENOSYS) changes only the result register");
	return ktap_finish();
}
