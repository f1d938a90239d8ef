/*
 * procfs cannot be changed, with Linux's errors: new names are ENOENT
 * (proc's lookup knows only its own), unlink and rmdir EPERM, chmod
 * EPERM, rename and link out of it EXDEV, and a write is EINVAL for a
 * per-process file, EIO for one of /proc's own.  A name that does not
 * exist is ENOENT, and /proc is its own filesystem (statfs, st_dev).
 */
#define _GNU_SOURCE
#include <sys/stat.h>
#include <sys/vfs.h>
#include <fcntl.h>
#include "ktap.h"
#include "sys.h"

static long E(long r)
{
	return r < 0 ? -errno : r;
}

int main(void)
{
	struct stat st, root;
	struct statfs sf;

	ktap_plan(15);
	ktap_eq(E(open("/proc/newfile", O_CREAT | O_WRONLY, 0644)), -ENOENT, "create in /proc");
	ktap_eq(E(open("/proc/self/newfile", O_CREAT | O_WRONLY, 0644)), -ENOENT,
		"create in /proc/self");
	ktap_eq(E(mkdir("/proc/newdir", 0755)), -ENOENT, "mkdir in /proc");
	ktap_eq(E(symlink("x", "/proc/self/newlink")), -ENOENT, "symlink in /proc/self");
	ktap_eq(E(unlink("/proc/self/stat")), -EPERM, "unlink a proc file");
	ktap_eq(E(rmdir("/proc/self/fd")), -EPERM, "rmdir a proc directory");
	ktap_eq(E(chmod("/proc/self/stat", 0666)), -EPERM, "chmod");
	ktap_eq(E(rename("/proc/self/stat", "/tmp/proc_ro_x")), -EXDEV, "rename out: EXDEV");
	ktap_eq(E(rename("/proc/self/stat", "/proc/self/stat2")), -ENOENT,
		"rename to a new name inside: ENOENT");
	ktap_eq(E(link("/proc/self/stat", "/tmp/proc_ro_x")), -EXDEV, "link out: EXDEV");

	int fd = open("/proc/self/stat", O_WRONLY);
	ktap_ok(fd >= 0 && E(write(fd, "x", 1)) == -EINVAL, "write to a process file: EINVAL");
	close(fd);
	fd = open("/proc/meminfo", O_WRONLY);
	ktap_ok(fd >= 0 && E(write(fd, "x", 1)) == -EIO, "write to /proc/meminfo: EIO");
	close(fd);

	ktap_eq(E(stat("/proc/self/nosuchfile", &st)), -ENOENT, "a missing name: ENOENT");
	ktap_ok(statfs("/proc/self/stat", &sf) == 0 && sf.f_type == 0x9fa0 && sf.f_blocks == 0,
		"statfs: PROC_SUPER_MAGIC, no blocks");
	ktap_ok(stat("/proc/self/stat", &st) == 0 && stat("/", &root) == 0 &&
		st.st_dev != root.st_dev, "its own st_dev");
	return ktap_finish();
}
