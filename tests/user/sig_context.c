/*
 * sig_context: the context a handler sees when a signal interrupts a
 * blocking system call, and the registers it is entered with.
 *
 * A helper process sends SIGUSR1 (kill, so si_code = SI_USER, si_pid = the
 * helper) while we sleep in read() on an empty pipe, entered through a
 * hand-written routine that first loads known values into every register
 * and sets DF.  Linux facts tested:
 *  - the saved IP is just after the instruction that entered the kernel:
 *    the bytes at IP-2 are cd 80 (int $0x80) or 0f 05 (syscall).  Through
 *    the i386 vDSO the IP is the landing pad after the vDSO's own
 *    int $0x80, whatever instruction really entered, and the saved ESP is
 *    the caller's minus the return address and the three words (ECX, EDX,
 *    EBP) the vDSO pushed;
 *  - without SA_RESTART the saved AX is -EINTR; with SA_RESTART the restart
 *    is already applied: AX = the syscall number and IP points AT the
 *    2-byte instruction;
 *  - every other saved register holds what the task had (x86-64 SYSCALL:
 *    RCX = the return address, R11 = RFLAGS), DF set in the saved flags,
 *    CS/SS the user selectors (x86-64 uc_flags has UC_SIGCONTEXT_SS and
 *    UC_STRICT_RESTORE_SS; i386: 0x23/0x2b, or 0x73/0x7b on a native
 *    i386 kernel, kernel32.h);
 *  - handler entry: DF clear; i386 EAX = sig, EDX = &info, ECX = &uc (and
 *    the same three on the stack), ESP+4 16-byte aligned; x86-64 RDI = sig,
 *    RSI = &info, RDX = &uc, RAX = 0, RSP+8 16-byte aligned.  Without
 *    SA_SIGINFO an i386 handler gets EAX = sig, EDX = ECX = 0;
 *  - after sigreturn every register but the result is back.
 */
#define _GNU_SOURCE /* REG_* names in <ucontext.h> */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <sys/auxv.h>
#include <time.h>
#include <ucontext.h>

#define STR_(x) #x
#define STR(x) STR_(x)

/* Register indices of post[] (what the routine saw after the call). */
#ifdef __x86_64__
enum { AX, BX, CX, DX, SI, DI, BP, SP, R8, R9, R10, R11, R12, R13, R14, R15,
       FL, NREGS };
#define M(i) (0x5a5a000000000000UL + 0x1111 * (i))
#define MAGIC(i) STR(0x5a5a000000000000 + 0x1111 * i)
#else
enum { AX, BX, CX, DX, SI, DI, BP, SP, FL, NREGS };
#define M(i) (0x5a5a0000UL + 0x1111 * (i))
#define MAGIC(i) STR(0x5a5a0000 + 0x1111 * i)
#endif

unsigned long pre_sp, post[NREGS];
/* Handler entry state, stored by sig_tramp before any C code runs. */
unsigned long h_ax, h_cx, h_dx, h_si, h_di, h_sp, h_flags;

long block_a(int fd, void *buf, long len); /* i386: int80; x86-64: syscall */
long block_b(int fd, void *buf, long len); /* i386: vDSO;  x86-64: int80 */
extern const unsigned char block_a_ret[], block_b_ret[];
void sig_tramp(void);

#ifdef __x86_64__
#define STORE_POST                                                      \
	"	pushfq\n	popq post+8*16(%rip)\n	cld\n"                  \
	"	mov %rax, post+0(%rip)\n	mov %rbx, post+8(%rip)\n"      \
	"	mov %rcx, post+16(%rip)\n	mov %rdx, post+24(%rip)\n"     \
	"	mov %rsi, post+32(%rip)\n	mov %rdi, post+40(%rip)\n"     \
	"	mov %rbp, post+48(%rip)\n	mov %rsp, post+56(%rip)\n"     \
	"	mov %r8, post+64(%rip)\n	mov %r9, post+72(%rip)\n"      \
	"	mov %r10, post+80(%rip)\n	mov %r11, post+88(%rip)\n"     \
	"	mov %r12, post+96(%rip)\n	mov %r13, post+104(%rip)\n"    \
	"	mov %r14, post+112(%rip)\n	mov %r15, post+120(%rip)\n"    \
	"	pop %r15\n pop %r14\n pop %r13\n pop %r12\n pop %rbp\n pop %rbx\n" \
	"	ret\n"
