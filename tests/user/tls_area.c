/*
 * tls_area: set_thread_area and get_thread_area, the three GDT TLS slots.
 *
 * Both ABIs enter through int $0x80 with the i386 numbers (243, 244): the
 * x86-64 table has set/get_thread_area at 205/211 but without an
 * implementation (ENOSYS), while int $0x80 from a 64-bit task reaches the
 * real ones, so 64-bit programs can use GDT TLS segments too.
 *
 * Linux facts tested (measured on Linux 6.18 x86-64, both ABIs):
 *  - slots are entries 12-14; 11, 15, 0 and -2 are EINVAL; a static i386
 *    glibc program already holds 12 (%gs = 0x63, base = the TCB, whose
 *    first word points to itself), a 64-bit one none;
 *  - on a native i386 kernel (Linux i386, xentry ARCH=i386) the slots are
 *    entries 6-8 instead (glibc's %gs = 0x33), with 5 and 9 the EINVAL
 *    neighbours: T0 below is the first slot (kernel32.h);
 *  - entry_number -1 allocates the lowest empty slot and writes its number
 *    back; with none left: ESRCH (-3); a failed write-back is EFAULT and
 *    takes no slot;
 *  - hardening (CVE-2014-8133): 16-bit, not-present and code segments are
 *    EINVAL, checked before any allocation; but an all-zero user_desc
 *    (but for entry_number) and an LDT_empty one both clear the slot;
 *    with entry -1 they allocate a slot and leave it empty;
 *  - lm is ignored by both ABIs: accepted, never stored, read back as 0,
 *    and it does not stop a clear;
 *  - get_thread_area writes the whole struct; an empty slot reads back as
 *    base 0, limit 0, read_exec_only and seg_not_present (flags 0x28);
 *  - the selector (idx << 3) | 3 works in %fs (LSL/LAR see the slot, a
 *    read at %fs:0 sees the base); rewriting the slot %fs holds updates it
 *    at once, clearing it leaves %fs = 0;
 *  - fork copies the slots, execve empties them.
 */
#include "seg_util.h" /* first: it defines _GNU_SOURCE */
#include "ktap.h"
#include "kernel32.h"

/* The three slots: 12-14, or 6-8 on a native i386 kernel (set by main). */
static unsigned int T0 = 12;
#define T1 (T0 + 1)
#define T2 (T0 + 2)
#define FIRST (ABI_BITS == 64 ? T0 : T1) /* the first slot glibc left free */
#define TLS_SEL(idx) ((unsigned int)(idx) << 3 | 3)

/* int $0x80 from 64-bit passes 32-bit pointers: keep these below 4 GiB. */
static struct seg_ud u;
static volatile unsigned long word_a = 0x11111111, word_b = 0x22222222;
#ifdef __x86_64__
#define LOW_MAP MAP_32BIT
#else
#define LOW_MAP 0
#endif

static long set_ud(uint32_t entry, uint32_t base, uint32_t limit, uint32_t flags)
{
	u = ud_make(entry, base, limit, flags);
	return tls_call(NR32_SET_THREAD_AREA, &u);
}

/* get_thread_area into a poisoned u (so every byte it writes shows). */
static long get_ud(uint32_t entry)
{
	memset(&u, 0x5a, sizeof(u));
	u.entry_number = entry;
	return tls_call(NR32_GET_THREAD_AREA, &u);
}

static int is_empty_slot(uint32_t idx)
{
	return get_ud(idx) == 0 && u.entry_number == idx && u.base_addr == 0 &&
	       u.limit == 0 && ud_flags(&u) == UD_EMPTY;
}

static int unchanged_poison(void)
{
	static const unsigned char p[12] = { 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
					     0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a };
	return !memcmp((char *)&u + 4, p, 12);
}

static void start_cases(void)
{
#ifdef __x86_64__
	ktap_ok(is_empty_slot(T0) && is_empty_slot(T1) && is_empty_slot(T2),
		"a 64-bit program starts with slots 12-14 empty");
	ktap_ok(SC(205, &u) == -ENOSYS && SC(211, &u) == -ENOSYS,
		"x86-64 syscalls 205/211 (set/get_thread_area) are ENOSYS");
#else
	unsigned int gs, tcb;
	__asm__ volatile("mov %%gs, %0\n\tmovl %%gs:0, %1" : "=r"(gs), "=r"(tcb));
	ktap_ok((gs & 0xffff) == TLS_SEL(T0) && get_ud(T0) == 0 && u.base_addr == tcb &&
			u.limit == 0xfffff && ud_flags(&u) == (UD_32BIT | UD_PAGES | UD_AVL),
		"glibc holds slot %u: %%gs = %#x, base = its TCB, 4 GiB, flags 0x51", T0,
		TLS_SEL(T0));
	ktap_ok(is_empty_slot(T1) && is_empty_slot(T2), "slots %u and %u start empty", T1, T2);
#endif
	ktap_ok(is_empty_slot(FIRST),
		"an empty slot reads back whole: base 0, limit 0, flags 0x28 (read_exec_only, not present)");
	const uint32_t bad[] = { T0 - 1, T2 + 1, 0, 0xffffffff };
	int ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= get_ud(bad[i]) == -EINVAL && unchanged_poison();
	ktap_ok(ok, "get_thread_area of entry %u, %u, 0, -1: EINVAL, nothing written", bad[0],
		bad[1]);
	ok = 1;
	for (int i = 0; i < 3; i++)
		ok &= set_ud(bad[i], 0x1000, 0xfff, UD_32BIT) == -EINVAL;
	ok &= set_ud(0xfffffffe, 0x1000, 0xfff, UD_32BIT) == -EINVAL;
	ktap_ok(ok, "set_thread_area of entry %u, %u, 0, -2: EINVAL", bad[0], bad[1]);
}

