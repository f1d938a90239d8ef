/*
 * elf_reject: execve of malformed executables fails the way Linux fails.
 *
 * Every image is crafted here from a valid minimal static ELF whose only
 * code is exit(42); running that one unchanged proves the crafting is right.
 * Each variant is written to /tmp (mode 0755) and executed by a forked
 * child, which exits with 100 + errno if execve returns.
 *
 * What Linux does (fs/binfmt_elf.c, fs/exec.c), checked on a 6.18 host:
 *  - Checks made before the old image is torn down make execve return an
 *    error and the caller keeps running: no handler recognises the file
 *    (empty, bad magic, wrong e_type / e_machine / e_phentsize / e_phnum,
 *    bad PT_INTERP) -> ENOEXEC; program headers past the end of the file
 *    -> ENOEXEC too (load_elf_phdrs() fails and the caller's -ENOEXEC
 *    stands; it is not EIO); PT_INTERP naming a missing file -> ENOENT;
 *    no execute permission or a directory -> EACCES.
 *  - The loader is chosen by e_machine alone: EI_CLASS is never checked,
 *    so a 64-bit layout labelled ELFCLASS32 (or the reverse) still runs.
 *    A native i386 kernel (kernel32.h) has no x86-64 loader: a valid
 *    x86-64 image is ENOEXEC there.
 *  - Problems found while mapping the segments come after the "point of
 *    no return": the process is gone already, so Linux kills it with
 *    SIGSEGV instead of returning.  A segment whose file offset lies past
 *    EOF maps fine; touching it then raises SIGBUS.
 */
#include "ktap.h"
#include "sys.h"
#include "kernel32.h"
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <stdlib.h>
#include <sys/stat.h>

/* exit(42) for each ABI */
static const unsigned char code64[] = {
	0xb8, 0x3c, 0, 0, 0,	/* mov $60, %eax  (exit) */
	0xbf, 0x2a, 0, 0, 0,	/* mov $42, %edi */
	0x0f, 0x05 };		/* syscall */
static const unsigned char code32[] = {
	0xb8, 0x01, 0, 0, 0,	/* mov $1, %eax   (exit) */
	0xbb, 0x2a, 0, 0, 0,	/* mov $42, %ebx */
	0xcd, 0x80 };		/* int $0x80 */

#define BASE64 0x400000UL
#define BASE32 0x8048000UL

struct img {
	unsigned char b[1024];
	size_t len;
	int load;		/* index of the PT_LOAD header */
	unsigned long code;	/* file offset of the code */
};

/*
 * One PT_LOAD mapping the whole file read+execute at BASE, optionally
 * preceded by a PT_INTERP naming `interp`.
 */
#define DEFINE_BUILD(BITS, CLASS, MACH, BASE, CODE)                           \
	static void build##BITS(struct img *im, const char *interp)           \
	{                                                                     \
		Elf##BITS##_Ehdr *eh = (void *)im->b;                          \
		Elf##BITS##_Phdr *ph = (void *)(im->b + sizeof(*eh));          \
		int nph = interp ? 2 : 1;                                      \
		memset(im, 0, sizeof(*im));                                    \
		im->code = sizeof(*eh) + nph * sizeof(*ph);                    \
		memcpy(im->b + im->code, CODE, sizeof(CODE));                  \
		im->len = im->code + sizeof(CODE);                             \
		if (interp) {                                                  \
			ph[0].p_type = PT_INTERP;                              \
			ph[0].p_offset = im->len;                              \
			ph[0].p_vaddr = BASE + im->len;                        \
			ph[0].p_filesz = ph[0].p_memsz = strlen(interp) + 1;   \
			ph[0].p_flags = PF_R;                                  \
			ph[0].p_align = 1;                                     \
			strcpy((char *)im->b + im->len, interp);               \
			im->len += strlen(interp) + 1;                         \
			im->load = 1;                                          \
		}                                                              \
		Elf##BITS##_Phdr *ld = &ph[im->load];                          \
		ld->p_type = PT_LOAD;                                          \
		ld->p_offset = 0;                                              \
		ld->p_vaddr = ld->p_paddr = BASE;                              \
		ld->p_filesz = ld->p_memsz = im->len;                          \
		ld->p_flags = PF_R | PF_X;                                     \
		ld->p_align = 0x1000;                                          \
		memcpy(eh->e_ident, ELFMAG, SELFMAG);                          \
		eh->e_ident[EI_CLASS] = CLASS;                                 \
		eh->e_ident[EI_DATA] = ELFDATA2LSB;                            \
		eh->e_ident[EI_VERSION] = EV_CURRENT;                          \
		eh->e_type = ET_EXEC;                                          \
		eh->e_machine = MACH;                                          \
		eh->e_version = EV_CURRENT;                                    \
		eh->e_entry = BASE + im->code;                                 \
		eh->e_phoff = sizeof(*eh);                                     \
		eh->e_ehsize = sizeof(*eh);                                    \
		eh->e_phentsize = sizeof(*ph);                                 \
		eh->e_phnum = nph;                                             \
	}
