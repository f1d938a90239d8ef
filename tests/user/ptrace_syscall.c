/*
 * ptrace_syscall: what a tracer sees, and may change, at syscall stops.
 *
 * Linux facts tested (PTRACE_SYSCALL with PTRACE_O_TRACESYSGOOD):
 *  - Both the entry and the exit stop report WSTOPSIG == SIGTRAP|0x80 and
 *    GETSIGINFO gives si_signo SIGTRAP, si_code SIGTRAP|0x80.  Without
 *    TRACESYSGOOD the stops report a plain SIGTRAP.
 *  - At the entry stop orig_ax holds the number, ax holds -ENOSYS, the six
 *    arguments sit in the ABI's registers (i386: bx cx dx si di bp, also for
 *    int $0x80 from 64-bit code; x86-64: di si dx r10 r8 r9), and the two
 *    bytes before ip are the instruction the kernel will report as the
 *    entry: cd 80 (int $0x80) or 0f 05 (syscall).  For the 32-bit vDSO the
 *    entry looks like the int $0x80 that follows SYSENTER/SYSCALL there.
 *  - At the exit stop ax holds the result.
 *  - Writing orig_ax at the entry stop changes the call; writing -1 skips
 *    it, an exit stop is still reported, and the tracee gets whatever ax
 *    holds (-ENOSYS unless the tracer wrote ax).  Writing an argument
 *    register changes the argument.  Writing ax at the exit stop changes
 *    the result the tracee sees.
 *  - Writing ip -= 2 and ax = orig_ax at the exit stop makes the tracee
 *    execute the same call again: a second entry stop with the same number,
 *    the same arguments and the same ip.
 *  - i386 results in a 64-bit tracer's view (and for int $0x80 in 64-bit
 *    code): a result >= 2^31, such as mmap2's address, is zero-extended in
 *    rax; an error is the sign-extended -errno.
 *  - pause() hit by a signal: the exit stop shows -ERESTARTNOHAND (-514)
 *    with the argument registers intact; writing the registers back
 *    unchanged keeps the restart; a signal-delivery-stop follows; with the
 *    signal ignored the call restarts (a new entry stop at the same ip).
 *
 * Every check runs for each entry path: SYSCALL from 64-bit code, int $0x80
 * from 64-bit code, and in a 32-bit tracee the vDSO (call *%gs:0x10, which
 * is SYSENTER, SYSCALL or int $0x80 depending on the CPU) and a raw
 * int $0x80.  The 64-bit build also traces the 32-bit build of this file
 * (found beside it, NAME.32) to check the 64-bit view of a 32-bit tracee.
 */
#include "ktap.h"
#include "sys.h"
#include "ptrace_util.h"
#include <stddef.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/user.h>

#ifndef ERESTARTNOHAND
#define ERESTARTNOHAND 514
#endif

/* ------------------------------------------------------------------ */
/* Tracee side: the calls, made through a chosen entry path.           */

enum path { P_SYSCALL64, P_INT80, P_VDSO };

/* Syscall numbers as the tracee passes them. */
struct nrs { long getpid, getppid, umask, write, pause; };
static const struct nrs nr_i386 = { 20, 64, 60, 4, 29 };
#ifdef __x86_64__
static const struct nrs nr_x64 = { 39, 110, 95, 1, 34 };
#endif

/* Arguments the tracee passes to getpid, which ignores them. */
static const long args_i386[6] = { 0x8badf00dL, 0x1234567, 0x7edcba98,
				   0x0f0f0f0f, 0x55aa55aa, (long)0xc001d00dUL };
#ifdef __x86_64__
static const long args_x64[6] = {
	(long)0xa1a2a3a4a5a6a7a8UL, 0x1122334455667788L,
	(long)0xfedcba9876543210UL, 0x0102030405060708L,
	(long)0x8000000000000001UL, 0x7fffffffffffffffL };
#endif

#define SKIP_AX 0x1badd00dL
#define RESULT_AX 0x5a5a5L

long int80_call6(long nr, long a1, long a2, long a3, long a4, long a5,
		 long a6);
long vdso_call6(long nr, long a1, long a2, long a3, long a4, long a5,
		long a6);

