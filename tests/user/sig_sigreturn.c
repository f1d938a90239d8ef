/*
 * sig_sigreturn: sigreturn with frames a program should not hand back.
 *
 * Every case runs in a child (with a 5 s alarm as a watchdog); the parent
 * checks the wait status.  The kernel must survive each one and give the
 * outcome Linux gives:
 *  - random bytes as the frame, or a stack pointer at an unmapped or a
 *    kernel address: the task dies of SIGSEGV;
 *  - a legal mode switch: a 32-bit task may return to CS 0x33 (64-bit
 *    code) and a 64-bit task to CS 0x23 (32-bit code); the exit code proves
 *    the other mode's decoding of the same bytes ran;
 *  - CS 0x10 (kernel code; Linux forces RPL 3 -> 0x13) or 0x2b (a data
 *    segment): the return to user mode faults: SIGSEGV;
 *  - SS 0x10 or 0: SIGSEGV, except in a 64-bit frame without
 *    UC_STRICT_RESTORE_SS, where Linux replaces the bad SS by __USER_DS
 *    (0x2b) and the task goes on;
 *  - RIP 1<<47 or 1<<63 (non-canonical): SIGSEGV (si_code SI_KERNEL)
 *    reported at exactly that RIP;
 *  - flags: only AC OF DF TF SF ZF AF PF CF RF come from the frame.  IOPL 3
 *    is dropped (a later cli still faults), VM and NT are dropped too;
 *    AC is taken;
 *  - a NULL fpstate pointer is allowed (the FPU is reset: MXCSR 0x1f80);
 *    one to an unmapped page is a bad frame: SIGSEGV.
 * On a native i386 kernel (Linux i386, xentry ARCH=i386; kernel32.h) the
 * data segment is 0x7b, there is no 64-bit mode (0x33 is a TLS data
 * segment), and an IRET that faults on the way back to user mode reaches
 * the task as Linux i386's "iret exception", SIGILL: so the bad CS and SS
 * cases, and the CS 0x33 one, end in SIGILL there.
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <sys/mman.h>
#include <ucontext.h>

#define FL_AC 0x40000UL
#define FL_VM 0x20000UL
#define FL_NT 0x4000UL
#define FL_IOPL 0x3000UL
#define UC_STRICT_RESTORE_SS_ 4

#ifdef __x86_64__
#define REG_IP REG_RIP
#define NR_RT_SIGRETURN 15
#else
#define REG_IP REG_EIP
#define NR_RT_SIGRETURN 173
#define NR_SIGRETURN 119
#endif

static void *unmapped;

static unsigned long read_flags(void)
{
	unsigned long f;
	__asm__ volatile("pushf\n\tpop %0" : "=r"(f));
	return f;
}

static unsigned short read_ss(void)
{
	unsigned short ss;
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	return ss;
}

/* ---- raw sigreturn with SP at a chosen place ---- */

__attribute__((noreturn)) static void sigreturn_at(void *sp, long nr)
{
#ifdef __x86_64__
	__asm__ volatile("mov %0, %%rsp\n\tmov %1, %%rax\n\tsyscall\n\tud2" : : "r"(sp), "r"(nr));
#else
	__asm__ volatile("mov %0, %%esp\n\tmov %1, %%eax\n\tint $0x80\n\tud2" : : "r"(sp), "r"(nr));
#endif
	__builtin_unreachable();
}

static unsigned char garbage[8192] __attribute__((aligned(64)));

struct raw_case {
	long nr;
	int seed;	/* 0: SP is not in garbage[] but at addr */
	unsigned long addr;
};

static int raw_child(void *arg)
{
	const struct raw_case *c = arg;
	alarm(5);
	if (c->seed == 0)
		sigreturn_at((void *)c->addr, c->nr);
	uint32_t x = 0x9e3779b9u * (uint32_t)c->seed;
	for (size_t i = 0; i < sizeof(garbage); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		garbage[i] = (unsigned char)x;
	}
	sigreturn_at(garbage + sizeof(garbage) / 2, c->nr);
}

