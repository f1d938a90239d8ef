/*
 * ptrace_sysemu: PTRACE_SYSEMU and PTRACE_SYSEMU_SINGLESTEP, the requests
 * a tracer uses to emulate system calls itself (User-Mode Linux, gVisor's
 * ptrace platform).
 *
 * Linux facts tested:
 *  - Resumed with PTRACE_SYSEMU, the tracee stops at the next syscall
 *    entry (SIGTRAP|0x80 with TRACESYSGOOD; orig_ax the number, the first
 *    argument in its register), the call is never run, and there is no
 *    exit stop: the next stop is the next call's entry.  The tracee gets
 *    whatever the tracer left in ax.
 *  - The mode the call entered with decides the skip: a SYSEMU entry stop
 *    resumed with PTRACE_CONT still skips that call.  The exit side goes
 *    by the mode resumed with: a SYSEMU entry stop resumed with
 *    PTRACE_SYSCALL gets an exit stop (for the call that was skipped).
 *  - PTRACE_SYSEMU_SINGLESTEP steps ordinary instructions (plain SIGTRAP
 *    stops), stops at a syscall's entry as SYSEMU does, and the next step
 *    from there executes the instruction after the call (no exit stop, no
 *    step report for the skipped call itself).
 *  - A signal number above 64 is -EIO, as for every resume request.
 * umask is the emulated call: its effect is visible afterwards (a later
 * untraced umask returns the mask), so "not executed" can fail.  In the
 * 32-bit build glibc makes the calls through the vDSO (SYSENTER, SYSCALL
 * or int $0x80 by configuration); the stepped call is a raw int $0x80.
 */
#include "ktap.h"
#include "sys.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>
#include <sys/wait.h>

#ifndef PTRACE_SYSEMU
#define PTRACE_SYSEMU 31
#endif
#ifndef PTRACE_SYSEMU_SINGLESTEP
#define PTRACE_SYSEMU_SINGLESTEP 32
#endif

#ifdef __x86_64__
#define NR_UMASK 95
#define R_IP(r) (r).rip
#define R_AX(r) (r).rax
#define R_ORIG(r) (r).orig_rax
#define R_ARG0(r) (r).rdi
/* int3, two ordinary instructions, umask(077) by SYSCALL, two more. */
__asm__(".text\n"
	".globl se_blob\nse_blob:\n"
	"	int3\n"
	".globl se_s1\nse_s1:\n"
	"	mov $95, %eax\n"
	".globl se_s2\nse_s2:\n"
	"	mov $0x3f, %edi\n"
	".globl se_s3\nse_s3:\n"
	"	syscall\n"
	".globl se_s4\nse_s4:\n"
	"	mov %eax, se_result(%rip)\n"
	".globl se_s5\nse_s5:\n"
	"	nop\n"
	"	ret\n");
#else
#define NR_UMASK 60
#define R_IP(r) (r).eip
#define R_AX(r) (r).eax
#define R_ORIG(r) (r).orig_eax
#define R_ARG0(r) (r).ebx
__asm__(".text\n"
	".globl se_blob\nse_blob:\n"
	"	push %ebx\n"
	"	int3\n"
	".globl se_s1\nse_s1:\n"
	"	mov $60, %eax\n"
	".globl se_s2\nse_s2:\n"
	"	mov $0x3f, %ebx\n"
	".globl se_s3\nse_s3:\n"
	"	int $0x80\n"
	".globl se_s4\nse_s4:\n"
	"	mov %eax, se_result\n"
	".globl se_s5\nse_s5:\n"
	"	pop %ebx\n"
	"	ret\n");
#endif
extern char se_s1[], se_s2[], se_s3[], se_s4[], se_s5[];
void se_blob(void);
unsigned int se_result;

#define EMU_AX1 0x5a5
#define EMU_AX2 0x1c3
#define EMU_AX3 0x0f0

/* The tracee of both cases; its exit code has one bit per wrong result. */
static int tracee(int stepping)
{
	umask(022);
	if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
		return 100;
	int bad = 0;
	if (stepping) {
		se_blob();
		bad |= se_result != EMU_AX1 ? 1 : 0;
	} else {
		__asm__ volatile("int3");
		bad |= umask(077) != EMU_AX1 ? 1 : 0;
		bad |= umask(0) != EMU_AX2 ? 2 : 0;
		bad |= umask(0) != EMU_AX3 ? 2 : 0;
	}
	bad |= umask(0) != 022 ? 4 : 0;	/* neither emulated umask ran */
	return bad;
}

static pid_t start(int stepping)
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0)
		_exit(tracee(stepping));
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
	    WSTOPSIG(st) != SIGTRAP) {
		ktap_diag("tracee did not reach its int3");
		return -1;
	}
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD);
	return pid;
}

/* Resume with req and wait for the next stop; its signal, or -1. */
static int resume(pid_t pid, int req, struct user_regs_struct *r)
{
	int st;
	if (ptrace(req, pid, 0, 0) != 0 || waitpid(pid, &st, 0) != pid ||
	    !WIFSTOPPED(st) || ptrace(PTRACE_GETREGS, pid, 0, r) != 0)
		return -1;
	return WSTOPSIG(st);
}

