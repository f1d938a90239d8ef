/*
 * ptrace_events: tracee life cycle, events, signals, stepping and memory.
 *
 * Linux facts tested (wait statuses as wait4 returns them):
 *  - execve under PTRACE_TRACEME without TRACEEXEC: a plain SIGTRAP
 *    (status 0x57f, si_code SI_USER) after execve returned (ax = 0).  With
 *    PTRACE_O_TRACEEXEC: status>>8 == SIGTRAP | PTRACE_EVENT_EXEC << 8,
 *    GETEVENTMSG = the pid, ip = the new image's ELF entry, orig_ax =
 *    execve's number in the new image's ABI (59, or 11 for an i386 image:
 *    a 64-bit tracer sees cs 0x23 at once).
 *  - TRACEFORK / TRACEVFORK / TRACECLONE: an event stop (1, 2, 3) whose
 *    GETEVENTMSG is the new pid (what fork returned); the new task is
 *    traced from birth and first reports a SIGSTOP stop (clone children
 *    with exit signal 0 need __WALL).  The tracer reaps a traced child's
 *    exit first; the real parent then gets it too.
 *  - TRACEEXIT: status>>8 == SIGTRAP | PTRACE_EVENT_EXIT << 8, GETEVENTMSG
 *    = the wait status to come (37 << 8 for exit(37), 15 for SIGTERM).
 *  - EXITKILL: the tracee is SIGKILLed when its tracer exits.
 *    PTRACE_KILL kills (SIGKILL).  DETACH lets the tracee run on untraced,
 *    with an optional signal.  CONT with a signal delivers it (handler or
 *    default action); CONT with 0 suppresses the signal that stopped it.
 *  - Signal-delivery stop: WSTOPSIG = the signal; GETSIGINFO gives
 *    si_signo, si_code SI_USER, si_pid, si_uid of a kill(); for a fault
 *    SIGSEGV, SEGV_MAPERR, si_addr.
 *  - SINGLESTEP: one instruction per SIGTRAP stop (si_code TRAP_TRACE,
 *    si_addr = the new ip), jumps followed; stepping over a syscall
 *    instruction stops once right after it with the result in ax and
 *    si_code TRAP_BRKPT (for the i386 vDSO that is the landing pad, cd 80
 *    before it); after CONT the tracee runs with TF clear.
 *  - PEEKDATA/POKEDATA/POKETEXT read and write the tracee's memory only
 *    (copy on write, also for read-only text); an unmapped address gives
 *    EIO.
 *  - waitid sees ptrace stops as CLD_TRAPPED with si_status = the stop's
 *    code: SIGSTOP, SIGTRAP|0x80 for a syscall stop, SIGTRAP | event << 8
 *    for an event stop; WNOWAIT leaves the stop for wait4.
 *  - Errors: TRACEME when traced, ATTACH to self or to a traced task,
 *    SEIZE of a traced task: EPERM.  A signal number > 64, an unknown
 *    request, INTERRUPT without SEIZE: EIO.  An unknown option: EINVAL.
 *    Any request to a tracee that is not stopped, or to a task we do not
 *    trace: ESRCH.
 *  - ATTACH stops the child with SIGSTOP (0x137f).  SEIZE does not stop it;
 *    INTERRUPT then gives status 0x80057f (PTRACE_EVENT_STOP << 16 |
 *    SIGTRAP << 8 | 0x7f); later signal stops are plain.
 */
#include "ktap.h"
#include "sys.h"
#include "ptrace_util.h"
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#ifndef __WALL
#define __WALL 0x40000000
#endif
#ifndef PTRACE_EVENT_STOP
#define PTRACE_EVENT_STOP 128
#endif
#ifndef TRAP_BRKPT
#define TRAP_BRKPT 1
#endif
#ifndef TRAP_TRACE
#define TRAP_TRACE 2
#endif

/* ------------------------------------------------------------------ */
/* Tracee-side code.                                                   */

static volatile sig_atomic_t got_usr1, got_usr2;
static void on_usr1(int sig) { (void)sig; got_usr1 = 1; }
static void on_usr2(int sig) { (void)sig; got_usr2 = 1; }

/* A pointer the compiler can't see through: the fault is at address 16. */
static int *volatile bad_ptr = (int *)16;

static void stop_self(void)
{
	SC(SYS_kill, SC(SYS_getpid), SIGSTOP);
}

#define DATA_OLD ((unsigned long)0x1122334455667788ULL)
#define DATA_NEW ((unsigned long)0x8877665544332211ULL)
volatile unsigned long ev_data = DATA_OLD;
unsigned long ev_step_result, ev_step_flags;

int ev_magic(void);
void ev_step_blob(void);
extern const char ev_s1[], ev_s2[], ev_s3[], ev_s4[], ev_s6[], ev_s7[],
	ev_s8[];
#ifndef __x86_64__
void ev_vdso_blob(void);
extern const char ev_vdso_ret[];
#endif

#ifdef __x86_64__
__asm__(".text\n"
	".globl ev_magic\n"
	"ev_magic:\n"
	"	mov $0x11, %eax\n"	/* b8 11 00 00 00 */
	"	ret\n"
	/* int3, then known instructions for the tracer to step through. */
	".globl ev_step_blob\n"
	"ev_step_blob:\n"
	"	int3\n"
	".globl ev_s1\nev_s1:\n"
	"	nop\n"
	".globl ev_s2\nev_s2:\n"
	"	mov $0x12345678, %eax\n"
	".globl ev_s3\nev_s3:\n"
	"	add $1, %eax\n"
	".globl ev_s4\nev_s4:\n"
	"	jmp ev_s6\n"
	"	ud2\n"
	".globl ev_s6\nev_s6:\n"
	"	mov $39, %eax\n"
	".globl ev_s7\nev_s7:\n"
	"	syscall\n"
	".globl ev_s8\nev_s8:\n"
	"	mov %rax, ev_step_result(%rip)\n"
	"	pushfq\n"
	"	popq ev_step_flags(%rip)\n"
	"	ret\n");
