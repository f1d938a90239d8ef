/*
 * ldt_modify: the modify_ldt(func, ptr, bytecount) system call.
 *
 * Linux facts tested (measured on Linux 6.18 x86-64, both ABIs):
 *  - the result is an int: a 64-bit caller gets (unsigned int)-errno in
 *    rax (EINVAL = 0xffffffea, not sign-extended), an i386 caller -errno;
 *    on x86-64 only the low 32 bits of func count;
 *  - func 0 reads the LDT: 0 when there is none (the buffer is not even
 *    touched), else min(bytecount, 65536) with zeros past the entries; an
 *    LDT has as many entries as its highest written index + 1, so a read
 *    shows what was written and zeros after it;
 *  - func 2 zero-fills min(bytecount, 128) bytes and returns that (on a
 *    native i386 kernel min(bytecount, 40): five descriptors; kernel32.h);
 *  - func 1 (old mode) and 0x11 write one struct user_desc: bytecount must
 *    be 16 (EINVAL, checked before the copy), a bad pointer is EFAULT,
 *    entry_number >= 8192 EINVAL; contents 3 (conforming code) is refused
 *    by func 1 always and by 0x11 unless seg_not_present;
 *  - the stored descriptor is always S=1 (never a system descriptor or a
 *    gate), DPL 3, accessed, L=0 whatever lm says; 16-bit and not-present
 *    segments are allowed; old mode drops the AVL bit;
 *  - a clear: func 1 with base 0 and limit 0, or either func with an
 *    LDT_empty user_desc; an all-zero user_desc through 0x11 is NOT a
 *    clear but a 16-bit writable data segment with base 0, limit 0;
 *  - other func values: ENOSYS; a failed write creates no LDT;
 *  - fork copies the LDT (the child's changes stay its own); execve drops
 *    it.
 */
#include "seg_util.h" /* first: it defines _GNU_SOURCE */
#include "ktap.h"
#include "kernel32.h"

#define LDT_BYTES 65536 /* 8192 entries of 8 bytes */
#define POISON 0xa5

static unsigned char *big; /* 1 MiB, poisoned before each read */
#define BIG (1 << 20)

static void poison(void) { memset(big, POISON, BIG); }

static int all_are(const unsigned char *p, size_t n, unsigned char v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return 0;
	return 1;
}

/* Read LDT entry idx (via a read of idx+1 entries); ~0 if the read failed. */
static uint64_t entry(int idx)
{
	uint64_t d[8192];
	long n = (long)(idx + 1) * 8;
	if (modify_ldt(0, d, n) != n)
		return ~0ULL;
	return d[idx];
}

static long write_ud(long func, uint32_t idx, uint32_t base, uint32_t limit,
		     uint32_t flags)
{
	struct seg_ud u = ud_make(idx, base, limit, flags);
	return modify_ldt(func, &u, sizeof(u));
}

static void no_ldt_cases(void)
{
	poison();
	ktap_ok(modify_ldt(0, big, 16) == 0 && all_are(big, 16, POISON),
		"func 0 without an LDT returns 0 and leaves the buffer alone");
	ktap_eq(modify_ldt(0, NULL, 16), 0, "func 0 without an LDT ignores a NULL buffer");
	/* Linux's "default LDT" size: 128 bytes, five descriptors on i386. */
	const int dflt = native_i386() ? 40 : 128;
	poison();
	ktap_ok(modify_ldt(2, big, 200) == dflt && all_are(big, dflt, 0) && big[dflt] == POISON,
		"func 2 zero-fills %d bytes of 200 and returns %d", dflt, dflt);
	poison();
	ktap_ok(modify_ldt(2, big, 5) == 5 && all_are(big, 5, 0) && big[5] == POISON,
		"func 2 with bytecount 5 zero-fills 5 bytes, returns 5");
	ktap_eq(modify_ldt(2, big, ~0UL), dflt, "func 2 with bytecount ~0 (unsigned) returns %d",
		dflt);
	ktap_eq(modify_ldt(2, (void *)16, 16), LDT_ERR(EFAULT), "func 2 to a bad pointer: EFAULT");
	static const long bad_funcs[] = { 3, 4, 0x10, 0x12, 0x21, -1 };
	int ok = 1;
	for (int i = 0; i < 6; i++)
		ok &= modify_ldt(bad_funcs[i], big, 16) == LDT_ERR(ENOSYS);
	ktap_ok(ok, "func 3, 4, 0x10, 0x12, 0x21 and -1: ENOSYS");
#ifdef __x86_64__
	ktap_eq(modify_ldt((1L << 32) | 2, big, 16), 16,
		"func is an int: 0x100000002 acts as func 2");
	ktap_eq(modify_ldt(-1L, big, 16), 0xffffffdaL,
		"the 64-bit error value is zero-extended: ENOSYS is rax 0xffffffda");
#endif
}

