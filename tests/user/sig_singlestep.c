/*
 * sig_singlestep - TF set from user mode across every system-call path.
 *
 * The task sets TF with popf and runs a short stretch of code that makes a
 * system call - through the 32-bit vDSO (SYSENTER, SYSCALL or int $0x80,
 * whatever this machine's vDSO uses), through a raw int $0x80, or through
 * SYSCALL in 64-bit code - then clears TF again.  A SIGTRAP handler counts
 * the traps and records where they happened.  What Linux guarantees and
 * this test asserts:
 *   - the kernel survives (SYSENTER keeps TF in ring 0: each prologue
 *     instruction traps into the kernel itself, which must let them pass);
 *   - the system call still returns its right result;
 *   - every trap is a SIGTRAP with si_code TRAP_TRACE, reported with an IP
 *     inside the stepped stretch or inside the vDSO, never in the kernel;
 *   - IPs only move forward through the stretch, one trap per instruction
 *     executed in user mode (at least one per instruction we wrote);
 *   - the handler itself runs with TF clear, and TF is back in its
 *     context's flags (the task goes on stepping after each handler);
 *   - after TF is cleared, nothing traps any more.
 */
#define _GNU_SOURCE	/* REG_EIP, REG_EFL */
#include "ktap.h"
#include "sys.h"
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#define MAX_TRAPS 256
#define X86_TF 0x100UL

static volatile int ntraps, bad_code, handler_tf;
static volatile unsigned long trap_ip[MAX_TRAPS], trap_flags[MAX_TRAPS];
static unsigned long vdso_lo, vdso_hi;

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned long flags;
	__asm__ volatile("pushf; pop %0" : "=r"(flags));
	if (flags & X86_TF)
		handler_tf = 1;
	if (si->si_code != 2 /* TRAP_TRACE */)
		bad_code = 1;
#ifdef __x86_64__
	unsigned long ip = uc->uc_mcontext.gregs[REG_RIP];
	unsigned long ctxflags = uc->uc_mcontext.gregs[REG_EFL];
#else
	unsigned long ip = uc->uc_mcontext.gregs[REG_EIP];
	unsigned long ctxflags = uc->uc_mcontext.gregs[REG_EFL];
#endif
	if (ntraps < MAX_TRAPS) {
		trap_ip[ntraps] = ip;
		trap_flags[ntraps] = ctxflags;
	}
	ntraps++;
}

/*
 * The stepped stretches.  Each sets TF, makes getppid() through one path,
 * stores the result, clears TF and ends at its _end label.  Outputs in
 * globals so the asm stays simple.
 */
long step_result;
extern char step_raw_start[], step_raw_end[];
#ifdef __x86_64__
__asm__(".text\n"
	".globl step_raw\n"
	"step_raw:\n"
	"	pushf\n"
	"	orq $0x100, (%rsp)\n"
	"	popf\n"
	".globl step_raw_start\n"
	"step_raw_start:\n"
	"	mov $110, %eax\n"		/* getppid */
	"	syscall\n"
	"	mov %rax, step_result(%rip)\n"
	"	pushf\n"
	"	andq $~0x100, (%rsp)\n"
	"	popf\n"
	".globl step_raw_end\n"
	"step_raw_end:\n"
	"	ret\n");
#else
unsigned long vsys;
extern char step_vdso_start[], step_vdso_end[];
__asm__(".text\n"
	".globl step_raw\n"
	"step_raw:\n"
	"	push %ebx\n"
	"	pushf\n"
	"	orl $0x100, (%esp)\n"
	"	popf\n"
	".globl step_raw_start\n"
	"step_raw_start:\n"
	"	mov $64, %eax\n"		/* getppid */
	"	int $0x80\n"
	"	mov %eax, step_result\n"
	"	pushf\n"
	"	andl $~0x100, (%esp)\n"
	"	popf\n"
	".globl step_raw_end\n"
	"step_raw_end:\n"
	"	pop %ebx\n"
	"	ret\n"
	".globl step_vdso\n"
	"step_vdso:\n"
	"	push %ebx\n"
	"	pushf\n"
	"	orl $0x100, (%esp)\n"
	"	popf\n"
	".globl step_vdso_start\n"
	"step_vdso_start:\n"
	"	mov $64, %eax\n"
	"	call *vsys\n"
	"	mov %eax, step_result\n"
	"	pushf\n"
	"	andl $~0x100, (%esp)\n"
	"	popf\n"
	".globl step_vdso_end\n"
	"step_vdso_end:\n"
	"	pop %ebx\n"
	"	ret\n");
