/*
 * Host unit test of the initramfs parser (fs/cpio.c), printing KTAP.
 *
 * Archives are built in memory, then copied into a buffer of exactly
 * their size, so that with -fsanitize=address any read past the end of
 * the archive is caught, not just a wrong answer.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cpio.h"

/* ---- a tiny archive builder ---- */

struct arc {
	unsigned char buf[1 << 16];
	size_t len;
};

struct hdr {
	unsigned int ino, mode, nlink, mtime, size, namesize, check;
	unsigned int rmaj, rmin;
	const char *magic;
};

static void put(struct arc *a, const void *p, size_t n)
{
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void pad(struct arc *a)
{
	while (a->len % 4)
		a->buf[a->len++] = 0;
}

static void header(struct arc *a, const struct hdr *h)
{
	char t[CPIO_HDR_LEN + 1];

	snprintf(t, sizeof(t), "%s%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
		 h->magic ? h->magic : "070701", h->ino, h->mode, 0, 0, h->nlink,
		 h->mtime, h->size, 0, 0, h->rmaj, h->rmin, h->namesize, h->check);
	put(a, t, CPIO_HDR_LEN);
}

/* A well-formed entry: header, name + NUL, pad, data, pad. */
static void entry(struct arc *a, const char *name, unsigned int mode,
		  const void *data, size_t size)
{
	struct hdr h = { .ino = (unsigned int)a->len + 1, .mode = mode, .nlink = 1,
			 .mtime = 1234, .size = (unsigned int)size,
			 .namesize = (unsigned int)strlen(name) + 1 };
	header(a, &h);
	put(a, name, strlen(name) + 1);
	pad(a);
	put(a, data, size);
	pad(a);
}

static void trailer(struct arc *a)
{
	entry(a, "TRAILER!!!", 0, "", 0);
}

/* Header offsets of the entries of sample(): [1] is "bin/hello". */
static size_t sample_off[5];

static void sample(struct arc *a)
{
	a->len = 0;
	entry(a, "bin", 040755, "", 0);
	sample_off[1] = a->len;
	entry(a, "bin/hello", 0100755, "hello, world\n", 13);
	entry(a, "bin/sh", 0120777, "hello", 5);
	entry(a, "e", 0100644, "", 0);
	trailer(a);
}

/* ---- running the parser ---- */

struct seen {
	int n;
	char names[16][64];
	unsigned int modes[16];
	unsigned long sizes[16];
	char data[16][64];
	const char *fail_on;	/* make the callback reject this name */
};

static const char *collect(void *ctx, const struct cpio_entry *e)
{
	struct seen *s = ctx;

	if (s->fail_on && strcmp(e->name, s->fail_on) == 0)
		return "callback says no";
	if (s->n < 16) {
		snprintf(s->names[s->n], 64, "%s", e->name);
		s->modes[s->n] = e->mode;
		s->sizes[s->n] = e->size;
		memcpy(s->data[s->n], e->data, e->size < 63 ? e->size : 63);
	}
	s->n++;
	return NULL;
}

/* Parse an exact-size copy of the first len bytes. */
static int parse(const struct arc *a, size_t len, struct seen *s,
		 struct cpio_error *err)
{
	unsigned char *copy = malloc(len ? len : 1);
	int r;

	memcpy(copy, a->buf, len);
	memset(s, 0, sizeof(*s) - sizeof(s->fail_on));
	err->what = NULL;
	err->offset = 0;
	r = cpio_parse(copy, len, collect, s, err);
	free(copy);
	return r;
}

/* ---- KTAP ---- */

#define NTESTS 32	/* the plan: keep in step with the checks below */

static int test_no, failures;

static void check(int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("%s %d ", ok ? "ok" : "not ok", ++test_no);
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	if (!ok)
		failures++;
}

/* Expect a failure whose message contains `want` at offset `off`. */
static void expect_error(const struct arc *a, size_t len, const char *want,
			 unsigned long off, const char *name)
{
	struct seen s = { 0 };
	struct cpio_error err;
	int r = parse(a, len, &s, &err);

	if (r == 0 || !err.what || !strstr(err.what, want) || err.offset != off)
		printf("# %s: got r=%d what=\"%s\" offset=%lu, want \"%s\" at %lu\n",
		       name, r, err.what ? err.what : "(none)", err.offset, want, off);
	check(r != 0 && err.what && strstr(err.what, want) && err.offset == off,
	      "%s", name);
}

/* Overwrite field i (0 = ino ... 11 = namesize) of the header at hdr_off. */
static void set_field(struct arc *a, size_t hdr_off, int i, const char *eight)
{
	memcpy(a->buf + hdr_off + 6 + 8 * i, eight, 8);
}

static void test_valid(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;

	sample(&a);
	int r = parse(&a, a.len, &s, &err);
	check(r == 0 && s.n == 4, "valid archive parses with 4 entries");
	check(strcmp(s.names[0], "bin") == 0 && s.modes[0] == 040755,
	      "directory entry name and mode");
	check(strcmp(s.names[1], "bin/hello") == 0 && s.sizes[1] == 13 &&
	      memcmp(s.data[1], "hello, world\n", 13) == 0,
	      "file entry data");
	check(s.modes[2] == 0120777 && s.sizes[2] == 5 &&
	      memcmp(s.data[2], "hello", 5) == 0, "symlink target as data");
	check(s.sizes[3] == 0, "empty file");

	/* Every name length 1..8 exercises each padding case. */
	int all = 1;
	for (int n = 1; n <= 8; n++) {
		char name[16];
		memset(name, 'x', (size_t)n);
		name[n] = 0;
		a.len = 0;
		entry(&a, name, 0100644, "abc", (size_t)(n % 4));
		trailer(&a);
		if (parse(&a, a.len, &s, &err) != 0 || s.n != 1 ||
		    strcmp(s.names[0], name) != 0)
			all = 0;
	}
	check(all, "name and data padding, all alignments");

	/* Lower-case hex digits are valid. */
	sample(&a);
	for (size_t i = 6; i < CPIO_HDR_LEN; i++)
		if (a.buf[i] >= 'A' && a.buf[i] <= 'F')
			a.buf[i] = (unsigned char)(a.buf[i] - 'A' + 'a');
	check(parse(&a, a.len, &s, &err) == 0 && s.n == 4, "lower-case hex accepted");

	/* No entries at all, just the trailer. */
	a.len = 0;
	trailer(&a);
	check(parse(&a, a.len, &s, &err) == 0 && s.n == 0, "trailer-only archive");
}

static void test_crc(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;
	const char *data = "checksummed";
	unsigned int sum = 0;

	for (const char *p = data; *p; p++)
		sum += (unsigned char)*p;
	a.len = 0;
	struct hdr h = { .magic = "070702", .ino = 1, .mode = 0100644, .nlink = 1,
			 .size = 11, .namesize = 2, .check = sum };
	header(&a, &h);
	put(&a, "f", 2);
	pad(&a);
	put(&a, data, 11);
	pad(&a);
	trailer(&a);
	check(parse(&a, a.len, &s, &err) == 0 && s.n == 1,
	      "070702 with a correct checksum");
	set_field(&a, 0, 12, "00000001");
	expect_error(&a, a.len, "checksum", 0, "070702 with a wrong checksum");
}

static void test_truncated(void)
{
	struct arc a;
	struct seen s;
	struct cpio_error err;
	int all_fail = 1;

	sample(&a);
	expect_error(&a, 50, "truncated header", 0, "truncated header (first entry)");
	expect_error(&a, sample_off[1] + 3, "truncated header", sample_off[1],
		     "truncated header (second entry)");
	expect_error(&a, 0 + CPIO_HDR_LEN + 2, "name past end", 0,
		     "name cut short by the end of the archive");
	/* Every strict prefix must fail, and never read past its end. */
	for (size_t n = 0; n < a.len; n++)
		if (parse(&a, n, &s, &err) == 0)
			all_fail = 0;
	check(all_fail, "every truncation of a valid archive is rejected");

	/* Well-formed entries but no trailer. */
	a.len = 0;
	entry(&a, "x", 0100644, "1", 1);
	expect_error(&a, a.len, "TRAILER", a.len, "missing trailer");
}

static void test_bad_fields(void)
{
	struct arc a;

	sample(&a);
	memcpy(a.buf, "070707", 6);	/* odc, not newc */
	expect_error(&a, a.len, "magic", 0, "bad magic 070707");
	sample(&a);
	memcpy(a.buf, "GARBAG", 6);
	expect_error(&a, a.len, "magic", 0, "bad magic text");

	const char *bad[] = { "0000000G", " 0000001", "-0000001", "0x000001",
			      "0000000\n" };
	int all = 1;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		for (int field = 0; field < 13; field++) {
			struct seen s;
			struct cpio_error err;
			sample(&a);
			set_field(&a, 0, field, bad[k]);
			if (parse(&a, a.len, &s, &err) == 0 ||
			    !strstr(err.what, "hex") ||
			    err.offset != 6 + 8 * (unsigned long)field)
				all = 0;
		}
	}
	check(all, "bad hex digit in every header field is reported where it is");

	sample(&a);
	set_field(&a, 0, 11, "00000000");
	expect_error(&a, a.len, "name size 0", 0, "name size 0");

	sample(&a);
	set_field(&a, 0, 11, "00001001");	/* 4097 */
	expect_error(&a, a.len, "name size too large", 0, "name size above PATH_MAX");

	sample(&a);
	set_field(&a, 0, 11, "FFFFFFFF");
	expect_error(&a, a.len, "name size too large", 0, "huge name size");

	sample(&a);
	a.buf[CPIO_HDR_LEN + 3] = 'X';		/* "bin\0" -> "binX" */
	expect_error(&a, a.len, "not NUL-terminated", 0, "name without NUL");

	sample(&a);
	a.buf[CPIO_HDR_LEN + 1] = '\0';		/* "b\0n\0" */
	expect_error(&a, a.len, "NUL inside name", 0, "NUL inside the name");

	/* The second entry ("bin/hello") claims more data than exists. */
	size_t o = sample_off[1];
	sample(&a);
	set_field(&a, o, 6, "00010000");
	expect_error(&a, a.len, "data past end", o, "data past end of archive");

	sample(&a);
	set_field(&a, o, 6, "FFFFFFFF");
	expect_error(&a, a.len, "data past end", o, "huge file size");

	/* A wrong but in-bounds size desynchronises the stream: the next
	 * "header" is garbage and must be caught as such, not trusted. */
	sample(&a);
	set_field(&a, o, 6, "00000011");
	struct seen s;
	struct cpio_error err;
	check(parse(&a, a.len, &s, &err) != 0, "off-by-one file size is caught");
}

