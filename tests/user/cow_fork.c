/*
 * cow_fork: fork's copy-on-write and exec's file-backed pages keep every
 * process's private memory its own.
 *
 * Linux facts tested (each must hold however the kernel shares pages):
 *  - after fork, parent and child each write the same private pages
 *    (static data, heap, stack) and neither sees the other's stores;
 *  - many forks of a big buffer: each child changes its copy, and neither
 *    the parent nor a later child sees it;
 *  - ptrace POKEDATA into a stopped child's page that fork shared with us
 *    changes the child only; POKETEXT into its code (the program file's
 *    page, shared by every process running it) changes neither our code
 *    nor the program file;
 *  - a shared (not PRIVATE) futex wait on a word of private memory, in a
 *    fork child, is woken by a sibling thread; and a thread's wait on such
 *    a word is still woken after a fork made the page shared with a child
 *    and the waker's write moved the waker to a copy;
 *  - read() into a page shared with the other side of a fork (the kernel
 *    storing through copy_to_user) changes only the reader's copy;
 *  - a page made read-only before fork can be made writable again in the
 *    child, and the child's stores stay the child's;
 *  - MAP_SHARED memory stays one copy across fork; MADV_DONTNEED, mremap
 *    and munmap of a shared-on-fork range touch one side only; a vfork
 *    child's stores are the parent's (one address space);
 *  - a freshly exec'd copy of this program sees the file's initialized
 *    data and a zero .bss, whatever the exec'ing process wrote there.
 */
#define _GNU_SOURCE
#include "ktap.h"
#include <fcntl.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#define PG 4096
#define BIG (4 << 20)
#define FORKS 40

static volatile int gdata = 1234;	/* .data: from the program file */
static volatile int gbss;		/* .bss */
static volatile long word;		/* POKE target, in .bss */
static volatile uint32_t fword;		/* futex words */
static volatile uint32_t fword2;

/* The child's findings: its exit status, 0 = all well, else the number
 * of the first check that failed. */
static int wait_child(pid_t pid)
{
	int st;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static void test_both_write(void)
{
	int p2c[2], c2p[2];
	char *heap = malloc(3 * PG);
	volatile int stackvar = 5;
	memset(heap, 'p', 3 * PG);
	gdata = 1234;
	if (pipe(p2c) || pipe(c2p))
		ktap_ok(0, "pipes");
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		/* The child writes first, then lets the parent write, then
		 * checks that it still sees only its own values. */
		gdata = 1, stackvar = 1;
		memset(heap, 'c', 3 * PG);
		write(c2p[1], "x", 1);
		read(p2c[0], &c, 1);
		if (gdata != 1 || stackvar != 1)
			_exit(1);
		for (int i = 0; i < 3 * PG; i++)
			if (heap[i] != 'c')
				_exit(2);
		_exit(0);
	}
	char c;
	read(c2p[0], &c, 1);
	int seen = gdata == 1234 && stackvar == 5 && heap[0] == 'p' && heap[3 * PG - 1] == 'p';
	gdata = 2, stackvar = 2;
	memset(heap, 'P', 3 * PG);
	write(p2c[1], "x", 1);
	ktap_eq(wait_child(pid), 0, "fork: the child sees only its own stores");
	ktap_ok(seen && gdata == 2 && stackvar == 2 && heap[PG] == 'P',
		"fork: the parent sees only its own stores");
	close(p2c[0]), close(p2c[1]), close(c2p[0]), close(c2p[1]);
	free(heap);
}

static void test_many_forks(void)
{
	unsigned char *big = malloc(BIG);
	for (size_t i = 0; i < BIG; i++)
		big[i] = (unsigned char)(i * 7);
	int bad = 0;
	for (int k = 0; k < FORKS && !bad; k++) {
		pid_t pid = fork();
		if (pid == 0) {
			/* Every child starts from the parent's bytes, then
			 * writes a different page of each 64 KiB with its own
			 * mark. */
			for (size_t i = 0; i < BIG; i += 509)
				if (big[i] != (unsigned char)(i * 7))
					_exit(1);
			for (size_t i = (size_t)k * PG % 65536; i < BIG; i += 65536)
				memset(big + i, 0xa5, PG);
			_exit(0);
		}
		bad = wait_child(pid);
	}
	ktap_eq(bad, 0, "%d forks of a %d MiB buffer: each child sees the parent's data", FORKS,
		BIG >> 20);
	int same = 1;
	for (size_t i = 0; i < BIG; i++)
		if (big[i] != (unsigned char)(i * 7))
			same = 0;
	ktap_ok(same, "the parent's buffer is untouched by the children's stores");
	free(big);
}

