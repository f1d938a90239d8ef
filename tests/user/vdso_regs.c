/* abi: 32 */
/*
 * vdso_regs: a system call through __kernel_vsyscall (AT_SYSINFO) changes
 * EAX and nothing else the caller can see, exactly like `int $0x80`.
 *
 * - EBX ECX EDX ESI EDI EBP ESP come back unchanged.  On the fast paths
 *   the kernel may clobber ECX/EDX/EBP on return (SYSRETL loads EIP from
 *   ECX), which is why the vDSO saved them and its landing pad restores
 *   them.
 * - EFLAGS: the arithmetic flags, DF, AC and NT come back as they were
 *   set (SYSCALL masks them and SYSRETL restores them from R11; SYSENTER
 *   lets them into the kernel, which must clear them there and give the
 *   user's copy back; int $0x80 returns by IRET).  AC is safe to set here
 *   because every access in the window is aligned.
 * - R8-R15, visible after a far jump to the 64-bit code segment 0x33:
 *   int $0x80 keeps them all; after a fast entry Linux returns them zeroed
 *   (and R11 may hold EFLAGS from SYSRETL), so each must be its old value,
 *   zero, or (R11) an EFLAGS image - never anything else.  A native i386
 *   kernel has no 64-bit mode (0x33 is a TLS slot there): SKIP.
 * - All six arguments arrive: mmap2(hint, 4096, PROT_READ|PROT_WRITE,
 *   MAP_PRIVATE|MAP_FIXED, fd, 1) must place exactly the file's second
 *   page at the hint.  On the SYSCALL path argument 2 travels in EBP and
 *   argument 6 is read from the user stack; on SYSENTER the user stack
 *   pointer itself travels in EBP.
 * - A program may also hard-code the vDSO's sequence instead of calling it
 *   (push ecx/edx/ebp, then the fast instruction): the kernel returns to
 *   the vDSO's landing pad, which pops the three words and returns to the
 *   caller.  Linux supports this (old Android libc does it).
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_expect.h"
#include "kernel32.h"
#include <cpuid.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#define NR_getppid 64
#define NR_mmap2 192

/* EFLAGS bits under test: CF PF AF ZF SF OF DF AC NT (and bit 1, always 1). */
#define F_ARITH 0x08d5u
#define F_DF 0x0400u
#define F_NT 0x4000u
#define F_AC 0x40000u
#define F_TESTED (F_ARITH | F_DF | F_NT | F_AC)


/* ---- all 32-bit registers and EFLAGS around one call ------------------ */

struct regs32 { uint32_t eax, ebx, ecx, edx, esi, edi, ebp, esp, flags; };
struct regs32 g_in, g_out;
uint32_t g_target;		/* __kernel_vsyscall (or a copy of its sequence) */
uint32_t g_esp_before;
void regs_via_call(void), regs_via_int80(void);

/*
 * Load every register from g_in, set EFLAGS with popf, enter the kernel,
 * then store every register and EFLAGS into g_out before anything else
 * can touch them; clear DF/AC/NT again before returning to C.
 */
#define REGS_RUNNER(name, enter)                                          \
	".globl " name "\n" name ":\n"                                    \
	"	push %ebp\n push %ebx\n push %esi\n push %edi\n"          \
	"	mov %esp, g_esp_before\n"                                 \
	"	pushl g_in+32\n"                                          \
	"	mov g_in+4, %ebx\n mov g_in+8, %ecx\n mov g_in+12, %edx\n" \
	"	mov g_in+16, %esi\n mov g_in+20, %edi\n mov g_in+24, %ebp\n" \
	"	mov g_in+0, %eax\n"                                       \
	"	popf\n"                                                   \
	"	" enter "\n"                                              \
	"	pushf\n"                                                  \
	"	popl g_out+32\n"                                          \
	"	mov %eax, g_out+0\n mov %ebx, g_out+4\n mov %ecx, g_out+8\n" \
	"	mov %edx, g_out+12\n mov %esi, g_out+16\n mov %edi, g_out+20\n" \
	"	mov %ebp, g_out+24\n mov %esp, g_out+28\n"                \
	"	pushl $0x202\n popf\n"                                    \
	"	mov g_esp_before, %esp\n"                                 \
	"	pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n"              \
	"	ret\n"

