/*
 * initial_regs: the register and stack state at the first instruction of a
 * new program.  No C library: _start below saves every register before
 * anything can change it, then C code checks them and prints KTAP with raw
 * write system calls.
 *
 * Linux (start_thread / elf_common_init, create_elf_tables):
 *  - every general register is 0 except the stack pointer; for a 32-bit
 *    task r8-r15 are 0 too (visible after a far jump to selector 0x33);
 *  - EFLAGS is 0x202 (IF and the always-one bit 1);
 *  - CS is 0x33 (64-bit) or 0x23 (32-bit), SS is 0x2b; DS and ES are 0 for
 *    64-bit tasks and 0x2b for 32-bit tasks; FS and GS are 0; a 64-bit
 *    task starts with FS base and GS base 0;
 *  - the stack pointer is 16-byte aligned and points at argc, followed by
 *    argv[] with a NULL, envp[] with a NULL, then the auxv pairs ending in
 *    AT_NULL; the strings themselves sit above all of that;
 *  - the FPU is in its reset state: MXCSR 0x1f80, x87 control word 0x37f.
 *
 * On a native i386 kernel (Linux i386, xentry ARCH=i386) an i386 task
 * starts with CS 0x73 and SS = DS = ES = 0x7b instead, and has no 64-bit
 * mode to visit: _start far-jumps to 0x33 only from CS 0x23, and the
 * r8-r15 cases SKIP.  Which kernel it is, uname says (kernel32.h: a raw
 * int $0x80, no C library needed), so the CS check still checks.
 */
#include "kernel32.h"

#define AT_NULL 0
#define AT_PAGESZ 6
#define AT_ENTRY 9

unsigned long regs[32]; /* filled by _start, see the offsets below */
unsigned long long r64[8];	/* r8-r15 (both ABIs) */
void cmain(unsigned long *sp) __attribute__((noreturn, used));
extern char _start[];

#ifdef __x86_64__
enum { AX, BX, CX, DX, SI, DI, BP, SP, FL, CS, SS, DS, ES, FS, GS };
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rax, regs+0(%rip)\n"
	"	mov %rbx, regs+8(%rip)\n"
	"	mov %rcx, regs+16(%rip)\n"
	"	mov %rdx, regs+24(%rip)\n"
	"	mov %rsi, regs+32(%rip)\n"
	"	mov %rdi, regs+40(%rip)\n"
	"	mov %rbp, regs+48(%rip)\n"
	"	mov %rsp, regs+56(%rip)\n"
	"	mov %r8, r64+0(%rip)\n"
	"	mov %r9, r64+8(%rip)\n"
	"	mov %r10, r64+16(%rip)\n"
	"	mov %r11, r64+24(%rip)\n"
	"	mov %r12, r64+32(%rip)\n"
	"	mov %r13, r64+40(%rip)\n"
	"	mov %r14, r64+48(%rip)\n"
	"	mov %r15, r64+56(%rip)\n"
	"	pushfq\n"
	"	popq regs+64(%rip)\n"
	"	mov %cs, %eax\n mov %rax, regs+72(%rip)\n"
	"	mov %ss, %eax\n mov %rax, regs+80(%rip)\n"
	"	mov %ds, %eax\n mov %rax, regs+88(%rip)\n"
	"	mov %es, %eax\n mov %rax, regs+96(%rip)\n"
	"	mov %fs, %eax\n mov %rax, regs+104(%rip)\n"
	"	mov %gs, %eax\n mov %rax, regs+112(%rip)\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call cmain\n"
	"	ud2\n");