/* A function of ours whose bytes a POKETEXT changes in the child only. */
__attribute__((noinline)) static int target_fn(void)
{
	return 42;
}

static void test_ptrace_poke(const char *self)
{
	word = 111;
	pid_t pid = fork();
	if (pid == 0) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(word == 222 ? 0 : 1);
	}
	int st;
	waitpid(pid, &st, 0);
	long r = ptrace(PTRACE_POKEDATA, pid, (void *)&word, (void *)222L);
	ktap_eq(r, 0L, "POKEDATA into a page shared by fork");
	ktap_eq(word, 111L, "POKEDATA changed the child's copy, not ours");
	/* POKETEXT one word of target_fn's code in the child. */
	long *code = (long *)(void *)target_fn;
	long old = *code;
	errno = 0;
	long peek = ptrace(PTRACE_PEEKTEXT, pid, code, 0);
	ktap_ok(errno == 0 && peek == old, "PEEKTEXT reads the child's code");
	r = ptrace(PTRACE_POKETEXT, pid, code, (void *)~old);
	ktap_eq(r, 0L, "POKETEXT into the child's code");
	ktap_ok(*code == old && target_fn() == 42, "our code is unchanged");
	/* Had the POKE gone into the program file's page, every process
	 * running this program would see it: a fresh exec must not. */
	pid_t fresh = fork();
	if (fresh == 0) {
		char *argv[] = { (char *)self, "--check-fresh", NULL };
		execv(self, argv);
		_exit(100);
	}
	ktap_eq(wait_child(fresh), 0, "a fresh exec of the program runs the original code");
	ptrace(PTRACE_CONT, pid, 0, 0);
	ktap_eq(wait_child(pid), 0, "the child saw the POKEd word");
}

static long futex(volatile uint32_t *w, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, w, op, val, ts, NULL, 0);
}

static void *waker(void *arg)
{
	volatile uint32_t *w = arg;
	struct timespec d = { 0, 20 * 1000 * 1000 };
	nanosleep(&d, NULL);
	*w = 1;
	futex(w, FUTEX_WAKE, 1, NULL);
	return NULL;
}

/* Wait (shared futex) until *w is 1; 0 if woken, 1 if the wait timed
 * out - a lost wakeup. */
static int wait_word(volatile uint32_t *w)
{
	struct timespec t = { 5, 0 };
	while (*w == 0)
		if (futex(w, FUTEX_WAIT, 0, &t) && errno == ETIMEDOUT)
			return 1;
	return 0;
}

static void *waiter(void *arg)
{
	return (void *)(long)wait_word(arg);
}

static void test_futex(void)
{
	fword = 0;
	pid_t pid = fork();
	if (pid == 0) {
		/* The word's page is shared with the parent until written:
		 * the wait must find the page the waker will write. */
		pthread_t th;
		if (pthread_create(&th, NULL, waker, (void *)&fword))
			_exit(3);
		int lost = wait_word(&fword);
		pthread_join(th, NULL);
		_exit(lost);
	}
	ktap_eq(wait_child(pid), 0, "a shared futex wait on a page shared by fork, woken by a thread");

	/* Now in one process: a thread waits, a fork makes the page
	 * copy-on-write, and the main thread's store moves it to a copy
	 * before it wakes the word. */
	pid = fork();
	if (pid == 0) {
		pthread_t th;
		fword2 = 0;
		if (pthread_create(&th, NULL, waiter, (void *)&fword2))
			_exit(3);
		struct timespec d = { 0, 20 * 1000 * 1000 };
		nanosleep(&d, NULL);
		int hold[2];
		pipe(hold);
		pid_t gc = fork();
		if (gc == 0) {		/* keeps the old page while we write */
			char c;
			read(hold[0], &c, 1);
			_exit(0);
		}
		fword2 = 1;
		futex(&fword2, FUTEX_WAKE, 1, NULL);
		void *ret;
		pthread_join(th, &ret);
		write(hold[1], "x", 1);
		waitpid(gc, NULL, 0);
		_exit(ret == NULL ? 0 : 1);
	}
	ktap_eq(wait_child(pid), 0, "a thread's futex wait survives a fork and the waker's copy");
}