#define LOAD_HIGH                                                       \
	"	push %rbx\n push %rbp\n push %r12\n push %r13\n push %r14\n push %r15\n" \
	"	movabs $" MAGIC(6) ", %rbp\n	movabs $" MAGIC(8) ", %r8\n"    \
	"	movabs $" MAGIC(9) ", %r9\n	movabs $" MAGIC(10) ", %r10\n"  \
	"	movabs $" MAGIC(12) ", %r12\n	movabs $" MAGIC(13) ", %r13\n"  \
	"	movabs $" MAGIC(14) ", %r14\n	movabs $" MAGIC(15) ", %r15\n"   \
	"	movabs $" MAGIC(11) ", %r11\n"
__asm__(".text\n"
	/* read(fd, buf, len) by SYSCALL: RDI, RSI, RDX are already right. */
	".globl block_a\nblock_a:\n" LOAD_HIGH
	"	movabs $" MAGIC(1) ", %rbx\n"
	"	xor %eax, %eax\n"
	"	mov %rsp, pre_sp(%rip)\n"
	"	std\n"
	"	syscall\n"
	".globl block_a_ret\nblock_a_ret:\n" STORE_POST
	/* read by int $0x80 with i386 number 3: EBX, ECX, EDX. */
	".globl block_b\nblock_b:\n" LOAD_HIGH
	"	mov %edi, %ebx\n"
	"	mov %rsi, %rcx\n"
	"	movabs $" MAGIC(4) ", %rsi\n"
	"	movabs $" MAGIC(5) ", %rdi\n"
	"	mov $3, %eax\n"
	"	mov %rsp, pre_sp(%rip)\n"
	"	std\n"
	"	int $0x80\n"
	".globl block_b_ret\nblock_b_ret:\n" STORE_POST
	".globl sig_tramp\nsig_tramp:\n"
	"	mov %rax, h_ax(%rip)\n	mov %rcx, h_cx(%rip)\n"
	"	mov %rdx, h_dx(%rip)\n	mov %rsi, h_si(%rip)\n"
	"	mov %rdi, h_di(%rip)\n	mov %rsp, h_sp(%rip)\n"
	"	pushfq\n	popq h_flags(%rip)\n"
	"	jmp handler_c\n");
#else
#define STORE_POST                                                      \
	"	pushfl\n	popl post+4*8\n	cld\n"                          \
	"	mov %eax, post+0\n	mov %ebx, post+4\n"                    \
	"	mov %ecx, post+8\n	mov %edx, post+12\n"                   \
	"	mov %esi, post+16\n	mov %edi, post+20\n"                   \
	"	mov %ebp, post+24\n	mov %esp, post+28\n"                   \
	"	pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n	ret\n"
#define LOAD_ARGS                                                       \
	"	push %ebp\n push %ebx\n push %esi\n push %edi\n"               \
	"	mov 20(%esp), %ebx\n	mov 24(%esp), %ecx\n"                  \
	"	mov 28(%esp), %edx\n"                                           \
	"	mov $" MAGIC(4) ", %esi\n	mov $" MAGIC(5) ", %edi\n"     \
	"	mov $" MAGIC(6) ", %ebp\n	mov $3, %eax\n"                \
	"	mov %esp, pre_sp\n	std\n"
__asm__(".text\n"
	".globl block_a\nblock_a:\n" LOAD_ARGS
	"	int $0x80\n"
	".globl block_a_ret\nblock_a_ret:\n" STORE_POST
	/* The way glibc enters: call __kernel_vsyscall through %gs:0x10. */
	".globl block_b\nblock_b:\n" LOAD_ARGS
	"	call *%gs:0x10\n"
	".globl block_b_ret\nblock_b_ret:\n" STORE_POST
	".globl sig_tramp\nsig_tramp:\n"
	"	mov %eax, h_ax\n	mov %ecx, h_cx\n	mov %edx, h_dx\n"
	"	mov %esi, h_si\n	mov %edi, h_di\n	mov %esp, h_sp\n"
	"	pushfl\n	popl h_flags\n"
	"	jmp handler_c\n");
#endif

/* What the handler saw. */
static volatile int h_hits;
static int h_sig;
static void *h_info, *h_uc;
static siginfo_t h_siginfo;
static greg_t h_gregs[NGREG];
static unsigned long h_ucflags;

__attribute__((used)) void handler_c(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	h_hits++;
	h_sig = sig;
	h_info = si;
	h_uc = uc;
	h_siginfo = *si;
	memcpy(h_gregs, uc->uc_mcontext.gregs, sizeof(h_gregs));
	h_ucflags = uc->uc_flags;
}

