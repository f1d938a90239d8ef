/*
 * sig_frame: what sigreturn takes back from the frame, and how the frame
 * is built.
 *
 * Linux facts tested:
 *  - a handler may edit the saved context: new register values, a new IP
 *    (here: skipping a ud2) and arithmetic flags (CF) take effect;
 *  - xmm0-7, MXCSR, the x87 control word and the x87 stack survive a
 *    handler that changes them all; the handler itself starts with a fresh
 *    FPU (FCW 0x37f, MXCSR 0x1f80);
 *  - during the handler the blocked mask is the old mask + sa_mask + the
 *    signal (not the signal with SA_NODEFER); uc_sigmask holds the old
 *    mask, and sigreturn installs whatever is there, minus SIGKILL and
 *    SIGSTOP;
 *  - SA_RESETHAND: the action is SIG_DFL as the handler runs (the signal is
 *    still blocked in it), so the next one takes the default action;
 *  - sigreturn sets orig_ax = -1: a signal delivered on the way out of
 *    sigreturn never "restarts" it, even if the restored AX looks like
 *    -ERESTARTNOINTR;
 *  - i386: with no SA_RESTORER the handler returns into the vDSO's
 *    __kernel_rt_sigreturn (SA_SIGINFO) or __kernel_sigreturn (without);
 *    the old sigaction (67) gives the old frame (sig, then a struct
 *    sigcontext with oldmask) and sigreturn (119) restores it;
 *  - x86-64: a handler with no SA_RESTORER cannot return, so Linux does
 *    not run it: the task dies of SIGSEGV.
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <elf.h>
#include <stddef.h>
#include <sys/auxv.h>
#include <ucontext.h>

#ifdef __x86_64__
#define REG_IP REG_RIP
#define REG_AX REG_RAX
#define REG_BX REG_RBX
#else
#define REG_IP REG_EIP
#define REG_AX REG_EAX
#define REG_BX REG_EBX
#endif

#define SA_RESTORER_ 0x04000000
#define ERESTARTNOINTR 513

static void set_handler(int sig, void *fn, int flags, const sigset_t *mask)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = flags;
	if (mask)
		sa.sa_mask = *mask;
	sigaction(sig, &sa, NULL);
}

static sigset_t set_of(int a, int b)
{
	sigset_t s;
	sigemptyset(&s);
	if (a)
		sigaddset(&s, a);
	if (b)
		sigaddset(&s, b);
	return s;
}

static unsigned long mask_word(const sigset_t *s)
{
	unsigned long w = 0;
	for (int i = 1; i <= 32; i++)
		if (sigismember(s, i))
			w |= 1UL << (i - 1);
	return w;
}

/* ---- 1. editing the saved context ---- */

static void edit_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_mcontext.gregs[REG_IP] += 2; /* skip the ud2 */
	uc->uc_mcontext.gregs[REG_AX] = 0xabcd;
	uc->uc_mcontext.gregs[REG_BX] = 0x1234;
	uc->uc_mcontext.gregs[REG_EFL] |= 1; /* CF */
}

static void test_edit(void)
{
	set_handler(SIGILL, edit_handler, SA_SIGINFO, NULL);
	unsigned long a = 0x1111, b = 0x2222;
	unsigned char cf;
	__asm__ volatile("clc\n\tud2\n\tsetc %2" : "+a"(a), "+b"(b), "=c"(cf) : : "memory", "cc");
	signal(SIGILL, SIG_DFL);
	if (!ktap_ok(a == 0xabcd && b == 0x1234 && cf == 1,
		     "handler's new IP, AX, BX and CF take effect after sigreturn"))
		ktap_diag("ax %#lx bx %#lx cf %d", a, b, cf);
}

/* ---- 2. FPU and SSE state ---- */

struct fpu_io {
	unsigned char xin[8][16];	/* 0 */
	unsigned char xout[8][16];	/* 128 */
	uint32_t mx_in, mx_out;		/* 256, 260 */
	uint16_t cw_in, cw_out, cw_save, pad; /* 264, 266, 268 */
	int32_t i_in, i_out;		/* 272, 276 */
	uint32_t mx_save;		/* 280 */
};
_Static_assert(offsetof(struct fpu_io, mx_in) == 256, "layout");
_Static_assert(offsetof(struct fpu_io, i_in) == 272, "layout");
_Static_assert(offsetof(struct fpu_io, mx_save) == 280, "layout");