#else
__asm__(".text\n"
	".globl ev_magic\n"
	"ev_magic:\n"
	"	mov $0x11, %eax\n"
	"	ret\n"
	".globl ev_step_blob\n"
	"ev_step_blob:\n"
	"	int3\n"
	".globl ev_s1\nev_s1:\n"
	"	nop\n"
	".globl ev_s2\nev_s2:\n"
	"	mov $0x12345678, %eax\n"
	".globl ev_s3\nev_s3:\n"
	"	add $1, %eax\n"
	".globl ev_s4\nev_s4:\n"
	"	jmp ev_s6\n"
	"	ud2\n"
	".globl ev_s6\nev_s6:\n"
	"	mov $20, %eax\n"
	".globl ev_s7\nev_s7:\n"
	"	int $0x80\n"
	".globl ev_s8\nev_s8:\n"
	"	mov %eax, ev_step_result\n"
	"	pushfl\n"
	"	popl ev_step_flags\n"
	"	ret\n"
	/* getpid through the vDSO, stepped instruction by instruction. */
	".globl ev_vdso_blob\n"
	"ev_vdso_blob:\n"
	"	push %ebx\n"
	"	int3\n"
	"	mov $20, %eax\n"
	"	call *%gs:0x10\n"
	".globl ev_vdso_ret\nev_vdso_ret:\n"
	"	mov %eax, ev_step_result\n"
	"	pop %ebx\n"
	"	ret\n");
#endif

enum mode { M_EXIT37, M_SIGTERM_SELF, M_FORK, M_VFORK, M_CLONE, M_FLAG_USR1,
	    M_DETACH, M_USR2, M_FAULT, M_STEP, M_VDSO_STEP, M_MEM, M_TRACEME2,
	    M_PAUSE, M_GETPID };

/* What a forked tracee does after TRACEME; its return is its exit code. */
static int tracee_main(int mode, int wfd)
{
	pid_t c;
	int st;
	signal(SIGUSR1, on_usr1);
	signal(SIGUSR2, on_usr2);
	stop_self();
	switch (mode) {
	case M_EXIT37:
		exit(37);
	case M_SIGTERM_SELF:
		kill(getpid(), SIGTERM);
		return 50;
	case M_FORK:
		c = fork();
		if (c == 0)
			_exit(7);
		break;
	case M_VFORK:
		c = vfork();
		if (c == 0)
			_exit(9);
		break;
	case M_CLONE:
		/* clone(flags = 0: no exit signal, no sharing, same stack copy) */
		c = (pid_t)SC(SYS_clone, 0, 0, 0, 0, 0);
		if (c == 0)
			SC(SYS_exit, 11);
		break;
	case M_FLAG_USR1:
		return got_usr1 ? 0 : 1;
	case M_DETACH:
		/* Untraced now: this signal goes straight to the handler. */
		kill(getpid(), SIGUSR2);
		return got_usr2 ? 0 : 1;
	case M_USR2:
		kill(getpid(), SIGUSR2);
		return got_usr2 ? 1 : 0; /* the tracer suppressed it */
	case M_FAULT:
		*bad_ptr = 1;
		return 51;
	case M_STEP:
		ev_step_blob();
		if (ev_step_result != (unsigned long)getpid())
			return 1;
		return ev_step_flags & 0x100 ? 2 : 0; /* TF must be clear */
#ifndef __x86_64__
	case M_VDSO_STEP:
		ev_vdso_blob();
		return ev_step_result == (unsigned long)getpid() ? 0 : 1;
#endif
	case M_MEM:
		return (ev_data == DATA_NEW ? 0 : 1) | (ev_magic() == 0x22 ? 0 : 2);
	case M_TRACEME2:
		errno = 0;
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) == -1 && errno == EPERM)
			return 0;
		return 1;
	case M_PAUSE:
		for (;;)
			pause();
	case M_GETPID:
		SC(SYS_getpid);
		return 0;
	default:
		return 99;
	}
	/* fork/vfork/clone: tell the tracer what we got, then reap it. */
	if (write(wfd, &c, sizeof(c)) != sizeof(c))
		return 60;
	int want = mode == M_FORK ? 7 : mode == M_VFORK ? 9 : 11;
	if (waitpid(c, &st, __WALL) != c)
		return 61;
	return WIFEXITED(st) && WEXITSTATUS(st) == want ? 0 : 62;
}

/* ------------------------------------------------------------------ */
/* Tracer side.                                                        */

typedef struct user_regs_struct regs_t;
#ifdef __x86_64__
typedef unsigned long long reg_t;
#define R_NR(r) ((r).orig_rax)
#define R_AX(r) ((r).rax)
#define R_IP(r) ((r).rip)
#define R_CS(r) ((r).cs)
#define NR_EXECVE 59
#else
typedef long reg_t;
#define R_NR(r) ((r).orig_eax)
#define R_AX(r) ((r).eax)
#define R_IP(r) ((r).eip)
#define R_CS(r) ((r).xcs)
#define NR_EXECVE 11
#endif



/* e_entry of an ELF file (either class), or 0. */
static unsigned long elf_entry(const char *path)
{
	union { Elf32_Ehdr h32; Elf64_Ehdr h64; } h;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, &h, sizeof(h));
	close(fd);
	if (n < (ssize_t)sizeof(Elf32_Ehdr))
		return 0;
	if (h.h32.e_ident[EI_CLASS] == ELFCLASS32)
		return h.h32.e_entry;
	return n >= (ssize_t)sizeof(Elf64_Ehdr) ? (unsigned long)h.h64.e_entry : 0;
}


/* Next report of pid; 1 if it is a stop with status >> 8 == want. */
static int wait_stop(pid_t pid, int want, const char *what)
{
	int st;
	if (waitpid(pid, &st, __WALL) != pid) {
		ktap_diag("%s: waitpid: %s", what, strerror(errno));
		return 0;
	}
	if (WIFSTOPPED(st) && (st >> 8) == want)
		return 1;
	ktap_diag("%s: %s, want status %#x", what, st_str(st), (want << 8) | 0x7f);
	return 0;
}

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

