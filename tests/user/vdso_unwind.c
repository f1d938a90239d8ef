/* abi: 32 */
/*
 * vdso_unwind: the vDSO's CFI lets an unwinder leave __kernel_vsyscall from
 * every instruction in it.
 *
 * Debuggers, profilers and libgcc's _Unwind_Backtrace find the caller of
 * __kernel_vsyscall through the vDSO's .eh_frame (located by
 * PT_GNU_EH_FRAME -> .eh_frame_hdr -> its sorted FDE table).  A signal, a
 * single-step trap or a syscall restart can stop the task at any
 * instruction boundary of it, including the `int $0x80` (restart point)
 * and the landing pad (where every fast return arrives with ECX, EDX and
 * EBP clobbered), so the rule for the CFA, the return address and the
 * three saved registers must be right at each of them.
 *
 * This test carries its own small CFI interpreter (DWARF call frame
 * instructions, as in .eh_frame), decodes __kernel_vsyscall (1-byte
 * push/pop/ret, the patched mov+sysenter / mov+syscall halves, int $0x80,
 * NOPs), simulates it on a model stack - clobbering ECX/EDX/EBP where the
 * kernel may - and unwinds at each boundary.  Finally it checks the model
 * against a real call: the words the vDSO pushed are still below the
 * caller's stack pointer afterwards, where the CFI row of the landing pad
 * says they are.
 */
#include "ktap.h"
#include "sys.h"
#include <elf.h>
#include <stdint.h>
#include <sys/auxv.h>

/* DWARF register numbers for i386 (the same order as the x86 encoding). */
enum { EAX, ECX, EDX, EBX, ESP, EBP, ESI, EDI, EIP, NREG };
static const char *const regname[NREG] = { "eax", "ecx", "edx", "ebx", "esp",
					   "ebp", "esi", "edi", "eip" };

/* ---- reading .eh_frame ------------------------------------------------ */