static void write_error_cases(void)
{
	struct seg_ud u = ud_make(1, 0x1000, 0xfff, UD_32BIT);
	static const unsigned long sizes[] = { 0, 8, 15, 17, 32 };
	int ok = 1;
	for (int i = 0; i < 5; i++)
		ok &= modify_ldt(1, &u, sizes[i]) == LDT_ERR(EINVAL) &&
		      modify_ldt(0x11, &u, sizes[i]) == LDT_ERR(EINVAL);
#ifdef __x86_64__
	/* bytecount is an unsigned long: 2^32 + 16 is not 16. */
	ok &= modify_ldt(0x11, &u, (1UL << 32) | 16) == LDT_ERR(EINVAL);
#endif
	ktap_ok(ok, "write with bytecount != 16 (0, 8, 15, 17, 32): EINVAL");
	ktap_ok(modify_ldt(1, (void *)16, 16) == LDT_ERR(EFAULT) &&
			modify_ldt(0x11, (void *)16, 16) == LDT_ERR(EFAULT),
		"write from a bad pointer: EFAULT");
	ktap_eq(modify_ldt(0x11, (void *)16, 15), LDT_ERR(EINVAL),
		"bytecount is checked before the copy: bad pointer with 15 is EINVAL");
	ok = 1;
	static const uint32_t bad_idx[] = { 8192, 8193, 0x10000, 0xffffffff };
	for (int i = 0; i < 4; i++)
		ok &= write_ud(1, bad_idx[i], 0x1000, 0xfff, UD_32BIT) == LDT_ERR(EINVAL) &&
		      write_ud(0x11, bad_idx[i], 0x1000, 0xfff, UD_32BIT) == LDT_ERR(EINVAL);
	ktap_ok(ok, "entry_number 8192, 8193, 0x10000, 0xffffffff: EINVAL");
	ktap_ok(write_ud(1, 1, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(3)) == LDT_ERR(EINVAL) &&
			write_ud(1, 1, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(3) | UD_NP) ==
				LDT_ERR(EINVAL),
		"func 1 refuses conforming code (contents 3), present or not");
	ktap_eq(write_ud(0x11, 1, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(3)), LDT_ERR(EINVAL),
		"func 0x11 refuses present conforming code");
	ktap_eq(modify_ldt(0, NULL, 16), 0, "after only failed writes there is still no LDT");
}

/* The known answer: base 0x12345678, limit 0xabcde, 32-bit, AVL, RW data. */
#define KNOWN_DESC 0x125af3345678bcdeULL

