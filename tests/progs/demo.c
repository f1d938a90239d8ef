/*
 * demo - what `make run` boots into: xentry running real static Linux
 * programs of both ABIs, and how their system calls left the kernel.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>

static int run(char *const argv[])
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		char *envp[] = { "DEMO=xentry", "HOME=/", NULL };
		execve(argv[0], argv, envp);
		perror(argv[0]);
		_exit(127);
	}
	int status;
	waitpid(pid, &status, 0);
	printf("demo: %s exited with status %d\n\n", argv[0], WEXITSTATUS(status));
	return status;
}

int main(void)
{
	struct utsname u;
	uname(&u);
	printf("demo: %s %s on %s, pid %d\n", u.sysname, u.release, u.machine, getpid());
	printf("demo: resetting the exit counters, then running a 64-bit and a "
	       "32-bit program\n\n");
	char *reset[] = { "/exitstats.64", "-r", NULL };
	run(reset);
	char *h64[] = { "/hello.64", "/init.argv", "one", "two", NULL };
	char *h32[] = { "/hello.32", "/init.argv", "three", NULL };
	run(h64);
	run(h32);
	printf("demo: how the system calls since the reset returned to user mode:\n");
	char *show[] = { "/exitstats.64", NULL };
	run(show);
	return 0;
}
