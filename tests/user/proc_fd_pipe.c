/*
 * Opening /proc/self/fd/N reaches the open file itself, as Linux's
 * "magic" links do, even where the link's text names nothing a path
 * could: a pipe ("pipe:[N]", what bash's and zsh's <(...) hand out) and
 * an unlinked file ("... (deleted)").  A pipe reopened that way never
 * waits for a partner and is never ENXIO (a named FIFO would be).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "ktap.h"
#include "sys.h"

static int reopen(int fd, int flags)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int r = open(path, flags);
	return r < 0 ? -errno : r;
}

int main(void)
{
	int p[2];
	char buf[64];

	ktap_plan(8);
	signal(SIGPIPE, SIG_IGN);
	alarm(10);		/* a wait for a partner would hang: fail instead */
	pipe(p);
	write(p[1], "queued", 6);
	close(p[1]);		/* the writer has come and gone */
	int r = reopen(p[0], O_RDONLY);
	ktap_ok(r >= 0, "a pipe's read end reopens with no writer left (%d)", r);
	long n = r >= 0 ? read(r, buf, sizeof(buf)) : -1;
	ktap_ok(n == 6 && !memcmp(buf, "queued", 6), "the new descriptor reads the pipe's data");
	ktap_eq(r >= 0 ? read(r, buf, sizeof(buf)) : -1, 0, "...then end of file");
	ktap_ok(r != p[0] && r >= 0 && (fcntl(r, F_GETFL) & O_ACCMODE) == O_RDONLY,
		"it is a new open file description");
	close(r);
	close(p[0]);

	pipe(p);
	close(p[0]);		/* no reader */
	r = reopen(p[1], O_WRONLY | O_NONBLOCK);
	ktap_ok(r >= 0, "a reader-less pipe reopens O_WRONLY|O_NONBLOCK (no ENXIO: %d)", r);
	ktap_eq(r >= 0 ? write(r, "x", 1) < 0 ? -errno : 0 : -1, -EPIPE,
		"writing it is EPIPE");
	close(r);
	close(p[1]);

	char path[] = "/tmp/proc_fd_pipeXXXXXX";
	int fd = mkstemp(path);
	write(fd, "gone but open", 13);
	unlink(path);
	r = reopen(fd, O_RDONLY);
	ktap_ok(r >= 0, "an unlinked file reopens through its fd link (%d)", r);
	n = r >= 0 ? read(r, buf, sizeof(buf)) : -1;
	ktap_ok(n == 13 && !memcmp(buf, "gone but open", 13), "...from its start, with its data");
	return ktap_finish();
}
