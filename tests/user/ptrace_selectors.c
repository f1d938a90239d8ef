/*
 * ptrace_selectors: segment selectors written by a tracer.
 *
 * The tracee builds a small LDT (0x7: 32-bit flat data, 0xf: 32-bit flat
 * code, nothing at 0x17), stops at an int3 (stop A), then copies CS SS DS
 * ES FS GS into general registers and stops at a second int3 (stop B), so
 * the tracer sees both what ptrace reports and what the CPU really loaded.
 * Three pairs: 64-bit tracer on a 64-bit and on a 32-bit tracee, 32-bit
 * tracer on a 32-bit tracee (compat ptrace).  Linux facts tested:
 *  - POKEUSER and SETREGS refuse with EIO any selector whose RPL is not 3
 *    unless it is null (0) - and a null CS or SS - and change nothing;
 *  - any other selector is taken as is, even one no descriptor backs
 *    (0x13 kernel code, 0x17 past the LDT, 0xfff3 past the GDT, 3), and
 *    PEEKUSER shows it;
 *  - DS ES FS GS are loaded when the tracee runs: a valid selector stays
 *    (LDT data 0x7), one the CPU refuses silently becomes 0, and from the
 *    next stop on ptrace shows 0 too;
 *  - CS or SS the CPU refuses makes the return to user mode fault: the
 *    tracer gets a SIGSEGV signal-delivery stop (si_code SI_KERNEL, no
 *    address) at the unchanged ip, the registers still showing the refused
 *    selector; writing a good one back and suppressing the signal lets the
 *    tracee run on.  An LDT code segment as CS and an LDT data segment as
 *    SS simply work.  On a native i386 kernel (kernel32.h) that fault is
 *    Linux i386's "iret exception": a SIGILL stop, si_code ILL_BADSTK,
 *    the rest the same.
 */
#include "ktap.h"
#include "sys.h"
#include "ptrace_util.h"
#include "kernel32.h"
#include <asm/ldt.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#define MAGIC 0x5e61
#define SI_KERNEL_ 0x80
#define ILL_BADSTK_ 8
#define NOCHG 0xffffffffUL	/* leave this register alone */

typedef struct user_regs_struct regs_t;
#ifdef __x86_64__
typedef unsigned long long reg_t;
#define R_IP(r) ((r).rip)
#define R(x, n) ((x).r##n)
static const size_t seg_off[6] = {
	offsetof(regs_t, cs), offsetof(regs_t, ss), offsetof(regs_t, ds),
	offsetof(regs_t, es), offsetof(regs_t, fs), offsetof(regs_t, gs) };
#else
typedef long reg_t;
#define R_IP(r) ((r).eip)
#define R(x, n) ((x).e##n)
static const size_t seg_off[6] = {
	offsetof(regs_t, xcs), offsetof(regs_t, xss), offsetof(regs_t, xds),
	offsetof(regs_t, xes), offsetof(regs_t, xfs), offsetof(regs_t, xgs) };
#endif
enum { CS, SS, DS, ES, FS, GS };
static const char *const sname[] = { "cs", "ss", "ds", "es", "fs", "gs" };

static unsigned long seg(const regs_t *r, int s)
{
	return (unsigned long)*(const reg_t *)((const char *)r + seg_off[s]) & 0xffff;
}
static void set_seg(regs_t *r, int s, unsigned long v)
{
	*(reg_t *)((char *)r + seg_off[s]) = (reg_t)v;
}
/* What the tracee itself read into registers before stop B. */
static unsigned long cpu_seg(const regs_t *r, int s)
{
	reg_t v[6] = { R(*r, bx), R(*r, di), R(*r, ax), R(*r, cx), R(*r, dx), R(*r, si) };
	return (unsigned long)v[s] & 0xffff;
}

/* ------------------------------------------------------------------ */
/* Tracee: same bytes up to stop B in 32- and 64-bit mode.             */

void ps_blob(void);
#ifdef __x86_64__
#define EXIT0 "mov $60, %eax\n xor %edi, %edi\n syscall\n"
#else
#define EXIT0 "mov $1, %eax\n xor %ebx, %ebx\n int $0x80\n"
#endif
__asm__(".text\n"
	"ps_blob:\n"
	"	mov $0x5e61, %eax\n"	/* MAGIC */
	"	int3\n"
	"	mov %ds, %eax\n mov %es, %ecx\n mov %fs, %edx\n"
	"	mov %gs, %esi\n mov %ss, %edi\n mov %cs, %ebx\n"
	"	int3\n"
	EXIT0
	"	ud2\n");

