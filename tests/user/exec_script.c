/*
 * "#!" scripts in execve, Linux's rules (fs/binfmt_script.c, 6.x): the
 * interpreter replaces argv[0] and gets the script's path (as given to
 * execve) after its one optional argument - everything after the blanks
 * that end its name, trailing blanks stripped; only the first 256 bytes
 * count; five scripts may chain, six is ELOOP; a missing interpreter is
 * ENOENT, an empty "#!" or a file with neither ELF nor "#!" ENOEXEC.
 * The interpreter is this program itself, which prints its argv when
 * XT_DUMP is set.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"

static char self[256], dir[64];

static int put_file(const char *path, const char *data, size_t n, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	int ok = write(fd, data, n) == (ssize_t)n;
	close(fd);
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

static void script(const char *name, const char *text)
{
	char p[128];
	snprintf(p, sizeof(p), "%s/%s", dir, name);
	put_file(p, text, strlen(text), 0755);
}

/* Executes dir/name with argv {"zero", "x"}; out gets the argv the
 * interpreter saw, '|'-separated.  Returns 0, or -errno of the execve. */
static int run(const char *name, char *out, size_t outsz)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	int p[2], e[2];
	if (pipe(p) || pipe2(e, O_CLOEXEC))
		return -1000;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		char *argv[] = { "zero", "x", NULL }, *envp[] = { "XT_DUMP=1", NULL };
		execve(path, argv, envp);
		int err = errno;
		write(e[1], &err, sizeof(err));
		_exit(127);
	}
	close(p[1]);
	close(e[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < outsz && (r = read(p[0], out + n, outsz - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	int err = 0, st;
	ssize_t got = read(e[0], &err, sizeof(err));
	waitpid(pid, &st, 0);
	close(p[0]);
	close(e[0]);
	return got == sizeof(err) ? -err : 0;
}

/* The argv the interpreter should see, '|'-separated, from a format
 * where %S is this program and %D the script directory. */
static const char *expect(const char *fmt)
{
	static char buf[2048];
	size_t n = 0;
	for (const char *f = fmt; *f && n < sizeof(buf) - 300; f++) {
		if (f[0] == '%' && (f[1] == 'S' || f[1] == 'D')) {
			n += snprintf(buf + n, sizeof(buf) - n, "%s", f[1] == 'S' ? self : dir);
			f++;
		} else
			buf[n++] = *f;
	}
	buf[n] = 0;
	return buf;
}

static void check(const char *name, const char *want_fmt, const char *what)
{
	char out[2048];
	int r = run(name, out, sizeof(out));
	const char *want = expect(want_fmt);
	ktap_ok(r == 0 && !strcmp(out, want), "%s", what);
	if (r || strcmp(out, want))
		ktap_diag("got %d [%s], want [%s]", r, out, want);
}

int main(int argc, char **argv)
{
	if (getenv("XT_DUMP")) {
		for (int i = 0; i < argc; i++)
			printf("%s%s", i ? "|" : "", argv[i]);
		return 0;
	}
	ktap_plan(17);
	if (argv[0][0] == '/')
		snprintf(self, sizeof(self), "%s", argv[0]);
	else if (!realpath(argv[0], self))
		snprintf(self, sizeof(self), "/%s", argv[0]);
	snprintf(dir, sizeof(dir), "/tmp/xs%d", getpid());
	ktap_ok(mkdir(dir, 0755) == 0, "script directory %s", dir);
	char t[600];

	snprintf(t, sizeof(t), "#!%s\necho not reached\n", self);
	script("plain", t);
	check("plain", "%S|%D/plain|x", "no argument: interpreter, script path, argv[1...]");

	snprintf(t, sizeof(t), "#!%s  one  two \t \nrest\n", self);
	script("arg", t);
	check("arg", "%S|one  two|%D/arg|x",
	      "one argument: all after the blanks, inner blanks kept, trailing cut");

	snprintf(t, sizeof(t), "#! \t%s\t-x\n", self);
	script("lead", t);
	check("lead", "%S|-x|%D/lead|x", "blanks before the name, tab as separator");

	snprintf(t, sizeof(t), "#!%s", self);
	script("noeol", t);
	check("noeol", "%S|%D/noeol|x", "no newline at the end of the file");

	/* A NUL ends the name; what follows it is no argument. */
	int n = snprintf(t, sizeof(t), "#!%s", self);
	memcpy(t + n, "\0 arg\n", 7);
	char p[128];
	snprintf(p, sizeof(p), "%s/nul", dir);
	put_file(p, t, n + 6, 0755);
	check("nul", "%S|%D/nul|x", "a NUL ends the interpreter line");

	/* Only 256 bytes are read: a long argument is cut at byte 255. */
	n = snprintf(t, sizeof(t), "#!%s ", self);
	int argbytes = 255 - n;
	memset(t + n, 'a', 400);
	strcpy(t + n + 400, "\n");
	script("longarg", t);
	char want[600];
	snprintf(want, sizeof(want), "%%S|%.*s|%%D/longarg|x", argbytes, t + n);
	check("longarg", want, "an argument past the 256-byte buffer is cut");

	/* A name that does not end inside the buffer: ENOEXEC. */
	memcpy(t, "#!/", 3);
	memset(t + 3, 'a', 400);
	strcpy(t + 403, "\n");
	script("longname", t);
	char out[2048];
	ktap_eq(run("longname", out, sizeof(out)), -ENOEXEC, "interpreter name past 256 bytes: ENOEXEC");

	script("empty", "#!\n");
	ktap_eq(run("empty", out, sizeof(out)), -ENOEXEC, "\"#!\" and no name: ENOEXEC");
	script("blank", "#!   \t \nfoo\n");
	ktap_eq(run("blank", out, sizeof(out)), -ENOEXEC, "\"#!\" and blanks only: ENOEXEC");
	script("missing", "#!/nonexistent/interp -a\n");
	ktap_eq(run("missing", out, sizeof(out)), -ENOENT, "missing interpreter: ENOENT");
	snprintf(t, sizeof(t), "#!%s\r\n", self);
	script("crlf", t);
	ktap_eq(run("crlf", out, sizeof(out)), -ENOENT, "CRLF: the CR is part of the name");
	script("noshebang", "echo hi\n");
	ktap_eq(run("noshebang", out, sizeof(out)), -ENOEXEC, "neither ELF nor #!: ENOEXEC");
	snprintf(t, sizeof(t), "#!%s\n", dir);
	script("dirinterp", t);
	ktap_eq(run("dirinterp", out, sizeof(out)), -EACCES, "a directory as interpreter: EACCES");

	/* Chains: s0 runs us, s(i) runs s(i-1). */
	snprintf(t, sizeof(t), "#!%s\n", self);
	script("s0", t);
	for (int i = 1; i <= 5; i++) {
		char nm[8];
		snprintf(t, sizeof(t), "#!%s/s%d\n", dir, i - 1);
		snprintf(nm, sizeof(nm), "s%d", i);
		script(nm, t);
	}
	check("s4", "%S|%D/s0|%D/s1|%D/s2|%D/s3|%D/s4|x",
	      "five scripts chained: each path in turn");
	ktap_eq(run("s5", out, sizeof(out)), -ELOOP, "six scripts chained: ELOOP");

	snprintf(t, sizeof(t), "#!%s\n", self);
	script("noexec", t);
	snprintf(p, sizeof(p), "%s/noexec", dir);
	chmod(p, 0644);
	ktap_eq(run("noexec", out, sizeof(out)), -EACCES, "a script without x permission: EACCES");

	static const char *const names[] = { "plain", "arg", "lead", "noeol", "nul", "longarg",
		"longname", "empty", "blank", "missing", "crlf", "noshebang", "dirinterp", "s0",
		"s1", "s2", "s3", "s4", "s5", "noexec" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
		unlink(p);
	}
	rmdir(dir);
	return ktap_finish();
}
