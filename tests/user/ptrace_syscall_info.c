/*
 * ptrace_syscall_info: PTRACE_GET_SYSCALL_INFO at the stops of a tracee.
 *
 * Linux facts tested (addr = buffer size, data = buffer):
 *  - A signal-delivery-stop is op NONE (0); the call returns 24, the
 *    header's size; arch is AUDIT_ARCH_X86_64 (0xc000003e) or, for an
 *    i386 tracee, AUDIT_ARCH_I386 (0x40000003); ip and sp are the
 *    tracee's.
 *  - With PTRACE_O_TRACESYSGOOD a syscall-entry stop is op ENTRY (1),
 *    returns 80 and gives the number and the six arguments; the exit stop
 *    is op EXIT (2), returns 33 and gives rval and is_error (-EBADF, 1 for
 *    close(-1)).  PTRACE_GETEVENTMSG says 1 at entry, 2 at exit.
 *  - Without TRACESYSGOOD a syscall stop is op NONE.
 *  - A buffer smaller than the reply gets only its size; the return value
 *    is still the full reply's length.
 */
#include "ktap.h"
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#define GET_SYSCALL_INFO 0x420e
#define GETEVENTMSG 0x4201
#ifdef __x86_64__
#define ARCH 0xc000003eu
#else
#define ARCH 0x40000003u
#endif

struct info {
	uint8_t op, pad[3];
	uint32_t arch;
	uint64_t ip, sp;
	union {
		struct { uint64_t nr, args[6]; } entry;
		struct { int64_t rval; uint8_t is_error; } exit;
		struct { uint64_t nr, args[6]; uint32_t ret_data; } seccomp;
	};
};

static long get(pid_t pid, struct info *i, unsigned long size)
{
	memset(i, 0xa5, sizeof(*i));
	return syscall(SYS_ptrace, GET_SYSCALL_INFO, pid, size, i);
}

static unsigned long eventmsg(pid_t pid)
{
	unsigned long m = 99;
	ptrace(GETEVENTMSG, pid, 0, &m);
	return m;
}

static int step(pid_t pid)
{
	int st;
	ptrace(PTRACE_SYSCALL, pid, 0, 0);
	waitpid(pid, &st, 0);
	return st;
}

int main(void)
{
	struct info i;
	int st;

	ktap_plan(21);
	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		syscall(SYS_getppid, 11, 22, 33, 44, 55, 66);
		syscall(SYS_close, -1);
		syscall(SYS_getppid);
		_exit(0);
	}
	waitpid(pid, &st, 0);
	ktap_ok(WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP, "signal stop");
	ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACESYSGOOD);
	ktap_eq(get(pid, &i, sizeof(i)), 24, "signal stop: 24 bytes");
	ktap_ok(i.op == 0 && i.arch == ARCH && i.ip && i.sp,
		"signal stop: op %d arch %#x", i.op, i.arch);

	/* The stops inside raise()'s kill/tgkill come first: skip to getppid. */
	for (int n = 0; n < 20; n++) {
		st = step(pid);
		if (get(pid, &i, sizeof(i)) == 80 && i.entry.nr == SYS_getppid)
			break;
	}
	ktap_ok(WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80), "entry stop");
	ktap_eq(get(pid, &i, sizeof(i)), 80, "entry: 80 bytes");
	ktap_eq(i.op, 1, "entry: op ENTRY");
	ktap_eq(i.arch, ARCH, "entry: arch");
	ktap_ok(i.entry.args[0] == 11 && i.entry.args[1] == 22 && i.entry.args[2] == 33 &&
		i.entry.args[3] == 44 && i.entry.args[4] == 55 && i.entry.args[5] == 66,
		"entry: the six arguments");
	ktap_eq(eventmsg(pid), 1, "entry: event message 1");
	ktap_eq(get(pid, &i, 8), 80, "entry, 8-byte buffer: still 80");
	ktap_ok(i.op == 1 && i.sp == 0xa5a5a5a5a5a5a5a5ull, "entry, 8-byte buffer: 8 written");

	step(pid);
	ktap_eq(get(pid, &i, sizeof(i)), 33, "exit: 33 bytes");
	ktap_ok(i.op == 2 && i.exit.is_error == 0 && i.exit.rval == getpid(),
		"exit: op %d rval %lld is_error %d", i.op, (long long)i.exit.rval, i.exit.is_error);
	ktap_eq(eventmsg(pid), 2, "exit: event message 2");

	step(pid);
	get(pid, &i, sizeof(i));
	ktap_ok(i.op == 1 && i.entry.nr == SYS_close && (int)i.entry.args[0] == -1,
		"close entry: op %d nr %llu", i.op, (unsigned long long)i.entry.nr);
	step(pid);
	ktap_eq(get(pid, &i, sizeof(i)), 33, "close exit: 33 bytes");
	ktap_ok(i.op == 2 && i.exit.is_error == 1 && i.exit.rval == -EBADF,
		"close exit: rval %lld is_error %d", (long long)i.exit.rval, i.exit.is_error);

	ptrace(PTRACE_SETOPTIONS, pid, 0, 0);
	st = step(pid);
	ktap_ok(WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP, "plain SIGTRAP entry stop");
	ktap_eq(get(pid, &i, sizeof(i)), 24, "without TRACESYSGOOD: 24 bytes");
	ktap_eq(i.op, 0, "without TRACESYSGOOD: op NONE");

	ptrace(PTRACE_CONT, pid, 0, 0);
	waitpid(pid, &st, 0);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0, "tracee exits 0");
	return ktap_finish();
}
