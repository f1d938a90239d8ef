/*
 * ptrace_xstate: the XSAVE state through ptrace and the XCOMP arch_prctls.
 *
 * Linux facts tested (AVX with OSXSAVE needed, else SKIP):
 *  - PTRACE_GETREGSET NT_X86_XSTATE (0x202) gives the tracee's whole
 *    standard-format XSAVE image, the length returned; its software bytes
 *    start with the supported-feature mask (gdb's layout: XCR0 at 464, the
 *    rest zero); the ymm upper halves are at the offset CPUID leaf 0xD
 *    gives for AVX;
 *  - SETREGSET NT_X86_XSTATE of the whole image changes the tracee's ymm;
 *    a short one is EFAULT, one with a reserved header byte set EINVAL;
 *  - NT_PRFPREG still gives the legacy area (512 bytes; the FSAVE view,
 *    108 bytes, for an i386 tracee);
 *  - ARCH_GET_XCOMP_SUPP covers XCR0 and x87/SSE; ARCH_GET_XCOMP_PERM is
 *    within it; ARCH_REQ_XCOMP_PERM of AVX (not a dynamic feature) is
 *    EOPNOTSUPP, of an index past Linux's components EINVAL; a native
 *    i386 kernel grants no dynamic feature at all: EOPNOTSUPP for both
 *    (kernel32.h).
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <cpuid.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#ifdef __x86_64__
#define NR_ARCH_PRCTL 158
#else
#define NR_ARCH_PRCTL 384
#endif
#define NT_PRFPREG 2
#define NT_X86_XSTATE 0x202

static unsigned char ymm_set[8][32] __attribute__((aligned(32)));
static unsigned char ymm_got[8][32] __attribute__((aligned(32)));
static unsigned char xbuf[16384] __attribute__((aligned(64)));

/* Tracee: ymm0-7 from ymm_set, stop, then ymm0-7 to ymm_got. */
__attribute__((target("avx"))) static void tracee(void)
{
	pid_t me = getpid();
#define L(i) "vmovdqu " #i "*32(%[in]), %%ymm" #i "\n\t"
#define S(i) "vmovdqu %%ymm" #i ", " #i "*32(%[out])\n\t"
#ifdef __x86_64__
	__asm__ volatile(L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) "syscall\n\t"
			 S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
			 : : "a"(62), "D"(me), "S"(SIGSTOP), [in] "r"(ymm_set), [out] "r"(ymm_got)
			 : "rcx", "r11", "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4",
			   "xmm5", "xmm6", "xmm7");
#else
	__asm__ volatile(L(0) L(1) L(2) L(3) L(4) L(5) L(6) L(7) "int $0x80\n\t"
			 S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
			 : : "a"(37), "b"(me), "c"(SIGSTOP), [in] "r"(ymm_set), [out] "r"(ymm_got)
			 : "memory", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6",
			   "xmm7");
#endif
}

static long regset(int req, pid_t pid, int type, void *buf, size_t len, size_t *out)
{
	struct iovec iov = { buf, len };
	long r = ptrace(req, pid, (void *)(long)type, &iov);
	if (out)
		*out = iov.iov_len;
	return r < 0 ? -errno : r;
}

static unsigned long long supp;

static void xcomp_cases(unsigned long long xcr0)
{
	unsigned long long perm = 0;
	long r1 = raw_syscall(NR_ARCH_PRCTL, 0x1021, (long)&supp, 0, 0, 0, 0);
	long r2 = raw_syscall(NR_ARCH_PRCTL, 0x1022, (long)&perm, 0, 0, 0, 0);
	ktap_ok(r1 == 0 && (supp & 3) == 3 && !(xcr0 & ~supp),
		"ARCH_GET_XCOMP_SUPP %#llx covers XCR0 %#llx", supp, xcr0);
	ktap_ok(r2 == 0 && (perm & 3) == 3 && !(perm & ~supp),
		"ARCH_GET_XCOMP_PERM %#llx within the supported set", perm);
	ktap_eq(raw_syscall(NR_ARCH_PRCTL, 0x1023, 2, 0, 0, 0, 0), -EOPNOTSUPP,
		"ARCH_REQ_XCOMP_PERM of AVX: EOPNOTSUPP");
	if (native_i386())
		ktap_eq(raw_syscall(NR_ARCH_PRCTL, 0x1023, 64, 0, 0, 0, 0), -EOPNOTSUPP,
			"ARCH_REQ_XCOMP_PERM of component 64: EOPNOTSUPP (native i386)");
	else
		ktap_eq(raw_syscall(NR_ARCH_PRCTL, 0x1023, 64, 0, 0, 0, 0), -EINVAL,
			"ARCH_REQ_XCOMP_PERM of component 64: EINVAL");
}