/* Resume with `req`/`sig` and return the final wait status, or -1. */
static int end_status(pid_t pid, int req, int sig)
{
	int st;
	if (req >= 0 && ptrace(req, pid, 0, (void *)(long)sig) != 0)
		ktap_diag("ptrace resume: %s", strerror(errno));
	while (waitpid(pid, &st, __WALL) == pid) {
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return st;
		if (st == (SIGCHLD << 8 | 0x7f)) {
			/* A tracee with children: pass their SIGCHLD on. */
			ptrace(PTRACE_CONT, pid, 0, (void *)SIGCHLD);
			continue;
		}
		ktap_diag("unexpected %s; killing", st_str(st));
		kill(pid, SIGKILL);
		ptrace(PTRACE_CONT, pid, 0, 0);
	}
	return -1;
}

static int is_exit(int st, int code, const char *what)
{
	if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == code)
		return 1;
	ktap_diag("%s: %s, want exit %d", what, st_str(st), code);
	return 0;
}

static int is_killed(int st, int sig, const char *what)
{
	if (st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == sig)
		return 1;
	ktap_diag("%s: %s, want killed by signal %d", what, st_str(st), sig);
	return 0;
}

static void kill_tracee(pid_t pid)
{
	int st;
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	while (waitpid(pid, &st, __WALL) == pid && !WIFEXITED(st) &&
	       !WIFSIGNALED(st))
		;
}

/* Fork a TRACEME tracee in `mode`, stopped at its SIGSTOP, options set. */
static pid_t start_tracee(int mode, int options, int wfd)
{
	pid_t pid = fork();
	if (pid < 0) {
		ktap_diag("fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		_exit(tracee_main(mode, wfd));
	}
	if (!wait_stop(pid, SIGSTOP, "tracee's SIGSTOP") ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)(long)options) != 0) {
		kill_tracee(pid);
		return -1;
	}
	return pid;
}

static unsigned long eventmsg(pid_t pid)
{
	unsigned long m = 0;
	if (ptrace(PTRACE_GETEVENTMSG, pid, 0, &m) != 0)
		ktap_diag("GETEVENTMSG: %s", strerror(errno));
	return m;
}

/* ---- execve ---- */
static void t_exec(int trace_exec, int exec32)
{
	int ok_stop = 0, ok_regs = 0, ok_end = 0;
	const char *path = exec32 ? sibling_path : self_path;
	const char *label = exec32 ? "exec of the i386 binary" :
			    trace_exec ? "exec with TRACEEXEC" : "exec";
	regs_t r;
	pid_t pid = -1;
	if (exec32 && !have_sibling) {
		ktap_diag("no 32-bit sibling binary (%s)", sibling_path);
		goto report;
	}
	pid = fork();
	if (pid < 0)
		goto report;
	if (pid == 0) {
		char *argv[] = { (char *)path, "--exit", "5", NULL };
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		stop_self();
		execv(path, argv);
		_exit(92);
	}
	if (!wait_stop(pid, SIGSTOP, "SIGSTOP") ||
	    ptrace(PTRACE_SETOPTIONS, pid, 0,
		   (void *)(long)(trace_exec ? PTRACE_O_TRACEEXEC : 0)))
		goto lost;
	int want = trace_exec ? SIGTRAP | PTRACE_EVENT_EXEC << 8 : SIGTRAP;
	if (!resume_to(pid, PTRACE_CONT, 0, want, "exec stop") || !getregs(pid, &r))
		goto lost;
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
	if (trace_exec) {
		unsigned long msg = eventmsg(pid);
		ok_stop = msg == (unsigned long)pid && si.si_signo == SIGTRAP &&
			  si.si_code == want;
		if (!ok_stop)
			ktap_diag("eventmsg %lu (pid %d), si_code %#x", msg, pid,
				  si.si_code);
	} else {
		ok_stop = si.si_signo == SIGTRAP && si.si_code == SI_USER &&
			  R_AX(r) == 0;
		if (!ok_stop)
			ktap_diag("si_signo %d si_code %d ax %#llx", si.si_signo,
				  si.si_code, (unsigned long long)R_AX(r));
	}
	reg_t want_nr = exec32 ? 11 : NR_EXECVE;
	ok_regs = R_IP(r) == (reg_t)elf_entry(path) && R_NR(r) == want_nr;
	if (exec32)
		ok_regs = ok_regs && R_CS(r) == 0x23;
	if (!ok_regs)
		ktap_diag("ip %#llx (entry %#lx) orig_ax %#llx cs %#llx",
			  (unsigned long long)R_IP(r), elf_entry(path),
			  (unsigned long long)R_NR(r), (unsigned long long)R_CS(r));
	ok_end = is_exit(end_status(pid, PTRACE_CONT, 0), 5, "new image");
	goto report;
lost:
	kill_tracee(pid);
report:
	if (exec32) {
		ktap_ok(ok_stop && ok_regs,
			"%s: event stop shows cs 0x23, ip = e_entry, orig_ax 11 (i386 execve)",
			label);
		ktap_ok(ok_end, "%s: ... and it runs to exit(5)", label);
		return;
	}
	if (trace_exec)
		ktap_ok(ok_stop, "%s: status SIGTRAP | PTRACE_EVENT_EXEC << 8, eventmsg = pid",
			label);
	else
		ktap_ok(ok_stop, "%s: a plain SIGTRAP (SI_USER) after execve returned 0",
			label);
	ktap_ok(ok_regs, "%s: ip is the new ELF entry, orig_ax is execve's number",
		label);
	ktap_ok(ok_end, "%s: the new image runs to exit(5)", label);
}

