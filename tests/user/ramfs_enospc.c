/*
 * A full RAM filesystem says ENOSPC, as tmpfs does: its size is half of
 * RAM (tmpfs's default), statfs reports that size and what is left, and
 * filling it makes write() return the bytes that fit and then -1 ENOSPC -
 * the writer is never killed, the OOM killer never runs (this test is
 * pid 1 on xentry: an OOM kill would end it), and the other files keep
 * their bytes.  Deleting the filler gives the space back.  Filling the
 * host's /tmp is not something a test may do, so on Linux only the
 * statfs consistency case runs and the rest print SKIP.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/statfs.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "ktap.h"

#define TMPFS_MAGIC 0x01021994
#define CHUNK (256 * 1024)

static char buf[CHUNK];
static char dir[32] = "/tmp";

static int on_xentry(void)
{
	struct utsname u;
	return uname(&u) == 0 && strstr(u.release, "xentry") != NULL;
}

static int check_keep(const char *path)
{
	char got[8192];
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, got, sizeof(got));
	close(fd);
	if (n != (ssize_t)sizeof(got))
		return 0;
	for (int i = 0; i < (int)sizeof(got); i++)
		if (got[i] != (char)(i * 7 + 3))
			return 0;
	return 1;
}

int main(void)
{
	ktap_plan(6);
	if (access(dir, W_OK))
		strcpy(dir, "/");
	struct statfs s;
	int ok = statfs(dir, &s) == 0;
	ktap_ok(ok && s.f_bsize > 0 && s.f_bfree <= s.f_blocks && s.f_bavail <= s.f_blocks,
		"statfs %s: free blocks within the size", dir);
	if (!on_xentry() || s.f_type != TMPFS_MAGIC) {
		for (int i = 0; i < 5; i++)
			ktap_skip("would fill the host's filesystem; xentry only", "ENOSPC case %d",
				  i + 1);
		return ktap_finish();
	}
	char keep[64], fill[64];
	snprintf(keep, sizeof(keep), "%s/enospc-keep", dir);
	snprintf(fill, sizeof(fill), "%s/enospc-fill", dir);
	char k[8192];
	for (int i = 0; i < (int)sizeof(k); i++)
		k[i] = (char)(i * 7 + 3);
	int kfd = open(keep, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	write(kfd, k, sizeof(k));
	close(kfd);

	statfs(dir, &s);
	unsigned long size_mib = s.f_blocks * s.f_bsize >> 20;
	/* xentry runs with 512 MiB: tmpfs's default is half of that. */
	ktap_ok(size_mib >= 200 && size_mib <= 256, "the filesystem is half of RAM: %lu MiB",
		size_mib);

	int fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	memset(buf, 0x5a, sizeof(buf));
	unsigned long total = 0;
	ssize_t r;
	int err = 0, shorts = 0;
	while ((r = write(fd, buf, sizeof(buf))) > 0) {
		total += (unsigned long)r;
		if (r < (ssize_t)sizeof(buf))
			shorts++;
	}
	err = errno;
	if (!ktap_ok(r == -1 && err == ENOSPC && shorts <= 1,
		     "filling it: %lu MiB written, then ENOSPC", total >> 20))
		ktap_diag("last write %zd errno %d, %d short writes", r, err, shorts);
	statfs(dir, &s);
	ktap_ok(s.f_bfree < 16 && total >= (size_mib - 16) << 20,
		"statfs says it is full (%lu blocks free)", (unsigned long)s.f_bfree);
	ktap_ok(check_keep(keep), "the other file's bytes are intact");
	close(fd);
	unlink(fill);
	statfs(dir, &s);
	fd = open(fill, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	r = write(fd, buf, sizeof(buf));
	close(fd);
	unlink(fill);
	unlink(keep);
	ktap_ok(r == (ssize_t)sizeof(buf) && s.f_bfree * s.f_bsize >= (total - (16 << 20)),
		"deleting the filler gives the space back");
	return ktap_finish();
}
