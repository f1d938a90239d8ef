/*
 * Resource limits are enforced as on Linux: setrlimit's own rules
 * (EINVAL for cur > max, EPERM past fs.nr_open), RLIMIT_NOFILE (EMFILE at
 * the limit from open, dup, pipe and socket (where there are sockets); dup2 and F_DUPFD at or past
 * it EBADF and EINVAL), RLIMIT_AS (mmap, brk, mremap ENOMEM), RLIMIT_DATA
 * (brk), RLIMIT_STACK (touching the stack past it: SIGSEGV), RLIMIT_FSIZE
 * (a short write up to it, then SIGXFSZ and EFBIG) and RLIMIT_NPROC
 * (root is exempt, as Linux; over the limit a non-root user's fork gets
 * EAGAIN, tested where setuid works).  Each case runs in a child so its
 * limit does not leak into the next.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ktap.h"

#define MiB (1UL << 20)

static void set_lim(int res, unsigned long cur)
{
	struct rlimit r;
	getrlimit(res, &r);
	r.rlim_cur = cur;
	if (r.rlim_max != RLIM_INFINITY && r.rlim_max < cur)
		r.rlim_max = cur;
	setrlimit(res, &r);
}

/* Run fn in a child; its exit status is a bitmask of failed checks (0 ok). */
static int in_child(int (*fn)(void), int *sig)
{
	pid_t c = fork();
	if (c == 0)
		_exit(fn());
	int st = 0;
	waitpid(c, &st, 0);
	*sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 0x100;
}

static int nofile(void)
{
	int bad = 0, fd, p[2];
	/* Sockets are checked where the kernel has them (xentry has none). */
	int sk = socket(AF_UNIX, SOCK_STREAM, 0);
	if (sk >= 0)
		close(sk);
	set_lim(RLIMIT_NOFILE, 16);
	/* Fill every slot below 16. */
	while ((fd = open("/", O_RDONLY)) >= 0)
		if (fd > 15)
			bad |= 1;
	if (errno != EMFILE)
		bad |= 2;
	if (dup(0) != -1 || errno != EMFILE)
		bad |= 4;
	if (pipe(p) != -1 || errno != EMFILE)
		bad |= 8;
	if (sk >= 0 && (socket(AF_UNIX, SOCK_STREAM, 0) != -1 || errno != EMFILE))
		bad |= 16;
	close(5);
	if (dup2(0, 16) != -1 || errno != EBADF)
		bad |= 32;
	if (fcntl(0, F_DUPFD, 16) != -1 || errno != EINVAL)
		bad |= 64;
	if (dup(0) != 5)		/* the freed slot is usable again */
		bad |= 128;
	return bad;
}