/* ---- fork / vfork / clone events ---- */
static void t_fork(int mode)
{
	static const struct { int opt, event, code; const char *name; } k[] = {
		[M_FORK] = { PTRACE_O_TRACEFORK, PTRACE_EVENT_FORK, 7, "fork" },
		[M_VFORK] = { PTRACE_O_TRACEVFORK, PTRACE_EVENT_VFORK, 9, "vfork" },
		[M_CLONE] = { PTRACE_O_TRACECLONE, PTRACE_EVENT_CLONE, 11, "clone" },
	};
	int ok_event = 0, ok_sigstop = 0, ok_child = 0, ok_parent = 0;
	int fds[2] = { -1, -1 };
	pid_t pid = -1, child = -1, reported = -1;
	if (pipe(fds) != 0)
		goto report;
	pid = start_tracee(mode, k[mode].opt, fds[1]);
	close(fds[1]);
	if (pid < 0)
		goto report;
	if (!resume_to(pid, PTRACE_CONT, 0, SIGTRAP | k[mode].event << 8,
		       "event stop"))
		goto lost;
	child = (pid_t)eventmsg(pid);
	ok_event = child > 0;
	if (!wait_stop(child, SIGSTOP, "new child's first stop"))
		goto lost;
	ok_sigstop = 1;
	if (mode == M_VFORK) {
		/* The parent waits in vfork until the child is gone. */
		if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
			goto lost;
		ok_child = is_exit(end_status(child, PTRACE_CONT, 0),
				   k[mode].code, "traced child");
		ok_parent = is_exit(end_status(pid, -1, 0), 0, "tracee");
	} else {
		ok_child = is_exit(end_status(child, PTRACE_CONT, 0),
				   k[mode].code, "traced child");
		ok_parent = is_exit(end_status(pid, PTRACE_CONT, 0), 0, "tracee");
	}
	if (read(fds[0], &reported, sizeof(reported)) != sizeof(reported) ||
	    reported != child) {
		ktap_diag("%s returned %d, eventmsg %d", k[mode].name, reported,
			  child);
		ok_event = 0;
	}
	goto report;
lost:
	kill_tracee(child);
	kill_tracee(pid);
report:
	if (fds[0] >= 0)
		close(fds[0]);
	ktap_ok(ok_event, "TRACE%s: event stop %d, GETEVENTMSG = the new pid %s returned",
		mode == M_FORK ? "FORK" : mode == M_VFORK ? "VFORK" : "CLONE",
		k[mode].event, k[mode].name);
	ktap_ok(ok_sigstop, "%s: the new task is traced and first stops with SIGSTOP",
		k[mode].name);
	ktap_ok(ok_child, "%s: the tracer gets the traced child's exit(%d)",
		k[mode].name, k[mode].code);
	ktap_ok(ok_parent, "%s: ... and the real parent's wait%s gets it too",
		k[mode].name, mode == M_CLONE ? " (__WALL)" : "");
}

/* ---- PTRACE_O_TRACEEXIT ---- */
static void t_exit_event(void)
{
	int ok_stop = 0, ok_msg = 0, ok_end = 0, ok_sig = 0;
	pid_t pid = start_tracee(M_EXIT37, PTRACE_O_TRACEEXIT, -1);
	if (pid >= 0) {
		if (resume_to(pid, PTRACE_CONT, 0, SIGTRAP | PTRACE_EVENT_EXIT << 8,
			      "exit event")) {
			ok_stop = 1;
			unsigned long m = eventmsg(pid);
			ok_msg = m == 37 << 8;
			if (!ok_msg)
				ktap_diag("eventmsg %#lx", m);
			ok_end = is_exit(end_status(pid, PTRACE_CONT, 0), 37, "tracee");
		} else {
			kill_tracee(pid);
		}
	}
	/* Death by a signal: the message is that wait status. */
	pid = start_tracee(M_SIGTERM_SELF, PTRACE_O_TRACEEXIT, -1);
	if (pid >= 0) {
		if (resume_to(pid, PTRACE_CONT, 0, SIGTERM, "SIGTERM stop") &&
		    resume_to(pid, PTRACE_CONT, SIGTERM,
			      SIGTRAP | PTRACE_EVENT_EXIT << 8, "exit event")) {
			unsigned long m = eventmsg(pid);
			ok_sig = m == SIGTERM &&
				 is_killed(end_status(pid, PTRACE_CONT, 0), SIGTERM,
					   "tracee");
			if (m != SIGTERM)
				ktap_diag("eventmsg %#lx", m);
		} else {
			kill_tracee(pid);
		}
	}
	ktap_ok(ok_stop, "TRACEEXIT: stop with status SIGTRAP | PTRACE_EVENT_EXIT << 8");
	ktap_ok(ok_msg, "TRACEEXIT: GETEVENTMSG is the coming wait status (37 << 8)");
	ktap_ok(ok_end, "TRACEEXIT: ... then the tracee exits 37");
	ktap_ok(ok_sig, "TRACEEXIT on death by SIGTERM: GETEVENTMSG 15, then killed by SIGTERM");
}

/* ---- PTRACE_O_EXITKILL ---- */
static void t_exitkill(void)
{
	int ok = 0, fds[2], st;
	if (pipe(fds) != 0)
		goto report;
	pid_t mid = fork();
	if (mid < 0)
		goto report;
	if (mid == 0) {
		/* The tracer in the middle: trace a child, then just exit. */
		close(fds[0]);
		pid_t t = fork();
		if (t == 0) {
			ptrace(PTRACE_TRACEME, 0, 0, 0);
			stop_self();
			/* Still alive: the tracer's exit did not kill us. */
			if (write(fds[1], "A", 1) != 1)
				_exit(1);
			_exit(0);
		}
		close(fds[1]);
		if (t < 0 || waitpid(t, &st, 0) != t || !WIFSTOPPED(st))
			_exit(2);
		if (ptrace(PTRACE_SETOPTIONS, t, 0, (void *)PTRACE_O_EXITKILL))
			_exit(3);
		_exit(0);
	}
	close(fds[1]);
	if (!is_exit(end_status(mid, -1, 0), 0, "middle tracer")) {
		close(fds[0]);
		goto report;
	}
	char c;
	ssize_t n = read(fds[0], &c, 1); /* EOF once the tracee is dead */
	close(fds[0]);
	ok = n == 0;
	if (!ok)
		ktap_diag("the tracee survived its tracer's exit (read %zd)", n);
	/* The orphan may be ours to reap (we are pid 1 on xentry). */
	while (waitpid(-1, &st, WNOHANG) > 0)
		;
report:
	ktap_ok(ok, "EXITKILL: the tracee dies when its tracer exits");
}

