/* abi: 32 */
/*
 * vdso_badstack: a fast 32-bit entry with an unusable user stack costs the
 * task, never the kernel; and NT set by the user survives every path.
 *
 * The fast entries find argument 6 on the user stack (SYSCALL: at 0(%esp),
 * SYSENTER: at 0(%ebp), where the vDSO copied ESP), so the kernel must read
 * it with a fault-safe user access.  Linux then fails the call with -EFAULT
 * and returns by IRET to the landing pad, whose `pop %ebp` faults on the
 * same stack: the task dies of SIGSEGV (SIGBUS when the access wraps past
 * 4 GiB and the CPU raises #SS, which Linux reports as SIGBUS).  With the
 * int $0x80 choice there is nothing to read: the call returns normally and
 * the next stack access kills the task.  Either way the parent sees a
 * signal death and the kernel carries on.
 *
 * Every register but ESP holds all ones, so nothing valid leaks into the
 * entry either.  The children jump into the vDSO's own patched slot
 * (__kernel_vsyscall + 3, after the pushes), so they use exactly the
 * instruction this kernel chose; one more child runs the raw instruction
 * from its own text, as a program hard-coding the sequence would.
 *
 * NT (nested task) set with popf must be back after a vDSO call and after
 * int $0x80: SYSCALL masks it and SYSRETL restores it from R11; SYSENTER
 * carries it into the kernel, which must clear it before any IRET there
 * (an IRET with NT set is a task return: #GP) and return the user's copy.
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_expect.h"
#include "../../include/uapi/xentry_stats.h"
#include <cpuid.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>


uint32_t g_bad_esp, g_jump;
void jump_bad(void), raw_sysenter_bad(void), raw_syscall_bad(void), raw_int80_bad(void);

/* All ones everywhere but ESP; EBP too (SYSENTER's vDSO slot overwrites
 * it with ESP itself). */
#define GARBAGE                                                        \
	"	mov $-1, %eax\n mov $-1, %ebx\n mov $-1, %ecx\n"      \
	"	mov $-1, %edx\n mov $-1, %esi\n mov $-1, %edi\n mov $-1, %ebp\n"

__asm__(".text\n"
	"jump_bad:\n"
	"	mov g_bad_esp, %esp\n"
	GARBAGE
	"	jmp *g_jump\n"
	"raw_sysenter_bad:\n"
	"	mov g_bad_esp, %esp\n"
	GARBAGE
	"	mov %esp, %ebp\n sysenter\n ud2\n"
	"raw_syscall_bad:\n"
	"	mov g_bad_esp, %esp\n"
	GARBAGE
	"	syscall\n ud2\n"
	"raw_int80_bad:\n"
	"	mov g_bad_esp, %esp\n"
	GARBAGE
	"	int $0x80\n"
	"	push %eax\n ud2\n");

static int bad_child(void *fn)
{
	no_core_dumps();
	default_signals();
	((void (*)(void))fn)();
	return 99;	/* not reached */
}

static void expect_death(void (*fn)(void), const char *what)
{
	char sbuf[64];
	int st = run_in_child(bad_child, (void *)fn);
	ktap_ok(WIFSIGNALED(st) && (WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS),
		"%s, ESP=%#x: the task dies of SIGSEGV/SIGBUS (%s)", what, g_bad_esp,
		status_str(st, sbuf, sizeof(sbuf)));
}

/* ---- NT ---------------------------------------------------------------- */

uint32_t g_vsys, g_nt_flags[2], g_nt_eax[2];
void nt_calls(void);
__asm__(".text\n"
	"nt_calls:\n"
	"	pushf\n orl $0x4000, (%esp)\n popf\n"
	"	mov $64, %eax\n"
	"	call *g_vsys\n"
	"	mov %eax, g_nt_eax\n"
	"	pushf\n popl g_nt_flags\n"
	"	pushf\n orl $0x4000, (%esp)\n popf\n"
	"	mov $64, %eax\n"
	"	int $0x80\n"
	"	mov %eax, g_nt_eax+4\n"
	"	pushf\n popl g_nt_flags+4\n"
	"	pushf\n andl $~0x4000, (%esp)\n popf\n"
	"	ret\n");

