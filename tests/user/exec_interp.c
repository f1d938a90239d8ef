/*
 * execve of a program with PT_INTERP: the interpreter is mapped and
 * started, with AT_BASE (its load address), AT_ENTRY (the program's
 * entry), AT_PHDR/AT_PHENT/AT_PHNUM (the program's headers) as Linux
 * gives them; a PIE program sits at ELF_ET_DYN_BASE (0x555555554000,
 * i386: 0x56555000; on a native i386 kernel 0x400000, kernel32.h) when
 * addresses are not randomised.  The helpers
 * (exec_helpers/: a 20-line interpreter, a program that names it, a glibc
 * program) are embedded here and written to /tmp.  Bad interpreters:
 * missing -> ENOENT, not ELF -> ELIBBAD, shorter than a header -> EIO,
 * not executable -> EACCES.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <sys/personality.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "ktap.h"
#include "kernel32.h"

#define EMBED(sym, file) __asm__(".section .rodata\n.balign 16\n" #sym ":\n.incbin \"" file \
	"\"\n" #sym "_end:\n.previous\n"); extern const char sym[], sym##_end[];
#ifdef __x86_64__
#define BITS "64"
#define PIE_BASE 0x555555554000UL
#define SYS_LD "/lib64/ld-linux-x86-64.so.2"
#else
#define BITS "32"
#define PIE_BASE 0x56555000UL
#define SYS_LD "/lib/ld-linux.so.2"
#endif
EMBED(interp_bin, HELPER_DIR "/interp." BITS)
EMBED(prog_bin, HELPER_DIR "/prog." BITS)
EMBED(dyn_bin, HELPER_DIR "/dyn." BITS)

#define INTERP "/tmp/xentry_interp." BITS	/* prog's PT_INTERP */

static int put_file(const char *path, const void *data, size_t n, mode_t mode)
{
	unlink(path);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	if (fd < 0)
		return -1;
	int ok = write(fd, data, n) == (ssize_t)n;
	close(fd);
	return ok && chmod(path, mode) == 0 ? 0 : -1;
}

/* Runs path with one argument, stdout captured into out; returns the
 * wait status, or -errno if the execve failed. */
static int run(const char *path, char *out, size_t outsz)
{
	int p[2], e[2];
	if (pipe(p) || pipe2(e, O_CLOEXEC))
		return -1000;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		personality(ADDR_NO_RANDOMIZE);	/* ENOSYS on xentry: never random */
		char *argv[] = { (char *)path, "hello", NULL };
		execv(path, argv);
		int err = errno;
		write(e[1], &err, sizeof(err));
		_exit(127);
	}
	close(p[1]);
	close(e[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < outsz && (r = read(p[0], out + n, outsz - 1 - n)) > 0)
		n += r;
	out[n] = 0;
	int err = 0, st = 0;
	ssize_t got = read(e[0], &err, sizeof(err));
	waitpid(pid, &st, 0);
	close(p[0]);
	close(e[0]);
	return got == sizeof(err) ? -err : st;
}

static unsigned long field(const char *line, const char *key)
{
	char k[32];
	snprintf(k, sizeof(k), " %s=", key);
	const char *p = line ? strstr(line, k) : NULL;
	return p ? strtoul(p + strlen(k), NULL, 16) : ~0UL;
}

int main(void)
{
	ktap_plan(14);
	char prog[64], out[1024];
	snprintf(prog, sizeof(prog), "/tmp/xentry_prog.%s.%d", BITS, getpid());
	int w1 = put_file(INTERP, interp_bin, interp_bin_end - interp_bin, 0755);
	int w2 = put_file(prog, prog_bin, prog_bin_end - prog_bin, 0755);
	ktap_ok(w1 == 0 && w2 == 0, "helpers written to /tmp");

	int st = run(prog, out, sizeof(out));
	ktap_eq(st, 0, "a program with PT_INTERP runs through its interpreter");
	char flat[sizeof(out)];
	strcpy(flat, out);
	for (char *c = flat; *c; c++)
		if (*c == '\n')
			*c = '|';
	ktap_diag("%s", flat);
	const char *il = strstr(out, "I "), *pl = strstr(out, "P ");
	ktap_ok(il && pl && il < pl, "the interpreter runs first, then jumps to the program");
	unsigned long self = field(il, "self"), base = field(il, "base");
	ktap_ok(base == self && base && !(base & 0xfff),
		"AT_BASE %#lx is where the interpreter is (%#lx)", base, self);
	unsigned long pself = field(pl, "self");
	ktap_eq(pself, native_i386() ? 0x400000UL : PIE_BASE, "the PIE program is at ELF_ET_DYN_BASE");
	ktap_eq(field(il, "entry"), field(pl, "start"), "AT_ENTRY is the program's entry");
	const char *ph = (const char *)prog_bin;
#ifdef __x86_64__
	unsigned long phoff = *(const unsigned long *)(ph + 32);
	unsigned long phent = *(const unsigned short *)(ph + 54), phnum = *(const unsigned short *)(ph + 56);
#else
	unsigned long phoff = *(const unsigned int *)(ph + 28);
	unsigned long phent = *(const unsigned short *)(ph + 42), phnum = *(const unsigned short *)(ph + 44);
#endif
	ktap_ok(field(il, "phdr") == pself + phoff && field(il, "phent") == phent &&
		field(il, "phnum") == phnum, "AT_PHDR/AT_PHENT/AT_PHNUM describe the program");
	ktap_ok(field(pl, "argc") == 2 && strstr(out, "argv1=hello"),
		"the program sees its own argv, not the interpreter's");

	/* Bad interpreters, reached by renaming what PT_INTERP names. */
	unlink(INTERP);
	ktap_eq(run(prog, out, sizeof(out)), -ENOENT, "missing interpreter: ENOENT");
	char junk[128];
	memset(junk, 'x', sizeof(junk));
	put_file(INTERP, junk, sizeof(junk), 0755);
	ktap_eq(run(prog, out, sizeof(out)), -ELIBBAD, "interpreter not an ELF: ELIBBAD");
	put_file(INTERP, interp_bin, 20, 0755);
	ktap_eq(run(prog, out, sizeof(out)), -EIO, "interpreter shorter than a header: EIO");
	put_file(INTERP, interp_bin, interp_bin_end - interp_bin, 0644);
	ktap_eq(run(prog, out, sizeof(out)), -EACCES, "interpreter not executable: EACCES");
	unlink(INTERP);
	unlink(prog);

	/* A real dynamically linked glibc program, where its ld.so exists
	 * (this host; on xentry, a --root tree that has it). */
	if (access(SYS_LD, X_OK) != 0) {
		ktap_skip("no " SYS_LD " here", "glibc dynamic program runs");
		ktap_skip("no " SYS_LD " here", "glibc dynamic program sees argv");
	} else {
		snprintf(prog, sizeof(prog), "/tmp/xentry_dyn.%s.%d", BITS, getpid());
		put_file(prog, dyn_bin, dyn_bin_end - dyn_bin, 0755);
		st = run(prog, out, sizeof(out));
		ktap_ok(WIFEXITED(st) && WEXITSTATUS(st) == 7, "glibc dynamic program runs (status %#x)",
			st);
		out[strcspn(out, "\n")] = 0;
		ktap_ok(strstr(out, "D argc=2 argv1=hello base_set=1") != NULL,
			"glibc dynamic program sees argv and AT_BASE: %s", out);
		unlink(prog);
	}
	return ktap_finish();
}