/* ---- KILL, DETACH, CONT with a signal ---- */
static void t_kill_detach_cont(void)
{
	int ok_kill = 0, ok_det = 0, ok_detsig = 0, ok_cont = 0, ok_term = 0;
	pid_t pid;

	if ((pid = start_tracee(M_FLAG_USR1, 0, -1)) > 0 &&
	    ptrace(PTRACE_KILL, pid, 0, 0) == 0)
		ok_kill = is_killed(end_status(pid, -1, 0), SIGKILL, "PTRACE_KILL");
	else
		kill_tracee(pid);

	if ((pid = start_tracee(M_DETACH, 0, -1)) > 0 &&
	    ptrace(PTRACE_DETACH, pid, 0, 0) == 0)
		ok_det = is_exit(end_status(pid, -1, 0), 0, "detached tracee");
	else
		kill_tracee(pid);

	if ((pid = start_tracee(M_FLAG_USR1, 0, -1)) > 0 &&
	    ptrace(PTRACE_DETACH, pid, 0, (void *)SIGUSR1) == 0)
		ok_detsig = is_exit(end_status(pid, -1, 0), 0, "detached tracee");
	else
		kill_tracee(pid);

	if ((pid = start_tracee(M_FLAG_USR1, 0, -1)) > 0)
		ok_cont = is_exit(end_status(pid, PTRACE_CONT, SIGUSR1), 0,
				  "CONT with SIGUSR1");

	if ((pid = start_tracee(M_FLAG_USR1, 0, -1)) > 0)
		ok_term = is_killed(end_status(pid, PTRACE_CONT, SIGTERM),
				    SIGTERM, "CONT with SIGTERM");

	ktap_ok(ok_kill, "PTRACE_KILL: the tracee dies of SIGKILL");
	ktap_ok(ok_det, "DETACH: the tracee runs on untraced (its own signal reaches its handler)");
	ktap_ok(ok_detsig, "DETACH with SIGUSR1: the handler runs");
	ktap_ok(ok_cont, "CONT with SIGUSR1: the handler runs");
	ktap_ok(ok_term, "CONT with SIGTERM (default action): the tracee dies of SIGTERM");
}

/* ---- signal-delivery stops and GETSIGINFO ---- */
static void t_signal_stop(void)
{
	int ok_stop = 0, ok_si = 0, ok_supp = 0, ok_fault = 0;
	siginfo_t si;
	pid_t pid = start_tracee(M_USR2, 0, -1);
	if (pid > 0) {
		if (resume_to(pid, PTRACE_CONT, 0, SIGUSR2, "SIGUSR2 stop")) {
			ok_stop = 1;
			memset(&si, 0, sizeof(si));
			if (ptrace(PTRACE_GETSIGINFO, pid, 0, &si) == 0)
				ok_si = si.si_signo == SIGUSR2 &&
					si.si_code == SI_USER && si.si_pid == pid &&
					si.si_uid == getuid();
			if (!ok_si)
				ktap_diag("siginfo: signo %d code %d pid %d uid %d",
					  si.si_signo, si.si_code, si.si_pid,
					  si.si_uid);
			ok_supp = is_exit(end_status(pid, PTRACE_CONT, 0), 0,
					  "tracee");
		} else {
			kill_tracee(pid);
		}
	}
	pid = start_tracee(M_FAULT, 0, -1);
	if (pid > 0) {
		if (resume_to(pid, PTRACE_CONT, 0, SIGSEGV, "SIGSEGV stop")) {
			memset(&si, 0, sizeof(si));
			ptrace(PTRACE_GETSIGINFO, pid, 0, &si);
			ok_fault = si.si_signo == SIGSEGV &&
				   si.si_code == SEGV_MAPERR &&
				   si.si_addr == (void *)16;
			if (!ok_fault)
				ktap_diag("siginfo: signo %d code %d addr %p",
					  si.si_signo, si.si_code, si.si_addr);
			ok_fault = is_killed(end_status(pid, PTRACE_CONT, SIGSEGV),
					     SIGSEGV, "faulting tracee") && ok_fault;
		} else {
			kill_tracee(pid);
		}
	}
	ktap_ok(ok_stop, "kill(self, SIGUSR2): signal-delivery stop with WSTOPSIG SIGUSR2");
	ktap_ok(ok_si, "GETSIGINFO: SIGUSR2, SI_USER, si_pid and si_uid of the sender");
	ktap_ok(ok_supp, "CONT with 0 suppresses the signal: the handler never runs");
	ktap_ok(ok_fault, "GETSIGINFO of a fault: SIGSEGV, SEGV_MAPERR, si_addr 16; fatal when passed on");
}

/* ---- SINGLESTEP ---- */
static int step(pid_t pid, regs_t *r, siginfo_t *si)
{
	if (!resume_to(pid, PTRACE_SINGLESTEP, 0, SIGTRAP, "step") ||
	    !getregs(pid, r))
		return 0;
	memset(si, 0, sizeof(*si));
	ptrace(PTRACE_GETSIGINFO, pid, 0, si);
	return 1;
}

