/* abi: 64 */
/*
 * vsyscall: the legacy page at 0xffffffffff600000, as Linux's default
 * vsyscall=xonly has it.
 *
 * Linux facts tested:
 *  - Calling +0x000 (gettimeofday), +0x400 (time) and +0x800 (getcpu)
 *    works: the fetch faults and the kernel runs the call, stores its
 *    results, returns its value in rax and returns to the caller as the
 *    page's `ret` would (rsp back above the return address, callee-saved
 *    registers intact).
 *  - Reading the page is a SIGSEGV: si_addr the address, SEGV_MAPERR, the
 *    error code a user-mode read (no write or instruction-fetch bit; the
 *    present bit depends on the page tables: Linux's hosts differ).
 *  - A call to any other offset in the page is a SIGSEGV.
 *  - A result pointer the kernel refuses (kernel half), or one whose page
 *    is not mapped, is a SIGSEGV with the ret not done: RIP in the signal
 *    frame is still the entry point.
 *  - process_vm_readv of the page fails with EFAULT (nothing is mapped).
 *  - The emulated `ret` goes wherever the stack says: a non-canonical or
 *    kernel return address is the caller's SIGSEGV, nothing more (the
 *    kernel's IRET must not fault on it in ring 0).
 * A kernel booted with vsyscall=none (no [vsyscall] line in the maps, and
 * the call faults) skips the call cases; vsyscall=emulate (the page is
 * readable) skips the read case.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>

#define VSYS 0xffffffffff600000UL
typedef long (*gtod_fn)(struct timeval *, struct timezone *);
typedef long (*time_fn)(long *);
typedef long (*getcpu_fn)(unsigned *, unsigned *, void *);

static sigjmp_buf jb;
static volatile unsigned long seg_addr, seg_rip, seg_err;
static volatile int seg_code;

static void on_segv(int sig, siginfo_t *si, void *uc_)
{
	ucontext_t *uc = uc_;
	seg_addr = (unsigned long)si->si_addr;
	seg_code = si->si_code;
	seg_rip = uc->uc_mcontext.gregs[REG_RIP];
	seg_err = uc->uc_mcontext.gregs[REG_ERR];
	siglongjmp(jb, 1);
}

/* Calls time at the page with rbx/rbp/r12-r15 loaded with markers, and
 * checks they and rsp survive; returns the result, *regs_ok. */
static long time_checked(long *t, int *regs_ok)
{
	long ret, bad;
	__asm__ volatile(
		"push %%rbx; push %%rbp; push %%r12; push %%r13; push %%r14; push %%r15\n"
		"mov %%rsp, %%r15\n"
		"mov $0x1111, %%rbx; mov $0x2222, %%rbp; mov $0x3333, %%r12\n"
		"mov $0x4444, %%r13; mov $0x5555, %%r14\n"
		"mov $0xffffffffff600400, %%rax\n"
		"call *%%rax\n"
		"xor %%ecx, %%ecx\n"
		"cmp $0x1111, %%rbx; setne %%cl; mov %%rcx, %%rdx\n"
		"cmp $0x2222, %%rbp; setne %%cl; or %%rcx, %%rdx\n"
		"cmp $0x3333, %%r12; setne %%cl; or %%rcx, %%rdx\n"
		"cmp $0x4444, %%r13; setne %%cl; or %%rcx, %%rdx\n"
		"cmp $0x5555, %%r14; setne %%cl; or %%rcx, %%rdx\n"
		"cmp %%rsp, %%r15; setne %%cl; or %%rcx, %%rdx\n"
		"pop %%r15; pop %%r14; pop %%r13; pop %%r12; pop %%rbp; pop %%rbx\n"
		: "=a"(ret), "=d"(bad), "+D"(t)
		:
		: "rcx", "rsi", "r8", "r9", "r10", "r11", "memory", "cc");
	*regs_ok = !bad;
	return ret;
}

/* Run fn under the SIGSEGV handler: 1 if it faulted. */
#define FAULTS(stmt) (sigsetjmp(jb, 1) ? 1 : ((stmt), 0))

