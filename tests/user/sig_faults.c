/*
 * sig_faults: synchronous signals caught by a handler, with Linux's
 * siginfo and sigcontext.
 *
 * Each fault runs as one instruction between two asm labels; the handler
 * records what it was told and resumes after the instruction by setting the
 * saved IP.  Linux facts tested:
 *  - #PF: SIGSEGV, SEGV_MAPERR (nothing mapped) or SEGV_ACCERR (a write to
 *    a read-only page, a jump to a PROT_READ page), si_addr = the address
 *    (CR2); sigcontext trapno 14, err = the page-fault error code with the
 *    user bit (4 read of nothing, 6 write of nothing, 7 write to read-only,
 *    0x15 instruction fetch from a present NX page), cr2 = the address;
 *  - a file mapping read wholly past EOF: SIGBUS BUS_ADRERR, si_addr;
 *  - ud2: SIGILL ILL_ILLOPN, si_addr = the instruction, trapno 6;
 *  - divide by zero and INT_MIN / -1: SIGFPE FPE_INTDIV, si_addr = the
 *    instruction, trapno 0;
 *  - int3: SIGTRAP with si_code SI_KERNEL, saved IP after the int3,
 *    trapno 3;
 *  - #GP (hlt in user mode): SIGSEGV SI_KERNEL, si_addr 0, trapno 13;
 *  - the faulting IP is the instruction itself for faults;
 *  - siglongjmp out of a SIGSEGV handler restores the mask, so the next
 *    fault is caught again;
 *  - a fault while its signal is blocked or ignored, or inside its own
 *    handler, kills the task with that signal (the kernel forces it).
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <sys/mman.h>
#include <ucontext.h>

#ifdef __x86_64__
#define REG_IP REG_RIP
#define CR2(uc) ((unsigned long)(uc)->uc_mcontext.gregs[REG_CR2])
/* Store the addresses of local labels 1 (the instruction) and 2 (after it). */
#define MARK "lea 1f(%%rip), %%r11\n\tmov %%r11, %[f]\n\tlea 2f(%%rip), %%r11\n\tmov %%r11, %[r]\n1:\t"
#define MARK_OUT [f] "=m"(fault_ip), [r] "=m"(resume_ip)
#define MARK_CLOBBER "r11", "memory", "cc"
#else
#define REG_IP REG_EIP
#define CR2(uc) ((unsigned long)(uc)->uc_mcontext.cr2)
#define MARK "movl $1f, %[f]\n\tmovl $2f, %[r]\n1:\t"
#define MARK_OUT [f] "=m"(fault_ip), [r] "=m"(resume_ip)
#define MARK_CLOBBER "memory", "cc"
#endif

static unsigned long fault_ip, resume_ip;
static volatile unsigned long data_addr; /* the address a case touches */

/* What the handler saw. */
static struct {
	int hits, sig, code;
	unsigned long addr, ip, trapno, err, cr2;
} got;

static void handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	got.hits++;
	got.sig = si->si_signo;
	got.code = si->si_code;
	got.addr = (unsigned long)si->si_addr;
	got.ip = uc->uc_mcontext.gregs[REG_IP];
	got.trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	got.err = uc->uc_mcontext.gregs[REG_ERR];
	got.cr2 = CR2(uc);
	uc->uc_mcontext.gregs[REG_IP] = resume_ip;
}

static void f_read_unmapped(void)
{
	unsigned long v;
	__asm__ volatile(MARK "mov (%[a]), %[v]\n2:" : MARK_OUT, [v] "=r"(v) : [a] "r"(data_addr) : MARK_CLOBBER);
}
static void f_write_unmapped(void)
{
	__asm__ volatile(MARK "movb $1, (%[a])\n2:" : MARK_OUT : [a] "r"(data_addr) : MARK_CLOBBER);
}
static void f_write_readonly(void)
{
	__asm__ volatile(MARK "movb $1, (%[a])\n2:" : MARK_OUT : [a] "r"(data_addr) : MARK_CLOBBER);
}
/* The jump faults at its target: the handler resumes at label 2. */
static void f_jump_nx(void)
{
	__asm__ volatile(MARK "jmp *%[a]\n2:" : MARK_OUT : [a] "r"(data_addr) : MARK_CLOBBER);
}
static void f_read_past_eof(void)
{
	unsigned char v;
	__asm__ volatile(MARK "movb (%[a]), %[v]\n2:" : MARK_OUT, [v] "=q"(v) : [a] "r"(data_addr) : MARK_CLOBBER);
}
static void f_ud2(void)
{
	__asm__ volatile(MARK "ud2\n2:" : MARK_OUT : : MARK_CLOBBER);
}
static void f_div0(void)
{
	unsigned int a = 1, d = 0, z = 0;
	__asm__ volatile(MARK "divl %[z]\n2:" : MARK_OUT, "+a"(a), "+d"(d) : [z] "r"(z) : MARK_CLOBBER);
}
static void f_idiv_overflow(void)
{
	int a = INT_MIN, d = -1, m = -1;
	__asm__ volatile(MARK "idivl %[m]\n2:" : MARK_OUT, "+a"(a), "+d"(d) : [m] "r"(m) : MARK_CLOBBER);
}
static void f_int3(void)
{
	__asm__ volatile(MARK "int3\n2:" : MARK_OUT : : MARK_CLOBBER);
}
static void f_hlt(void)
{
	__asm__ volatile(MARK "hlt\n2:" : MARK_OUT : : MARK_CLOBBER);
}