static void sleep_ms(int ms)
{
	struct timespec t = { 0, ms * 1000000L };
	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static char buf[16]; /* below 4 GiB: int $0x80 from 64-bit code reads it */

#define DF 0x400UL
#define TF 0x100UL

#ifdef __x86_64__
static const char *const path_name[2] = { "syscall", "int80 from 64-bit" };
static const unsigned char insn[2][2] = { { 0x0f, 0x05 }, { 0xcd, 0x80 } };
static const int greg_of[NREGS] = {
	[AX] = REG_RAX, [BX] = REG_RBX, [CX] = REG_RCX, [DX] = REG_RDX,
	[SI] = REG_RSI, [DI] = REG_RDI, [BP] = REG_RBP, [SP] = REG_RSP,
	[R8] = REG_R8, [R9] = REG_R9, [R10] = REG_R10, [R11] = REG_R11,
	[R12] = REG_R12, [R13] = REG_R13, [R14] = REG_R14, [R15] = REG_R15,
	[FL] = REG_EFL };
static const char *const rname[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rflags" };
#define REG_IP REG_RIP
#else
static const char *const path_name[2] = { "int80", "vDSO" };
static const unsigned char insn[2][2] = { { 0xcd, 0x80 }, { 0xcd, 0x80 } };
static const int greg_of[NREGS] = {
	[AX] = REG_EAX, [BX] = REG_EBX, [CX] = REG_ECX, [DX] = REG_EDX,
	[SI] = REG_ESI, [DI] = REG_EDI, [BP] = REG_EBP, [SP] = REG_ESP,
	[FL] = REG_EFL };
static const char *const rname[NREGS] = {
	"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp", "esp", "eflags" };
#define REG_IP REG_EIP
#endif

/*
 * want[] = the value each register must hold in the saved context (and,
 * but for AX, after the call).  has[] says which ones are checked.
 */
static void expected(int path, int fd, unsigned long want[NREGS], int has[NREGS])
{
	for (int i = 0; i < NREGS; i++) {
		want[i] = M(i);
		has[i] = i != AX && i != SP && i != FL;
	}
#ifdef __x86_64__
	if (path == 0) {
		want[DI] = fd;
		want[SI] = (unsigned long)buf;
		want[DX] = 5;
		has[CX] = has[R11] = 0; /* SYSCALL's own; checked separately */
	} else {
		want[BX] = fd;
		want[CX] = (unsigned long)buf;
		want[DX] = 5;
	}
#else
	(void)path;
	want[BX] = fd;
	want[CX] = (unsigned long)buf;
	want[DX] = 5;
#endif
}

static void run_case(int path, int restart)
{
	const char *pn = path_name[path];
	const char *rn = restart ? "SA_RESTART" : "no SA_RESTART";
	int fds[2];
	if (pipe(fds) != 0)
		return;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))sig_tramp;
	sa.sa_flags = SA_SIGINFO | (restart ? SA_RESTART : 0);
	sigaction(SIGUSR1, &sa, NULL);

	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid == 0) {
		sleep_ms(100);
		kill(parent, SIGUSR1);
		sleep_ms(100);
		_exit(write(fds[1], "hello", 5) == 5 ? 0 : 1);
	}
	h_hits = 0;
	memset(post, 0, sizeof(post));
	long r = path == 0 ? block_a(fds[0], buf, 5) : block_b(fds[0], buf, 5);
	int st;
	waitpid(pid, &st, 0);
	close(fds[0]);
	close(fds[1]);

	/* 1: the result of the call itself. */
	long want_r = restart ? 5 : -EINTR;
	if (!ktap_ok(r == want_r && h_hits == 1, "%s, %s: read returns %ld, handler ran once",
		     pn, rn, want_r))
		ktap_diag("read returned %ld, handler ran %d times", r, h_hits);

	/* 2: siginfo. */
	if (!ktap_ok(h_sig == SIGUSR1 && h_siginfo.si_signo == SIGUSR1 &&
			     h_siginfo.si_code == SI_USER && h_siginfo.si_pid == pid &&
			     h_siginfo.si_uid == getuid(),
		     "%s, %s: siginfo signo SIGUSR1, code SI_USER, pid and uid of the sender",
		     pn, rn))
		ktap_diag("sig %d signo %d code %d pid %d (want %d) uid %d", h_sig,
			  h_siginfo.si_signo, h_siginfo.si_code, h_siginfo.si_pid,
			  (int)pid, (int)h_siginfo.si_uid);

	/* 3: registers at handler entry. */