/* Without -msse the compiler never uses xmm registers and refuses to hear of them. */
#ifdef __SSE__
#define XMM_CLOBBERS "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
#else
#define XMM_CLOBBERS
#endif

static struct fpu_io io;
static uint16_t h_cw;
static uint32_t h_mx;

static void fpu_handler(int sig)
{
	static const uint32_t mx = 0x7f80;	/* round toward zero */
	static const uint16_t cw = 0x0c7f;	/* round toward zero, 24-bit */
	__asm__ volatile("fnstcw %0\n\tstmxcsr %1" : "=m"(h_cw), "=m"(h_mx));
	__asm__ volatile("pcmpeqd %%xmm0, %%xmm0\n\tpcmpeqd %%xmm1, %%xmm1\n\t"
			 "pcmpeqd %%xmm2, %%xmm2\n\tpcmpeqd %%xmm3, %%xmm3\n\t"
			 "pcmpeqd %%xmm4, %%xmm4\n\tpcmpeqd %%xmm5, %%xmm5\n\t"
			 "pcmpeqd %%xmm6, %%xmm6\n\tpcmpeqd %%xmm7, %%xmm7\n\t"
			 "ldmxcsr %0\n\tfldcw %1\n\tfldz\n\tfld1\n\tfaddp\n\tfstp %%st(0)\n\t"
			 "fldz\n\tfldz" /* leave two values on the x87 stack */
			 : : "m"(mx), "m"(cw)
			 : XMM_CLOBBERS "memory");
}

#define FPU_LOAD                                                                 \
	"movdqu 0(%[p]), %%xmm0\n\tmovdqu 16(%[p]), %%xmm1\n\t"                  \
	"movdqu 32(%[p]), %%xmm2\n\tmovdqu 48(%[p]), %%xmm3\n\t"                 \
	"movdqu 64(%[p]), %%xmm4\n\tmovdqu 80(%[p]), %%xmm5\n\t"                 \
	"movdqu 96(%[p]), %%xmm6\n\tmovdqu 112(%[p]), %%xmm7\n\t"                \
	"stmxcsr 280(%[p])\n\tldmxcsr 256(%[p])\n\t"                             \
	"fnstcw 268(%[p])\n\tfldcw 264(%[p])\n\tfildl 272(%[p])\n\t"
#define FPU_STORE                                                                \
	"fistpl 276(%[p])\n\tfnstcw 266(%[p])\n\tstmxcsr 260(%[p])\n\t"           \
	"fldcw 268(%[p])\n\tldmxcsr 280(%[p])\n\t"                               \
	"movdqu %%xmm0, 128(%[p])\n\tmovdqu %%xmm1, 144(%[p])\n\t"               \
	"movdqu %%xmm2, 160(%[p])\n\tmovdqu %%xmm3, 176(%[p])\n\t"               \
	"movdqu %%xmm4, 192(%[p])\n\tmovdqu %%xmm5, 208(%[p])\n\t"               \
	"movdqu %%xmm6, 224(%[p])\n\tmovdqu %%xmm7, 240(%[p])\n\t"

static void test_fpu(void)
{
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 16; j++)
			io.xin[i][j] = (unsigned char)(0x10 * i + j + 1);
	io.mx_in = 0x1f80 | 0x6000 | 0x8000;	/* round toward zero + FTZ */
	io.cw_in = 0x037f | 0x0c00;		/* round toward zero */
	io.i_in = 0x12345678;
	h_cw = 0;
	h_mx = 0;
	set_handler(SIGUSR1, fpu_handler, 0, NULL);
	long r = SYS_kill;
	/* kill(self, SIGUSR1) between the loads and the stores. */
#ifdef __x86_64__
	__asm__ volatile(FPU_LOAD "syscall\n\t" FPU_STORE
			 : "+a"(r)
			 : [p] "b"(&io), "D"((long)getpid()), "S"((long)SIGUSR1)
			 : XMM_CLOBBERS "rcx", "r11", "memory");