__asm__(".text\n"
	REGS_RUNNER("regs_via_call", "call *g_target")
	REGS_RUNNER("regs_via_int80", "int $0x80"));

static const char *rname[] = { "eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp" };

/* One call with distinctive values in every register and the given flags. */
static void check_regs(const char *path, void (*runner)(void), uint32_t flags)
{
	uint32_t *in = (uint32_t *)&g_in, *out = (uint32_t *)&g_out;
	g_in = (struct regs32){ NR_getppid, 0x0bb1bb1b, 0x0cc2cc2c, 0x0dd3dd3d,
				0x05e45e45, 0x0d1d1d1d, 0x0b9b9b9b, 0, flags | 0x202 };
	memset(&g_out, 0, sizeof(g_out));
	runner();
	g_in.esp = g_esp_before;	/* ESP must be back where it was */

	int bad = 0;
	for (int i = 1; i < 8; i++)
		if (in[i] != out[i]) {
			ktap_diag("%s: %s was %#x, now %#x", path, rname[i], in[i], out[i]);
			bad = 1;
		}
	if (flags == F_TESTED)
		ktap_ok(!bad && g_out.eax == (uint32_t)getppid(),
			"%s: EAX = getppid(), EBX ECX EDX ESI EDI EBP ESP preserved", path);
	ktap_ok((g_out.flags & F_TESTED) == flags,
		"%s: EFLAGS %s (CF PF AF ZF SF OF DF AC NT)", path,
		flags ? "set bits survive" : "clear bits stay clear");
	if ((g_out.flags & F_TESTED) != flags)
		ktap_diag("%s: flags in %#x, out %#x", path, g_in.flags, g_out.flags);
}

/* ---- R8-R15 across the call, seen from 64-bit code ------------------- */

unsigned long long g_rin[8], g_rout[8];
uint32_t g_r_eax, g_r_flags;
void r64_via_call(void), r64_via_int80(void);

/*
 * Far jump to CS 0x33, load r8-r15, far return to CS 0x23, make the call,
 * far jump to 0x33 again to store r8-r15, back to 0x23.  Symbol addresses
 * go through 32-bit immediates (mov $sym, %eax zero-extends), which an
 * ELF32 object can relocate.
 */
#define R64_RUNNER(name, enter)                                           \
	".globl " name "\n" name ":\n"                                    \
	"	push %ebp\n push %ebx\n push %esi\n push %edi\n"          \
	"	ljmp $0x33, $1f\n"                                        \
	".code64\n"                                                       \
	"1:	mov $g_rin, %eax\n"                                       \
	"	mov (%rax), %r8\n mov 8(%rax), %r9\n mov 16(%rax), %r10\n" \
	"	mov 24(%rax), %r11\n mov 32(%rax), %r12\n mov 40(%rax), %r13\n" \
	"	mov 48(%rax), %r14\n mov 56(%rax), %r15\n"               \
	"	pushq $0x23\n mov $2f, %eax\n push %rax\n lretq\n"        \
	".code32\n"                                                       \
	"2:	mov $64, %eax\n"                                          \
	"	" enter "\n"                                              \
	"	mov %eax, g_r_eax\n"                                      \
	"	pushf\n popl g_r_flags\n"                                 \
	"	ljmp $0x33, $3f\n"                                        \
	".code64\n"                                                       \
	"3:	mov $g_rout, %eax\n"                                      \
	"	mov %r8, (%rax)\n mov %r9, 8(%rax)\n mov %r10, 16(%rax)\n" \
	"	mov %r11, 24(%rax)\n mov %r12, 32(%rax)\n mov %r13, 40(%rax)\n" \
	"	mov %r14, 48(%rax)\n mov %r15, 56(%rax)\n"               \
	"	pushq $0x23\n mov $4f, %eax\n push %rax\n lretq\n"        \
	".code32\n"                                                       \
	"4:	pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n"              \
	"	ret\n"

__asm__(".text\n"
	R64_RUNNER("r64_via_call", "call *g_target")
	R64_RUNNER("r64_via_int80", "int $0x80"));

