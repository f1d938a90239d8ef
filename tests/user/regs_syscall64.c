/* abi: 64 */
/*
 * regs_syscall64: what the SYSCALL instruction may change in 64-bit mode.
 *
 * The CPU itself writes the return RIP into RCX and RFLAGS into R11; Linux
 * returns (by SYSRETQ or IRETQ) with RCX = address of the instruction after
 * `syscall`, R11 = RFLAGS as it was at the syscall (RF clear: a plain
 * pushfq never shows RF either), RFLAGS itself restored, RAX = result, and
 * every other register (rbx rdx rsi rdi rbp rsp r8-r10 r12-r15) unchanged.
 */
#include "ktap.h"
#include "sys.h"

enum { AX, BX, CX, DX, SI, DI, BP, SP, R8, R9, R10, R11, R12, R13, R14, R15,
       FL, NREGS };
static const char *const names[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rflags" };

unsigned long g_in[NREGS], g_out[NREGS], g_flags_set, g_next_rip;
void run_syscall(void);

__asm__(".text\n"
	".globl run_syscall\n"
	"run_syscall:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n"
	"	push %r15\n"
	"	lea 1f(%rip), %rax\n"
	"	mov %rax, g_next_rip(%rip)\n"
	"	mov %rsp, g_in+56(%rip)\n"
	"	pushq g_flags_set(%rip)\n"
	"	popfq\n"
	"	pushfq\n"
	"	popq g_in+128(%rip)\n"
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
	"	syscall\n"
	"1:	pushfq\n"
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

#define FLAGS_ALL 0x200ad7UL /* CF PF AF ZF SF OF IF ID; DF clear */
#define FLAGS_NONE 0x202UL

static void fill(unsigned long seed)
{
	for (int i = 0; i < NREGS; i++)
		g_in[i] = seed * (i + 1) * 0x9e3779b97f4a7c15UL | 1UL << 63 | i;
}

/* Everything except RAX, RCX, R11 unchanged; RCX/R11 as the CPU defines. */
static int contract_holds(void)
{
	int ok = 1;
	for (int i = 0; i < NREGS; i++) {
		if (i == AX || i == CX || i == R11 || g_in[i] == g_out[i])
			continue;
		ktap_diag("%s: before %#lx after %#lx", names[i], g_in[i],
			  g_out[i]);
		ok = 0;
	}
	if (g_out[CX] != g_next_rip || g_out[R11] != g_in[FL]) {
		ktap_diag("rcx %#lx (want %#lx) r11 %#lx (want %#lx)",
			  g_out[CX], g_next_rip, g_out[R11], g_in[FL]);
		ok = 0;
	}
	return ok;
}

int main(void)
{
	long pid = getpid();
	ktap_plan(NREGS + 2);

	fill(0x1234567);
	g_in[AX] = SYS_getpid;
	g_flags_set = FLAGS_ALL;
	run_syscall();
	ktap_eq((long)g_out[AX], pid, "syscall getpid returns the pid");
	for (int i = 0; i < NREGS; i++) {
		if (i == AX || i == CX || i == R11)
			continue;
		if (!ktap_ok(g_out[i] == g_in[i], "%s preserved across syscall",
			     names[i]))
			ktap_diag("before %#lx after %#lx", g_in[i], g_out[i]);
	}
	ktap_eq(g_out[CX], g_next_rip,
		"rcx == address of the instruction after syscall");
	ktap_eq(g_out[R11], g_in[FL], "r11 == rflags at the syscall");

	/* An error return (uname(NULL) -> -EFAULT) with flags cleared. */
	fill(0x7654321);
	g_in[AX] = SYS_uname;
	g_in[DI] = 0;
	g_flags_set = FLAGS_NONE;
	run_syscall();
	ktap_ok((long)g_out[AX] == -EFAULT && contract_holds(),
		"failing syscall (-EFAULT) keeps the same register contract");

	/* An unknown number: -ENOSYS, same contract. */
	fill(0xabcdef1);
	g_in[AX] = 0x7fff;
	g_flags_set = FLAGS_ALL;
	run_syscall();
	ktap_ok((long)g_out[AX] == -ENOSYS && contract_holds(),
		"unknown syscall number (-ENOSYS) keeps the same register contract");
	return ktap_finish();
}
