/*
 * sig_selectors: the segment selectors in a signal frame, and what
 * sigreturn does with selectors a handler writes there.
 *
 * Each case runs in a child: SIGUSR1 (raised by a bare kill syscall in
 * seg_probe) lets a handler edit the frame; seg_probe then reads every
 * segment register the moment sigreturn lands, before any C code can
 * stumble on a bad one, and puts the originals back.  If the return to user
 * mode itself faults, a SIGSEGV/SIGBUS handler records what it was told
 * and repairs CS and SS, so the same child goes on.  The results travel to
 * the parent through a pipe: every way the child exits writes them there
 * first.  Linux facts tested (measured on 6.18):
 *  - x86-64 frames: uc_flags has UC_SIGCONTEXT_SS and UC_STRICT_RESTORE_SS
 *    when 64-bit code was interrupted, only UC_SIGCONTEXT_SS when 32-bit
 *    code (CS 0x23) was; CS 0x33, SS 0x2b, the fs/gs words are 0 and are
 *    ignored by sigreturn.  i386 frames: uc_flags has neither bit; CS 0x23,
 *    SS = DS = ES = 0x2b, FS and GS as the task has them.
 *  - CS: Linux forces RPL 3 (0x10 -> 0x13).  A selector the CPU refuses
 *    makes the IRET fault; the task gets that fault as if user mode had
 *    taken it: SIGSEGV (#GP, trapno 13) or, for a not-present segment,
 *    SIGBUS (#NP, trapno 11), si_code SI_KERNEL, err = the selector without
 *    its RPL, and the frame shows the refused selector at the unchanged IP.
 *    0x23 and a 32-bit LDT code segment run.
 *  - SS: the same, except that an LDT SS makes Linux return through the
 *    espfix64 stack, where an IRET fault loses its error code and its kind:
 *    whatever is wrong with an LDT SS (absent LDT, not present, read-only)
 *    the task sees SIGSEGV, trapno 13, err 0.
 *  - SS in an x86-64 frame without UC_STRICT_RESTORE_SS: Linux replaces
 *    any SS that is not a present, DPL-3, writable data segment by 0x2b
 *    (a 16-bit LDT data segment is kept); i386 frames have no such rescue.
 *    A fault frame is strict only if its (refused) CS is 0x33.
 *  - i386 DS/ES/FS/GS: the kernel loads each (RPL forced to 3 unless the
 *    selector is null); one the CPU refuses silently becomes 0.
 *  - On a native i386 kernel (Linux i386, xentry ARCH=i386; kernel32.h)
 *    the user selectors are 0x73 and 0x7b (GDT entries 14 and 15 where a
 *    64-bit kernel has 4 and 5: native_sel() moves the cases' selectors),
 *    and every IRET that faults on the way back to user mode - a refused
 *    CS or SS, LDT or not - reaches the task as Linux i386's "iret
 *    exception": SIGILL, si_code ILL_BADSTK, trapno 32, err 0, the frame
 *    still showing the refused selector at the unchanged IP.
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include "child_report.h"
#include "kernel32.h"
#include <asm/ldt.h>
#include <ucontext.h>

#define UC_SIGCONTEXT_SS_ 2
#define UC_STRICT_ 4
#define SI_KERNEL_ 0x80
#define ILL_BADSTK_ 8
#define TRAP_IRET 32		/* Linux i386's X86_TRAP_IRET */
#define LDT(i) (((i) << 3) | 7)	/* LDT selector with RPL 3 */
#ifdef __x86_64__
#define USER_DS 0x2b
#else
#define USER_DS user32_ds()
#endif

/* The LDT a case may ask for (one layout for every case). */
enum { L_DATA32, L_CODE32, L_CODE_NP, L_DATA_NP, L_DATA16, L_DATA_RO, L_N };