static void t_singlestep(void)
{
	int ok_seq = 0, ok_si = 0, ok_regs = 0, ok_sc = 0, ok_end = 0;
	regs_t r;
	siginfo_t si;
	pid_t pid = start_tracee(M_STEP, 0, -1);
	if (pid < 0)
		goto report;
	if (!resume_to(pid, PTRACE_CONT, 0, SIGTRAP, "int3") || !getregs(pid, &r))
		goto lost;
	if (R_IP(r) != (reg_t)(unsigned long)ev_s1) {
		ktap_diag("int3 stop at %#llx, want %p", (unsigned long long)R_IP(r),
			  (void *)ev_s1);
		goto lost;
	}
	const char *const seq[] = { ev_s2, ev_s3, ev_s4, ev_s6, ev_s7 };
	ok_seq = ok_si = 1;
	for (int i = 0; i < 5; i++) {
		if (!step(pid, &r, &si))
			goto lost;
		if (R_IP(r) != (reg_t)(unsigned long)seq[i]) {
			ktap_diag("step %d: ip %#llx, want %p", i + 1,
				  (unsigned long long)R_IP(r), (void *)seq[i]);
			ok_seq = 0;
		}
		if (si.si_signo != SIGTRAP || si.si_code != TRAP_TRACE ||
		    si.si_addr != (void *)(unsigned long)R_IP(r)) {
			ktap_diag("step %d: signo %d code %d addr %p", i + 1,
				  si.si_signo, si.si_code, si.si_addr);
			ok_si = 0;
		}
		if (i == 2)
			ok_regs = (unsigned)R_AX(r) == 0x12345679u;
	}
	/* Over the syscall instruction itself. */
	if (!step(pid, &r, &si))
		goto lost;
	ok_sc = R_IP(r) == (reg_t)(unsigned long)ev_s8 && R_AX(r) == (reg_t)pid &&
		si.si_code == TRAP_BRKPT;
	if (!ok_sc)
		ktap_diag("after the syscall: ip %#llx (want %p) ax %#llx code %d",
			  (unsigned long long)R_IP(r), (void *)ev_s8,
			  (unsigned long long)R_AX(r), si.si_code);
	ok_end = is_exit(end_status(pid, PTRACE_CONT, 0), 0, "stepped tracee");
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_seq, "SINGLESTEP: one SIGTRAP per instruction, ip at the next one (nop, mov, add, jmp, mov)");
	ktap_ok(ok_si, "SINGLESTEP: si_code TRAP_TRACE, si_addr = the new ip");
	ktap_ok(ok_regs, "SINGLESTEP: the stepped instructions took effect (eax 0x12345679)");
	ktap_ok(ok_sc, "SINGLESTEP over %s: one stop right after it, ax = result, TRAP_BRKPT",
		sizeof(long) == 8 ? "syscall" : "int $0x80");
	ktap_ok(ok_end, "after stepping, CONT: the tracee runs with TF clear");
}

#ifndef __x86_64__
/* Step through a whole call to __kernel_vsyscall. */
static void t_vdso_step(void)
{
	int ok_all = 0, ok_pad = 0, ok_end = 0;
	regs_t r;
	siginfo_t si;
	pid_t pid = start_tracee(M_VDSO_STEP, 0, -1);
	if (pid < 0)
		goto report;
	if (!resume_to(pid, PTRACE_CONT, 0, SIGTRAP, "int3"))
		goto lost;
	int steps = 0, brk = 0;
	for (;;) {
		if (!step(pid, &r, &si))
			goto lost;
		steps++;
		if (si.si_code == TRAP_BRKPT) {
			errno = 0;
			long w = ptrace(PTRACE_PEEKTEXT, pid, (void *)(R_IP(r) - 2), 0);
			brk++;
			ok_pad = errno == 0 && (w & 0xffff) == 0x80cd &&
				 R_AX(r) == pid;
			if (!ok_pad)
				ktap_diag("syscall step stop at %#lx: bytes %04lx ax %ld",
					  R_IP(r), w & 0xffff, R_AX(r));
		}
		if (R_IP(r) == (reg_t)(unsigned long)ev_vdso_ret || steps > 200)
			break;
	}
	ok_all = R_IP(r) == (reg_t)(unsigned long)ev_vdso_ret && R_AX(r) == pid;
	ktap_diag("%d steps through the vDSO call", steps);
	if (brk != 1) {
		ktap_diag("%d TRAP_BRKPT stops, want 1", brk);
		ok_pad = 0;
	}
	ok_end = is_exit(end_status(pid, PTRACE_CONT, 0), 0, "stepped tracee");
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_all, "SINGLESTEP through __kernel_vsyscall: back at the caller with eax = pid");
	ktap_ok(ok_pad, "... exactly one syscall stop (TRAP_BRKPT), at the landing pad (cd 80 before it)");
	ktap_ok(ok_end, "... and the tracee then runs on normally");
}
#endif

/* ---- PEEKDATA / POKEDATA / POKETEXT ---- */
static void t_memory(void)
{
	int ok_peek = 0, ok_poke = 0, ok_text = 0, ok_eio = 0;
	pid_t pid = start_tracee(M_MEM, 0, -1);
	if (pid < 0)
		goto report;
	errno = 0;
	long v = ptrace(PTRACE_PEEKDATA, pid, (void *)&ev_data, 0);
	ok_peek = errno == 0 && (unsigned long)v == DATA_OLD;
	if (ptrace(PTRACE_POKEDATA, pid, (void *)&ev_data, (void *)DATA_NEW) != 0)
		ktap_diag("POKEDATA: %s", strerror(errno));
	errno = 0;
	v = ptrace(PTRACE_PEEKDATA, pid, (void *)&ev_data, 0);
	ok_poke = errno == 0 && (unsigned long)v == DATA_NEW && ev_data == DATA_OLD;

	/* Patch "mov $0x11, %eax" into "mov $0x22, %eax" in the tracee. */
	errno = 0;
	long w = ptrace(PTRACE_PEEKTEXT, pid, (void *)ev_magic, 0);
	if (errno == 0 && (w & 0xffff) == 0x11b8) {
		w = (w & ~0xff00L) | 0x2200L;
		if (ptrace(PTRACE_POKETEXT, pid, (void *)ev_magic, (void *)w) != 0)
			ktap_diag("POKETEXT: %s", strerror(errno));
	} else {
		ktap_diag("PEEKTEXT of ev_magic: %#lx (%s)", w, strerror(errno));
	}

	/* Nothing is mapped at 4 KiB. */
	errno = 0;
	ptrace(PTRACE_PEEKDATA, pid, (void *)4096, 0);
	ok_eio = errno == EIO;
	errno = 0;
	long rc = ptrace(PTRACE_POKEDATA, pid, (void *)4096, (void *)1);
	ok_eio = ok_eio && rc == -1 && errno == EIO;

	int st = end_status(pid, PTRACE_CONT, 0);
	if (st != -1 && WIFEXITED(st)) {
		ok_poke = ok_poke && !(WEXITSTATUS(st) & 1);
		ok_text = !(WEXITSTATUS(st) & 2) && ev_magic() == 0x11;
	} else {
		ktap_diag("tracee %s", st_str(st));
		ok_poke = 0;
	}
report:
	ktap_ok(ok_peek, "PEEKDATA reads the tracee's variable");
	ktap_ok(ok_poke, "POKEDATA changes it for the tracee only");
	ktap_ok(ok_text, "POKETEXT patches the tracee's read-only text (copy on write)");
	ktap_ok(ok_eio, "PEEKDATA/POKEDATA at an unmapped address: EIO");
}