DEFINE_BUILD(64, ELFCLASS64, EM_X86_64, BASE64, code64)
DEFINE_BUILD(32, ELFCLASS32, EM_386, BASE32, code32)

/* The native class: ElfW() below is Elf64_* or Elf32_* to match. */
#ifdef __x86_64__
#define build_native build64
#define build_other build32
#define OTHER_MACHINE EM_386
#else
#define build_native build32
#define build_other build64
#define OTHER_MACHINE EM_X86_64
#endif
#define EH(im) ((ElfW(Ehdr) *)(im)->b)
#define LOAD(im) ((ElfW(Phdr) *)((im)->b + sizeof(ElfW(Ehdr))) + (im)->load)

static const char *self;
static int serial;

enum { WANT_EXIT, WANT_ERRNO, WANT_SIGNAL };

/* Write the image to a fresh 0755 file under /tmp and run it in a child. */
static int run_image(const struct img *im, mode_t mode, int *status)
{
	char path[64];
	snprintf(path, sizeof(path), "/tmp/elf_reject.%d.%d", (int)getpid(),
		 serial++);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, im->b, im->len) != (ssize_t)im->len) {
		ktap_diag("cannot write %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	chmod(path, mode);
	pid_t pid = fork();
	if (pid == 0) {
		char *argv[] = { path, NULL };
		char *envp[] = { NULL };
		long r = SC(SYS_execve, path, argv, envp);
		_exit(100 + (int)-r);
	}
	int ok = pid > 0 && waitpid(pid, status, 0) == pid;
	unlink(path);
	return ok ? 0 : -1;
}

static void expect(const char *what, const struct img *im, mode_t mode,
		   int kind, int value)
{
	int st = 0;
	char buf[64];
	if (run_image(im, mode, &st) < 0) {
		ktap_ok(0, "%s", what);
		return;
	}
	int ok;
	if (kind == WANT_EXIT)
		ok = WIFEXITED(st) && WEXITSTATUS(st) == value;
	else if (kind == WANT_ERRNO)
		ok = WIFEXITED(st) && WEXITSTATUS(st) == 100 + value;
	else
		ok = WIFSIGNALED(st) && WTERMSIG(st) == value;
	ktap_ok(ok, "%s", what);
	if (!ok) {
		if (WIFEXITED(st) && WEXITSTATUS(st) > 100)
			ktap_diag("execve failed with errno %d (%s)",
				  WEXITSTATUS(st) - 100,
				  strerror(WEXITSTATUS(st) - 100));
		else
			ktap_diag("child %s", status_str(st, buf, sizeof(buf)));
	}
}

int main(int argc, char **argv)
{
	struct img im;
	(void)argc;
	self = argv[0];
	default_signals(); /* an inherited SIG_IGN for SIGCHLD would change wait */
	no_core_dumps();
	ktap_plan(30);

	build_native(&im, NULL);
	expect("valid minimal ELF runs and exits 42", &im, 0755, WANT_EXIT, 42);
	build_other(&im, NULL);
	if (native_i386())	/* a native i386 kernel loads only EM_386 */
		expect("valid minimal x86-64 ELF on a native i386 kernel: ENOEXEC", &im,
		       0755, WANT_ERRNO, ENOEXEC);
	else
		expect("valid minimal ELF of the other class runs and exits 42", &im,
		       0755, WANT_EXIT, 42);

	/* The calling process itself survives a failed execve. */
	{
		char path[64];
		snprintf(path, sizeof(path), "/tmp/elf_reject.%d.self",
			 (int)getpid());
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700);
		close(fd);
		chmod(path, 0755);
		char *av[] = { path, NULL }, *ev[] = { NULL };
		long r = SC(SYS_execve, path, av, ev);
		unlink(path);
		ktap_eq(r, -ENOEXEC, "execve of an empty file returns ENOEXEC to the caller");
	}

	im.len = 0;
	expect("empty file: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	im.b[3] = 'G';
	expect("bad magic: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	memcpy(im.b, "just some text\n", 15);
	im.len = 15;
	expect("plain text file: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	im.len = 3;
	expect("file of 3 bytes (shorter than the magic): ENOEXEC", &im, 0755,
	       WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	im.len = 24;
	expect("ELF header truncated after e_version: ENOEXEC", &im, 0755,
	       WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	im.len = sizeof(ElfW(Ehdr));
	expect("file ends right after the ELF header (no phdrs): ENOEXEC", &im,
	       0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_machine = EM_ARM;
	expect("e_machine EM_ARM: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_machine = OTHER_MACHINE;
	expect("e_machine of the other x86 ABI in this class: ENOEXEC", &im,
	       0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_ident[EI_CLASS] = ABI_BITS == 64 ? ELFCLASS32 : ELFCLASS64;
	expect("EI_CLASS of the other ABI is ignored (e_machine decides): exits 42",
	       &im, 0755, WANT_EXIT, 42);

	build_native(&im, NULL);
	EH(&im)->e_type = ET_REL;
	expect("e_type ET_REL: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_type = ET_CORE;
	expect("e_type ET_CORE: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_type = ET_NONE;
	expect("e_type ET_NONE: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_phentsize = sizeof(ElfW(Phdr)) + 8;
	expect("e_phentsize not sizeof(Phdr): ENOEXEC", &im, 0755, WANT_ERRNO,
	       ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_phnum = 0;
	expect("e_phnum 0: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_phnum = 0xffff;
	expect("e_phnum 65535 (over 64 KiB of headers): ENOEXEC", &im, 0755,
	       WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	EH(&im)->e_phoff = 0x10000;
	expect("program headers beyond EOF: ENOEXEC", &im, 0755, WANT_ERRNO,
	       ENOEXEC);

	build_native(&im, "/nonexistent/ld-xentry.so");
	expect("PT_INTERP naming a missing file: ENOENT", &im, 0755,
	       WANT_ERRNO, ENOENT);

	build_native(&im, "/nonexistent/ld-xentry.so");
	{
		ElfW(Phdr) *interp = (ElfW(Phdr) *)(im.b + sizeof(ElfW(Ehdr)));
		im.b[interp->p_offset + interp->p_filesz - 1] = 'x';
	}
	expect("PT_INTERP string not NUL-terminated: ENOEXEC", &im, 0755,
	       WANT_ERRNO, ENOEXEC);

	build_native(&im, "/nonexistent/ld-xentry.so");
	((ElfW(Phdr) *)(im.b + sizeof(ElfW(Ehdr))))->p_filesz = 1;
	expect("PT_INTERP of 1 byte: ENOEXEC", &im, 0755, WANT_ERRNO, ENOEXEC);

	build_native(&im, NULL);
	LOAD(&im)->p_memsz = LOAD(&im)->p_filesz / 2;
	expect("PT_LOAD with p_filesz > p_memsz: killed by SIGSEGV (past the point of no return)",
	       &im, 0755, WANT_SIGNAL, SIGSEGV);

	build_native(&im, NULL);
	LOAD(&im)->p_offset += 0x100000;
	LOAD(&im)->p_vaddr += 0x100000;
	EH(&im)->e_entry += 0x100000;
	expect("PT_LOAD with p_offset beyond EOF: maps, then SIGBUS at entry",
	       &im, 0755, WANT_SIGNAL, SIGBUS);

	build_native(&im, NULL);
	EH(&im)->e_entry = 0x10000000UL; /* nothing is mapped there */
	expect("e_entry outside every segment: SIGSEGV after exec", &im,
	       0755, WANT_SIGNAL, SIGSEGV);

	build_native(&im, NULL);
	expect("valid ELF without execute permission (0644): EACCES", &im,
	       0644, WANT_ERRNO, EACCES);

	/* Paths that do not name a regular executable file. */
	{
		char *av[] = { "x", NULL }, *ev[] = { NULL };
		ktap_eq(SC(SYS_execve, "/tmp", av, ev), -EACCES,
			"execve of a directory: EACCES");
		ktap_eq(SC(SYS_execve, "/tmp/elf_reject-no-such-file", av, ev),
			-ENOENT, "execve of a missing file: ENOENT");
		char notdir[80];
		snprintf(notdir, sizeof(notdir), "%s/x", self);
		ktap_eq(SC(SYS_execve, notdir, av, ev), -ENOTDIR,
			"execve of \"<regular file>/x\": ENOTDIR");
		ktap_eq(SC(SYS_execve, "", av, ev), -ENOENT,
			"execve of \"\": ENOENT");
	}
	return ktap_finish();
}