static int finish(pid_t pid)
{
	int st;
	ptrace(PTRACE_CONT, pid, 0, 0);
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 200;
}

static void test_sysemu(void)
{
	struct user_regs_struct r;
	pid_t pid = start(0);
	if (pid < 0) {
		for (int i = 0; i < 7; i++)
			ktap_ok(0, "sysemu: tracee");
		return;
	}
	errno = 0;
	ktap_ok(ptrace(PTRACE_SYSEMU, pid, 0, 65) == -1 && errno == EIO,
		"PTRACE_SYSEMU with signal 65: EIO");
	int sig = resume(pid, PTRACE_SYSEMU, &r);
	ktap_ok(sig == (SIGTRAP | 0x80) && R_ORIG(r) == NR_UMASK && R_ARG0(r) == 077,
		"SYSEMU: entry stop of umask(077) (sig %#x nr %ld arg %#lx)", sig,
		(long)R_ORIG(r), (unsigned long)R_ARG0(r));
	R_AX(r) = EMU_AX1;
	ptrace(PTRACE_SETREGS, pid, 0, &r);
	sig = resume(pid, PTRACE_SYSEMU, &r);
	ktap_ok(sig == (SIGTRAP | 0x80) && R_ORIG(r) == NR_UMASK && R_ARG0(r) == 0,
		"SYSEMU: no exit stop, the next stop is umask(0)'s entry (sig %#x arg %#lx)",
		sig, (unsigned long)R_ARG0(r));
	R_AX(r) = EMU_AX2;
	ptrace(PTRACE_SETREGS, pid, 0, &r);
	sig = resume(pid, PTRACE_SYSCALL, &r);
	ktap_ok(sig == (SIGTRAP | 0x80) && R_ORIG(r) == NR_UMASK && R_ARG0(r) == 0 &&
		R_AX(r) == EMU_AX2,
		"SYSEMU entry resumed with PTRACE_SYSCALL: an exit stop, ax the tracer's "
		"(sig %#x ax %#lx)", sig, (unsigned long)R_AX(r));
	sig = resume(pid, PTRACE_SYSEMU, &r);
	ktap_ok(sig == (SIGTRAP | 0x80) && R_ORIG(r) == NR_UMASK && R_ARG0(r) == 0,
		"then SYSEMU again: the third umask's entry (sig %#x)", sig);
	R_AX(r) = EMU_AX3;
	ptrace(PTRACE_SETREGS, pid, 0, &r);
	int code = finish(pid);
	ktap_ok(code >= 0 && !(code & 3), "SYSEMU: the tracee gets the tracer's ax "
		"(also when resumed with PTRACE_CONT) (exit %d)", code);
	ktap_ok(code >= 0 && !(code & ~3), "SYSEMU: the emulated calls never ran (exit %d)",
		code);
}

static void test_sysemu_step(void)
{
	struct user_regs_struct r;
	pid_t pid = start(1);
	if (pid < 0) {
		for (int i = 0; i < 4; i++)
			ktap_ok(0, "sysemu_singlestep: tracee");
		return;
	}
	int ok = 1;
	const char *want[] = { se_s2, se_s3 };
	for (int i = 0; i < 2; i++) {
		int sig = resume(pid, PTRACE_SYSEMU_SINGLESTEP, &r);
		if (sig != SIGTRAP || R_IP(r) != (unsigned long)want[i]) {
			ktap_diag("step %d: sig %#x ip %#lx want %p", i, sig,
				  (unsigned long)R_IP(r), want[i]);
			ok = 0;
		}
	}
	ktap_ok(ok, "SYSEMU_SINGLESTEP steps ordinary instructions (plain SIGTRAP)");
	int sig = resume(pid, PTRACE_SYSEMU_SINGLESTEP, &r);
	ktap_ok(sig == (SIGTRAP | 0x80) && R_ORIG(r) == NR_UMASK &&
		R_IP(r) == (unsigned long)se_s4,
		"SYSEMU_SINGLESTEP: entry stop at the call (sig %#x nr %ld ip %#lx)",
		sig, (long)R_ORIG(r), (unsigned long)R_IP(r));
	R_AX(r) = EMU_AX1;
	ptrace(PTRACE_SETREGS, pid, 0, &r);
	sig = resume(pid, PTRACE_SYSEMU_SINGLESTEP, &r);
	ktap_ok(sig == SIGTRAP && R_IP(r) == (unsigned long)se_s5,
		"SYSEMU_SINGLESTEP: no exit stop, the next step ends after the next "
		"instruction (sig %#x ip %#lx want %p)", sig, (unsigned long)R_IP(r), se_s5);
	int code = finish(pid);
	ktap_eq(code, 0, "SYSEMU_SINGLESTEP: tracee got the tracer's ax, umask never ran");
}

int main(void)
{
	no_core_dumps();
	ktap_plan(11);
	test_sysemu();
	test_sysemu_step();
	return ktap_finish();
}