static long set_ldt(int entry, int contents)
{
	struct user_desc d;
	memset(&d, 0, sizeof(d));
	d.entry_number = entry;
	d.limit = 0xfffff;
	d.limit_in_pages = 1;
	d.seg_32bit = 1;
	d.contents = contents;
	d.useable = 1;
	return SC(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static int tracee_body(void)
{
	alarm(20);
	if (set_ldt(0, 0) || set_ldt(1, 2))
		return 40;
	ps_blob();
	return 41;
}

/* ------------------------------------------------------------------ */
/* Tracer.                                                             */

static const char *label;

static int getregs(pid_t pid, regs_t *r)
{
	if (ptrace(PTRACE_GETREGS, pid, 0, r) == 0)
		return 1;
	ktap_diag("GETREGS: %s", strerror(errno));
	return 0;
}

static void kill_tracee(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == pid && !WIFEXITED(st) && !WIFSIGNALED(st))
		;
}

/* Resume with `sig` and wait; the wait status, or -1. */
static int cont(pid_t pid, int sig)
{
	int st;
	if (ptrace(PTRACE_CONT, pid, 0, (void *)(long)sig) != 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return st;
}

/* A tracee at stop A (its own ABI or the 32-bit sibling), or -1. */
static pid_t start_tracee(int exec32, regs_t *r)
{
	int st;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		if (exec32) {
			execl(sibling_path, sibling_path, "--tracee", (char *)NULL);
			_exit(127);
		}
		_exit(tracee_body());
	}
	/* The exec (if any) stops with SIGTRAP first; stop A has eax = MAGIC. */
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	for (int i = 0; i < 3 && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP; i++) {
		if (!getregs(pid, r))
			break;
		if ((R(*r, ax) & 0xffffffff) == MAGIC)
			return pid;
		st = cont(pid, 0);
	}
	ktap_diag("%s: the tracee did not reach its int3: %s", label, st_str(st));
	kill_tracee(pid);
	return -1;
}

/* From stop A or a repaired fault stop: to stop B, its registers in *r. */
static int to_stop_b(pid_t pid, regs_t *r)
{
	int st = cont(pid, 0);
	if (st != -1 && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP && getregs(pid, r))
		return 1;
	ktap_diag("%s: want the second int3 stop, tracee %s", label, st_str(st));
	return 0;
}

/* From stop B, with CS/SS as they were at stop A: the tracee exits 0. */
static int exits_0(pid_t pid, const regs_t *a)
{
	regs_t r;
	if (!getregs(pid, &r))
		return 0;
	set_seg(&r, CS, seg(a, CS));
	set_seg(&r, SS, seg(a, SS));
	int st = -1;
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) == 0)
		st = cont(pid, 0);
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	ktap_diag("%s: tracee %s, want exit 0", label, st_str(st));
	if (st != -1 && !WIFEXITED(st) && !WIFSIGNALED(st))
		kill_tracee(pid);
	return 0;
}

static long peek(pid_t pid, int s)
{
	errno = 0;
	long v = ptrace(PTRACE_PEEKUSER, pid, (void *)seg_off[s], 0);
	return errno ? -1 : v & 0xffff;
}

/* 0 if the write was taken, else the errno. */
static int poke(pid_t pid, int s, unsigned long v)
{
	errno = 0;
	return ptrace(PTRACE_POKEUSER, pid, (void *)seg_off[s], (void *)v) == 0 ? 0 : errno;
}