static long sys3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(nr), "D"(a), "S"(b), "d"(c)
			 : "rcx", "r11", "memory");
	return r;
}
#define NR_write 1
#define NR_exit_group 231
#define NR_arch_prctl 158
#else
enum { AX, BX, CX, DX, SI, DI, BP, SP, FL, CS, SS, DS, ES, FS, GS };
__asm__(".text\n"
	".globl _start\n"
	"_start:\n"
	"	mov %eax, regs+0\n"
	"	mov %ebx, regs+4\n"
	"	mov %ecx, regs+8\n"
	"	mov %edx, regs+12\n"
	"	mov %esi, regs+16\n"
	"	mov %edi, regs+20\n"
	"	mov %ebp, regs+24\n"
	"	mov %esp, regs+28\n"
	"	pushfl\n"
	"	popl regs+32\n"
	"	mov %cs, %eax\n mov %eax, regs+36\n"
	"	mov %ss, %eax\n mov %eax, regs+40\n"
	"	mov %ds, %eax\n mov %eax, regs+44\n"
	"	mov %es, %eax\n mov %eax, regs+48\n"
	"	mov %fs, %eax\n mov %eax, regs+52\n"
	"	mov %gs, %eax\n mov %eax, regs+56\n"
	/* r8-r15 exist only in 64-bit mode: visit it to store them, from
	 * compatibility mode only (a native i386 kernel has no 0x33). */
	"	cmpl $0x23, regs+36\n"
	"	jne 2f\n"
	"	ljmp $0x33, $1f\n"
	".code64\n"
	"1:	mov $r64, %eax\n"
	"	mov %r8, 0(%rax)\n"
	"	mov %r9, 8(%rax)\n"
	"	mov %r10, 16(%rax)\n"
	"	mov %r11, 24(%rax)\n"
	"	mov %r12, 32(%rax)\n"
	"	mov %r13, 40(%rax)\n"
	"	mov %r14, 48(%rax)\n"
	"	mov %r15, 56(%rax)\n"
	"	pushq $0x23\n"
	"	mov $2f, %eax\n"
	"	push %rax\n"
	"	lretq\n"
	".code32\n"
	"2:	mov regs+28, %eax\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %eax\n"
	"	call cmain\n"
	"	ud2\n");

static long sys3(long nr, long a, long b, long c)
{
	long r;
	__asm__ volatile("push %%ebx\n\tmov %2, %%ebx\n\tint $0x80\n\tpop %%ebx"
			 : "=a"(r)
			 : "a"(nr), "r"(a), "c"(b), "d"(c)
			 : "memory");
	return r;
}
#define NR_write 4
#define NR_exit_group 252
#endif

/* ---- minimal KTAP output ---- */
static int count, failed;

