/*
 * fuzz_entry - an adversarial fuzzer of the kernel's entry and exit paths.
 *
 *   fuzz_entry [SEED [ROUNDS [FIRST [v]]]]
 *
 * Runs rounds FIRST .. FIRST+ROUNDS-1 of the sequence SEED defines (each
 * round is a pure function of SEED and its number, so one round replays
 * alone); "v" prints each round's description before it runs.  Defaults:
 * seed 1, a short run for `make test`.  FUZZ_KINDS in the environment
 * restricts the entry kinds (see kind_wanted()).  docs/fuzzing.md.
 *
 * Each round starts a child (fork, or vfork where that is safe: spawn())
 * that plants random general registers, RFLAGS
 * bits (TF, NT, AC, DF, RF, IF and IOPL attempts through popf), selectors
 * in DS/ES/FS/GS/SS (null, GDT user and kernel ones, TLS, LDT, every RPL,
 * past the GDT) and a random RSP (unmapped, non-canonical, kernel
 * addresses, page 0), and then enters the kernel in one way:
 *   - a system call: SYSCALL (64-bit code), int $0x80 (both modes), the
 *     vDSO's __kernel_vsyscall, raw SYSENTER and raw compat SYSCALL (with
 *     and without the vDSO's stack frame), optionally in a MOV SS shadow;
 *     the number is harmless (getpid and friends), unknown or huge, or one
 *     of a few with fixed arguments: sigreturn/rt_sigreturn on a random
 *     frame, modify_ldt (rewriting a descriptor in use), tkill(self) (a
 *     signal on the way out), nanosleep hit by a timer (restart);
 *   - an exception: int $N for every N but 0x80, int3, icebp, into, ud2
 *     and privileged instructions (hlt, cli, in, sysret, sysexit, swapgs,
 *     rdmsr);
 *   - a far transfer: lcall/ljmp (m16:16, m16:32, m16:64), lret and iret
 *     (16/32/64-bit) through random selectors and frames;
 * optionally after modify_ldt has installed random descriptors that the
 * round then uses.  A tenth of the rounds are traced: the parent, at the
 * child's syscall and signal stops, checks the registers it sees and
 * rewrites some (PTRACE_SETREGS, PTRACE_POKEUSER: selectors, flags,
 * fs_base/gs_base, orig_ax, anything in the user area) and continues,
 * steps or injects a signal.
 *
 * What is checked - everywhere a register can be seen: after a normal
 * return (all 16 registers, captured in 64-bit mode by both builds), at a
 * signal handler's first instruction, in the handler's ucontext, and in
 * the tracer's GETREGS view:
 *   - no register holds a kernel address (>= 0xffff800000000000, not an
 *     errno value) that the round did not put there itself: a leak;
 *   - after a normal return, the registers the ABI preserves are
 *     preserved (DESIGN.md: only RAX changes, SYSCALL clobbers RCX/R11,
 *     the fast 32-bit paths may zero r8-r15); a mismatch is a "clobber";
 *   - every child ends (one still running after a few seconds is killed
 *     and listed as hung, but that is no failure: user code may loop);
 *   - the kernel still answers (getpid, getppid), every 250 rounds.
 * A child dying of any signal is fine: that is what bad state should get.
 * A kernel panic ends the whole run; tools/fuzz finds the round by its
 * progress lines and replays it.
 *
 * Safety (this also runs as root on the host, `make test-linux`): nothing
 * a child does can reach outside it.  System-call numbers are drawn only
 * from calls without side effects outside the caller; every address a
 * round may jump or return to is the landing pad, fz_after64 (in 64-bit
 * code) or an address with no code (random values that fall into our text
 * or the vDSO are replaced by the pad); a tracer changes registers only
 * while the child is inside the fuzzer's own code and never puts a random
 * number into RAX.  The compat-mode SYSENTER/SYSCALL kinds in a 64-bit
 * task return to a 32-bit vDSO landing pad such a task does not have (on
 * Linux: into its 64-bit vDSO, in compat mode): those run on xentry only.
 *
 * The 32-bit build needs a 64-bit kernel: it plants and captures r8-r15
 * and every upper half in 64-bit mode (fuzz_entry_asm.h).  On a native
 * i386 kernel, which has no 64-bit mode, it SKIPs as a whole (kernel32.h).
 *
 * Reports from children: a child that finds a leak or clobber writes
 * fixed-size records to a pipe and exits with a code saying so; the parent
 * prints them as "# LEAK ..." / "# CLOBBER ..." lines (tools/fuzz reads
 * them) and counts them in the KTAP summary.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include "../../include/uapi/xentry_stats.h"
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <sys/user.h>
#include <time.h>
#include "fuzz_entry_asm.h"

#define DEFAULT_SEED 1
#define DEFAULT_ROUNDS 1000	/* a few seconds on xentry under TCG */
#define PROGRESS_EVERY 250	/* tools/fuzz replays at most this many */
#define MAX_HANDLER_RUNS 64	/* signals one child may take */
#define MAX_TRACE_STOPS 12
#define HANG_TICKS 3		/* watchdog: seconds a child may run */

/* Child exit codes. */
#define EX_OK 0
#define EX_LANDED FZ_LANDED
#define EX_LEAK 2
#define EX_CLOBBER 3
#define EX_SETUP 4
#define EX_HUNG 5
#define EX_SIG(s) (64 + (s))

#define KERNEL_MIN 0xffff800000000000ULL
#define X86_TF 0x100ULL
#define X86_DF 0x400ULL
#define X86_NT 0x4000ULL
#define X86_AC 0x40000ULL
#define X86_RF 0x10000ULL

#ifdef __x86_64__
#define NR_GETPID 39
#define NR_GETPPID 110
#else
#define NR_GETPID 20
#define NR_GETPPID 64
#endif

/* No stack protector in code a child runs after planting: FS/GS (where
 * the canary lives) may point anywhere then. */
#if defined(__has_attribute)
#if __has_attribute(no_stack_protector)
#define CHILD_CODE __attribute__((no_stack_protector))
#endif
#endif
#ifndef CHILD_CODE
#define CHILD_CODE
#endif

static const char *const reg_names[NREGS] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp",
	"r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15",
};

/* ------------------------------------------------------------------ */
/* Random numbers: splitmix64, one stream per round.                   */

static uint64_t rs;

