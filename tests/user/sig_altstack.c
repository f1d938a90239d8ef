/*
 * sig_altstack: sigaltstack and SA_ONSTACK.
 *
 * Linux facts tested:
 *  - a new process has no alternate stack (SS_DISABLE); sigaltstack reads
 *    back what was set; ss_flags SS_ONSTACK on input is accepted as 0;
 *    unknown flags give EINVAL; a size below MINSIGSTKSZ (2048) ENOMEM;
 *  - an SA_ONSTACK handler runs on the alternate stack and sees
 *    SS_ONSTACK; changing the stack from there gives EPERM; its saved SP is
 *    the interrupted (normal) stack and uc_stack describes the alternate
 *    stack; a second SA_ONSTACK signal nested inside goes further down the
 *    same alternate stack;
 *  - a handler without SA_ONSTACK, or with the stack disabled, runs on the
 *    normal stack; SS_DISABLE reads back as sp 0, size 0;
 *  - SS_AUTODISARM: the stack reads as disabled inside the handler and is
 *    back after sigreturn;
 *  - sigreturn re-installs uc_stack: an edit from a normal-stack handler
 *    takes effect;
 *  - handlers nesting until the alternate stack is used up: the task is
 *    killed by SIGSEGV (in a child).
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include <stdint.h>
#include <sys/mman.h>
#include <ucontext.h>

#define ALT_SIZE 65536
#define MIN_SIZE 2048 /* the kernel's MINSIGSTKSZ */
#ifndef SS_AUTODISARM
#define SS_AUTODISARM (1U << 31)
#endif

static char *alt;

static int on_alt(const void *p)
{
	return (const char *)p >= alt && (const char *)p < alt + ALT_SIZE;
}

static void set_handler(int sig, void (*fn)(int, siginfo_t *, void *), int flags)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fn;
	sa.sa_flags = SA_SIGINFO | flags;
	sigaction(sig, &sa, NULL);
}

static int set_alt(void *sp, size_t size, int flags)
{
	stack_t ss = { .ss_sp = sp, .ss_flags = flags, .ss_size = size };
	return sigaltstack(&ss, NULL) == 0 ? 0 : -errno;
}

/* What the handlers saw. */
static struct {
	int hits;
	void *local;		/* address of a local variable */
	void *inner_local;	/* same, in the nested handler */
	stack_t cur;		/* sigaltstack(NULL, &cur) inside */
	int set_err;		/* sigaltstack(&x, NULL) inside */
	unsigned long saved_sp;
	stack_t uc_stack;
} h;

#ifdef __x86_64__
#define SAVED_SP(uc) ((unsigned long)(uc)->uc_mcontext.gregs[REG_RSP])
#else
#define SAVED_SP(uc) ((unsigned long)(uc)->uc_mcontext.gregs[REG_ESP])
#endif

static void inner(int sig, siginfo_t *si, void *ucv)
{
	volatile char mark;
	h.inner_local = (void *)&mark;
}

static void outer(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	volatile char mark;
	h.hits++;
	h.local = (void *)&mark;
	sigaltstack(NULL, &h.cur);
	h.set_err = set_alt(alt, ALT_SIZE, 0);
	h.saved_sp = SAVED_SP(uc);
	h.uc_stack = uc->uc_stack;
	raise(SIGUSR2); /* nested: SIGUSR2's handler is SA_ONSTACK too */
}

static void test_setup(void)
{
	stack_t cur;
	sigaltstack(NULL, &cur);
	ktap_eq(cur.ss_flags, SS_DISABLE, "a new process has no alternate stack (SS_DISABLE)");

	ktap_eq(set_alt(alt, MIN_SIZE - 1, 0), -ENOMEM, "size MINSIGSTKSZ - 1: ENOMEM");
	ktap_eq(set_alt(alt, ALT_SIZE, 0x1234), -EINVAL, "unknown ss_flags: EINVAL");
	ktap_eq(set_alt(alt, ALT_SIZE, SS_ONSTACK), 0, "ss_flags SS_ONSTACK is accepted as 0");

	int r = set_alt(alt, ALT_SIZE, 0);
	sigaltstack(NULL, &cur);
	if (!ktap_ok(r == 0 && cur.ss_sp == alt && cur.ss_size == ALT_SIZE && cur.ss_flags == 0,
		     "sigaltstack reads back sp, size and flags 0"))
		ktap_diag("r %d sp %p size %zu flags %d", r, cur.ss_sp, cur.ss_size, cur.ss_flags);
}