static void test_read_into(void)
{
	char *buf = malloc(2 * PG);
	memset(buf, 'p', 2 * PG);
	int fds[2];
	pipe(fds);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		/* read() stores through copy_to_user into a shared page. */
		if (read(fds[0], buf + PG - 8, 16) != 16)
			_exit(1);
		for (int i = 0; i < 16; i++)
			if (buf[PG - 8 + i] != 'r')
				_exit(2);
		c = buf[0];
		_exit(c == 'p' ? 0 : 3);
	}
	char src[16];
	memset(src, 'r', sizeof(src));
	write(fds[1], src, sizeof(src));
	ktap_eq(wait_child(pid), 0, "read() into a page shared by fork fills the child's copy");
	int same = 1;
	for (int i = 0; i < 2 * PG; i++)
		same &= buf[i] == 'p';
	ktap_ok(same, "the parent's buffer is unchanged by the child's read()");
	/* And the other way round: the parent reads into its copy. */
	pid = fork();
	if (pid == 0) {
		struct timespec d = { 0, 30 * 1000 * 1000 };
		nanosleep(&d, NULL);
		_exit(buf[PG] == 'p' ? 0 : 1);
	}
	write(fds[1], src, sizeof(src));
	read(fds[0], buf + PG, 16);
	ktap_eq(wait_child(pid), 0, "the parent's read() leaves the child's copy alone");
	close(fds[0]), close(fds[1]);
	free(buf);
}

static void test_mprotect(void)
{
	char *p = mmap(NULL, 2 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	memset(p, 'a', 2 * PG);
	mprotect(p, 2 * PG, PROT_READ);
	pid_t pid = fork();
	if (pid == 0) {
		if (mprotect(p, 2 * PG, PROT_READ | PROT_WRITE))
			_exit(1);
		memset(p, 'b', 2 * PG);
		_exit(p[PG] == 'b' ? 0 : 2);
	}
	ktap_eq(wait_child(pid), 0, "the child makes a read-only page writable and writes it");
	ktap_ok(p[0] == 'a' && p[2 * PG - 1] == 'a', "the parent's read-only copy is unchanged");
	/* The parent too, now that the child is gone. */
	mprotect(p, 2 * PG, PROT_READ | PROT_WRITE);
	p[0] = 'c';
	ktap_ok(p[0] == 'c' && p[1] == 'a', "and the parent can write its own again");
	munmap(p, 2 * PG);
}

static void test_shared_and_friends(void)
{
	volatile char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *p = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	s[0] = 'a';
	memset(p, 'a', 3 * PG);
	pid_t pid = fork();
	if (pid == 0) {
		s[0] = 'c';
		/* DONTNEED: our copy becomes zeros, the parent's stays. */
		madvise(p, PG, MADV_DONTNEED);
		if (p[0] != 0)
			_exit(1);
		/* mremap moves the child's PTEs; then a write copies. */
		char *to = mmap(NULL, PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		char *q = mremap(p + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, to);
		if (q == MAP_FAILED || q[0] != 'a')
			_exit(2);
		q[0] = 'm';
		/* The parent unmaps its last page before we read ours. */
		struct timespec d = { 0, 30 * 1000 * 1000 };
		nanosleep(&d, NULL);
		_exit(p[2 * PG] == 'a' ? 0 : 3);
	}
	munmap(p + 2 * PG, PG);
	ktap_eq(wait_child(pid), 0, "DONTNEED, mremap and the parent's munmap touch one side");
	ktap_ok(s[0] == 'c', "MAP_SHARED memory stays shared across fork");
	ktap_ok(p[0] == 'a' && p[PG] == 'a', "the parent's private pages are unchanged");
	pid = vfork();
	if (pid == 0) {
		p[0] = 'v';
		_exit(0);
	}
	wait_child(pid);
	ktap_ok(p[0] == 'v', "a vfork child's store is the parent's");
	munmap(p, 2 * PG);
	munmap((void *)s, PG);
}

static void test_exec(const char *self)
{
	gdata = 99;
	gbss = 77;
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { (char *)self, "--check-fresh", NULL };
		execv(self, argv);
		_exit(100);
	}
	ktap_eq(wait_child(pid), 0, "an exec'd copy sees the file's .data and a zero .bss");
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--check-fresh"))
		return gdata == 1234 && gbss == 0 && word == 0 && target_fn() == 42 ? 0 : 1;
	ktap_plan(24);
	test_both_write();
	test_many_forks();
	test_ptrace_poke(argv[0]);
	test_futex();
	test_read_into();
	test_mprotect();
	test_shared_and_friends();
	test_exec(argv[0]);
	return ktap_finish();
}