static void expect_sig(int st, int sig, const char *fmt, const char *arg)
{
	char b[64];
	if (!ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == sig, fmt, arg))
		ktap_diag("child %s, want killed by signal %d", status_str(st, b, sizeof(b)), sig);
}

static void expect_exit(int st, int code, const char *fmt, const char *arg)
{
	char b[64];
	if (!ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == code, fmt, arg))
		ktap_diag("child %s, want exit %d", status_str(st, b, sizeof(b)), code);
}

static void test_raw(void)
{
	struct raw_case c;
	static const char *const names[] = { "rt_sigreturn", "sigreturn" };
	int nkinds = ABI_BITS == 32 ? 2 : 1;
	for (int k = 0; k < nkinds; k++) {
#ifdef __x86_64__
		c.nr = NR_RT_SIGRETURN;
#else
		c.nr = k == 0 ? NR_RT_SIGRETURN : NR_SIGRETURN;
#endif
		for (int seed = 1; seed <= 3; seed++) {
			c.seed = seed;
			char what[96];
			snprintf(what, sizeof(what), "%%s with random bytes as the frame (seed %d): SIGSEGV", seed);
			expect_sig(run_in_child(raw_child, &c), SIGSEGV, what, names[k]);
		}
		c.seed = 0;
		c.addr = (unsigned long)unmapped + 2048;
		expect_sig(run_in_child(raw_child, &c), SIGSEGV,
			   "%s with SP on an unmapped page: SIGSEGV", names[k]);
		c.addr = ABI_BITS == 64 ? (unsigned long)0xffff888000100000ULL : 0xffffe800UL;
		expect_sig(run_in_child(raw_child, &c), SIGSEGV,
			   "%s with SP at a kernel address: SIGSEGV", names[k]);
	}
}

/* ---- frames edited by a handler ---- */

enum edit {
	E_CS_KERNEL, E_CS_DATA, E_SS_KERNEL, E_SS_NULL,
	E_SS_KERNEL_LAX, E_SS_NULL_LAX,			/* 64-bit only */
	E_IOPL, E_VM, E_NT, E_AC, E_FP_NULL, E_FP_BAD,
	E_OTHER_MODE, E_RIP_47, E_RIP_63,		/* RIP: 64-bit only */
};
static enum edit edit;

/* Code for the other mode, and where it returns. */
void to_other_mode(void);
#ifdef __x86_64__
/*
 * Compat mode: 0x48 is "dec %eax", so EAX = 99 and the task exits 99 with
 * the i386 exit (1) through int $0x80.  Decoded as 64-bit code, 0x48 would
 * be a REX prefix (48 90 = nop) and the exit code 100.
 */
__asm__(".text\n.code32\nto_other_mode:\n"
	"	mov $100, %eax\n"
	"	.byte 0x48\n"
	"	nop\n"
	"	mov %eax, %ebx\n"
	"	mov $1, %eax\n"
	"	int $0x80\n"
	"	ud2\n"
	".code64\n");
static unsigned char low_stack[4096] __attribute__((aligned(16)));
#else
/*
 * 64-bit mode: a 64-bit immediate shifted down gives 99, then a far return
 * to compat mode exits with it.  As 32-bit code these bytes are garbage.
 */
__asm__(".text\n.code64\nto_other_mode:\n"
	"	movabs $0x6300000000, %rax\n"
	"	shr $32, %rax\n"
	"	mov %eax, %ebx\n"
	"	pushq $0x23\n"
	"	mov $1f, %ecx\n"	/* (an ELF32 object has no 64-bit push $sym) */
	"	pushq %rcx\n"
	"	lretq\n"
	".code32\n"
	"1:	mov $1, %eax\n"
	"	int $0x80\n"
	"	ud2\n");
#endif