#else
	__asm__ volatile(FPU_LOAD "int $0x80\n\t" FPU_STORE
			 : "+a"(r)
			 : [p] "S"(&io), "b"((long)getpid()), "c"((long)SIGUSR1)
			 : XMM_CLOBBERS "memory");
#endif
	signal(SIGUSR1, SIG_DFL);
	int bad = -1;
	for (int i = 0; i < 8 && bad < 0; i++)
		if (memcmp(io.xin[i], io.xout[i], 16) != 0)
			bad = i;
	if (!ktap_ok(r == 0 && bad < 0, "xmm0-7 survive a handler that overwrites them"))
		ktap_diag("kill returned %ld, first bad xmm%d", r, bad);
	if (!ktap_ok(io.mx_out == io.mx_in && io.cw_out == io.cw_in && io.i_out == io.i_in,
		     "MXCSR, x87 control word and x87 stack survive the handler"))
		ktap_diag("mxcsr %#x (want %#x) fcw %#x (want %#x) st0 %#x", io.mx_out,
			  io.mx_in, io.cw_out, io.cw_in, io.i_out);
	if (!ktap_ok(h_cw == 0x037f && h_mx == 0x1f80,
		     "the handler starts with a fresh FPU: FCW 0x37f, MXCSR 0x1f80"))
		ktap_diag("handler fcw %#x mxcsr %#x", h_cw, h_mx);
}

/* ---- 3. the blocked mask during and after a handler ---- */

static sigset_t mask_in, uc_mask;
static int mask_edit; /* 1: add SIGWINCH to uc_sigmask, 2: add SIGKILL+SIGSTOP */

static void mask_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	sigprocmask(SIG_BLOCK, NULL, &mask_in);
	uc_mask = uc->uc_sigmask;
	if (mask_edit == 1)
		sigaddset(&uc->uc_sigmask, SIGWINCH);
	if (mask_edit == 2) {
		sigaddset(&uc->uc_sigmask, SIGKILL);
		sigaddset(&uc->uc_sigmask, SIGSTOP);
	}
}

