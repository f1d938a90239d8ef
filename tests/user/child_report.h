/*
 * child_report.h - run a test step in a forked child that reports a
 * results struct back through a pipe.
 *
 * A child's findings travel by pipe, which needs no shared memory and
 * carries nothing from a child that dies early: the child fills the
 * caller's struct, and when fn returns, writes it whole in one raw write (async-signal-safe
 * and far below PIPE_BUF) before exiting with fn's value.  Other exit
 * paths of the child (a signal handler giving up, code running in another
 * segment) call child_report_send() themselves first.  The parent starts
 * from a zeroed struct and copies the child's in only if a whole one
 * arrived: a child killed by a signal leaves it zero.
 */
#ifndef XENTRY_CHILD_REPORT_H
#define XENTRY_CHILD_REPORT_H
#include "sys.h"
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int child_report_fd = -1;	/* in the child: the pipe's write end */

static inline void child_report_send(const void *buf, size_t len)
{
	SC(SYS_write, child_report_fd, buf, len);
}

/* Returns the child's wait status, -1 if it could not be started. */
static inline int run_reporting_into(int (*fn)(void *), void *arg, void *buf, size_t len)
{
	char got[len];
	int p[2], status;
	size_t n = 0;
	ssize_t r;
	memset(buf, 0, len);
	if (pipe(p) != 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_report_fd = p[1];
		int code = fn(arg);
		child_report_send(buf, len);
		_exit(code & 0xff);
	}
	close(p[1]);
	if (waitpid(pid, &status, 0) != pid)
		status = -1;
	while (n < len && (r = read(p[0], got + n, len - n)) > 0)
		n += (size_t)r;
	close(p[0]);
	if (n == len)
		memcpy(buf, got, len);
	return status;
}
#endif
