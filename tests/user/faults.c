/*
 * faults: a user program that misbehaves is killed by the right signal.
 *
 * No handlers are installed, so every fault takes the default action and
 * kills the child; the parent sees WIFSIGNALED and the signal number Linux
 * chooses for that exception:
 *   #PF (NULL, unmapped, read-only, kernel page, NX page) -> SIGSEGV
 *   #GP (non-canonical address, privileged insn, bad selector, int n with
 *        a DPL 0 gate)                                   -> SIGSEGV
 *   #UD (ud2)                                            -> SIGILL
 *   #BP (int3)                                           -> SIGTRAP
 *   #DE (divide by zero, INT_MIN / -1)                   -> SIGFPE
 *   #OF (into with OF set, 32-bit only)                  -> SIGSEGV
 * Core dumps are disabled (RLIMIT_CORE = 0) and WCOREDUMP is not looked at.
 * Signals sent with kill() to oneself take their default action too:
 * SIGUSR1/SIGABRT terminate, SIGCHLD/SIGWINCH are ignored.
 *
 * Every access goes through inline asm with the address in a volatile
 * variable, so the compiler cannot replace it with its own trap.
 */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <limits.h>
#include <sys/mman.h>

static volatile unsigned long addr; /* the address a case uses */
static void *unmapped_page;

static void load_from(unsigned long a)
{
	unsigned long v;
	addr = a;
	__asm__ volatile("mov (%1), %0" : "=r"(v) : "r"(addr) : "memory");
}

static void store_to(unsigned long a)
{
	addr = a;
	__asm__ volatile("movb $0xc3, (%0)" : : "r"(addr) : "memory");
}

static void jump_to(unsigned long a)
{
	addr = a;
	__asm__ volatile("call *%0" : : "r"(addr) : "memory", "cc");
}

static int f_null_read(void) { load_from(0); return 0; }
static int f_null_write(void) { store_to(0); return 0; }
static int f_text_write(void) { store_to((unsigned long)&f_null_read); return 0; }
static int f_rodata_write(void) { store_to((unsigned long)"constant"); return 0; }
static int f_jump_null(void) { jump_to(16); return 0; }
static int f_jump_unmapped(void) { jump_to((unsigned long)unmapped_page); return 0; }
static int f_exec_nx(void)
{
	unsigned char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return 2;
	p[0] = 0xc3; /* ret: harmless if the page were executable */
	jump_to((unsigned long)p);
	return 0;
}
static int f_ud2(void) { __asm__ volatile("ud2"); return 0; }
static int f_int3(void) { __asm__ volatile("int3"); return 0; }
static int f_hlt(void) { __asm__ volatile("hlt"); return 0; }
static int f_cli(void) { __asm__ volatile("cli"); return 0; }
static int f_in(void) { __asm__ volatile("inb $0x80, %%al" : : : "eax"); return 0; }
static int f_int81(void) { __asm__ volatile("int $0x81"); return 0; }
static int f_div0(void)
{
	unsigned int a = 1, d = 0, z = 0;
	__asm__ volatile("divl %2" : "+a"(a), "+d"(d) : "r"(z) : "cc");
	return 0;
}
static int f_idiv_overflow(void)
{
	int a = INT_MIN, d = -1, m = -1;
	__asm__ volatile("cltd\n\tidivl %2" : "+a"(a), "+d"(d) : "r"(m) : "cc");
	return 0;
}
static int f_bad_ds(void)
{
	/* GDT index 0x1fff is far past any GDT's limit: #GP on the load. */
	__asm__ volatile("mov %0, %%ds" : : "r"(0xfff8) : "memory");
	return 0;
}
static int f_ldt_ds(void)
{
	/* Selector 7 = LDT entry 0, RPL 3; the task has no LDT. */
	__asm__ volatile("mov %0, %%ds" : : "r"(7) : "memory");
	return 0;
}
static int f_mov_cr0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return 0;
}
#ifdef __x86_64__
static int f_kernel_read(void) { load_from(0xffffffff81000000UL); return 0; }
static int f_direct_map_write(void) { store_to(0xffff888000000000UL); return 0; }
static int f_noncanonical_read(void) { load_from(0x8000000000000000UL); return 0; }
static int f_noncanonical_jump(void) { jump_to(0x0000900000000000UL << 8); return 0; }
#else
static int f_kernel_read(void) { load_from(0xfffff000UL); return 0; }
/* Compat tasks end at 0xffffe000 (TASK_SIZE): nothing user is there.  On
 * a native i386 kernel user space ends at 0xc0000000, where the kernel's
 * direct map (its own image first) begins (kernel32.h). */