static void refusal_cases(void)
{
	ktap_eq(set_ud(FIRST, 0x1000, 0xfff, 0), -EINVAL, "a 16-bit data segment: EINVAL");
	ktap_eq(set_ud(FIRST, 0x1000, 0xfff, UD_32BIT | UD_NP), -EINVAL,
		"a not-present segment: EINVAL");
	ktap_ok(set_ud(FIRST, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(2)) == -EINVAL &&
			set_ud(FIRST, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(3)) == -EINVAL,
		"a code segment (contents 2 or 3): EINVAL");
	ktap_ok(set_ud(-1, 0x1000, 0xfff, UD_32BIT | UD_CONTENTS(2)) == -EINVAL &&
			u.entry_number == 0xffffffff && is_empty_slot(FIRST),
		"a refused segment with entry -1 allocates nothing");

	/* The entry_number write-back fails: EFAULT, and no slot taken. */
	struct seg_ud *ro = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | LOW_MAP, -1, 0);
	long r = -1;
	if (ro != MAP_FAILED) {
		*ro = ud_make(-1, 0x1000, 0xfff, UD_32BIT);
		mprotect(ro, 4096, PROT_READ);
		r = tls_call(NR32_SET_THREAD_AREA, ro);
	}
	ktap_ok(r == -EFAULT && is_empty_slot(FIRST),
		"entry -1 from a read-only user_desc: EFAULT, the slot stays empty");
	ktap_ok(tls_call(NR32_SET_THREAD_AREA, (void *)16) == -EFAULT &&
			tls_call(NR32_GET_THREAD_AREA, (void *)16) == -EFAULT,
		"set/get_thread_area with a bad pointer: EFAULT");
	if (ro != MAP_FAILED) {
		mprotect(ro, 4096, PROT_READ | PROT_WRITE);
		ro->entry_number = FIRST;
		mprotect(ro, 4096, PROT_READ);
	}
	ktap_ok(ro != MAP_FAILED && tls_call(NR32_GET_THREAD_AREA, ro) == -EFAULT,
		"get_thread_area into a read-only user_desc: EFAULT");
}

#define RT_FLAGS (UD_32BIT | UD_CONTENTS(1) | UD_RO | UD_AVL)

static void alloc_cases(void)
{
	ktap_ok(set_ud(-1, 0x12345678, 0xabcde, RT_FLAGS) == 0 && u.entry_number == FIRST,
		"entry -1 allocates slot %d and writes it back", FIRST);
	ktap_ok(get_ud(FIRST) == 0 && u.entry_number == FIRST && u.base_addr == 0x12345678 &&
			u.limit == 0xabcde && ud_flags(&u) == RT_FLAGS,
		"get_thread_area returns base, limit and flags as set (flags %#x)", RT_FLAGS);
	unsigned int lim = 0, ar = 0;
	struct seg_ud want = ud_make(FIRST, 0x12345678, 0xabcde, RT_FLAGS);
	int ok = lsl_of(TLS_SEL(FIRST), &lim) && lar_of(TLS_SEL(FIRST), &ar);
	ktap_ok(ok && lim == 0xabcde && (ar & 0x00f0ff00) == ((seg_encode(&want, 0) >> 32) & 0x00f0ff00),
		"LSL/LAR of selector %#x see the slot (limit 0xabcde, access %#x)", TLS_SEL(FIRST),
		(unsigned int)(seg_encode(&want, 0) >> 32) & 0x00f0ff00);

	ktap_ok(set_ud(T2, 0x1000, 0xfff, UD_32BIT | UD_LM) == 0 && get_ud(T2) == 0 &&
			ud_flags(&u) == UD_32BIT && u.base_addr == 0x1000,
		"lm=1 is accepted and ignored: reads back as a 32-bit segment, lm 0");
	ktap_ok(set_ud(T2, 0, 0, 0) == 0 && is_empty_slot(T2) && !lar_of(TLS_SEL(T2), &ar),
		"an all-zero user_desc clears a slot (LAR fails on it)");
	ok = set_ud(T2, 0x1000, 0xfff, UD_32BIT) == 0 && !is_empty_slot(T2);
	ktap_ok(ok && set_ud(T2, 0, 0, UD_EMPTY) == 0 && is_empty_slot(T2),
		"an LDT_empty user_desc clears a slot");
	ok = set_ud(T2, 0x1000, 0xfff, UD_32BIT) == 0 && set_ud(T2, 0, 0, UD_EMPTY | UD_LM) == 0 &&
	     is_empty_slot(T2);
	ok &= set_ud(T2, 0x1000, 0xfff, UD_32BIT) == 0 && set_ud(T2, 0, 0, UD_LM) == 0 &&
	      is_empty_slot(T2);
	ktap_ok(ok, "lm=1 does not stop either clear");
	ok = set_ud(-1, 0, 0, 0) == 0 && u.entry_number == FIRST + 1 && is_empty_slot(FIRST + 1);
	ktap_ok(ok && set_ud(-1, 0, 0, UD_EMPTY) == 0 && u.entry_number == FIRST + 1,
		"entry -1 with a clearing user_desc returns slot %d and leaves it free", FIRST + 1);

	int got = 0;
	long r;
	while ((r = set_ud(-1, 0x2000, 0xfff, UD_32BIT)) == 0 && got < 5)
		got++;
	ktap_ok(got == T2 - FIRST && r == -ESRCH && u.entry_number == 0xffffffff,
		"entry -1 fills the %d free slots, then ESRCH", T2 - FIRST);
	ktap_eq(set_ud(-1, 0, 0, 0), -ESRCH, "with all slots full even a clearing entry -1 is ESRCH");
}

