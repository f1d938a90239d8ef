/*
 * espfix16: returning to user mode on a 16-bit stack segment.
 *
 * When IRET returns to 32-bit code whose SS is a 16-bit segment (B = 0),
 * the CPU loads only SP from the frame: ESP[31:16] keep whatever the
 * kernel's RSP held, which would hand the task bits of a kernel address
 * and break programs (DOS emulators, Wine) that keep data there.  Linux
 * (CONFIG_X86_ESPFIX64) returns to any LDT SS from a special stack whose
 * address has the task's own ESP[31:16] in those bits, so the task never
 * sees a change.  Linux facts tested, each in a child process:
 *  - modify_ldt(0x11) accepts a 16-bit and a 32-bit writable data segment;
 *  - SS = the 16-bit one, ESP[31:16] = some tag, int $0x80 (getpid): the
 *    call works and ESP (all 32 bits) and SS are as they were, for several
 *    tags including 0 and 0xffff;
 *  - SS = the 32-bit LDT segment: the full ESP comes back too;
 *  - a loop that keeps comparing ESP while timer signals (and interrupts)
 *    arrive, on the 16-bit stack: no return ever changes it, and each
 *    signal frame records SS and the full ESP;
 *  - x86-64 tasks: int $0x80 from 64-bit code with a 16-bit LDT SS gives
 *    back the full RSP and SS, and so does the loop; SYSCALL gives back the
 *    full RSP but SS 0x2b (SYSCALL saves no SS: Linux records __USER_DS);
 *    the same task in 32-bit code (CS 0x23) gets the 32-bit results above.
 * Results come back through a pipe (see run_reporting), not shared memory.
 * The 16-bit segment's base is our buffer, not 0: with B = 0 the CPU
 * addresses the stack with SP alone, so base + SP must stay inside memory
 * we own should anything touch the stack (signals use an alternate stack:
 * the kernel writes frames at the flat ESP, ignoring the segment).
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include "child_report.h"
#include <asm/ldt.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

#define SS16 0x07	/* LDT entry 0, RPL 3 */
#define SS32 0x0f	/* LDT entry 1 */

struct probe_out {
	unsigned int ret, sp, ss, pad;
	unsigned long long sp64;	/* 64-bit builds: RSP after the return */
	unsigned long long sp64_before;
};

/* What the children report. */
struct shared {
	long ldt0, ldt1;
	struct probe_out out;
	unsigned long ticks, bad_frames, frame_ss, frame_sp;
	unsigned long mism, first_bad, left;
};
static struct shared shared_buf, *sh = &shared_buf;

/* Run fn(arg) in a forked child that reports *sh back (child_report.h). */
static int run_reporting(int (*fn)(void *), void *arg)
{
	return run_reporting_into(fn, arg, sh, sizeof(*sh));
}
static unsigned char *seg16_base;
static unsigned long want_sp, want_ss;

static long set_ldt(int entry, unsigned long base, int seg32)
{
	struct user_desc d;
	memset(&d, 0, sizeof(d));
	d.entry_number = entry;
	d.base_addr = (unsigned int)base;
	d.limit = 0xfffff;
	d.limit_in_pages = 1;
	d.seg_32bit = seg32;
	d.contents = 0;		/* writable data, expand-up */
	d.useable = 1;
	return SC(SYS_modify_ldt, 0x11, &d, sizeof(d));
}

static int make_ldt(void)
{
	sh->ldt0 = set_ldt(0, (unsigned long)seg16_base, 0);
	sh->ldt1 = set_ldt(1, 0, 1);
	return sh->ldt0 == 0 && sh->ldt1 == 0;
}

/*
 * esp_probe(ss, sp, out): 32-bit code with SS:ESP = ss:sp does getpid by
 * int $0x80 and reports EAX, ESP and SS after it.  No instruction in
 * between touches the stack.
 * esp_loop(ss, sp, &ticks, cap, out[3]): on SS:ESP = ss:sp, compare ESP
 * with sp until ticks >= 3 or cap rounds pass; out = mismatches, the first
 * wrong ESP, rounds left.
 */
#ifdef __x86_64__
void compat_probe(unsigned long ss, unsigned long sp, struct probe_out *out);
void sp64_probe(unsigned long ss, int int80, struct probe_out *out);
void esp_loop(unsigned long ss, unsigned long sp, unsigned long *ticks,
	      unsigned long cap, unsigned long *out);