int main(void)
{
	ktap_plan(10);
	unsigned a, b, c, d;
	__cpuid(1, a, b, c, d);
	unsigned long long xcr0 = 0;
	if ((c & (1u << 27)) && (c & (1u << 28))) {
		unsigned lo, hi;
		__asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
		xcr0 = ((unsigned long long)hi << 32) | lo;
	}
	if ((xcr0 & 6) != 6) {
		for (int i = 0; i < 10; i++)
			ktap_skip("no AVX with OSXSAVE", "ptrace xstate case %d", i + 1);
		return ktap_finish();
	}
	xcomp_cases(xcr0);
	unsigned ymm_size, ymm_off;
	__cpuid_count(0xd, 2, ymm_size, ymm_off, c, d);
	for (int i = 0; i < 8; i++)
		for (int j = 0; j < 32; j++)
			ymm_set[i][j] = (unsigned char)(0x40 + i * 32 + j);

	pid_t child = fork();
	if (child == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		tracee();
		/* The tracer put 0xa5 in ymm1's upper half. */
		unsigned char want[32];
		memcpy(want, ymm_set[1], 16);
		memset(want + 16, 0xa5, 16);
		_exit(memcmp(ymm_got[1], want, 32) || memcmp(ymm_got[2], ymm_set[2], 32) ? 3 : 0);
	}
	int st;
	waitpid(child, &st, 0);
	size_t len = 0;
	long r = regset(PTRACE_GETREGSET, child, NT_X86_XSTATE, xbuf, sizeof(xbuf), &len);
	unsigned long long sw0 = 0;
	static const unsigned char zero40[40];
	memcpy(&sw0, xbuf + 464, 8);
	size_t xsize = len;
	ktap_ok(r == 0 && sw0 == supp && !memcmp(xbuf + 472, zero40, 40) &&
		len >= ymm_off + ymm_size && len % 8 == 0,
		"GETREGSET NT_X86_XSTATE: %zu bytes, sw bytes = %#llx then zeros", len, sw0);
	ktap_ok(!memcmp(xbuf + ymm_off + 16, ymm_set[1] + 16, 16) &&
		!memcmp(xbuf + 160 + 16, ymm_set[1], 16),
		"ymm1's halves in the legacy area and the AVX component");

	unsigned char fp[512];
	r = regset(PTRACE_GETREGSET, child, NT_PRFPREG, fp, sizeof(fp), &len);
#ifdef __x86_64__
	ktap_ok(r == 0 && len == 512 && !memcmp(fp + 160 + 16, ymm_set[1], 16),
		"NT_PRFPREG: the 512-byte legacy area");
#else
	ktap_ok(r == 0 && len == 108, "NT_PRFPREG: the 108-byte FSAVE view (i386)");
#endif

	r = regset(PTRACE_SETREGSET, child, NT_X86_XSTATE, xbuf, xsize - 64, NULL);
	ktap_eq(r, -EFAULT, "SETREGSET NT_X86_XSTATE short of the whole image: EFAULT");
	xbuf[512 + 20] = 1;
	r = regset(PTRACE_SETREGSET, child, NT_X86_XSTATE, xbuf, xsize, NULL);
	ktap_eq(r, -EINVAL, "SETREGSET with a reserved header byte set: EINVAL");
	xbuf[512 + 20] = 0;
	memset(xbuf + ymm_off + 16, 0xa5, 16);
	r = regset(PTRACE_SETREGSET, child, NT_X86_XSTATE, xbuf, xsize, NULL);
	ptrace(PTRACE_CONT, child, 0, 0);
	waitpid(child, &st, 0);
	ktap_ok(r == 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"SETREGSET NT_X86_XSTATE changes the tracee's ymm1 (status %#x)", st);
	return ktap_finish();
}
