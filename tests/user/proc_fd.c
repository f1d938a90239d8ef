/*
 * /proc/self/fd: one symlink per open descriptor, naming the file's path,
 * "pipe:[inode]" for a pipe, the directory for a directory fd; it goes
 * away with close, follows dup, and opening the link opens the file
 * itself (a second, independent open).  Also /proc/self/cwd after chdir.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include "ktap.h"
#include "sys.h"
#include "proc_util.h"

static long link_of(int fd, char *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	long r = readlink(path, buf, n - 1);
	buf[r > 0 ? r : 0] = 0;
	return r < 0 ? -errno : r;
}

static int listed(int fd)
{
	char name[16];
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int found = 0;

	snprintf(name, sizeof(name), "%d", fd);
	while (d && (e = readdir(d)))
		if (!strcmp(e->d_name, name))
			found = e->d_type == DT_LNK ? 1 : 2;
	if (d)
		closedir(d);
	return found;
}

int main(void)
{
	char dir[] = "/tmp/proc_fdXXXXXX", path[PATH_MAX], buf[PATH_MAX], want[PATH_MAX];
	struct stat st, st2;

	ktap_plan(14);
	if (!mkdtemp(dir)) {
		ktap_diag("no scratch directory");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/file", dir);
	int fd = open(path, O_RDWR | O_CREAT, 0644);
	write(fd, "hello", 5);
	ktap_ok(link_of(fd, buf, sizeof(buf)) > 0 && !strcmp(buf, path),
		"fd/N names the file (%s)", buf);
	ktap_eq(listed(fd), 1, "fd/ lists it as a symlink");

	int fd2 = dup2(fd, 77);	/* high: opendir must not reuse it */
	ktap_ok(link_of(fd2, buf, sizeof(buf)) > 0 && !strcmp(buf, path), "a dup names it too");
	close(fd2);
	ktap_eq(link_of(fd2, buf, sizeof(buf)), -ENOENT, "closed: the link is gone");
	ktap_eq(listed(fd2), 0, "and not listed");

	/* Opening the link opens the file anew: its own offset. */
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	int fd3 = open(want, O_RDONLY);
	char c[6] = { 0 };
	ktap_ok(fd3 >= 0 && read(fd3, c, 5) == 5 && !strcmp(c, "hello"),
		"open of fd/N reads the file from the start");
	ktap_ok(fstat(fd3, &st) == 0 && stat(path, &st2) == 0 && st.st_ino == st2.st_ino,
		"the same inode");
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd3);
	lstat(want, &st);
	snprintf(want, sizeof(want), "/proc/self/fd/%d", fd);
	lstat(want, &st2);
	ktap_ok(S_ISLNK(st.st_mode) && (st.st_mode & 0777) == 0500 && (st2.st_mode & 0777) == 0700,
		"link modes: r-x read-only, rwx read-write (%o, %o)", st.st_mode & 0777,
		st2.st_mode & 0777);
	close(fd3);

	int p[2];
	pipe(p);
	fstat(p[0], &st);
	snprintf(want, sizeof(want), "pipe:[%lu]", (unsigned long)st.st_ino);
	ktap_ok(link_of(p[0], buf, sizeof(buf)) > 0 && !strcmp(buf, want),
		"a pipe is %s (%s)", want, buf);
	ktap_ok(link_of(p[1], buf, sizeof(buf)) > 0 && !strcmp(buf, want),
		"both ends name the same pipe");

	int dfd = open(dir, O_RDONLY | O_DIRECTORY);
	ktap_ok(link_of(dfd, buf, sizeof(buf)) > 0 && !strcmp(buf, dir), "a directory fd");

	ktap_ok(chdir(dir) == 0 && readlink("/proc/self/cwd", buf, sizeof(buf)) ==
		(long)strlen(dir) && !strncmp(buf, dir, strlen(dir)), "cwd follows chdir");
	ktap_ok(stat("/proc/self/cwd/file", &st) == 0 && st.st_size == 5,
		"a path through cwd reaches the file");
	memset(buf, 0, sizeof(buf));
	ktap_ok(readlink("/proc/self/root", buf, sizeof(buf)) == 1 && !strcmp(buf, "/"),
		"root is /");

	unlink(path);
	rmdir(dir);
	return ktap_finish();
}