static long set_ldt(int entry, int contents, int seg32, int ro, int np)
{
	struct user_desc d;
	memset(&d, 0, sizeof(d));
	d.entry_number = entry;
	d.limit = 0xfffff;
	d.limit_in_pages = 1;
	d.seg_32bit = seg32;
	d.contents = contents;		/* 0 data, 2 code */
	d.read_exec_only = ro;
	d.seg_not_present = np;
	d.useable = 1;
	return SC(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static int make_ldt(void)
{
	return set_ldt(L_DATA32, 0, 1, 0, 0) || set_ldt(L_CODE32, 2, 1, 0, 0) ||
	       set_ldt(L_CODE_NP, 2, 1, 0, 1) || set_ldt(L_DATA_NP, 0, 1, 0, 1) ||
	       set_ldt(L_DATA16, 0, 0, 0, 0) || set_ldt(L_DATA_RO, 0, 1, 1, 0);
}

/*
 * seg_probe(pid, sig, out[6]): kill(pid, sig), then store CS SS DS ES FS GS
 * as they are right after the return and restore the ones we came with.
 * cs_exit_stub: write(ESI, EDI, EBP) (the report; usr1 sets those three),
 * then exit with the CS it runs under (same bytes in both modes).
 */
void seg_probe(long pid, long sig, unsigned short *out);
void cs_exit_stub(void);
extern const char seg_probe_ret[];
#ifdef __x86_64__
__asm__(".text\n"
	"seg_probe:\n"
	"	push %rbx\n"
	"	mov %ss, %ebx\n"
	"	mov %rdx, %r8\n"	/* the kernel keeps r8 across SYSCALL */
	"	mov $62, %eax\n"
	"	syscall\n"
	"seg_probe_ret:\n"
	"	mov %cs, 0(%r8)\n"
	"	mov %ss, 2(%r8)\n"
	"	mov %ds, 4(%r8)\n"
	"	mov %es, 6(%r8)\n"
	"	mov %fs, 8(%r8)\n"
	"	mov %gs, 10(%r8)\n"
	"	mov %ebx, %ss\n"
	"	pop %rbx\n"
	"	ret\n"
	".code32\n"
	"cs_exit_stub:\n"
	"	mov %esi, %ebx\n"
	"	mov %edi, %ecx\n"
	"	mov %ebp, %edx\n"
	"	mov $4, %eax\n"	/* i386 write */
	"	int $0x80\n"
	"	mov %cs, %ebx\n"
	"	mov $1, %eax\n"
	"	int $0x80\n"
	"	ud2\n"
	".code64\n");
#else
/* DS may be null after the return: only SS-relative accesses until fixed. */
__asm__(".text\n"
	"seg_probe:\n"
	"	push %ebx\n push %esi\n push %edi\n push %ebp\n"
	"	push %ds\n push %es\n push %fs\n push %gs\n"
	"	mov %ss, %eax\n"
	"	push %eax\n"
	"	mov 40(%esp), %ebx\n"
	"	mov 44(%esp), %ecx\n"
	"	mov $37, %eax\n"
	"	int $0x80\n"
	"seg_probe_ret:\n"
	"	mov %cs, %eax\n mov %ss, %ebx\n mov %ds, %ecx\n"
	"	mov %es, %edx\n mov %fs, %esi\n mov %gs, %edi\n"
	"	pop %ebp\n"
	"	mov %ebp, %ss\n"
	"	pop %gs\n pop %fs\n pop %es\n pop %ds\n"
	"	mov 28(%esp), %ebp\n"
	"	mov %ax, 0(%ebp)\n mov %bx, 2(%ebp)\n mov %cx, 4(%ebp)\n"
	"	mov %dx, 6(%ebp)\n mov %si, 8(%ebp)\n mov %di, 10(%ebp)\n"
	"	pop %ebp\n pop %edi\n pop %esi\n pop %ebx\n"
	"	ret\n"
	"cs_exit_stub:\n"
	"	mov %esi, %ebx\n"
	"	mov %edi, %ecx\n"
	"	mov %ebp, %edx\n"
	"	mov $4, %eax\n"	/* write */
	"	int $0x80\n"
	"	mov %cs, %ebx\n"
	"	mov $1, %eax\n"
	"	int $0x80\n"
	"	ud2\n");
#endif

enum field { F_NONE, F_CS, F_SS, F_DS, F_ES, F_FS, F_GS };
static const char *const fname[] = { "-", "CS", "SS", "DS", "ES", "FS", "GS" };

struct scase {
	enum field f;
	unsigned short val;	/* written to field f */
	char ldt;		/* the child builds the LDT first */
	char lax;		/* x86-64: clear UC_STRICT_RESTORE_SS */
	char jump;		/* also IP = cs_exit_stub: exit code = CS */
	int sig;		/* the fault expected, or 0 */
	int trapno, err;	/* ... its trapno and err */
	unsigned short after;	/* no fault: field f then reads this */
	const char *what;
};

/* What the child's handlers saw, for the parent. */
struct shared {
	int nusr1, nfault, fsig, fcode;
	unsigned long ftrap, ferr, fcs, fss, fip, fflags;
	unsigned long uflags, usel[7];	/* SIGUSR1 frame, by enum field */
	unsigned short after[6];	/* CS SS DS ES FS GS after sigreturn */
	unsigned short before[6];
};
static struct shared shared_buf, *sh = &shared_buf;
static const struct scase *cur;

/* The child's report from paths that do not return to run_reporting. */
static void report(void)
{
	child_report_send(sh, sizeof(*sh));
}

/* Run fn(arg) in a forked child that reports *sh back (child_report.h). */
static int run_reporting(int (*fn)(void *), void *arg)
{
	return run_reporting_into(fn, arg, sh, sizeof(*sh));
}

#ifdef __x86_64__
#define REG_IP REG_RIP
#define REG_SI_ REG_RSI
#define REG_DI_ REG_RDI
#define REG_BP_ REG_RBP
#define USER_CS 0x33
/* REG_CSGSFS packs cs | gs << 16 | fs << 32 | ss << 48. */
static const int shift[] = { 0, 0, 48, -1, -1, 32, 16 };
static unsigned long get_sel(greg_t *g, enum field f)
{
	return shift[f] < 0 ? 0 : ((unsigned long)g[REG_CSGSFS] >> shift[f]) & 0xffff;
}
static void set_sel(greg_t *g, enum field f, unsigned long v)
{
	unsigned long m = 0xffffUL << shift[f];
	g[REG_CSGSFS] = (greg_t)(((unsigned long)g[REG_CSGSFS] & ~m) | (v << shift[f]));
}
#else
#define REG_IP REG_EIP
#define REG_SI_ REG_ESI
#define REG_DI_ REG_EDI
#define REG_BP_ REG_EBP
#define USER_CS user32_cs()
static const int idx[] = { 0, REG_CS, REG_SS, REG_DS, REG_ES, REG_FS, REG_GS };
static unsigned long get_sel(greg_t *g, enum field f) { return g[idx[f]] & 0xffff; }
static void set_sel(greg_t *g, enum field f, unsigned long v) { g[idx[f]] = (greg_t)v; }
#endif

static void usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	sh->nusr1++;
	sh->uflags = uc->uc_flags;
	for (int f = F_CS; f <= F_GS; f++)
		sh->usel[f] = get_sel(g, (enum field)f);
	if (!cur || cur->f == F_NONE)
		return;
	set_sel(g, cur->f, cur->val);
	if (cur->lax)
		uc->uc_flags &= ~(unsigned long)UC_STRICT_;
	if (cur->jump) {
		g[REG_IP] = (greg_t)cs_exit_stub;
		/* What cs_exit_stub writes: all in 32 bits (static, non-PIE). */
		g[REG_SI_] = child_report_fd;
		g[REG_DI_] = (greg_t)(unsigned long)sh;
		g[REG_BP_] = sizeof(*sh);
	}
}

/* The failed return, reported as a user-mode fault: record, repair, go on. */
static void fault(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	greg_t *g = uc->uc_mcontext.gregs;
	if (++sh->nfault > 1) {
		report();
		_exit(50);
	}
	sh->fsig = sig;
	sh->fcode = si->si_code;
	sh->ftrap = (unsigned long)g[REG_TRAPNO];
	sh->ferr = (unsigned long)g[REG_ERR];
	sh->fcs = get_sel(g, F_CS);
	sh->fss = get_sel(g, F_SS);
	sh->fip = (unsigned long)g[REG_IP];
	sh->fflags = uc->uc_flags;
	set_sel(g, F_CS, USER_CS);
	set_sel(g, F_SS, USER_DS);
}

/* A case's GDT selector as this kernel has it: the user segments are
 * entries 4 and 5 on a 64-bit kernel, 14 and 15 on a native i386 one. */
static unsigned int native_sel(unsigned int v)
{
	unsigned int idx = v >> 3;
	if (!native_i386() || (v & 4) || (idx != 4 && idx != 5))
		return v;
	return (idx + 10) << 3 | (v & 7);
}

static int child(void *arg)
{
	struct sigaction sa;
	alarm(5);
	cur = arg;
	if (cur && cur->ldt && make_ldt() != 0)
		return 40;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = usr1;
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_sigaction = fault;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	if (native_i386())	/* Linux i386's IRET faults (see above) */
		sigaction(SIGILL, &sa, NULL);
	__asm__ volatile("mov %%cs, %0\n\tmov %%ss, %1\n\tmov %%ds, %2\n\t"
			 "mov %%es, %3\n\tmov %%fs, %4\n\tmov %%gs, %5"
			 : "=m"(sh->before[0]), "=m"(sh->before[1]), "=m"(sh->before[2]),
			   "=m"(sh->before[3]), "=m"(sh->before[4]), "=m"(sh->before[5]));
	unsigned short out[6];
	seg_probe(SC(SYS_getpid), SIGUSR1, out);
	memcpy(sh->after, out, sizeof(out));
	return 0;
}

static int run_case(const struct scase *c)
{
	memset(sh, 0, sizeof(*sh));
	return run_reporting(child, (void *)c);
}

/* The frame of a signal that interrupted ordinary code. */
static void test_frame(void)
{
	char b[64];
	int st = run_case(NULL);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || sh->nusr1 != 1)
		ktap_diag("child %s, %d SIGUSR1", status_str(st, b, sizeof(b)), sh->nusr1);
	unsigned long *u = sh->usel;
#ifdef __x86_64__
	ktap_eq(sh->uflags & (UC_SIGCONTEXT_SS_ | UC_STRICT_), UC_SIGCONTEXT_SS_ | UC_STRICT_,
		"64-bit code interrupted: uc_flags has UC_SIGCONTEXT_SS and UC_STRICT_RESTORE_SS");
	ktap_ok(u[F_CS] == 0x33 && u[F_SS] == USER_DS,
		"sigcontext cs 0x33, ss 0x2b (cs %#lx ss %#lx)", u[F_CS], u[F_SS]);
	ktap_ok(u[F_FS] == 0 && u[F_GS] == 0, "sigcontext fs and gs words are 0 (fs %#lx gs %#lx)",
		u[F_FS], u[F_GS]);
#else
	ktap_eq(sh->uflags & (UC_SIGCONTEXT_SS_ | UC_STRICT_), 0,
		"i386 frame: uc_flags has neither UC_SIGCONTEXT_SS nor UC_STRICT_RESTORE_SS");
	ktap_ok(u[F_CS] == USER_CS && u[F_SS] == USER_DS && u[F_DS] == USER_DS &&
			u[F_ES] == USER_DS,
		"sigcontext cs %#x, ss ds es %#x (cs %#lx ss %#lx ds %#lx es %#lx)", USER_CS,
		USER_DS, u[F_CS], u[F_SS], u[F_DS], u[F_ES]);
	ktap_ok(u[F_FS] == sh->before[4] && u[F_GS] == sh->before[5],
		"sigcontext fs %#lx gs %#lx: the task's own (%#x, %#x)", u[F_FS], u[F_GS],
		sh->before[4], sh->before[5]);
#endif
	int same = 1;
	for (int i = 0; i < 6; i++)
		same &= sh->after[i] == sh->before[i];
	ktap_ok(same, "an unedited frame gives back every segment register");
}