static uint64_t rnd(void)
{
	uint64_t z = (rs += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned rn(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static int chance(unsigned pct)
{
	return rn(100) < pct;
}

#define PICK(a) ((a)[rn(sizeof(a) / sizeof((a)[0]))])

/*
 * Every value a round draws for a register, pointer or frame is also
 * logged here: whichever way it reaches a register (a fault part-way
 * through planting, a sigreturn frame, a tracer's write), it is ours, not
 * a leak.  The child inherits the log with the rest of the round.
 */
#define MAX_DRAWN 2048
static uint64_t drawn[MAX_DRAWN];
static unsigned n_drawn;

static uint64_t keep(uint64_t v)
{
	if (n_drawn < MAX_DRAWN)
		drawn[n_drawn++] = v;
	return v;
}

static void seed_round(uint64_t seed, uint64_t round)
{
	rs = seed * 0xd1342543de82ef95ULL ^ (round + 1) * 0x9e3779b97f4a7c15ULL;
	rnd();
}

/* ------------------------------------------------------------------ */
/* Where things are.                                                   */

extern char __executable_start[], etext[];
static uint64_t vdso_lo, vdso_hi;	/* the vDSO image, if any */
static int on_xentry;
static int altstack_inherited = 1;

/* The round's memory: stacks and frames for IRET, far returns and
 * sigreturn live in the middle of fz_frame, pushes go below FRAME_AT. */
#define FRAME_SIZE 8192
#define FRAME_AT 4096
static uint8_t fz_frame[FRAME_SIZE] __attribute__((aligned(64)));
static uint8_t fz_snap[FRAME_SIZE] __attribute__((aligned(64)));
static uint8_t fz_fpbuf[1024] __attribute__((aligned(64)));	/* random FP state */
static uint8_t fz_ldtbuf[512] __attribute__((aligned(16)));
static uint8_t altstack[32768] __attribute__((aligned(64)));

/* Values a tracer may write (drawn before the fork, so the child knows
 * them as planted). */
#define NTRVALS 16
static uint64_t fz_trvals[NTRVALS], fz_trips[NTRVALS];

static int in_text_or_vdso(uint64_t v)
{
	if (v >= (uintptr_t)__executable_start && v < (uintptr_t)etext)
		return 1;
	return vdso_hi && v >= vdso_lo && v < vdso_hi;
}

/* Every random value goes through this: nothing random may point at
 * code, where a jump or return could run something we did not choose. */
static uint64_t no_code(uint64_t v)
{
#ifndef __x86_64__
	if (in_text_or_vdso((uint32_t)v))
		return (uintptr_t)fz_pad;
#endif
	return in_text_or_vdso(v) ? (uintptr_t)fz_pad : v;
}

static const uint64_t kernel_vals[] = {
	0xffff888000000000ULL, 0xffffffff80000000ULL, 0xffffc90000000000ULL,
	0xffff800000000000ULL, 0xfffffffffffff000ULL, 0xffffffffff600000ULL,
	0xffffffff81000000ULL, 0xfffffe0000000000ULL, 0xffffc90000004000ULL,
};
static const uint64_t noncanon_vals[] = {
	0x0000800000000000ULL, 0x8000000000000000ULL, 0x7fffffffffffffffULL,
	0x0001000000000000ULL, 0xffff7fffffffffffULL, 0xdead000000000000ULL,
};
static const uint64_t edge_vals[] = {
	0, 1, 0x1000, 0xff8, 0x7ffffffff000ULL, 0x7fffffffeff8ULL,
	0x7ffffffffff8ULL, 0xffffe000, 0xfffff000, 0xfffffffc, 0x7fffffff,
	0x80000000, 0xc0000000, 0x10000, 0xffff, 0xf7ff0000,
};

static uint64_t pool_val(void)
{
	uint64_t v;
	/* User pointers aim into fz_frame only: a stray pop or far return
	 * through one reads values we wrote (or a stub's return address, which
	 * leads to the capture), never an old signal frame or C's stack. */
	switch (rn(10)) {
	case 0: v = rn(256); break;
	case 1: v = rnd(); break;
	case 2: v = (uint32_t)rnd(); break;
	case 3: v = PICK(kernel_vals); break;
	case 4: v = PICK(noncanon_vals); break;
	case 5: v = PICK(edge_vals); break;
	case 6: v = -(uint64_t)(1 + rn(4096)); break;
	case 7: v = (uintptr_t)&fz_frame[rn(FRAME_SIZE)] & ~7UL; break;
	case 8: v = 0x5a5a5a5a00000000ULL | rnd() >> 40; break;
	default: v = PICK(kernel_vals) + (uint64_t)rn(1 << 20) * 8; break;
	}
	return keep(no_code(v));
}

/* A pointer argument: ours, or one the kernel must refuse. */
static uint64_t pool_ptr(void *good)
{
	switch (rn(10)) {
	case 0: return 0;
	case 1: return 0x1000;
	case 2: return keep(PICK(kernel_vals));
	case 3: return PICK(noncanon_vals);
	case 4: return (uint64_t)-1;
	case 5: return (uintptr_t)good + 4093;	/* runs off the buffer */
	default: return (uintptr_t)good;
	}
}

/* RFLAGS to plant: arithmetic noise plus the interesting bits. */
static uint64_t gen_flags(void)
{
	uint64_t f = 0x202;
	if (chance(50))
		f |= rnd() & 0x8d5;	/* CF PF AF ZF SF OF */
	if (chance(12))
		f |= X86_TF;
	if (chance(12))
		f |= X86_NT;
	if (chance(12))
		f |= X86_AC;
	if (chance(15))
		f |= X86_DF;
	if (chance(8))
		f |= X86_RF;
	if (chance(8))
		f |= 0x3000;		/* IOPL 3: ignored at CPL 3 */
	if (chance(5))
		f &= ~0x200ULL;		/* IF: ignored */
	if (chance(5))
		f |= rnd() & 0x3a0000;	/* VM VIF VIP ID */
	if (chance(3))
		f |= (uint32_t)rnd();
	return f;
}

/* ------------------------------------------------------------------ */
/* LDT: Linux's struct user_desc, declared here for both ABIs.         */

struct fz_ud {
	uint32_t entry, base, limit;
	uint32_t seg_32bit : 1, contents : 2, read_exec_only : 1,
		limit_in_pages : 1, seg_not_present : 1, useable : 1, lm : 1;
};

#define MAX_LDT_CALLS 4
static struct fz_ud fz_ud[MAX_LDT_CALLS + 1];
static unsigned ldt_entries[MAX_LDT_CALLS];
static unsigned n_ldt_entries;

#ifdef __x86_64__
#define NR_MODIFY_LDT 154
#else
#define NR_MODIFY_LDT 123
#endif

static void gen_ud(struct fz_ud *u, unsigned entry)
{
	/* Bases are 0 or in ranges nothing maps, so a segment with a base
	 * never reaches our own memory or code. */
	static const uint32_t bases[] = { 0, 0, 0, 0x60000000, 0xa0000000,
					  0xfffff000 };
	static const uint32_t limits[] = { 0xfffff, 0xfffff, 0xffff, 0, 0xfff,
					   0x10 };
	memset(u, 0, sizeof(*u));
	u->entry = entry;
	u->contents = rn(4);
	u->base = u->contents >= 2 && chance(70) ? 0 : PICK(bases);
	u->limit = chance(90) ? PICK(limits) : (uint32_t)rnd() & 0xfffff;
	u->seg_32bit = chance(75);
	u->read_exec_only = chance(15);
	u->limit_in_pages = chance(75);
	u->seg_not_present = chance(10);
	u->useable = chance(20);
	u->lm = chance(10);
}

static unsigned ldt_entry_pick(void)
{
	if (chance(85))
		return rn(4);
	if (chance(50))
		return 8191;
	return chance(50) ? 8192 : rn(8192);
}

/* ------------------------------------------------------------------ */
/* Selectors.                                                          */

static uint16_t sel_ldt(void)
{
	unsigned e = n_ldt_entries && chance(80) ? ldt_entries[rn(n_ldt_entries)] : rn(4);
	return (uint16_t)(e << 3 | 4 | (chance(75) ? 3 : rn(4)));
}

static uint16_t sel_any(void)
{
	switch (rn(12)) {
	case 0: return rn(4);				/* null, any RPL */
	case 1:
	case 2: return (uint16_t)(rn(16) << 3 | rn(4));	/* the GDT */
	case 3: return chance(50) ? 0x2b : (chance(50) ? 0x23 : 0x33);
	case 4: return 0x2b;
	case 5: return (uint16_t)((12 + rn(3)) << 3 | (chance(75) ? 3 : rn(4)));	/* TLS */
	case 6:
	case 7: return sel_ldt();
	case 8: return (uint16_t)((16 + rn(8176)) << 3 | rn(4));	/* past the GDT */
	case 9: return (uint16_t)rnd();
	case 10: return (uint16_t)(PICK(((const uint16_t[]){ 0x08, 0x10, 0x18, 0x40 })) | rn(4));
	default: return sel_ldt();
	}
}

/* A code selector for a far transfer or a frame. */
static uint16_t sel_code(void)
{
	switch (rn(8)) {
	case 0:
	case 1: return 0x33;
	case 2:
	case 3: return 0x23;
	case 4: return sel_ldt();
	default: return sel_any();
	}
}

/* Where a far transfer, IRET or sigreturn may go: the pad, the capture
 * (only in 64-bit code, i.e. with CS 0x33), or nowhere at all. */
static uint64_t safe_ip(uint16_t cs, int bits)
{
	uint64_t v;
	switch (rn(9)) {
	case 0:
	case 1:
	case 2: v = (uintptr_t)fz_pad; break;
	case 3:
	case 4: v = cs == 0x33 ? (uintptr_t)fz_after64 : (uintptr_t)fz_pad; break;
	case 5: v = PICK(kernel_vals); break;
	case 6: v = PICK(noncanon_vals); break;
	case 7: v = chance(50) ? 0 : 0x1000; break;
	default: v = chance(50) ? 0x7ffff000 : 0xc0000000; break;
	}
	if (bits == 32)
		v = (uint32_t)v;
	else if (bits == 16)
		v = (uint16_t)v;
	return keep(no_code(v));
}

/* ------------------------------------------------------------------ */
/* The stubs: how each enters, what it needs, what it preserves.       */

enum cls { C_SYS, C_TRAP, C_FAR };
enum abi { A_NONE, A_X64, A_I386 };
enum model {
	M_NONE,		/* leak checks only */
	M_SYS64,	/* SYSCALL: all but RAX, RCX, R11 */
	M_INT80,	/* int $0x80: all but RAX */
	M_FAST32,	/* vDSO fast paths: as int80, r8-r15 may be zeroed */
	M_RESUME,	/* an exception whose handler resumed: everything */
	M_FAR,		/* a far transfer into fz_after64: all but RSP */
};
/* Frame shapes for C_FAR stubs. */
enum far { F_NONE, F_P32, F_P16, F_P64, F_RET32, F_RET16, F_RET64, F_IRET64,
	   F_IRET32, F_IRET16 };

#define S_STACK 1	/* needs a usable stack at RSP */
#define S_FRAMED 2	/* the kernel sees SP 16 bytes lower (vDSO-style pushes) */
#define S_HOSTBAD 4	/* 64-bit build: not on Linux (see the header) */
#define S_NEED_VSYS 8	/* needs AT_SYSINFO */
#define S_NOPTRACE 16

struct stub {
	const char *name;
	char *addr;
	uint8_t bits;		/* 64: 64-bit code; 32: compat mode */
	uint8_t cls, abi, model, far, flags, weight;
};

#define ST(n, bits, cls, abi, model, far, flags, w) \
	{ #n, fzs_##n, bits, cls, abi, model, far, flags, w }
static const struct stub stubs[] = {
	ST(s64_syscall, 64, C_SYS, A_X64, M_SYS64, F_NONE, 0, 30),
	ST(s64_ss_syscall, 64, C_SYS, A_X64, M_SYS64, F_NONE, 0, 6),
	ST(s64_int80, 64, C_SYS, A_I386, M_INT80, F_NONE, 0, 14),
	ST(s64_ss_int80, 64, C_SYS, A_I386, M_INT80, F_NONE, 0, 4),
	ST(s64_sysenter, 64, C_SYS, A_I386, M_NONE, F_NONE, S_HOSTBAD, 4),
	ST(s64_int3, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 3),
	ST(s64_ss_int3, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 2),
	ST(s64_icebp, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 3),
	ST(s64_ss_icebp, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 2),
	ST(s64_into, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_ud2, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_hlt, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_cli, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_in, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_sysret, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_sysretq, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_sysexit, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_swapgs, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_rdmsr, 64, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s64_lcall, 64, C_FAR, A_NONE, M_FAR, F_P32, S_STACK, 4),
	ST(s64_ljmp, 64, C_FAR, A_NONE, M_FAR, F_P32, 0, 3),
	ST(s64_lcallq, 64, C_FAR, A_NONE, M_FAR, F_P64, S_STACK, 2),
	ST(s64_ljmpq, 64, C_FAR, A_NONE, M_FAR, F_P64, 0, 2),
	ST(s64_lcallw, 64, C_FAR, A_NONE, M_FAR, F_P16, S_STACK, 1),
	ST(s64_lret, 64, C_FAR, A_NONE, M_FAR, F_RET32, S_STACK, 3),
	ST(s64_lretq, 64, C_FAR, A_NONE, M_FAR, F_RET64, S_STACK, 3),
	ST(s64_lretw, 64, C_FAR, A_NONE, M_FAR, F_RET16, S_STACK, 1),
	ST(s64_iretq, 64, C_FAR, A_NONE, M_FAR, F_IRET64, S_STACK, 6),
	ST(s64_iretl, 64, C_FAR, A_NONE, M_FAR, F_IRET32, S_STACK, 2),
	ST(s64_iretw, 64, C_FAR, A_NONE, M_FAR, F_IRET16, S_STACK, 1),
	ST(s32_int80, 32, C_SYS, A_I386, M_INT80, F_NONE, 0, 14),
	ST(s32_ss_int80, 32, C_SYS, A_I386, M_INT80, F_NONE, 0, 4),
	ST(s32_vsyscall, 32, C_SYS, A_I386, M_FAST32, F_NONE,
	   S_STACK | S_FRAMED | S_NEED_VSYS, 20),
	ST(s32_sysenter_f, 32, C_SYS, A_I386, M_FAST32, F_NONE,
	   S_STACK | S_FRAMED | S_HOSTBAD, 8),
	ST(s32_ss_sysenter_f, 32, C_SYS, A_I386, M_FAST32, F_NONE,
	   S_STACK | S_FRAMED | S_HOSTBAD, 3),
	ST(s32_sysenter_r, 32, C_SYS, A_I386, M_NONE, F_NONE, S_HOSTBAD, 3),
	ST(s32_syscall_f, 32, C_SYS, A_I386, M_FAST32, F_NONE,
	   S_STACK | S_FRAMED | S_HOSTBAD, 8),
	ST(s32_ss_syscall_f, 32, C_SYS, A_I386, M_FAST32, F_NONE,
	   S_STACK | S_FRAMED | S_HOSTBAD, 3),
	ST(s32_syscall_r, 32, C_SYS, A_I386, M_NONE, F_NONE, S_HOSTBAD, 3),
	ST(s32_int3, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 3),
	ST(s32_ss_int3, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 2),
	ST(s32_icebp, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 3),
	ST(s32_into, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 2),
	ST(s32_ud2, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_hlt, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_cli, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_in, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_sysret, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_sysexit, 32, C_TRAP, A_NONE, M_RESUME, F_NONE, 0, 1),
	ST(s32_lcall, 32, C_FAR, A_NONE, M_FAR, F_P32, S_STACK, 4),
	ST(s32_ljmp, 32, C_FAR, A_NONE, M_FAR, F_P32, 0, 3),
	ST(s32_lcallw, 32, C_FAR, A_NONE, M_FAR, F_P16, S_STACK, 1),
	ST(s32_lret, 32, C_FAR, A_NONE, M_FAR, F_RET32, S_STACK, 3),
	ST(s32_lretw, 32, C_FAR, A_NONE, M_FAR, F_RET16, S_STACK, 1),
	ST(s32_iret, 32, C_FAR, A_NONE, M_FAR, F_IRET32, S_STACK, 5),
	ST(s32_iretw, 32, C_FAR, A_NONE, M_FAR, F_IRET16, S_STACK, 1),
};
#define NSTUBS (int)(sizeof(stubs) / sizeof(stubs[0]))
/* Two more kinds, int $N from each mode; N is drawn per round. */
#define K_INT64 NSTUBS
#define K_INT32 (NSTUBS + 1)
#define NKINDS (NSTUBS + 2)

static const char *kind_name(int k)
{
	if (k == K_INT64)
		return "s64_intN";
	if (k == K_INT32)
		return "s32_intN";
	return stubs[k].name;
}

/*
 * FUZZ_KINDS=name,name...: only these kinds; FUZZ_KINDS=-name,-name...:
 * all but these (to fuzz on past a known bug).  Either way the sequence
 * differs from the unfiltered one, so a replay needs the same setting.
 */
static const char *kinds_filter;

static int kind_wanted(int k)
{
	if (!kinds_filter || !*kinds_filter)
		return 1;
	int exclude = kinds_filter[0] == '-';
	const char *name = kind_name(k), *p = kinds_filter;
	size_t n = strlen(name);
	while (p && *p) {
		if (*p == '-')
			p++;
		if (!strncmp(p, name, n) && (p[n] == ',' || !p[n]))
			return !exclude;
		p = strchr(p, ',');
		if (p)
			p++;
	}
	return exclude;
}

static int stub_usable(int k)
{
	if (!kind_wanted(k))
		return 0;
	if (k >= NSTUBS)
		return 1;
	const struct stub *s = &stubs[k];
	if ((s->flags & S_NEED_VSYS) && !fz_vsys)
		return 0;
#ifdef __x86_64__
	if ((s->flags & S_HOSTBAD) && !on_xentry)
		return 0;
#endif
	return 1;
}

/* ------------------------------------------------------------------ */
/* System-call numbers.                                                */

/* No effect outside the caller, whatever the arguments. */
static const int32_t harmless_x64[] = { 39, 110, 186, 102, 104, 107, 108, 24,
					111, 124, 121, 95 };
static const int32_t harmless_i386[] = { 20, 64, 224, 24, 47, 49, 50, 199, 200,
					 201, 202, 158, 65, 147, 132, 60 };
/* Unknown in both tables (x32's bit set on a harmless number included). */
static const int32_t unknown_nrs[] = { 500, 1000, 0x7fff, 0x7fffffff, -1,
				       (int32_t)0x80000000, -4096, 0x40000000 | 39,
				       0x40000000 | 24, 1023, 511 };
/* Harmless in both tables: a tracer may put these into RAX anywhere. */
static const int32_t harmless_both[] = { 24, 1000, 0x7fff, -1, 0x7fffffff };

enum nrkind { N_HARMLESS, N_UNKNOWN, N_SIGRET, N_SELFSIG, N_LDTW, N_SLEEP };
static const char *const nrkind_names[] = { "harmless", "unknown", "sigreturn",
					    "selfsig", "ldt-write", "sleep" };

/* ------------------------------------------------------------------ */
/* Kernel layouts of the signal frames, for random sigreturn frames and
 * for reading a handler's ucontext.                                   */

struct k_sc64 {
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15, di, si, bp, bx, dx, ax,
		cx, sp, ip, flags;
	uint16_t cs, gs, fs, ss;
	uint64_t err, trapno, oldmask, cr2, fpstate, reserved[8];
};
struct k_uc64 {
	uint64_t flags, link, ss_sp;
	uint32_t ss_flags, pad;
	uint64_t ss_size;
	struct k_sc64 sc;
	uint64_t sigmask;
};
struct k_sc32 {
	uint32_t gs, fs, es, ds, di, si, bp, sp, bx, dx, cx, ax, trapno, err,
		ip, cs, flags, sp_at_signal, ss, fpstate, oldmask, cr2;
};
struct k_uc32 {
	uint32_t flags, link, ss_sp, ss_flags, ss_size;
	struct k_sc32 sc;
	uint32_t sigmask[2];
};
_Static_assert(sizeof(struct k_sc64) == 256, "sigcontext64");
_Static_assert(sizeof(struct k_sc32) == 88, "sigcontext32");

/* The k_sc64 field for each of our register slots. */
static const uint8_t sc64_slot[NREGS] = {
	offsetof(struct k_sc64, ax) / 8, offsetof(struct k_sc64, bx) / 8,
	offsetof(struct k_sc64, cx) / 8, offsetof(struct k_sc64, dx) / 8,
	offsetof(struct k_sc64, si) / 8, offsetof(struct k_sc64, di) / 8,
	offsetof(struct k_sc64, bp) / 8, offsetof(struct k_sc64, sp) / 8,
	0, 1, 2, 3, 4, 5, 6, 7,
};
/* The same for the eight registers of k_sc32. */
static const uint8_t sc32_slot[8] = {
	offsetof(struct k_sc32, ax) / 4, offsetof(struct k_sc32, bx) / 4,
	offsetof(struct k_sc32, cx) / 4, offsetof(struct k_sc32, dx) / 4,
	offsetof(struct k_sc32, si) / 4, offsetof(struct k_sc32, di) / 4,
	offsetof(struct k_sc32, bp) / 4, offsetof(struct k_sc32, sp) / 4,
};

/* ------------------------------------------------------------------ */
/* The round.                                                          */

/* The child's findings (reset for each round: a vfork child shares them). */
static int n_reports, n_leaks, n_clobbers, handler_runs;

/* How a register is compared after a normal return. */
enum cmp { CMP_NO, CMP_LOW32, CMP_FULL, CMP_OR_ZERO, CMP_OR_FLAGS };

static struct round {
	uint64_t idx;
	int kind;		/* stub index, K_INT64 or K_INT32 */
	int intn;
	int nrkind;
	int64_t nr;
	int ptrace;		/* 0, or how to continue from the first stop */
	int timer;
	int n_ldt;
	int ldt_func[MAX_LDT_CALLS];
	uint64_t ldt_ptr[MAX_LDT_CALLS], ldt_bytes[MAX_LDT_CALLS];
	int fp_frame;		/* sigreturn frame with FP state */
	int selfsig_reg;	/* where the child puts its own tid */
	uint64_t expect[NREGS];
	uint8_t cmp[NREGS];
	int cmp_segs;
	uint16_t seg_expect[4];
	uint32_t fast_sp;	/* the SP a fast 32-bit entry hands the kernel */
	int own_mm;		/* needs a real fork (see spawn()) */
} R;

/* The frame-bearing region, snapshotted by the child before planting. */
#define SNAP_LO (FRAME_AT - 1024)
#define SNAP_HI (FRAME_AT + 2048)

/*
 * Would a push at v land in the parent's memory (its image, heap, stack,
 * the vfork child's stack or the alternate stack)?  fz_frame, where the
 * rounds' stacks live, is the exception.  Both the full value and, as
 * compat-mode code uses it, its low half.
 */
static uintptr_t heap_end, stack_mark;
static uint8_t child_stack[65536] __attribute__((aligned(64)));

static int hits_parent1(uint64_t v)
{
	uint64_t lo = (uintptr_t)__executable_start;
	if (v >= (uintptr_t)fz_frame && v < (uintptr_t)fz_frame + FRAME_SIZE + 64)
		return 0;
	if (v >= lo && v < heap_end + 65536)
		return 1;
	return v >= stack_mark - (1 << 20) && v < stack_mark + (1 << 20);
}

static int hits_parent(uint64_t v)
{
	return hits_parent1(v) || hits_parent1((uint32_t)v);
}

static void set_args(const struct stub *s, uint64_t a1, uint64_t a2, uint64_t a3)
{
	if (s->abi == A_X64) {
		fz_in[R_DI] = a1, fz_in[R_SI] = a2, fz_in[R_DX] = a3;
	} else {
		fz_in[R_BX] = a1, fz_in[R_CX] = a2, fz_in[R_DX] = a3;
		/* Compat SYSCALL overwrites ECX: the kernel takes argument 2
		 * from EBP (the vDSO convention; the framed stub copies it). */
		if (s->addr == fzs_s32_syscall_r)
			fz_in[R_BP] = a2;
	}
}

/* A random 64-bit rt_sigreturn frame at f (the ucontext at the SP the
 * kernel sees).  Returns the expected registers if it goes to fz_after64. */
static int gen_frame64(uint8_t *f, int *to_after)
{
	struct k_uc64 uc;
	for (size_t i = 0; i < sizeof(uc) / 8; i++)
		((uint64_t *)&uc)[i] = pool_val();
	uc.flags = chance(60) ? PICK(((const uint64_t[]){ 0, 1, 2, 4, 6, 7 })) : rnd();
	uc.link = pool_val();
	if (chance(85)) {	/* keep our alternate stack usable */
		uc.ss_sp = (uintptr_t)altstack;
		uc.ss_flags = 0;
		uc.ss_size = sizeof(altstack);
	}
	for (int i = 0; i < NREGS; i++)
		((uint64_t *)&uc.sc)[sc64_slot[i]] = pool_val();
	uc.sc.cs = chance(60) ? 0x33 : sel_code();
	uc.sc.ss = chance(60) ? 0x2b : sel_any();
	uc.sc.ip = safe_ip(uc.sc.cs, 64);
	uc.sc.flags = gen_flags();
	int fp = rn(10);
	uc.sc.fpstate = fp < 6 ? 0 : fp < 9 ? (uintptr_t)fz_fpbuf : pool_val();
	uc.sigmask = chance(85) ? 0 : rnd();
	if (fp >= 6)
		for (size_t i = 0; i < sizeof(fz_fpbuf); i++)
			fz_fpbuf[i] = (uint8_t)rnd();
	memcpy(f, &uc, sizeof(uc));
	*to_after = uc.sc.ip == (uintptr_t)fz_after64 && uc.sc.cs == 0x33;
	if (*to_after)
		for (int i = 0; i < NREGS; i++)
			R.expect[i] = ((uint64_t *)&uc.sc)[sc64_slot[i]];
	return fp >= 6;
}

/* A random i386 sigcontext at sc (both frame kinds hold one). */
static void gen_sc32(struct k_sc32 *sc, int *to_after)
{
	for (size_t i = 0; i < sizeof(*sc) / 4; i++)
		((uint32_t *)sc)[i] = (uint32_t)pool_val();
	for (int i = 0; i < 4; i++)	/* gs fs es ds */
		((uint32_t *)sc)[i] = chance(70) ? fz_seg0[3 - i] : sel_any();
	sc->cs = chance(60) ? 0x23 : sel_code();
	sc->ss = chance(60) ? 0x2b : sel_any();
	sc->ip = (uint32_t)safe_ip(sc->cs, 32);
	sc->flags = (uint32_t)gen_flags();
	int fp = rn(10);
	sc->fpstate = fp < 6 ? 0 : fp < 9 ? (uint32_t)(uintptr_t)fz_fpbuf : (uint32_t)pool_val();
	if (fp >= 6)
		for (size_t i = 0; i < sizeof(fz_fpbuf); i++)
			fz_fpbuf[i] = (uint8_t)rnd();
	*to_after = sc->ip == (uint32_t)(uintptr_t)fz_after64 && sc->cs == 0x33;
	if (*to_after)
		for (int i = 0; i < 8; i++)
			R.expect[i] = ((uint32_t *)sc)[sc32_slot[i]];
}

/* Fill the frame a sigreturn through this stub will read; set RSP. */
static void gen_sigreturn(const struct stub *s)
{
	uint8_t *f = &fz_frame[FRAME_AT];
	int to_after = 0;
	uint64_t ksp = (uintptr_t)f;	/* the SP the kernel will see */
	/* Nothing to compare unless the frame returns into fz_after64. */
	for (int i = 0; i < NREGS; i++)
		R.cmp[i] = CMP_NO;
	R.cmp_segs = 0;
	/* Pool words, not random bytes, around the frame: whatever the kernel
	 * or a stray pop reads there is never the address of code. */
	for (int i = -64; i < 1024; i += 8) {
		uint64_t w = pool_val();
		memcpy(f + i, &w, 8);
	}
	if (s->abi == A_X64) {
		R.fp_frame = gen_frame64(f, &to_after);
	} else if (R.nr == 119) {
		/* sigreturn: sigframe_ia32 at SP-8, the sigcontext at SP,
		 * the extra mask word after the unused FP area. */
		gen_sc32((struct k_sc32 *)f, &to_after);
		uint32_t mask = chance(85) ? 0 : (uint32_t)rnd();
		memcpy(f + 88 + 624, &mask, 4);
	} else {
		/* rt_sigreturn: rt_sigframe_ia32 at SP-4, the ucontext at
		 * SP+140 (pretcode, sig, pinfo, puc, 128 bytes of siginfo). */
		struct k_uc32 *uc = (struct k_uc32 *)(f + 140);
		uc->flags = chance(60) ? rn(8) : (uint32_t)rnd();
		uc->link = (uint32_t)pool_val();
		if (chance(85)) {
			uc->ss_sp = (uint32_t)(uintptr_t)altstack;
			uc->ss_flags = 0;
			uc->ss_size = sizeof(altstack);
		}
		gen_sc32(&uc->sc, &to_after);
		uc->sigmask[0] = chance(85) ? 0 : (uint32_t)rnd();
		uc->sigmask[1] = chance(85) ? 0 : (uint32_t)rnd();
	}
	fz_in[R_SP] = ksp + (s->flags & S_FRAMED ? 16 : 0);
	if (s->flags & S_FRAMED)	/* a framed stub makes EBP its SP */
		fz_in[R_BP] = (uint32_t)fz_in[R_BP];
	if (to_after) {
		/* A sigreturn into fz_after64 must restore the frame exactly:
		 * the i386 frame has 32-bit registers (r8-r15 keep ours). */
		for (int i = 0; i < NREGS; i++)
			R.cmp[i] = s->abi == A_X64 ? CMP_FULL : i < 8 ? CMP_LOW32 : CMP_FULL;
		if (s->abi != A_X64)
			for (int i = 8; i < NREGS; i++)
				R.expect[i] = fz_in[i];
	}
}

/* A far pointer, far-return or IRET frame for a C_FAR stub. */
static void gen_far(const struct stub *s)
{
	uint16_t cs = sel_code();
	uint8_t *f = &fz_frame[FRAME_AT];
	uint64_t w[5];
	int bits = s->far == F_P16 || s->far == F_RET16 || s->far == F_IRET16 ? 16 :
		   s->far == F_P64 || s->far == F_RET64 || s->far == F_IRET64 ? 64 : 32;
	uint64_t ip = safe_ip(cs, bits);
	w[0] = ip;
	w[1] = cs | (chance(10) ? rnd() << 16 : 0);	/* junk above the selector */
	w[2] = gen_flags();
	w[3] = chance(70) ? (uintptr_t)&fz_frame[FRAME_AT - 256] : pool_val();
	w[4] = chance(60) ? 0x2b : sel_any();
	switch (s->far) {
	case F_P32:
		fz_p_far.off = (uint32_t)ip;
		fz_p_far.sel = cs;
		break;
	case F_P16:
		fz_p_far16.off = (uint16_t)ip;
		fz_p_far16.sel = cs;
		break;
	case F_P64:
		fz_p_far64.off = ip;
		fz_p_far64.sel = cs;
		break;
	default:
		for (int i = 0; i < 5; i++) {
			if (bits == 64)
				memcpy(f + 8 * i, &w[i], 8);
			else if (bits == 32)
				memcpy(f + 4 * i, &w[i], 4);
			else
				memcpy(f + 2 * i, &w[i], 2);
		}
		fz_in[R_SP] = chance(90) ? (uintptr_t)f : pool_val();
		break;
	}
	/* Landing in fz_after64 changes no register but RSP. */
	for (int i = 0; i < NREGS; i++) {
		R.expect[i] = fz_in[i];
		R.cmp[i] = i == R_SP ? CMP_NO : (i < 8 && (s->bits == 32 || ABI_BITS == 32))
			? CMP_LOW32 : CMP_FULL;
	}
}

static void gen_syscall(const struct stub *s)
{
	int k = rn(100);
	int in_ptrace = R.ptrace != 0;
	if (in_ptrace)	/* a tracer may rewrite arguments: nothing special */
		R.nrkind = k < 70 ? N_HARMLESS : N_UNKNOWN;
	else
		R.nrkind = k < 58 ? N_HARMLESS : k < 78 ? N_UNKNOWN : k < 88 ? N_SIGRET
			 : k < 93 ? N_SELFSIG : k < 98 ? N_LDTW : N_SLEEP;
	int x64 = s->abi == A_X64;
	switch (R.nrkind) {
	case N_HARMLESS:
		R.nr = x64 ? PICK(harmless_x64) : PICK(harmless_i386);
		break;
	case N_UNKNOWN:
		R.nr = PICK(unknown_nrs);
		break;
	case N_SIGRET:
		R.nr = x64 ? 15 : (chance(50) ? 119 : 173);
		break;
	case N_SELFSIG:
		R.nr = x64 ? 200 : 238;		/* tkill(own tid, SIGUSR1) */
		set_args(s, 0, SIGUSR1, 0);
		R.selfsig_reg = x64 ? R_DI : R_BX;
		break;
	case N_LDTW: {
		/* Rewrite a descriptor, often one a segment register holds. */
		unsigned e = n_ldt_entries && chance(70) ? ldt_entries[rn(n_ldt_entries)]
							 : ldt_entry_pick();
		struct fz_ud *u = &fz_ud[MAX_LDT_CALLS];
		gen_ud(u, e);
		if (chance(50)) {	/* Linux's "empty" descriptor */
			memset(u, 0, sizeof(*u));
			u->entry = e;
			u->read_exec_only = 1;
			u->seg_not_present = 1;
		}
		R.nr = NR_MODIFY_LDT;
		set_args(s, chance(50) ? 1 : 0x11, pool_ptr(u), chance(90) ? 16 : rn(32));
		R.cmp_segs = 0;	/* a reload may legitimately null them */
		break;
	}
	case N_SLEEP: {
		static const uint64_t ts64[2] = { 0, 5 * 1000 * 1000 };
		static const uint32_t ts32[2] = { 0, 5 * 1000 * 1000 };
		R.nr = x64 ? 35 : 162;
		R.timer = 1;
		set_args(s, x64 ? (uintptr_t)ts64 : (uintptr_t)ts32,
			 chance(50) ? 0 : (uintptr_t)fz_ldtbuf, 0);
		break;
	}
	}
	uint64_t nr = (uint32_t)R.nr;
	/* Above bit 31 only for 64-bit SYSCALL (which must ignore it, Linux
	 * >= 5.14) and int $0x80 from 64-bit code (which uses EAX). */
	if (s->bits == 64 && chance(30))
		nr |= rnd() << 32;
	else if (s->bits == 64 && R.nr < 0 && chance(50))
		nr = (uint64_t)R.nr;
	fz_in[R_AX] = nr;
	if (R.nrkind == N_SIGRET)
		gen_sigreturn(s);
}

/* The comparison rules for a stub's normal return. */
static void set_model(const struct stub *s)
{
	for (int i = 0; i < NREGS; i++) {
		R.expect[i] = fz_in[i];
		R.cmp[i] = CMP_NO;
	}
	if (R.ptrace || R.nrkind == N_SIGRET)
		return;
	int model = s ? s->model : M_RESUME;
	int bits = s ? s->bits : (R.kind == K_INT64 ? 64 : 32);
	int low = bits == 32 || ABI_BITS == 32;	/* compat mode: 32-bit registers */
	switch (model) {
	case M_SYS64:
		for (int i = 1; i < NREGS; i++)
			R.cmp[i] = i == R_CX || i == R_11 ? CMP_NO : i < 8 && low ? CMP_LOW32 : CMP_FULL;
		break;
	case M_INT80:
	case M_FAST32:
	case M_RESUME:
		for (int i = model == M_RESUME ? 0 : 1; i < NREGS; i++)
			R.cmp[i] = i < 8 && low ? CMP_LOW32 : CMP_FULL;
		if (model == M_FAST32) {
			for (int i = R_8; i < NREGS; i++)
				R.cmp[i] = i == R_11 ? CMP_OR_FLAGS : CMP_OR_ZERO;
			R.fast_sp = (uint32_t)fz_in[R_SP] - 16;
			/* SYSENTER and SYSCALL do not save SS and SYSRETL loads
			 * the flat one: after pushes through another SS, the
			 * landing pad pops ECX/EDX/EBP (and its return address)
			 * from elsewhere, on Linux too. */
			if (fz_seg[4] != fz_seg0[4])
				R.cmp[R_CX] = R.cmp[R_DX] = R.cmp[R_BP] = R.cmp[R_SP] = CMP_NO;
		}
		break;
	default:
		return;
	}
	R.cmp_segs = 1;
	for (int i = 0; i < 4; i++)
		R.seg_expect[i] = fz_segmask & (1u << i) ? fz_seg[i] : fz_seg0[i];
}

static int pick_kind(int for_ptrace)
{
	static int total = -1, total_pt;
	if (total < 0) {
		total = total_pt = 0;
		for (int k = 0; k < NSTUBS; k++)
			if (stub_usable(k)) {
				total += stubs[k].weight;
				if (stubs[k].cls != C_FAR && !(stubs[k].flags & S_NOPTRACE))
					total_pt += stubs[k].weight;
			}
		for (int k = K_INT64; k <= K_INT32; k++)	/* the int $N kinds */
			if (stub_usable(k)) {
				total += 5;
				total_pt += 5;
			}
	}
	if (for_ptrace && !total_pt)
		return -1;	/* FUZZ_KINDS left nothing a tracer may drive */
	int r = (int)rn((unsigned)(for_ptrace ? total_pt : total));
	for (int k = 0; k < NSTUBS; k++) {
		if (!stub_usable(k) || (for_ptrace && (stubs[k].cls == C_FAR ||
						     (stubs[k].flags & S_NOPTRACE))))
			continue;
		if (r < stubs[k].weight)
			return k;
		r -= stubs[k].weight;
	}
	return r < 5 && stub_usable(K_INT64) ? K_INT64 : K_INT32;
}

static void gen_round(uint64_t seed, uint64_t idx)
{
	seed_round(seed, idx);
	memset(&R, 0, sizeof(R));
	R.idx = idx;
	n_ldt_entries = 0;
	n_drawn = 0;
	n_reports = n_leaks = n_clobbers = handler_runs = 0;

	R.ptrace = chance(10) ? 1 + rn(3) : 0;

	/* LDT descriptors first: the selectors below may use them. */
	if (chance(25)) {
		R.n_ldt = 1 + rn(MAX_LDT_CALLS - 1);
		for (int i = 0; i < R.n_ldt; i++) {
			unsigned e = ldt_entry_pick();
			gen_ud(&fz_ud[i], e);
			int f = rn(20);
			R.ldt_func[i] = f < 14 ? 1 : f < 18 ? 0x11 : f < 19 ? 0 : 2;
			R.ldt_bytes[i] = chance(85) ? 16 : chance(50) ? rn(32) : pool_val();
			if (R.ldt_func[i] == 0 || R.ldt_func[i] == 2) {
				R.ldt_ptr[i] = pool_ptr(fz_ldtbuf);
				R.ldt_bytes[i] = rn(sizeof(fz_ldtbuf) + 1);
			} else {
				R.ldt_ptr[i] = chance(92) ? (uintptr_t)&fz_ud[i] : pool_ptr(&fz_ud[i]);
				if (e < 8192)
					ldt_entries[n_ldt_entries++] = e;
			}
		}
	}

	for (int i = 0; i < NREGS; i++) {
		fz_in[i] = pool_val();
		if (ABI_BITS == 32 && i < 8)
			fz_in[i] = (uint32_t)fz_in[i];
	}
	fz_flags_in = gen_flags();
	fz_segmask = 0;
	for (int i = 0; i < 4; i++) {
		fz_seg[i] = fz_seg0[i];
		if (chance(n_ldt_entries ? 25 : 12)) {
			fz_segmask |= 1u << i;
			fz_seg[i] = n_ldt_entries && chance(50) ? sel_ldt() : sel_any();
		}
	}
	fz_seg[4] = fz_seg0[4];
	if (chance(n_ldt_entries ? 25 : 8))
		fz_seg[4] = n_ldt_entries && chance(60) ? sel_ldt() : sel_any();

	R.kind = pick_kind(R.ptrace);
	if (R.kind < 0) {
		R.ptrace = 0;
		R.kind = pick_kind(0);
	}
	const struct stub *s = R.kind < NSTUBS ? &stubs[R.kind] : NULL;
	char *target;
	int bits;
	if (s) {
		target = s->addr;
		bits = s->bits;
	} else {
		do
			R.intn = rn(256);
		while (R.intn == 0x80);
		bits = R.kind == K_INT64 ? 64 : 32;
		target = bits == 64 ? fzs_int64_tab + FZ_INT64_STRIDE * R.intn
				    : fzs_int32_tab + FZ_INT32_STRIDE * R.intn;
	}
	fz_p_target.off = (uint32_t)(uintptr_t)target;
	fz_p_target.sel = bits == 64 ? 0x33 : 0x23;

	/* A usable stack for the stubs that push, often for the rest. */
	if ((s && (s->flags & S_STACK) && chance(85)) || chance(40)) {
		fz_in[R_SP] = (uintptr_t)&fz_frame[FRAME_AT - 8 * rn(16)];
		if (chance(10))
			fz_in[R_SP] -= 1 + rn(7);	/* misaligned */
	}
	if (s && (s->flags & S_FRAMED))
		fz_in[R_BP] = (uint32_t)fz_in[R_BP];

	set_model(s);
	if (s && s->cls == C_SYS)
		gen_syscall(s);
	else if (s && s->cls == C_FAR)
		gen_far(s);
	/* QEMU 7.2's TCG makes the stack accesses of a far CALL, far RET and
	 * IRET as supervisor accesses (tools/xrun: why SMAP is off), so from
	 * 64-bit code with a kernel RSP they would read and write kernel
	 * memory: a VMM bug, not the kernel's.  Those stubs get no such RSP
	 * (R_SP is not compared after them). */
	if (s && s->cls == C_FAR && s->bits == 64 && (s->flags & S_STACK) &&
	    fz_in[R_SP] >= KERNEL_MIN)
		fz_in[R_SP] = keep(PICK(noncanon_vals));
	if (s && s->cls == C_SYS && R.nrkind != N_SIGRET) {
		set_model(s);	/* again: the arguments changed fz_in */
		if (R.nrkind == N_LDTW)
			R.cmp_segs = 0;
	}

	R.own_mm = R.ptrace || R.n_ldt || R.timer || R.nrkind == N_LDTW ||
		   R.nrkind == N_SIGRET || fz_seg[4] != fz_seg0[4];
	/* A vfork child shares our memory: its pushes must not land in it.
	 * (A non-flat SS - an LDT or TLS segment, whose base is e.g. glibc's
	 * thread block - already made this a fork round.) */
	if (!R.own_mm && s && (s->flags & S_STACK) && hits_parent(fz_in[R_SP])) {
		fz_in[R_SP] = 0x1000;	/* no random draw: the sequence stays */
		R.expect[R_SP] = fz_in[R_SP];
	}
	for (int i = 0; i < NTRVALS; i++) {
		fz_trvals[i] = pool_val();
		fz_trips[i] = safe_ip(0, ABI_BITS);
		if (fz_trips[i] == (uintptr_t)fz_after64)
			fz_trips[i] = (uintptr_t)fz_pad;
	}
	/* What the frames held before the round: values the kernel may
	 * legitimately load from them (the child may push over them). */
	memcpy(fz_snap + SNAP_LO, fz_frame + SNAP_LO, SNAP_HI - SNAP_LO);
}

static void describe_round(void)
{
	char buf[400];
	int n = snprintf(buf, sizeof(buf), "round %llu: %s", (unsigned long long)R.idx,
			 kind_name(R.kind));
	if (R.kind >= NSTUBS)
		n += snprintf(buf + n, sizeof(buf) - n, " N=%#x", R.intn);
	if (R.kind < NSTUBS && stubs[R.kind].cls == C_SYS)
		n += snprintf(buf + n, sizeof(buf) - n, " nr=%s:%#llx", nrkind_names[R.nrkind],
			      (unsigned long long)fz_in[R_AX]);
	n += snprintf(buf + n, sizeof(buf) - n, " flags=%#llx sp=%#llx",
		      (unsigned long long)fz_flags_in, (unsigned long long)fz_in[R_SP]);
	for (int i = 0; i < 4; i++)
		if (fz_segmask & (1u << i))
			n += snprintf(buf + n, sizeof(buf) - n, " %s=%#x", (const char *[]){
				"ds", "es", "fs", "gs" }[i], fz_seg[i]);
	if (fz_seg[4] != fz_seg0[4])
		n += snprintf(buf + n, sizeof(buf) - n, " ss=%#x", fz_seg[4]);
	if (R.kind < NSTUBS && stubs[R.kind].cls == C_FAR) {
		const struct stub *st = &stubs[R.kind];
		if (st->far == F_P32)
			n += snprintf(buf + n, sizeof(buf) - n, " to=%#x:%#x", fz_p_far.sel,
				      fz_p_far.off);
		else if (st->far == F_P16)
			n += snprintf(buf + n, sizeof(buf) - n, " to=%#x:%#x", fz_p_far16.sel,
				      fz_p_far16.off);
		else if (st->far == F_P64)
			n += snprintf(buf + n, sizeof(buf) - n, " to=%#x:%#llx", fz_p_far64.sel,
				      (unsigned long long)fz_p_far64.off);
		else
			n += snprintf(buf + n, sizeof(buf) - n, " frame=%#llx,%#llx,%#llx",
				      (unsigned long long)((uint64_t *)&fz_frame[FRAME_AT])[0],
				      (unsigned long long)((uint64_t *)&fz_frame[FRAME_AT])[1],
				      (unsigned long long)((uint64_t *)&fz_frame[FRAME_AT])[2]);
	}
	if (R.n_ldt)
		n += snprintf(buf + n, sizeof(buf) - n, " ldt=%d", R.n_ldt);
	if (R.ptrace)
		n += snprintf(buf + n, sizeof(buf) - n, " ptrace=%d", R.ptrace);
	ktap_diag("%s", buf);
}

/* ------------------------------------------------------------------ */
/* The child.                                                          */

struct report {
	uint32_t magic, round_lo;
	uint8_t kind, where, reg, what;
	uint32_t pad;
	uint64_t value, expected;
};
#define REPORT_MAGIC 0x7a46657a
enum where { W_AFTER, W_HANDLER, W_UCONTEXT, W_PTRACE, W_SEG };
static const char *const where_names[] = { "after-return", "handler-entry",
					   "ucontext", "ptrace-view", "selector" };
#define MAX_REPORTS 4

static int fz_is_child;
static long fz_parent_pid;
static int report_fd = -1;
static struct report reports[MAX_REPORTS];

/* v is one of ours if it equals a planted value outside its low 16 bits:
 * code in a 16-bit segment (a far transfer may land in one) writes only
 * AX, BX..., leaving the rest of a planted kernel-looking value in place. */
CHILD_CODE static int same_above_16(uint64_t a, uint64_t b)
{
	return (a ^ b) < 0x10000;
}

CHILD_CODE static int planted(uint64_t v)
{
	for (int i = 0; i < NREGS; i++)
		if (same_above_16(fz_in[i], v))
			return 1;
	for (unsigned i = 0; i < n_drawn; i++)
		if (same_above_16(drawn[i], v))
			return 1;
	for (int i = SNAP_LO; i + 8 <= SNAP_HI; i += 4) {
		uint64_t w;
		memcpy(&w, &fz_snap[i], 8);
		if (same_above_16(w, v))
			return 1;
	}
	return 0;
}

/* RSP a few pushes or pops away from a planted value is still ours. */
CHILD_CODE static int near_planted(uint64_t v)
{
	for (int d = -64; d <= 64; d += 2)
		if (planted(v + (uint64_t)(int64_t)d))
			return 1;
	return 0;
}

/* A kernel address the round did not plant (errno values excepted).
 * Linux's espfix64 stacks (returns to 16-bit SS) are public by design. */
CHILD_CODE static int is_leak(uint64_t v, int reg)
{
	if (v < KERNEL_MIN || v >= (uint64_t)-4095)
		return 0;
	if (reg == R_SP && v >= 0xffffff0000000000ULL && v < 0xffffff8000000000ULL)
		return 0;
	return reg == R_SP ? !near_planted(v) : !planted(v);
}

CHILD_CODE static void add_report(int where, int reg, int what, uint64_t v, uint64_t want)
{
	if (what == EX_LEAK)
		n_leaks++;
	else
		n_clobbers++;
	if (n_reports < MAX_REPORTS)
		reports[n_reports++] = (struct report){
			REPORT_MAGIC, (uint32_t)R.idx, (uint8_t)R.kind, (uint8_t)where,
			(uint8_t)reg, (uint8_t)what, 0, v, want };
}

CHILD_CODE static void check_leaks(const uint64_t *regs, int where)
{
	for (int i = 0; i < NREGS; i++)
		if (is_leak(regs[i], i))
			add_report(where, i, EX_LEAK, regs[i], 0);
}

__attribute__((noreturn)) CHILD_CODE static void finish(int code)
{
	if (n_leaks)
		code = EX_LEAK;
	else if (n_clobbers)
		code = EX_CLOBBER;
	if (n_reports && report_fd >= 0)
		raw_syscall(SYS_write, report_fd, (long)reports,
			    (long)(n_reports * sizeof(reports[0])), 0, 0, 0);
	for (;;)
		raw_syscall(SYS_exit_group, code, 0, 0, 0, 0, 0);
}

static int in_window(uint64_t ip)
{
	if (ip >= (uintptr_t)fz_armed && ip < (uintptr_t)fz_stubs_end)
		return 1;
	return vdso_hi && ip >= vdso_lo && ip < vdso_hi;
}

static void parent_tick(void);

/*
 * The C half of every handler (fz_hstub comes first).  Leak checks on
 * what the kernel handed over; then a TF trap or an asynchronous signal
 * resumes (stepping stops once the entry is behind us), anything else
 * ends the child with the signal in its exit code.
 */
__attribute__((used)) CHILD_CODE void fz_handler(int sig, siginfo_t *si, void *ucv)
{
	/* Not fz_is_child alone: a vfork child sets it in our memory, and
	 * the parent's pending tick arrives as soon as the child is gone. */
	if (!fz_is_child || raw_syscall(NR_GETPID, 0, 0, 0, 0, 0, 0) == fz_parent_pid) {
		/* The parent takes only its watchdog tick; a fault there is
		 * our bug: let it kill us with the default action, once. */
		if (sig == SIGALRM)
			parent_tick();
		else
			signal(sig, SIG_DFL);
		return;
	}
	check_leaks(fz_hin, W_HANDLER);
	uint64_t ip, *flags;
#ifdef __x86_64__
	struct k_uc64 *uc = ucv;
	uint64_t v[NREGS];
	for (int i = 0; i < NREGS; i++)
		v[i] = ((uint64_t *)&uc->sc)[sc64_slot[i]];
	check_leaks(v, W_UCONTEXT);
	if (is_leak(uc->sc.ip, R_AX))
		add_report(W_UCONTEXT, 16, EX_LEAK, uc->sc.ip, 0);
	ip = uc->sc.ip;
	flags = &uc->sc.flags;
#else
	/* An i386 ucontext holds 32-bit values only: nothing to see. */
	struct k_uc32 *uc = ucv;
	uint64_t flags64 = uc->sc.flags;
	ip = uc->sc.ip;
	flags = &flags64;
#endif
	if (n_leaks || ++handler_runs > MAX_HANDLER_RUNS)
		finish(EX_SIG(sig));
	if (sig == SIGTRAP) {
		if (!in_window(ip))
			*flags &= ~X86_TF;
#ifndef __x86_64__
		uc->sc.flags = (uint32_t)*flags;
#endif
		return;
	}
	if (sig == SIGALRM && !R.timer)
		finish(EX_HUNG);	/* our own alarm: see child_run() */
	if (sig == SIGUSR1 || sig == SIGALRM)
		return;
	finish(EX_SIG(sig));
}

/* After a normal return from the round: leaks, then the ABI's promises. */
CHILD_CODE static void check_after(void)
{
	check_leaks(fz_out, W_AFTER);
	for (int i = 0; i < NREGS; i++) {
		uint64_t got = fz_out[i], want = R.expect[i];
		int ok;
		switch (R.cmp[i]) {
		case CMP_LOW32: ok = (uint32_t)got == (uint32_t)want; break;
		case CMP_FULL: ok = got == want; break;
		/* Linux's compat SYSCALL entry stashes the user's ESP in r8
		 * and leaves it there: a user value, allowed. */
		case CMP_OR_ZERO: ok = got == want || got == 0 || (i == R_8 && got == R.fast_sp); break;
		case CMP_OR_FLAGS: ok = got == want || got == 0 || got < 0x400000; break;
		default: ok = 1; break;
		}
		if (!ok)
			add_report(W_AFTER, i, EX_CLOBBER, got, want);
	}
	/* A null selector with RPL 1-3 may come back as plain 0: IRET to
	 * ring 3 nulls a data segment register whose (null) descriptor has
	 * DPL < 3, as hardware does.  An i386 sigreturn (after any handled
	 * signal: TF, int3) reloads each selector with RPL 3, as Linux's
	 * reload_segments() does. */
	if (R.cmp_segs)
		for (int i = 0; i < 4; i++)
			if (fz_seg_out[i] != R.seg_expect[i] &&
			    !((R.seg_expect[i] & 0xfffc) == 0 && fz_seg_out[i] == 0) &&
			    !(ABI_BITS == 32 && handler_runs && fz_seg_out[i] == (R.seg_expect[i] | 3)))
				add_report(W_SEG, i, EX_CLOBBER, fz_seg_out[i], R.seg_expect[i]);
}

/* SIGALRM blocked (how = 0) or unblocked (1), with one raw call. */
CHILD_CODE static void alarm_mask(int how)
{
	uint64_t set = 1ULL << (SIGALRM - 1);
	raw_syscall(SYS_rt_sigprocmask, how, (long)&set, 0, 8, 0, 0);
}

CHILD_CODE __attribute__((noreturn)) static void child_run(void)
{
	fz_is_child = 1;
	alarm_mask(1);	/* the parent keeps it blocked: see spawn() */
	if (!R.own_mm) {
		/* A vfork child: the parent sleeps until we exit and cannot
		 * watch us, so we carry our own alarm (fz_handler ends us). */
		struct itimerval it = { { 0, 0 }, { HANG_TICKS, 0 } };
		raw_syscall(SYS_setitimer, ITIMER_REAL, (long)&it, 0, 0, 0, 0);
	}
	if (!altstack_inherited) {
		stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
		raw_syscall(SYS_sigaltstack, (long)&ss, 0, 0, 0, 0, 0);
	}
	if (R.ptrace) {
		if (raw_syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0, 0, 0) < 0)
			finish(EX_SETUP);
		raw_syscall(SYS_kill, raw_syscall(NR_GETPID, 0, 0, 0, 0, 0, 0), SIGSTOP, 0, 0, 0, 0);
	}
	for (int i = 0; i < R.n_ldt; i++)
		raw_syscall(NR_MODIFY_LDT, R.ldt_func[i], (long)R.ldt_ptr[i], (long)R.ldt_bytes[i],
			    0, 0, 0);
	if (R.selfsig_reg)
		fz_in[R.selfsig_reg] = R.expect[R.selfsig_reg] =
			(uint64_t)raw_syscall(SYS_gettid, 0, 0, 0, 0, 0, 0);
	if (R.timer) {
		struct itimerval it = { { 0, 0 }, { 0, 1000 + (long)(R.idx % 3000) } };
		raw_syscall(SYS_setitimer, ITIMER_REAL, (long)&it, 0, 0, 0, 0);
	}
	fz_go();
	check_after();
	finish(EX_OK);
}

/* ------------------------------------------------------------------ */
/* Starting a round's child.                                           */

/*
 * Most rounds run in a vfork child: clone(CLONE_VM | CLONE_VFORK), on a
 * stack of its own.  A fork, even copy-on-write, copies the page tables
 * and then every page either side writes, several times a round's cost; a
 * vfork child shares our memory instead, which is harmless here because
 * the parent sleeps until it exits and writes every input afresh for the
 * next round.  What a child could leave behind in the shared address
 * space is the LDT (per mm): rounds that write it get a real fork, as do
 * traced rounds (a vfork parent cannot trace), rounds whose sigreturn
 * frame may block the child's own alarm, rounds that arm a timer, and
 * rounds with another SS, whose base (an LDT or TLS segment's) would put
 * the child's pushes into our memory (gen_round() keeps the other rounds'
 * stack pointers out of it too).
 *
 * The parent keeps its watchdog's SIGALRM blocked except while it waits
 * for a forked child.  Older xentry kernels hung when a vfork parent got
 * a signal while it waited (fixed: the wait is killable only, as Linux's;
 * tests/user/vfork_signal); the blocking keeps vfork rounds independent
 * of the watchdog's timing anyway.
 */
__attribute__((used, noreturn)) CHILD_CODE void fz_vfork_child(void)
{
	child_run();
}

static long spawn(void)
{
	long pid;
	if (R.own_mm)
		pid = raw_syscall(SYS_fork, 0, 0, 0, 0, 0, 0);
	else
		pid = fz_vfork(child_stack + sizeof(child_stack) - 64);
	if (pid == 0)
		child_run();
	fz_is_child = 0;	/* a vfork child set it in our memory */
	return pid;
}

/* ------------------------------------------------------------------ */
/* The parent: watchdog, tracer, bookkeeping.                          */

static volatile pid_t wd_pid;
static volatile uint64_t wd_round, wd_seen;
static volatile int wd_ticks, wd_kills;

/* SIGALRM, every second: a child still on the same round after
 * HANG_TICKS ticks is killed. */
static void parent_tick(void)
{
	if (!wd_pid)
		return;
	if (wd_seen != wd_round) {
		wd_seen = wd_round;
		wd_ticks = 0;
		return;
	}
	if (++wd_ticks == HANG_TICKS) {
		raw_syscall(SYS_kill, wd_pid, SIGKILL, 0, 0, 0, 0);
		wd_kills++;
	}
}

static long xwait(pid_t pid, int *status)
{
	long r;
	do
		r = raw_syscall(SYS_wait4, pid, (long)status, __WALL, 0, 0, 0);
	while (r == -EINTR);
	return r;
}

#ifdef __x86_64__
typedef uint64_t ureg;
enum { U_R15, U_R14, U_R13, U_R12, U_RBP, U_RBX, U_R11, U_R10, U_R9, U_R8, U_AX,
       U_CX, U_DX, U_SI, U_DI, U_ORIG_AX, U_IP, U_CS, U_FLAGS, U_SP, U_SS,
       U_FS_BASE, U_GS_BASE, U_DS, U_ES, U_FS, U_GS, U_N };
#define U_GPRS_LIST U_R15, U_R14, U_R13, U_R12, U_RBP, U_RBX, U_R11, U_R10, \
	U_R9, U_R8, U_CX, U_DX, U_SI, U_DI
#else
typedef uint32_t ureg;
enum { U_BX, U_CX, U_DX, U_SI, U_DI, U_BP, U_AX, U_DS, U_ES, U_FS, U_GS,
       U_ORIG_AX, U_IP, U_CS, U_FLAGS, U_SP, U_SS, U_N };
#define U_GPRS_LIST U_BX, U_CX, U_DX, U_SI, U_DI, U_BP
#endif
static const int u_gprs[] = { U_GPRS_LIST };
#define USER_SIZE sizeof(struct user)
#define DEBUGREG_OFF offsetof(struct user, u_debugreg)

static long xptrace(long req, pid_t pid, long addr, long data)
{
	return raw_syscall(SYS_ptrace, req, pid, addr, data, 0, 0);
}

static uint64_t n_trace_stops, n_trace_writes;
static uint64_t n_ptrace_leaks;

/* Print a tracer-side leak the way children report theirs. */
__attribute__((unused)) static void ptrace_leak(int slot, uint64_t v)
{
	n_ptrace_leaks++;
	ktap_diag("LEAK round=%llu kind=%s where=%s reg=u%d value=%#llx",
		  (unsigned long long)R.idx, kind_name(R.kind), where_names[W_PTRACE], slot,
		  (unsigned long long)v);
}

/* Rewrite some of a stopped child's registers (only inside our code). */
static void tracer_modify(pid_t pid, ureg *u)
{
	int nmods = 1 + rn(3);
	int ip_changed = 0;
	for (int m = 0; m < nmods; m++) {
		int f = rn(12);
		switch (f) {
		case 0:
		case 1:
			u[u_gprs[rn(sizeof(u_gprs) / sizeof(u_gprs[0]))]] =
				(ureg)fz_trvals[rn(NTRVALS)];
			break;
		case 2:
			u[U_IP] = (ureg)fz_trips[rn(NTRVALS)];
			ip_changed = 1;
			break;
		case 3:
			if (ip_changed)	/* a new CS only with a new, safe IP */
				u[U_CS] = sel_code();
			break;
		case 4: u[U_SS] = sel_any(); break;
		case 5: u[U_FLAGS] = (ureg)gen_flags(); break;
		case 6: u[U_SP] = (ureg)fz_trvals[rn(NTRVALS)]; break;
		case 7: u[U_DS + rn(4)] = sel_any(); break;
		case 8: u[U_ORIG_AX] = (ureg)(int64_t)PICK(harmless_both); break;
		case 9: u[U_AX] = (ureg)(int64_t)PICK(harmless_both); break;
#ifdef __x86_64__
		case 10: u[chance(50) ? U_FS_BASE : U_GS_BASE] = fz_trvals[rn(NTRVALS)]; break;
#endif
		default: {
			/* One word anywhere in the user area but RAX/orig_ax
			 * (never a random system-call number), or a debug
			 * register. */
			long off;
			do
				off = chance(50) ? (long)(rn(USER_SIZE) & ~(sizeof(ureg) - 1))
						 : (long)(DEBUGREG_OFF + sizeof(ureg) * rn(8));
			while (off == (long)(U_AX * sizeof(ureg)) ||
			       off == (long)(U_ORIG_AX * sizeof(ureg)) ||
			       off == (long)(U_IP * sizeof(ureg)));
			ureg v = chance(70) ? (ureg)fz_trvals[rn(NTRVALS)] : (ureg)rnd();
			xptrace(PTRACE_POKEUSER, pid, off, (long)v);
			n_trace_writes++;
			break;
		}
		}
	}
	if (chance(70)) {
		xptrace(PTRACE_SETREGS, pid, 0, (long)u);
	} else {
		/* The same through single-word writes, in a random order:
		 * each goes through its own validation. */
		for (int k = 0; k < U_N; k++) {
			int i = rn(U_N);
			if (i == U_AX || i == U_ORIG_AX)
				continue;	/* SETREGS above, or never */
			if (i == U_IP && !ip_changed)
				continue;
			if (i == U_CS && !ip_changed)
				continue;
			xptrace(PTRACE_POKEUSER, pid, (long)(i * sizeof(ureg)), (long)u[i]);
		}
	}
	n_trace_writes++;
}

/* Trace one child to its end; returns its wait status. */
static int trace_child(pid_t pid)
{
	int status = 0;
	static const long conts[] = { PTRACE_SYSCALL, PTRACE_CONT, PTRACE_SINGLESTEP };
	if (xwait(pid, &status) != pid)
		return -1;
	if (!WIFSTOPPED(status))
		return status;
	xptrace(PTRACE_SETOPTIONS, pid, 0, 1 /* TRACESYSGOOD */ | 0x100000 /* EXITKILL */);
	/* First stop: the child's SIGSTOP, in C - no changes here. */
	xptrace(R.ptrace == 2 ? PTRACE_CONT : PTRACE_SYSCALL, pid, 0, 0);
	for (int stops = 0;; stops++) {
		if (xwait(pid, &status) != pid)
			return -1;
		if (!WIFSTOPPED(status))
			return status;
		n_trace_stops++;
		ureg u[U_N + 8];
		memset(u, 0, sizeof(u));
		xptrace(PTRACE_GETREGS, pid, 0, (long)u);
#ifdef __x86_64__
		/* In our code only: in C, registers hold whatever C computed. */
		if (in_window(u[U_IP]) || u[U_IP] == (ureg)(uintptr_t)fz_pad)
			for (int i = 0; i < U_N; i++)
				if (is_leak(u[i], i == U_SP ? R_SP : R_AX))
					ptrace_leak(i, u[i]);
#endif
		int sig = WSTOPSIG(status);
		int inject = (sig & 0x80) || sig == SIGTRAP ? 0 : sig;
		if (stops >= MAX_TRACE_STOPS) {
			/* Enough: let it run free; it ends by itself or the
			 * watchdog ends it. */
			xptrace(PTRACE_DETACH, pid, 0, inject);
			if (xwait(pid, &status) != pid)
				return -1;
			return status;
		}
		if (in_window(u[U_IP]) || u[U_IP] == (ureg)(uintptr_t)fz_pad) {
			if (chance(60))
				tracer_modify(pid, u);
			if (chance(15))
				inject = PICK(((const int[]){ 0, SIGUSR1, SIGSEGV, SIGTRAP, SIGILL }));
		}
		long how = conts[rn(3)];
		if (!in_window(u[U_IP]) && how == PTRACE_SINGLESTEP)
			how = PTRACE_CONT;	/* do not step through C code */
		xptrace(how, pid, 0, inject);
	}
}

/* ------------------------------------------------------------------ */
/* Statistics and output.                                              */

enum outcome { O_OK, O_LANDED, O_SIGNAL, O_KILLED, O_LEAK, O_CLOBBER, O_SETUP,
	       O_HUNG, O_OTHER, NOUTCOMES };
static const char *const outcome_names[] = { "ok", "landed", "sig", "killed", "LEAK",
					     "CLOBBER", "setup", "HUNG", "other" };
static uint64_t stats[NKINDS][NOUTCOMES];
static uint64_t sigstats[NKINDS][32];
static uint64_t total_leaks, total_clobbers, total_hung, total_lost;

static void read_reports(int fd)
{
	struct report rep[MAX_REPORTS];
	long n = raw_syscall(SYS_read, fd, (long)rep, sizeof(rep), 0, 0, 0);
	for (long i = 0; i + 1 <= n / (long)sizeof(rep[0]); i++) {
		const struct report *p = &rep[i];
		if (p->magic != REPORT_MAGIC)
			continue;
		const char *reg = p->where == W_SEG ? (const char *[]){ "ds", "es", "fs", "gs" }[p->reg & 3]
				  : p->reg < NREGS ? reg_names[p->reg] : "rip";
		if (p->what == EX_LEAK)
			ktap_diag("LEAK round=%llu kind=%s where=%s reg=%s value=%#llx",
				  (unsigned long long)R.idx, kind_name(p->kind),
				  where_names[p->where], reg, (unsigned long long)p->value);
		else
			ktap_diag("CLOBBER round=%llu kind=%s where=%s reg=%s value=%#llx want=%#llx",
				  (unsigned long long)R.idx, kind_name(p->kind),
				  where_names[p->where], reg, (unsigned long long)p->value,
				  (unsigned long long)p->expected);
	}
}

static void account(int status, int pipe_rd)
{
	int k = R.kind, o;
	if (status == -1) {
		o = O_OTHER;
		total_lost++;
	} else if (WIFEXITED(status)) {
		int c = WEXITSTATUS(status);
		o = c == EX_OK ? O_OK : c == EX_LANDED ? O_LANDED : c == EX_LEAK ? O_LEAK
		  : c == EX_CLOBBER ? O_CLOBBER : c == EX_SETUP ? O_SETUP
		  : c == EX_HUNG ? O_HUNG : c > 64 && c < 96 ? O_SIGNAL : O_OTHER;
		if (o == O_HUNG) {
			total_hung++;
			ktap_diag("HUNG round=%llu kind=%s", (unsigned long long)R.idx,
				  kind_name(k));
		}
		if (o == O_SIGNAL)
			sigstats[k][c - 64]++;
		if (o == O_LEAK || o == O_CLOBBER) {
			read_reports(pipe_rd);
			if (o == O_LEAK)
				total_leaks++;
			else
				total_clobbers++;
		}
		if (o == O_OTHER)
			ktap_diag("round %llu: child exited %d", (unsigned long long)R.idx, c);
	} else if (WIFSIGNALED(status)) {
		o = O_KILLED;
		if (WTERMSIG(status) < 32)
			sigstats[k][WTERMSIG(status)]++;
	} else {
		o = O_OTHER;
	}
	stats[k][o]++;
}

static void print_stats(void)
{
	for (int k = 0; k < NKINDS; k++) {
		uint64_t n = 0;
		for (int o = 0; o < NOUTCOMES; o++)
			n += stats[k][o];
		if (!n)
			continue;
		char buf[400];
		int len = snprintf(buf, sizeof(buf), "%-18s %7llu:", kind_name(k),
				   (unsigned long long)n);
		for (int o = 0; o < NOUTCOMES; o++)
			if (stats[k][o])
				len += snprintf(buf + len, sizeof(buf) - len, " %s %llu",
						outcome_names[o], (unsigned long long)stats[k][o]);
		len += snprintf(buf + len, sizeof(buf) - len, " (");
		for (int s = 1; s < 32; s++)
			if (sigstats[k][s])
				len += snprintf(buf + len, sizeof(buf) - len, "%s%s %llu",
						buf[len - 1] == '(' ? "" : ", ", sigabbrev_np(s),
						(unsigned long long)sigstats[k][s]);
		snprintf(buf + len, sizeof(buf) - len, ")");
		ktap_diag("%s", buf);
	}
}

static int kernel_answers(pid_t self)
{
	return raw_syscall(NR_GETPID, 0, 0, 0, 0, 0, 0) == self &&
	       raw_syscall(NR_GETPPID, 0, 0, 0, 0, 0, 0) >= 0;
}

/* Does fork pass the alternate signal stack on, as Linux's does? */
static int check_altstack_inherited(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		stack_t old;
		if (sigaltstack(NULL, &old) == 0 && old.ss_sp == altstack)
			_exit(0);
		_exit(1);
	}
	int st = 0;
	if (pid < 0 || xwait(pid, &st) != pid)
		return 1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void setup_signals(void)
{
	stack_t ss = { .ss_sp = altstack, .ss_size = sizeof(altstack) };
	sigaltstack(&ss, NULL);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = (void (*)(int, siginfo_t *, void *))(void *)fz_hstub;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
	sigfillset(&sa.sa_mask);
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE, SIGUSR1,
				    SIGALRM };
	for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

int main(int argc, char **argv)
{
	uint64_t seed = argc > 1 ? strtoull(argv[1], NULL, 0) : DEFAULT_SEED;
	uint64_t rounds = argc > 2 ? strtoull(argv[2], NULL, 0) : DEFAULT_ROUNDS;
	uint64_t first = argc > 3 ? strtoull(argv[3], NULL, 0) : 0;
	int verbose = argc > 4 && argv[4][0] == 'v';

	default_signals();
	no_core_dumps();
	if (!has_long_mode())
		return ktap_skip_all(NO_LONG_MODE " (the fuzzer plants and captures "
				     "registers in 64-bit mode)");
	kinds_filter = getenv("FUZZ_KINDS");
	ktap_plan(4);

	struct xentry_exit_stats st;
	on_xentry = raw_syscall(XENTRY_NR_exit_stats, (long)&st, 0, 0, 0, 0, 0) > 0;
	fz_vsys = ABI_BITS == 32 ? (uint32_t)getauxval(AT_SYSINFO) : 0;
	vdso_lo = getauxval(AT_SYSINFO_EHDR);
	vdso_hi = vdso_lo ? vdso_lo + 0x4000 : 0;
	uint16_t s;
	__asm__ volatile("mov %%ds, %0" : "=r"(s)); fz_seg0[0] = s;
	__asm__ volatile("mov %%es, %0" : "=r"(s)); fz_seg0[1] = s;
	__asm__ volatile("mov %%fs, %0" : "=r"(s)); fz_seg0[2] = s;
	__asm__ volatile("mov %%gs, %0" : "=r"(s)); fz_seg0[3] = s;
	__asm__ volatile("mov %%ss, %0" : "=r"(s)); fz_seg0[4] = s;

	int pfd[2];
	if (pipe2(pfd, O_NONBLOCK) < 0)
		pfd[0] = pfd[1] = -1;
	report_fd = pfd[1];

	setup_signals();
	altstack_inherited = check_altstack_inherited();
	ktap_diag("seed %llu rounds %llu first %llu, %d-bit, on %s", (unsigned long long)seed,
		  (unsigned long long)rounds, (unsigned long long)first, ABI_BITS,
		  on_xentry ? "xentry" : "Linux");
	if (!altstack_inherited)
		ktap_diag("note: fork does not pass the alternate signal stack on (Linux does);"
			  " children set their own");
#ifdef __x86_64__
	if (!on_xentry)
		ktap_diag("compat-mode SYSENTER/SYSCALL from a 64-bit task: xentry only"
			  " (on Linux they return into the 64-bit vDSO in compat mode)");
#endif
	if (ABI_BITS == 32 && !fz_vsys)
		ktap_diag("no AT_SYSINFO: the vDSO kind is skipped");

	/* The watchdog's clock: one tick a second, blocked but while we wait
	 * for a forked child (see spawn()). */
	alarm_mask(0);
	struct itimerval tick = { { 1, 0 }, { 1, 0 } };
	setitimer(ITIMER_REAL, &tick, NULL);

	pid_t self = getpid();
	fz_parent_pid = self;
	heap_end = (uintptr_t)sbrk(0);
	stack_mark = (uintptr_t)&self;
	int answering = 1;
	uint64_t done = 0;
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t r = first; r < first + rounds; r++) {
		gen_round(seed, r);
		if (verbose)
			describe_round();
		wd_round = r;
		long pid = spawn();
		int status = -1;
		if (pid > 0) {
			wd_pid = (pid_t)pid;
			if (R.own_mm)
				alarm_mask(1);	/* the watchdog watches this one */
			if (R.ptrace)
				status = trace_child((pid_t)pid);
			else if (xwait((pid_t)pid, &status) != pid)
				status = -1;
			if (R.own_mm)
				alarm_mask(0);
			if (wd_ticks >= HANG_TICKS && wd_seen == r) {
				total_hung++;
				stats[R.kind][O_HUNG]++;
				ktap_diag("HUNG round=%llu kind=%s", (unsigned long long)r,
					  kind_name(R.kind));
			}
			wd_pid = 0;
		}
		account(status, pfd[0]);
		done++;
		if ((r + 1) % PROGRESS_EVERY == 0) {
			if (!kernel_answers(self))
				answering = 0;
			ktap_diag("progress %llu", (unsigned long long)(r + 1));
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double secs = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);

	print_stats();
	ktap_diag("ptrace: %llu stops, %llu register writes",
		  (unsigned long long)n_trace_stops, (unsigned long long)n_trace_writes);
	ktap_diag("rounds %llu in %.1f s: %.1f rounds/s", (unsigned long long)done, secs,
		  secs > 0 ? done / secs : 0.0);

	ktap_ok(done == rounds && total_lost == 0,
		"all %llu rounds ran, every child reaped", (unsigned long long)rounds);
	ktap_ok(total_leaks == 0 && n_ptrace_leaks == 0,
		"no kernel address in user registers (%llu leaks, %llu in ptrace's view)",
		(unsigned long long)total_leaks, (unsigned long long)n_ptrace_leaks);
	ktap_ok(total_clobbers == 0, "registers kept across normal returns (%llu clobbers)",
		(unsigned long long)total_clobbers);
	/* A child the watchdog had to kill is no failure of ours: user code
	 * may loop (this host, a Firecracker guest, re-faults forever on a
	 * 16-bit far call from compat mode to CS 0x33 with ESP 0). tools/fuzz
	 * lists them. */
	if (total_hung)
		ktap_diag("%llu children hung and were killed", (unsigned long long)total_hung);
	ktap_ok(answering && kernel_answers(self),
		"the kernel still answers (getpid, getppid)");
	return ktap_finish();
}