#ifdef __x86_64__
/* int $0x80 from 64-bit code: i386 numbers and argument registers. */
__asm__(".text\n"
	".globl int80_call6\n"
	".type int80_call6, @function\n"
	"int80_call6:\n"
	"	push %rbx\n"
	"	push %rbp\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rbx\n"
	"	mov %rcx, %r10\n"
	"	mov %rdx, %rcx\n"
	"	mov %r10, %rdx\n"
	"	mov %r8, %rsi\n"
	"	mov %r9, %rdi\n"
	"	mov 24(%rsp), %rbp\n"
	"	int $0x80\n"
	"	pop %rbp\n"
	"	pop %rbx\n"
	"	ret\n"
	".size int80_call6, .-int80_call6\n");
#else
/* What glibc does for every call: through AT_SYSINFO, kept at %gs:0x10. */
__asm__(".text\n"
	".globl vdso_call6\n"
	".type vdso_call6, @function\n"
	"vdso_call6:\n"
	"	push %ebp\n"
	"	push %edi\n"
	"	push %esi\n"
	"	push %ebx\n"
	"	mov 20(%esp), %eax\n"
	"	mov 24(%esp), %ebx\n"
	"	mov 28(%esp), %ecx\n"
	"	mov 32(%esp), %edx\n"
	"	mov 36(%esp), %esi\n"
	"	mov 40(%esp), %edi\n"
	"	mov 44(%esp), %ebp\n"
	"	call *%gs:0x10\n"
	"	pop %ebx\n"
	"	pop %esi\n"
	"	pop %edi\n"
	"	pop %ebp\n"
	"	ret\n"
	".size vdso_call6, .-vdso_call6\n");
#endif

static long call6(int path, long nr, long a1, long a2, long a3, long a4,
		  long a5, long a6)
{
#ifdef __x86_64__
	if (path == P_INT80)
		return int80_call6(nr, a1, a2, a3, a4, a5, a6);
#else
	if (path == P_VDSO)
		return vdso_call6(nr, a1, a2, a3, a4, a5, a6);
#endif
	return raw_syscall(nr, a1, a2, a3, a4, a5, a6);
}

static const struct nrs *path_nrs(int path)
{
#ifdef __x86_64__
	if (path == P_SYSCALL64)
		return &nr_x64;
#endif
	return &nr_i386;
}

static const long *path_args(int path)
{
#ifdef __x86_64__
	if (path == P_SYSCALL64)
		return args_x64;
#endif
	return args_i386;
}

enum scen { S_VIEW, S_NR, S_SKIP, S_SKIP_ENOSYS, S_ARG, S_RESULT, S_RESTART,
	    S_PAUSE, S_PLAIN, S_HIGHRET, NSCEN };

/* i386 calls for S_HIGHRET, and where mmap2 is asked to map. */
#define NR32_MMAP2 192
#define NR32_CLOSE 6
#define HIGH_HINT 0x90000000L

/* Below 4 GiB in a static binary, so int $0x80 from 64-bit code can use it. */
static char wbuf[] = "abcdefghij";
static char rbuf[16];

/*
 * The tracee: set up, stop with SIGSTOP (raw kill, so no other syscall
 * comes between the stop and the call under test), make the one call, and
 * report through the exit status whether it saw what the tracer arranged.
 */
