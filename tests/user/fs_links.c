/*
 * Hard links (link, linkat with AT_SYMLINK_FOLLOW / AT_EMPTY_PATH),
 * symbolic links (symlink, symlinkat, readlink, readlinkat, ELOOP),
 * mknod for regular files, and a file that lives on after unlink while
 * it is open.  Runs in a fresh directory under /tmp.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include "ktap.h"
#include "sys.h"

static long ERR(long r)
{
	return r < 0 ? -errno : r;
}

static void put(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		write(fd, s, strlen(s));
		close(fd);
	}
}

int main(void)
{
	char dir[] = "/tmp/fs_linksXXXXXX";
	struct stat st, st2;
	char buf[64];

	ktap_plan(30);
	if (!mkdtemp(dir) || chdir(dir)) {
		ktap_diag("no scratch directory");
		return 1;
	}

	put("f", "hello");
	ktap_eq(ERR(link("f", "g")), 0, "link");
	stat("f", &st);
	stat("g", &st2);
	ktap_ok(st.st_ino == st2.st_ino && st.st_nlink == 2, "same inode, st_nlink 2");
	ktap_eq(ERR(link("f", "g")), -EEXIST, "link to an existing name: EEXIST");
	mkdir("d", 0755);
	ktap_eq(ERR(link("d", "d2")), -EPERM, "link of a directory: EPERM");
	ktap_eq(ERR(link("nope", "x")), -ENOENT, "link of a missing file: ENOENT");
	ktap_eq(ERR(link("f", "x/")), -ENOENT, "a new name with a trailing slash: ENOENT");
	ktap_eq(ERR(linkat(AT_FDCWD, "f", AT_FDCWD, "x", 0x8000)), -EINVAL,
		"linkat with an unknown flag: EINVAL");

	ktap_eq(ERR(symlink("f", "s")), 0, "symlink");
	memset(buf, 0, sizeof(buf));
	ktap_eq(ERR(readlink("s", buf, sizeof(buf))), 1, "readlink gives the length");
	ktap_ok(strcmp(buf, "f") == 0, "and the target");
	ktap_ok(lstat("s", &st) == 0 && S_ISLNK(st.st_mode) && st.st_size == 1 &&
		(st.st_mode & 0777) == 0777, "lstat: a 0777 link sized like its target");
	int dfd = open(".", O_RDONLY | O_DIRECTORY);
	ktap_eq(ERR(readlinkat(dfd, "s", buf, 1)), 1, "readlinkat truncates silently");
	ktap_eq(ERR(symlink("x", "f")), -EEXIST, "symlink over a name: EEXIST");
	ktap_eq(ERR(symlink("", "e")), -ENOENT, "an empty target: ENOENT");
	ktap_eq(ERR(symlinkat("d/../f", dfd, "s2")), 0, "symlinkat with a dir fd");
	ktap_ok(stat("s2", &st) == 0 && st.st_nlink == 2, "a relative target resolves");

	/* linkat on a symlink: the link itself, or its target when asked. */
	ktap_eq(ERR(linkat(AT_FDCWD, "s", AT_FDCWD, "hs", 0)), 0, "linkat of a symlink");
	ktap_ok(lstat("hs", &st) == 0 && S_ISLNK(st.st_mode), "links the symlink itself");
	ktap_eq(ERR(linkat(AT_FDCWD, "s", AT_FDCWD, "hf", AT_SYMLINK_FOLLOW)), 0,
		"linkat with AT_SYMLINK_FOLLOW");
	ktap_ok(lstat("hf", &st) == 0 && S_ISREG(st.st_mode) && st.st_nlink == 3,
		"links the target (now 3 names)");

	ktap_eq(ERR(symlink("loop2", "loop1")) | ERR(symlink("loop1", "loop2")), 0,
		"two symlinks pointing at each other");
	ktap_eq(ERR(open("loop1", O_RDONLY)), -ELOOP, "opening through them: ELOOP");
	ktap_eq(ERR(open("s", O_RDONLY | O_NOFOLLOW)), -ELOOP, "O_NOFOLLOW on a link: ELOOP");
	ktap_eq(ERR(stat("loop1/x", &st)), -ELOOP, "a loop in the middle of a path: ELOOP");

	/* An unlinked open file keeps its data until the last close. */
	int fd = open("tmp", O_RDWR | O_CREAT, 0600);
	write(fd, "data", 4);
	ktap_eq(ERR(unlink("tmp")), 0, "unlink an open file");
	fstat(fd, &st);
	ktap_ok(st.st_nlink == 0 && st.st_size == 4, "fstat: nlink 0, data still there");
	memset(buf, 0, sizeof(buf));
	write(fd, "more", 4);
	pread(fd, buf, sizeof(buf), 0);
	ktap_ok(strcmp(buf, "datamore") == 0, "still readable and writable");
	ktap_eq(ERR(linkat(fd, "", AT_FDCWD, "back", AT_EMPTY_PATH)), -ENOENT,
		"linkat(AT_EMPTY_PATH) of an unlinked file: ENOENT");
	close(fd);

	/* mknod makes regular files; directories are refused. */
	ktap_eq(ERR(mknod("reg", S_IFREG | 0640, 0)), 0, "mknod S_IFREG");
	ktap_ok(stat("reg", &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 &&
		ERR(mknod("dd", S_IFDIR | 0755, 0)) == -EPERM &&
		ERR(mknod("bad", 0170000, 0)) == -EINVAL,
		"mknod: a file; S_IFDIR EPERM; a bad type EINVAL");
	close(dfd);
	return ktap_finish();
}
