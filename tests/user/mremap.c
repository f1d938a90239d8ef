/*
 * mremap: growing, shrinking and moving mappings, the vDSO included.
 *
 * Linux facts tested (mm/mremap.c as of 6.1):
 *  - a mapping grows in place when the space after it is free and
 *    shrinks in place always (the tail is unmapped); growing into a
 *    neighbour is ENOMEM without MREMAP_MAYMOVE;
 *  - MREMAP_MAYMOVE moves it, pages and all: the data is at the new
 *    address, the old range is unmapped, the grown tail is zero; across
 *    page-table boundaries too;
 *  - MREMAP_FIXED moves it to new_addr, replacing what was there;
 *  - MREMAP_DONTUNMAP moves the pages and leaves the old range mapped and
 *    empty (zeros for private anonymous memory; a shared mapping still
 *    shows the shared data);
 *  - a moved shared mapping is still shared (with a forked child, with
 *    the file); old_len 0 on a shared mapping makes a second mapping of
 *    the same pages;
 *  - EINVAL: unknown flags, FIXED without MAYMOVE, DONTUNMAP without
 *    MAYMOVE or with old_len != new_len, an unaligned address or
 *    new_addr, new_len 0, overlapping FIXED ranges, old_len 0 on private
 *    memory; EFAULT: nothing mapped at addr, or the old range runs past
 *    its mapping;
 *  - the vDSO moves whole: growing it is EFAULT, DONTUNMAP on it EINVAL;
 *    on i386, after a move made through the vDSO itself, the call returns
 *    to the new landing pad, system calls through the moved
 *    __kernel_vsyscall work, and a handler installed without SA_RESTORER
 *    returns through the moved vDSO's sigreturn.  (xentry has no 64-bit
 *    vDSO: the 64-bit build checks the move where the kernel has one.)
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include <elf.h>
#include <stdbool.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/mman.h>

#ifndef MREMAP_DONTUNMAP
#define MREMAP_DONTUNMAP 4
#endif
#define PG 4096UL

static long mr(void *a, unsigned long ol, unsigned long nl, long fl, void *na)
{
	return SC(SYS_mremap, a, ol, nl, fl, na);
}

/* An address, not -errno (i386 addresses above 2 GiB are negative longs). */
static bool good(long r)
{
	return (unsigned long)r < -4095UL;
}

static char *anon(unsigned long len)
{
	char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	return m == MAP_FAILED ? NULL : m;
}

static bool mapped(void *a, unsigned long len)
{
	return msync(a, len, 0) == 0;
}

static void fill(char *m, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++)
		memset(m + i * PG, 'A' + (int)(i % 26), PG);
}

static bool check(char *m, unsigned long pages)
{
	for (unsigned long i = 0; i < pages; i++)
		if (m[i * PG] != 'A' + (int)(i % 26) || m[i * PG + PG - 1] != 'A' + (int)(i % 26))
			return false;
	return true;
}

static void test_resize(void)
{
	char *m = anon(4 * PG);
	munmap(m + 2 * PG, 2 * PG);
	fill(m, 2);
	ktap_eq(mr(m, 2 * PG, 4 * PG, 0, 0), (long)m, "grow in place into free space");
	ktap_ok(check(m, 2) && m[3 * PG] == 0 && mapped(m, 4 * PG),
		"... data kept, new tail zero and mapped");
	ktap_eq(mr(m, 4 * PG, PG, 0, 0), (long)m, "shrink in place");
	ktap_ok(check(m, 1) && mapped(m, PG) && !mapped(m + PG, PG), "... the tail is unmapped");
	munmap(m, PG);

	/* A neighbour after it: ENOMEM in place, a move with MAYMOVE. */
	m = anon(3 * PG);
	mprotect(m + 2 * PG, PG, PROT_READ);
	fill(m, 2);
	ktap_eq(mr(m, 2 * PG, 4 * PG, 0, 0), -ENOMEM, "grow into a neighbour: ENOMEM");
	long n = mr(m, 2 * PG, 4 * PG, MREMAP_MAYMOVE, 0);
	char *p = (char *)n;
	ktap_ok(good(n) && p != m && check(p, 2) && p[2 * PG] == 0 && p[4 * PG - 1] == 0,
		"MREMAP_MAYMOVE moves it: data at the new address, zero tail");
	ktap_ok(!mapped(m, 2 * PG) && mapped(m + 2 * PG, PG),
		"... the old range is unmapped, the neighbour is not");
	munmap(p, 4 * PG);
	munmap(m + 2 * PG, PG);

	/* 3 MiB, so the move crosses page tables on both sides. */
	unsigned long big = 768;
	m = anon(big * PG);
	fill(m, big);
	n = mr(m, big * PG, (big + 1) * PG, MREMAP_MAYMOVE, 0);
	ktap_ok(good(n) && check((char *)n, big), "a 3 MiB mapping moves with all its pages");
	munmap((void *)n, (big + 1) * PG);
}