static int tracee_main(int scen, int path)
{
	const struct nrs *n = path_nrs(path);
	const long *a = path_args(path);
	int fds[2] = { -1, -1 };
	long r;

	if (scen == S_SKIP || scen == S_SKIP_ENOSYS)
		umask(022);
	if (scen == S_ARG && pipe(fds) != 0)
		return 90;
	if (scen == S_PAUSE)
		signal(SIGUSR1, SIG_IGN);
	long me = SC(SYS_getpid);
	SC(SYS_kill, me, SIGSTOP);

	switch (scen) {
	case S_VIEW:
	case S_RESTART:
	case S_PLAIN:
		r = call6(path, n->getpid, a[0], a[1], a[2], a[3], a[4], a[5]);
		return r == me ? 0 : 10;
	case S_NR:
		r = call6(path, n->getpid, a[0], a[1], a[2], a[3], a[4], a[5]);
		return r == getppid() ? 0 : 11;
	case S_SKIP:
	case S_SKIP_ENOSYS:
		r = call6(path, n->umask, 0077, a[1], a[2], a[3], a[4], a[5]);
		if (umask(0) != 022)
			return 12; /* the call was not skipped */
		if (scen == S_SKIP)
			return r == SKIP_AX ? 0 : 13;
		return r == -ENOSYS ? 0 : 14;
	case S_ARG:
		r = call6(path, n->write, fds[1], (long)wbuf, 10, 0, 0, 0);
		if (r != 3)
			return 15;
		if (read(fds[0], rbuf, sizeof(rbuf)) != 3 ||
		    memcmp(rbuf, "abc", 3) != 0)
			return 16;
		return 0;
	case S_RESULT:
		r = call6(path, n->getpid, a[0], a[1], a[2], a[3], a[4], a[5]);
		return r == RESULT_AX ? 0 : 17;
	case S_PAUSE:
		r = call6(path, n->pause, 0, 0, 0, 0, 0, 0);
		return r == 0 ? 0 : 18;
	case S_HIGHRET: {
		/* An i386 result >= 2^31 (an address), then an error. */
		r = call6(path, NR32_MMAP2, HIGH_HINT, 4096, 1 /* PROT_READ */,
			  0x22 /* MAP_PRIVATE | MAP_ANONYMOUS */, -1, 0);
		long r2 = call6(path, NR32_CLOSE, -1, 0, 0, 0, 0, 0);
		int code = 0;
		/* As a long: a 64-bit task using int $0x80 sees it unsigned. */
		if ((unsigned long)r < 0x80000000UL ||
		    (unsigned long)r > 0xfffff000UL || (r & 0xfff))
			code |= 1;
		if (r2 != -EBADF)
			code |= 2;
		return code ? 20 + code : 0;
	}
	}
	return 99;
}

/* ------------------------------------------------------------------ */
/* Tracer side.                                                        */

typedef struct user_regs_struct regs_t;
#ifdef __x86_64__
typedef unsigned long long reg_t;
#define R_NR(r) ((r).orig_rax)
#define R_AX(r) ((r).rax)
#define R_IP(r) ((r).rip)
#define OFF_ORIG_AX offsetof(struct user, regs.orig_rax)
#else
typedef long reg_t;
#define R_NR(r) ((r).orig_eax)
#define R_AX(r) ((r).eax)
#define R_IP(r) ((r).eip)
#define OFF_ORIG_AX offsetof(struct user, regs.orig_eax)
#endif

struct config {
	int path;
	int exec32;		/* trace the 32-bit sibling binary */
	const char *label;
};

#ifdef __x86_64__
static const struct config configs[] = {
	{ P_SYSCALL64, 0, "syscall64" },
	{ P_INT80, 0, "int80 in 64-bit task" },
	{ P_VDSO, 1, "i386 tracee via vdso" },
	{ P_INT80, 1, "i386 tracee via int80" },
};
#else
static const struct config configs[] = {
	{ P_VDSO, 0, "vdso" },
	{ P_INT80, 0, "int80" },
};
#endif
#define NCONFIGS ((int)(sizeof(configs) / sizeof(configs[0])))


/* Our own binary (and NAME.32 beside it for the 64-bit build). */


/* Wait for the next report; 1 if it is a stop with status >> 8 == want. */
static int wait_stop(pid_t pid, int want, const char *what)
{
	int st;
	if (waitpid(pid, &st, 0) != pid) {
		ktap_diag("%s: waitpid: %s", what, strerror(errno));
		return 0;
	}
	if (WIFSTOPPED(st) && (st >> 8) == want)
		return 1;
	ktap_diag("%s: tracee %s, want a stop with status %#x", what,
		  st_str(st), (want << 8) | 0x7f);
	return 0;
}

/* Resume with `req` (and a signal), then wait for a stop of kind `want`. */
static int resume_to(pid_t pid, int req, int sig, int want, const char *what)
{
	if (ptrace(req, pid, 0, (void *)(long)sig) != 0) {
		ktap_diag("%s: ptrace resume: %s", what, strerror(errno));
		return 0;
	}
	return wait_stop(pid, want, what);
}

static int getregs(pid_t pid, regs_t *r)
{
	if (ptrace(PTRACE_GETREGS, pid, 0, r) == 0)
		return 1;
	ktap_diag("GETREGS: %s", strerror(errno));
	return 0;
}

