/*
 * seg_util.h - helpers shared by the LDT, selector and TLS-slot tests
 * (ldt_modify.c, ldt_selectors.c, tls_area.c).
 *
 *  - struct seg_ud: Linux's struct user_desc, declared here so that both
 *    ABIs see the same layout including the `lm` bit (the uapi header only
 *    declares lm for x86-64, but the kernel reads it from i386 callers too);
 *  - seg_encode(): the 8-byte descriptor the kernel must build from one,
 *    written out from the architecture manual's field layout;
 *  - modify_ldt()/LDT_ERR(): the raw return value, which differs by ABI;
 *  - tls_call(): set/get_thread_area through int $0x80 with the i386
 *    numbers, the only way in for a 64-bit task too (205/211 are ENOSYS);
 *  - lsl_of()/lar_of(): the unprivileged descriptor probes;
 *  - in_child(): run a function in a forked child and learn either what it
 *    returned or which signal it took, with siginfo and sigcontext details.
 */
#ifndef XENTRY_SEG_UTIL_H
#define XENTRY_SEG_UTIL_H

/* REG_* names in <ucontext.h>: include this before any libc header. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "sys.h"
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

struct seg_ud {
	uint32_t entry_number;
	uint32_t base_addr;
	uint32_t limit;
	uint32_t seg_32bit : 1, contents : 2, read_exec_only : 1,
		limit_in_pages : 1, seg_not_present : 1, useable : 1, lm : 1;
};

/* The flag bits as one word, for comparing a whole user_desc at once. */
static inline uint32_t ud_flags(const struct seg_ud *u)
{
	uint32_t w;
	memcpy(&w, (const char *)u + 12, 4);
	return w;
}
static inline void ud_set_flags(struct seg_ud *u, uint32_t w)
{
	memcpy((char *)u + 12, &w, 4);
}

static inline struct seg_ud ud_make(uint32_t entry, uint32_t base,
				    uint32_t limit, uint32_t flags)
{
	struct seg_ud u = { entry, base, limit };
	ud_set_flags(&u, flags);
	return u;
}

/* Flag words (bit 0 seg_32bit, 1-2 contents, 3 read_exec_only,
 * 4 limit_in_pages, 5 seg_not_present, 6 useable, 7 lm). */
#define UD_32BIT 0x01u
#define UD_CONTENTS(c) ((uint32_t)(c) << 1)
#define UD_RO 0x08u
#define UD_PAGES 0x10u
#define UD_NP 0x20u
#define UD_AVL 0x40u
#define UD_LM 0x80u
/* What "no segment" looks like (Linux's LDT_empty): read-only, absent. */
#define UD_EMPTY (UD_RO | UD_NP)

/*
 * The descriptor a user_desc must become: type = accessed | writable (or
 * readable) unless read_exec_only | contents << 2; S = 1 and DPL = 3
 * always; L never set (lm is ignored); AVL dropped in modify_ldt's old
 * mode (func 1).
 */
static inline uint64_t seg_encode(const struct seg_ud *u, int oldmode)
{
	uint64_t type = 1 | (u->read_exec_only ? 0 : 2) | u->contents << 2;
	uint64_t lo = (u->limit & 0xffff) | (uint64_t)(u->base_addr & 0xffff) << 16;
	uint64_t hi = ((u->base_addr >> 16) & 0xff) | type << 8 | 1 << 12 |
		      3 << 13 | (uint64_t)!u->seg_not_present << 15 |
		      (u->limit & 0xf0000) |
		      (uint64_t)(oldmode ? 0 : u->useable) << 20 |
		      (uint64_t)u->seg_32bit << 22 |
		      (uint64_t)u->limit_in_pages << 23 |
		      (u->base_addr & 0xff000000u);
	return hi << 32 | lo;
}

/* Descriptor bits the "never a gate, never privileged" rule is about. */
#define DESC_S(d) (((d) >> 44) & 1)
#define DESC_DPL(d) (((d) >> 45) & 3)
#define DESC_L(d) (((d) >> 53) & 1)
#define DESC_TYPE(d) (((d) >> 40) & 0xf)

/*
 * sys_modify_ldt returns (unsigned int)ret: a 64-bit caller sees an error
 * as 0x00000000ffffffea in rax, not as a negative long; an i386 caller
 * simply gets eax = -errno.
 */
#ifdef __x86_64__
#define LDT_ERR(e) ((long)(unsigned int)-(e))
#else
#define LDT_ERR(e) (-(long)(e))
#endif

static inline long modify_ldt(long func, const void *ptr, unsigned long n)
{
	return SC(SYS_modify_ldt, func, ptr, n);
}

/* The i386 numbers, for int $0x80 from either ABI. */
#define NR32_SET_THREAD_AREA 243
#define NR32_GET_THREAD_AREA 244

