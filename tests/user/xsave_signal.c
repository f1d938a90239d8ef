/*
 * xsave_signal: the AVX state (XSAVE) across signals and context switches.
 *
 * Linux facts tested (on a CPU whose CPUID says AVX and OSXSAVE, else SKIP):
 *  - the full ymm registers survive a signal handler that overwrites them,
 *    and the handler itself starts with the upper halves zero (init state);
 *  - they survive context switches to a process that uses other values;
 *  - the frame's fp state is an XSAVE image: uc_flags has UC_FP_XSTATE,
 *    the fxsave sw bytes hold FP_XSTATE_MAGIC1 and the image size, and
 *    FP_XSTATE_MAGIC2 follows the image; the image is 64-byte aligned;
 *  - AT_MINSIGSTKSZ is in the auxv, covers the frame, and a signal on an
 *    alternate stack of exactly that size is delivered and returns;
 *  - sigreturn with reserved XSAVE header bytes set, or an XSTATE_BV bit
 *    the kernel did not enable, gives SIGSEGV;
 *  - a frame without MAGIC1 is a plain fxsave image: xmm comes back from
 *    it and the ymm upper halves are reset.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include <cpuid.h>
#include <stddef.h>
#include <string.h>
#include <sys/auxv.h>
#include <ucontext.h>

#ifdef __x86_64__
#define NREG 16
#define FX_OFF 0	/* fpregs points at the fxsave image */
#else
#define NREG 8
#define FX_OFF 112	/* struct _fpstate_32: fsave header first */
#endif
#define MAGIC1 0x46505853u
#define MAGIC2 0x46505845u
#define UC_FP_XSTATE 1

static unsigned char ymm_in[NREG][32] __attribute__((aligned(32)));
static unsigned char ymm_out[NREG][32] __attribute__((aligned(32)));
static unsigned char handler_ymm0[32] __attribute__((aligned(32)));
static volatile int got_segv, mode;
static volatile unsigned long uc_flags, fx_addr, frame_low;
static volatile unsigned sw_magic1, sw_xsize, sw_magic2;
static unsigned long long xcr0;

#define LOAD_ONE(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define STORE_ONE(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
#define ALL8(M) M(0) M(1) M(2) M(3) M(4) M(5) M(6) M(7)
#ifdef __x86_64__
#define ALL(M) ALL8(M) M(8) M(9) M(10) M(11) M(12) M(13) M(14) M(15)
#define VCLOB "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#else
#define ALL(M) ALL8(M)
#define VCLOB "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7"
#endif

/* Load ymm_in, make one system call (nothing in C between), store to
 * ymm_out: the kernel alone decides what the registers hold afterwards. */
__attribute__((target("avx"))) static long ymm_syscall(long nr, long a1, long a2)
{
	long ret;
#ifdef __x86_64__
	__asm__ volatile(ALL(LOAD_ONE) "syscall\n\t" ALL(STORE_ONE)
			 : "=a"(ret) : "a"(nr), "D"(a1), "S"(a2), [in] "r"(ymm_in),
			   [out] "r"(ymm_out)
			 : "rcx", "r11", "memory", VCLOB);
#else
	__asm__ volatile(ALL(LOAD_ONE) "int $0x80\n\t" ALL(STORE_ONE)
			 : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2), [in] "r"(ymm_in),
			   [out] "r"(ymm_out)
			 : "memory", VCLOB);
#endif
	return ret;
}

static void fill(unsigned char seed)
{
	for (int i = 0; i < NREG; i++)
		for (int j = 0; j < 32; j++)
			ymm_in[i][j] = (unsigned char)(seed + i * 32 + j + 1);
	memset(ymm_out, 0, sizeof(ymm_out));
}

static int first_bad(void)
{
	for (int i = 0; i < NREG; i++)
		if (memcmp(ymm_in[i], ymm_out[i], 32))
			return i;
	return -1;
}

enum { M_PLAIN, M_RESERVED, M_BADBV, M_NOMAGIC };

__attribute__((target("avx"))) static void on_usr1(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	(void)sig;
	/* First the handler's own ymm0 (before anything can touch it), then
	 * wreck every register. */
	__asm__ volatile("vmovdqu %%ymm0, %0" : "=m"(handler_ymm0));
	__asm__ volatile("vpcmpeqd %%ymm0, %%ymm0, %%ymm0\n\tvpcmpeqd %%ymm1, %%ymm1, %%ymm1\n\t"
			 "vpcmpeqd %%ymm7, %%ymm7, %%ymm7\n\tvpcmpeqd %%ymm5, %%ymm5, %%ymm5"
			 : : : "xmm0", "xmm1", "xmm5", "xmm7");
	unsigned char *fp = (unsigned char *)uc->uc_mcontext.fpregs;
	unsigned char *fx = fp + FX_OFF;
	uc_flags = uc->uc_flags;
	fx_addr = (unsigned long)fx;
	frame_low = (unsigned long)uc < (unsigned long)si ? (unsigned long)uc : (unsigned long)si;
	memcpy((void *)&sw_magic1, fx + 464, 4);
	memcpy((void *)&sw_xsize, fx + 480, 4);
	if (sw_magic1 == MAGIC1 && sw_xsize < 65536)
		memcpy((void *)&sw_magic2, fx + sw_xsize, 4);
	switch (mode) {
	case M_RESERVED:
		fx[512 + 16] = 1;		/* a reserved header byte */
		break;
	case M_BADBV:
		for (int b = 3; b < 63; b++)
			if (!(xcr0 & (1ull << b))) {
				fx[512 + b / 8] |= 1 << (b % 8);
				break;
			}
		break;
	case M_NOMAGIC:
		memset(fx + 464, 0, 4);
		memset(fx + 160, 0x5a, 16);	/* xmm0 */
		break;
	}
}