#ifdef __x86_64__
/*
 * A signal that interrupts 32-bit code of a 64-bit task; that code then
 * writes the report (write(fd, buf, len), all 32-bit values) and exits.
 */
void run_compat_kill(long pid, long sig, void *stack_top, long fd, void *buf, long len);
__asm__(".text\n"
	"run_compat_kill:\n"
	"	mov %edi, %ebx\n"
	"	mov %rdx, %rsp\n"
	"	mov %esi, %edx\n"
	"	mov %ecx, %ebp\n"	/* fd */
	"	mov %r8d, %edi\n"	/* buf */
	"	mov %r9d, %esi\n"	/* len */
	"	mov %edx, %ecx\n"	/* sig */
	"	pushq $0x23\n"
	"	lea 1f(%rip), %rax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"1:	mov $37, %eax\n"	/* i386 kill */
	"	int $0x80\n"
	"	mov %ebp, %ebx\n"
	"	mov %edi, %ecx\n"
	"	mov %esi, %edx\n"
	"	mov $4, %eax\n"		/* i386 write */
	"	int $0x80\n"
	"	mov $1, %eax\n"		/* i386 exit(0) */
	"	xor %ebx, %ebx\n"
	"	int $0x80\n"
	"	ud2\n"
	".code64\n");
static unsigned char low_stack[65536] __attribute__((aligned(64)));