void step_vdso(void);
#endif
void step_raw(void);

static void run(const char *what, void (*fn)(void), char *start, char *end,
		int min_traps, int may_enter_vdso)
{
	ntraps = bad_code = handler_tf = 0;
	step_result = -1;
	fn();
	int n = ntraps;
	ktap_eq(step_result, (long)getppid(), "%s: the stepped getppid() returns the parent", what);
	ktap_ok(n >= min_traps && n < MAX_TRAPS,
		"%s: one SIGTRAP per instruction stepped (%d traps, at least %d)", what, n,
		min_traps);
	int in_range = 1, forward = 1, tf_kept = 1;
	unsigned long last = 0;
	for (int i = 0; i < n && i < MAX_TRAPS; i++) {
		unsigned long ip = trap_ip[i];
		/* The popf that clears TF still traps once, at the end label,
		 * and that context no longer has TF; every other one does. */
		if (ip != (unsigned long)end && !(trap_flags[i] & X86_TF))
			tf_kept = 0;
		int ours = ip > (unsigned long)start && ip <= (unsigned long)end;
		int vdso = may_enter_vdso && ip >= vdso_lo && ip < vdso_hi;
		if (!ours && !vdso) {
			ktap_diag("%s: trap %d at %#lx, outside %p..%p", what, i, ip, start, end);
			in_range = 0;
		}
		if (ours) {
			if (ip < last)
				forward = 0;
			last = ip;
		}
	}
	ktap_ok(in_range, "%s: every trap is reported in user code (ours or the vDSO)", what);
	ktap_ok(forward, "%s: the reported IPs only move forward through the stretch", what);
	if (bad_code || handler_tf || !tf_kept)
		ktap_diag("%s: bad si_code %d, TF in handler %d, TF lost %d", what, bad_code,
			  handler_tf, !tf_kept);
	ktap_ok(!bad_code && !handler_tf && tf_kept,
		"%s: si_code TRAP_TRACE, handler runs with TF clear, TF kept in the context",
		what);
	int before = ntraps;
	long again = raw_syscall(SYS_getppid, 0, 0, 0, 0, 0, 0);
	ktap_ok(ntraps == before && again == getppid(),
		"%s: with TF cleared nothing traps any more", what);
}

int main(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_trap;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGTRAP, &sa, NULL);
#ifdef __x86_64__
	ktap_plan(6);
	/* mov, syscall, mov, pushf, and, popf: the trap after each. */
	run("syscall (64-bit)", step_raw, step_raw_start, step_raw_end, 5, 0);
#else
	ktap_plan(12);
	run("int $0x80", step_raw, step_raw_start, step_raw_end, 5, 0);
	vsys = getauxval(AT_SYSINFO);
	vdso_lo = getauxval(AT_SYSINFO_EHDR);
	vdso_hi = vdso_lo + 2 * 4096;
	if (!vsys) {
		for (int i = 0; i < 6; i++)
			ktap_skip("no AT_SYSINFO", "vDSO case %d", i + 1);
	} else {
		/* Into __kernel_vsyscall too: its pushes and the landing pad's
		 * pops trap like any other instruction. */
		run("vDSO", step_vdso, step_vdso_start, step_vdso_end, 8, 1);
	}
#endif
	return ktap_finish();
}
