/*
 * cpio "newc" parser.  See fs/cpio.h for the interface, docs/fs.md for the
 * rules.  An entry is
 *
 *   header (110 bytes: magic + 13 x 8 hex digits)
 *   name   (namesize bytes, the last one NUL), padded to a multiple of 4
 *   data   (filesize bytes), padded to a multiple of 4
 *
 * with offsets counted from the start of the archive.  Every length read
 * from the archive is checked against what is left of the buffer *before*
 * it is used, with subtractions rather than additions so that a huge value
 * cannot wrap around; a bad archive therefore yields an error, never a read
 * past the end.
 */
#include "cpio.h"

#define TRAILER "TRAILER!!!"

/* Field order of the 13 header fields after the 6-byte magic. */
enum {
	F_INO, F_MODE, F_UID, F_GID, F_NLINK, F_MTIME, F_FILESIZE,
	F_DEVMAJOR, F_DEVMINOR, F_RDEVMAJOR, F_RDEVMINOR, F_NAMESIZE, F_CHECK,
	NFIELDS
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Eight hex digits, exactly: no sign, no spaces, no "0x". */
static int parse_hex8(const char *p, unsigned int *out)
{
	unsigned int v = 0;

	for (int i = 0; i < 8; i++) {
		int d = hexval(p[i]);
		if (d < 0)
			return -1;
		v = (v << 4) | (unsigned int)d;
	}
	*out = v;
	return 0;
}

static int same(const char *a, const char *b, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (a[i] != b[i])
			return 0;
	return 1;
}

static unsigned long pad4(unsigned long off)
{
	return (off + 3) & ~3UL;
}

static int fail(struct cpio_error *err, const char *what, unsigned long off)
{
	err->what = what;
	err->offset = off;
	return -1;
}

int cpio_parse(const void *buf, unsigned long len, cpio_entry_fn fn, void *ctx,
	       struct cpio_error *err)
{
	const char *base = buf;
	unsigned long off = 0;
	int seen_trailer = 0;

	for (;;) {
		unsigned int f[NFIELDS];
		struct cpio_entry e;
		unsigned long name_off, data_off;

		if (seen_trailer) {
			/*
			 * After a trailer, Linux accepts NUL padding and then
			 * another archive starting on a 4-byte boundary
			 * (several cpio images concatenated).  Anything else
			 * is junk.
			 */
			while (off < len && base[off] == '\0')
				off++;
			if (off >= len)
				return 0;
			if (off & 3)
				return fail(err, "junk after trailer", off);
			seen_trailer = 0;
		}
		if (off >= len)
			return fail(err, "archive ends without TRAILER!!!", off);
		if (len - off < CPIO_HDR_LEN)
			return fail(err, "truncated header", off);
		if (!same(base + off, "07070", 5) ||
		    (base[off + 5] != '1' && base[off + 5] != '2'))
			return fail(err, "bad magic (not newc 070701/070702)", off);
		for (int i = 0; i < NFIELDS; i++)
			if (parse_hex8(base + off + 6 + 8 * i, &f[i]))
				return fail(err, "bad hex digit in header",
					    off + 6 + 8 * i);

		/* The name: non-empty, bounded, inside the buffer, NUL-ended,
		 * with no NUL before the end. */
		if (f[F_NAMESIZE] == 0)
			return fail(err, "name size 0", off);
		if (f[F_NAMESIZE] > CPIO_NAME_MAX)
			return fail(err, "name size too large", off);
		name_off = off + CPIO_HDR_LEN;
		if (len - name_off < f[F_NAMESIZE])
			return fail(err, "name past end of archive", off);
		if (base[name_off + f[F_NAMESIZE] - 1] != '\0')
			return fail(err, "name not NUL-terminated", off);
		for (unsigned long i = 0; i + 1 < f[F_NAMESIZE]; i++)
			if (base[name_off + i] == '\0')
				return fail(err, "NUL inside name", off);

		/* The data starts at the next multiple of 4 and must end inside
		 * the buffer (its own padding may be missing at the very end). */
		data_off = pad4(name_off + f[F_NAMESIZE]);
		if (data_off > len)
			return fail(err, "name padding past end of archive", off);
		if (len - data_off < f[F_FILESIZE])
			return fail(err, "data past end of archive", off);

		/* "070702" adds a checksum: the byte sum of a regular file's
		 * data, which Linux verifies; so do we. */
		if (base[off + 5] == '2' && (f[F_MODE] & 0170000) == 0100000) {
			const unsigned char *d = (const void *)(base + data_off);
			unsigned int sum = 0;
			for (unsigned long i = 0; i < f[F_FILESIZE]; i++)
				sum += d[i];
			if (sum != f[F_CHECK])
				return fail(err, "bad data checksum", off);
		}

		e.name = base + name_off;
		e.namelen = f[F_NAMESIZE] - 1;
		e.ino = f[F_INO];
		e.mode = f[F_MODE];
		e.uid = f[F_UID];
		e.gid = f[F_GID];
		e.nlink = f[F_NLINK];
		e.mtime = f[F_MTIME];
		e.devmajor = f[F_DEVMAJOR];
		e.devminor = f[F_DEVMINOR];
		e.rdevmajor = f[F_RDEVMAJOR];
		e.rdevminor = f[F_RDEVMINOR];
		e.data = base + data_off;
		e.size = f[F_FILESIZE];
		e.offset = off;

		/* pad4 cannot wrap: data_off + size <= len, the length of a
		 * buffer in memory, so far below ULONG_MAX - 3. */
		off = pad4(data_off + f[F_FILESIZE]);

		if (e.namelen == sizeof(TRAILER) - 1 &&
		    same(e.name, TRAILER, e.namelen)) {
			seen_trailer = 1;
			continue;
		}
		if (fn) {
			const char *why = fn(ctx, &e);
			if (why)
				return fail(err, why, e.offset);
		}
	}
}