static int setregs(pid_t pid, regs_t *r)
{
	if (ptrace(PTRACE_SETREGS, pid, 0, r) == 0)
		return 1;
	ktap_diag("SETREGS: %s", strerror(errno));
	return 0;
}

/* Continue to the end; the tracee's exit status, or -1 if it misbehaved. */
static int run_to_exit(pid_t pid)
{
	int st;
	if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
		ktap_diag("PTRACE_CONT: %s", strerror(errno));
	while (waitpid(pid, &st, 0) == pid) {
		if (WIFEXITED(st))
			return WEXITSTATUS(st);
		if (WIFSIGNALED(st)) {
			ktap_diag("tracee %s", st_str(st));
			return -1;
		}
		ktap_diag("unexpected %s; killing the tracee", st_str(st));
		kill(pid, SIGKILL);
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	return -1;
}

/* Kill and reap a tracee we lost track of. */
static void kill_tracee(pid_t pid)
{
	int st;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) == pid && !WIFEXITED(st) &&
	       !WIFSIGNALED(st))
		;
}

/* Check the tracee's exit status: 0 means it saw what we arranged. */
static int tracee_ok(pid_t pid)
{
	int code = run_to_exit(pid);
	if (code > 0)
		ktap_diag("tracee reported failure code %d", code);
	return code == 0;
}

struct tracer {
	const struct config *c;
	pid_t pid;
	int abi32;		/* i386 numbers and argument registers */
	reg_t mask;		/* bits of an argument register to compare */
	const struct nrs *n;
	const long *args;
};

static reg_t *arg_reg(const struct tracer *t, regs_t *r, int i)
{
#ifdef __x86_64__
	reg_t *const x64[6] = { &r->rdi, &r->rsi, &r->rdx, &r->r10, &r->r8,
				&r->r9 };
	reg_t *const regs32[6] = { &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi,
				 &r->rbp };
	return t->abi32 ? regs32[i] : x64[i];
#else
	reg_t *const regs32[6] = { &r->ebx, &r->ecx, &r->edx, &r->esi, &r->edi,
				 &r->ebp };
	(void)t;
	return regs32[i];
#endif
}

/* All six argument registers equal args[] (under the mask). */
static int args_match(const struct tracer *t, regs_t *r, const long *args,
		      const char *what)
{
	int ok = 1;
	for (int i = 0; i < 6; i++) {
		reg_t got = *arg_reg(t, r, i) & t->mask;
		reg_t want = (reg_t)args[i] & t->mask;
		if (got != want) {
			ktap_diag("%s: argument %d is %#llx, want %#llx", what,
				  i + 1, (unsigned long long)got,
				  (unsigned long long)want);
			ok = 0;
		}
	}
	return ok;
}

/*
 * Start a tracee for scenario `scen` and bring it to its SIGSTOP, options
 * set.  Returns its pid, or -1 (with a diagnostic) if that failed.
 */
static pid_t start_tracee(struct tracer *t, const struct config *c, int scen,
			  int options)
{
	char sbuf[8], pbuf[8];
	t->c = c;
	t->n = path_nrs(c->path);
	t->args = path_args(c->path);
	t->abi32 = c->path != P_SYSCALL64;
	t->mask = (reg_t)-1;
	if (c->exec32) {
		t->mask = 0xffffffffu;
		if (!have_sibling) {
			ktap_diag("%s: no 32-bit sibling binary (%s)", c->label,
				  sibling_path[0] ? sibling_path : "?");
			return t->pid = -1;
		}
	}
	snprintf(sbuf, sizeof(sbuf), "%d", scen);
	snprintf(pbuf, sizeof(pbuf), "%d", c->path);

	pid_t pid = fork();
	if (pid < 0) {
		ktap_diag("fork: %s", strerror(errno));
		return t->pid = -1;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		if (c->exec32) {
			char *argv[] = { sibling_path, "--tracee", sbuf, pbuf,
					 NULL };
			execv(sibling_path, argv);
			_exit(92);
		}
		_exit(tracee_main(scen, c->path));
	}
	t->pid = pid;
	if (c->exec32) {
		/* execve under PTRACE_TRACEME (no TRACEEXEC): a SIGTRAP. */
		if (!wait_stop(pid, SIGTRAP, "exec stop") ||
		    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)options) ||
		    ptrace(PTRACE_CONT, pid, 0, 0))
			goto fail;
	}
	if (!wait_stop(pid, SIGSTOP, "tracee's SIGSTOP"))
		goto fail;
	if (!c->exec32 &&
	    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)options) != 0) {
		ktap_diag("SETOPTIONS: %s", strerror(errno));
		goto fail;
	}
	return pid;