static void test_concat_and_junk(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;
	size_t second;

	sample(&a);
	for (int i = 0; i < 12; i++)
		a.buf[a.len++] = 0;		/* NUL padding between archives */
	second = a.len;
	entry(&a, "more", 0100644, "x", 1);
	trailer(&a);
	check(parse(&a, a.len, &s, &err) == 0 && s.n == 5 &&
	      strcmp(s.names[4], "more") == 0,
	      "concatenated archives with NUL padding (second at %zu)", second);

	sample(&a);
	for (int i = 0; i < 8; i++)
		a.buf[a.len++] = 0;
	check(parse(&a, a.len, &s, &err) == 0 && s.n == 4, "NUL padding after trailer");

	sample(&a);
	size_t at = a.len;
	for (int i = 0; i < 120; i++)
		a.buf[a.len++] = 'j';
	expect_error(&a, a.len, "magic", at, "junk after the trailer");

	sample(&a);
	at = a.len;
	a.buf[a.len++] = 0;
	put(&a, "junk", 4);
	expect_error(&a, a.len, "junk after trailer", at + 1,
		     "unaligned junk after the trailer");
}

static void test_callback_error(void)
{
	struct arc a;
	struct seen s = { 0 };
	struct cpio_error err;
	unsigned char *copy;

	sample(&a);
	copy = malloc(a.len);
	memcpy(copy, a.buf, a.len);
	s.fail_on = "bin/hello";
	int r = cpio_parse(copy, a.len, collect, &s, &err);
	free(copy);
	check(r != 0 && strcmp(err.what, "callback says no") == 0 &&
	      err.offset == sample_off[1],
	      "callback error is reported at the entry's offset");
}