static uint32_t uleb(const uint8_t **pp)
{
	uint32_t v = 0;
	int shift = 0;
	uint8_t b;
	do {
		b = *(*pp)++;
		if (shift < 32)
			v |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	return v;
}

static int32_t sleb(const uint8_t **pp)
{
	uint32_t v = 0;
	int shift = 0;
	uint8_t b;
	do {
		b = *(*pp)++;
		if (shift < 32)
			v |= (uint32_t)(b & 0x7f) << shift;
		shift += 7;
	} while (b & 0x80);
	if (shift < 32 && (b & 0x40))
		v |= ~0u << shift;
	return (int32_t)v;
}

/* One DW_EH_PE_-encoded value; pcrel is relative to the field itself,
 * datarel to .eh_frame_hdr.  Returns -1 for encodings we do not expect. */
static int read_enc(const uint8_t **pp, uint8_t enc, uintptr_t datarel, uintptr_t *out)
{
	const uint8_t *p = *pp;
	uintptr_t base;
	uint32_t v;
	uint16_t h;

	if (enc == 0xff || (enc & 0x80))
		return -1;
	switch (enc & 0x70) {
	case 0x00: base = 0; break;
	case 0x10: base = (uintptr_t)p; break;
	case 0x30: base = datarel; break;
	default: return -1;
	}
	switch (enc & 0x0f) {
	case 0x00: case 0x03: case 0x0b: memcpy(&v, p, 4); p += 4; break;
	case 0x01: v = uleb(&p); break;
	case 0x09: v = (uint32_t)sleb(&p); break;
	case 0x02: memcpy(&h, p, 2); v = h; p += 2; break;
	case 0x0a: memcpy(&h, p, 2); v = (uint32_t)(int32_t)(int16_t)h; p += 2; break;
	default: return -1;
	}
	*pp = p;
	*out = base + v;
	return 0;
}

struct cie {
	uint32_t code_align;
	int32_t data_align;
	uint32_t ra;
	uint8_t fde_enc;
	int has_z;
	const uint8_t *insns, *end;
};

struct fde {
	struct cie cie;
	uintptr_t pc_begin, pc_end;
	const uint8_t *insns, *end;
};

static int parse_cie(const uint8_t *c, struct cie *ci)
{
	uint32_t len, id;
	memcpy(&len, c, 4);
	memcpy(&id, c + 4, 4);
	if (len == 0 || len == 0xffffffff || id != 0)
		return -1;
	const uint8_t *p = c + 8;
	uint8_t version = *p++;
	if (version != 1 && version != 3)
		return -1;
	const char *aug = (const char *)p;
	p += strlen(aug) + 1;
	ci->code_align = uleb(&p);
	ci->data_align = sleb(&p);
	ci->ra = version == 1 ? *p++ : uleb(&p);
	ci->fde_enc = 0;	/* absptr unless 'R' says otherwise */
	ci->has_z = aug[0] == 'z';
	if (ci->has_z) {
		uint32_t alen = uleb(&p);
		const uint8_t *aend = p + alen;
		for (const char *a = aug + 1; *a; a++) {
			uintptr_t ignored;
			if (*a == 'R')
				ci->fde_enc = *p++;
			else if (*a == 'L')
				p++;
			else if (*a == 'P') {
				uint8_t e = *p++;
				if (read_enc(&p, e & 0x7f, 0, &ignored))
					return -1;
			} else if (*a != 'S')
				return -1;
		}
		p = aend;
	} else if (aug[0]) {
		return -1;
	}
	ci->insns = p;
	ci->end = c + 4 + len;
	return 0;
}

static int parse_fde(const uint8_t *f, struct fde *fd)
{
	uint32_t len, cie_off;
	uintptr_t range;
	memcpy(&len, f, 4);
	memcpy(&cie_off, f + 4, 4);
	if (len == 0 || len == 0xffffffff || cie_off == 0)
		return -1;
	/* The CIE pointer counts back from the field itself. */
	if (parse_cie(f + 4 - cie_off, &fd->cie))
		return -1;
	const uint8_t *p = f + 8;
	if (read_enc(&p, fd->cie.fde_enc, 0, &fd->pc_begin) ||
	    read_enc(&p, fd->cie.fde_enc & 0x0f, 0, &range))
		return -1;
	fd->pc_end = fd->pc_begin + range;
	if (fd->cie.has_z) {
		uint32_t alen = uleb(&p);
		p += alen;
	}
	fd->insns = p;
	fd->end = f + 4 + len;
	return 0;
}

/* ---- the CFI interpreter ---------------------------------------------- */

/* UNSPEC is the initial state: the register keeps its value (what i386
 * unwinders assume for registers the CFI never mentions). */
enum { UNSPEC, SAME, UNDEF, OFFSET, OTHER };
struct rule { int how; int32_t off; };
struct row {
	int cfa_reg, cfa_expr;
	int32_t cfa_off;
	struct rule r[NREG];
};

static void set_rule(struct row *row, uint32_t reg, int how, int32_t off)
{
	if (reg < NREG)
		row->r[reg] = (struct rule){ how, off };
}

/*
 * Run CFI instructions [p, end) starting at location *loc, stopping before
 * any advance past target.  init is the CIE's row (DW_CFA_restore).
 * Returns 0, or -1 on an opcode this interpreter does not know.
 */
static int run_cfi(const uint8_t *p, const uint8_t *end, const struct cie *ci,
		   struct row *row, const struct row *init, uintptr_t *loc,
		   uintptr_t target)
{
	struct row saved[4];
	int nsaved = 0;
	uintptr_t adv, newloc;
	uint32_t reg, n;

	while (p < end) {
		uint8_t op = *p++;
		switch (op & 0xc0) {
		case 0x40:
			adv = (op & 0x3f) * ci->code_align;
			goto advance;
		case 0x80:
			set_rule(row, op & 0x3f, OFFSET, (int32_t)uleb(&p) * ci->data_align);
			continue;
		case 0xc0:
			reg = op & 0x3f;
			if (reg < NREG)
				row->r[reg] = init->r[reg];
			continue;
		}
		switch (op) {
		case 0x00: continue;					/* nop */
		case 0x01:						/* set_loc */
			if (read_enc(&p, ci->fde_enc, 0, &newloc))
				return -1;
			if (newloc > target)
				return 0;
			*loc = newloc;
			continue;
		case 0x02: adv = *p++ * ci->code_align; goto advance;
		case 0x03: { uint16_t v; memcpy(&v, p, 2); p += 2; adv = v * ci->code_align; goto advance; }
		case 0x04: { uint32_t v; memcpy(&v, p, 4); p += 4; adv = v * ci->code_align; goto advance; }
		case 0x05:						/* offset_extended */
			reg = uleb(&p);
			set_rule(row, reg, OFFSET, (int32_t)uleb(&p) * ci->data_align);
			continue;
		case 0x06:						/* restore_extended */
			reg = uleb(&p);
			if (reg < NREG)
				row->r[reg] = init->r[reg];
			continue;
		case 0x07: set_rule(row, uleb(&p), UNDEF, 0); continue;
		case 0x08: set_rule(row, uleb(&p), SAME, 0); continue;
		case 0x09: reg = uleb(&p); uleb(&p); set_rule(row, reg, OTHER, 0); continue;
		case 0x0a:						/* remember_state */
			if (nsaved == 4)
				return -1;
			saved[nsaved++] = *row;
			continue;
		case 0x0b:						/* restore_state */
			if (nsaved == 0)
				return -1;
			*row = saved[--nsaved];	/* the CFA rule included */
			continue;
		case 0x0c:						/* def_cfa */
			row->cfa_reg = uleb(&p);
			row->cfa_off = uleb(&p);
			row->cfa_expr = 0;
			continue;
		case 0x0d: row->cfa_reg = uleb(&p); row->cfa_expr = 0; continue;
		case 0x0e: row->cfa_off = uleb(&p); continue;
		case 0x0f: n = uleb(&p); p += n; row->cfa_expr = 1; continue;
		case 0x10: case 0x16:					/* (val_)expression */
			reg = uleb(&p);
			n = uleb(&p);
			p += n;
			set_rule(row, reg, OTHER, 0);
			continue;
		case 0x11:						/* offset_extended_sf */
			reg = uleb(&p);
			set_rule(row, reg, OFFSET, sleb(&p) * ci->data_align);
			continue;
		case 0x12:						/* def_cfa_sf */
			row->cfa_reg = uleb(&p);
			row->cfa_off = sleb(&p) * ci->data_align;
			row->cfa_expr = 0;
			continue;
		case 0x13: row->cfa_off = sleb(&p) * ci->data_align; continue;
		case 0x14: case 0x15:					/* val_offset(_sf) */
			reg = uleb(&p);
			if (op == 0x14)
				uleb(&p);
			else
				sleb(&p);
			set_rule(row, reg, OTHER, 0);
			continue;
		case 0x2e: uleb(&p); continue;				/* GNU_args_size */
		default:
			return -1;
		}
advance:
		if (*loc + adv > target)
			return 0;
		*loc += adv;
	}
	return 0;
}

/* The unwind row in effect at pc. */
static int row_at(const struct fde *fd, uintptr_t pc, struct row *row)
{
	struct row init;
	uintptr_t loc = fd->pc_begin;
	memset(&init, 0, sizeof(init));
	if (run_cfi(fd->cie.insns, fd->cie.end, &fd->cie, &init, &init, &loc, UINTPTR_MAX))
		return -1;
	*row = init;
	loc = fd->pc_begin;
	return run_cfi(fd->insns, fd->end, &fd->cie, row, &init, &loc, pc);
}

/* ---- decoding __kernel_vsyscall -------------------------------------- */

enum { I_PUSH, I_POP, I_RET, I_MOV_ESP_EBP, I_MOV_ECX_EBP, I_FAST, I_INT80, I_NOP };
struct insn { int off, len, kind, reg; };

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

/* Decode from k up to and including the ret; returns the count or -1. */
static int decode(const uint8_t *k, struct insn *in, int max)
{
	int off = 0, n = 0;
	while (n < max && off < 64) {
		const uint8_t *b = k + off;
		struct insn *i = &in[n++];
		i->off = off;
		i->len = 1;
		if (b[0] >= 0x50 && b[0] <= 0x57)
			i->kind = I_PUSH, i->reg = b[0] - 0x50;
		else if (b[0] >= 0x58 && b[0] <= 0x5f)
			i->kind = I_POP, i->reg = b[0] - 0x58;
		else if (b[0] == 0xc3)
			i->kind = I_RET;
		else if (b[0] == 0x89 && b[1] == 0xe5)
			i->kind = I_MOV_ESP_EBP, i->len = 2;
		else if (b[0] == 0x89 && b[1] == 0xcd)
			i->kind = I_MOV_ECX_EBP, i->len = 2;
		else if (b[0] == 0x0f && (b[1] == 0x34 || b[1] == 0x05))
			i->kind = I_FAST, i->len = 2;
		else if (b[0] == 0xcd && b[1] == 0x80)
			i->kind = I_INT80, i->len = 2;
		else if ((i->len = nop_len(b)) > 0)
			i->kind = I_NOP;
		else
			return -1;
		if (i->kind == I_RET)
			return n;
		off += i->len;
	}
	return -1;
}

/* ---- the model: run the code on a fake stack, unwind at each step ----- */

#define STACK_BASE 0x10000u
#define STACK_WORDS 32
static uint32_t stk[STACK_WORDS];
static uint32_t reg[NREG], caller[NREG];
static const uint32_t caller_ra = 0x0804c0deu;

static uint32_t *slot(uint32_t addr)
{
	if (addr < STACK_BASE || addr >= STACK_BASE + 4 * STACK_WORDS || addr % 4)
		return NULL;
	return &stk[(addr - STACK_BASE) / 4];
}

static int fails_cfa, fails_ra, fails_regs, fails_below, fails_cfi;

/* Unwind one frame at pc with the model's registers and stack. */
static void unwind_check(const struct fde *fd, uintptr_t pc, int off)
{
	struct row row;
	if (row_at(fd, pc, &row)) {
		ktap_diag("+%d: CFI uses an opcode this interpreter lacks", off);
		fails_cfi++;
		return;
	}
	uint32_t cfa = reg[ESP] + row.cfa_off;
	if (row.cfa_expr || row.cfa_reg != ESP || cfa != caller[ESP]) {
		ktap_diag("+%d: CFA rule %s%+d%s, want esp%+d",
			  off, row.cfa_reg < NREG ? regname[row.cfa_reg] : "?", row.cfa_off,
			  row.cfa_expr ? " (expression)" : "", (int)(caller[ESP] - reg[ESP]));
		fails_cfa++;
		return;
	}
	for (int r = 0; r < NREG; r++) {
		if (r == EAX || r == ESP)
			continue;	/* EAX is the result; ESP is the CFA */
		const struct rule *ru = &row.r[r];
		uint32_t want = r == EIP ? caller_ra : caller[r], got, *s = NULL;
		if (ru->how == OFFSET) {
			uint32_t addr = cfa + ru->off;
			if (addr < reg[ESP]) {
				ktap_diag("+%d: %s saved at esp%+d, below the stack pointer",
					  off, regname[r], (int)(addr - reg[ESP]));
				fails_below++;
			}
			s = slot(addr);
			got = s ? *s : 0xbadbadba;
		} else if ((ru->how == UNSPEC || ru->how == SAME) && r != EIP) {
			got = reg[r];
		} else {
			got = ~want;	/* the rule cannot give the value back */
		}
		if (got != want) {
			ktap_diag("+%d: unwound %s = %#x, want %#x (rule %d, offset %d)",
				  off, regname[r], got, want, ru->how, ru->off);
			if (r == EIP)
				fails_ra++;
			else
				fails_regs++;
		}
	}
}

static void step(const struct insn *i, uint32_t clobber)
{
	switch (i->kind) {
	case I_PUSH:
		reg[ESP] -= 4;
		*slot(reg[ESP]) = reg[i->reg];
		break;
	case I_POP:
		reg[i->reg] = *slot(reg[ESP]);
		reg[ESP] += 4;
		break;
	case I_MOV_ESP_EBP: reg[EBP] = reg[ESP]; break;
	case I_MOV_ECX_EBP: reg[EBP] = reg[ECX]; break;
	case I_FAST:
	case I_INT80:
		/* A fast return may leave anything in ECX, EDX and EBP (the
		 * landing pad restores them), and EAX holds the result. */
		reg[EAX] = reg[ECX] = reg[EDX] = reg[EBP] = clobber;
		break;
	}
}

/* ---- a real call, for the live check ---------------------------------- */

uint32_t g_vsys, g_live_esp, g_live_eax, g_live_below[16];
void live_call(void);
__asm__(".text\n"
	"live_call:\n"
	"	push %ebp\n push %ebx\n push %esi\n push %edi\n"
	"	mov $0xc1c1c1c1, %ecx\n mov $0xd2d2d2d2, %edx\n"
	"	mov $0xe5e5e5e5, %ebp\n mov $64, %eax\n"
	"	mov %esp, g_live_esp\n"
	"	call *g_vsys\n"
	".globl live_ret\n"
	"live_ret:\n"
	/* Copy the 64 bytes below ESP before anything can reuse them. */
	"	mov %eax, g_live_eax\n"
	"	lea -64(%esp), %esi\n mov $g_live_below, %edi\n mov $16, %ecx\n"
	"	cld\n rep movsl\n"
	"	pop %edi\n pop %esi\n pop %ebx\n pop %ebp\n"
	"	ret\n");
extern char live_ret[];

static int live_word(uint32_t addr, uint32_t *out)
{
	uint32_t lo = g_live_esp - 64;
	if (addr < lo || addr >= g_live_esp || addr % 4)
		return -1;
	*out = g_live_below[(addr - lo) / 4];
	return 0;
}

int main(void)
{
	uintptr_t base = getauxval(AT_SYSINFO_EHDR);
	g_vsys = getauxval(AT_SYSINFO);

	ktap_plan(10);
	if (!base || !g_vsys) {
		ktap_diag("no vDSO announced in auxv");
		return 1;
	}

	/* 1. PT_GNU_EH_FRAME -> .eh_frame_hdr with a binary-search table. */
	const Elf32_Ehdr *eh = (const void *)base;
	const Elf32_Phdr *ph = (const void *)(base + eh->e_phoff), *hdrph = NULL;
	uintptr_t bias = base;
	int seen_load = 0;
	for (int i = 0; i < eh->e_phnum && i < 32; i++) {
		if (ph[i].p_type == PT_LOAD && !seen_load) {
			bias = base - ph[i].p_vaddr;	/* linked at 0 on Linux */
			seen_load = 1;
		}
		if (ph[i].p_type == PT_GNU_EH_FRAME)
			hdrph = &ph[i];
	}
	const uint8_t *hdr = hdrph ? (const void *)(bias + hdrph->p_vaddr) : NULL;
	uintptr_t eh_frame = 0, count = 0;
	const uint8_t *table = NULL;
	if (hdr && hdr[0] == 1) {
		const uint8_t *p = hdr + 4;
		if (!read_enc(&p, hdr[1], (uintptr_t)hdr, &eh_frame) &&
		    !read_enc(&p, hdr[2], (uintptr_t)hdr, &count) && hdr[3] == 0x3b)
			table = p;	/* datarel sdata4 pairs, the only kind in use */
	}
	ktap_ok(table && count > 0,
		"PT_GNU_EH_FRAME leads to an .eh_frame_hdr (version 1) with a search table of %u FDEs",
		(unsigned)count);

	/* 2. The table is sorted and every entry names an FDE for its pc. */
	int table_ok = table != NULL;
	struct fde fd, found;
	int have = 0;
	for (uintptr_t i = 0; table && i < count && i < 64; i++) {
		int32_t e[2];
		memcpy(e, table + 8 * i, 8);
		uintptr_t pc = (uintptr_t)hdr + e[0], f = (uintptr_t)hdr + e[1];
		if (i > 0) {
			int32_t prev;
			memcpy(&prev, table + 8 * (i - 1), 4);
			if (prev >= e[0])
				table_ok = 0;
		}
		if (parse_fde((const void *)f, &fd) || fd.pc_begin != pc) {
			ktap_diag("table entry %u: FDE at %#x does not start at %#x",
				  (unsigned)i, (unsigned)f, (unsigned)pc);
			table_ok = 0;
			continue;
		}
		if (fd.pc_begin <= g_vsys && g_vsys < fd.pc_end && !have) {
			found = fd;
			have = 1;
		}
	}
	ktap_ok(table_ok, "the table is sorted and each entry's FDE starts at its pc");

	/* 3. __kernel_vsyscall has an FDE whose CIE is usable. */
	ktap_ok(have && found.cie.ra == EIP && found.cie.code_align == 1,
		"an FDE covers AT_SYSINFO (__kernel_vsyscall); its CIE says RA = eip");

	/* 4. and 5.: decode the function and check the FDE covers it all. */
	struct insn ins[32];
	int n = decode((const void *)g_vsys, ins, 32);
	uint32_t fn_end = n > 0 ? g_vsys + ins[n - 1].off + 1 : 0;
	ktap_ok(have && n > 0 && found.pc_begin == g_vsys && found.pc_end >= fn_end,
		"the FDE covers __kernel_vsyscall from its entry through its ret");
	if (have)
		ktap_diag("FDE %#x..%#x, function %#x..%#x", (unsigned)found.pc_begin,
			  (unsigned)found.pc_end, g_vsys, fn_end);
	ktap_ok(n > 0, "__kernel_vsyscall decodes into %d known instructions up to its ret", n);

	/* 6.-9. Walk the model through every boundary. */
	if (have && n > 0) {
		for (int r = 0; r < NREG; r++)
			caller[r] = 0x11111111u * (r + 1) ^ 0x80000000u;
		caller[ESP] = STACK_BASE + 4 * (STACK_WORDS - 4);
		memcpy(reg, caller, sizeof(reg));
		reg[ESP] -= 4;			/* the call pushed the return address */
		*slot(reg[ESP]) = caller_ra;
		for (int i = 0; i < n; i++) {
			unwind_check(&found, g_vsys + ins[i].off, ins[i].off);
			step(&ins[i], 0xdead0000u + i);
		}
	}
	int ran = have && n > 0 && !fails_cfi;
	ktap_ok(ran && !fails_cfa, "at every boundary the CFA rule is esp + 4 + bytes pushed");
	ktap_ok(ran && !fails_cfa && !fails_ra,
		"at every boundary the return address is found at the CFA rule's place");
	ktap_ok(ran && !fails_cfa && !fails_regs,
		"at every boundary the caller's ecx, edx, ebp (and ebx, esi, edi) are recovered");
	ktap_ok(ran && !fails_below, "no rule ever points below the stack pointer");

	/* 10. A real call: the pushed words sit where the landing pad's row
	 * says.  At the landing pad the CFA is the caller's ESP after the
	 * return, i.e. g_live_esp. */
	int live_ok = 0;
	int pad = -1;
	for (int i = 0; i < n; i++)
		if (ins[i].kind == I_INT80 && i + 1 < n)
			pad = ins[i + 1].off;
	if (have && pad >= 0) {
		struct row row;
		live_call();
		if (!row_at(&found, g_vsys + pad, &row)) {
			static const struct { int r; uint32_t want; } exp[] = {
				{ ECX, 0xc1c1c1c1 }, { EDX, 0xd2d2d2d2 }, { EBP, 0xe5e5e5e5 }, { EIP, 0 },
			};
			live_ok = g_live_eax == (uint32_t)getppid();
			for (int j = 0; j < 4; j++) {
				uint32_t want = exp[j].r == EIP ? (uint32_t)live_ret : exp[j].want, got = 0;
				const struct rule *ru = &row.r[exp[j].r];
				if (ru->how != OFFSET || live_word(g_live_esp + ru->off, &got) || got != want) {
					ktap_diag("landing pad: %s rule %d/%d gives %#x, want %#x",
						  regname[exp[j].r], ru->how, ru->off, got, want);
					live_ok = 0;
				}
			}
		}
	}
	ktap_ok(live_ok, "after a real call, the saved ecx/edx/ebp and return address are where the landing pad's CFI says");
	return ktap_finish();
}
