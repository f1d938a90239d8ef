/*
 * rename, renameat, renameat2: files and directories, replacing a file or
 * an empty directory, RENAME_NOREPLACE / RENAME_EXCHANGE, and Linux's
 * errno for the awkward cases (moving a directory into itself, trailing
 * slashes, ".", type mismatches).  Runs in a fresh directory under /tmp.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include "ktap.h"
#include "sys.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE 2
#endif

static long r2(int ofd, const char *o, int nfd, const char *n, unsigned flags)
{
	return SC(SYS_renameat2, ofd, o, nfd, n, flags);
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		write(fd, s, strlen(s));
		close(fd);
	}
}

static int has(const char *path, const char *s)
{
	char buf[64] = { 0 };
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return strcmp(buf, s) == 0;
}

static long ino(const char *path)
{
	struct stat st;
	return lstat(path, &st) ? -1 : (long)st.st_ino;
}

static long nlink(const char *path)
{
	struct stat st;
	return stat(path, &st) ? -1 : (long)st.st_nlink;
}

/* A libc result as the kernel gave it: -errno on failure. */
static long ERR(long r)
{
	return r < 0 ? -errno : r;
}

int main(void)
{
	char dir[] = "/tmp/fs_renameXXXXXX";

	ktap_plan(34);
	if (!mkdtemp(dir) || chdir(dir)) {
		ktap_diag("no scratch directory");
		return 1;
	}

	put("a", "A");
	long ia = ino("a");
	ktap_eq(rename("a", "b"), 0, "rename a file");
	ktap_ok(ino("a") == -1 && ino("b") == ia && has("b", "A"),
		"the old name is gone, the inode and data moved");

	put("c", "C");
	ktap_eq(ERR(rename("b", "c")), 0, "rename over an existing file");
	ktap_ok(ino("c") == ia && has("c", "A") && ino("b") == -1,
		"the target is replaced by the source inode");

	mkdir("d1", 0755);
	mkdir("d2", 0755);
	mkdir("d3", 0755);
	put("d3/f", "F");
	ktap_eq(ERR(rename("d1", "d2")), 0, "rename a directory over an empty one");
	ktap_eq(ERR(rename("d2", "d3")), -ENOTEMPTY, "over a non-empty one: ENOTEMPTY");
	ktap_eq(ERR(rename("d2", "c")), -ENOTDIR, "directory over a file: ENOTDIR");
	ktap_eq(ERR(rename("c", "d2")), -EISDIR, "file over a directory: EISDIR");
	mkdir("d2/sub", 0755);
	ktap_eq(ERR(rename("d2", "d2/sub/x")), -EINVAL,
		"a directory into its own subdirectory: EINVAL");
	ktap_eq(ERR(rename("d2", "d2/x")), -EINVAL, "into itself: EINVAL");
	ktap_eq(ERR(rename("d2/sub", "d2")), -ENOTEMPTY,
		"over its own parent: ENOTEMPTY");
	ktap_eq(ERR(rename("missing", "x")), -ENOENT, "missing source: ENOENT");
	ktap_eq(ERR(rename(".", "x")), -EBUSY, "\".\" as the source: EBUSY");
	ktap_eq(ERR(rename("c", "..")), -EBUSY, "\"..\" as the target: EBUSY");
	ktap_eq(ERR(rename("c/", "x")), -ENOTDIR, "a file named with a slash: ENOTDIR");
	ktap_eq(ERR(rename("c", "x/")), -ENOTDIR, "a new name with a slash: ENOTDIR");
	ktap_eq(ERR(rename("d3/", "d4/")), 0, "directories may carry slashes");

	/* Moving a directory between parents fixes "..", and both counts. */
	mkdir("p1", 0755);
	mkdir("p2", 0755);
	mkdir("p1/m", 0755);
	ktap_eq(ERR(rename("p1/m", "p2/m")), 0, "move a directory to another parent");
	ktap_ok(nlink("p1") == 2 && nlink("p2") == 3,
		"parents' link counts follow (p1 %ld, p2 %ld)", nlink("p1"), nlink("p2"));
	ktap_eq(ino("p2/m/.."), ino("p2"), "its \"..\" is the new parent");

	/* Same inode under both names: nothing happens. */
	link("c", "c2");
	ktap_eq(ERR(rename("c", "c2")), 0, "rename between hard links succeeds");
	ktap_ok(ino("c") == ino("c2") && ino("c") != -1, "and both names remain");

	put("n1", "N1");
	put("n2", "N2");
	ktap_eq(r2(AT_FDCWD, "n1", AT_FDCWD, "n2", RENAME_NOREPLACE), -EEXIST,
		"RENAME_NOREPLACE over an existing name: EEXIST");
	ktap_eq(r2(AT_FDCWD, "n1", AT_FDCWD, "n3", RENAME_NOREPLACE), 0,
		"RENAME_NOREPLACE to a free name");
	ktap_eq(r2(AT_FDCWD, "n3", AT_FDCWD, "n2", RENAME_EXCHANGE), 0,
		"RENAME_EXCHANGE of two files");
	ktap_ok(has("n3", "N2") && has("n2", "N1"), "the contents swapped places");
	ktap_eq(r2(AT_FDCWD, "n3", AT_FDCWD, "nope", RENAME_EXCHANGE), -ENOENT,
		"RENAME_EXCHANGE with a missing target: ENOENT");
	ktap_eq(r2(AT_FDCWD, "n3", AT_FDCWD, "n2", RENAME_EXCHANGE | RENAME_NOREPLACE),
		-EINVAL, "EXCHANGE|NOREPLACE: EINVAL");
	ktap_eq(r2(AT_FDCWD, "n3", AT_FDCWD, "n2", 0x100), -EINVAL,
		"an unknown flag: EINVAL");

	/* Exchange a directory in p2 with a file in the top directory. */
	ktap_eq(r2(AT_FDCWD, "p2/m", AT_FDCWD, "n3", RENAME_EXCHANGE), 0,
		"exchange a directory with a file in another directory");
	struct stat st;
	ktap_ok(stat("n3", &st) == 0 && S_ISDIR(st.st_mode) && has("p2/m", "N2") &&
		nlink("p2") == 2 && ino("n3/..") == ino("."),
		"types, link counts and \"..\" follow the exchange");

	/* The *at forms take directory descriptors. */
	int d1 = open("p1", O_RDONLY | O_DIRECTORY);
	int d2 = open("p2", O_RDONLY | O_DIRECTORY);
	put("p1/q", "Q");
	ktap_eq(ERR(renameat(d1, "q", d2, "q2")), 0, "renameat between directory fds");
	ktap_ok(has("p2/q2", "Q") && ino("p1/q") == -1, "the file moved");
	ktap_eq(ERR(renameat(d1, "q2", -1, "x")), -EBADF,
		"both parents come before the source: a bad fd beats ENOENT");
	close(d1);
	close(d2);
	return ktap_finish();
}