/* ---- waitid's view of ptrace stops ---- */
static int waitid_trapped(pid_t pid, int flags, int status, const char *what)
{
	siginfo_t si;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, pid, &si, flags) != 0) {
		ktap_diag("%s: waitid: %s", what, strerror(errno));
		return 0;
	}
	if (si.si_signo == SIGCHLD && si.si_code == CLD_TRAPPED &&
	    si.si_status == status && si.si_pid == pid)
		return 1;
	ktap_diag("%s: signo %d code %d status %#x pid %d; want CLD_TRAPPED (%d), status %#x",
		  what, si.si_signo, si.si_code, si.si_status, si.si_pid,
		  CLD_TRAPPED, status);
	return 0;
}

static void t_waitid(void)
{
	int ok_trap = 0, ok_nowait = 0, ok_sc = 0, ok_ev = 0, st;
	pid_t pid = fork();
	if (pid < 0)
		goto report;
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0) != 0)
			_exit(91);
		_exit(tracee_main(M_GETPID, -1));
	}
	ok_trap = waitid_trapped(pid, WEXITED | WNOWAIT, SIGSTOP, "SIGSTOP stop");
	ok_nowait = waitpid(pid, &st, 0) == pid && st == (SIGSTOP << 8 | 0x7f) &&
		    waitpid(pid, &st, WNOHANG) == 0;
	if (ptrace(PTRACE_SETOPTIONS, pid, 0,
		   (void *)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXIT)) ||
	    ptrace(PTRACE_SYSCALL, pid, 0, 0))
		goto lost;
	ok_sc = waitid_trapped(pid, WEXITED, SIGTRAP | 0x80, "syscall stop");
	if (ptrace(PTRACE_CONT, pid, 0, 0))
		goto lost;
	ok_ev = waitid_trapped(pid, WEXITED, SIGTRAP | PTRACE_EVENT_EXIT << 8,
			       "exit event stop");
	ok_ev = is_exit(end_status(pid, PTRACE_CONT, 0), 0, "tracee") && ok_ev;
	goto report;
lost:
	kill_tracee(pid);
report:
	ktap_ok(ok_trap, "waitid(WEXITED|WNOWAIT): a ptrace stop is CLD_TRAPPED, si_status SIGSTOP");
	ktap_ok(ok_nowait, "... WNOWAIT left it: wait4 gets 0x137f, then WNOHANG gets 0");
	ktap_ok(ok_sc, "waitid: a syscall stop is CLD_TRAPPED, si_status SIGTRAP|0x80");
	ktap_ok(ok_ev, "waitid: an event stop is CLD_TRAPPED, si_status SIGTRAP | PTRACE_EVENT_EXIT << 8");
}

/* ---- what Linux refuses ---- */
static int fails(long rc, int err, const char *what)
{
	if (rc == -1 && errno == err)
		return 1;
	ktap_diag("%s: returned %ld, errno %s; want %s", what, rc,
		  strerror(errno), strerror(err));
	return 0;
}
#define FAILS(call, err) (errno = 0, fails((call), (err), #call))