/* int $0x80 with one argument; from 64-bit the pointer must be < 4 GiB. */
static inline long tls_call(long nr, void *ud)
{
#ifdef __x86_64__
	long ret;
	__asm__ volatile("int $0x80"
			 : "=a"(ret)
			 : "a"(nr), "b"(ud)
			 : "memory", "cc", "r8", "r9", "r10", "r11");
	/* The i386 ABI returns an int: sign-extend from eax. */
	return (long)(int)ret;
#else
	return SC(nr, ud);
#endif
}

/* LSL/LAR: 1 and the value if the selector is visible to us, else 0. */
static inline int lsl_of(unsigned int sel, unsigned int *limit)
{
	unsigned int v = 0xdeadbeef;
	unsigned char ok;
	__asm__ volatile("lsl %[s], %[v]\n\tsetz %[ok]"
			 : [v] "+r"(v), [ok] "=q"(ok)
			 : [s] "r"(sel)
			 : "cc");
	*limit = v;
	return ok;
}
static inline int lar_of(unsigned int sel, unsigned int *ar)
{
	unsigned int v = 0xdeadbeef;
	unsigned char ok;
	__asm__ volatile("lar %[s], %[v]\n\tsetz %[ok]"
			 : [v] "+r"(v), [ok] "=q"(ok)
			 : [s] "r"(sel)
			 : "cc");
	*ar = v;
	return ok;
}

/*
 * What a child did: either it returned (sig 0, val = the return value) or
 * a handler caught sig with siginfo code/addr and sigcontext trapno/err.
 */
struct seg_rec {
	long sig, code, trapno, err, val;
	unsigned long addr;
};

static int seg_rec_fd __attribute__((unused)) = -1;
/* Anything the child wants reported with the signal (goes to r->val). */
static volatile long seg_note __attribute__((unused));

/* No libc in here: the task's segment registers may be anything. */
static inline void seg_send_exit(const struct seg_rec *r, int code)
{
	SC(SYS_write, seg_rec_fd, r, sizeof(*r));
	SC(SYS_exit_group, code);
}

__attribute__((unused)) static void seg_handler(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	struct seg_rec r;
	r.sig = sig;
	r.code = si->si_code;
	r.addr = (unsigned long)si->si_addr;
	r.trapno = uc->uc_mcontext.gregs[REG_TRAPNO];
	r.err = uc->uc_mcontext.gregs[REG_ERR];
	r.val = seg_note;
	seg_send_exit(&r, 0x40);
}

/*
 * Run fn(arg) in a child with handlers for the fault signals (a caught
 * signal ends the child: r->val is then seg_note); fill *r and
 * return 1 if the child reported (returned or caught a signal), else 0
 * (it died some other way: r->sig is then -1 and r->val its wait status).
 */
static inline int in_child(long (*fn)(void *), void *arg, struct seg_rec *r)
{
	int p[2], st;
	memset(r, 0, sizeof(*r));
	if (pipe(p) != 0)
		return 0;
	pid_t pid = fork();
	if (pid == 0) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = seg_handler;
		sa.sa_flags = SA_SIGINFO;
		int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE };
		for (int i = 0; i < 5; i++)
			sigaction(sigs[i], &sa, NULL);
		close(p[0]);
		seg_rec_fd = p[1];
		struct seg_rec mine;
		memset(&mine, 0, sizeof(mine));
		mine.val = fn(arg);
		seg_send_exit(&mine, 0);
	}
	close(p[1]);
	if (pid < 0 || waitpid(pid, &st, 0) != pid) {
		close(p[0]);
		r->sig = -1;
		r->val = -1;
		return 0;
	}
	int n = read(p[0], r, sizeof(*r));
	close(p[0]);
	if (n != (int)sizeof(*r) || !WIFEXITED(st)) {
		r->sig = -1;
		r->val = st;
		return 0;
	}
	return 1;
}

/* Human-readable account of a record, for diagnostics. */
static inline void seg_rec_diag(void (*diag)(const char *, ...),
				const struct seg_rec *r)
{
	if (r->sig < 0)
		diag("child did not report: wait status %#lx", r->val);
	else if (r->sig == 0)
		diag("child returned %#lx without a signal", r->val);
	else
		diag("signal %ld si_code %#lx addr %#lx trapno %ld err %#lx",
		     r->sig, r->code, r->addr, r->trapno, r->err);
}

/* Running under QEMU's TCG?  Its hypervisor CPUID leaf says so. */
static inline int under_tcg(void)
{
	unsigned int a, b, c, d;
	char v[13];
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(1), "c"(0));
	if (!(c >> 31))
		return 0;			/* no hypervisor */
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
			 : "a"(0x40000000), "c"(0));
	memcpy(v, &b, 4), memcpy(v + 4, &c, 4), memcpy(v + 8, &d, 4);
	v[12] = 0;
	return !strcmp(v, "TCGTCGTCGTCG");
}

#endif