static int compat_child(void *arg)
{
	struct sigaction sa;
	alarm(5);
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = usr1;
	sigaction(SIGUSR1, &sa, NULL);
	run_compat_kill(SC(SYS_getpid), SIGUSR1, low_stack + sizeof(low_stack), child_report_fd, sh,
			sizeof(*sh));
	return 3;
}

static void test_compat_frame(void)
{
	memset(sh, 0, sizeof(*sh));
	int st = run_reporting(compat_child, NULL);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->nusr1 == 1 &&
		(sh->uflags & (UC_SIGCONTEXT_SS_ | UC_STRICT_)) == UC_SIGCONTEXT_SS_ &&
		sh->usel[F_CS] == 0x23 && sh->usel[F_SS] == USER_DS,
		"32-bit code (CS 0x23) interrupted: UC_SIGCONTEXT_SS without UC_STRICT_RESTORE_SS "
		"(uc_flags %#lx cs %#lx ss %#lx)", sh->uflags, sh->usel[F_CS], sh->usel[F_SS]);
}
#define NFRAME 5
#else
#define NFRAME 4
#endif

#define JMP(f, v, l, what) { f, v, l, 0, 1, 0, 0, 0, v, what }
#define BAD(f, v, l, lax, sig, t, e, what) { f, v, l, lax, 0, sig, t, e, 0, what }
#define KEEP(f, v, l, lax, after, what) { f, v, l, lax, 0, 0, 0, 0, after, what }

