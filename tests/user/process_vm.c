/*
 * process_vm: process_vm_readv / process_vm_writev.
 *
 * Linux facts tested (both ABIs; the 32-bit build passes 32-bit iovecs):
 *  - Reading and writing a child's memory through several iovecs on both
 *    sides, split at different places: the bytes land in order, the
 *    result is the total, and the child's copy-on-write pages change only
 *    in the child.
 *  - flags != 0: EINVAL.  An unknown pid: ESRCH.  More than 1024 local
 *    iovecs: EINVAL.  An unreadable local iovec array: EFAULT.
 *  - No local bytes, or no remote bytes: 0, even for a pid that does not
 *    exist (nothing is looked up).
 *  - A remote range that runs into an unmapped page: the bytes before it
 *    (a partial transfer), or EFAULT if the first byte faults.  Same for
 *    a remote PROT_NONE page, and for writing a read-only remote page.
 *  - A local buffer that runs into an unmapped page: the bytes done (Linux's
 *    own native i386 kernel may stop short of them on Intel CPUs, even at
 *    none, EFAULT: accepted there only; kernel32.h).
 */
#define _GNU_SOURCE
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>

#define PG 4096
static char data[256] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

int main(void)
{
	ktap_plan(14);
	/* Three pages: rw, then a hole, and a PROT_NONE page after it. */
	char *area = mmap(NULL, 3 * PG, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *ro = mmap(NULL, PG, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (area == MAP_FAILED || ro == MAP_FAILED)
		return 1;
	memset(area, 'a', PG);
	munmap(area + PG, PG);
	mprotect(area + 2 * PG, PG, PROT_NONE);

	int go[2], done[2];
	if (pipe(go) || pipe(done))
		return 1;
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char c;
		/* Wait for the parent's writes, then report what we see. */
		if (read(go[0], &c, 1) != 1)
			_exit(1);
		char rep[2] = { data[0], area[PG - 1] };
		(void)!write(done[1], rep, 2);
		pause();
		_exit(0);
	}

	char buf[64];
	memset(buf, 0, sizeof(buf));
	struct iovec l[3] = { { buf, 5 }, { buf + 5, 0 }, { buf + 5, 11 } };
	struct iovec r[2] = { { data + 2, 7 }, { data + 20, 9 } };
	long n = process_vm_readv(pid, l, 3, r, 2, 0);
	ktap_ok(n == 16 && !memcmp(buf, "2345678klmnopqrs", 16),
		"readv: 3 local / 2 remote iovecs, 16 bytes in order (%ld, %.16s)", n, buf);

	errno = 0;
	n = process_vm_readv(pid, l, 1, r, 1, 1);
	ktap_ok(n == -1 && errno == EINVAL, "flags 1: EINVAL (%ld %d)", n, errno);
	errno = 0;
	n = process_vm_readv(0x3ffffff0, l, 1, r, 1, 0);
	ktap_ok(n == -1 && errno == ESRCH, "unknown pid: ESRCH (%ld %d)", n, errno);
	struct iovec z = { buf, 0 };
	n = process_vm_readv(0x3ffffff0, &z, 1, r, 1, 0);
	long n2 = process_vm_readv(0x3ffffff0, l, 1, &z, 1, 0);
	ktap_ok(n == 0 && n2 == 0, "no local or no remote bytes: 0 before the pid lookup "
		"(%ld %ld)", n, n2);
	errno = 0;
	n = process_vm_readv(pid, l, 1025, r, 1, 0);
	ktap_ok(n == -1 && errno == EINVAL, "1025 local iovecs: EINVAL (%ld %d)", n, errno);
	errno = 0;
	n = process_vm_readv(pid, (struct iovec *)8, 1, r, 1, 0);
	ktap_ok(n == -1 && errno == EFAULT, "bad local iovec array: EFAULT (%ld %d)", n, errno);

	/* Remote range across the end of the rw page into the hole. */
	static char big[2 * PG];
	struct iovec lb = { big, 2 * PG }, rb = { area + PG - 100, 2 * PG };
	n = process_vm_readv(pid, &lb, 1, &rb, 1, 0);
	ktap_ok(n == 100 && big[0] == 'a' && big[99] == 'a',
		"remote range into a hole: the 100 bytes before it (%ld)", n);
	errno = 0;
	rb.iov_base = area + PG;
	n = process_vm_readv(pid, &lb, 1, &rb, 1, 0);
	ktap_ok(n == -1 && errno == EFAULT, "remote hole first: EFAULT (%ld %d)", n, errno);
	errno = 0;
	rb.iov_base = area + 2 * PG;
	n = process_vm_readv(pid, &lb, 1, &rb, 1, 0);
	ktap_ok(n == -1 && errno == EFAULT, "remote PROT_NONE: EFAULT (%ld %d)", n, errno);
	errno = 0;
	struct iovec rr = { ro, 8 }, lw = { (void *)"xxxxxxxx", 8 };
	n = process_vm_writev(pid, &lw, 1, &rr, 1, 0);
	ktap_ok(n == -1 && errno == EFAULT, "writev to a read-only page: EFAULT (%ld %d)",
		n, errno);

	/* Local buffer running into our own hole: the bytes before it. */
	struct iovec ll = { area + PG - 10, 64 }, rl = { data, 64 };
	n = process_vm_readv(pid, &ll, 1, &rl, 1, 0);
	int ok = n == 10 && !memcmp(area + PG - 10, data, 10);
	if (linux_native_i386())
		ok = (n == -1 && errno == EFAULT) ||
		     (n > 0 && n <= 10 && !memcmp(area + PG - 10, data, n));
	ktap_ok(ok,
		"local buffer into a hole: the 10 bytes done (%ld)", n);
	memset(area + PG - 10, 'a', 10);

	/* Writes: into a COW page of the child and into its data. */
	struct iovec lw2[2] = { { (void *)"QZ", 1 }, { (void *)"Z", 1 } };
	struct iovec rw2[2] = { { data, 1 }, { area + PG - 1, 1 } };
	n = process_vm_writev(pid, lw2, 2, rw2, 2, 0);
	ktap_ok(n == 2, "writev: 2 bytes (%ld)", n);
	char rep[2] = { 0, 0 };
	if (write(go[1], "g", 1) != 1 || read(done[0], rep, 2) != 2)
		rep[0] = 0;
	ktap_ok(rep[0] == 'Q' && rep[1] == 'Z', "the child sees the written bytes (%c%c)",
		rep[0] ? rep[0] : '?', rep[1] ? rep[1] : '?');
	ktap_ok(data[0] == '0' && area[PG - 1] == 'a', "our own copies are unchanged");
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return ktap_finish();
}
