/*
 * procfs, the calling process: /proc/self and thread-self, exe (readlink
 * and exec through it), stat, status, cmdline, comm, environ, stat(2) of
 * the files, reading in pieces and pread, another process's directory
 * and its disappearance, and the directory listings.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"

static char text[16384];

static int listed(const char *dir, const char *name)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int found = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = 1;
	closedir(d);
	return found;
}

int main(int argc, char **argv, char **envp)
{
	char buf[PATH_MAX], want[PATH_MAX], comm[17];
	struct stat st;
	long n;

	if (argc == 2 && !strcmp(argv[1], "reexec"))
		return 42;
	ktap_plan(29);

	snprintf(want, sizeof(want), "%d", getpid());
	n = readlink("/proc/self", buf, sizeof(buf));
	ktap_ok(n > 0 && (size_t)n == strlen(want) && !memcmp(buf, want, n),
		"readlink /proc/self is the pid (%s)", want);
	snprintf(want, sizeof(want), "%d/task/%ld", getpid(), syscall(SYS_gettid));
	n = readlink("/proc/thread-self", buf, sizeof(buf));
	ktap_ok(n > 0 && (size_t)n == strlen(want) && !memcmp(buf, want, n),
		"readlink /proc/thread-self is pid/task/tid");
	ktap_ok(lstat("/proc/self", &st) == 0 && S_ISLNK(st.st_mode), "/proc/self is a symlink");

	char *real = realpath(argv[0], NULL);
	n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
	if (n > 0)
		buf[n] = 0;
	ktap_ok(real && n > 0 && !strcmp(buf, real), "exe is realpath(argv[0]) (%s)",
		n > 0 ? buf : "?");
	n = readlink("/proc/self/exe", buf, 3);
	ktap_eq(n, 3, "readlink truncates to the buffer");

	/* stat: "pid (comm) S ppid pgrp session ..." and 52 fields. */
	const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
	snprintf(comm, sizeof(comm), "%.15s", base);
	ktap_ok(read_all("/proc/self/stat", text, sizeof(text)) > 0, "read /proc/self/stat");
	int pid = -1, ppid = -1, pgrp = -1, sid = -1;
	char state = 0, *rp = strrchr(text, ')');
	ktap_ok(sscanf(text, "%d", &pid) == 1 && pid == getpid(), "stat: pid");
	ktap_ok(rp && !strncmp(strchr(text, '(') + 1, comm, strlen(comm)) &&
		rp - strchr(text, '(') - 1 == (long)strlen(comm), "stat: (comm) is (%s)", comm);
	ktap_ok(rp && sscanf(rp + 2, "%c %d %d %d", &state, &ppid, &pgrp, &sid) == 4 &&
		state == 'R', "stat: state R (%c)", state);
	ktap_ok(ppid == getppid() && pgrp == getpgrp() && sid == getsid(0),
		"stat: ppid %d pgrp %d session %d", ppid, pgrp, sid);
	int fields = 2;
	for (char *p = rp + 1; p && *p; p++)
		if (*p == ' ')
			fields++;
	ktap_eq(fields, 52, "stat: 52 fields");

	ktap_ok(read_all("/proc/self/status", text, sizeof(text)) > 0, "read status");
	ktap_ok(field_long(text, "Tgid") == getpid() && field_long(text, "Pid") == getpid() &&
		field_long(text, "PPid") == getppid(), "status: Tgid, Pid, PPid");
	ktap_eq(field_long(text, "Threads"), 1, "status: Threads");
	snprintf(want, sizeof(want), "Name:\t%s\n", comm);
	ktap_ok(!strncmp(text, want, strlen(want)), "status starts with Name:");

	n = read_all("/proc/self/cmdline", text, sizeof(text));
	size_t len = 0;
	for (int i = 0; i < argc; i++) {
		memcpy(want + len, argv[i], strlen(argv[i]) + 1);
		len += strlen(argv[i]) + 1;
	}
	ktap_ok(n == (long)len && !memcmp(text, want, len), "cmdline: argv, NUL-separated");
	snprintf(want, sizeof(want), "%s\n", comm);
	ktap_ok(read_all("/proc/self/comm", text, sizeof(text)) > 0 && !strcmp(text, want),
		"comm");
	n = read_all("/proc/self/environ", text, sizeof(text));
	ktap_ok(!envp[0] || (n > 0 && !strcmp(text, envp[0])), "environ starts with envp[0]");

	ktap_ok(stat("/proc/self/stat", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
		(st.st_mode & 07777) == 0444, "stat(2): regular, 0444, size 0");
	ktap_ok(stat("/proc/self", &st) == 0 && S_ISDIR(st.st_mode), "/proc/self is a directory");

	int fd = open("/proc/self/stat", O_RDONLY);
	char a[32] = { 0 }, b[32] = { 0 };
	read_all("/proc/self/stat", text, sizeof(text));
	ktap_ok(pread(fd, a, 10, 3) == 10 && !memcmp(a, text + 3, 10), "pread at an offset");
	ktap_ok(lseek(fd, 5, SEEK_SET) == 5 && read(fd, b, 4) == 4 && !memcmp(b, text + 5, 4),
		"lseek then read");
	close(fd);

	snprintf(want, sizeof(want), "%d", getpid());
	ktap_ok(listed("/proc", want) && listed("/proc", "self"), "/proc lists our pid and self");
	snprintf(want, sizeof(want), "%ld", syscall(SYS_gettid));
	ktap_ok(listed("/proc/self/task", want), "task/ lists our tid");
	ktap_ok(listed("/proc/self", "maps") && listed("/proc/self", "fd"),
		"/proc/self lists maps and fd");

	/* Another process: its own /proc/self, its stat from here, then gone. */
	int p[2];
	pipe(p);
	pid_t child = fork();
	if (child == 0) {
		char c;
		n = readlink("/proc/self", buf, sizeof(buf));
		buf[n > 0 ? n : 0] = 0;
		read(p[0], &c, 1);
		_exit(atoi(buf) == getpid() ? 0 : 1);
	}
	snprintf(want, sizeof(want), "/proc/%d/stat", child);
	ktap_ok(read_all(want, text, sizeof(text)) > 0 && strtol(text, NULL, 10) == child &&
		strtol(strrchr(text, ')') + 4, NULL, 10) == getpid(),
		"the child's stat names it and us as parent");
	write(p[1], "x", 1);
	int status;
	waitpid(child, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the child saw its own pid in /proc/self");
	snprintf(want, sizeof(want), "/proc/%d", child);
	ktap_ok(stat(want, &st) == -1 && errno == ENOENT, "a reaped process has no directory");

	/* exec through the symlink runs the same program. */
	child = fork();
	if (child == 0) {
		execl("/proc/self/exe", "x", "reexec", (char *)NULL);
		_exit(1);
	}
	waitpid(child, &status, 0);
	ktap_ok(WIFEXITED(status) && WEXITSTATUS(status) == 42, "exec of /proc/self/exe");
	return ktap_finish();
}