fail:
	kill_tracee(pid);
	return t->pid = -1;
}

#define SYSGOOD (SIGTRAP | 0x80)

/* From the SIGSTOP to the entry stop of the call under test. */
static int to_entry(struct tracer *t, regs_t *r, const char *what)
{
	return resume_to(t->pid, PTRACE_SYSCALL, 0, SYSGOOD, what) &&
	       getregs(t->pid, r);
}

/* The entry stop as the tracer sees it. */
static void sc_view(const struct config *c)
{
	struct tracer t;
	int ok_stop = 0, ok_si = 0, ok_nr = 0, ok_ax = 0, ok_args = 0,
	    ok_insn = 0, ok_exit = 0, ok_tracee = 0;
	regs_t r, r2;
	pid_t pid = start_tracee(&t, c, S_VIEW, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "entry stop"))
		goto lost;
	ok_stop = 1;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0) {
		ok_si = si.si_signo == SIGTRAP && si.si_code == SYSGOOD;
		if (!ok_si)
			ktap_diag("siginfo: signo %d code %#x", si.si_signo,
				  si.si_code);
	} else {
		ktap_diag("GETSIGINFO: %s", strerror(errno));
	}
	if (!getregs(pid, &r))
		goto lost;
	ok_nr = R_NR(r) == (reg_t)t.n->getpid;
	if (!ok_nr)
		ktap_diag("orig_ax %#llx", (unsigned long long)R_NR(r));
	ok_ax = R_AX(r) == (reg_t)-ENOSYS;
	if (!ok_ax)
		ktap_diag("ax %#llx", (unsigned long long)R_AX(r));
	ok_args = args_match(&t, &r, t.args, "entry");

	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, pid, (void *)(R_IP(r) - 2), 0);
	unsigned want = c->path == P_SYSCALL64 ? 0x050f : 0x80cd;
	if (errno) {
		ktap_diag("PEEKTEXT at ip-2: %s", strerror(errno));
	} else {
		ok_insn = (word & 0xffff) == want;
		if (!ok_insn)
			ktap_diag("bytes before ip %#llx: %02lx %02lx",
				  (unsigned long long)R_IP(r), word & 0xff,
				  (word >> 8) & 0xff);
	}
#ifndef __x86_64__
	if (c->path == P_VDSO) {
		/* The vDSO's int $0x80 (landing pad - 2), not our code. */
		unsigned long base = getauxval(AT_SYSINFO_EHDR);
		if (!(R_IP(r) >= (reg_t)base && R_IP(r) < (reg_t)base + 0x10000)) {
			ktap_diag("ip %#lx is outside the vDSO at %#lx", R_IP(r),
				  base);
			ok_insn = 0;
		}
	}
#endif
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "exit stop") ||
	    !getregs(pid, &r2))
		goto lost;
	ok_exit = R_AX(r2) == (reg_t)pid && R_NR(r2) == R_NR(r) &&
		  R_IP(r2) == R_IP(r);
	if (!ok_exit)
		ktap_diag("exit stop: ax %#llx (pid %d), orig_ax %#llx, ip %#llx",
			  (unsigned long long)R_AX(r2), pid,
			  (unsigned long long)R_NR(r2),
			  (unsigned long long)R_IP(r2));
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_stop, "%s: entry stop reports SIGTRAP|0x80", c->label);
	ktap_ok(ok_si, "%s: GETSIGINFO at the entry stop: SIGTRAP, si_code SIGTRAP|0x80",
		c->label);
	ktap_ok(ok_nr, "%s: entry stop: orig_ax is the syscall number", c->label);
	ktap_ok(ok_ax, "%s: entry stop: ax is -ENOSYS", c->label);
	ktap_ok(ok_args, "%s: entry stop: all six arguments in the ABI's registers",
		c->label);
	ktap_ok(ok_insn, "%s: entry stop: the two bytes before ip are %s",
		c->label, c->path == P_SYSCALL64 ? "0f 05" : "cd 80");
	ktap_ok(ok_exit, "%s: exit stop: ax is the result, orig_ax and ip unchanged",
		c->label);
	ktap_ok(ok_tracee, "%s: tracee gets the real result", c->label);
}

