/* abi: 32 */
/*
 * vdso_choice: the 32-bit vDSO is a real ELF image, AT_SYSINFO names its
 * __kernel_vsyscall, and that function enters the kernel the way this CPU
 * (or the boot option) demands.
 *
 * Linux (since 4.4) and xentry both lay __kernel_vsyscall out as
 *     push %ecx; push %edx; push %ebp
 *     <patched slot>             mov %esp,%ebp; sysenter   (Intel-style)
 *                                mov %ecx,%ebp; syscall    (AMD-style)
 *                                NOP padding               (int $0x80 only)
 *     int $0x80
 *   int80_landing_pad:
 *     pop %ebp; pop %edx; pop %ecx; ret
 * The slot's NOP encoding differs between kernels, so the test finds the
 * `int $0x80` + landing pad by scanning instead of assuming offsets.
 *
 * Expected choice: env XENTRY_EXPECT_VDSO (sysenter|syscall|int80) if set,
 * else by CPUID vendor (Intel/Centaur/Zhaoxin: sysenter; AMD/Hygon:
 * syscall), as Linux decides on 64-bit kernels; on a native i386 kernel
 * sysenter whatever the vendor (legacy mode has it everywhere, and Linux
 * i386 never uses SYSCALL; vdso_expect.h).  Real Intel CPUs refuse
 * compat SYSCALL and AMD refuses SYSENTER in long mode, but TCG runs both,
 * so only the bytes can show a wrong choice.
 */
#include "ktap.h"
#include "sys.h"
#include "vdso_expect.h"
#include "../../include/uapi/xentry_stats.h"
#include <cpuid.h>
#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/auxv.h>


/* Length of the NOP at p (the encodings assemblers and alternatives use
 * for padding), or 0 if p is not one. */
static int nop_len(const uint8_t *p)
{
	static const struct { int n; uint8_t b[7]; } nops[] = {
		{ 1, { 0x90 } },
		{ 2, { 0x66, 0x90 } },
		{ 3, { 0x0f, 0x1f, 0x00 } },
		{ 4, { 0x0f, 0x1f, 0x40, 0x00 } },
		{ 5, { 0x0f, 0x1f, 0x44, 0x00, 0x00 } },
		{ 6, { 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00 } },
		{ 7, { 0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00 } },
		{ 3, { 0x8d, 0x76, 0x00 } },
		{ 4, { 0x8d, 0x74, 0x26, 0x00 } },
		{ 6, { 0x8d, 0xb6, 0x00, 0x00, 0x00, 0x00 } },
		{ 7, { 0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00 } },
	};
	for (unsigned i = 0; i < sizeof(nops) / sizeof(nops[0]); i++)
		if (!memcmp(p, nops[i].b, nops[i].n))
			return nops[i].n;
	return 0;
}

struct vdso {
	uintptr_t base, bias;
	const Elf32_Ehdr *eh;
	const Elf32_Phdr *load, *dyn, *ehframe;
	const Elf32_Sym *symtab;
	const char *strtab;
	unsigned nsyms;
};

/* Number of dynamic symbols: DT_HASH says it directly (nchain); with only
 * DT_GNU_HASH, follow the last bucket's chain to its end. */
static unsigned count_syms(const uint32_t *hash, const uint32_t *gnu)
{
	if (hash)
		return hash[1];
	if (!gnu)
		return 0;
	uint32_t nbuckets = gnu[0], symoffset = gnu[1], bloom = gnu[2];
	const uint32_t *buckets = gnu + 4 + bloom;	/* 32-bit bloom words */
	const uint32_t *chain = buckets + nbuckets;
	uint32_t last = 0;
	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last < symoffset)
		return symoffset;
	while (!(chain[last - symoffset] & 1))
		last++;
	return last + 1;
}

static void parse_dynamic(struct vdso *v)
{
	const uint32_t *hash = NULL, *gnu = NULL;
	const Elf32_Dyn *d = (const void *)(v->bias + v->dyn->p_vaddr);
	for (; d->d_tag != DT_NULL; d++) {
		/* The vDSO is never relocated: d_ptr values are link-time
		 * addresses, so add the load bias. */
		uintptr_t p = v->bias + d->d_un.d_ptr;
		switch (d->d_tag) {
		case DT_SYMTAB: v->symtab = (const void *)p; break;
		case DT_STRTAB: v->strtab = (const void *)p; break;
		case DT_HASH: hash = (const void *)p; break;
		case DT_GNU_HASH: gnu = (const void *)p; break;
		}
	}
	v->nsyms = count_syms(hash, gnu);
}