/* A value R11 may hold after SYSRETL: an EFLAGS image (bit 1 and IF set,
 * only defined bits, nothing above bit 21). */
static int looks_like_eflags(unsigned long long v)
{
	return (v & 0x202) == 0x202 && !(v & ~0x3f7fd7ULL);
}

static void check_r64(const char *path, void (*runner)(void), int strict)
{
	for (int i = 0; i < 8; i++)
		g_rin[i] = (0xa0ULL + 8 + i) << 56 | 0x0101010101ULL * (8 + i);
	memset(g_rout, 0, sizeof(g_rout));
	runner();
	int bad = 0;
	for (int i = 0; i < 8; i++) {
		unsigned long long o = g_rout[i];
		int ok = o == g_rin[i] ||
			 (!strict && (o == 0 || (i == 3 && looks_like_eflags(o))));
		if (!ok) {
			ktap_diag("%s: r%d was %#llx, now %#llx", path, 8 + i, g_rin[i], o);
			bad = 1;
		}
	}
	ktap_ok(!bad && g_r_eax == (uint32_t)getppid(), "%s: r8-r15 %s", path,
		strict ? "preserved" : "preserved or zeroed (r11 may hold EFLAGS)");
}

/* ---- six arguments: mmap2 of a file's second page -------------------- */

long call6(long nr, long a1, long a2, long a3, long a4, long a5, long a6,
	   uint32_t target);
__asm__(".text\n"
	".globl call6\n"
	"call6:\n"
	"	push %ebp\n push %ebx\n push %esi\n push %edi\n"
	"	mov 20(%esp), %eax\n mov 24(%esp), %ebx\n mov 28(%esp), %ecx\n"
	"	mov 32(%esp), %edx\n mov 36(%esp), %esi\n mov 40(%esp), %edi\n"
	"	mov 44(%esp), %ebp\n"
	"	call *48(%esp)\n"
	"	pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n"
	"	ret\n");

/*
 * The vDSO's sequence hard-coded in our own text.  The kernel must return
 * to the vDSO landing pad, never to the instruction after the fast one
 * (ud2 there turns that mistake into SIGILL).
 */
void inline_sysenter(void), inline_syscall(void);
__asm__(".text\n"
	"inline_sysenter:\n"
	"	push %ecx\n push %edx\n push %ebp\n"
	"	mov %esp, %ebp\n sysenter\n ud2\n"
	"inline_syscall:\n"
	"	push %ecx\n push %edx\n push %ebp\n"
	"	mov %ecx, %ebp\n syscall\n ud2\n");

static int g_fd = -1;
static char g_path[64];

/*
 * mmap2 through target (0 = raw int $0x80) onto the middle page of a
 * 3-page anonymous region.  Returns 0 if every argument did its part,
 * else a bit per symptom.
 */
static int mmap2_check(uint32_t target)
{
	uint8_t *r = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return 64;
	memset(r, 0xee, 3 * 4096);
	long args[6] = { (long)(r + 4096), 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_FIXED, g_fd, 1 };
	long got = target ? call6(NR_mmap2, args[0], args[1], args[2], args[3],
				  args[4], args[5], target)
			  : SC(NR_mmap2, args[0], args[1], args[2], args[3], args[4], args[5]);
	int bad = 0;
	if (got != args[0])
		return 1;		/* hint + MAP_FIXED (args 1, 4) */
	for (int i = 0; i < 4096; i++)
		if (r[4096 + i] != 'B') {
			bad |= 2;	/* fd, pgoff (args 5, 6) */
			break;
		}
	if (r[4095] != 0xee || r[8192] != 0xee)
		bad |= 4;		/* len (arg 2): one page, not more */
	r[4096] = 'x';			/* PROT_WRITE (arg 3) */
	char c = 0;
	if (pread(g_fd, &c, 1, 4096) != 1 || c != 'B')
		bad |= 8;		/* MAP_PRIVATE (arg 4) */
	munmap(r, 3 * 4096);
	return bad;
}

static int mmap2_child(void *target)
{
	no_core_dumps();
	default_signals();
	return mmap2_check((uint32_t)target);
}

