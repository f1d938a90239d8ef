/* abi: 32 */
/*
 * iret_vm86 - a user IRET that asks for virtual-8086 mode must fault.
 *
 * Long mode has no virtual-8086 mode, and a CPL-3 IRET cannot set
 * EFLAGS.VM anyway: the CPU ignores it and judges the frame's CS as for
 * any IRET.  QEMU's TCG instead enters a vm86-like
 * state with whatever CS the frame held, even one with RPL 0-2; the first
 * exception from there used to reach the kernel looking like a kernel-mode
 * fault and panicked it (found by fuzz_entry).  xentry now never returns
 * to that state and gives the task the same SIGSEGV.
 *
 * Each case runs `iretl` in a forked child with a frame whose EFLAGS has
 * VM set; the child's handler must run, in CS 0x23, for a SIGSEGV (real
 * CPUs ignore VM at CPL 3 and judge the CS, so the exact fault differs).
 * A native i386 kernel's user code selector is 0x73 (kernel32.h): there
 * it is the "ordinary" CS case and the handler's CS; the same CPL-3 rule
 * holds in legacy mode, where vm86 mode does exist - but never by IRET
 * from ring 3.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "kernel32.h"
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <ucontext.h>

struct report { int sig, code; unsigned int trapno, err, cs; };
static int report_fd;

static void on_fault(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	struct report r = { sig, si->si_code, uc->uc_mcontext.gregs[REG_TRAPNO],
			    uc->uc_mcontext.gregs[REG_ERR], uc->uc_mcontext.gregs[REG_CS] };
	if (write(report_fd, &r, sizeof(r)) != sizeof(r))
		_exit(2);
	_exit(0);
}

/* IRET with (eip, cs, eflags, esp, ss) = frame; never returns here. */
static void iret_with(const uint32_t frame[5])
{
	__asm__ volatile("mov %0, %%esp\n\tiretl" : : "r"(frame) : "memory");
}

static int run_case(uint32_t cs, uint32_t eflags, struct report *r)
{
	int p[2];
	if (pipe(p))
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		static char altstack[16384];
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
		struct sigaction sa = { .sa_sigaction = on_fault,
					.sa_flags = SA_SIGINFO | SA_ONSTACK };
		report_fd = p[1];
		sigaltstack(&ss, NULL);
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGBUS, &sa, NULL);
		sigaction(SIGILL, &sa, NULL);
		static uint32_t frame[5];
		frame[0] = 0x1370, frame[1] = cs, frame[2] = eflags;
		frame[3] = 0xf8c0, frame[4] = 0x30bb;
		iret_with(frame);
		_exit(3);
	}
	close(p[1]);
	int st = 0, got = 0;
	waitpid(pid, &st, 0);
	got = read(p[0], r, sizeof(*r)) == sizeof(*r);
	close(p[0]);
	return got && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	/* CS values: RPL 1 and 2 past the GDT (what the fuzzer hit), RPL 0,
	 * and the ordinary user code selector. */
	const uint32_t ucs = user32_cs();
	const uint32_t css[] = { 0x1c1, 0x1a, 0x1c0, ucs };
	static const uint32_t flags[] = { 0x20202, 0xff3bfbc3 };
	ktap_plan(8);
	for (unsigned i = 0; i < 4; i++) {
		for (unsigned f = 0; f < 2; f++) {
			struct report r = { 0 };
			int ok = run_case(css[i], flags[f], &r);
			/* Hardware ignores VM here and judges CS (#GP with the
			 * selector, or for 0x23 a #PF at the unmapped EIP);
			 * under TCG the kernel reports a #GP.  Either way: a
			 * SIGSEGV in the task's own code segment. */
			ok = ok && r.sig == SIGSEGV && (r.trapno == 13 || r.trapno == 14) &&
			     r.cs == ucs;
			if (!ktap_ok(ok, "iretl to CS %#x with EFLAGS %#x (VM set): SIGSEGV, "
				     "handled back in CS %#x", css[i], flags[f], ucs))
				ktap_diag("sig %d code %#x trapno %u err %#x cs %#x", r.sig, r.code,
					  r.trapno, r.err, r.cs);
		}
	}
	return ktap_finish();
}