static void test_onstack(void)
{
	volatile char here;
	set_handler(SIGUSR1, outer, SA_ONSTACK);
	set_handler(SIGUSR2, inner, SA_ONSTACK);
	memset(&h, 0, sizeof(h));
	raise(SIGUSR1);
	ktap_ok(h.hits == 1 && on_alt(h.local), "SA_ONSTACK handler runs on the alternate stack");
	ktap_eq(h.cur.ss_flags, SS_ONSTACK, "inside it, sigaltstack reports SS_ONSTACK");
	ktap_eq(h.set_err, -EPERM, "changing the alternate stack while on it: EPERM");
	unsigned long here_a = (unsigned long)&here;
	if (!ktap_ok(!on_alt((void *)h.saved_sp) && h.saved_sp < here_a &&
			     here_a - h.saved_sp < 65536 && h.uc_stack.ss_sp == alt &&
			     h.uc_stack.ss_size == ALT_SIZE,
		     "saved SP is the normal stack; uc_stack describes the alternate stack"))
		ktap_diag("saved sp %#lx (a local here %#lx) uc_stack %p size %zu flags %d",
			  h.saved_sp, here_a, h.uc_stack.ss_sp, h.uc_stack.ss_size,
			  h.uc_stack.ss_flags);
	if (!ktap_ok(on_alt(h.inner_local) && h.inner_local < h.local,
		     "a nested SA_ONSTACK handler goes further down the same alternate stack"))
		ktap_diag("outer %p inner %p alt %p", h.local, h.inner_local, alt);
}

static void where(int sig, siginfo_t *si, void *ucv)
{
	volatile char mark;
	h.hits++;
	h.local = (void *)&mark;
}

static void test_normal_stack(void)
{
	set_handler(SIGUSR1, where, 0);
	memset(&h, 0, sizeof(h));
	raise(SIGUSR1);
	ktap_ok(h.hits == 1 && !on_alt(h.local), "handler without SA_ONSTACK: normal stack");

	stack_t cur;
	int r = set_alt(NULL, 0, SS_DISABLE);
	sigaltstack(NULL, &cur);
	set_handler(SIGUSR1, where, SA_ONSTACK);
	memset(&h, 0, sizeof(h));
	raise(SIGUSR1);
	if (!ktap_ok(r == 0 && cur.ss_flags == SS_DISABLE && cur.ss_sp == NULL && cur.ss_size == 0 &&
			     h.hits == 1 && !on_alt(h.local),
		     "SS_DISABLE (reads back sp 0, size 0): SA_ONSTACK handler on the normal stack"))
		ktap_diag("r %d flags %d sp %p size %zu hits %d local %p", r, cur.ss_flags,
			  cur.ss_sp, cur.ss_size, h.hits, h.local);
}

static void autodisarm(int sig, siginfo_t *si, void *ucv)
{
	volatile char mark;
	h.hits++;
	h.local = (void *)&mark;
	sigaltstack(NULL, &h.cur);
}

static void test_autodisarm(void)
{
	int r = set_alt(alt, ALT_SIZE, SS_AUTODISARM);
	set_handler(SIGUSR1, autodisarm, SA_ONSTACK);
	memset(&h, 0, sizeof(h));
	raise(SIGUSR1);
	stack_t after;
	sigaltstack(NULL, &after);
	if (!ktap_ok(r == 0 && h.hits == 1 && on_alt(h.local) && h.cur.ss_flags == SS_DISABLE &&
			     after.ss_sp == alt && after.ss_size == ALT_SIZE &&
			     after.ss_flags == (int)SS_AUTODISARM,
		     "SS_AUTODISARM: disabled inside the handler, back after sigreturn"))
		ktap_diag("r %d hits %d on alt %d inside flags %#x after %p/%zu/%#x", r, h.hits,
			  on_alt(h.local), h.cur.ss_flags, after.ss_sp, after.ss_size,
			  after.ss_flags);
	set_alt(alt, ALT_SIZE, 0);
}

