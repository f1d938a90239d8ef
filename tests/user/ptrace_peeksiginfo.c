/*
 * ptrace_peeksiginfo: PTRACE_PEEKSIGINFO copies a stopped tracee's pending
 * siginfo, thread queue or (PTRACE_PEEKSIGINFO_SHARED) process queue.
 *
 * Linux facts tested: struct ptrace_peeksiginfo_args {u64 off; u32 flags;
 * s32 nr} at addr; entries land in 128-byte slots at data (the compat
 * layout for a 32-bit tracer); the return value is the count copied; off
 * past the end gives 0; unknown flags or nr < 0 give EINVAL; a buffer
 * that faults at once gives EFAULT; tgkill's entry (si_code SI_TKILL)
 * sits in the thread queue and kill's (SI_USER) in the process queue,
 * both with the sender's pid.
 */
#include "ktap.h"
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define PEEKSIGINFO 0x4209
#define PEEK_SHARED 1

struct peek_args { uint64_t off; uint32_t flags; int32_t nr; };

static long peek(pid_t pid, uint64_t off, uint32_t flags, int32_t nr, void *buf)
{
	struct peek_args a = { off, flags, nr };
	return syscall(SYS_ptrace, PEEKSIGINFO, pid, &a, buf);
}

int main(void)
{
	sigset_t set;
	siginfo_t got[4];
	int st;

	ktap_plan(10);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	pid_t pid = fork();
	if (pid == 0) {
		for (;;)
			pause();
	}
	syscall(SYS_tgkill, pid, pid, SIGUSR1);	/* the thread's queue */
	kill(pid, SIGUSR2);			/* the process's queue */
	ktap_eq(ptrace(PTRACE_ATTACH, pid, 0, 0), 0, "attach");
	waitpid(pid, &st, 0);

	memset(got, 0, sizeof(got));
	long n = peek(pid, 0, 0, 4, got);
	ktap_eq(n, 1, "thread queue: one entry");
	ktap_ok(got[0].si_signo == SIGUSR1 && got[0].si_code == SI_TKILL &&
		got[0].si_pid == getpid(), "thread entry: signo %d code %d pid %d",
		got[0].si_signo, got[0].si_code, got[0].si_pid);
	memset(got, 0, sizeof(got));
	n = peek(pid, 0, PEEK_SHARED, 4, got);
	ktap_eq(n, 1, "shared queue: one entry");
	ktap_ok(got[0].si_signo == SIGUSR2 && got[0].si_code == SI_USER &&
		got[0].si_pid == getpid(), "shared entry: signo %d code %d pid %d",
		got[0].si_signo, got[0].si_code, got[0].si_pid);
	ktap_eq(peek(pid, 1, 0, 4, got), 0, "offset past the end: 0");
	errno = 0;
	ktap_ok(peek(pid, 0, ~0u, 4, got) == -1 && errno == EINVAL, "unknown flags: EINVAL");
	errno = 0;
	ktap_ok(peek(pid, 0, 0, -1, got) == -1 && errno == EINVAL, "nr < 0: EINVAL");
	errno = 0;
	ktap_ok(peek(pid, 0, 0, 4, (void *)16) == -1 && errno == EFAULT, "bad buffer: EFAULT");
	ktap_eq(peek(pid, 0, 0, 0, got), 0, "nr 0: 0");
	kill(pid, SIGKILL);
	waitpid(pid, &st, 0);
	return ktap_finish();
}