static int maps_mode(void)
{
	/* 'n' no line, 'x' xonly, 'r' emulate (readable), '?' no maps */
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return '?';
	char line[256];
	int mode = 'n';
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "[vsyscall]"))
			mode = strstr(line, " r") ? 'r' : 'x';
	fclose(f);
	return mode;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigaction(SIGSEGV, &sa, NULL);
	ktap_plan(10);
	int mode = maps_mode();
	ktap_diag("[vsyscall] in /proc/self/maps: %c", mode);

	long t = -1;
	if (mode == 'n' && FAULTS(((time_fn)(VSYS + 0x400))(&t))) {
		for (int i = 0; i < 8; i++)
			ktap_skip("vsyscall=none", "vsyscall call %d", i);
	} else {
		int regs_ok = 0;
		long t0 = time(NULL);
		t = -1;
		long r = time_checked(&t, &regs_ok);
		long t1 = time(NULL);
		ktap_ok(r == t && r >= t0 && r <= t1,
			"time at +0x400: returns the time and stores it (%ld %ld, %ld..%ld)",
			r, t, t0, t1);
		ktap_ok(regs_ok, "time at +0x400: returns to the caller, rsp and "
			"callee-saved registers intact");

		struct timeval a, b, v = { -1, -1 };
		struct timezone tz = { -1, -1 }, tzs;
		gettimeofday(&a, &tzs);
		long g = ((gtod_fn)VSYS)(&v, &tz);
		gettimeofday(&b, NULL);
		double da = a.tv_sec + a.tv_usec * 1e-6, dv = v.tv_sec + v.tv_usec * 1e-6,
		       db = b.tv_sec + b.tv_usec * 1e-6;
		ktap_ok(g == 0 && dv >= da && dv <= db && tz.tz_minuteswest == tzs.tz_minuteswest &&
			tz.tz_dsttime == tzs.tz_dsttime,
			"gettimeofday at +0x000: 0, time between two syscalls, timezone stored");

		unsigned cpu = 99, node = 99, scpu = 98, snode = 98;
		SC(SYS_getcpu, &scpu, &snode, 0);
		long c = ((getcpu_fn)(VSYS + 0x800))(&cpu, &node, NULL);
		ktap_ok(c == 0 && cpu == scpu && node == snode,
			"getcpu at +0x800: 0, same cpu/node as the syscall (%u/%u vs %u/%u)",
			cpu, node, scpu, snode);

		int f = FAULTS(((time_fn)(VSYS + 0x100))(NULL));
		ktap_ok(f && seg_rip == VSYS + 0x100,
			"call to +0x100 (not an entry): SIGSEGV at it (rip %#lx)", seg_rip);

		f = FAULTS(((time_fn)(VSYS + 0x400))((long *)0xffff800000001000UL));
		ktap_ok(f && seg_rip == VSYS + 0x400 && seg_addr == 0xffff800000001000UL,
			"time(kernel pointer): SIGSEGV at the pointer, no ret (rip %#lx addr %#lx)",
			seg_rip, seg_addr);

		long *hole = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		munmap(hole, 4096);
		f = FAULTS(((time_fn)(VSYS + 0x400))(hole));
		ktap_ok(f && seg_rip == VSYS + 0x400,
			"time(unmapped pointer): SIGSEGV, no ret (rip %#lx)", seg_rip);

		static const unsigned long bogus[] = {
			0x8000000000000000UL, 0x0000800000000000UL,
			0xffff800000000000UL, 0xffffffff81000000UL,
		};
		int killed = 0;
		for (int i = 0; i < 4; i++) {
			pid_t p = fork();
			if (p == 0) {
				signal(SIGSEGV, SIG_DFL);
				asm volatile("xor %%edi, %%edi\n\tpushq %0\n\tjmp *%1"
					     : : "r"(bogus[i]), "r"(VSYS + 0x400) : "memory");
				_exit(0);
			}
			int st = 0;
			waitpid(p, &st, 0);
			killed += WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV;
		}
		ktap_ok(killed == 4, "time() returning to a non-canonical or kernel "
			"address: SIGSEGV for the caller (%d of 4)", killed);
	}

	if (mode == 'r') {
		ktap_skip("vsyscall=emulate: the page is readable", "read of the page");
	} else {
		int f = FAULTS(*(volatile int *)VSYS);
		ktap_ok(f && seg_addr == VSYS && seg_code == SEGV_MAPERR &&
			(seg_err & 0x16) == 4,
			"read of the page: SIGSEGV MAPERR at it, a user read (addr %#lx err %#lx)",
			seg_addr, seg_err);
	}

	char buf[64];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)VSYS, sizeof(buf) };
	errno = 0;
	long n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	if (mode == 'r')
		ktap_ok(n == sizeof(buf), "process_vm_readv of the readable page");
	else
		ktap_ok(n == -1 && errno == EFAULT, "process_vm_readv of the page: EFAULT "
			"(%ld, errno %d)", n, errno);
	return ktap_finish();
}