static const struct scase cases[] = {
#ifdef __x86_64__
	JMP(F_CS, 0x23, 0, "CS 0x23 (with a 32-bit IP): 32-bit code runs"),
#endif
	JMP(F_CS, LDT(L_CODE32), 1, "CS = a 32-bit LDT code segment: it runs"),
	BAD(F_CS, 0x10, 0, 0, SIGSEGV, 13, 0x10, "CS 0x10: RPL forced to 3, IRET #GP"),
	BAD(F_CS, 0x7, 0, 0, SIGSEGV, 13, 0x4, "CS 0x7 with no LDT: IRET #GP"),
	BAD(F_CS, LDT(L_DATA32), 1, 0, SIGSEGV, 13, 0x4, "CS = an LDT data segment: IRET #GP"),
	BAD(F_CS, LDT(L_CODE_NP), 1, 0, SIGBUS, 11, 0x14, "CS = a not-present LDT code segment: IRET #NP"),
	BAD(F_SS, 0x13, 0, 0, SIGSEGV, 13, 0x10, "SS 0x13 (kernel code): IRET #GP"),
	/*
	 * An LDT SS makes Linux IRET from the read-only espfix64 stack: the
	 * CPU cannot push the fault's frame there, the fault becomes a double
	 * fault, and Linux passes it on as a #GP whose error code is lost (0).
	 */
	BAD(F_SS, 0x7, 0, 0, SIGSEGV, 13, 0, "SS 0x7 with no LDT: IRET fault on the espfix stack"),
	BAD(F_SS, LDT(L_DATA_NP), 1, 0, SIGSEGV, 13, 0, "SS = a not-present LDT segment: IRET fault on the espfix stack"),
	BAD(F_SS, LDT(L_DATA_RO), 1, 0, SIGSEGV, 13, 0, "SS = a read-only LDT segment: IRET fault on the espfix stack"),
#ifdef __x86_64__
	KEEP(F_SS, LDT(L_DATA16), 1, 0, LDT(L_DATA16), "SS = a 16-bit LDT data segment: kept"),
	KEEP(F_SS, 0x13, 0, 1, USER_DS, "lax SS 0x13: replaced by 0x2b"),
	KEEP(F_SS, 0x7, 0, 1, USER_DS, "lax SS 0x7 with no LDT: replaced by 0x2b"),
	KEEP(F_SS, LDT(L_DATA_NP), 1, 1, USER_DS, "lax SS = a not-present LDT segment: replaced by 0x2b"),
	KEEP(F_SS, LDT(L_DATA_RO), 1, 1, USER_DS, "lax SS = a read-only LDT segment: replaced by 0x2b"),
	KEEP(F_SS, LDT(L_CODE32), 1, 1, USER_DS, "lax SS = an LDT code segment: replaced by 0x2b"),
	KEEP(F_SS, LDT(L_DATA16), 1, 1, LDT(L_DATA16), "lax SS = a 16-bit LDT data segment: kept"),
	KEEP(F_FS, 0x13, 0, 0, 0, "the fs word is ignored (FS stays 0)"),
	KEEP(F_GS, 0x13, 0, 0, 0, "the gs word is ignored (GS stays 0)"),
#else
	BAD(F_SS, 0, 0, 0, SIGSEGV, 13, 0, "SS 0 (loaded as 3): IRET #GP"),
	KEEP(F_SS, LDT(L_DATA32), 1, 0, LDT(L_DATA32), "SS = a 32-bit LDT data segment: kept"),
	KEEP(F_DS, 0x13, 0, 0, 0, "DS 0x13 (kernel code): becomes 0"),
	KEEP(F_DS, 0x1b, 0, 0, 0, "DS 0x1b (kernel data, RPL 3): becomes 0"),
	KEEP(F_DS, 0x7, 0, 0, 0, "DS 0x7 with no LDT: becomes 0"),
	KEEP(F_DS, 0xfff3, 0, 0, 0, "DS 0xfff3 (past the GDT): becomes 0"),
	KEEP(F_DS, LDT(L_DATA_NP), 1, 0, 0, "DS = a not-present LDT segment: becomes 0"),
	KEEP(F_DS, 0x28, 0, 0, 0x2b, "DS %#x: RPL forced to 3, %#x"),
	KEEP(F_DS, 0, 0, 0, 0, "DS 0: stays 0"),
	KEEP(F_DS, 0x23, 0, 0, 0x23, "DS %#x (the readable user code segment): kept"),
	KEEP(F_DS, LDT(L_DATA32), 1, 0, LDT(L_DATA32), "DS = an LDT data segment: kept"),
	KEEP(F_ES, 0x13, 0, 0, 0, "ES 0x13: becomes 0"),
	KEEP(F_ES, LDT(L_DATA16), 1, 0, LDT(L_DATA16), "ES = a 16-bit LDT data segment: kept"),
	KEEP(F_FS, 0x7, 0, 0, 0, "FS 0x7 with no LDT: becomes 0"),
	KEEP(F_FS, LDT(L_DATA32), 1, 0, LDT(L_DATA32), "FS = an LDT data segment: kept"),
	KEEP(F_GS, 0xfff3, 0, 0, 0, "GS 0xfff3: becomes 0"),
	KEEP(F_GS, LDT(L_DATA32), 1, 0, LDT(L_DATA32), "GS = an LDT data segment: kept"),
#endif
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static void check_case(const struct scase *c)
{
	char b[64], what[128];
	struct scase n = *c;	/* the selectors as this kernel has them */
	n.val = native_sel(c->val);
	n.after = native_sel(c->after);
	snprintf(what, sizeof(what), c->what, n.val, n.after);
	n.what = what;
	int st = run_case(&n);
	int ok, fi = c->f - F_CS;
	if (c->jump) {
		ok = WIFEXITED(st) && WEXITSTATUS(st) == n.after;
		ktap_ok(ok, "%s (exit %#x)", n.what, n.after);
	} else if (c->sig) {
		unsigned long fsel = c->f == F_CS ? sh->fcs : sh->fss;
		unsigned want = n.val | 3;
		/* Native i386: every refused IRET is the "iret exception". */
		int wsig = native_i386() ? SIGILL : c->sig;
		int wcode = native_i386() ? ILL_BADSTK_ : SI_KERNEL_;
		int wtrap = native_i386() ? TRAP_IRET : c->trapno;
		int werr = native_i386() ? 0 : c->err;
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->nfault == 1 &&
		     sh->fsig == wsig && sh->fcode == wcode &&
		     sh->ftrap == (unsigned long)wtrap && sh->ferr == (unsigned long)werr &&
		     fsel == want && sh->fip == (unsigned long)seg_probe_ret &&
		     sh->after[0] == USER_CS;
#ifdef __x86_64__
		/* The fault frame is strict only if the refused context was 64-bit code. */
		ok = ok && !!(sh->fflags & UC_STRICT_) == (sh->fcs == 0x33);
#endif
		ktap_ok(ok, "%s: %s, %s, trapno %d, err %#x, frame %s %#x", n.what,
			wsig == SIGSEGV ? "SIGSEGV" : wsig == SIGBUS ? "SIGBUS" : "SIGILL",
			wcode == SI_KERNEL_ ? "SI_KERNEL" : "ILL_BADSTK", wtrap, werr,
			fname[c->f], want);
	} else {
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 0 && sh->nfault == 0 &&
		     sh->after[fi] == n.after;
		ktap_ok(ok, "%s: %s reads %#x", n.what, fname[c->f], n.after);
	}
	if (!ok)
		ktap_diag("child %s; faults %d (sig %d code %#x trapno %lu err %#lx cs %#lx ss %#lx "
			  "ip %s uc_flags %#lx); %s after %#x", status_str(st, b, sizeof(b)),
			  sh->nfault, sh->fsig, sh->fcode, sh->ftrap, sh->ferr, sh->fcs, sh->fss,
			  sh->fip == (unsigned long)seg_probe_ret ? "ok" : "moved", sh->fflags,
			  fname[c->f], fi >= 0 ? sh->after[fi] : 0);
}

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(NFRAME + NCASES);
	test_frame();
#ifdef __x86_64__
	test_compat_frame();
#endif
	for (int i = 0; i < NCASES; i++)
		check_case(&cases[i]);
	return ktap_finish();
}
