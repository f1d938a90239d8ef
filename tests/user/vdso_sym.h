/*
 * vdso_sym.h - look a symbol up in the vDSO by name and version, as the C
 * library does: from AT_SYSINFO_EHDR, through PT_DYNAMIC to the dynamic
 * symbol table (its size from DT_HASH's chain count), checking each
 * candidate's version in DT_VERSYM against DT_VERDEF's names.
 *
 *   void *vdso_sym(const char *name, const char *version);   NULL if absent
 *
 * The image is mapped by the kernel and never relocated: an address in it
 * is the mapping's base plus (value - the first PT_LOAD's p_vaddr).
 */
#ifndef XENTRY_VDSO_SYM_H
#define XENTRY_VDSO_SYM_H
#include <elf.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>

#ifdef __x86_64__
#define VS(x) Elf64_##x
#define VS_ST_TYPE ELF64_ST_TYPE
#define VS_ST_BIND ELF64_ST_BIND
#else
#define VS(x) Elf32_##x
#define VS_ST_TYPE ELF32_ST_TYPE
#define VS_ST_BIND ELF32_ST_BIND
#endif

static inline void *vdso_sym(const char *name, const char *version)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	if (!base)
		return NULL;
	const VS(Ehdr) *eh = (const void *)base;
	const VS(Phdr) *ph = (const void *)(base + eh->e_phoff);
	uintptr_t load = 0;
	const VS(Dyn) *dyn = NULL;
	int have_load = 0;
	for (int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type == PT_LOAD && !have_load) {
			load = base + ph[i].p_offset - ph[i].p_vaddr;
			have_load = 1;
		} else if (ph[i].p_type == PT_DYNAMIC) {
			dyn = (const void *)(base + ph[i].p_offset);
		}
	}
	if (!have_load || !dyn)
		return NULL;
	const char *strtab = NULL;
	const VS(Sym) *symtab = NULL;
	const VS(Word) *hash = NULL;
	const VS(Half) *versym = NULL;
	const VS(Verdef) *verdef = NULL;
	for (; dyn->d_tag != DT_NULL; dyn++) {
		uintptr_t p = load + dyn->d_un.d_ptr;
		switch (dyn->d_tag) {
		case DT_STRTAB: strtab = (const void *)p; break;
		case DT_SYMTAB: symtab = (const void *)p; break;
		case DT_HASH: hash = (const void *)p; break;
		case DT_VERSYM: versym = (const void *)p; break;
		case DT_VERDEF: verdef = (const void *)p; break;
		}
	}
	if (!strtab || !symtab || !hash)
		return NULL;
	for (VS(Word) i = 0; i < hash[1]; i++) {
		const VS(Sym) *s = &symtab[i];
		if (s->st_shndx == SHN_UNDEF || VS_ST_TYPE(s->st_info) != STT_FUNC ||
		    (VS_ST_BIND(s->st_info) != STB_GLOBAL && VS_ST_BIND(s->st_info) != STB_WEAK))
			continue;
		if (strcmp(strtab + s->st_name, name))
			continue;
		if (version) {
			if (!versym || !verdef)
				continue;
			unsigned idx = versym[i] & 0x7fff;
			const VS(Verdef) *d = verdef;
			const char *vname = NULL;
			for (;;) {
				if (d->vd_ndx == idx && !(d->vd_flags & VER_FLG_BASE)) {
					const VS(Verdaux) *a = (const void *)((const char *)d + d->vd_aux);
					vname = strtab + a->vda_name;
					break;
				}
				if (!d->vd_next)
					break;
				d = (const void *)((const char *)d + d->vd_next);
			}
			if (!vname || strcmp(vname, version))
				continue;
		}
		return (void *)(load + s->st_value);
	}
	return NULL;
}
#endif