static void test_masks(void)
{
	sigset_t pipe_only = set_of(SIGPIPE, 0), usr2 = set_of(SIGUSR2, 0), after;
	sigprocmask(SIG_SETMASK, &pipe_only, NULL);

	mask_edit = 0;
	set_handler(SIGUSR1, mask_handler, SA_SIGINFO, &usr2);
	raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &after);
	unsigned long in = mask_word(&mask_in), want_in = mask_word(&pipe_only) |
			   1UL << (SIGUSR1 - 1) | 1UL << (SIGUSR2 - 1);
	if (!ktap_ok(in == want_in, "in the handler: old mask + sa_mask + the signal blocked"))
		ktap_diag("mask %#lx, want %#lx", in, want_in);
	if (!ktap_ok(mask_word(&uc_mask) == mask_word(&pipe_only) &&
			     mask_word(&after) == mask_word(&pipe_only),
		     "uc_sigmask holds the old mask, and it is back after the handler"))
		ktap_diag("uc_sigmask %#lx after %#lx", mask_word(&uc_mask), mask_word(&after));

	set_handler(SIGUSR1, mask_handler, SA_SIGINFO | SA_NODEFER, &usr2);
	raise(SIGUSR1);
	in = mask_word(&mask_in);
	want_in = mask_word(&pipe_only) | 1UL << (SIGUSR2 - 1);
	if (!ktap_ok(in == want_in, "SA_NODEFER: the signal itself is not blocked in the handler"))
		ktap_diag("mask %#lx, want %#lx", in, want_in);

	mask_edit = 1;
	set_handler(SIGUSR1, mask_handler, SA_SIGINFO, NULL);
	raise(SIGUSR1);
	sigprocmask(SIG_BLOCK, NULL, &after);
	if (!ktap_ok(sigismember(&after, SIGWINCH) && sigismember(&after, SIGPIPE),
		     "sigreturn installs the mask the handler wrote into uc_sigmask"))
		ktap_diag("after %#lx", mask_word(&after));

	/* The raw mask: glibc's sigprocmask would hide SIGKILL/SIGSTOP anyway. */
	mask_edit = 2;
	raise(SIGUSR1);
	uint64_t raw = 0;
	SC(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &raw, 8);
	if (!ktap_ok(!(raw & (1ULL << (SIGKILL - 1))) && !(raw & (1ULL << (SIGSTOP - 1))) &&
			     (raw & (1ULL << (SIGWINCH - 1))),
		     "SIGKILL and SIGSTOP in uc_sigmask are not blocked after sigreturn"))
		ktap_diag("raw mask %#llx", (unsigned long long)raw);

	signal(SIGUSR1, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/* ---- 4. SA_RESETHAND, in a child (the second signal kills it) ---- */

/*
 * A child reports through a pipe: what it saw is written before it dies.
 * (Only the parent prints KTAP lines.)
 */
struct report {
	int hits;
	int dfl_in_handler;
	int blocked_in_handler;
};
static struct report rep;
static int report_fd = -1;

static void send_report(void)
{
	if (write(report_fd, &rep, sizeof(rep)) != sizeof(rep))
		_exit(99);
}

/* Run fn in a child; collect its report (zeroes if none) and wait status. */
static int child_with_report(int (*fn)(void *), struct report *out)
{
	int fds[2], st = -1;
	memset(out, 0, sizeof(*out));
	if (pipe(fds) != 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(fds[0]);
		report_fd = fds[1];
		memset(&rep, 0, sizeof(rep));
		_exit(fn(NULL));
	}
	close(fds[1]);
	waitpid(pid, &st, 0);
	if (read(fds[0], out, sizeof(*out)) != sizeof(*out))
		memset(out, 0, sizeof(*out));
	close(fds[0]);
	return st;
}

static void reset_handler(int sig)
{
	struct sigaction cur;
	sigset_t m;
	rep.hits++;
	sigaction(SIGUSR1, NULL, &cur);
	rep.dfl_in_handler = cur.sa_handler == SIG_DFL;
	sigprocmask(SIG_BLOCK, NULL, &m);
	rep.blocked_in_handler = sigismember(&m, SIGUSR1);
}

static int resethand_child(void *unused)
{
	set_handler(SIGUSR1, reset_handler, SA_RESETHAND, NULL);
	raise(SIGUSR1);
	send_report();
	raise(SIGUSR1); /* default action now: terminate */
	return 0;
}

static void test_resethand(void)
{
	struct report r;
	int st = child_with_report(resethand_child, &r);
	char b[64];
	if (!ktap_ok(r.hits == 1 && r.dfl_in_handler && WIFSIGNALED(st) &&
			     WTERMSIG(st) == SIGUSR1,
		     "SA_RESETHAND: SIG_DFL inside the handler, the second SIGUSR1 kills"))
		ktap_diag("hits %d, SIG_DFL inside: %d, child %s", r.hits,
			  r.dfl_in_handler, status_str(st, b, sizeof(b)));
	ktap_eq(r.blocked_in_handler, 1, "SA_RESETHAND: the signal is still blocked in the handler");
}

/* ---- 5. sigreturn does not restart anything (orig_ax = -1) ---- */

static int usr1_hits, usr2_hits;
static void usr2_handler(int sig) { usr2_hits++; }
static void noretry_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	usr1_hits++;
	/* Pending (blocked by sa_mask) until sigreturn opens the mask. */
	kill(getpid(), SIGUSR2);
	uc->uc_mcontext.gregs[REG_AX] = -ERESTARTNOINTR;
}

