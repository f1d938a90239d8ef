/*
 * ktap.h - a tiny KTAP v1 writer for xentry's user-space tests.
 *
 * Every line goes out with one write(2) on fd 1, never through stdio's
 * buffer, so a fork()ed child can never re-emit text the parent had
 * buffered.  Only the parent process should report results.
 *
 *   ktap_plan(n);                       "KTAP version 1" + "1..n"
 *   ktap_ok(cond, "fmt", ...);          "ok N - ..." or "not ok N - ..."
 *   ktap_eq(got, want, "fmt", ...);     ktap_ok(got == want), with a
 *                                       "# got/want" diagnostic on failure
 *   ktap_skip("why", "fmt", ...);       "ok N - ... # SKIP why"
 *   ktap_diag("fmt", ...);              "# ..."
 *   return ktap_skip_all("why");        instead of a plan: "1..0 # SKIP why",
 *                                       nothing here applies (exit 0)
 *   return ktap_finish();               0 iff all N ran and none failed
 */
#ifndef XENTRY_KTAP_H
#define XENTRY_KTAP_H

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int ktap_planned, ktap_count, ktap_failed;

static inline void ktap_write_all(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t r = write(1, s, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return;
		s += r;
		n -= (size_t)r;
	}
}

/* Format prefix + message + suffix into one buffer, then one write. */
static inline void ktap_vline(const char *prefix, const char *suffix,
			      const char *fmt, va_list ap)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s", prefix);
	if (n < 0 || n >= (int)sizeof(buf))
		n = 0;
	int m = vsnprintf(buf + n, sizeof(buf) - n, fmt, ap);
	if (m > 0)
		n += m < (int)(sizeof(buf) - n) ? m : (int)(sizeof(buf) - n) - 1;
	m = snprintf(buf + n, sizeof(buf) - n, "%s\n", suffix);
	if (m > 0)
		n += m < (int)(sizeof(buf) - n) ? m : (int)(sizeof(buf) - n) - 1;
	ktap_write_all(buf, (size_t)n);
}

static inline void ktap_plan(int n)
{
	/* Also make stdio unbuffered, in case a test uses printf directly. */
	setvbuf(stdout, NULL, _IONBF, 0);
	ktap_planned = n;
	char buf[64];
	int len = snprintf(buf, sizeof(buf), "KTAP version 1\n1..%d\n", n);
	ktap_write_all(buf, (size_t)len);
}

/* The whole program does not apply here (run-tests counts one SKIP). */
static inline int ktap_skip_all(const char *reason)
{
	char buf[256];
	int len = snprintf(buf, sizeof(buf), "KTAP version 1\n1..0 # SKIP %s\n", reason);
	if (len > (int)sizeof(buf) - 1)
		len = sizeof(buf) - 1;
	ktap_write_all(buf, (size_t)len);
	return 0;
}

static inline void ktap_diag(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ktap_vline("# ", "", fmt, ap);
	va_end(ap);
}

static inline int ktap_vok(int cond, const char *fmt, va_list ap)
{
	char prefix[32];
	ktap_count++;
	if (!cond)
		ktap_failed++;
	snprintf(prefix, sizeof(prefix), "%sok %d - ", cond ? "" : "not ",
		 ktap_count);
	ktap_vline(prefix, "", fmt, ap);
	return cond;
}

static inline int ktap_ok(int cond, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	ktap_vok(cond, fmt, ap);
	va_end(ap);
	return cond;
}

static inline int ktap_eq(long long got, long long want, const char *fmt, ...)
{
	va_list ap;
	int cond = got == want;
	va_start(ap, fmt);
	ktap_vok(cond, fmt, ap);
	va_end(ap);
	if (!cond)
		ktap_diag("got %lld (%#llx), want %lld (%#llx)", got,
			  (unsigned long long)got, want,
			  (unsigned long long)want);
	return cond;
}

static inline void ktap_skip(const char *reason, const char *fmt, ...)
{
	char suffix[160];
	char prefix[32];
	va_list ap;
	ktap_count++;
	snprintf(prefix, sizeof(prefix), "ok %d - ", ktap_count);
	snprintf(suffix, sizeof(suffix), " # SKIP %s", reason);
	va_start(ap, fmt);
	ktap_vline(prefix, suffix, fmt, ap);
	va_end(ap);
}

static inline int ktap_finish(void)
{
	if (ktap_count != ktap_planned) {
		ktap_diag("planned %d tests but ran %d", ktap_planned,
			  ktap_count);
		return 1;
	}
	if (ktap_failed)
		ktap_diag("%d of %d tests failed", ktap_failed, ktap_count);
	return ktap_failed ? 1 : 0;
}

#endif