static void test_fixed(void)
{
	char *src = anon(2 * PG), *dst = anon(4 * PG);
	fill(src, 2);
	dst[0] = 'd';
	dst[PG] = 'd';
	ktap_eq(mr(src, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + PG), (long)(dst + PG),
		"MREMAP_FIXED moves onto an existing mapping");
	ktap_ok(check(dst + PG, 2) && dst[0] == 'd' && !mapped(src, 2 * PG),
		"... its data replaces what was there; the rest stays; the source is gone");
	ktap_eq(mr(dst + PG, 2 * PG, 2 * PG, MREMAP_FIXED, dst + 3 * PG), -EINVAL,
		"FIXED without MAYMOVE: EINVAL");
	ktap_eq(mr(dst + PG, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 2 * PG), -EINVAL,
		"FIXED onto an overlapping range: EINVAL");
	ktap_eq(mr(dst + PG, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst + 100), -EINVAL,
		"FIXED to an unaligned address: EINVAL");
	munmap(dst, 4 * PG);

	/* A shrinking FIXED move: only new_len moves, the rest is unmapped. */
	src = anon(3 * PG);
	dst = anon(PG);
	fill(src, 3);
	ktap_ok(mr(src, 3 * PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, dst) == (long)dst &&
		check(dst, 1) && !mapped(src, 3 * PG), "a FIXED move that shrinks");
	munmap(dst, PG);
}