/* getpid -> getppid at the entry stop. */
static void sc_nr(const struct config *c)
{
	struct tracer t;
	int ok_exit = 0, ok_tracee = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, c, S_NR, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r, "entry stop"))
		goto lost;
	R_NR(r) = t.n->getppid;
	if (!setregs(pid, &r) ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_exit = R_AX(r) == (reg_t)getpid();
	if (!ok_exit)
		ktap_diag("exit stop ax %#llx, want our pid %d",
			  (unsigned long long)R_AX(r), getpid());
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_exit, "%s: orig_ax getpid -> getppid at entry: exit stop shows the ppid",
		c->label);
	ktap_ok(ok_tracee, "%s: ... and the tracee gets getppid's result",
		c->label);
}

/* orig_ax = -1 skips the call (umask, so a real call would show). */
static void sc_skip(const struct config *c, int set_ax)
{
	struct tracer t;
	int ok_exit = 0, ok_tracee = 0;
	regs_t r;
	reg_t want = set_ax ? (reg_t)SKIP_AX : (reg_t)-ENOSYS;
	pid_t pid = start_tracee(&t, c, set_ax ? S_SKIP : S_SKIP_ENOSYS,
				 PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r, "entry stop"))
		goto lost;
	if (set_ax) {
		R_NR(r) = (reg_t)-1;
		R_AX(r) = SKIP_AX;
		if (!setregs(pid, &r))
			goto lost;
	} else if (ptrace(PTRACE_POKEUSER, pid, (void *)OFF_ORIG_AX,
			  (void *)-1L) != 0) {
		ktap_diag("POKEUSER orig_ax: %s", strerror(errno));
		goto lost;
	}
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_exit = R_AX(r) == want;
	if (!ok_exit)
		ktap_diag("exit stop ax %#llx, want %#llx",
			  (unsigned long long)R_AX(r), (unsigned long long)want);
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	if (set_ax) {
		ktap_ok(ok_exit, "%s: orig_ax = -1 and ax set at entry: exit stop still comes, ax kept",
			c->label);
		ktap_ok(ok_tracee, "%s: ... the call is skipped and the tracee gets the tracer's ax",
			c->label);
	} else {
		ktap_ok(ok_exit, "%s: POKEUSER orig_ax = -1 alone: exit stop shows -ENOSYS",
			c->label);
		ktap_ok(ok_tracee, "%s: ... the call is skipped and the tracee gets -ENOSYS",
			c->label);
	}
}

/* write(fd, "abcdefghij", 10) becomes write(fd, ..., 3). */
static void sc_arg(const struct config *c)
{
	struct tracer t;
	int ok_exit = 0, ok_tracee = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, c, S_ARG, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r, "entry stop"))
		goto lost;
	if (R_NR(r) != (reg_t)t.n->write || (*arg_reg(&t, &r, 2) & t.mask) != 10) {
		ktap_diag("entry stop is not write(.., .., 10): nr %#llx",
			  (unsigned long long)R_NR(r));
		goto lost;
	}
	*arg_reg(&t, &r, 2) = 3;
	if (!setregs(pid, &r) ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_exit = R_AX(r) == 3;
	if (!ok_exit)
		ktap_diag("exit stop ax %#llx", (unsigned long long)R_AX(r));
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_exit, "%s: write's length 10 -> 3 at entry: exit stop shows 3",
		c->label);
	ktap_ok(ok_tracee, "%s: ... the tracee wrote exactly 3 bytes", c->label);
}

/* ax written at the exit stop is the tracee's result. */
static void sc_result(const struct config *c)
{
	struct tracer t;
	int ok_tracee = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, c, S_RESULT, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r, "entry stop") ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	R_AX(r) = RESULT_AX;
	if (!setregs(pid, &r))
		goto lost;
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_tracee, "%s: ax changed at the exit stop is the tracee's result",
		c->label);
}

