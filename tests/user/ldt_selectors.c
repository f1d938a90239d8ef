/*
 * ldt_selectors: what the CPU makes of LDT and GDT selectors, given the
 * descriptors Linux lets a task have.
 *
 * Linux facts tested (values measured on Linux 6.18 x86-64):
 *  - with no LDT, LSL and LAR of LDT selectors fail (ZF clear), and
 *    loading one into a data segment register is a #GP: SIGSEGV with
 *    si_code SI_KERNEL, si_addr 0, trapno 13, err = the selector with its
 *    RPL bits cleared (the TI bit stays: 0x7 -> 4);
 *  - a forged 64-bit call gate in user memory at address 0 is never used:
 *    far call/jump through LDT selectors 0x7 and 0xf is a #GP(selector)
 *    like any other missing descriptor (root may map page 0 on Linux; the
 *    case also accepts a refusal, if it is EPERM or EACCES);
 *  - far call/jump to GDT kernel selectors 0x10, 0x13, 0x18 is a #GP with
 *    err = the selector's index bits;
 *  - after modify_ldt: LSL gives the byte limit (pages: limit << 12 |
 *    0xfff), LAR the descriptor's access bits (dword 1 & 0x00f0ff00; bits
 *    19:16 are undefined, this host's CPU returns limit 19:16), also
 *    for a not-present entry; every entry reads back S=1, DPL 3;
 *  - a data segment loads (%fs on x86-64, %es on i386) and reads through
 *    it see its base; i386 checks the limit (#GP, err 0), 64-bit mode
 *    does not;
 *  - a not-present entry: #NP, i.e. SIGBUS SI_KERNEL with trapno 11 and
 *    err = selector & ~3; a zero entry or one past the table's end: #GP;
 *  - a far call to a 32-bit LDT code segment runs there (CS = the LDT
 *    selector), an int $0x80 made there returns there, and lret comes
 *    back; a far call to a data segment is a #GP, to the only conforming
 *    code segment a user may write (not present) a #NP.
 * Everything that faults runs in a forked child (seg_util.h: in_child).
 */
#include "seg_util.h" /* first: it defines _GNU_SOURCE */
#include "ktap.h"

#define SEL(idx) ((unsigned int)(idx) << 3 | 7) /* LDT, RPL 3 */

/* ---- loads and reads through a segment register ---------------------- */

/* Load a selector into the data register this ABI's libc leaves alone. */
static long load_sel(void *a)
{
	unsigned int sel = (unsigned int)(unsigned long)a;
#ifdef __x86_64__
	__asm__ volatile("mov %0, %%fs" : : "r"(sel) : "memory");
#else
	__asm__ volatile("mov %0, %%es" : : "r"(sel) : "memory");
#endif
	return 0;
}

/* One byte at offset off of segment 0xf (entry 1). */
static long read_through(void *a)
{
	unsigned long off = (unsigned long)a;
	unsigned char v;
#ifdef __x86_64__
	/* The child exits without libc, so the clobbered FS base is harmless. */
	__asm__ volatile("mov %[s], %%fs\n\tmovb %%fs:(%[o]), %[v]"
			 : [v] "=q"(v) : [s] "r"(SEL(1)), [o] "r"(off) : "memory");
#else
	/* %es is used by string instructions: give it back at once. */
	__asm__ volatile("push %%es\n\tmov %[s], %%es\n\tmovb %%es:(%[o]), %[v]\n\tpop %%es"
			 : [v] "=q"(v) : [s] "r"(SEL(1)), [o] "r"(off) : "memory");
#endif
	return v;
}

/* ---- far transfers -------------------------------------------------- */

/* m16:32 far pointer, the default operand size in both modes. */
static struct __attribute__((packed)) {
	uint32_t off;
	uint16_t sel;
} far;

struct xfer {
	unsigned int sel;
	int jump;      /* ljmp rather than lcall */
	int gate_at;   /* -1: no forged gate; else its address (0 or 8) */
};

/* Where a forged gate points: if it were ever used we would get here. */
static void escaped(void)
{
	SC(SYS_exit_group, 99);
}

