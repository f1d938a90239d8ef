/* ELF structures (both classes) as the loader needs them. */
#ifndef XENTRY_ELF_H
#define XENTRY_ELF_H
#include <xentry/types.h>

#define ET_EXEC 2
#define ET_DYN 3
#define EM_386 3
#define EM_X86_64 62
#define PT_LOAD 1
#define PT_INTERP 3
#define PT_PHDR 6
#define PT_GNU_STACK 0x6474e551
#define PF_X 1
#define PF_W 2
#define PF_R 4

struct elf64_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version;
	u64 entry, phoff, shoff;
	u32 flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf64_phdr {
	u32 type, flags;
	u64 offset, vaddr, paddr, filesz, memsz, align;
};
struct elf32_ehdr {
	u8 ident[16];
	u16 type, machine;
	u32 version, entry, phoff, shoff, flags;
	u16 ehsize, phentsize, phnum, shentsize, shnum, shstrndx;
};
struct elf32_phdr {
	u32 type, offset, vaddr, paddr, filesz, memsz, flags, align;
};

/* The class-independent view the loader works with. */
struct elf_image {
	bool is32;
	u16 type;
	u64 entry, phoff;
	u16 phnum, phentsize;
};
struct elf_seg {
	u32 type, flags;
	u64 offset, vaddr, filesz, memsz;
};

/* Pure header checks, shared with the host unit test (tests/host). */
int elf_parse_header(const void *buf, size_t len, struct elf_image *img);
void elf_get_phdr(const struct elf_image *img, const void *phdrs, int i, struct elf_seg *seg);

#define AT_NULL 0
#define AT_IGNORE 1
#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_PAGESZ 6
#define AT_BASE 7
#define AT_FLAGS 8
#define AT_ENTRY 9
#define AT_UID 11
#define AT_EUID 12
#define AT_GID 13
#define AT_EGID 14
#define AT_PLATFORM 15
#define AT_HWCAP 16
#define AT_CLKTCK 17
#define AT_SECURE 23
#define AT_RANDOM 25
#define AT_HWCAP2 26
#define AT_EXECFN 31
#define AT_SYSINFO 32
#define AT_SYSINFO_EHDR 33
#define AT_MINSIGSTKSZ 51

/* Auxv values that depend on the CPU state (arch/x86/kernel/fpu.c):
 * HWCAP2_FSGSBASE, and Linux's worst-case signal frame size. */
unsigned long elf_hwcap2(void);
unsigned long sigframe_minstksz(void);

#endif
