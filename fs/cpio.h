/*
 * A validating parser for cpio "newc" archives (the initramfs format).
 *
 * This header and fs/cpio.c include nothing, so the same parser builds in
 * the kernel and in the host unit test (tests/host/test_cpio.c).  Sizes are
 * `unsigned long`, the width of an address: the archive is in memory.
 */
#ifndef FS_CPIO_H
#define FS_CPIO_H

#define CPIO_HDR_LEN 110	/* "070701" + 13 fields of 8 hex digits */
#define CPIO_NAME_MAX 4096	/* Linux's PATH_MAX, NUL included */

struct cpio_entry {
	const char *name;	/* NUL-terminated, inside the archive */
	unsigned long namelen;	/* without the NUL */
	unsigned int ino, mode, uid, gid, nlink, mtime;
	unsigned int devmajor, devminor, rdevmajor, rdevminor;
	const void *data;	/* file contents or symlink target */
	unsigned long size;
	unsigned long offset;	/* where this entry's header starts */
};

/*
 * Called once per entry, in archive order, the trailer excluded.  Return
 * 0 to continue, or a static message to stop the parse with an error
 * reported at the entry's offset.
 */
typedef const char *(*cpio_entry_fn)(void *ctx, const struct cpio_entry *e);

struct cpio_error {
	const char *what;	/* static message */
	unsigned long offset;	/* byte offset in the archive */
};

/*
 * Walk every entry of buf[0, len).  Returns 0 when the archive (or a
 * sequence of concatenated archives) ends properly with TRAILER!!!,
 * otherwise -1 with *err filled in.  Never reads outside the buffer.
 */
int cpio_parse(const void *buf, unsigned long len, cpio_entry_fn fn, void *ctx,
	       struct cpio_error *err);

#endif