static int f_direct_map_write(void) { store_to(user32_end()); return 0; }
static int f_into(void)
{
	/* 0x7f + 1 overflows a signed byte: OF=1, then into raises #OF. */
	__asm__ volatile("mov $0x7f, %%al\n\tadd $1, %%al\n\tinto" : : : "eax", "cc");
	return 0;
}
#endif
static int f_kill_usr1(void) { kill(getpid(), SIGUSR1); return 0; }
static int f_kill_abrt(void) { kill(getpid(), SIGABRT); return 0; }
static int f_kill_segv(void) { kill(getpid(), SIGSEGV); return 0; }
static int f_kill_chld(void) { kill(getpid(), SIGCHLD); return 0; }
static int f_kill_winch(void) { kill(getpid(), SIGWINCH); return 0; }

static const struct fcase {
	const char *what;
	int (*fn)(void);
	int sig;	/* expected WTERMSIG, or 0 for "exits 0" */
} cases[] = {
	{ "read from NULL", f_null_read, SIGSEGV },
	{ "write to NULL", f_null_write, SIGSEGV },
	{ "write to own text", f_text_write, SIGSEGV },
	{ "write to a string literal (.rodata)", f_rodata_write, SIGSEGV },
	{ "call address 16 (NULL page)", f_jump_null, SIGSEGV },
	{ "call an unmapped page", f_jump_unmapped, SIGSEGV },
	{ "execute a PROT_READ|PROT_WRITE page (NX)", f_exec_nx, SIGSEGV },
	{ "ud2", f_ud2, SIGILL },
	{ "int3", f_int3, SIGTRAP },
	{ "hlt", f_hlt, SIGSEGV },
	{ "cli", f_cli, SIGSEGV },
	{ "inb from an I/O port", f_in, SIGSEGV },
	{ "mov from %cr0", f_mov_cr0, SIGSEGV },
	{ "int $0x81 (no user gate)", f_int81, SIGSEGV },
	{ "divide by zero", f_div0, SIGFPE },
	{ "INT_MIN / -1", f_idiv_overflow, SIGFPE },
	{ "load selector 0xfff8 (past the GDT) into %ds", f_bad_ds, SIGSEGV },
	{ "load an LDT selector into %ds without an LDT", f_ldt_ds, SIGSEGV },
#ifdef __x86_64__
	{ "read kernel text address 0xffffffff81000000", f_kernel_read, SIGSEGV },
	{ "write direct-map address 0xffff888000000000", f_direct_map_write, SIGSEGV },
	{ "read non-canonical 0x8000000000000000", f_noncanonical_read, SIGSEGV },
	{ "call non-canonical 0x0090000000000000", f_noncanonical_jump, SIGSEGV },
#else
	{ "read 0xfffff000 (above the 32-bit task size)", f_kernel_read, SIGSEGV },
	{ "write the end of user space (0xffffe000; native i386: 0xc0000000)",
	  f_direct_map_write, SIGSEGV },
	{ "into with OF set", f_into, SIGSEGV },
#endif
	{ "kill(self, SIGUSR1): default action terminates", f_kill_usr1, SIGUSR1 },
	{ "kill(self, SIGABRT): default action terminates", f_kill_abrt, SIGABRT },
	{ "kill(self, SIGSEGV): default action terminates", f_kill_segv, SIGSEGV },
	{ "kill(self, SIGCHLD): ignored by default, child exits 0", f_kill_chld, 0 },
	{ "kill(self, SIGWINCH): ignored by default, child exits 0", f_kill_winch, 0 },
};
#define NCASES ((int)(sizeof(cases) / sizeof(cases[0])))

static int trampoline(void *arg)
{
	const struct fcase *c = arg;
	default_signals(); /* don't inherit an ignored or blocked signal */
	int r = c->fn();
	/* Only reached if nothing killed us. */
	return r == 0 && c->sig ? 100 : r;
}

int main(void)
{
	char buf[64];
	pid_t me = getpid();
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	no_core_dumps();
	unmapped_page = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	munmap(unmapped_page, 4096);

	ktap_plan(NCASES + 1);
	for (int i = 0; i < NCASES; i++) {
		const struct fcase *c = &cases[i];
		int st = run_in_child(trampoline, (void *)c);
		int ok = c->sig ? st != -1 && WIFSIGNALED(st) && WTERMSIG(st) == c->sig
				: st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
		if (c->sig)
			ktap_ok(ok, "%s: killed by signal %d", c->what, c->sig);
		else
			ktap_ok(ok, "%s", c->what);
		if (!ok)
			ktap_diag("child %s", status_str(st, buf, sizeof(buf)));
	}
	/* After all that, this process still works normally and every
	 * child has been reaped (no zombie left behind). */
	int st = run_in_child(trampoline, (void *)&cases[NCASES - 1]);
	ktap_ok(getpid() == me && st != -1 && WIFEXITED(st) &&
		SC(SYS_wait4, -1, &st, WNOHANG, 0) == -ECHILD,
		"parent survives all faulting children, and none is left over");
	return ktap_finish();
}
