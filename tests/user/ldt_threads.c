/*
 * ldt_threads: the LDT belongs to the address space, so every thread of a
 * process sees every change made by any of them (issue 10).
 *
 * Linux facts tested (a data segment in LDT entry 1 or 2, selector 0xf /
 * 0x17, loaded into the register this ABI's libc leaves alone: %gs on
 * x86-64, %fs on i386; reads through it use the segment's base, which both
 * 64-bit mode (fs/gs) and 32-bit mode apply; no limit is relied on, as
 * QEMU's TCG does not check limits - docs/segments.md):
 *  - thread A writes entry 1 with modify_ldt(1, ...); thread B, already
 *    running, loads the selector and reads A's data through it;
 *  - A rewrites entry 1 with another base; B, after loading the selector
 *    again, reads through the new base (on i386 also through %es);
 *  - modify_ldt(0) in B reads back the descriptor A wrote;
 *  - A writes entry 2 and exits: B still loads and reads through entries 1
 *    and 2, and a thread created afterwards does too;
 *  - a process forked by a thread has a copy of the LDT: the child reads
 *    through entry 1, and its own modify_ldt leaves the parent's untouched.
 */
#include "seg_util.h" /* first: it defines _GNU_SOURCE */
#include "ktap.h"
#include <pthread.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdlib.h>

#define SEL(idx) ((unsigned int)(idx) << 3 | 7) /* LDT, RPL 3 */

/* Below 4 GiB (a static non-PIE binary's data), so any base can name them. */
static volatile uint32_t data1[4] = { 0x11111111, 0x1a1a1a1a };
static volatile uint32_t data2[4] = { 0x22222222, 0x2b2b2b2b };
static volatile uint32_t data3[4] = { 0x33333333, 0x3c3c3c3c };

/* Load sel and read the 32-bit word at offset off through it; the register
 * gets its null selector back afterwards. */
static uint32_t read_via(unsigned int sel, unsigned long off)
{
	uint32_t v;
#ifdef __x86_64__
	__asm__ volatile("mov %[s], %%gs\n\tmovl %%gs:(%[o]), %[v]\n\t"
			 "mov %[z], %%gs"
			 : [v] "=&r"(v)
			 : [s] "r"(sel), [o] "r"(off), [z] "r"(0)
			 : "memory");
#else
	__asm__ volatile("mov %[s], %%fs\n\tmovl %%fs:(%[o]), %[v]\n\t"
			 "mov %[z], %%fs"
			 : [v] "=&r"(v)
			 : [s] "r"(sel), [o] "r"(off), [z] "r"(0)
			 : "memory");
#endif
	return v;
}

#ifndef __x86_64__
/* The same through %es, which i386 code uses for string operations: it
 * gets the flat user data selector back at once. */
static uint32_t read_via_es(unsigned int sel, unsigned long off)
{
	uint32_t v;
	__asm__ volatile("push %%es\n\tmov %[s], %%es\n\tmovl %%es:(%[o]), %[v]\n\t"
			 "pop %%es"
			 : [v] "=&r"(v)
			 : [s] "r"(sel), [o] "r"(off)
			 : "memory");
	return v;
}
#endif

static long set_entry(int idx, volatile void *base)
{
	struct seg_ud u = ud_make(idx, (uint32_t)(uintptr_t)base, 0xfffff,
				  UD_32BIT | UD_PAGES);
	return modify_ldt(1, &u, sizeof(u));
}

static uint64_t want_desc(int idx, volatile void *base)
{
	struct seg_ud u = ud_make(idx, (uint32_t)(uintptr_t)base, 0xfffff,
				  UD_32BIT | UD_PAGES);
	return seg_encode(&u, 1);
}

/* ---- A and B ------------------------------------------------------------ */

static sem_t to_a, to_b;
static long a_err[3];
static uint32_t b_seen[7];
static uint64_t b_desc;
static long b_read;

static void *thread_a(void *x)
{
	sem_wait(&to_a);			/* B is running */
	a_err[0] = set_entry(1, data1);
	sem_post(&to_b);
	sem_wait(&to_a);			/* B has read data1 */
	a_err[1] = set_entry(1, data2);
	a_err[2] = set_entry(2, data3);
	sem_post(&to_b);
	return x;				/* and A is gone */
}

static void *thread_b(void *x)
{
	pthread_t *a = x;
	sem_post(&to_a);
	sem_wait(&to_b);
	b_seen[0] = read_via(SEL(1), 0);
	b_seen[1] = read_via(SEL(1), 4);
	sem_post(&to_a);
	sem_wait(&to_b);
	b_seen[2] = read_via(SEL(1), 0);
#ifdef __x86_64__
	b_seen[6] = b_seen[2];
#else
	b_seen[6] = read_via_es(SEL(1), 0);
#endif
	uint64_t ldt[3] = { 0, 0, 0 };
	b_read = modify_ldt(0, ldt, sizeof(ldt));
	b_desc = ldt[1];
	pthread_join(*a, NULL);			/* A has exited */
	b_seen[3] = read_via(SEL(1), 4);
	b_seen[4] = read_via(SEL(2), 0);
	return x;
}