static void test_dontunmap(void)
{
	char *m = anon(2 * PG);
	fill(m, 2);
	long n = mr(m, 2 * PG, 2 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	ktap_ok(good(n) && (char *)n != m && check((char *)n, 2), "DONTUNMAP moves the pages");
	ktap_ok(mapped(m, 2 * PG) && m[0] == 0 && m[2 * PG - 1] == 0,
		"... and leaves the old range mapped and empty");
	munmap((void *)n, 2 * PG);
	ktap_eq(mr(m, 2 * PG, 3 * PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0), -EINVAL,
		"DONTUNMAP with old_len != new_len: EINVAL");
	ktap_eq(mr(m, 2 * PG, 2 * PG, MREMAP_DONTUNMAP, 0), -EINVAL,
		"DONTUNMAP without MAYMOVE: EINVAL");
	munmap(m, 2 * PG);

	char *s = mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	s[1] = 's';
	n = mr(s, PG, PG, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	ktap_ok(good(n) && ((char *)n)[1] == 's' && s[1] == 's' && (((char *)n)[2] = 't') && s[2] == 't',
		"DONTUNMAP of shared memory: both ranges show the shared pages");
	munmap((void *)n, PG);
	munmap(s, PG);
}

static int child_store(void *p)
{
	((char *)p)[PG + 7] = 'c';
	return 0;
}

/* n pages of a mapping at m, then a PROT_READ page of our own right after
 * it, so growing must move. */
static char *blocked(char *m, unsigned long pages)
{
	munmap(m + pages * PG, PG);
	return mmap(m + pages * PG, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
}

static void test_shared(void)
{
	char *s = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	char *block = blocked(s, 2);
	s[0] = 'x';
	long n = mr(s, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0);
	char *p = (char *)n;
	int st = good(n) ? run_in_child(child_store, p) : -1;
	ktap_ok(good(n) && p != s && p[0] == 'x' && st == 0 && p[PG + 7] == 'c',
		"a moved shared anonymous mapping is still shared with a child");
	munmap(p, 3 * PG);
	munmap(block, PG);

	char path[64];
	snprintf(path, sizeof(path), "/tmp/mremap.%d", (int)getpid());
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ftruncate(fd, 4 * PG);
	char *f = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE, MAP_SHARED, fd, PG);
	block = blocked(f, 2);
	f[0] = 'f';
	n = mr(f, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0);
	p = (char *)n;
	char c = 0;
	ktap_ok(good(n) && p != f && p[0] == 'f' && (p[2 * PG] = 'g') &&
		pread(fd, &c, 1, 3 * PG) == 1 && c == 'g',
		"a moved and grown shared file mapping still is the file at its offset");
	n = mr(p, 0, PG, MREMAP_MAYMOVE, 0);
	ktap_ok(good(n) && (char *)n != p && ((char *)n)[0] == 'f' &&
		(((char *)n)[1] = 'h') && p[1] == 'h',
		"old_len 0 on a shared mapping: a second mapping of the same pages");
	munmap((void *)n, PG);
	munmap(p, 3 * PG);
	munmap(block, PG);
	close(fd);
	unlink(path);
}

static void test_errors(void)
{
	char *m = anon(2 * PG);
	mprotect(m + PG, PG, PROT_READ);
	ktap_eq(mr(m, PG, PG, 8, 0), -EINVAL, "unknown flag: EINVAL");
	ktap_eq(mr(m + 1, PG, PG, 0, 0), -EINVAL, "unaligned address: EINVAL");
	ktap_eq(mr(m, PG, 0, MREMAP_MAYMOVE, 0), -EINVAL, "new_len 0: EINVAL");
	ktap_eq(mr(m, 0, PG, MREMAP_MAYMOVE, 0), -EINVAL, "old_len 0 on private memory: EINVAL");
	ktap_eq(mr(m, 2 * PG, 3 * PG, MREMAP_MAYMOVE, 0), -EFAULT,
		"old range across two mappings: EFAULT");
	munmap(m, 2 * PG);
	ktap_eq(mr(m, PG, 2 * PG, MREMAP_MAYMOVE, 0), -EFAULT, "nothing mapped at addr: EFAULT");
	ktap_eq(mr(m, PG, PG, MREMAP_MAYMOVE | MREMAP_FIXED, m + 4 * PG), -EFAULT,
		"nothing mapped at addr, FIXED: EFAULT");
}

/* ---- the vDSO ---- */

/* Its mapping's length: the whole ELF image, pages rounded up. */
static unsigned long vdso_size(unsigned long base)
{
#ifdef __x86_64__
	Elf64_Ehdr *eh = (void *)base;
	Elf64_Phdr *ph = (void *)(base + eh->e_phoff);
#else
	Elf32_Ehdr *eh = (void *)base;
	Elf32_Phdr *ph = (void *)(base + eh->e_phoff);
#endif
	unsigned long end = eh->e_shoff + (unsigned long)eh->e_shnum * eh->e_shentsize;
	for (int i = 0; i < eh->e_phnum; i++)
		if (ph[i].p_type == PT_LOAD && ph[i].p_offset + ph[i].p_filesz > end)
			end = ph[i].p_offset + ph[i].p_filesz;
	return (end + PG - 1) & ~(PG - 1);
}

#ifndef __x86_64__
/* A system call through a __kernel_vsyscall at entry. */
long vsys(unsigned long entry, long nr, long a, long b, long c, long d, long e);
__asm__(".text\n"
	".globl vsys\n"
	"vsys:\n"
	"	push %ebp\n"
	"	push %edi\n"
	"	push %esi\n"
	"	push %ebx\n"
	"	mov 20(%esp), %ebp\n"
	"	mov 24(%esp), %eax\n"
	"	mov 28(%esp), %ebx\n"
	"	mov 32(%esp), %ecx\n"
	"	mov 36(%esp), %edx\n"
	"	mov 40(%esp), %esi\n"
	"	mov 44(%esp), %edi\n"
	"	call *%ebp\n"
	"	pop %ebx\n"
	"	pop %esi\n"
	"	pop %edi\n"
	"	pop %ebp\n"
	"	ret\n");

static volatile int usr1_hits;
static void on_usr1(int sig) { usr1_hits++; }

struct ksa { void *handler; unsigned long flags; void *restorer; unsigned long mask[2]; };
#endif

static unsigned long vdso_base, vdso_len, vdso_new;

/* In a child, by raw system calls only: the C library keeps the old
 * vDSO addresses.  The exit code says which step failed. */
static int vdso_move_child(void *arg)
{
	long r = SC(SYS_mremap, vdso_base, vdso_len, vdso_len + PG, 0, 0);
	if (r != -EFAULT)
		SC(SYS_exit_group, 10);
	r = SC(SYS_mremap, vdso_base, vdso_len, vdso_len, MREMAP_MAYMOVE | MREMAP_DONTUNMAP, 0);
	if (r != -EINVAL)
		SC(SYS_exit_group, 11);
#ifdef __x86_64__
	r = SC(SYS_mremap, vdso_base, vdso_len, vdso_len, MREMAP_MAYMOVE | MREMAP_FIXED, vdso_new);
	if (r != (long)vdso_new)
		SC(SYS_exit_group, 12);
	/* And back, before anything could use it. */
	r = SC(SYS_mremap, vdso_new, vdso_len, vdso_len, MREMAP_MAYMOVE | MREMAP_FIXED, vdso_base);
	if (r != (long)vdso_base)
		SC(SYS_exit_group, 13);
#else
	unsigned long entry = getauxval(AT_SYSINFO);
	/* Moved by a call through the vDSO itself: it must come back. */
	r = vsys(entry, SYS_mremap, vdso_base, vdso_len, vdso_len,
		 MREMAP_MAYMOVE | MREMAP_FIXED, vdso_new);
	if (r != (long)vdso_new)
		SC(SYS_exit_group, 12);
	if (SC(SYS_msync, vdso_base, PG, 0) != -ENOMEM)
		SC(SYS_exit_group, 13);
	unsigned long moved = vdso_new + (entry - vdso_base);
	if (vsys(moved, SYS_getpid, 0, 0, 0, 0, 0) != SC(SYS_getpid))
		SC(SYS_exit_group, 14);
	/* No SA_RESTORER: the kernel returns through the vDSO's sigreturn. */
	struct ksa sa = { (void *)on_usr1, 0, 0, { 0, 0 } };
	if (SC(SYS_rt_sigaction, SIGUSR1, &sa, 0, 8) != 0)
		SC(SYS_exit_group, 15);
	SC(SYS_kill, SC(SYS_getpid), SIGUSR1);
	if (usr1_hits != 1)
		SC(SYS_exit_group, 16);
	vsys(moved, SYS_kill, SC(SYS_getpid), SIGUSR1, 0, 0, 0);
	if (usr1_hits != 2)
		SC(SYS_exit_group, 17);
	if (vsys(moved, SYS_getppid, 0, 0, 0, 0, 0) != SC(SYS_getppid))
		SC(SYS_exit_group, 18);
#endif
	SC(SYS_exit_group, 0);
	return 0;
}

static void test_vdso(void)
{
	vdso_base = getauxval(AT_SYSINFO_EHDR);
	if (!vdso_base) {
		ktap_skip("no vDSO in this ABI", "the vDSO moves whole, and works where it lands");
		return;
	}
	vdso_len = vdso_size(vdso_base);
	/* A free place for it, away from where it is. */
	char *hole = mmap(NULL, vdso_len + 2 * PG, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	vdso_new = (unsigned long)hole + PG;
	munmap(hole, vdso_len + 2 * PG);
	char buf[64];
	int st = run_in_child(vdso_move_child, NULL);
	ktap_ok(st == 0, "the vDSO (%lu bytes) moves whole, and works where it lands (%s)",
		vdso_len, status_str(st, buf, sizeof(buf)));
}

int main(void)
{
	default_signals();
	no_core_dumps();
	ktap_plan(30);
	test_resize();
	test_fixed();
	test_dontunmap();
	test_shared();
	test_errors();
	test_vdso();
	return ktap_finish();
}