/*
 * A 64-bit call gate: type 0xC, DPL 3, present, kernel CS, our code.  If a
 * kernel ever let the CPU take user memory for the LDT (an LDTR with base
 * 0, a stale or empty LDT loaded with a nonzero limit), this would be a
 * door into ring 0; the LDT must live in kernel memory or not exist.
 */
static void forge_gate(volatile uint64_t *at, uint64_t rip)
{
	at[0] = (rip & 0xffff) | (uint64_t)0x10 << 16 |
		(uint64_t)(0xc | 3 << 5 | 1 << 7) << 40 |
		((rip >> 16) & 0xffff) << 48;
	at[1] = rip >> 32;
}

static long far_xfer(void *a)
{
	const struct xfer *x = a;
	if (x->gate_at >= 0) {
		/* Root may map page 0 on Linux; a refusal is fine too. */
		void *z = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		seg_note = z == MAP_FAILED ? errno : 0;
		if (z != MAP_FAILED)
			forge_gate((volatile uint64_t *)((char *)z + x->gate_at),
				   (uintptr_t)escaped);
	}
	far.off = (uint32_t)(uintptr_t)escaped;
	far.sel = x->sel;
	if (x->jump)
		__asm__ volatile("ljmp *%0" : : "m"(far) : "memory");
	else
		__asm__ volatile("lcall *%0" : : "m"(far) : "memory");
	return 0x5a5a; /* the transfer came back: it must not */
}

/*
 * The callee runs in a 32-bit code segment of the LDT: report CS in ecx,
 * make an i386 getpid there (the return must come back to this CS, so no
 * SYSRET), then lret to the caller's CS.
 */
__asm__(".pushsection .text\n"
#ifdef __x86_64__
	".code32\n"
#endif
	"ldt_callee:\n"
	"	mov $20, %eax\n" /* __NR_getpid, i386 */
	"	int $0x80\n"
	"	mov %cs, %ecx\n"
	"	lret\n"
#ifdef __x86_64__
	".code64\n"
#endif
	".popsection\n");
extern char ldt_callee[];