__asm__(".text\n"
	"compat_probe:\n"
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n"
	"	mov %rsp, %r12\n"	/* r12, r13 live through compat mode */
	"	mov %rdx, %r13\n"
	"	mov %ss, %ebp\n"
	"	mov %edi, %ecx\n"
	"	mov %esi, %ebx\n"
	"	pushq $0x23\n"
	"	lea 1f(%rip), %rax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"1:	mov %ecx, %ss\n"
	"	mov %ebx, %esp\n"
	"	mov $20, %eax\n"
	"	int $0x80\n"
	"	mov %esp, %edx\n"
	"	mov %ss, %esi\n"
	"	mov %ebp, %ss\n"
	"	ljmp $0x33, $2f\n"
	".code64\n"
	"2:	mov %rsp, 16(%r13)\n"
	"	mov %r12, %rsp\n"
	"	mov %eax, 0(%r13)\n"
	"	mov %edx, 4(%r13)\n"
	"	mov %esi, 8(%r13)\n"
	"	pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"

	"sp64_probe:\n"
	"	push %rbx\n push %rbp\n push %r12\n"
	"	mov %rdx, %r12\n"
	"	mov %ss, %ebp\n"
	"	mov %edi, %ss\n"
	"	mov %rsp, %rbx\n"
	"	test %esi, %esi\n"
	"	jnz 1f\n"
	"	mov $39, %eax\n"	/* getpid, x86-64 */
	"	syscall\n"
	"	jmp 2f\n"
	"1:	mov $20, %eax\n"	/* getpid, i386 */
	"	int $0x80\n"
	"2:	mov %rsp, 16(%r12)\n"
	"	mov %ss, 8(%r12)\n"
	"	mov %ebp, %ss\n"
	"	mov %eax, 0(%r12)\n"
	"	mov %rbx, 24(%r12)\n"
	"	pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n"

	"esp_loop:\n"
	"	push %rbx\n push %rbp\n push %r12\n"
	"	mov %rsp, %r12\n"
	"	mov %ss, %ebp\n"
	"	xor %eax, %eax\n"
	"	xor %r9d, %r9d\n"
	"	mov %edi, %ss\n"
	"	mov %rsi, %rsp\n"
	"loop_lo:\n"
	"1:	cmp %rsi, %rsp\n"
	"	je 2f\n"
	"	test %rax, %rax\n"
	"	cmovz %rsp, %r9\n"
	"	inc %rax\n"
	"	mov %rsi, %rsp\n"
	"2:	cmpq $3, (%rdx)\n"
	"	jae 3f\n"
	"	dec %rcx\n"
	"	jnz 1b\n"
	"loop_hi:\n"
	"3:	mov %ebp, %ss\n"
	"	mov %r12, %rsp\n"
	"	mov %rax, 0(%r8)\n"
	"	mov %r9, 8(%r8)\n"
	"	mov %rcx, 16(%r8)\n"
	"	pop %r12\n pop %rbp\n pop %rbx\n"
	"	ret\n");
#define esp_probe compat_probe
#else
void esp_probe(unsigned long ss, unsigned long sp, struct probe_out *out);
void esp_loop(unsigned long ss, unsigned long sp, unsigned long *ticks,
	      unsigned long cap, unsigned long *out);