static int addr_space(void)
{
	int bad = 0;
	set_lim(RLIMIT_AS, 256 * MiB);
	void *big = mmap(NULL, 300 * MiB, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (big != MAP_FAILED || errno != ENOMEM)
		bad |= 1;
	/* Below the limit mappings still work, until the total reaches it. */
	unsigned long total = 0;
	void *small = NULL;
	for (;;) {
		void *m = mmap(NULL, 16 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			break;
		small = m;
		total += 16 * MiB;
	}
	if (errno != ENOMEM || total == 0 || total > 256 * MiB)
		bad |= 2;
	if (small) {
		munmap(small, 16 * MiB);
		/* 8 MiB fit in what was freed; growing by 32 MiB does not. */
		void *m = mmap(NULL, 8 * MiB, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (m == MAP_FAILED)
			bad |= 4;
		else if (mremap(m, 8 * MiB, 40 * MiB, MREMAP_MAYMOVE) != MAP_FAILED || errno != ENOMEM)
			bad |= 8;
	}
	long cur = syscall(SYS_brk, 0);
	if (syscall(SYS_brk, cur + 64 * MiB) != cur)	/* refused: the break stays */
		bad |= 16;
	return bad;
}

static int data(void)
{
	int bad = 0;
	long cur = syscall(SYS_brk, 0);
	set_lim(RLIMIT_DATA, 4 * MiB);
	if (syscall(SYS_brk, cur + 8 * MiB) != cur)
		bad |= 1;
	if (syscall(SYS_brk, cur + 64 * 1024) != cur + 64 * 1024)
		bad |= 2;
	return bad;
}

static volatile char *sink;

static int recurse(int depth)
{
	volatile char buf[16384];
	buf[0] = (char)depth;
	sink = buf;
	return depth <= 0 ? buf[0] : recurse(depth - 1) + buf[0];
}

static int stack_limit(void)
{
	set_lim(RLIMIT_STACK, 512 * 1024);
	recurse(256);		/* 4 MiB of stack: past the limit */
	return 1;		/* not reached */
}

static volatile int xfsz;

static void on_xfsz(int sig)
{
	xfsz = sig;
}

static char path[64];

static int fsize(void)
{
	int bad = 0;
	static char buf[20000];
	signal(SIGXFSZ, on_xfsz);
	set_lim(RLIMIT_FSIZE, 10000);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 64;
	if (write(fd, buf, sizeof(buf)) != 10000)	/* short, no signal */
		bad |= 1;
	if (xfsz)
		bad |= 2;
	if (write(fd, buf, 1) != -1 || errno != EFBIG)
		bad |= 4;
	if (xfsz != SIGXFSZ)
		bad |= 8;
	/* Below the limit the file is still writable. */
	if (pwrite(fd, buf, 10, 100) != 10)
		bad |= 16;
	close(fd);
	unlink(path);
	return bad;
}

static int fsize_default(void)
{
	/* No handler: SIGXFSZ's default action kills. */
	set_lim(RLIMIT_FSIZE, 100);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return 64;
	unlink(path);
	char b[200] = { 0 };
	if (write(fd, b, 200) != 100)
		return 1;
	write(fd, b, 1);
	return 2;	/* not reached */
}

static int nproc_root(void)
{
	set_lim(RLIMIT_NPROC, 1);
	pid_t c = fork();
	if (c == 0)
		_exit(0);
	if (c < 0)
		return 1;
	waitpid(c, NULL, 0);
	return 0;
}

static int nproc_user(void)
{
	/* A uid nothing else on the machine uses. */
	if (setgid(54321) || setuid(54321) || getuid() != 54321)
		return 99;
	set_lim(RLIMIT_NPROC, 3);
	int made = 0, err = 0;
	pid_t kids[8];
	for (int i = 0; i < 8; i++) {
		pid_t c = fork();
		if (c == 0) {
			pause();
			_exit(0);
		}
		if (c < 0) {
			err = errno;
			break;
		}
		kids[made++] = c;
	}
	for (int i = 0; i < made; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], NULL, 0);
	}
	/* Itself and two children make three. */
	return made == 2 && err == EAGAIN ? 0 : 1;
}

int main(void)
{
	ktap_plan(12);
	struct rlimit r, o;
	getrlimit(RLIMIT_NOFILE, &o);
	r.rlim_cur = 100, r.rlim_max = 50;
	ktap_ok(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EINVAL, "setrlimit cur > max: EINVAL");
	r.rlim_cur = 100, r.rlim_max = 2UL << 20;
	ktap_ok(setrlimit(RLIMIT_NOFILE, &r) == -1 && errno == EPERM,
		"RLIMIT_NOFILE max past fs.nr_open: EPERM");
	struct rlimit n;
	getrlimit(RLIMIT_NOFILE, &n);
	ktap_ok(n.rlim_cur == o.rlim_cur && n.rlim_max == o.rlim_max, "a refused setrlimit changes nothing");

	int sig, bad;
	bad = in_child(nofile, &sig);
	if (!ktap_ok(bad == 0, "RLIMIT_NOFILE: EMFILE from open/dup/pipe/socket, dup2/F_DUPFD past it"))
		ktap_diag("failed checks 0x%x", bad);
	bad = in_child(addr_space, &sig);
	if (!ktap_ok(bad == 0, "RLIMIT_AS: mmap, mremap and brk past it ENOMEM"))
		ktap_diag("failed checks 0x%x", bad);
	bad = in_child(data, &sig);
	if (!ktap_ok(bad == 0, "RLIMIT_DATA: brk past it refused, below it works"))
		ktap_diag("failed checks 0x%x", bad);
	bad = in_child(stack_limit, &sig);
	if (!ktap_ok(sig == SIGSEGV, "RLIMIT_STACK 512 KiB: 4 MiB of recursion gets SIGSEGV"))
		ktap_diag("status %d signal %d", bad, sig);

	snprintf(path, sizeof(path), "/tmp/rlimits-%d", (int)getpid());
	if (access("/tmp", W_OK))
		snprintf(path, sizeof(path), "/rlimits-%d", (int)getpid());
	bad = in_child(fsize, &sig);
	if (!ktap_ok(bad == 0 && !sig, "RLIMIT_FSIZE: short write to it, then SIGXFSZ and EFBIG"))
		ktap_diag("failed checks 0x%x signal %d", bad, sig);
	bad = in_child(fsize_default, &sig);
	if (!ktap_ok(sig == SIGXFSZ, "RLIMIT_FSIZE: SIGXFSZ's default action kills"))
		ktap_diag("status %d signal %d", bad, sig);
	unlink(path);

	bad = in_child(nproc_root, &sig);
	ktap_ok(geteuid() != 0 || bad == 0, "RLIMIT_NPROC 1: root may still fork (exempt)");
	bad = in_child(nproc_user, &sig);
	if (bad == 99)
		ktap_skip("setuid is not available", "RLIMIT_NPROC: a user's fork past it EAGAIN");
	else
		ktap_ok(bad == 0, "RLIMIT_NPROC 3: a user's third process cannot be made (EAGAIN)");
	/* 32-bit getrlimit reports RLIM_INFINITY as such. */
	getrlimit(RLIMIT_AS, &r);
	ktap_ok(r.rlim_cur == RLIM_INFINITY, "RLIMIT_AS is unlimited by default");
	return ktap_finish();
}
