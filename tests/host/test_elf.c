/*
 * Host unit test of the kernel's ELF header checks (kernel/elf.c), the
 * very code execve runs: each case builds a header in memory and compares
 * elf_parse_header()'s verdict with Linux's (the user-space elf_reject
 * test proves the same cases end to end on xentry and on Linux).
 */
#include <xentry/elf.h>
#include <xentry/errno.h>

int printf(const char *fmt, ...);
void *memset(void *s, int c, unsigned long n);

static int n, failed;

static void check(int cond, const char *what)
{
	n++;
	if (!cond)
		failed++;
	printf("%sok %d - %s\n", cond ? "" : "not ", n, what);
}

static struct elf64_ehdr h64(void)
{
	struct elf64_ehdr h;
	memset(&h, 0, sizeof(h));
	h.ident[0] = 0x7f, h.ident[1] = 'E', h.ident[2] = 'L', h.ident[3] = 'F';
	h.ident[4] = 2, h.ident[5] = 1, h.ident[6] = 1;
	h.type = ET_EXEC, h.machine = EM_X86_64, h.version = 1;
	h.entry = 0x401000, h.phoff = 64, h.phnum = 1, h.phentsize = sizeof(struct elf64_phdr);
	return h;
}

static struct elf32_ehdr h32(void)
{
	struct elf32_ehdr h;
	memset(&h, 0, sizeof(h));
	h.ident[0] = 0x7f, h.ident[1] = 'E', h.ident[2] = 'L', h.ident[3] = 'F';
	h.ident[4] = 1, h.ident[5] = 1, h.ident[6] = 1;
	h.type = ET_DYN, h.machine = EM_386, h.version = 1;
	h.entry = 0x1000, h.phoff = 52, h.phnum = 3, h.phentsize = sizeof(struct elf32_phdr);
	return h;
}

int main(void)
{
	struct elf_image img;
	printf("KTAP version 1\n1..12\n");
	struct elf64_ehdr a = h64();
	check(elf_parse_header(&a, sizeof(a), &img) == 0 && !img.is32 && img.phnum == 1 &&
	      img.entry == 0x401000, "valid ELF64 ET_EXEC accepted as x86-64");
	struct elf32_ehdr b = h32();
	check(elf_parse_header(&b, sizeof(b), &img) == 0 && img.is32 && img.type == ET_DYN &&
	      img.phnum == 3, "valid ELF32 ET_DYN accepted as i386");
	check(elf_parse_header(&a, 3, &img) == -ENOEXEC, "3 bytes: ENOEXEC");
	check(elf_parse_header(&a, 40, &img) == -ENOEXEC, "truncated ELF64 header: ENOEXEC");
	a = h64(), a.ident[1] = 'X';
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "bad magic: ENOEXEC");
	a = h64(), a.machine = 40 /* EM_ARM */;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "EM_ARM: ENOEXEC");
	a = h64(), a.ident[4] = 1;
	check(elf_parse_header(&a, sizeof(a), &img) == 0 && !img.is32,
	      "EI_CLASS ignored: e_machine picks the layout (as Linux)");
	a = h64(), a.type = 1 /* ET_REL */;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "ET_REL: ENOEXEC");
	a = h64(), a.type = 4 /* ET_CORE */;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "ET_CORE: ENOEXEC");
	a = h64(), a.phentsize = 32;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "wrong e_phentsize: ENOEXEC");
	a = h64(), a.phnum = 0;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC, "e_phnum 0: ENOEXEC");
	a = h64(), a.phnum = 65535;
	check(elf_parse_header(&a, sizeof(a), &img) == -ENOEXEC,
	      "program headers over 64 KiB: ENOEXEC");
	return failed != 0;
}