static void edit_uc_stack(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	uc->uc_stack.ss_size = ALT_SIZE / 2;
}

/*
 * Only the normal-stack case is portable: for an SA_ONSTACK handler the
 * outcome depends on whether the kernel re-installs uc_stack before or
 * after it restores SP (x86-64 since 6.12 does it before, so the edit is
 * refused with EPERM; the i386 compat path still does it after).
 */
static void test_uc_stack_restore(void)
{
	stack_t after;
	set_alt(alt, ALT_SIZE, 0);
	set_handler(SIGUSR1, edit_uc_stack, 0);
	raise(SIGUSR1);
	sigaltstack(NULL, &after);
	if (!ktap_ok(after.ss_sp == alt && after.ss_size == ALT_SIZE / 2,
		     "uc_stack edited by a normal-stack handler is installed by sigreturn"))
		ktap_diag("after %p size %zu", after.ss_sp, after.ss_size);
	set_alt(alt, ALT_SIZE, 0);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
}

/* ---- overflow, in a child ---- */

static int depth_fd;

static void recurse(int sig)
{
	volatile char pad[512];
	pad[0] = 1;
	if (write(depth_fd, "x", 1) != 1)
		_exit(2);
	kill(getpid(), SIGUSR1); /* SA_NODEFER: nests at once */
	pad[1] = pad[0];
	_exit(3);
}

static int overflow_child(void *unused)
{
	/*
	 * 64 KiB of stack above a PROT_NONE guard page: room for a few frames
	 * even where XSAVE state makes them ~11 KiB (AMX).
	 */
	char *m = mmap(NULL, 4096 + 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);
	if (m == MAP_FAILED || mprotect(m, 4096, PROT_NONE) != 0)
		return 4;
	if (set_alt(m + 4096, 65536, 0) != 0)
		return 5;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = recurse;
	sa.sa_flags = SA_ONSTACK | SA_NODEFER;
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	return 6;
}

static void test_overflow(void)
{
	int fds[2];
	if (pipe(fds) != 0)
		return;
	depth_fd = fds[1];
	int st = run_in_child(overflow_child, NULL);
	close(fds[1]);
	int depth = 0;
	char c;
	while (read(fds[0], &c, 1) == 1)
		depth++;
	close(fds[0]);
	char b[64];
	if (!ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV && depth >= 2,
		     "nested handlers using up a 64 KiB alternate stack: SIGSEGV"))
		ktap_diag("child %s after %d levels", status_str(st, b, sizeof(b)), depth);
}

/* fork and vfork children inherit the alternate stack (only a thread,
 * CLONE_VM without CLONE_VFORK, starts without one). */
static void test_inherited(void)
{
	stack_t ss = { .ss_sp = alt, .ss_size = ALT_SIZE }, got;
	sigaltstack(&ss, NULL);
	for (int v = 0; v < 2; v++) {
		pid_t pid = v ? vfork() : fork();
		if (pid == 0) {
			int ok = sigaltstack(NULL, &got) == 0 && got.ss_sp == alt &&
				 got.ss_size == ALT_SIZE && got.ss_flags == 0;
			_exit(ok ? 0 : 1);
		}
		int st = 0;
		waitpid(pid, &st, 0);
		ktap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"a %s child has its parent's alternate stack", v ? "vfork" : "fork");
	}
}

int main(void)
{
	default_signals();
	no_core_dumps();
	alt = mmap(NULL, ALT_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ktap_plan(5 + 5 + 2 + 1 + 1 + 1 + 2);
	test_setup();
	test_onstack();
	test_normal_stack();
	test_autodisarm();
	test_uc_stack_restore();
	test_overflow();
	test_inherited();
	return ktap_finish();
}