static void t_errors(void)
{
	int ok_traceme = 0, ok_perm = 0, ok_eio = 0, ok_inval = 0,
	    ok_running = 0, ok_untraced = 0, st;
	regs_t r;
	pid_t pid, other = -1, gone;

	pid = start_tracee(M_TRACEME2, 0, -1);
	if (pid > 0)
		ok_traceme = is_exit(end_status(pid, PTRACE_CONT, 0), 0,
				     "second TRACEME");

	pid = start_tracee(M_PAUSE, 0, -1);
	if (pid < 0)
		goto report;
	ok_perm = FAILS(ptrace(PTRACE_ATTACH, getpid(), 0, 0), EPERM);
	ok_perm &= FAILS(ptrace(PTRACE_ATTACH, pid, 0, 0), EPERM);
	ok_perm &= FAILS(ptrace(PTRACE_SEIZE, pid, 0, 0), EPERM);
	ok_eio = FAILS(ptrace(PTRACE_CONT, pid, 0, (void *)65L), EIO);
	ok_eio &= FAILS(ptrace((enum __ptrace_request)0x7777, pid, 0, 0), EIO);
	ok_eio &= FAILS(ptrace(PTRACE_INTERRUPT, pid, 0, 0), EIO);
	ok_inval = FAILS(ptrace(PTRACE_SETOPTIONS, pid, 0, (void *)0x80000000L),
			 EINVAL);
	/* Running (asleep in pause): no longer stopped for us. */
	if (ptrace(PTRACE_CONT, pid, 0, 0) != 0)
		goto lost;
	ok_running = FAILS(ptrace(PTRACE_GETREGS, pid, 0, &r), ESRCH);
	ok_running &= FAILS(ptrace(PTRACE_PEEKDATA, pid, (void *)&ev_data, 0),
			    ESRCH);
	ok_running &= FAILS(ptrace(PTRACE_CONT, pid, 0, 0), ESRCH);

	/* A child nobody traces, and a pid that is gone. */
	other = fork();
	if (other == 0) {
		for (;;)
			pause();
	}
	gone = fork();
	if (gone == 0)
		_exit(0);
	if (other < 0 || gone < 0 || waitpid(gone, &st, 0) != gone)
		goto lost;
	ok_untraced = FAILS(ptrace(PTRACE_GETREGS, other, 0, &r), ESRCH);
	ok_untraced &= FAILS(ptrace(PTRACE_DETACH, other, 0, 0), ESRCH);
	ok_untraced &= FAILS(ptrace(PTRACE_ATTACH, gone, 0, 0), ESRCH);
lost:
	kill_tracee(other);
	kill_tracee(pid);
report:
	ktap_ok(ok_traceme, "TRACEME when already traced: EPERM");
	ktap_ok(ok_perm, "ATTACH to self, ATTACH or SEIZE of a traced task: EPERM");
	ktap_ok(ok_eio, "CONT with signal 65, an unknown request, INTERRUPT without SEIZE: EIO");
	ktap_ok(ok_inval, "SETOPTIONS with an unknown option bit: EINVAL");
	ktap_ok(ok_running, "GETREGS, PEEKDATA, CONT of a tracee that is not stopped: ESRCH");
	ktap_ok(ok_untraced, "requests to an untraced child, ATTACH of a gone pid: ESRCH");
}

/* ---- ATTACH and SEIZE + INTERRUPT ---- */
/* A child that waits for SIGUSR1 (blocked but for sigsuspend: no race). */
static pid_t pauser(void)
{
	sigset_t usr1, old;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigprocmask(SIG_BLOCK, &usr1, &old);
	pid_t pid = fork();
	if (pid == 0) {
		while (!got_usr1)
			sigsuspend(&old);
		_exit(0);
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	return pid;
}

static void t_attach_seize(void)
{
	int ok_att = 0, ok_det = 0, ok_seize = 0, ok_int = 0, ok_sig = 0,
	    ok_end = 0, st;
	/* The handler is inherited, so SIGUSR1 can never kill the child. */
	got_usr1 = 0;
	signal(SIGUSR1, on_usr1);

	pid_t pid = pauser();
	if (pid > 0) {
		if (ptrace(PTRACE_ATTACH, pid, 0, 0) == 0 &&
		    wait_stop(pid, SIGSTOP, "attach stop")) {
			ok_att = 1;
			if (ptrace(PTRACE_DETACH, pid, 0, 0) == 0) {
				kill(pid, SIGUSR1);
				ok_det = is_exit(end_status(pid, -1, 0), 0,
						 "detached child");
			} else {
				kill_tracee(pid);
			}
		} else {
			kill_tracee(pid);
		}
	}

	pid = pauser();
	if (pid > 0) {
		if (ptrace(PTRACE_SEIZE, pid, 0, 0) != 0) {
			ktap_diag("SEIZE: %s", strerror(errno));
			kill_tracee(pid);
			goto report;
		}
		ok_seize = waitpid(pid, &st, WNOHANG | __WALL) == 0;
		if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) != 0 ||
		    waitpid(pid, &st, __WALL) != pid) {
			ktap_diag("INTERRUPT: %s", strerror(errno));
			kill_tracee(pid);
			goto report;
		}
		ok_int = st == (PTRACE_EVENT_STOP << 16 | SIGTRAP << 8 | 0x7f);
		if (!ok_int)
			ktap_diag("INTERRUPT stop status %#x", st);
		if (ptrace(PTRACE_CONT, pid, 0, 0) != 0) {
			kill_tracee(pid);
			goto report;
		}
		kill(pid, SIGUSR1);
		if (waitpid(pid, &st, __WALL) == pid) {
			ok_sig = st == (SIGUSR1 << 8 | 0x7f);
			if (!ok_sig)
				ktap_diag("signal stop status %#x", st);
		}
		ok_end = is_exit(end_status(pid, PTRACE_CONT, SIGUSR1), 0,
				 "seized child");
	}
report:
	signal(SIGUSR1, SIG_DFL);
	ktap_ok(ok_att, "ATTACH: the child stops with SIGSTOP (status 0x137f)");
	ktap_ok(ok_det, "... DETACH: it runs on; its SIGUSR1 handler ends it");
	ktap_ok(ok_seize, "SEIZE: no stop");
	ktap_ok(ok_int, "INTERRUPT: status 0x80057f (PTRACE_EVENT_STOP, SIGTRAP)");
	ktap_ok(ok_sig, "after CONT a signal gives a plain signal-delivery stop (0xa7f)");
	ktap_ok(ok_end, "CONT with that signal: the handler runs and the child exits 0");
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--exit") == 0)
		return atoi(argv[2]);

	no_core_dumps();
	default_signals();
	alarm(120);
	find_paths(argv[0]);
	int plan = 3 + 3 + 4 * 3 + 4 + 1 + 5 + 4 + 5 + 4 + 6 + 4 + 6;
#ifdef __x86_64__
	plan += 2;
#else
	plan += 3;
#endif
	ktap_plan(plan);
	t_exec(0, 0);
	t_exec(1, 0);
#ifdef __x86_64__
	t_exec(1, 1);
#endif
	t_fork(M_FORK);
	t_fork(M_VFORK);
	t_fork(M_CLONE);
	t_exit_event();
	t_exitkill();
	t_kill_detach_cont();
	t_signal_stop();
	t_singlestep();
#ifndef __x86_64__
	t_vdso_step();
#endif
	t_memory();
	t_attach_seize();
	t_waitid();
	t_errors();
	return ktap_finish();
}