static void write_cases(void)
{
	ktap_eq(write_ud(0x11, 2, 0x12345678, 0xabcde, UD_32BIT | UD_AVL), 0,
		"func 0x11 writes entry 2");
	uint64_t d[5];
	memset(d, POISON, sizeof(d));
	long n = modify_ldt(0, d, 24);
	ktap_ok(n == 24 && d[0] == 0 && d[1] == 0 && d[2] == KNOWN_DESC,
		"read of 24 bytes: entries 0, 1 zero, entry 2 = %#llx", KNOWN_DESC);
	poison();
	ktap_ok(modify_ldt(0, big, 40) == 40 && all_are(big, 16, 0) &&
			!memcmp(big + 16, &d[2], 8) && all_are(big + 24, 16, 0) &&
			big[40] == POISON,
		"read of 40 bytes returns 40: the 3 entries, then zero fill");
	poison();
	ktap_ok(modify_ldt(0, big, 20) == 20 && all_are(big, 16, 0) &&
			!memcmp(big + 16, &d[2], 4) && big[20] == POISON,
		"read of 20 bytes copies exactly 20 (half an entry)");
	ktap_eq(modify_ldt(0, big, 0), 0, "read of 0 bytes returns 0");

	struct seg_ud u = ud_make(3, 0x00400000, 0x1234, UD_32BIT | UD_AVL | UD_RO);
	ktap_ok(modify_ldt(1, &u, 16) == 0 && entry(3) == seg_encode(&u, 1) &&
			!((entry(3) >> 52) & 1),
		"func 1 (old mode) stores the segment without the AVL bit");
	u = ud_make(4, 0x00400000, 0xfffff, UD_32BIT | UD_PAGES | UD_CONTENTS(3) | UD_NP);
	ktap_ok(modify_ldt(0x11, &u, 16) == 0 && entry(4) == seg_encode(&u, 0) &&
			DESC_TYPE(entry(4)) == 0xf && !((entry(4) >> 47) & 1),
		"func 0x11 stores a not-present conforming code segment (type 0xf, P=0)");
	u = ud_make(5, 0x8000, 0xffff, 0);
	ktap_ok(modify_ldt(0x11, &u, 16) == 0 && entry(5) == seg_encode(&u, 0) &&
			!((entry(5) >> 54) & 1),
		"a 16-bit data segment (seg_32bit 0) is allowed: D=0");
	u = ud_make(6, 0x8000, 0xffff, UD_32BIT | UD_NP);
	ktap_ok(modify_ldt(0x11, &u, 16) == 0 && entry(6) == seg_encode(&u, 0),
		"a not-present data segment is allowed: P=0");
	int ok = 1;
	for (int func = 1; func <= 0x11; func += 0x10) {
		u = ud_make(7, 0x400000, 0xfffff, UD_32BIT | UD_PAGES | UD_CONTENTS(2) | UD_LM);
		ok &= modify_ldt(func, &u, 16) == 0 && !DESC_L(entry(7));
		u.lm = 0;
		ok &= entry(7) == seg_encode(&u, func == 1);
	}
	ktap_ok(ok, "lm=1 on a code segment is ignored: L=0, same descriptor as lm=0");
}

/* Every flag combination: refused exactly when Linux refuses, else encoded. */
static void all_flags(long func)
{
	int bad = 0, refused = 0;
	for (uint32_t f = 0; f < 256; f++) {
		struct seg_ud u = ud_make(9, 0xdead0000 | f << 4, 0x5a5a5 ^ f, f);
		long r = modify_ldt(func, &u, 16);
		int want_refuse = u.contents == 3 && (func == 1 || !u.seg_not_present);
		uint64_t d = want_refuse ? 0 : entry(9);
		if (want_refuse ? r != LDT_ERR(EINVAL)
				: r != 0 || d != seg_encode(&u, func == 1) ||
					  DESC_S(d) != 1 || DESC_DPL(d) != 3 ||
					  DESC_L(d) || !(DESC_TYPE(d) & 1)) {
			if (bad++ < 3)
				ktap_diag("flags %#x: ret %#lx desc %#llx", f, r,
					  (unsigned long long)d);
		}
		refused += want_refuse;
	}
	ktap_ok(!bad, "func %#lx, all 256 flag words: %d refused (EINVAL), every other "
		"descriptor is S=1, DPL 3, accessed, L=0, as encoded", func, refused);
}