/* Exit status: bit 0 = NT lost by the vDSO call, bit 1 = by int $0x80,
 * bit 2 = a wrong result. */
static int nt_child(void *unused)
{
	no_core_dumps();
	default_signals();
	nt_calls();
	int r = 0;
	if (!(g_nt_flags[0] & 0x4000))
		r |= 1;
	if (!(g_nt_flags[1] & 0x4000))
		r |= 2;
	if (g_nt_eax[0] != (uint32_t)getppid() || g_nt_eax[1] != (uint32_t)getppid())
		r |= 4;
	return r;
}

int main(void)
{
	/* 0xc0100000: on a native i386 kernel, mapped kernel memory (its
	 * image), which must never be read as argument 6; an unmapped user
	 * address elsewhere. */
	static const uint32_t bad[] = { 0xffffffff, 0xffffe000, 0x00001000, 0xc0100000 };
	const int nbad = sizeof(bad) / sizeof(bad[0]);
	const char *want = expected_choice();
	struct xentry_exit_stats xs;
	char sbuf[64];

	g_vsys = getauxval(AT_SYSINFO);
	ktap_plan(6 + nbad);
	ktap_diag("expected vDSO entry: %s", want);
	if (!g_vsys) {
		ktap_diag("no AT_SYSINFO");
		return 1;
	}
	long have_stats = SC(XENTRY_NR_exit_stats, &xs, XENTRY_STATS_RESET);

	/* The vDSO's own slot: the pushes are 3 bytes (vdso_choice checks). */
	g_jump = g_vsys + 3;
	for (int i = 0; i < nbad; i++) {
		g_bad_esp = bad[i];
		expect_death(jump_bad, "vDSO entry slot");
	}
	g_bad_esp = 0xffffffff;
	int fast = 1;
	if (!strcmp(want, "sysenter"))
		expect_death(raw_sysenter_bad, "raw sysenter");
	else if (!strcmp(want, "syscall"))
		expect_death(raw_syscall_bad, "raw syscall");
	else {
		fast = 0;
		expect_death(raw_int80_bad, "raw int $0x80");
	}

	/* xentry counts a fast entry it could not read arg 6 for. */
	memset(&xs, 0, sizeof(xs));
	if (have_stats == -ENOSYS)
		ktap_skip("not xentry", "each bad-stack fast entry returned by IRET (refused: bad stack)");
	else if (!fast)
		ktap_skip("vDSO uses int $0x80", "each bad-stack fast entry returned by IRET (refused: bad stack)");
	else {
		SC(XENTRY_NR_exit_stats, &xs, 0);
		ktap_ok(xs.refused[XENTRY_REFUSE_BAD_STACK] == nbad + 1,
			"each bad-stack fast entry returned by IRET (refused: bad stack = %llu)",
			xs.refused[XENTRY_REFUSE_BAD_STACK]);
	}

	/* Still here, and both entries still work. */
	uint32_t via_vdso;
	__asm__ volatile("call *%1" : "=a"(via_vdso) : "m"(g_vsys), "0"(64) : "memory");
	long via_int80 = SC(64);
	ktap_ok(via_vdso == (uint32_t)getppid() && via_int80 == getppid(),
		"the kernel survived: getppid via the vDSO and int $0x80 still work");

	int st = run_in_child(nt_child, NULL);
	ktap_ok(WIFEXITED(st) && !(WEXITSTATUS(st) & 4),
		"with NT set, a vDSO call and an int $0x80 return normally (%s)",
		status_str(st, sbuf, sizeof(sbuf)));
	ktap_ok(WIFEXITED(st) && !(WEXITSTATUS(st) & 1), "NT is still set after the vDSO call");
	ktap_ok(WIFEXITED(st) && !(WEXITSTATUS(st) & 2), "NT is still set after int $0x80");
	return ktap_finish();
}