static const Elf32_Sym *find_sym(const struct vdso *v, const char *name)
{
	for (unsigned i = 1; v->symtab && v->strtab && i < v->nsyms; i++) {
		const Elf32_Sym *s = &v->symtab[i];
		if (s->st_shndx != SHN_UNDEF && !strcmp(v->strtab + s->st_name, name))
			return s;
	}
	return NULL;
}

static int write_vdso_child(void *p)
{
	no_core_dumps();
	default_signals();
	*(volatile uint8_t *)p = 0xcc;
	return 0;	/* reached only if the text was writable */
}

int main(void)
{
	struct vdso v = { 0 };
	uintptr_t sysinfo = getauxval(AT_SYSINFO);
	const char *want = expected_choice();
	char sbuf[64];

	ktap_plan(15);
	ktap_diag("expected vDSO entry: %s", want);
	v.base = getauxval(AT_SYSINFO_EHDR);

	ktap_ok(v.base && sysinfo, "AT_SYSINFO_EHDR (%#lx) and AT_SYSINFO (%#lx) are present",
		(unsigned long)v.base, (unsigned long)sysinfo);
	if (!v.base || !sysinfo) {
		ktap_diag("no vDSO: nothing else can be checked");
		return 1;
	}
	ktap_ok(v.base % 4096 == 0, "the vDSO starts on a page boundary");

	v.eh = (const void *)v.base;
	const Elf32_Ehdr *eh = v.eh;
	ktap_ok(!memcmp(eh->e_ident, ELFMAG, SELFMAG) &&
		eh->e_ident[EI_CLASS] == ELFCLASS32 &&
		eh->e_ident[EI_DATA] == ELFDATA2LSB &&
		eh->e_ident[EI_VERSION] == EV_CURRENT && eh->e_type == ET_DYN &&
		eh->e_machine == EM_386 && eh->e_version == EV_CURRENT &&
		eh->e_phentsize == sizeof(Elf32_Phdr) && eh->e_phnum > 0,
		"AT_SYSINFO_EHDR is an ELF32 i386 ET_DYN header");

	const Elf32_Phdr *ph = (const void *)(v.base + eh->e_phoff);
	for (int i = 0; i < eh->e_phnum && i < 32; i++) {
		if (ph[i].p_type == PT_LOAD && !v.load)
			v.load = &ph[i];
		else if (ph[i].p_type == PT_DYNAMIC)
			v.dyn = &ph[i];
		else if (ph[i].p_type == PT_GNU_EH_FRAME)
			v.ehframe = &ph[i];
	}
	/* The first PT_LOAD maps the file from offset 0 (it holds the ELF
	 * header); the kernel chose where, so bias = base - its p_vaddr. */
	int load_ok = v.load && v.load->p_offset == 0 &&
		      (v.load->p_flags & (PF_R | PF_X)) == (PF_R | PF_X) &&
		      !(v.load->p_flags & PF_W);
	ktap_ok(load_ok, "a PT_LOAD maps the image from offset 0, readable and executable, not writable");
	if (!load_ok) {
		ktap_diag("cannot locate the image without its PT_LOAD");
		return 1;
	}
	v.bias = v.base - v.load->p_vaddr;
	uint32_t lo = v.load->p_vaddr, hi = v.load->p_vaddr + v.load->p_memsz;
#define INSIDE(p) ((p) && (p)->p_vaddr >= lo && (p)->p_vaddr + (p)->p_memsz <= hi)
	ktap_ok(INSIDE(v.dyn), "a PT_DYNAMIC lies inside the PT_LOAD");
	ktap_ok(INSIDE(v.ehframe) && v.ehframe->p_memsz >= 12,
		"a PT_GNU_EH_FRAME (.eh_frame_hdr) lies inside the PT_LOAD");

	if (INSIDE(v.dyn))
		parse_dynamic(&v);
	ktap_ok(v.symtab && v.strtab && v.nsyms > 1,
		"the dynamic section names a symbol table, string table and hash (%u symbols)",
		v.nsyms);

	const Elf32_Sym *vs = find_sym(&v, "__kernel_vsyscall");
	ktap_ok(vs && v.bias + vs->st_value == sysinfo &&
		ELF32_ST_TYPE(vs->st_info) == STT_FUNC &&
		ELF32_ST_BIND(vs->st_info) == STB_GLOBAL,
		"AT_SYSINFO is the global function __kernel_vsyscall");
	if (vs)
		ktap_diag("__kernel_vsyscall at +%#x, size %u", vs->st_value, vs->st_size);
	/* The signal trampolines 32-bit frames return through when the
	 * program gives no SA_RESTORER. */
	ktap_ok(find_sym(&v, "__kernel_sigreturn") && find_sym(&v, "__kernel_rt_sigreturn"),
		"__kernel_sigreturn and __kernel_rt_sigreturn are exported");

	/* The bytes of __kernel_vsyscall, at the address programs call. */
	const uint8_t *k = (const void *)sysinfo;
	static const uint8_t pushes[3] = { 0x51, 0x52, 0x55 };
	static const uint8_t pad[4] = { 0x5d, 0x5a, 0x59, 0xc3 };
	ktap_ok(!memcmp(k, pushes, 3), "__kernel_vsyscall starts push %%ecx; push %%edx; push %%ebp");

	/* Find `int $0x80` followed by the landing pad within 32 bytes. */
	int int80 = -1;
	for (int i = 3; i < 32 && int80 < 0; i++)
		if (k[i] == 0xcd && k[i + 1] == 0x80 && !memcmp(k + i + 2, pad, 4))
			int80 = i;
	char hex[3 * 40] = "";
	for (int i = 0; i < (int80 < 0 ? 16 : int80 + 6); i++)
		snprintf(hex + 3 * i, 4, "%02x ", k[i]);
	ktap_diag("__kernel_vsyscall: %s", hex);

	ktap_ok(int80 >= 0, "int $0x80 directly precedes the landing pad pop %%ebp; pop %%edx; pop %%ecx; ret");
	ktap_ok(int80 >= 0 && vs && (uint32_t)int80 + 6 <= vs->st_size,
		"the landing pad is inside __kernel_vsyscall's symbol size");

	/* What lies between the pushes and the int $0x80 is the choice. */
	const char *got = "?";
	if (int80 >= 0) {
		int n = int80 - 3;
		const uint8_t *s = k + 3;
		if (n == 4 && !memcmp(s, "\x89\xe5\x0f\x34", 4))
			got = "sysenter";
		else if (n == 4 && !memcmp(s, "\x89\xcd\x0f\x05", 4))
			got = "syscall";
		else {
			int i = 0, l;
			while (i < n && (l = nop_len(s + i)) > 0 && i + l <= n)
				i += l;
			if (i == n)
				got = "int80";
		}
	}
	ktap_ok(!strcmp(got, want), "the patched slot holds the %s sequence (found %s)", want, got);

	/* Linux maps the vDSO read-only and executable (one copy for all
	 * processes), so a write faults: try it in a child, which must die
	 * of SIGSEGV. */
	int st = run_in_child(write_vdso_child, (void *)sysinfo);
	ktap_ok(WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV,
		"a write to __kernel_vsyscall faults with SIGSEGV (%s)",
		status_str(st, sbuf, sizeof(sbuf)));

	/* xentry reports what it patched; it must agree with the bytes. */
	struct xentry_exit_stats xs;
	memset(&xs, 0, sizeof(xs));
	long r = SC(XENTRY_NR_exit_stats, &xs, 0);
	if (r == -ENOSYS)
		ktap_skip("not xentry", "the kernel's reported vdso32 mode matches");
	else
		ktap_ok(r == (long)sizeof(xs) && !strcmp(xs.vdso32_mode, want) &&
			!strcmp(xs.vdso32_mode, got),
			"the kernel's reported vdso32 mode matches (%.16s)", xs.vdso32_mode);
	return ktap_finish();
}
