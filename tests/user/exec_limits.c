/*
 * execve's argument limits, Linux's (fs/exec.c, 6.x): one string at most
 * MAX_ARG_STRLEN = 32 pages (NUL included); all strings - the file name,
 * argv, envp - plus one kernel pointer each (max(argc,1) + envc: 8 bytes
 * on a 64-bit kernel, for i386 tasks too; 4 on a native i386 kernel,
 * kernel32.h) at most a quarter of RLIMIT_STACK, capped at 6 MiB and
 * never below 128 KiB.  E2BIG past either, exactly at the boundary; an
 * empty argv becomes { "" }.  (Below a 512 KiB RLIMIT_STACK Linux also
 * refuses strings the stack cannot grow to hold; not tested here.)
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "ktap.h"
#include "kernel32.h"

#define MAX_ARG_STRLEN (32 * 4096)
/* What the kernel counts per argv/envp pointer: its own pointer size. */
#define KPTR ((size_t)(native_i386() ? 4 : 8))

static const char *self;

/* execve(self, argv, envp) in a child: 0 if the new image ran (it exits
 * 42), else -errno. */
static int try_exec(char **argv, char **envp)
{
	pid_t pid = fork();
	if (pid == 0) {
		execve(self, argv, envp);
		_exit(errno);
	}
	int st;
	waitpid(pid, &st, 0);
	if (!WIFEXITED(st))
		return -1000;
	return WEXITSTATUS(st) == 42 ? 0 : -WEXITSTATUS(st);
}

static char *str(size_t len)
{
	char *s = malloc(len + 1);
	memset(s, 'a', len);
	s[len] = 0;
	return s;
}

/* argv = { self, "--child", fillers } whose strings, with the file name
 * and the pointers, take exactly `total` bytes (envp empty). */
static int exec_total(size_t total)
{
	char *argv[16] = { (char *)self, "--child" };
	int argc = 2;
	size_t used = 2 * (strlen(self) + 1) + 8;
	size_t left = total - used;
	int fillers = (int)(left / 100000) + 1;
	left -= (size_t)(argc + fillers) * KPTR;
	for (int i = 0; i < fillers; i++) {
		size_t part = left / (size_t)(fillers - i);
		argv[argc++] = str(part - 1);
		left -= part;
	}
	argv[argc] = NULL;
	char *envp[] = { NULL };
	int r = try_exec(argv, envp);
	for (int i = 2; i < argc; i++)
		free(argv[i]);
	return r;
}

int main(int argc, char **argv)
{
	if (argc == 1 && argv[0][0] == 0)
		return 42;		/* the empty-argv case: argv = { "" } */
	if (argc >= 2 && !strcmp(argv[1], "--child"))
		return 42;
	self = argv[0];
	ktap_plan(9);
	char *envp[] = { NULL };

	char *big = str(MAX_ARG_STRLEN - 1);
	char *a1[] = { (char *)self, "--child", big, NULL };
	ktap_eq(try_exec(a1, envp), 0, "a string of MAX_ARG_STRLEN bytes with its NUL passes");
	free(big);
	big = str(MAX_ARG_STRLEN);
	char *a2[] = { (char *)self, "--child", big, NULL };
	ktap_eq(try_exec(a2, envp), -E2BIG, "one byte more: E2BIG");
	char *a3[] = { (char *)self, "--child", NULL }, *e3[] = { big, NULL };
	ktap_eq(try_exec(a3, e3), -E2BIG, "the same in the environment: E2BIG");
	free(big);

	/* RLIMIT_STACK 1 MiB: 256 KiB for everything. */
	struct rlimit old, rl = { 1 << 20, 1 << 20 };
	getrlimit(RLIMIT_STACK, &old);
	rl.rlim_max = old.rlim_max;
	ktap_eq(setrlimit(RLIMIT_STACK, &rl), 0, "RLIMIT_STACK set to 1 MiB");
	ktap_eq(exec_total(256 << 10), 0, "strings + pointers of exactly rlimit/4 pass");
	ktap_eq(exec_total((256 << 10) + 1), -E2BIG, "one byte more: E2BIG");
	setrlimit(RLIMIT_STACK, &old);

	/* Many empty strings: the pointers alone exceed the limit (a quarter
	 * of the default 8 MiB RLIMIT_STACK), with 4-byte pointers too.  If
	 * the exec went through, "--child" ends the new image at once. */
	size_t n = native_i386() ? 500000 : 400000;
	char **many = malloc((n + 1) * sizeof(char *));
	many[0] = (char *)self;
	many[1] = "--child";
	for (size_t i = 2; i < n; i++)
		many[i] = "";
	many[n] = NULL;
	ktap_eq(try_exec(many, envp), -E2BIG, "%s empty strings: E2BIG",
		native_i386() ? "500,000" : "400,000");
	free(many);

	char *bad[] = { (char *)self, (char *)8, NULL };
	ktap_eq(try_exec(bad, envp), -EFAULT, "an unreadable string: EFAULT, the caller intact");

	char *none[] = { NULL };
	ktap_eq(try_exec(none, envp), 0, "an empty argv runs with argv = { \"\" }");
	return ktap_finish();
}