static long call_ldt_code(void *a)
{
	unsigned long ax, cx;
	far.off = (uint32_t)(uintptr_t)ldt_callee;
	far.sel = (unsigned int)(unsigned long)a;
#ifdef __x86_64__
	/* Compatibility mode uses ESP only: give it a stack below 4 GiB. */
	char *stk = mmap(NULL, 65536, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (stk == MAP_FAILED)
		return -1;
	__asm__ volatile("mov %%rsp, %%r12\n\tmov %[top], %%rsp\n\t"
			 "lcall *%[far]\n\tmov %%r12, %%rsp"
			 : "=a"(ax), "=c"(cx)
			 : [top] "r"(stk + 65536), [far] "m"(far)
			 : "r12", "rdx", "memory", "cc");
#else
	__asm__ volatile("lcall *%[far]" : "=a"(ax), "=c"(cx) : [far] "m"(far)
			 : "edx", "memory", "cc");
#endif
	/* Low 16 bits: the CS seen there; bit 16: getpid there was right. */
	return (long)((cx & 0xffff) | (ax == (unsigned long)SC(SYS_getpid)) << 16);
}

/* ---- checks ---------------------------------------------------------- */

/* A child that must take sig (SI_KERNEL, si_addr 0) with trapno and err. */
static int expect_fault(long (*fn)(void *), void *arg, int sig, long trapno,
			long err, const char *what)
{
	struct seg_rec r;
	int ok = in_child(fn, arg, &r) && r.sig == sig && r.code == SI_KERNEL &&
		 r.addr == 0 && r.trapno == trapno && r.err == err;
	if (!ktap_ok(ok, "%s: signal %d SI_KERNEL, trapno %ld, err %#lx", what,
		     sig, trapno, err))
		seg_rec_diag(ktap_diag, &r);
	return ok;
}

static void no_ldt_cases(void)
{
	static const unsigned int sels[] = { 0x7, 0xf, 0x3ff };
	unsigned int v;
	char what[96];

	ktap_eq(modify_ldt(0, NULL, 16), 0, "a new process has no LDT (modify_ldt read gives 0)");
	for (int i = 0; i < 3; i++) {
		int l1 = lsl_of(sels[i], &v), l2 = lar_of(sels[i], &v);
		ktap_ok(!l1 && !l2, "no LDT: LSL and LAR of %#x fail", sels[i]);
	}
	for (int i = 0; i < 3; i++) {
		snprintf(what, sizeof(what), "no LDT: load %#x into a segment register", sels[i]);
		expect_fault(load_sel, (void *)(unsigned long)sels[i], SIGSEGV, 13,
			     sels[i] & ~3u, what);
	}

	/* The forged gate: at 0 for LDT entry 0, at 8 for entry 1. */
	for (int i = 0; i < 4; i++) {
		struct xfer x = { i < 2 ? 0x7 : 0xf, i & 1, i < 2 ? 0 : 8 };
		struct seg_rec r;
		int ok = in_child(far_xfer, &x, &r) && r.sig == SIGSEGV &&
			 r.code == SI_KERNEL && r.trapno == 13 && r.err == (long)(x.sel & ~3u) &&
			 (r.val == 0 || r.val == EPERM || r.val == EACCES);
		if (!ktap_ok(ok, "no LDT: %s through %#x with a call gate forged at address %d: "
			     "#GP(%#x) (page 0 mapped, or refused with EPERM/EACCES)",
			     x.jump ? "ljmp" : "lcall", x.sel, x.gate_at, x.sel & ~3u))
			seg_rec_diag(ktap_diag, &r);
		else if (r.val)
			ktap_diag("page 0 refused: errno %ld", r.val);
	}

	/* Kernel code and data in the GDT: DPL 0, whatever our RPL says. */
	static const unsigned int kern[] = { 0x10, 0x13, 0x18 };
	for (int i = 0; i < 6; i++) {
		struct xfer x = { kern[i / 2], i & 1, -1 };
		snprintf(what, sizeof(what), "%s to GDT selector %#x", x.jump ? "ljmp" : "lcall", x.sel);
		expect_fault(far_xfer, &x, SIGSEGV, 13, x.sel & ~3u, what);
	}
}

static unsigned char buf[512];

/* The LDT this test builds (entry index -> descriptor). */
static const struct { int idx; uint32_t flags, limit; int base_buf; } ents[] = {
	{ 1, UD_32BIT, 0xff, 1 },				   /* data on buf */
	{ 2, UD_32BIT | UD_PAGES | UD_NP, 0xfffff, 0 },		   /* not present */
	{ 3, UD_32BIT | UD_PAGES | UD_CONTENTS(2), 0xfffff, 0 },  /* flat code */
	{ 4, UD_32BIT | UD_PAGES | UD_RO, 5, 1 },		   /* page-granular */
	{ 5, UD_32BIT | UD_CONTENTS(3) | UD_NP, 0xfffff, 0 },	   /* conforming */
};
#define NENTS ((int)(sizeof(ents) / sizeof(ents[0])))

static struct seg_ud ent_ud(int i)
{
	return ud_make(ents[i].idx, ents[i].base_buf ? (uint32_t)(uintptr_t)buf : 0,
		       ents[i].limit, ents[i].flags);
}

static void ldt_cases(void)
{
	unsigned int v, ar;
	struct seg_rec r;
	int ok = 1;

	for (int i = 0; i < (int)sizeof(buf); i++)
		buf[i] = (unsigned char)(i * 7 + 1);
	ktap_ok((uintptr_t)buf < 0xffffffffu - sizeof(buf), "the buffer lies below 4 GiB (segment bases are 32-bit)");
	for (int i = 0; i < NENTS; i++) {
		struct seg_ud u = ent_ud(i);
		ok &= modify_ldt(0x11, &u, sizeof(u)) == 0;
	}
	ktap_ok(ok, "modify_ldt(0x11) writes entries 1-5");

	ktap_ok(lsl_of(SEL(1), &v) && v == 0xff, "LSL of a byte-granular entry gives its limit (0xff)");
	ktap_ok(lsl_of(SEL(4), &v) && v == 0x5fff, "LSL of a page-granular entry with limit 5 gives 0x5fff");
	ok = 1;
	for (int i = 0; i < NENTS; i++) {
		struct seg_ud u = ent_ud(i);
		uint64_t d = seg_encode(&u, 0);
		/* Bits 19:16 (limit 19:16 on some CPUs) are undefined: mask. */
		int got = lar_of(SEL(ents[i].idx), &ar);
		ar &= 0x00f0ff00;
		if (!got || ar != ((d >> 32) & 0x00f0ff00)) {
			ok = 0;
			ktap_diag("entry %d: LAR ok %d gives %#x, want %#llx", ents[i].idx, got,
				  ar, (unsigned long long)((d >> 32) & 0x00f0ff00));
		} else if (!((ar >> 12) & 1) || ((ar >> 13) & 3) != 3) {
			ok = 0;
		}
	}
	ktap_ok(ok, "LAR of each entry (present or not) gives its access bits, all S=1 DPL 3");
	ktap_ok(lar_of(SEL(1), &ar) && (ar & 0x00f0ff00) == 0x0040f300,
		"LAR of the 32-bit data entry is 0x0040f300 (D, P, DPL 3, S, RW, accessed)");
	ktap_ok(!lsl_of(SEL(0), &v) && !lar_of(SEL(0), &v) && !lar_of(0x3ff, &v),
		"LSL/LAR fail for the unwritten entry 0 and for an index past the table");

	ok = in_child(read_through, (void *)0x10, &r) && r.sig == 0 && r.val == buf[0x10];
	if (!ktap_ok(ok, "a read through the loaded data segment sees its base (buf[0x10])"))
		seg_rec_diag(ktap_diag, &r);
	ok = in_child(read_through, (void *)0xff, &r) && r.sig == 0 && r.val == buf[0xff];
	if (!ktap_ok(ok, "... and its last byte (offset 0xff = limit)"))
		seg_rec_diag(ktap_diag, &r);
#ifdef __x86_64__
	ok = in_child(read_through, (void *)0x100, &r) && r.sig == 0 && r.val == buf[0x100];
	if (!ktap_ok(ok, "64-bit mode ignores the limit: offset 0x100 reads buf[0x100]"))
		seg_rec_diag(ktap_diag, &r);
#else
	/* QEMU's TCG never checks data segment limits (the hardware does):
	 * the kernel has no part in this fault, so under TCG it is skipped. */
	if (under_tcg())
		ktap_skip("QEMU TCG does not check segment limits",
			  "read past the limit (0x100)");
	else
		expect_fault(read_through, (void *)0x100, SIGSEGV, 13, 0,
			     "read past the limit (0x100)");
#endif

	expect_fault(load_sel, (void *)(unsigned long)SEL(2), SIGBUS, 11, SEL(2) & ~3u,
		     "load a not-present entry (#NP)");
	expect_fault(load_sel, (void *)(unsigned long)SEL(0), SIGSEGV, 13, 4,
		     "load the zero entry 0 (#GP)");
	expect_fault(load_sel, (void *)0x3ffUL, SIGSEGV, 13, 0x3fc,
		     "load an index past the LDT's end (#GP)");

	ok = in_child(call_ldt_code, (void *)(unsigned long)SEL(3), &r) && r.sig == 0;
	ok = ok && (r.val & 0xffff) == SEL(3);
	if (!ktap_ok(ok, "lcall to a 32-bit LDT code segment runs with CS %#x, lret returns",
		     SEL(3)))
		seg_rec_diag(ktap_diag, &r);
	ktap_ok(ok && (r.val >> 16) == 1,
		"int $0x80 (getpid) from the LDT code segment returns there with the pid");

	struct xfer x = { SEL(1), 0, -1 };
	expect_fault(far_xfer, &x, SIGSEGV, 13, SEL(1) & ~3u, "lcall to an LDT data segment");
	x.sel = SEL(5);
	expect_fault(far_xfer, &x, SIGBUS, 11, SEL(5) & ~3u,
		     "lcall to the (necessarily not-present) conforming LDT segment (#NP)");
	for (int i = 0; i < 2; i++) {
		struct xfer g = { 0x7, i, 0 };
		struct seg_rec gr;
		ok = in_child(far_xfer, &g, &gr) && gr.sig == SIGSEGV && gr.trapno == 13 &&
		     gr.err == 4;
		if (!ktap_ok(ok, "with an LDT: %s through 0x7 with a gate forged at 0 is #GP(4)",
			     i ? "ljmp" : "lcall"))
			seg_rec_diag(ktap_diag, &gr);
	}
}

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(17 + 19);
	no_ldt_cases();
	ldt_cases();
	return ktap_finish();
}
