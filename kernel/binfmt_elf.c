/*
 * Mapping an ELF image, the program's and its interpreter's (PT_INTERP,
 * ld-linux.so), where Linux without address randomisation puts them:
 *   - ET_EXEC at its own addresses;
 *   - a PIE (ET_DYN with an interpreter) at ELF_ET_DYN_BASE: 2/3 of the
 *     47-bit user half for 64-bit (0x555555554000), 0x56555000 for i386;
 *   - the interpreter (ET_DYN) wherever mmap would put a mapping of its
 *     whole span, top-down: it must not depend on the program's layout.
 * Every segment is a private file mapping whose bytes past p_filesz read
 * as zero (file_end): that is the .bss, partial last page included.
 */
#include <xentry/kernel.h>
#include <xentry/fs.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include "exec.h"

#define ET_DYN_BASE_64 0x555555554000UL
#ifdef CONFIG_X86_64
#define ET_DYN_BASE_32 0x56555000UL
#else
#define ET_DYN_BASE_32 0x400000UL	/* Linux i386's ELF_ET_DYN_BASE */
#endif

long elf_read_image(struct inode *ino, struct elf_image *img, void **php)
{
	u8 hdr[sizeof(struct elf64_ehdr)];
	memset(hdr, 0, sizeof(hdr));
	long err = inode_read(ino, hdr, sizeof(hdr), 0);
	if (err < 0)
		return err;
	err = elf_parse_header(hdr, err, img);
	if (err)
		return err;
	size_t phsize = (size_t)img->phnum * img->phentsize;
	void *ph = kmalloc(phsize);
	if (!ph)
		return -ENOMEM;
	err = inode_read(ino, ph, phsize, img->phoff);
	if (err >= 0 && err != (long)phsize)
		err = -ENOEXEC;		/* headers past the end of the file */
	if (err < 0) {
		kfree(ph);
		return err;
	}
	*php = ph;
	return 0;
}

long elf_interp_path(struct inode *ino, const struct elf_image *img, const void *ph,
		     char **out)
{
	*out = NULL;
	for (int i = 0; i < img->phnum; i++) {
		struct elf_seg s;
		elf_get_phdr(img, ph, i, &s);
		if (s.type != PT_INTERP)
			continue;
		/* Linux: the path must fit PATH_MAX and hold at least "x\0";
		 * only the first PT_INTERP counts. */
		if (s.filesz > 4096 || s.filesz < 2)
			return -ENOEXEC;
		char *path = kmalloc(s.filesz);
		if (!path)
			return -ENOMEM;
		long r = inode_read(ino, path, s.filesz, s.offset);
		if (r >= 0 && r != (long)s.filesz)
			r = -EIO;
		if (r >= 0 && path[s.filesz - 1])
			r = -ENOEXEC;
		if (r < 0) {
			kfree(path);
			return r;
		}
		*out = path;
		return 0;
	}
	return 0;
}

/* The page-aligned span [*lo, *hi) of the PT_LOAD segments, and the
 * largest power-of-two p_align among them. */
static bool load_span(const struct elf_image *img, const void *ph, unsigned long *lo,
		      unsigned long *hi, unsigned long *align)
{
	*lo = ~0UL;
	*hi = 0;
	*align = PAGE_SIZE;
	for (int i = 0; i < img->phnum; i++) {
		struct elf_seg s;
		elf_get_phdr(img, ph, i, &s);
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		/* In the kernel's word: an ELF32 span that wraps past 4 GiB
		 * is caught on the i386 kernel too. */
		if ((unsigned long)s.vaddr + (unsigned long)s.memsz < (unsigned long)s.vaddr)
			return false;
		*lo = MIN(*lo, ALIGN_DOWN(s.vaddr, PAGE_SIZE));
		*hi = MAX(*hi, ALIGN_UP(s.vaddr + s.memsz, PAGE_SIZE));
		u64 a = img->is32 ? ((const struct elf32_phdr *)ph)[i].align
				  : ((const struct elf64_phdr *)ph)[i].align;
		if (a && !(a & (a - 1)) && a > *align && a <= (1UL << 30))
			*align = a;
	}
	return *hi > *lo;
}