static void clear_cases(void)
{
	ktap_ok(write_ud(0x11, 10, 0x1000, 0xfff, UD_32BIT) == 0 &&
			write_ud(1, 10, 0, 0, UD_32BIT | UD_PAGES | UD_CONTENTS(2)) == 0 &&
			entry(10) == 0,
		"func 1 with base 0 and limit 0 clears the slot, whatever the flags");
	ktap_ok(write_ud(1, 10, 0x1000, 0xfff, UD_32BIT) == 0 &&
			write_ud(1, 10, 0, 0, 0) == 0 && entry(10) == 0,
		"func 1 with an all-zero user_desc clears the slot");
	ktap_ok(write_ud(0x11, 10, 0x1000, 0xfff, UD_32BIT) == 0 &&
			write_ud(0x11, 10, 0, 0, UD_EMPTY) == 0 && entry(10) == 0,
		"func 0x11 with an LDT_empty user_desc clears the slot");
	ktap_ok(write_ud(0x11, 10, 0, 0, 0) == 0 && entry(10) == 0x0000f30000000000ULL,
		"func 0x11 with an all-zero user_desc makes a 16-bit RW data segment (0x0000f300_00000000)");
	ktap_ok(write_ud(0x11, 10, 0, 0, UD_32BIT) == 0 && entry(10) == 0x0040f30000000000ULL,
		"func 0x11 with base 0, limit 0, 32-bit is a segment, not a clear");
}

static void big_cases(void)
{
	ktap_eq(write_ud(0x11, 8191, 0x1000, 0xfff, UD_32BIT), 0, "entry 8191 can be written");
	struct seg_ud u = ud_make(8191, 0x1000, 0xfff, UD_32BIT);
	uint64_t want = seg_encode(&u, 0), last;
	poison();
	long n = modify_ldt(0, big, LDT_BYTES);
	memcpy(&last, big + LDT_BYTES - 8, 8);
	ktap_ok(n == LDT_BYTES && last == want && !memcmp(big + 16, &(uint64_t){ KNOWN_DESC }, 8) &&
			all_are(big + 88, LDT_BYTES - 96, 0),
		"a 65536-byte read returns all 8192 entries (2 and 8191 as written)");
	poison();
	ktap_ok(modify_ldt(0, big, BIG) == LDT_BYTES && all_are(big + LDT_BYTES, BIG - LDT_BYTES, POISON),
		"a 1 MiB read returns 65536 and writes nothing past it");
	ktap_eq(modify_ldt(0, (void *)16, 16), LDT_ERR(EFAULT), "read to a bad pointer: EFAULT");
}

/* fork: the child checks what it inherited, then changes its own copy. */
static int fork_child(void *unused)
{
	if (entry(2) != KNOWN_DESC || entry(8191) == 0)
		return 1;
	if (write_ud(0x11, 2, 0, 0, UD_EMPTY) != 0 || write_ud(0x11, 11, 0x2000, 1, UD_32BIT) != 0)
		return 2;
	return entry(2) == 0 && entry(11) != 0 ? 0 : 3;
}

static void fork_cases(void)
{
	char b[64];
	int st = run_in_child(fork_child, NULL);
	if (!ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "a forked child sees the parent's LDT and can change its copy"))
		ktap_diag("child %s", status_str(st, b, sizeof(b)));
	ktap_ok(entry(2) == KNOWN_DESC && entry(11) == 0,
		"the child's changes do not reach the parent's LDT");
}

/* execve: the new program starts without an LDT. */
static const char *self;
static int exec_child(void *unused)
{
	char *argv[] = { (char *)self, "--exec-no-ldt", NULL };
	char *envp[] = { NULL };
	execve("/proc/self/exe", argv, envp);
	execve(self, argv, envp);
	return 100;
}

static void exec_cases(void)
{
	char b[64];
	int st = run_in_child(exec_child, NULL);
	if (!ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 42,
		     "a program exec'd by a task with an LDT starts without one"))
		ktap_diag("child %s (42: no LDT, 43: an LDT, 100: exec failed)",
			  status_str(st, b, sizeof(b)));
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--exec-no-ldt")) {
		uint64_t d[2] = { 1, 1 };
		return modify_ldt(0, d, 16) == 0 && d[0] == 1 ? 42 : 43;
	}
	self = argv[0];
	default_signals();
	no_core_dumps();
	ktap_plan(7 + 2 * (ABI_BITS == 64) + 7 + 10 + 2 + 5 + 4 + 2 + 1);
	big = mmap(NULL, BIG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big == MAP_FAILED) {
		ktap_diag("mmap failed: %s", strerror(errno));
		return 1;
	}
	no_ldt_cases();
	write_error_cases();
	write_cases();
	all_flags(0x11);
	all_flags(1);
	clear_cases();
	big_cases();
	fork_cases();
	exec_cases();
	return ktap_finish();
}