#ifdef __x86_64__
	int entry_ok = h_di == SIGUSR1 && h_si == (unsigned long)h_info &&
		       h_dx == (unsigned long)h_uc && h_ax == 0;
	if (!ktap_ok(entry_ok, "%s, %s: handler entry RDI = sig, RSI = &info, RDX = &uc, RAX = 0",
		     pn, rn))
		ktap_diag("rdi %#lx rsi %#lx (info %p) rdx %#lx (uc %p) rax %#lx", h_di,
			  h_si, h_info, h_dx, h_uc, h_ax);
	int align_ok = (h_sp + 8) % 16 == 0;
#else
	/* The C handler read its arguments from the stack: sig, &info, &uc. */
	int entry_ok = h_ax == SIGUSR1 && h_dx == (unsigned long)h_info &&
		       h_cx == (unsigned long)h_uc;
	if (!ktap_ok(entry_ok, "%s, %s: handler entry EAX = sig, EDX = &info, ECX = &uc",
		     pn, rn))
		ktap_diag("eax %#lx edx %#lx (info %p) ecx %#lx (uc %p)", h_ax, h_dx,
			  h_info, h_cx, h_uc);
	int align_ok = (h_sp + 4) % 16 == 0;
#endif
	if (!ktap_ok(!(h_flags & (DF | TF)) && align_ok,
		     "%s, %s: handler entry with DF and TF clear, stack aligned like a call",
		     pn, rn))
		ktap_diag("flags %#lx sp %#lx", h_flags, h_sp);

	/* 4: saved IP: after (or, restarting, at) the entry instruction. */
	const unsigned char *ip = (const unsigned char *)h_gregs[REG_IP];
	const unsigned char *at = restart ? ip : ip - 2;
	int ip_ok = at[0] == insn[path][0] && at[1] == insn[path][1];
	unsigned long after = (unsigned long)(restart ? ip + 2 : ip);
	unsigned long sp_want = pre_sp;
#ifdef __x86_64__
	ip_ok = ip_ok && after == (unsigned long)(path == 0 ? block_a_ret : block_b_ret);
#else
	if (path == 0) {
		ip_ok = ip_ok && after == (unsigned long)block_a_ret;
	} else {
		/* The landing pad inside __kernel_vsyscall; the vDSO pushed
		 * ECX, EDX, EBP under the return address of our call. */
		unsigned long vsys = getauxval(AT_SYSINFO);
		ip_ok = ip_ok && after > vsys && after < vsys + 64;
		sp_want = pre_sp - 16;
	}
#endif
	if (!ktap_ok(ip_ok, "%s, %s: saved IP %s %02x %02x", pn, rn,
		     restart ? "points at" : "follows", insn[path][0], insn[path][1]))
		ktap_diag("saved ip %p bytes there-2: %02x %02x", ip, ip[-2], ip[-1]);

	/* 5: saved AX, SP, flags, selectors. */
	long ax_want = restart ? (ABI_BITS == 64 && path == 0 ? 0 : 3) : -EINTR;
	int misc_ok = (long)h_gregs[greg_of[AX]] == ax_want &&
		      (unsigned long)h_gregs[greg_of[SP]] == sp_want &&
		      (h_gregs[greg_of[FL]] & DF);
#ifdef __x86_64__
	unsigned long csgsfs = h_gregs[REG_CSGSFS];
	misc_ok = misc_ok && (csgsfs & 0xffff) == 0x33 && (csgsfs >> 48) == 0x2b &&
		  (h_ucflags & 6) == 6;
	if (path == 0) /* SYSCALL put the return IP in RCX and RFLAGS in R11 */
		misc_ok = misc_ok && h_gregs[REG_RCX] == (greg_t)block_a_ret &&
			  h_gregs[REG_R11] == h_gregs[REG_EFL];
#else
	misc_ok = misc_ok && h_gregs[REG_CS] == user32_cs() && h_gregs[REG_SS] == user32_ds() &&
		  h_gregs[REG_DS] == user32_ds() && h_gregs[REG_ES] == user32_ds();