static void test_no_restart(void)
{
	sigset_t usr2 = set_of(SIGUSR2, 0);
	set_handler(SIGUSR2, usr2_handler, SA_RESTART, NULL);
	set_handler(SIGUSR1, noretry_handler, SA_SIGINFO | SA_RESTART, &usr2);
	usr1_hits = usr2_hits = 0;
	long r = SC(SYS_kill, getpid(), SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	if (!ktap_ok(r == -ERESTARTNOINTR && usr1_hits == 1 && usr2_hits == 1,
		     "a signal on the way out of sigreturn does not restart it (AX = -ERESTARTNOINTR kept)"))
		ktap_diag("kill returned %ld, usr1 ran %d, usr2 ran %d", r, usr1_hits, usr2_hits);
}

#ifdef __x86_64__
/* ---- 6 (x86-64). no SA_RESTORER: SIGSEGV instead of the handler ---- */

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static void counting_handler(int sig)
{
	rep.hits++;
	send_report();
}

static int norestorer_child(void *unused)
{
	struct kernel_sigaction ksa = { (void *)counting_handler, 0, NULL, 0 };
	if (SC(SYS_rt_sigaction, SIGUSR1, &ksa, NULL, 8) != 0)
		return 2;
	SC(SYS_kill, getpid(), SIGUSR1);
	return 0;
}

static void test_arch(void)
{
	struct report r;
	int st = child_with_report(norestorer_child, &r);
	char b[64];
	if (!ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && r.hits == 0,
		     "64-bit handler without SA_RESTORER: not run, the task dies of SIGSEGV"))
		ktap_diag("child %s, handler ran %d times", status_str(st, b, sizeof(b)), r.hits);
}
#define ARCH_CASES 1
#else
/* ---- 6 (i386). vDSO restorers and the old sigframe ---- */

struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint32_t mask[2];
};
struct old_sigaction {
	void *handler;
	uint32_t mask;
	uint32_t flags;
	void *restorer;
};

/* Find a dynamic symbol of the vDSO through its PT_DYNAMIC (DT_SYMTAB etc.). */
static unsigned long vdso_sym(const char *name)
{
	unsigned long base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return 0;
	const Elf32_Ehdr *eh = (const void *)base;
	const Elf32_Phdr *ph = (const void *)(base + eh->e_phoff);
	unsigned long load = 0, dyn = 0;
	int have_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load = ph[i].p_vaddr;
			have_load = 1;
		}
		if (ph[i].p_type == PT_DYNAMIC)
			dyn = ph[i].p_vaddr;
	}
	if (!have_load || !dyn)
		return 0;
	unsigned long bias = base - load;
	const Elf32_Sym *sym = NULL;
	const char *str = NULL;
	const Elf32_Word *hash = NULL;
	for (const Elf32_Dyn *d = (const void *)(dyn + bias); d->d_tag != DT_NULL; d++) {
		if (d->d_tag == DT_SYMTAB)
			sym = (const void *)(d->d_un.d_ptr + bias);
		if (d->d_tag == DT_STRTAB)
			str = (const void *)(d->d_un.d_ptr + bias);
		if (d->d_tag == DT_HASH)
			hash = (const void *)(d->d_un.d_ptr + bias);
	}
	if (!sym || !str)
		return 0;
	/* nchain of DT_HASH is the symbol count; else the table ends at strtab. */
	unsigned long n = hash ? hash[1] : ((unsigned long)str - (unsigned long)sym) / sizeof(*sym);
	for (unsigned long i = 0; i < n; i++)
		if (sym[i].st_name && strcmp(str + sym[i].st_name, name) == 0)
			return sym[i].st_value + bias;
	return 0;
}

static void *ret_to;
static int hits;
__attribute__((noinline)) static void note_return(int sig)
{
	hits++;
	ret_to = __builtin_return_address(0);
}
__attribute__((noinline)) static void note_return_info(int sig, siginfo_t *si, void *uc)
{
	hits++;
	ret_to = __builtin_return_address(0);
}

void my_rt_restorer(void);
void my_old_restorer(void);
__asm__(".text\n"
	"my_rt_restorer:\n	mov $173, %eax\n	int $0x80\n"
	"my_old_restorer:\n	pop %eax\n	mov $119, %eax\n	int $0x80\n");

static void raw_case(int siginfo, void *restorer, unsigned long want, const char *what)
{
	struct kernel_sigaction ksa = {
		siginfo ? (void *)note_return_info : (void *)note_return,
		(siginfo ? SA_SIGINFO : 0) | (restorer ? SA_RESTORER_ : 0), restorer, { 0, 0 } };
	hits = 0;
	ret_to = NULL;
	long r1 = SC(SYS_rt_sigaction, SIGUSR1, &ksa, NULL, 8);
	long r2 = SC(SYS_kill, getpid(), SIGUSR1);
	signal(SIGUSR1, SIG_DFL);
	if (!ktap_ok(r1 == 0 && r2 == 0 && hits == 1 && want && (unsigned long)ret_to == want,
		     "%s", what))
		ktap_diag("rt_sigaction %ld, kill %ld, hits %d, returned to %p, want %#lx",
			  r1, r2, hits, ret_to, want);
}