/* ---- the selector in %fs (children: %fs is glibc's TLS on x86-64) ---- */

static unsigned long fs_word(void)
{
	unsigned long v;
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v) : : "memory");
	return v;
}

/* Bit 0: %fs:0 saw word_a; 1: after a rewrite, word_b; 2: cleared -> %fs 0. */
static long fs_child(void *unused)
{
	long bits = 0;
	unsigned int sel = TLS_SEL(T2), fs;
	if (set_ud(T2, (uint32_t)(uintptr_t)&word_a, 0xfffff, UD_32BIT | UD_PAGES) != 0)
		return -1;
	__asm__ volatile("mov %0, %%fs" : : "r"(sel) : "memory");
	bits |= fs_word() == word_a;
	set_ud(T2, (uint32_t)(uintptr_t)&word_b, 0xfffff, UD_32BIT | UD_PAGES);
	bits |= (fs_word() == word_b) << 1;
	set_ud(T2, 0, 0, UD_EMPTY);
	__asm__ volatile("mov %%fs, %0" : "=r"(fs));
	bits |= ((fs & 0xffff) == 0) << 2;
	return bits;
}

static void fs_cases(void)
{
	struct seg_rec r;
	int ran = in_child(fs_child, NULL, &r) && r.sig == 0;
	if (!ran)
		seg_rec_diag(ktap_diag, &r);
	ktap_ok(ran && (r.val & 1), "%%fs = %#x reads the slot's base at %%fs:0", TLS_SEL(T2));
	ktap_ok(ran && (r.val & 2), "rewriting the slot %%fs holds moves %%fs:0 to the new base at once");
	ktap_ok(ran && (r.val & 4), "clearing the slot %%fs holds leaves %%fs = 0");
}

/* ---- fork and exec --------------------------------------------------- */

static int fork_child(void *unused)
{
	if (get_ud(FIRST) != 0 || u.base_addr != 0x12345678)
		return 1;
	return set_ud(FIRST, 0x3000, 0xfff, UD_32BIT) == 0 && get_ud(FIRST) == 0 &&
			       u.base_addr == 0x3000 ? 0 : 2;
}

static const char *self;
static int exec_child(void *unused)
{
	char *argv[] = { (char *)self, "--exec-tls", NULL };
	char *envp[] = { NULL };
	execve("/proc/self/exe", argv, envp);
	execve(self, argv, envp);
	return 100;
}

/* In the exec'd program: only what its own start-up set is there. */
static int exec_main(void)
{
	int ok = is_empty_slot(T1) && is_empty_slot(T2);
#ifdef __x86_64__
	ok &= is_empty_slot(T0);
#else
	ok &= get_ud(T0) == 0 && ud_flags(&u) == (UD_32BIT | UD_PAGES | UD_AVL);
#endif
	return ok ? 42 : 43;
}

static void fork_exec_cases(void)
{
	char b[64];
	int st = run_in_child(fork_child, NULL);
	if (!ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "a forked child inherits the slots and can rewrite its own"))
		ktap_diag("child %s", status_str(st, b, sizeof(b)));
	ktap_ok(get_ud(FIRST) == 0 && u.base_addr == 0x12345678,
		"the child's rewrite does not reach the parent");
	st = run_in_child(exec_child, NULL);
	if (!ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 42,
		     "execve empties the slots (all full before it)"))
		ktap_diag("child %s (42: ok, 43: a slot survived, 100: exec failed)",
			  status_str(st, b, sizeof(b)));
}

int main(int argc, char **argv)
{
	T0 = tls_slot_min();
	if (argc == 2 && !strcmp(argv[1], "--exec-tls"))
		return exec_main();
	self = argv[0];
	default_signals();
	no_core_dumps();
	ktap_plan(5 + 7 + 10 + 3 + 3);
	start_cases();
	refusal_cases();
	alloc_cases();
	fs_cases();
	fork_exec_cases();
	return ktap_finish();
}