unsigned long saved_sp, saved_ss;	/* used by the asm */
__asm__(".text\n"
	"esp_probe:\n"
	"	push %ebx\n push %esi\n push %edi\n push %ebp\n"
	"	mov 20(%esp), %ecx\n"
	"	mov 24(%esp), %ebx\n"
	"	mov 28(%esp), %edi\n"
	"	mov %esp, saved_sp\n"
	"	mov %ss, saved_ss\n"
	"	mov %ecx, %ss\n"
	"	mov %ebx, %esp\n"
	"	mov $20, %eax\n"
	"	int $0x80\n"
	"	mov %esp, %edx\n"
	"	mov %ss, %esi\n"
	"	mov saved_ss, %ss\n"
	"	mov saved_sp, %esp\n"
	"	mov %eax, 0(%edi)\n"
	"	mov %edx, 4(%edi)\n"
	"	mov %esi, 8(%edi)\n"
	"	mov %edx, 16(%edi)\n"
	"	movl $0, 20(%edi)\n"
	"	pop %ebp\n pop %edi\n pop %esi\n pop %ebx\n"
	"	ret\n"

	"esp_loop:\n"
	"	push %ebx\n push %esi\n push %edi\n push %ebp\n"
	"	mov 20(%esp), %ecx\n"
	"	mov 24(%esp), %ebx\n"
	"	mov 28(%esp), %edi\n"
	"	mov 32(%esp), %esi\n"
	"	mov %esp, saved_sp\n"
	"	mov %ss, saved_ss\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	mov %ecx, %ss\n"
	"	mov %ebx, %esp\n"
	"loop_lo:\n"
	"1:	cmp %ebx, %esp\n"
	"	je 2f\n"
	"	test %eax, %eax\n"
	"	cmovz %esp, %edx\n"
	"	inc %eax\n"
	"	mov %ebx, %esp\n"
	"2:	cmpl $3, (%edi)\n"
	"	jae 3f\n"
	"	dec %esi\n"
	"	jnz 1b\n"
	"loop_hi:\n"
	"3:	mov saved_ss, %ss\n"
	"	mov saved_sp, %esp\n"
	"	mov 36(%esp), %edi\n"
	"	mov %eax, 0(%edi)\n"
	"	mov %edx, 4(%edi)\n"
	"	mov %esi, 8(%edi)\n"
	"	pop %ebp\n pop %edi\n pop %esi\n pop %ebx\n"
	"	ret\n");
#endif

/* Child bodies: the result goes to *sh (sent to the parent on return), the
 * exit code says we got back. */
static int probe_child(void *arg)
{
	unsigned long *a = arg;	/* { ss, sp } */
	alarm(5);
	if (!make_ldt())
		return 40;
	esp_probe(a[0], a[1], &sh->out);
	return 0;
}

#ifdef __x86_64__
static int sp64_child(void *arg)
{
	alarm(5);
	if (!make_ldt())
		return 40;
	sp64_probe(SS16, (int)(long)arg, &sh->out);
	return 0;
}
#endif

extern const char loop_lo[], loop_hi[];

static void tick(int sig, siginfo_t *si, void *ucv)
{
	greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;
#ifdef __x86_64__
	unsigned long ss = (unsigned long)g[REG_CSGSFS] >> 48, sp = (unsigned long)g[REG_RSP];
	unsigned long ip = (unsigned long)g[REG_RIP];
#else
	unsigned long ss = g[REG_SS] & 0xffff, sp = (unsigned long)g[REG_ESP];
	unsigned long ip = (unsigned long)g[REG_EIP];
	/* sigreturn takes esp; esp_at_signal (REG_UESP) must say the same. */
	if ((unsigned long)g[REG_UESP] != sp)
		sp = ~sp;
#endif
	/* Only signals that interrupt the loop itself count. */
	if (ip < (unsigned long)loop_lo || ip >= (unsigned long)loop_hi)
		return;
	if (ss != want_ss || sp != want_sp)
		sh->bad_frames++;
	sh->frame_ss = ss;
	sh->frame_sp = sp;
	sh->ticks++;
}

static int loop_child(void *arg)
{
	static unsigned char alt[65536] __attribute__((aligned(64)));
	stack_t st = { .ss_sp = alt, .ss_size = sizeof(alt) };
	struct sigaction sa;
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } }, off = { { 0, 0 }, { 0, 0 } };
	unsigned long out[3];
	if (!make_ldt())
		return 40;
	want_ss = SS16;
	want_sp = *(unsigned long *)arg;
	sigaltstack(&st, NULL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = tick;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigaction(SIGALRM, &sa, NULL);
	setitimer(ITIMER_REAL, &it, NULL);
	esp_loop(SS16, want_sp, &sh->ticks, 1UL << 31, out);
	setitimer(ITIMER_REAL, &off, NULL);
	sh->mism = out[0];
	sh->first_bad = out[1];
	sh->left = out[2];
	return 0;
}

static int child_ok(int st)
{
	char b[64];
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	ktap_diag("child %s", status_str(st, b, sizeof(b)));
	return 0;
}