/* The old frame: the handler gets (sig, struct sigcontext) on its stack. */
static struct sigcontext old_sc;
unsigned long old_eax; /* written by old_tramp */
__attribute__((used)) void old_c(int *frame)
{
	struct sigcontext *sc = (struct sigcontext *)(frame + 1);
	hits++;
	old_sc = *sc;
	if (frame[0] == SIGUSR1) {
		sc->eip += 2;		/* skip the ud2 */
		sc->esi = 0xfeed;
		sc->eax = 0x77;
	}
}
void old_tramp(void);
__asm__(".text\n"
	"old_tramp:\n"
	"	mov %eax, old_eax\n"
	"	lea 4(%esp), %eax\n"	/* &sig */
	"	sub $8, %esp\n"
	"	push %eax\n"
	"	call old_c\n"
	"	add $12, %esp\n"
	"	ret\n");

static void test_old_frame(void)
{
	struct old_sigaction osa = { (void *)old_tramp, 1U << (SIGUSR2 - 1), SA_RESTORER_,
				     (void *)my_old_restorer };
	sigset_t pipe_only = set_of(SIGPIPE, 0), none;
	sigemptyset(&none);
	hits = 0;
	long r = SC(SYS_sigaction, SIGUSR1, &osa, NULL);
	sigprocmask(SIG_SETMASK, &pipe_only, NULL);
	unsigned long ax = SYS_kill, si = 0x1111;
	__asm__ volatile("int $0x80\n\tud2" : "+a"(ax), "+S"(si)
			 : "b"((long)getpid()), "c"((long)SIGUSR1) : "memory", "cc");
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGUSR1, SIG_DFL);
	/* The user selectors: 0x23/0x2b, 0x73/0x7b on a native i386 kernel. */
	if (!ktap_ok(r == 0 && hits == 1 && old_eax == SIGUSR1 && old_sc.cs == user32_cs() &&
			     old_sc.ss == user32_ds() && old_sc.eax == 0 &&
			     old_sc.oldmask == 1U << (SIGPIPE - 1),
		     "sigaction(67): old frame, EAX = sig, sigcontext with CS, SS, EAX, oldmask"))
		ktap_diag("sigaction %ld hits %d eax %#lx cs %#x ss %#x sc.eax %#lx oldmask %#lx",
			  r, hits, old_eax, old_sc.cs, old_sc.ss, old_sc.eax, old_sc.oldmask);
	if (!ktap_ok(ax == 0x77 && si == 0xfeed,
		     "sigreturn(119) applies the edited sigcontext (EIP, EAX, ESI)"))
		ktap_diag("eax %#lx esi %#lx", ax, si);
}

static void test_arch(void)
{
	unsigned long rt = vdso_sym("__kernel_rt_sigreturn"), old = vdso_sym("__kernel_sigreturn");
	raw_case(1, NULL, rt, "no SA_RESTORER, SA_SIGINFO: returns through vDSO __kernel_rt_sigreturn");
	raw_case(0, NULL, old, "no SA_RESTORER, no SA_SIGINFO: returns through vDSO __kernel_sigreturn");
	raw_case(1, my_rt_restorer, (unsigned long)my_rt_restorer,
		 "SA_RESTORER: the handler returns to the given restorer");
	raw_case(0, my_old_restorer, (unsigned long)my_old_restorer,
		 "SA_RESTORER, old frame: the handler returns to the given restorer");
	test_old_frame();
}
#define ARCH_CASES 6
#endif

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(1 + 3 + 5 + 2 + 1 + ARCH_CASES);
	test_edit();
	test_fpu();
	test_masks();
	test_resethand();
	test_no_restart();
	test_arch();
	return ktap_finish();
}