enum { ADDR_ZERO, ADDR_DATA, ADDR_IP };
static const struct fcase {
	const char *name;
	void (*fn)(void);
	int sig, code;
	int addr;	/* what si_addr must be */
	int trap;	/* 1: saved IP is after the instruction (a trap) */
	long trapno, err; /* err -1: not checked */
} cases[] = {
	{ "read of an unmapped page", f_read_unmapped, SIGSEGV, SEGV_MAPERR, ADDR_DATA, 0, 14, 4 },
	{ "write to an unmapped page", f_write_unmapped, SIGSEGV, SEGV_MAPERR, ADDR_DATA, 0, 14, 6 },
	{ "write to a read-only page", f_write_readonly, SIGSEGV, SEGV_ACCERR, ADDR_DATA, 0, 14, 7 },
	{ "jump to a PROT_READ page", f_jump_nx, SIGSEGV, SEGV_ACCERR, ADDR_DATA, 0, 14, 0x15 },
	{ "read of a file page past EOF", f_read_past_eof, SIGBUS, BUS_ADRERR, ADDR_DATA, 0, 14, 4 },
	{ "ud2", f_ud2, SIGILL, ILL_ILLOPN, ADDR_IP, 0, 6, 0 },
	{ "divide by zero", f_div0, SIGFPE, FPE_INTDIV, ADDR_IP, 0, 0, 0 },
	{ "INT_MIN / -1", f_idiv_overflow, SIGFPE, FPE_INTDIV, ADDR_IP, 0, 0, 0 },
	{ "int3", f_int3, SIGTRAP, SI_KERNEL, ADDR_ZERO, 1, 3, 0 },
	{ "hlt (#GP)", f_hlt, SIGSEGV, SI_KERNEL, ADDR_ZERO, 0, 13, 0 },
};
#define NCASES (int)(sizeof(cases) / sizeof(cases[0]))

static void *unmapped, *readonly, *noexec, *past_eof;

static unsigned long case_addr(int i)
{
	switch (i) {
	case 0: return (unsigned long)unmapped + 0x123;
	case 1: return (unsigned long)unmapped + 0x456;
	case 2: return (unsigned long)readonly + 0x10;
	case 3: return (unsigned long)noexec;
	case 4: return (unsigned long)past_eof + 4096 + 8;
	}
	return 0;
}

