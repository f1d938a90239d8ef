/*
 * Named pipes: mkfifo/mknod S_IFIFO, and open's rules - a reader waits
 * for a writer and a writer for a reader, O_RDONLY|O_NONBLOCK never waits,
 * O_WRONLY|O_NONBLOCK without a reader is ENXIO, O_RDWR never waits, a
 * signal interrupts the wait (EINTR); then data, EOF, POLLHUP, and the
 * buffer going away with the last close.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include "ktap.h"
#include "sys.h"

static long ERR(long r)
{
	return r < 0 ? -errno : r;
}

static long long mono_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000LL + t.tv_nsec / 1000000;
}

static void on_alarm(int sig)
{
	(void)sig;
}

/* A child that opens the FIFO after a delay and writes/reads a byte. */
static pid_t partner(const char *path, int flags, int delay_ms)
{
	pid_t pid = fork();
	if (pid == 0) {
		usleep(delay_ms * 1000);
		int fd = open(path, flags);
		char c = 'z';
		if (fd < 0)
			_exit(1);
		if (flags == O_WRONLY)
			write(fd, "hi", 2);
		else
			read(fd, &c, 1);
		_exit(c == 'h' || flags == O_WRONLY ? 0 : 2);
	}
	return pid;
}

int main(void)
{
	char dir[] = "/tmp/fs_fifoXXXXXX";
	struct stat st;
	char buf[16];
	int status;

	ktap_plan(22);
	default_signals();
	if (!mkdtemp(dir) || chdir(dir)) {
		ktap_diag("no scratch directory");
		return 1;
	}
	ktap_eq(ERR(mkfifo("ff", 0640)), 0, "mkfifo");
	ktap_ok(stat("ff", &st) == 0 && S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0640,
		"stat: a FIFO with its mode");
	ktap_eq(ERR(mkfifo("ff", 0640)), -EEXIST, "mkfifo over a name: EEXIST");
	ktap_eq(ERR(mknod("ff2", S_IFIFO | 0600, 0)), 0, "mknod S_IFIFO");

	ktap_eq(ERR(open("ff", O_WRONLY | O_NONBLOCK)), -ENXIO,
		"O_WRONLY|O_NONBLOCK without a reader: ENXIO");
	int r = open("ff", O_RDONLY | O_NONBLOCK);
	ktap_ok(r >= 0, "O_RDONLY|O_NONBLOCK opens at once");
	ktap_eq(ERR(read(r, buf, sizeof(buf))), 0, "reading with no writer: EOF");
	struct pollfd pf = { r, POLLIN, 0 };
	ktap_ok(poll(&pf, 1, 0) == 0 && pf.revents == 0,
		"no POLLHUP before any writer has come");
	int w = open("ff", O_WRONLY | O_NONBLOCK);
	ktap_ok(w >= 0, "O_WRONLY|O_NONBLOCK with a reader opens");
	ktap_ok(write(w, "abc", 3) == 3 && read(r, buf, sizeof(buf)) == 3 &&
		memcmp(buf, "abc", 3) == 0, "data goes through");
	ktap_eq(ERR(read(r, buf, sizeof(buf))), -EAGAIN, "empty with a writer: EAGAIN");
	ktap_eq(ERR(lseek(r, 0, SEEK_SET)), -ESPIPE, "lseek: ESPIPE");
	close(w);
	pf.revents = 0;
	ktap_ok(poll(&pf, 1, 0) == 1 && pf.revents == POLLHUP,
		"the writer gone: POLLHUP");
	close(r);

	/* Blocking opens wait for the partner. */
	long long t0 = mono_ms();
	pid_t pid = partner("ff", O_WRONLY, 100);
	r = open("ff", O_RDONLY);
	long long waited = mono_ms() - t0;
	ktap_ok(r >= 0 && waited >= 80, "O_RDONLY waited for a writer (%lld ms)", waited);
	memset(buf, 0, sizeof(buf));
	ktap_ok(read(r, buf, 2) == 2 && strcmp(buf, "hi") == 0, "and reads its data");
	waitpid(pid, &status, 0);
	ktap_eq(read(r, buf, 2), 0, "EOF once it closed");
	close(r);

	t0 = mono_ms();
	pid = partner("ff", O_RDONLY, 100);
	w = open("ff", O_WRONLY);
	waited = mono_ms() - t0;
	ktap_ok(w >= 0 && waited >= 80, "O_WRONLY waited for a reader (%lld ms)", waited);
	write(w, "h", 1);
	waitpid(pid, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the reader got the byte");
	close(w);

	int rw = open("ff", O_RDWR | O_NONBLOCK);
	ktap_ok(rw >= 0 && write(rw, "left", 4) == 4, "O_RDWR never waits");
	close(rw);
	rw = open("ff", O_RDWR | O_NONBLOCK);
	ktap_eq(ERR(read(rw, buf, sizeof(buf))), -EAGAIN,
		"the last close threw the unread data away");
	close(rw);

	/* A signal ends the wait. */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	struct itimerval it = { { 0, 0 }, { 0, 100000 } };
	setitimer(ITIMER_REAL, &it, NULL);
	ktap_eq(ERR(open("ff2", O_RDONLY)), -EINTR, "a handled signal interrupts the wait: EINTR");

	/* An open FIFO outlives its name. */
	r = open("ff2", O_RDONLY | O_NONBLOCK);
	w = open("ff2", O_WRONLY);
	unlink("ff2");
	ktap_ok(write(w, "u", 1) == 1 && read(r, buf, 1) == 1 && buf[0] == 'u',
		"an unlinked FIFO still carries data");
	return ktap_finish();
}