/* ip -= 2, ax = orig_ax at the exit stop: the call runs again. */
static void sc_restart(const struct config *c)
{
	struct tracer t;
	int ok_nr = 0, ok_args = 0, ok_ip = 0, ok_tracee = 0;
	regs_t r1, r, r2;
	pid_t pid = start_tracee(&t, c, S_RESTART, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r1, "first entry stop") ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "first exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	R_IP(r) -= 2;
	R_AX(r) = R_NR(r);
	if (!setregs(pid, &r) ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "second entry stop") ||
	    !getregs(pid, &r2))
		goto lost;
	ok_nr = R_NR(r2) == R_NR(r1) && R_AX(r2) == (reg_t)-ENOSYS;
	if (!ok_nr)
		ktap_diag("second entry: orig_ax %#llx ax %#llx",
			  (unsigned long long)R_NR(r2),
			  (unsigned long long)R_AX(r2));
	ok_args = args_match(&t, &r2, t.args, "second entry");
	ok_ip = R_IP(r2) == R_IP(r1);
	if (!ok_ip)
		ktap_diag("second entry ip %#llx, first %#llx",
			  (unsigned long long)R_IP(r2),
			  (unsigned long long)R_IP(r1));
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "second exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	if (R_AX(r) != (reg_t)pid)
		ktap_diag("second exit: ax %#llx", (unsigned long long)R_AX(r));
	ok_tracee = R_AX(r) == (reg_t)pid && tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_nr, "%s: restart (ip -= 2, ax = orig_ax): a second entry stop, same number",
		c->label);
	ktap_ok(ok_args, "%s: ... with the same six arguments", c->label);
	ktap_ok(ok_ip, "%s: ... at the same ip", c->label);
	ktap_ok(ok_tracee, "%s: ... then one exit stop with the result, which the tracee gets",
		c->label);
}

/* pause() interrupted by an ignored SIGUSR1 under PTRACE_SYSCALL. */
static void sc_pause(const struct config *c)
{
	struct tracer t;
	int ok_erestart = 0, ok_sig = 0, ok_again = 0, ok_tracee = 0;
	regs_t r1, r, r2;
	pid_t pid = start_tracee(&t, c, S_PAUSE, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r1, "pause entry stop"))
		goto lost;
	if (R_NR(r1) != (reg_t)t.n->pause) {
		ktap_diag("entry stop is not pause: %#llx",
			  (unsigned long long)R_NR(r1));
		goto lost;
	}
	if (ptrace(PTRACE_SYSCALL, pid, 0, 0) != 0)
		goto lost;
	kill(pid, SIGUSR1);
	if (!wait_stop(pid, SYSGOOD, "pause exit stop") || !getregs(pid, &r))
		goto lost;
	long args0[6];
	for (int i = 0; i < 6; i++)
		args0[i] = (long)*arg_reg(&t, &r1, i);
	ok_erestart = R_AX(r) == (reg_t)-ERESTARTNOHAND &&
		      args_match(&t, &r, args0, "pause exit") &&
		      R_NR(r) == R_NR(r1);
	if (R_AX(r) != (reg_t)-ERESTARTNOHAND)
		ktap_diag("pause exit stop ax %#llx", (unsigned long long)R_AX(r));
	/* Writing everything back unchanged must not disturb the restart. */
	if (!setregs(pid, &r))
		goto lost;
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SIGUSR1, "SIGUSR1 delivery stop"))
		goto lost;
	ok_sig = 1;
	if (!resume_to(pid, PTRACE_SYSCALL, SIGUSR1, SYSGOOD,
		       "restarted pause entry") ||
	    !getregs(pid, &r2))
		goto lost;
	ok_again = R_NR(r2) == (reg_t)t.n->pause && R_IP(r2) == R_IP(r1) &&
		   R_AX(r2) == (reg_t)-ENOSYS;
	if (!ok_again)
		ktap_diag("after the signal: orig_ax %#llx ip %#llx (first %#llx) ax %#llx",
			  (unsigned long long)R_NR(r2),
			  (unsigned long long)R_IP(r2),
			  (unsigned long long)R_IP(r1),
			  (unsigned long long)R_AX(r2));
	/* End it: skip the restarted pause, returning 0. */
	R_NR(r2) = (reg_t)-1;
	R_AX(r2) = 0;
	if (!setregs(pid, &r2) ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "skipped pause exit"))
		goto lost;
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_erestart, "%s: pause hit by a signal: exit stop shows -ERESTARTNOHAND, args intact",
		c->label);
	ktap_ok(ok_sig, "%s: ... registers written back unchanged, then a SIGUSR1 delivery stop",
		c->label);
	ktap_ok(ok_again, "%s: ... signal ignored: pause restarts (entry stop at the same ip)",
		c->label);
	ktap_ok(ok_tracee, "%s: ... the restarted call skipped with ax 0 returns 0",
		c->label);
}

