/*
 * ptrace_util.h - what the ptrace tests share: where this binary and its
 * other-ABI sibling are (a 64-bit tracer also traces the .32 build, which
 * the runner puts beside it), and a readable wait status.
 */
#ifndef XENTRY_PTRACE_UTIL_H
#define XENTRY_PTRACE_UTIL_H
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

static char self_path[512], sibling_path[512];
static int have_sibling;

static void find_paths(const char *argv0)
{
	ssize_t n = readlink("/proc/self/exe", self_path, sizeof(self_path) - 1);
	if (n > 0)
		self_path[n] = 0;
	else
		snprintf(self_path, sizeof(self_path), "%s", argv0);
	size_t len = strlen(self_path);
	if (len > 3 && strcmp(self_path + len - 3, ".64") == 0) {
		snprintf(sibling_path, sizeof(sibling_path), "%.*s.32",
			 (int)(len - 3), self_path);
		have_sibling = access(sibling_path, X_OK) == 0;
	}
}

static const char *st_str(int st)
{
	static char buf[64];
	if (st != -1 && WIFSTOPPED(st)) {
		snprintf(buf, sizeof(buf), "stopped, status %#x", st);
		return buf;
	}
	return status_str(st, buf, sizeof(buf));
}
#endif