static void on_segv(int sig)
{
	(void)sig;
	got_segv++;
}

static void handle(int sig, void (*fn)(int, siginfo_t *, void *), void (*simple)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	if (fn) {
		sa.sa_sigaction = fn;
		sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	} else {
		sa.sa_handler = simple;
	}
	sigaction(sig, &sa, NULL);
}

static long do_kill(void)
{
#ifdef __x86_64__
	return ymm_syscall(62, getpid(), SIGUSR1);
#else
	return ymm_syscall(37, getpid(), SIGUSR1);
#endif
}

static int switch_test(void)
{
	pid_t child = fork();
	if (child == 0) {
		fill(0x80);
		for (int k = 0; k < 200; k++) {
			ymm_syscall(SYS_sched_yield, 0, 0);
			if (first_bad() >= 0)
				_exit(1);
		}
		_exit(0);
	}
	fill(0x10);
	int bad = -1;
	for (int k = 0; k < 200 && bad < 0; k++) {
		ymm_syscall(SYS_sched_yield, 0, 0);
		bad = first_bad();
	}
	int st = 0;
	waitpid(child, &st, 0);
	return bad < 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void)
{
	ktap_plan(10);
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	int avx = (c & (1u << 27)) && (c & (1u << 28));
	if (avx) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((unsigned long long)hi << 32) | lo;
		avx = (xcr0 & 6) == 6;
	}
	unsigned long minsig = getauxval(AT_MINSIGSTKSZ);
	if (!avx) {
		for (int i = 0; i < 10; i++)
			ktap_skip("no AVX with OSXSAVE in CPUID/XCR0", "xsave case %d", i + 1);
		return ktap_finish();
	}
	static char alt[1 << 16] __attribute__((aligned(64)));
	stack_t ss = { .ss_sp = alt, .ss_size = sizeof(alt) };
	sigaltstack(&ss, NULL);
	handle(SIGUSR1, on_usr1, NULL);
	handle(SIGSEGV, NULL, on_segv);

	mode = M_PLAIN;
	fill(0);
	long r = do_kill();
	int bad = first_bad();
	if (!ktap_ok(r == 0 && bad < 0, "ymm0-%d survive a handler that overwrites them", NREG - 1))
		ktap_diag("kill %ld, first bad ymm%d", r, bad);
	static const unsigned char zero16[16];
	ktap_ok(!memcmp(handler_ymm0 + 16, zero16, 16),
		"the handler starts with the ymm upper halves zero");
	ktap_ok((uc_flags & UC_FP_XSTATE) && sw_magic1 == MAGIC1 && sw_magic2 == MAGIC2 &&
		sw_xsize >= 576 + 256, "frame: UC_FP_XSTATE, MAGIC1, size %u, MAGIC2 after it",
		sw_xsize);
	ktap_eq(fx_addr % 64, 0, "the xsave image is 64-byte aligned");
	unsigned long top = (unsigned long)alt + sizeof(alt);
	if (!ktap_ok(minsig && minsig >= top - frame_low,
		     "AT_MINSIGSTKSZ %lu covers the frame (%lu bytes used)", minsig, top - frame_low))
		ktap_diag("AT_MINSIGSTKSZ missing or small");

	ktap_ok(switch_test(), "ymm registers survive context switches");

	/* A stack of exactly AT_MINSIGSTKSZ, placed so the frame may use it all. */
	if (minsig && minsig < sizeof(alt)) {
		stack_t small = { .ss_sp = alt + sizeof(alt) - minsig, .ss_size = minsig };
		sigaltstack(&small, NULL);
		got_segv = 0;
		fill(0x33);
		r = do_kill();
		ktap_ok(r == 0 && !got_segv && first_bad() < 0,
			"a signal on an AT_MINSIGSTKSZ-sized alternate stack works");
		sigaltstack(&ss, NULL);
	} else {
		ktap_skip("no usable AT_MINSIGSTKSZ", "AT_MINSIGSTKSZ-sized stack");
	}

	mode = M_RESERVED;
	got_segv = 0;
	do_kill();
	ktap_eq(got_segv, 1, "reserved XSAVE header bytes: sigreturn gives SIGSEGV");

	mode = M_BADBV;
	got_segv = 0;
	do_kill();
	ktap_eq(got_segv, 1, "an XSTATE_BV bit not in XCR0: SIGSEGV");

	mode = M_NOMAGIC;
	got_segv = 0;
	fill(0x44);
	do_kill();
	static unsigned char want0[32];
	memset(want0, 0x5a, 16);
	if (!ktap_ok(!got_segv && !memcmp(ymm_out[0], want0, 32) &&
		     !memcmp(ymm_out[1] + 16, zero16, 16) && !memcmp(ymm_out[1], ymm_in[1], 16),
		     "no MAGIC1: fxsave-only restore, ymm upper halves reset"))
		ktap_diag("segv %d", got_segv);
	return ktap_finish();
}