/* Run the mmap2 check in a child: a wrong offset or length can make the
 * page access fault (SIGBUS past the end of the file), which must fail
 * one case, not the whole test. */
static void report_mmap2(const char *path, uint32_t target)
{
	char sbuf[64];
	int st = run_in_child(mmap2_child, (void *)target);
	int bad = WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	ktap_ok(bad == 0, "%s: mmap2 with all six arguments maps exactly the file's 2nd page", path);
	if (bad & 128)
		ktap_diag("%s: the child %s", path, status_str(st, sbuf, sizeof(sbuf)));
	if (bad & 64)
		ktap_diag("%s: setting up the region failed", path);
	if (bad & 1)
		ktap_diag("%s: result is not the hinted address (MAP_FIXED)", path);
	if (bad & 2)
		ktap_diag("%s: mapped bytes are not the file's page 1 (fd, pgoff)", path);
	if (bad & 4)
		ktap_diag("%s: neighbouring pages changed (length)", path);
	if (bad & 8)
		ktap_diag("%s: the write reached the file (MAP_PRIVATE)", path);
}

static int inline_child(void *target)
{
	no_core_dumps();
	default_signals();
	return call6(NR_getppid, 1, 2, 3, 4, 5, 6, (uint32_t)target) == getppid() ? 0 : 10;
}

int main(void)
{
	const char *want = expected_choice();
	uint32_t vsys = getauxval(AT_SYSINFO);
	char sbuf[64];

	ktap_plan(13);
	ktap_diag("expected vDSO entry: %s", want);
	if (!vsys) {
		ktap_diag("no AT_SYSINFO");
		return 1;
	}

	g_target = vsys;
	check_regs("vDSO", regs_via_call, F_TESTED);
	check_regs("vDSO", regs_via_call, 0);
	check_regs("int $0x80", regs_via_int80, F_TESTED);
	check_regs("int $0x80", regs_via_int80, 0);

	if (has_long_mode()) {
		check_r64("vDSO", r64_via_call, 0);
		check_r64("int $0x80", r64_via_int80, 1);
	} else {
		ktap_skip(NO_LONG_MODE, "vDSO: r8-r15 preserved or zeroed (r11 may hold EFLAGS)");
		ktap_skip(NO_LONG_MODE, "int $0x80: r8-r15 preserved");
	}

	/* A 3-page file: page k filled with 'A' + k. */
	snprintf(g_path, sizeof(g_path), "/tmp/vdso_regs.%d", (int)getpid());
	g_fd = open(g_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	char page[4096];
	for (int k = 0; k < 3 && g_fd >= 0; k++) {
		memset(page, 'A' + k, sizeof(page));
		if (write(g_fd, page, sizeof(page)) != (ssize_t)sizeof(page))
			ktap_diag("short write to %s", g_path);
	}
	if (g_fd < 0)
		ktap_diag("cannot create %s", g_path);
	report_mmap2("vDSO", vsys);
	report_mmap2("int $0x80", 0);

	/* Arguments the call ignores may hold anything, even all ones. */
	ktap_ok(call6(NR_getppid, -1, -1, -1, -1, -1, -1, vsys) == getppid(),
		"vDSO: getppid with garbage in all argument registers");

	/* The hard-coded sequence, run in a child so that a return to the
	 * wrong place (SIGILL at the ud2) is a failed case, not a crash. */
	uint32_t seq = !strcmp(want, "sysenter") ? (uint32_t)inline_sysenter
		     : !strcmp(want, "syscall") ? (uint32_t)inline_syscall : 0;
	if (!seq) {
		ktap_skip("vDSO uses int $0x80", "hard-coded fast sequence returns through the landing pad");
		ktap_skip("vDSO uses int $0x80", "hard-coded fast sequence delivers six arguments");
	} else {
		int st = run_in_child(inline_child, (void *)seq);
		ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
			"hard-coded %s sequence returns through the landing pad (%s)",
			want, status_str(st, sbuf, sizeof(sbuf)));
		report_mmap2(!strcmp(want, "sysenter") ? "hard-coded sysenter" : "hard-coded syscall", seq);
	}
	if (g_fd >= 0) {
		close(g_fd);
		unlink(g_path);
	}
	return ktap_finish();
}