/* Random corruption: the parser must never crash or over-read (ASan
 * watches), whatever it decides. */
static void test_fuzz(void)
{
	struct arc a;
	struct seen s;
	struct cpio_error err;
	unsigned int seed = 12345;

	for (int i = 0; i < 20000; i++) {
		sample(&a);
		int flips = 1 + i % 4;
		for (int k = 0; k < flips; k++) {
			seed = seed * 1103515245 + 12345;
			size_t at = (seed >> 8) % a.len;
			seed = seed * 1103515245 + 12345;
			a.buf[at] = (unsigned char)(seed >> 16);
		}
		seed = seed * 1103515245 + 12345;
		size_t len = a.len - ((seed >> 8) % 3 == 0 ? (seed >> 12) % a.len : 0);
		(void)parse(&a, len, &s, &err);
	}
	check(1, "20000 randomly corrupted archives, no crash");
}

int main(void)
{
	printf("KTAP version 1\n");
	printf("1..%d\n", NTESTS);
	test_valid();
	test_crc();
	test_truncated();
	test_bad_fields();
	test_concat_and_junk();
	test_callback_error();
	test_fuzz();
	if (test_no != NTESTS)
		printf("# plan mismatch: ran %d tests\n", test_no);
	printf("# %d passed, %d failed\n", test_no - failures, failures);
	return failures || test_no != NTESTS;
}
