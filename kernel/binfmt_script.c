/*
 * "#!" scripts: the interpreter line, read as Linux 6.x reads it
 * (fs/binfmt_script.c).  Only the first BINPRM_BUF_SIZE (256) bytes of the
 * file are looked at:
 *   - the line ends at the first '\n' (or the first NUL) in them; with
 *     neither, the line is the whole buffer, but only if the interpreter
 *     name ends inside it (a space, tab or NUL follows it): a name cut off
 *     by the buffer's end would run the wrong program, so that is ENOEXEC;
 *   - trailing spaces and tabs go, leading ones before the name too;
 *   - the name ends at the first space, tab or NUL; whatever follows the
 *     blanks after it is ONE argument, internal blanks included;
 *   - an empty name is ENOEXEC.
 */
#include <xentry/kernel.h>
#include "exec.h"

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

static char *skip_blanks(char *p, char *end)
{
	while (p < end && blank(*p))
		p++;
	return p < end ? p : NULL;
}

static char *find_terminator(char *p, char *end)
{
	while (p < end && !blank(*p) && *p)
		p++;
	return p < end ? p : NULL;
}

int shebang_parse(char *buf, const char **name, const char **arg)
{
	char *end = buf + BINPRM_BUF_SIZE - 1;
	if (buf[0] != '#' || buf[1] != '!')
		return -ENOEXEC;
	char *eol = NULL;
	for (char *p = buf; p < buf + BINPRM_BUF_SIZE && *p; p++)
		if (*p == '\n') {
			eol = p;
			break;
		}
	if (!eol) {
		char *first = skip_blanks(buf + 2, end);
		if (!first || !find_terminator(first, end))
			return -ENOEXEC;
		eol = end;
	}
	while (eol > buf + 2 && blank(eol[-1]))
		eol--;
	*eol = '\0';
	char *n = skip_blanks(buf + 2, eol);
	if (!n || n == eol)
		return -ENOEXEC;
	char *sep = find_terminator(n, eol);
	*arg = NULL;
	if (sep && *sep) {
		char *a = skip_blanks(sep, eol);
		if (a && *a)
			*arg = a;
	}
	if (sep)
		*sep = '\0';
	*name = n;
	return 0;
}
