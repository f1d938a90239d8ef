/* abi: 32 */
/*
 * compat_r8_r15: a 32-bit task's r8-r15 survive int $0x80.
 *
 * A 32-bit process cannot name r8-r15, but it can far-jump to the 64-bit
 * user code segment (selector 0x33; 0x23 is the 32-bit one) and use them
 * there.  Linux saves the full 64-bit pt_regs on int $0x80 from compat
 * mode and restores them all, so whatever 64-bit code left in r8-r15 is
 * still there after the call: never zero, never a kernel value.  (Only the
 * vDSO fast paths may zero them; this test uses plain int $0x80.)
 *
 * run_compat(): far jump to 0x33, load r8-r15 from g_r_in, far return to
 * 0x23, load eax/ebx/ecx/edx, int $0x80, far jump to 0x33 again, store
 * r8-r15 to g_r_out, far return to 0x23.
 *
 * A native i386 kernel has no 64-bit mode (0x33 is a TLS slot there, and
 * there are no r8-r15): the whole test is SKIPped.
 */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <time.h>

unsigned long long g_r_in[8], g_r_out[8];
unsigned long g_eax_in, g_ebx_in, g_ecx_in, g_edx_in, g_eax_out;
void run_compat(void);

__asm__(".text\n"
	".globl run_compat\n"
	"run_compat:\n"
	"	push %ebx\n push %ebp\n push %esi\n push %edi\n"
	"	ljmp $0x33, $1f\n"
	/*
	 * In 64-bit code an ELF32 object cannot hold sign-extended absolute
	 * relocations, so addresses go through a zero-extending
	 * "mov $sym, %eax" (eax is free at both places it is used).
	 */
	".code64\n"
	"1:	mov $g_r_in, %eax\n"
	"	mov 0(%rax), %r8\n"
	"	mov 8(%rax), %r9\n"
	"	mov 16(%rax), %r10\n"
	"	mov 24(%rax), %r11\n"
	"	mov 32(%rax), %r12\n"
	"	mov 40(%rax), %r13\n"
	"	mov 48(%rax), %r14\n"
	"	mov 56(%rax), %r15\n"
	"	pushq $0x23\n"
	"	mov $2f, %eax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"2:	mov g_eax_in, %eax\n"
	"	mov g_ebx_in, %ebx\n"
	"	mov g_ecx_in, %ecx\n"
	"	mov g_edx_in, %edx\n"
	"	int $0x80\n"
	"	mov %eax, g_eax_out\n"
	"	ljmp $0x33, $3f\n"
	".code64\n"
	"3:	mov $g_r_out, %eax\n"
	"	mov %r8, 0(%rax)\n"
	"	mov %r9, 8(%rax)\n"
	"	mov %r10, 16(%rax)\n"
	"	mov %r11, 24(%rax)\n"
	"	mov %r12, 32(%rax)\n"
	"	mov %r13, 40(%rax)\n"
	"	mov %r14, 48(%rax)\n"
	"	mov %r15, 56(%rax)\n"
	"	pushq $0x23\n"
	"	mov $4f, %eax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"4:	pop %edi\n pop %esi\n pop %ebp\n pop %ebx\n"
	"	ret\n");

static void fill(unsigned long long seed)
{
	for (int i = 0; i < 8; i++) {
		g_r_in[i] = (seed * (i + 3) * 0x9e3779b97f4a7c15ULL) | 1ULL << 63 | (i + 8);
		g_r_out[i] = 0x5555555555555555ULL; /* not a plausible result */
	}
}

static int all_preserved(void)
{
	int ok = 1;
	for (int i = 0; i < 8; i++) {
		if (g_r_in[i] == g_r_out[i])
			continue;
		ktap_diag("r%d: before %#llx after %#llx", i + 8, g_r_in[i],
			  g_r_out[i]);
		ok = 0;
	}
	return ok;
}

static void call(unsigned long nr, unsigned long b, unsigned long c,
		 unsigned long d)
{
	g_eax_in = nr;
	g_ebx_in = b;
	g_ecx_in = c;
	g_edx_in = d;
	run_compat();
}

int main(void)
{
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	if (!has_long_mode())
		return ktap_skip_all(NO_LONG_MODE);
	ktap_plan(13);

	fill(0x1111);
	call(20 /* getpid */, 0, 0, 0);
	ktap_eq((long)g_eax_out, getpid(), "int $0x80 getpid from 32-bit code returns the pid");
	for (int i = 0; i < 8; i++)
		if (!ktap_ok(g_r_out[i] == g_r_in[i],
			     "r%d preserved across int $0x80 from compat mode", i + 8))
			ktap_diag("before %#llx after %#llx", g_r_in[i], g_r_out[i]);

	/* sched_yield may switch tasks: the saved values must come back. */
	fill(0x2222);
	call(158 /* sched_yield */, 0, 0, 0);
	ktap_ok(g_eax_out == 0 && all_preserved(),
		"r8-r15 preserved across sched_yield");

	/* A sleep certainly schedules away and back. */
	struct timespec ts = { 0, 2 * 1000 * 1000 };
	fill(0x3333);
	call(162 /* nanosleep */, (unsigned long)&ts, 0, 0);
	ktap_ok(g_eax_out == 0 && all_preserved(),
		"r8-r15 preserved across a 2 ms nanosleep");

	/* An unknown number takes the error path: still nothing changes. */
	fill(0x4444);
	call(0x7fff, 0, 0, 0);
	ktap_ok((long)g_eax_out == -ENOSYS && all_preserved(),
		"r8-r15 preserved across an unknown syscall (-ENOSYS)");

	/*
	 * fork (i386 number 2) from inside the sequence: the child starts
	 * from a copy of the parent's registers, r8-r15 included, and checks
	 * them itself; its exit status reports the result.
	 */
	fill(0x5555);
	call(2 /* fork */, 0, 0, 0);
	if (g_eax_out == 0)
		_exit(all_preserved() ? 0 : 1);
	int st = -1;
	long pid = (long)g_eax_out;
	int parent_ok = pid > 0 && all_preserved();
	if (pid > 0 && waitpid(pid, &st, 0) != pid)
		st = -1;
	ktap_ok(parent_ok && st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"r8-r15 preserved in both parent and child of int $0x80 fork");
	return ktap_finish();
}