static int setup(void)
{
	unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	readonly = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	noexec = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (unmapped == MAP_FAILED || readonly == MAP_FAILED || noexec == MAP_FAILED)
		return -1;
	munmap(unmapped, 4096);
	/*
	 * Read both PROT_READ pages once so they are present: the error code's
	 * P bit reflects the page table, not the mapping (an untouched page
	 * written gives err 6 with SEGV_ACCERR).
	 */
	(void)*(volatile char *)readonly;
	(void)*(volatile char *)noexec;
	/* A 100-byte file mapped over two pages: the second is wholly past EOF. */
	int fd = open("/tmp/sig_faults.bus", O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	char data[100];
	memset(data, 'x', sizeof(data));
	if (write(fd, data, sizeof(data)) != sizeof(data))
		return -1;
	past_eof = mmap(NULL, 8192, PROT_READ, MAP_PRIVATE, fd, 0);
	close(fd);
	unlink("/tmp/sig_faults.bus");
	return past_eof == MAP_FAILED ? -1 : 0;
}

static void run_case(int i)
{
	const struct fcase *c = &cases[i];
	memset(&got, 0, sizeof(got));
	data_addr = case_addr(i);
	c->fn();
	unsigned long want_addr = c->addr == ADDR_DATA ? data_addr :
				  c->addr == ADDR_IP ? fault_ip : 0;
	unsigned long want_ip = c->trap ? resume_ip : c->addr == ADDR_DATA && c->fn == f_jump_nx ?
				data_addr : fault_ip;
	if (!ktap_ok(got.hits == 1 && got.sig == c->sig && got.code == c->code &&
			     got.addr == want_addr,
		     "%s: signal %d, si_code %d, si_addr", c->name, c->sig, c->code))
		ktap_diag("hits %d sig %d code %d addr %#lx (want %#lx)", got.hits, got.sig,
			  got.code, got.addr, want_addr);
	int ctx_ok = got.ip == want_ip && (long)got.trapno == c->trapno &&
		     (c->err < 0 || (long)got.err == c->err) &&
		     (c->trapno != 14 || got.cr2 == data_addr);
	if (!ktap_ok(ctx_ok, "%s: saved IP, trapno %ld, err %#lx%s", c->name, c->trapno,
		     c->err, c->trapno == 14 ? ", cr2" : ""))
		ktap_diag("ip %#lx (want %#lx) trapno %lu err %#lx cr2 %#lx", got.ip, want_ip,
			  got.trapno, got.err, got.cr2);
}

/* siglongjmp out of the handler; the second fault must be caught too. */
static sigjmp_buf jb;
static int jumps;
static void jump_handler(int sig) { jumps++; siglongjmp(jb, 1); }

static void test_longjmp(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = jump_handler;
	sigaction(SIGSEGV, &sa, NULL);
	jumps = 0;
	for (int round = 0; round < 2; round++) {
		if (sigsetjmp(jb, 1) == 0) {
			data_addr = (unsigned long)unmapped;
			f_read_unmapped();
		}
	}
	sigset_t m;
	sigprocmask(SIG_BLOCK, NULL, &m);
	if (!ktap_ok(jumps == 2 && !sigismember(&m, SIGSEGV),
		     "siglongjmp out of a SIGSEGV handler: the next fault is caught again"))
		ktap_diag("handler ran %d times, SIGSEGV blocked now: %d", jumps,
			  sigismember(&m, SIGSEGV));
	signal(SIGSEGV, SIG_DFL);
}

/* In a child: faults the kernel must force through. Exit 0 = survived. */
static void nested_handler(int sig)
{
	data_addr = (unsigned long)unmapped;
	f_read_unmapped(); /* SIGSEGV while SIGSEGV is blocked */
	_exit(3);
}
static int forced_child(void *arg)
{
	int how = (int)(long)arg;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	/* how 0: a handler that exits with the signal number, if it ever runs. */
	sa.sa_handler = how == 2 ? nested_handler : how == 1 ? SIG_IGN : (void (*)(int))_exit;
	sigaction(SIGSEGV, &sa, NULL);
	if (how == 0) {
		sigset_t segv;
		sigemptyset(&segv);
		sigaddset(&segv, SIGSEGV);
		sigprocmask(SIG_BLOCK, &segv, NULL);
	}
	data_addr = (unsigned long)unmapped;
	f_read_unmapped();
	return 0;
}

static void test_forced(void)
{
	static const char *const what[] = {
		"a fault while SIGSEGV is blocked kills with SIGSEGV",
		"a fault while SIGSEGV is ignored kills with SIGSEGV",
		"a fault inside the SIGSEGV handler kills with SIGSEGV",
	};
	for (long how = 0; how < 3; how++) {
		int st = run_in_child(forced_child, (void *)how);
		char b[64];
		if (!ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, "%s", what[how]))
			ktap_diag("child %s", status_str(st, b, sizeof(b)));
	}
}

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(2 * NCASES + 1 + 3);
	if (setup() != 0) {
		ktap_diag("setup failed: %s", strerror(errno));
		return 1;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = handler;
	sa.sa_flags = SA_SIGINFO;
	int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP };
	for (int i = 0; i < 5; i++)
		sigaction(sigs[i], &sa, NULL);
	for (int i = 0; i < NCASES; i++)
		run_case(i);
	for (int i = 0; i < 5; i++)
		signal(sigs[i], SIG_DFL);
	test_longjmp();
	test_forced();
	return ktap_finish();
}