#ifdef __x86_64__
static void set_cs(greg_t *g, unsigned cs) { g[REG_CSGSFS] = (g[REG_CSGSFS] & ~0xffffL) | cs; }
static void set_ss(greg_t *g, unsigned long ss)
{
	g[REG_CSGSFS] = (g[REG_CSGSFS] & 0x0000ffffffffffffL) | (long)(ss << 48);
}
#else
static void set_cs(greg_t *g, unsigned cs) { g[REG_CS] = cs; }
static void set_ss(greg_t *g, unsigned ss) { g[REG_SS] = ss; }
#endif

static void edit_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	switch (edit) {
	case E_CS_KERNEL: set_cs(g, 0x10); break;
	case E_CS_DATA: set_cs(g, user32_ds()); break;
	case E_SS_KERNEL: set_ss(g, 0x10); break;
	case E_SS_NULL: set_ss(g, 0); break;
	case E_SS_KERNEL_LAX:
		set_ss(g, 0x10);
		uc->uc_flags &= ~UC_STRICT_RESTORE_SS_;
		break;
	case E_SS_NULL_LAX:
		set_ss(g, 0);
		uc->uc_flags &= ~UC_STRICT_RESTORE_SS_;
		break;
	case E_IOPL: g[REG_EFL] |= FL_IOPL; break;
	case E_VM: g[REG_EFL] |= FL_VM; break;
	case E_NT: g[REG_EFL] |= FL_NT; break;
	case E_AC: g[REG_EFL] |= FL_AC; break;
	case E_FP_NULL: uc->uc_mcontext.fpregs = NULL; break;
	case E_FP_BAD: uc->uc_mcontext.fpregs = unmapped; break;
	case E_OTHER_MODE:
		g[REG_IP] = (greg_t)to_other_mode;
#ifdef __x86_64__
		set_cs(g, 0x23);
		g[REG_RSP] = (greg_t)(low_stack + sizeof(low_stack));
#else
		set_cs(g, 0x33);
#endif
		break;
#ifdef __x86_64__
	case E_RIP_47: g[REG_IP] = 1L << 47; break;
	case E_RIP_63: g[REG_IP] = (greg_t)(1UL << 63); break;
#else
	default: break;
#endif
	}
}

#ifdef __x86_64__
/* The SIGSEGV after a non-canonical RIP: exit 42 if it is reported right. */
static void rip_segv(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned long want = edit == E_RIP_47 ? 1UL << 47 : 1UL << 63;
	if ((unsigned long)uc->uc_mcontext.gregs[REG_IP] != want)
		_exit(1);
	_exit(si->si_code == SI_KERNEL ? 42 : 2);
}
#endif

static int edit_child(void *arg)
{
	struct sigaction sa;
	alarm(5);
	edit = (enum edit)(long)arg;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = edit_handler;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR1, &sa, NULL);
#ifdef __x86_64__
	if (edit == E_RIP_47 || edit == E_RIP_63) {
		sa.sa_sigaction = rip_segv;
		sigaction(SIGSEGV, &sa, NULL);
	}
#endif
	if (edit == E_FP_NULL) {
		/* Something the reset must undo: round toward zero. */
		unsigned int mx = 0x7f80;
		__asm__ volatile("ldmxcsr %0" : : "m"(mx));
	}
	SC(SYS_kill, getpid(), SIGUSR1);
	/* Back from sigreturn (where the frame still lets us get back). */
	unsigned long fl = read_flags();
	switch (edit) {
	case E_IOPL:
		if (fl & FL_IOPL)
			return 3;
		__asm__ volatile("cli"); /* faults: IOPL is still 0 */
		return 0;
	case E_VM:
		return fl & FL_VM ? 3 : 0;
	case E_NT:
		return fl & FL_NT ? 3 : 0;
	case E_AC:
	{
		/* Clear AC again at once: with CR0.AM set it makes misaligned accesses fault. */
		unsigned long clean = fl & ~FL_AC;
		__asm__ volatile("push %0\n\tpopf" : : "r"(clean) : "memory", "cc");
		return fl & FL_AC ? 0 : 3;
	}
	case E_SS_KERNEL_LAX:
	case E_SS_NULL_LAX:
		return read_ss() == 0x2b ? 0 : 3;
	case E_FP_NULL: {
		unsigned int mx;
		__asm__ volatile("stmxcsr %0" : "=m"(mx));
		return mx == 0x1f80 ? 0 : 3;
	}
	default:
		return 0;
	}
}