static void t_probe(unsigned long ss, unsigned long sp, const char *what)
{
	unsigned long a[2] = { ss, sp };
	memset(sh, 0, sizeof(*sh));
	int st = run_reporting(probe_child, a);
	pid_t pid = (pid_t)sh->out.ret;	/* getpid of the child */
	int ok = child_ok(st) && pid > 0 && pid != getpid() && sh->out.sp == (unsigned int)sp &&
		 (sh->out.ss & 0xffff) == ss;
	ktap_ok(ok, "%s: SS %#lx, ESP %#lx: int $0x80 works, ESP and SS come back intact",
		what, ss, sp);
	if (!ok)
		ktap_diag("eax %#x esp %#x ss %#x", sh->out.ret, sh->out.sp, sh->out.ss);
#ifdef __x86_64__
	/* Back in 64-bit mode RSP[63:32] is whatever the IRET left: report only. */
	if (sh->out.sp64 >> 32)
		ktap_diag("RSP after switching back to 64-bit mode: %#llx", sh->out.sp64);
#endif
}

#ifdef __x86_64__
static void t_sp64(int int80)
{
	memset(sh, 0, sizeof(*sh));
	int st = run_reporting(sp64_child, (void *)(long)int80);
	/*
	 * SYSCALL does not save SS: Linux records 0x2b and SYSRET loads it,
	 * so the LDT SS is gone.  int $0x80 pushes the real SS; IRET restores it.
	 */
	unsigned want_ss = int80 ? SS16 : 0x2b;
	int ok = child_ok(st) && (int)sh->out.ret > 0 &&
		 sh->out.sp64 == sh->out.sp64_before && (sh->out.ss & 0xffff) == want_ss;
	ktap_ok(ok, "64-bit code, SS = 16-bit LDT segment: %s works, full RSP back, SS %#x",
		int80 ? "int $0x80" : "SYSCALL", want_ss);
	if (!ok)
		ktap_diag("rax %#x rsp %#llx (before %#llx) ss %#x", sh->out.ret,
			  sh->out.sp64, sh->out.sp64_before, sh->out.ss);
}
#endif

static void t_loop(unsigned long sp, const char *what)
{
	memset(sh, 0, sizeof(*sh));
	int st = run_reporting(loop_child, &sp);
	int ok = child_ok(st) && sh->ticks >= 3 && sh->mism == 0;
	ktap_ok(ok, "%s, SS %#x, SP %#lx: timer signals and interrupts never change the stack pointer",
		what, SS16, sp);
	if (!ok)
		ktap_diag("%lu signals, %lu rounds left, %lu mismatches, first %#lx",
			  sh->ticks, sh->left, sh->mism, sh->first_bad);
	ok = sh->ticks >= 3 && sh->bad_frames == 0;
	ktap_ok(ok, "%s: every signal frame records SS %#x and that stack pointer", what, SS16);
	if (!ok)
		ktap_diag("%lu of %lu frames wrong; last ss %#lx sp %#lx", sh->bad_frames,
			  sh->ticks, sh->frame_ss, sh->frame_sp);
}

static int ldt_child(void *arg)
{
	return make_ldt() ? 0 : 1;
}

int main(void)
{
	static const struct { unsigned long tag, sp; } tags[] = {
		{ 0xbeef, 0xfff0 }, { 0x0000, 0x8000 }, { 0xffff, 0x0010 }, { 0x5a5a, 0x1235 },
	};
	const char *mode = ABI_BITS == 64 ? "32-bit code (CS 0x23)" : "32-bit";
	default_signals();
	no_core_dumps();
	/* The 16-bit segment's base must fit its 32-bit base field. */
	seg16_base = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS
#ifdef __x86_64__
			  | MAP_32BIT
#endif
			  , -1, 0);
	if (seg16_base == MAP_FAILED)
		return 1;
	ktap_plan(ABI_BITS == 64 ? 1 + 2 + 4 + 1 + 2 : 1 + 4 + 1 + 2);

	memset(sh, 0, sizeof(*sh));
	int st = run_reporting(ldt_child, NULL);
	ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"modify_ldt(0x11): a 16-bit and a 32-bit data segment (%ld, %ld)", sh->ldt0, sh->ldt1);
#ifdef __x86_64__
	t_sp64(0);
	t_sp64(1);
#endif
	for (unsigned i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		t_probe(SS16, tags[i].tag << 16 | tags[i].sp, mode);
	t_probe(SS32, 0xbeef1234, ABI_BITS == 64 ? "32-bit code, 32-bit LDT SS" : "32-bit LDT SS");
#ifdef __x86_64__
	t_loop(0x00005eedbeef1238UL, "64-bit code");
#else
	t_loop(0xbeef1238UL, "32-bit code");
#endif
	return ktap_finish();
}