/* ---- what POKEUSER and SETREGS take ---- */
static void t_writes(int exec32)
{
	static const unsigned long refused[] = { 0x28, 0x29, 0x2a, 0x10, 1, 2 };
	static const unsigned long taken[] = { 0x13, 0x7, 0x17, 0xfff3, 3 };
	int ok_ref[6] = { 0 }, ok_take[6] = { 0 }, ok_sr = 0, ok_sa = 0, ok_end = 0;
	regs_t a, r, now;
	pid_t pid = start_tracee(exec32, &a);
	if (pid < 0)
		goto report;
	for (int s = CS; s <= GS; s++) {
		unsigned long orig = seg(&a, s);
		int ok = 1;
		for (unsigned i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
			int e = poke(pid, s, refused[i]);
			if (e != EIO || peek(pid, s) != (long)orig) {
				ktap_diag("%s: POKEUSER %s %#lx: %s, reads %#lx", label, sname[s],
					  refused[i], e ? strerror(e) : "taken", peek(pid, s));
				ok = 0;
			}
		}
		if (s == CS || s == SS) {
			int e = poke(pid, s, 0);
			if (e != EIO || peek(pid, s) != (long)orig)
				ok = 0, ktap_diag("%s: POKEUSER %s 0: %s", label, sname[s], strerror(e));
		}
		ok_ref[s] = ok;
		ok = 1;
		for (unsigned i = 0; i <= sizeof(taken) / sizeof(taken[0]); i++) {
			/* The data registers also take a plain null selector. */
			unsigned long v = i < sizeof(taken) / sizeof(taken[0]) ? taken[i] : 0;
			if (v == 0 && (s == CS || s == SS))
				continue;
			int e = poke(pid, s, v);
			if (e || peek(pid, s) != (long)v) {
				ktap_diag("%s: POKEUSER %s %#lx: %s, reads %#lx", label, sname[s], v,
					  e ? strerror(e) : "taken", peek(pid, s));
				ok = 0;
			}
			if (poke(pid, s, orig) || peek(pid, s) != (long)orig)
				ok = 0, ktap_diag("%s: %s could not be put back", label, sname[s]);
		}
		ok_take[s] = ok;
	}
	/* SETREGS: the same rule on the whole set. */
	r = a;
	set_seg(&r, ES, 0x18);
	set_seg(&r, FS, 0x2a);
	set_seg(&r, GS, 0x11);
	errno = 0;
	ok_sr = ptrace(PTRACE_SETREGS, pid, 0, &r) == -1 && errno == EIO &&
		getregs(pid, &now) && memcmp(&now, &a, sizeof(now)) == 0;
	r = a;
	static const unsigned long odd[6] = { 0x13, 0x17, 0xfff3, 0x7, 0x1b, 3 };
	for (int s = CS; s <= GS; s++)
		set_seg(&r, s, odd[s]);
	ok_sa = ptrace(PTRACE_SETREGS, pid, 0, &r) == 0 && getregs(pid, &now);
	for (int s = CS; ok_sa && s <= GS; s++)
		ok_sa = seg(&now, s) == odd[s];
	/* Everything back as it was: the tracee runs on unchanged. */
	ok_end = ptrace(PTRACE_SETREGS, pid, 0, &a) == 0 && to_stop_b(pid, &now);
	for (int s = CS; ok_end && s <= GS; s++)
		if (cpu_seg(&now, s) != seg(&a, s))
			ok_end = 0, ktap_diag("%s: %s is %#lx after the put-back", label, sname[s],
					      cpu_seg(&now, s));
	ok_end = ok_end && exits_0(pid, &a);
	if (!ok_end)
		kill_tracee(pid);
report:
	for (int s = CS; s <= GS; s++) {
		ktap_ok(ok_ref[s], "%s: POKEUSER %s with RPL 0, 1 or 2%s: EIO, unchanged", label,
			sname[s], s <= SS ? ", or null" : "");
		ktap_ok(ok_take[s], "%s: POKEUSER %s 0x13, 0x7, 0x17, 0xfff3, 3%s: taken, PEEKUSER agrees",
			label, sname[s], s <= SS ? "" : ", 0");
	}
	ktap_ok(ok_sr, "%s: SETREGS es 0x18 / fs 0x2a / gs 0x11: EIO, nothing changed", label);
	ktap_ok(ok_sa, "%s: SETREGS cs 0x13 ss 0x17 ds 0xfff3 es 0x7 fs 0x1b gs 3: taken", label);
	ktap_ok(ok_end, "%s: ... written back, the tracee runs on with its own selectors", label);
}

/* ---- resuming with the written selectors ---- */
struct rcase {
	unsigned long val[6];	/* NOCHG: leave it */
	unsigned long want[6];	/* after stop B (CPU and PEEKUSER); NOCHG: as at stop A */
	int fault;		/* 1: SIGSEGV stop first, fixed up by the tracer */
	const char *what;
};
#define N NOCHG
static const struct rcase rcases[] = {
	{ { N, N, 0x13, 0x17, 0xfff3, 0x1b }, { N, N, 0, 0, 0, 0 }, 0,
	  "ds 0x13, es 0x17, fs 0xfff3, gs 0x1b: each becomes 0" },
	{ { N, N, 7, 7, 7, 7 }, { N, N, 7, 7, 7, 7 }, 0,
	  "ds es fs gs = 0x7 (LDT data): loaded" },
	{ { 0xf, N, N, N, N, N }, { 0xf, N, N, N, N, N }, 0,
	  "cs 0xf (LDT 32-bit code): it runs" },
	{ { N, 7, N, N, N, N }, { N, 7, N, N, N, N }, 0,
	  "ss 0x7 (LDT data): it runs" },
	{ { 0x13, N, N, N, N, N }, { N, N, N, N, N, N }, 1, "cs 0x13" },
	{ { 0x7, N, N, N, N, N }, { N, N, N, N, N, N }, 1, "cs 0x7 (LDT data)" },
	{ { 0x17, N, N, N, N, N }, { N, N, N, N, N, N }, 1, "cs 0x17 (past the LDT)" },
	{ { 3, N, N, N, N, N }, { N, N, N, N, N, N }, 1, "cs 3 (null, RPL 3)" },
	{ { N, 0x13, N, N, N, N }, { N, N, N, N, N, N }, 1, "ss 0x13" },
	{ { N, 0x17, N, N, N, N }, { N, N, N, N, N, N }, 1, "ss 0x17 (past the LDT)" },
	{ { N, 3, N, N, N, N }, { N, N, N, N, N, N }, 1, "ss 3 (null, RPL 3)" },
};
#undef N
#define NRCASES ((int)(sizeof(rcases) / sizeof(rcases[0])))

