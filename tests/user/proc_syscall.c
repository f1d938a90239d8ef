/*
 * proc_syscall: /proc/PID/syscall and /proc/PID/wchan.
 *
 * Linux facts tested:
 *  - /proc/self/syscall read by a raw read(2) shows that very call:
 *    "NR 0xFD 0xBUF 0xCOUNT ..." (decimal number, hex arguments), then
 *    three more arguments, the stack pointer and the ip: 9 fields.
 *  - For a child blocked in pause(2) the first field is pause's number.
 *  - /proc/self/wchan of a running task is "0", one byte, no newline.
 */
#include "ktap.h"
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/wait.h>

int main(void)
{
	char want[96], buf[256];

	ktap_plan(5);
	int fd = open("/proc/self/syscall", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	snprintf(want, sizeof(want), "%ld 0x%lx 0x%lx 0x%lx ", (long)SYS_read, (long)fd,
		 (long)buf, (long)sizeof(buf) - 1);
	long n = syscall(SYS_read, fd, buf, sizeof(buf) - 1);
	ktap_ok(n > 0 && !strncmp(buf, want, strlen(want)), "self: the read itself: %s", buf);
	int fields = 0;
	for (char *p = strtok(buf, " \n"); p; p = strtok(NULL, " \n"))
		fields++;
	ktap_eq(fields, 9, "self: nine fields");
	close(fd);

	pid_t pid = fork();
	if (pid == 0) {
		syscall(SYS_pause);
		_exit(0);
	}
	struct timespec ts = { 0, 100 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	snprintf(want, sizeof(want), "/proc/%d/syscall", pid);
	fd = open(want, O_RDONLY);
	n = read(fd, buf, sizeof(buf) - 1);
	buf[n > 0 ? n : 0] = 0;
	close(fd);
	snprintf(want, sizeof(want), "%ld 0x", (long)SYS_pause);
	ktap_ok(!strncmp(buf, want, strlen(want)), "child in pause: %.20s", buf);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	fd = open("/proc/self/wchan", O_RDONLY);
	memset(buf, 0, sizeof(buf));
	n = read(fd, buf, sizeof(buf));
	ktap_eq(n, 1, "wchan: one byte");
	ktap_eq(buf[0], '0', "wchan: '0'");
	close(fd);
	return ktap_finish();
}
