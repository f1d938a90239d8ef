/*
 * ELF header validation, kept free of kernel dependencies so the host unit
 * test (tests/host/test_elf.c) runs the very same checks.  Each rejection
 * mirrors the check Linux's binfmt_elf makes, with Linux's errno.
 */
#include <xentry/elf.h>
#include <xentry/errno.h>

/* The on-disk layouts, whatever the kernel's own long: i386 aligns u64
 * to 4, which must not move a field. */
_Static_assert(sizeof(struct elf64_ehdr) == 64 && sizeof(struct elf64_phdr) == 56,
	       "ELF64 layout");
_Static_assert(sizeof(struct elf32_ehdr) == 52 && sizeof(struct elf32_phdr) == 32,
	       "ELF32 layout");

int elf_parse_header(const void *buf, size_t len, struct elf_image *img)
{
	const u8 *id = buf;
	if (len < 20 || id[0] != 0x7f || id[1] != 'E' || id[2] != 'L' || id[3] != 'F')
		return -ENOEXEC;
	/*
	 * Like Linux, e_machine alone picks the binary format (x86-64 or i386
	 * emulation) and with it the header layout; EI_CLASS is not checked.
	 * e_machine sits at offset 18 in both layouts.
	 */
	u16 machine = id[18] | (id[19] << 8);
#ifdef CONFIG_X86_32
	/* The native i386 kernel runs i386 programs only, as Linux i386. */
	if (machine == EM_X86_64)
		return -ENOEXEC;
#endif
	if (machine == EM_X86_64) {
		const struct elf64_ehdr *h = buf;
		if (len < sizeof(*h) || h->phentsize != sizeof(struct elf64_phdr))
			return -ENOEXEC;
		*img = (struct elf_image){ false, h->type, h->entry, h->phoff, h->phnum, h->phentsize };
	} else if (machine == EM_386) {
		const struct elf32_ehdr *h = buf;
		if (len < sizeof(*h) || h->phentsize != sizeof(struct elf32_phdr))
			return -ENOEXEC;
		*img = (struct elf_image){ true, h->type, h->entry, h->phoff, h->phnum, h->phentsize };
	} else {
		return -ENOEXEC;
	}
	if (img->type != ET_EXEC && img->type != ET_DYN)
		return -ENOEXEC;
	/* Linux: at least one program header, and the table at most 64 KiB. */
	if (img->phnum < 1 || (u32)img->phnum * img->phentsize > 65536)
		return -ENOEXEC;
	return 0;
}

void elf_get_phdr(const struct elf_image *img, const void *phdrs, int i, struct elf_seg *seg)
{
	if (img->is32) {
		const struct elf32_phdr *p = (const struct elf32_phdr *)phdrs + i;
		*seg = (struct elf_seg){ p->type, p->flags, p->offset, p->vaddr, p->filesz, p->memsz };
	} else {
		const struct elf64_phdr *p = (const struct elf64_phdr *)phdrs + i;
		*seg = (struct elf_seg){ p->type, p->flags, p->offset, p->vaddr, p->filesz, p->memsz };
	}
}