static void *thread_c(void *x)
{
	b_seen[5] = read_via(SEL(2), 4);
	return x;
}

static void t_shared(void)
{
	pthread_t a, b, c;
	sem_init(&to_a, 0, 0);
	sem_init(&to_b, 0, 0);
	memset(b_seen, 0, sizeof(b_seen));
	pthread_create(&a, NULL, thread_a, NULL);
	pthread_create(&b, NULL, thread_b, &a);
	pthread_join(b, NULL);
	pthread_create(&c, NULL, thread_c, NULL);
	pthread_join(c, NULL);

	if (!ktap_ok(a_err[0] == 0 && b_seen[0] == data1[0] && b_seen[1] == data1[1],
		     "thread A writes entry 1; running thread B loads 0xf and reads A's data"))
		ktap_diag("modify_ldt %ld; read %#x %#x", a_err[0], b_seen[0], b_seen[1]);
	if (!ktap_ok(a_err[1] == 0 && b_seen[2] == data2[0] && b_seen[6] == data2[0],
		     "A moves entry 1's base; B, loading 0xf again, reads through the new base%s",
		     ABI_BITS == 32 ? " (%fs and %es)" : ""))
		ktap_diag("modify_ldt %ld; read %#x / %#x, want %#x", a_err[1], b_seen[2],
			  b_seen[6], data2[0]);
	uint64_t want = want_desc(1, data2);
	if (!ktap_ok(b_read == 24 && b_desc == want,
		     "modify_ldt(0) in B reads back the descriptor A wrote"))
		ktap_diag("read %ld; entry 1 %#llx, want %#llx", b_read,
			  (unsigned long long)b_desc, (unsigned long long)want);
	if (!ktap_ok(a_err[2] == 0 && b_seen[3] == data2[1] && b_seen[4] == data3[0],
		     "after A exits, B still reads through entries 1 and 2 A wrote"))
		ktap_diag("modify_ldt %ld; reads %#x %#x", a_err[2], b_seen[3], b_seen[4]);
	if (!ktap_ok(b_seen[5] == data3[1],
		     "a thread created after that reads through entry 2 too"))
		ktap_diag("read %#x", b_seen[5]);
}

/* ---- fork ------------------------------------------------------------- */

static int fork_pipe[2];

/* In the forked child: read through entries 1 and 2, then move entry 1. */
static void fork_child(void)
{
	uint32_t r[4];
	r[0] = read_via(SEL(1), 0);
	r[1] = read_via(SEL(2), 4);
	r[2] = (uint32_t)set_entry(1, data3);
	r[3] = read_via(SEL(1), 0);
	SC(SYS_write, fork_pipe[1], r, sizeof(r));
	SC(SYS_exit_group, 0);
}

static void *forker(void *x)
{
	pid_t pid = fork();
	if (pid == 0)
		fork_child();
	*(pid_t *)x = pid;
	return x;
}

static void t_fork(void)
{
	uint32_t r[4] = { 0, 0, 0, 0 };
	pid_t pid = -1;
	pthread_t f;
	int st = -1, ok = 0;
	if (pipe(fork_pipe) != 0)
		goto report;
	pthread_create(&f, NULL, forker, &pid);
	pthread_join(f, NULL);
	close(fork_pipe[1]);	/* a child that dies unheard gives EOF */
	if (pid > 0) {
		ok = read(fork_pipe[0], r, sizeof(r)) == sizeof(r);
		waitpid(pid, &st, 0);
	}
report:
	if (!ktap_ok(ok && r[0] == data2[0] && r[1] == data3[1],
		     "a process forked by a thread has the LDT: reads through entries 1 and 2"))
		ktap_diag("pid %d (%s); read %#x %#x", pid, status_str(st, (char[64]){0}, 64),
			  r[0], r[1]);
	if (!ktap_ok(ok && r[2] == 0 && r[3] == data3[0],
		     "the child moves its entry 1 (modify_ldt 0) and reads through the new base"))
		ktap_diag("modify_ldt %d; read %#x", (int)r[2], r[3]);
	uint32_t mine = read_via(SEL(1), 0);
	if (!ktap_ok(mine == data2[0], "... while the parent's entry 1 is unchanged"))
		ktap_diag("read %#x, want %#x", mine, data2[0]);
}

int main(void)
{
	no_core_dumps();
	default_signals();
	alarm(60);
	ktap_plan(5 + 3);
	t_shared();
	t_fork();
	return ktap_finish();
}