static unsigned long slen(const char *s)
{
	unsigned long n = 0;
	while (s[n])
		n++;
	return n;
}
static void put(const char *s) { sys3(NR_write, 1, (long)s, (long)slen(s)); }
static void put_num(unsigned long v, int base)
{
	char buf[24];
	int i = sizeof(buf);
	buf[--i] = 0;
	do {
		buf[--i] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (base == 16) {
		buf[--i] = 'x';
		buf[--i] = '0';
	}
	put(buf + i);
}
static int ok(int cond, const char *desc)
{
	count++;
	failed += !cond;
	put(cond ? "ok " : "not ok ");
	put_num(count, 10);
	put(" - ");
	put(desc);
	put("\n");
	return cond;
}
static void diag(const char *what, unsigned long v)
{
	put("# ");
	put(what);
	put(" = ");
	put_num(v, 16);
	put("\n");
}
static void skip(const char *desc, const char *why)
{
	count++;
	put("ok ");
	put_num(count, 10);
	put(" - ");
	put(desc);
	put(" # SKIP ");
	put(why);
	put("\n");
}
static int eq(unsigned long got, unsigned long want, const char *desc)
{
	if (!ok(got == want, desc)) {
		diag("got", got);
		diag("want", want);
		return 0;
	}
	return 1;
}
static int ends_with(const char *s, const char *suffix)
{
	unsigned long a = slen(s), b = slen(suffix);
	if (b > a)
		return 0;
	for (unsigned long i = 0; i < b; i++)
		if (s[a - b + i] != suffix[i])
			return 0;
	return 1;
}

#ifdef __x86_64__
#define PLAN 31
#define NAME "initial_regs.64"
static const char *const gpr_names[8] = { "rax is 0 at entry", "rbx is 0 at entry",
	"rcx is 0 at entry", "rdx is 0 at entry", "rsi is 0 at entry",
	"rdi is 0 at entry", "rbp is 0 at entry", "" };
#else
#define PLAN 29
#define NAME "initial_regs.32"
static const char *const gpr_names[8] = { "eax is 0 at entry", "ebx is 0 at entry",
	"ecx is 0 at entry", "edx is 0 at entry", "esi is 0 at entry",
	"edi is 0 at entry", "ebp is 0 at entry", "" };
#endif
static const char *const r64_names[8] = { "r8 is 0 at entry", "r9 is 0 at entry",
	"r10 is 0 at entry", "r11 is 0 at entry", "r12 is 0 at entry",
	"r13 is 0 at entry", "r14 is 0 at entry", "r15 is 0 at entry" };

void cmain(unsigned long *sp)
{
	put("KTAP version 1\n1..");
	put_num(PLAN, 10);
	put("\n");

	for (int i = AX; i <= BP; i++)
		eq(regs[i], 0, gpr_names[i]);
	for (int i = 0; i < 8; i++) {
		if (!has_long_mode())
			skip(r64_names[i], NO_LONG_MODE);
		else if (!ok(r64[i] == 0, r64_names[i]))
			diag("got", (unsigned long)r64[i]);
	}
	eq(regs[FL], 0x202, "flags are 0x202 at entry");
	eq(regs[SP] & 15, 0, "stack pointer is 16-byte aligned at entry");
#ifdef __x86_64__
	eq(regs[CS], 0x33, "cs is 0x33");
	eq(regs[SS], 0x2b, "ss is 0x2b");
	ok(regs[DS] == 0 && regs[ES] == 0, "ds and es are 0");
#else
	if (!native_i386()) {
		eq(regs[CS], 0x23, "cs is 0x23");
		eq(regs[SS], 0x2b, "ss is 0x2b");
		ok(regs[DS] == 0x2b && regs[ES] == 0x2b, "ds and es are 0x2b");
	} else {
		eq(regs[CS], 0x73, "cs is 0x73 (native i386 kernel)");
		eq(regs[SS], 0x7b, "ss is 0x7b (native i386 kernel)");
		ok(regs[DS] == 0x7b && regs[ES] == 0x7b, "ds and es are 0x7b (native i386 kernel)");
	}
#endif
	ok(regs[FS] == 0 && regs[GS] == 0, "fs and gs are 0");

	/* The stack: argc, argv..., NULL, envp..., NULL, auxv pairs. */
	long argc = (long)sp[0];
	char **argv = (char **)(sp + 1);
	int argv_ok = argc >= 1 && argc < 4096 && argv[argc] == 0;
	for (long i = 0; argv_ok && i < argc; i++)
		argv_ok = argv[i] != 0;
	ok(argv_ok, "argc at the stack pointer, then argc non-NULL argv and a NULL");
	if (!ok(argv_ok && ends_with(argv[0], NAME), "argv[0] ends with " NAME))
		put("# (argv[0] wrong or argv unusable)\n");

	char **envp = argv + (argv_ok ? argc + 1 : 0);
	int n = 0;
	while (argv_ok && n < 100000 && envp[n])
		n++;
	int env_ok = argv_ok && envp[n] == 0;
	ok(env_ok, "envp follows argv's NULL and ends with NULL");

	unsigned long *aux = (unsigned long *)(envp + n + 1);
	unsigned long pagesz = 0, entry = 0;
	int m = 0, aux_ok = 0;
	for (; env_ok && m < 128; m++) {
		if (aux[2 * m] == AT_NULL) {
			aux_ok = 1;
			break;
		}
		if (aux[2 * m] == AT_PAGESZ)
			pagesz = aux[2 * m + 1];
		if (aux[2 * m] == AT_ENTRY)
			entry = aux[2 * m + 1];
	}
	ok(aux_ok && pagesz == 4096, "auxv follows envp's NULL, has AT_PAGESZ 4096, ends with AT_NULL");
	eq(entry, (unsigned long)_start, "AT_ENTRY is _start");
	ok(aux_ok && (unsigned long)argv[0] > (unsigned long)&aux[2 * m + 1],
	   "argument strings lie above the auxv");

#ifdef __x86_64__
	unsigned long base = 1;
	sys3(NR_arch_prctl, 0x1003 /* ARCH_GET_FS */, (long)&base, 0);
	eq(base, 0, "FS base is 0");
	base = 1;
	sys3(NR_arch_prctl, 0x1004 /* ARCH_GET_GS */, (long)&base, 0);
	eq(base, 0, "GS base is 0");
#endif
	/* Last, in case the FPU/SSE is unusable: nothing above touches it. */
	unsigned int mxcsr = 0;
	unsigned short fcw = 0;
	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fcw));
	eq(mxcsr, 0x1f80, "MXCSR is 0x1f80");
	eq(fcw, 0x37f, "x87 control word is 0x37f");

	if (count != PLAN)
		put("# plan mismatch\n");
	sys3(NR_exit_group, failed || count != PLAN, 0, 0);
	__builtin_unreachable();
}