static void test_edits(void)
{
	static const struct {
		enum edit e;
		int sig;	/* killed by sig, or 0: exits with code */
		int code;
		const char *what;
		int only64;
		const char *native;	/* native i386: killed by SIGILL instead */
	} cases[] = {
		{ E_CS_KERNEL, SIGSEGV, 0, "saved CS 0x10 (kernel code): SIGSEGV", 0,
		  "saved CS 0x10 (RPL 3: 0x13, no user segment): the IRET faults, SIGILL" },
		{ E_CS_DATA, SIGSEGV, 0, "saved CS 0x2b (data segment): SIGSEGV", 0,
		  "saved CS 0x7b (data segment): the IRET faults, SIGILL" },
		{ E_SS_KERNEL, SIGSEGV, 0, "saved SS 0x10 (kernel data): SIGSEGV", 0,
		  "saved SS 0x10 (RPL 3: 0x13, no user segment): the IRET faults, SIGILL" },
		{ E_SS_NULL, SIGSEGV, 0, "saved SS 0: SIGSEGV", 0,
		  "saved SS 0: the IRET faults, SIGILL" },
		{ E_SS_KERNEL_LAX, 0, 0, "SS 0x10 without UC_STRICT_RESTORE_SS: replaced by 0x2b", 1 },
		{ E_SS_NULL_LAX, 0, 0, "SS 0 without UC_STRICT_RESTORE_SS: replaced by 0x2b", 1 },
		{ E_IOPL, SIGSEGV, 0, "IOPL 3 in saved flags is dropped: cli still faults", 0 },
		{ E_VM, 0, 0, "VM in saved flags is dropped", 0 },
		{ E_NT, 0, 0, "NT in saved flags is dropped", 0 },
		{ E_AC, 0, 0, "AC in saved flags is applied", 0 },
		{ E_FP_NULL, 0, 0, "fpstate NULL: FPU reset (MXCSR 0x1f80), task goes on", 0 },
		{ E_FP_BAD, SIGSEGV, 0, "fpstate on an unmapped page: SIGSEGV", 0 },
		{ E_OTHER_MODE, 0, 99, ABI_BITS == 64 ? "saved CS 0x23: 32-bit code runs"
						     : "saved CS 0x33: 64-bit code runs", 0,
		  "saved CS 0x33 (a TLS data segment, no 64-bit mode): the IRET faults, SIGILL" },
		{ E_RIP_47, 0, 42, "RIP 1<<47: SIGSEGV (SI_KERNEL) at that RIP", 1 },
		{ E_RIP_63, 0, 42, "RIP 1<<63: SIGSEGV (SI_KERNEL) at that RIP", 1 },
	};
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].only64 && ABI_BITS != 64)
			continue;
		int st = run_in_child(edit_child, (void *)(long)cases[i].e);
		if (cases[i].native && native_i386())
			expect_sig(st, SIGILL, "%s", cases[i].native);
		else if (cases[i].sig)
			expect_sig(st, cases[i].sig, "%s", cases[i].what);
		else
			expect_exit(st, cases[i].code, "%s", cases[i].what);
	}
}

int main(void)
{
	default_signals();
	no_core_dumps();
	unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped, 4096);
	ktap_plan(ABI_BITS == 64 ? 5 + 15 : 10 + 11);
	test_raw();
	test_edits();
	return ktap_finish();
}
