/*
 * auxv: the ELF auxiliary vector a static program receives from execve.
 *
 * Linux places it on the initial stack right after envp's NULL, as
 * (type, value) pairs of longs ending with AT_NULL, each type at most once.
 * For a static, non-PIE executable it holds (fs/binfmt_elf.c
 * create_elf_tables):
 *   AT_PAGESZ 4096, AT_CLKTCK 100 (USER_HZ), AT_HWCAP = CPUID(1).EDX,
 *   AT_PHDR/AT_PHENT/AT_PHNUM describing the program headers as loaded,
 *   AT_BASE 0 (no interpreter), AT_FLAGS 0, AT_ENTRY = e_entry (_start),
 *   AT_UID/AT_EUID/AT_GID/AT_EGID, AT_SECURE 0 (no setuid/setgid),
 *   AT_RANDOM -> 16 random bytes, AT_EXECFN -> the filename given to
 *   execve (not argv[0]), AT_PLATFORM -> "x86_64" for 64-bit tasks and
 *   "i686" for 32-bit ones.
 * AT_SYSINFO_EHDR (the vDSO) is deliberately not required here.
 */
#include "ktap.h"
#include "sys.h"
#include <cpuid.h>
#include <elf.h>
#include <link.h>
#include <stdlib.h>
#include <sys/auxv.h>

extern const ElfW(Ehdr) __ehdr_start; /* the linker's symbol for our header */
extern char _start[];

#define MAXAUX 128
static unsigned long aux_val[64];
static int aux_seen[64];

static int read16(void *p)
{
	const volatile unsigned char *b = p;
	unsigned char any = 0;
	for (int i = 0; i < 16; i++)
		any |= b[i];
	return any ? 0 : 1;
}

/* Re-exec ourselves with argv[0] = name; the child compares AT_EXECFN. */
static int execfn_child(const char *path, const char *name)
{
	pid_t pid = fork();
	if (pid == 0) {
		char *av[] = { (char *)name, "execfn", (char *)path, NULL };
		char *ev[] = { NULL };
		execve(path, av, ev);
		_exit(99);
	}
	int st = -1;
	waitpid(pid, &st, 0);
	return st;
}

int main(int argc, char **argv, char **envp)
{
	if (argc == 3 && strcmp(argv[1], "execfn") == 0) {
		const char *fn = (const char *)getauxval(AT_EXECFN);
		return fn && strcmp(fn, argv[2]) == 0 ? 0 : 1;
	}

	char buf[64];
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	ktap_plan(22);

	/* Walk from envp's terminating NULL to AT_NULL. */
	char **e = envp;
	while (*e)
		e++;
	unsigned long *av = (unsigned long *)(e + 1);
	int n = 0, dup = 0, terminated = 0;
	for (; n < MAXAUX; n++, av += 2) {
		if (av[0] == AT_NULL) {
			terminated = 1;
			break;
		}
		if (av[0] < 64) {
			dup |= aux_seen[av[0]];
			aux_seen[av[0]] = 1;
			aux_val[av[0]] = av[1];
		}
	}
	ktap_ok(terminated, "auxv follows envp and ends with AT_NULL (%d entries)", n);
	ktap_ok(!dup, "no auxv type appears twice");

	/* glibc answers AT_HWCAP/AT_HWCAP2 from its own cpu-feature words
	 * (on x86 getauxval(AT_HWCAP) is not the kernel's value), so those
	 * two are compared with CPUID below instead. */
	int agree = 1;
	for (int t = 1; t < 64; t++)
		if (aux_seen[t] && t != AT_HWCAP && t != AT_HWCAP2 &&
		    getauxval(t) != aux_val[t]) {
			ktap_diag("type %d: walk %#lx getauxval %#lx", t,
				  aux_val[t], getauxval(t));
			agree = 0;
		}
	ktap_ok(agree, "getauxval() agrees with the auxv on the stack (except AT_HWCAP*)");

#define VAL(t) (aux_seen[t] ? (long long)aux_val[t] : -1LL)
	ktap_eq(VAL(AT_PAGESZ), 4096, "AT_PAGESZ is 4096");
	ktap_eq(VAL(AT_CLKTCK), 100, "AT_CLKTCK is 100");
	ktap_eq(VAL(AT_PHDR), (long)((char *)&__ehdr_start + __ehdr_start.e_phoff),
		"AT_PHDR is the address of our loaded program headers");
	ktap_eq(VAL(AT_PHENT), sizeof(ElfW(Phdr)), "AT_PHENT is sizeof(Elf%d_Phdr)",
		ABI_BITS);
	ktap_eq(VAL(AT_PHNUM), __ehdr_start.e_phnum, "AT_PHNUM equals e_phnum");
	ktap_eq(VAL(AT_ENTRY), (long)_start, "AT_ENTRY is the address of _start");
	ktap_eq(VAL(AT_BASE), 0, "AT_BASE is 0 (no interpreter)");
	ktap_eq(VAL(AT_FLAGS), 0, "AT_FLAGS is 0");
	ktap_eq(VAL(AT_UID), getuid(), "AT_UID matches getuid()");
	ktap_eq(VAL(AT_EUID), geteuid(), "AT_EUID matches geteuid()");
	ktap_eq(VAL(AT_GID), getgid(), "AT_GID matches getgid()");
	ktap_eq(VAL(AT_EGID), getegid(), "AT_EGID matches getegid()");
	ktap_eq(VAL(AT_SECURE), 0, "AT_SECURE is 0");

	unsigned int a, b, c, d;
	__cpuid(1, a, b, c, d);
	ktap_eq(VAL(AT_HWCAP), d, "AT_HWCAP equals CPUID(1).EDX");

	const char *plat = aux_seen[AT_PLATFORM] ? (const char *)aux_val[AT_PLATFORM] : "";
	const char *want = ABI_BITS == 64 ? "x86_64" : "i686";
	if (!ktap_ok(strcmp(plat, want) == 0, "AT_PLATFORM is \"%s\"", want))
		ktap_diag("got \"%s\"", plat);

	/* AT_RANDOM must point at 16 readable, not all-zero bytes. Read
	 * them in a child so a bad pointer fails this case only. */
	int st = -1;
	if (aux_seen[AT_RANDOM] && aux_val[AT_RANDOM])
		st = run_in_child(read16, (void *)aux_val[AT_RANDOM]);
	if (!ktap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		     "AT_RANDOM points to 16 readable bytes, not all zero"))
		ktap_diag("reader %s", status_str(st, buf, sizeof(buf)));

	const char *fn = aux_seen[AT_EXECFN] ? (const char *)aux_val[AT_EXECFN] : NULL;
	ktap_ok(fn && fn[0], "AT_EXECFN is a non-empty string (\"%s\")", fn ? fn : "(missing)");

	st = execfn_child(argv[0], argv[0]);
	ktap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"AT_EXECFN equals argv[0] when exec'd by that path");
	st = execfn_child(argv[0], "renamed-argv0");
	ktap_ok(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
		"AT_EXECFN is execve's filename, not argv[0]");
	return ktap_finish();
}