#ifdef __x86_64__
/*
 * i386 results in the 64-bit view: a value >= 2^31 (mmap2's address) is
 * zero-extended, an error is the sign-extended -errno.
 */
static void sc_highret(const struct config *c)
{
	struct tracer t;
	int ok_high = 0, ok_err = 0, ok_tracee = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, c, S_HIGHRET, PTRACE_O_TRACESYSGOOD);
	if (pid < 0)
		goto report;
	if (!to_entry(&t, &r, "mmap2 entry stop"))
		goto lost;
	if (R_NR(r) != NR32_MMAP2) {
		ktap_diag("entry stop is not mmap2: %#llx", R_NR(r));
		goto lost;
	}
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "mmap2 exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_high = R_AX(r) >= 0x80000000ULL && R_AX(r) <= 0xfffff000ULL;
	if (!ok_high)
		ktap_diag("mmap2 exit stop: rax %#llx", R_AX(r));
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "close entry stop") ||
	    !resume_to(pid, PTRACE_SYSCALL, 0, SYSGOOD, "close exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_err = R_AX(r) == (reg_t)-EBADF;
	if (!ok_err)
		ktap_diag("close(-1) exit stop: rax %#llx", R_AX(r));
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_high, "%s: mmap2 result >= 2^31 is zero-extended in the 64-bit rax",
		c->label);
	ktap_ok(ok_err, "%s: an error result is the sign-extended -errno in rax",
		c->label);
	ktap_ok(ok_tracee, "%s: ... and the tracee gets both results right",
		c->label);
}
#endif

/* Without TRACESYSGOOD a syscall stop is a plain SIGTRAP. */
static void sc_plain(const struct config *c)
{
	struct tracer t;
	int ok_stops = 0, ok_tracee = 0;
	regs_t r;
	pid_t pid = start_tracee(&t, c, S_PLAIN, 0);
	if (pid < 0)
		goto report;
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SIGTRAP, "entry stop") ||
	    !getregs(pid, &r))
		goto lost;
	int entry_ok = R_NR(r) == (reg_t)t.n->getpid;
	if (!resume_to(pid, PTRACE_SYSCALL, 0, SIGTRAP, "exit stop") ||
	    !getregs(pid, &r))
		goto lost;
	ok_stops = entry_ok && R_AX(r) == (reg_t)pid;
	ok_tracee = tracee_ok(pid);
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_stops, "%s: without TRACESYSGOOD entry and exit stops report SIGTRAP",
		c->label);
	ktap_ok(ok_tracee, "%s: ... and the tracee gets the result", c->label);
}

#define CASES_PER_CONFIG (8 + 2 + 2 + 2 + 2 + 1 + 4 + 4)

int main(int argc, char **argv)
{
	if (argc == 4 && strcmp(argv[1], "--tracee") == 0)
		return tracee_main(atoi(argv[2]), atoi(argv[3]));

	no_core_dumps();
	default_signals();
	alarm(120);
	find_paths(argv[0]);
#ifdef __x86_64__
	ktap_plan(NCONFIGS * CASES_PER_CONFIG + 2 + 3 * (NCONFIGS - 1));
#else
	ktap_plan(NCONFIGS * CASES_PER_CONFIG + 2);
#endif
	for (int i = 0; i < NCONFIGS; i++) {
		const struct config *c = &configs[i];
		sc_view(c);
		sc_nr(c);
		sc_skip(c, 1);
		sc_skip(c, 0);
		sc_arg(c);
		sc_result(c);
		sc_restart(c);
		sc_pause(c);
#ifdef __x86_64__
		if (c->path != P_SYSCALL64)
			sc_highret(c);
#endif
	}
	sc_plain(&configs[0]);
	return ktap_finish();
}