#endif
	if (!ktap_ok(misc_ok, "%s, %s: saved AX = %ld, SP, DF set in flags, user CS/SS",
		     pn, rn, ax_want)) {
		ktap_diag("ax %#lx sp %#lx (want %#lx) flags %#lx", (long)h_gregs[greg_of[AX]],
			  (long)h_gregs[greg_of[SP]], sp_want, (long)h_gregs[greg_of[FL]]);
#ifdef __x86_64__
		ktap_diag("csgsfs %#lx uc_flags %#lx rcx %#lx r11 %#lx", csgsfs, h_ucflags,
			  (long)h_gregs[REG_RCX], (long)h_gregs[REG_R11]);
#else
		ktap_diag("cs %#x ss %#x ds %#x es %#x", h_gregs[REG_CS], h_gregs[REG_SS],
			  h_gregs[REG_DS], h_gregs[REG_ES]);
#endif
	}

	/* 6: the other registers, saved and after the return. */
	unsigned long want[NREGS];
	int has[NREGS], bad_saved = -1, bad_after = -1;
	expected(path, fds[0], want, has);
	for (int i = 0; i < NREGS; i++) {
		if (!has[i])
			continue;
		if ((unsigned long)h_gregs[greg_of[i]] != want[i] && bad_saved < 0)
			bad_saved = i;
		if (post[i] != want[i] && bad_after < 0)
			bad_after = i;
	}
	if (!ktap_ok(bad_saved < 0, "%s, %s: saved registers are the task's", pn, rn))
		ktap_diag("%s saved %#lx, want %#lx", rname[bad_saved],
			  (unsigned long)h_gregs[greg_of[bad_saved]], want[bad_saved]);
	if (!ktap_ok(bad_after < 0 && (post[FL] & DF) && post[SP] == pre_sp,
		     "%s, %s: registers and DF intact after the handler", pn, rn)) {
		if (bad_after >= 0)
			ktap_diag("%s after %#lx, want %#lx", rname[bad_after],
				  post[bad_after], want[bad_after]);
		ktap_diag("flags after %#lx", post[FL]);
	}
}

/* Without SA_SIGINFO: i386 EAX = sig, EDX = ECX = 0; x86-64 RDI = sig, RAX = 0. */
void plain_c(int sig) { h_hits++; h_sig = sig; }
void plain_tramp(void);
#ifdef __x86_64__
__asm__(".text\n.globl plain_tramp\nplain_tramp:\n"
	"	mov %rax, h_ax(%rip)\n	mov %rdi, h_di(%rip)\n"
	"	pushfq\n	popq h_flags(%rip)\n	jmp plain_c\n");
#else
__asm__(".text\n.globl plain_tramp\nplain_tramp:\n"
	"	mov %eax, h_ax\n	mov %edx, h_dx\n	mov %ecx, h_cx\n"
	"	pushfl\n	popl h_flags\n	jmp plain_c\n");
#endif

static void plain_case(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = (void (*)(int))plain_tramp;
	sigaction(SIGUSR2, &sa, NULL);
	h_hits = 0;
	h_ax = h_dx = h_cx = h_di = 0x77;
	long r;
	/* kill(self, SIGUSR2) with DF set: delivered on the way out. */
#ifdef __x86_64__
	__asm__ volatile("std\n\tsyscall\n\tcld"
			 : "=a"(r)
			 : "0"((long)SYS_kill), "D"((long)getpid()), "S"((long)SIGUSR2)
			 : "rcx", "r11", "memory", "cc");
	if (!ktap_ok(r == 0 && h_hits == 1 && h_sig == SIGUSR2 && h_di == SIGUSR2 &&
			     h_ax == 0 && !(h_flags & DF),
		     "no SA_SIGINFO: handler entry RDI = sig, RAX = 0, DF clear"))
		ktap_diag("r %ld hits %d rdi %#lx rax %#lx flags %#lx", r, h_hits, h_di,
			  h_ax, h_flags);
#else
	__asm__ volatile("std\n\tint $0x80\n\tcld"
			 : "=a"(r)
			 : "0"((long)SYS_kill), "b"((long)getpid()), "c"((long)SIGUSR2)
			 : "memory", "cc");
	if (!ktap_ok(r == 0 && h_hits == 1 && h_sig == SIGUSR2 && h_ax == SIGUSR2 &&
			     h_dx == 0 && h_cx == 0 && !(h_flags & DF),
		     "no SA_SIGINFO: handler entry EAX = sig, EDX = ECX = 0, DF clear"))
		ktap_diag("r %ld hits %d eax %#lx edx %#lx ecx %#lx flags %#lx", r, h_hits,
			  h_ax, h_dx, h_cx, h_flags);
#endif
	signal(SIGUSR2, SIG_DFL);
}

int main(void)
{
	default_signals();
	ktap_plan(2 * 2 * 8 + 1);
	for (int path = 0; path < 2; path++)
		for (int restart = 0; restart < 2; restart++)
			run_case(path, restart);
	plain_case();
	return ktap_finish();
}
