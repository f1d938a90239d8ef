/*
 * sys.h - raw system calls and small helpers shared by the tests.
 *
 * raw_syscall() enters the kernel directly, so glibc can neither rewrite the
 * call nor turn an error into errno: the result is the kernel's own return
 * value (-4095..-1 for errors).  The 64-bit build uses the SYSCALL
 * instruction with the x86-64 numbers; the 32-bit build uses int $0x80 with
 * the i386 numbers (no vDSO involved).
 */
#ifndef XENTRY_SYS_H
#define XENTRY_SYS_H

#include <signal.h>
#include <stdio.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

long raw_syscall(long nr, long a1, long a2, long a3, long a4, long a5,
		 long a6);

#ifdef __x86_64__
__asm__(".text\n"
	".globl raw_syscall\n"
	".type raw_syscall, @function\n"
	"raw_syscall:\n"
	"	mov %rdi, %rax\n"
	"	mov %rsi, %rdi\n"
	"	mov %rdx, %rsi\n"
	"	mov %rcx, %rdx\n"
	"	mov %r8, %r10\n"
	"	mov %r9, %r8\n"
	"	mov 8(%rsp), %r9\n"
	"	syscall\n"
	"	ret\n"
	".size raw_syscall, .-raw_syscall\n");
#else
__asm__(".text\n"
	".globl raw_syscall\n"
	".type raw_syscall, @function\n"
	"raw_syscall:\n"
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
	"	int $0x80\n"
	"	pop %ebx\n"
	"	pop %esi\n"
	"	pop %edi\n"
	"	pop %ebp\n"
	"	ret\n"
	".size raw_syscall, .-raw_syscall\n");
#endif

/* Pad the argument list so every call site can pass 0..6 arguments. */
#define SC_(nr, a, b, c, d, e, f, ...)                                      \
	raw_syscall((long)(nr), (long)(a), (long)(b), (long)(c), (long)(d), \
		    (long)(e), (long)(f))
#define SC(...) SC_(__VA_ARGS__, 0, 0, 0, 0, 0, 0, 0)

#define ABI_BITS ((int)sizeof(long) * 8)

/* Make sure a killed child never writes a core file (RLIMIT_CORE = 0). */
static inline void no_core_dumps(void)
{
	struct { uint64_t cur, max; } lim = { 0, 0 }, old;
	/* prlimit64(0 = self, RLIMIT_CORE, new, old) exists in both ABIs. */
	SC(SYS_prlimit64, 0, 4 /* RLIMIT_CORE */, &lim, &old);
}

/*
 * Give every catchable signal its default action and unblock all signals.
 * Dispositions set to "ignore" and blocked masks survive execve, so a test
 * that relies on a default action (SIGPIPE, kill(self, SIGUSR1), ...) must
 * not inherit whatever its launcher chose.
 */
static inline void default_signals(void)
{
	sigset_t none;
	for (int s = 1; s < 32; s++)
		if (s != SIGKILL && s != SIGSTOP)
			signal(s, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

/*
 * Run fn(arg) in a forked child that exits with fn's return value; return
 * the raw wait status, or -1 if fork/wait failed.
 */
static inline int run_in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg) & 0xff);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

/* Readable description of a wait status, for diagnostics. */
static inline const char *status_str(int st, char *buf, size_t n)
{
	if (st == -1)
		snprintf(buf, n, "fork/wait failed");
	else if (WIFEXITED(st))
		snprintf(buf, n, "exited %d", WEXITSTATUS(st));
	else if (WIFSIGNALED(st))
		snprintf(buf, n, "killed by signal %d", WTERMSIG(st));
	else
		snprintf(buf, n, "status %#x", st);
	return buf;
}

#endif