/* Maps the PT_LOAD segments at bias; fills out (phdr, brk, stack). */
static long map_at(struct mm *mm, struct inode *ino, const struct elf_image *img,
		   const void *ph, unsigned long bias, struct elf_loaded *out)
{
	unsigned long top = 0;
	out->bias = bias;
	out->entry = img->entry + bias;
	out->exec_stack = false;
	out->phdr = 0;
	for (int i = 0; i < img->phnum; i++) {
		struct elf_seg s;
		elf_get_phdr(img, ph, i, &s);
		if (s.type == PT_GNU_STACK)
			out->exec_stack = s.flags & PF_X;
		if (s.type == PT_PHDR)
			out->phdr = s.vaddr + bias;
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (s.filesz > s.memsz) {
			/* Linux finds this only while mapping, after the point
			 * of no return: the exec "succeeds" and the new image
			 * dies of SIGSEGV.  Do the same. */
			out->doomed = true;
			continue;
		}
		if ((s.vaddr - s.offset) & ~PAGE_MASK)
			return -EINVAL;
		unsigned long va = s.vaddr + bias;
		unsigned long start = ALIGN_DOWN(va, PAGE_SIZE);
		unsigned long end = ALIGN_UP(va + (unsigned long)s.memsz, PAGE_SIZE);
		if (va + (unsigned long)s.memsz < va || end > mm->limit || end <= start)
			return -EINVAL;
		u32 prot = (s.flags & PF_R ? PROT_READ : 0) | (s.flags & PF_W ? PROT_WRITE : 0) |
			   (s.flags & PF_X ? PROT_EXEC : 0);
		int err = vma_map(mm, start, end - start, prot, 0, ino,
				  s.offset - (va - start), va + s.filesz);
		if (err)
			return err;
		if (!out->phdr && img->phoff >= s.offset && img->phoff < s.offset + s.filesz)
			out->phdr = va + (img->phoff - s.offset);
		top = MAX(top, end);
	}
	if (!top && !out->doomed)
		return -ENOEXEC;
	out->brk = top ? top : PAGE_SIZE;
	return 0;
}

long elf_map_program(struct mm *mm, struct inode *ino, const struct elf_image *img,
		     const void *ph, bool has_interp, struct elf_loaded *out)
{
	unsigned long bias = 0;
	(void)has_interp;
	if (img->type == ET_DYN) {
		/* Linux loads a PIE at ELF_ET_DYN_BASE, rounded down to its
		 * largest segment alignment, less its first page.  A static
		 * PIE (no interpreter) goes there too here; Linux 6.x puts it
		 * in the mmap area (docs/exec.md). */
		unsigned long lo, hi, align;
		if (!load_span(img, ph, &lo, &hi, &align))
			lo = 0, align = PAGE_SIZE;
#ifdef CONFIG_X86_64
		unsigned long base = img->is32 ? ET_DYN_BASE_32 : ET_DYN_BASE_64;
#else
		unsigned long base = ET_DYN_BASE_32;	/* the same on the i386 kernel */
#endif
		bias = (base & ~(align - 1)) - lo;
	}
	return map_at(mm, ino, img, ph, bias, out);
}

/* Linux says ELIBBAD for an interpreter that is not an ELF of the
 * program's own machine (and EIO if it is shorter than a header). */
static long interp_error(long err)
{
	return err == -ENOEXEC ? -ELIBBAD : err;
}

long elf_load_interp(struct mm *mm, const char *path, bool is32, unsigned long *base,
		     unsigned long *entry)
{
	struct inode *ino;
	long err = vfs_lookup(path, &ino);
	if (err)
		return err;
	void *ph = NULL;
	err = -EACCES;
	if (!inode_is_reg(ino) || !inode_is_exec(ino))
		goto out;
	err = -EIO;
	if (inode_size(ino) < (loff_t)(is32 ? sizeof(struct elf32_ehdr)
					    : sizeof(struct elf64_ehdr)))
		goto out;
	struct elf_image img;
	err = interp_error(elf_read_image(ino, &img, &ph));
	if (err)
		goto out;
	err = -ELIBBAD;
	if (img.is32 != is32)
		goto out;
	unsigned long lo, hi, align, bias = 0;
	if (!load_span(&img, ph, &lo, &hi, &align))
		goto out;
	if (img.type == ET_DYN) {
		/* Where mmap(NULL, span) would go: the top-down search. */
		unsigned long at = vma_find_free(mm, hi - lo);
		err = -ENOMEM;
		if (!at)
			goto out;
		bias = at - lo;
	}
	struct elf_loaded l = { 0 };
	err = map_at(mm, ino, &img, ph, bias, &l);
	if (!err && l.doomed)
		err = -EINVAL;
	if (err)
		goto out;
	/* AT_BASE: the load bias of an ET_DYN interpreter, 0 for ET_EXEC. */
	*base = bias;
	*entry = l.entry;
out:
	kfree(ph);
	inode_put(ino);
	return err;
}
