"""pid 1 of a --linux run: its C source, compiled once per version into
build/linux/ (x86-64) or build/linux-i386/ (-m32, for --arch i386)."""

import hashlib
import os
import subprocess

from xrun_lib.common import Failure, build_lock
from xrun_lib.linux_fetch import LINUX_DIR, LINUX_I386_DIR

# pid 1 of a --linux run.  Compiled (static, glibc) into build/linux/ by
# linux_init(); the file name carries a hash of this text, so an edit here
# rebuilds it.
XRUN_INIT_SOURCE = r"""
/* xrun-init: pid 1 for `xrun --linux` (generated from tools/xrun). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>

/* The TSC at our first instruction (the linker's entry point is
 * xrun_init_entry); registers are zeroed again for glibc's _start. */
unsigned long long first_tsc;
#ifdef __x86_64__
#define FIRST_TSC "first_tsc(%rip)"
#else
#define FIRST_TSC "first_tsc"
#endif
__asm__(".text\n.globl xrun_init_entry\nxrun_init_entry:\n"
	"	rdtsc\n"
	"	mov %eax, " FIRST_TSC "\n"
	"	mov %edx, 4+" FIRST_TSC "\n"
	"	xor %eax, %eax\n"
	"	xor %edx, %edx\n"
	"	jmp _start\n");

/* A file's bytes, NUL-terminated; NULL if it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap + 1);
	for (;;) {
		if (n == cap && !(buf = realloc(buf, (cap *= 2) + 1)))
			return NULL;
		ssize_t r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
}

/* NUL-terminated strings one after the other -> a NULL-terminated vector. */
static char **split(char *buf, size_t len)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += !buf[i];
	char **v = calloc(count + 1, sizeof(char *));
	size_t k = 0;
	for (size_t i = 0; i < len && k < count; i += strlen(buf + i) + 1)
		v[k++] = buf + i;
	return v;
}

int main(void)
{
	/* Linux opens /dev/console as fds 0-2 for init; should it ever fail
	 * to, make the node and open it ourselves. */
	if (fcntl(1, F_GETFD) < 0) {
		mknod("/dev/console", S_IFCHR | 0600, makedev(5, 1));
		int fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
	}
	/* The program's bytes reach the serial port unchanged, as on xentry. */
	struct termios t;
	if (tcgetattr(1, &t) == 0) {
		t.c_oflag &= ~OPOST;
		tcsetattr(1, TCSANOW, &t);
	}
	dprintf(1, "XRUN-INIT-START tsc=%llu\n", first_tsc);

	/* xrun --linux-mounts: the pseudo filesystems of a booted system
	 * (devtmpfs over /dev: our fds 0-2 stay open on the old console). */
	if (access("/xrun-mounts", F_OK) == 0) {
		static const char *const m[][3] = {
			{ "proc", "/proc", "proc" }, { "sysfs", "/sys", "sysfs" },
			{ "devtmpfs", "/dev", "devtmpfs" },
		};
		for (unsigned i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
			mkdir(m[i][1], 0755);
			if (mount(m[i][0], m[i][1], m[i][2], 0, NULL) < 0)
				dprintf(2, "xrun-init: mount %s: %s\n", m[i][1], strerror(errno));
		}
	}

	size_t alen = 0, elen = 0;
	char *abuf = slurp("/init.argv", &alen), *ebuf = slurp("/init.envp", &elen);
	int status = 0x7f00;		/* "exit 127" if nothing runs */
	if (!abuf || !alen) {
		dprintf(2, "xrun-init: no /init.argv\n");
	} else {
		char **argv = split(abuf, alen);
		char **envp = ebuf ? split(ebuf, elen) : calloc(1, sizeof(char *));
		pid_t pid = fork();
		if (pid == 0) {
			execve(argv[0], argv, envp);
			dprintf(2, "xrun-init: cannot execute %s: %s\n", argv[0], strerror(errno));
			_exit(127);
		}
		if (pid < 0) {
			dprintf(2, "xrun-init: fork: %s\n", strerror(errno));
		} else {
			/* Orphans are reparented to us: reap them on the way. */
			for (;;) {
				int st;
				pid_t w = waitpid(-1, &st, 0);
				if (w == pid) {
					status = st;
					break;
				}
				if (w < 0 && errno != EINTR)
					break;
			}
		}
	}
	dprintf(1, "XENTRY-EXIT status=0x%04x\n", status);
	tcdrain(1);		/* every byte out of the UART before power-off */
	reboot(RB_POWER_OFF);
	dprintf(2, "xrun-init: power-off failed: %s\n", strerror(errno));
	for (;;)
		pause();
}
"""


def linux_init(arch="x86_64"):
    """Build (once per version of XRUN_INIT_SOURCE) the static init: an
    x86-64 one, or with arch i386 an i386 one (-m32) for Debian's 32-bit
    kernel, which cannot run 64-bit code."""
    src = XRUN_INIT_SOURCE.encode()
    where = LINUX_I386_DIR if arch == "i386" else LINUX_DIR
    mflag = "-m32" if arch == "i386" else "-m64"
    exe = os.path.join(where, "xrun-init-" + hashlib.sha256(src).hexdigest()[:12])
    with build_lock("linux"):
        if os.path.isfile(exe):
            return exe
        os.makedirs(where, exist_ok=True)
        c = os.path.join(where, "xrun-init.c")
        with open(c, "wb") as f:
            f.write(src)
        p = subprocess.run(["gcc", mflag, "-static", "-O2", "-Wall", "-Wl,-e,xrun_init_entry",
                            "-o", exe + ".tmp", c], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise Failure("BUILD-FAILURE", "cannot compile xrun-init",
                          p.stdout.decode(errors="replace").splitlines())
        os.replace(exe + ".tmp", exe)
    return exe
