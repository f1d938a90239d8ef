/*
 * pid 1 for `make shell` (tools/shell): what getty and init do on Linux
 * before a login shell runs, so that the shell gets job control.
 *
 *   shell-init PROGRAM ARGV0 [ARGS...]
 *
 * The console becomes the controlling terminal of our session (TIOCSCTTY:
 * opening /dev/console never makes it one), the shell gets /dev/tty as
 * fds 0-2 (reads and writes through /dev/console are exempt from
 * SIGTTIN/SIGTTOU, so background jobs must not use it), and we wait,
 * reaping orphans, until the shell ends; its exit status is ours, which
 * ends the machine.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: shell-init PROGRAM ARGV0 [ARGS...]\n");
		return 2;
	}
	/* Fails (EPERM) when we already lead a session: pid 1 on xentry. */
	setsid();
	if (ioctl(0, TIOCSCTTY, 0) < 0)
		fprintf(stderr, "shell-init: TIOCSCTTY: %s (no job control)\n", strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		perror("shell-init: fork");
		return 1;
	}
	if (pid == 0) {
		int fd = open("/dev/tty", O_RDWR);
		if (fd >= 0) {
			dup2(fd, 0), dup2(fd, 1), dup2(fd, 2);
			if (fd > 2)
				close(fd);
		}
		execv(argv[1], argv + 2);
		fprintf(stderr, "shell-init: cannot run %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	/* The shell's ^C and ^Z are for its jobs, not for us. */
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGTSTP, SIG_IGN);
	signal(SIGTTOU, SIG_IGN);
	signal(SIGTTIN, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	for (;;) {
		int st;
		pid_t w = wait(&st);
		if (w == pid)
			return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
		if (w < 0 && errno != EINTR)
			return 1;
	}
}