static void t_resume(int exec32, const struct rcase *c)
{
	int ok = 0, ok_fault = 0;
	regs_t a, r, b;
	pid_t pid = start_tracee(exec32, &a);
	if (pid < 0)
		goto report;
	r = a;
	for (int s = CS; s <= GS; s++)
		if (c->val[s] != NOCHG)
			set_seg(&r, s, c->val[s]);
	if (ptrace(PTRACE_SETREGS, pid, 0, &r) != 0) {
		ktap_diag("%s: SETREGS: %s", label, strerror(errno));
		goto lost;
	}
	if (c->fault) {
		/* The return to user mode faults; ptrace sees the signal first
		 * (native i386: as SIGILL, ILL_BADSTK). */
		siginfo_t si;
		regs_t f;
		int wsig = native_i386() ? SIGILL : SIGSEGV;
		int wcode = native_i386() ? ILL_BADSTK_ : SI_KERNEL_;
		int st = cont(pid, 0);
		memset(&si, 0, sizeof(si));
		if (st == -1 || !WIFSTOPPED(st) || WSTOPSIG(st) != wsig) {
			ktap_diag("%s: tracee %s, want a %s stop", label, st_str(st),
				  wsig == SIGSEGV ? "SIGSEGV" : "SIGILL");
			goto lost;
		}
		if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) != 0 || !getregs(pid, &f))
			goto lost;
		ok_fault = si.si_signo == wsig && si.si_code == wcode &&
			   si.si_addr == NULL && R_IP(f) == R_IP(a);
		for (int s = CS; s <= GS; s++)
			ok_fault = ok_fault && seg(&f, s) == seg(&r, s);
		if (!ok_fault)
			ktap_diag("%s: stop: code %#x addr %p ip %#llx (stop A %#llx) cs %#lx ss %#lx",
				  label, si.si_code, si.si_addr, (unsigned long long)R_IP(f),
				  (unsigned long long)R_IP(a), seg(&f, CS), seg(&f, SS));
		/* Repair and suppress the signal. */
		set_seg(&f, CS, seg(&a, CS));
		set_seg(&f, SS, seg(&a, SS));
		if (ptrace(PTRACE_SETREGS, pid, 0, &f) != 0)
			goto lost;
	}
	if (!to_stop_b(pid, &b))
		goto lost;
	ok = 1;
	for (int s = CS; s <= GS; s++) {
		unsigned long want = c->want[s] == NOCHG ? seg(&a, s) : c->want[s];
		if (cpu_seg(&b, s) != want || peek(pid, s) != (long)want) {
			ktap_diag("%s: %s: the tracee read %#lx, PEEKUSER %#lx, want %#lx", label,
				  sname[s], cpu_seg(&b, s), peek(pid, s), want);
			ok = 0;
		}
	}
	ok = exits_0(pid, &a) && ok;
	goto report;
lost:
	kill_tracee(pid);
report:
	if (c->fault)
		ktap_ok(ok_fault && ok, "%s: %s: %s stop (%s, no address) at the same ip, "
			"regs show it; put back, the tracee runs on", label, c->what,
			native_i386() ? "SIGILL" : "SIGSEGV", native_i386() ? "ILL_BADSTK" : "SI_KERNEL");
	else
		ktap_ok(ok, "%s: %s (tracee's view and PEEKUSER)", label, c->what);
}

static void run_pair(int exec32, const char *l)
{
	label = l;
	t_writes(exec32);
	for (int i = 0; i < NRCASES; i++)
		t_resume(exec32, &rcases[i]);
}

#define PER_PAIR (12 + 3 + NRCASES)

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--tracee") == 0)
		return tracee_body();
	no_core_dumps();
	default_signals();
	alarm(120);
	find_paths(argv[0]);
#ifdef __x86_64__
	ktap_plan(2 * PER_PAIR);
	run_pair(0, "x86-64 tracer, x86-64 tracee");
	if (have_sibling) {
		run_pair(1, "x86-64 tracer, i386 tracee");
	} else {
		for (int i = 0; i < PER_PAIR; i++)
			ktap_skip("no .32 sibling", "x86-64 tracer, i386 tracee");
	}
#else
	ktap_plan(PER_PAIR);
	run_pair(0, "i386 tracer, i386 tracee");
#endif
	return ktap_finish();
}
