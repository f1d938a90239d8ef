/*
 * Segment descriptors as user space describes them (struct user_desc, the
 * argument of modify_ldt and set_thread_area, the same 16 bytes for both
 * ABIs) and as the CPU reads them (8-byte code/data descriptors).
 */
#ifndef ASM_DESC_H
#define ASM_DESC_H
#include <xentry/kernel.h>

/* The bit after `useable` is `lm` in x86-64's header and padding in
 * i386's; Linux never lets it make a 64-bit segment, so it is ignored. */
struct user_desc {
	u32 entry_number, base_addr, limit;
	u32 seg_32bit : 1, contents : 2, read_exec_only : 1, limit_in_pages : 1,
	    seg_not_present : 1, useable : 1, lm : 1;
};

#define LDT_ENTRIES 8192
#define LDT_ENTRY_SIZE 8

/* The GDT entry of the LDT descriptor (the gdt[] in cpu_64.c/cpu_32.c):
 * x86-64's is a 16-byte system descriptor in entries 10-11 (0x50); the
 * i386 kernel's an 8-byte one in Linux i386's entry 17 (0x88). */
#ifdef CONFIG_X86_32
#define GDT_ENTRY_LDT 17
#else
#define GDT_ENTRY_LDT 10
#endif

/* The "no segment" encoding: read-only, not present, everything else 0. */
static inline bool user_desc_empty(const struct user_desc *u)
{
	return !u->base_addr && !u->limit && !u->contents && u->read_exec_only &&
	       !u->seg_32bit && !u->limit_in_pages && u->seg_not_present && !u->useable;
}

/* All fields zero: what many programs pass to mean "no segment" too. */
static inline bool user_desc_zero(const struct user_desc *u)
{
	return !u->base_addr && !u->limit && !u->contents && !u->read_exec_only &&
	       !u->seg_32bit && !u->limit_in_pages && !u->seg_not_present && !u->useable;
}

/*
 * The descriptor for u.  Whatever the user asks, the result is a code or
 * data segment (S = 1) of DPL 3 that is never 64-bit (L = 0): no system
 * descriptor, no gate, nothing more privileged than ring 3.  The accessed
 * bit is preset so the CPU never needs to write the table.
 */
static inline u64 user_desc_encode(const struct user_desc *u)
{
	u64 base = u->base_addr, limit = u->limit;
	u64 type = ((u64)(u->read_exec_only ^ 1) << 1) | ((u64)u->contents << 2) | 1;
	u64 hi = (base & 0xff000000) | ((base >> 16) & 0xff) | (limit & 0xf0000) |
		 (type << 8) | (1UL << 12) /* S */ | (3UL << 13) /* DPL 3 */ |
		 ((u64)(u->seg_not_present ^ 1) << 15) | ((u64)u->useable << 20) |
		 ((u64)u->seg_32bit << 22) | ((u64)u->limit_in_pages << 23);
	u64 lo = ((base & 0xffff) << 16) | (limit & 0xffff);
	return (hi << 32) | lo;
}

/* The inverse, for get_thread_area (an all-zero slot reads as "empty"). */
static inline void user_desc_decode(u64 d, u32 idx, struct user_desc *u)
{
	u32 lo = d, hi = d >> 32;
	/* memset first: the bits after `lm` go to the user too, and a
	 * compound literal need not clear padding. */
	memset(u, 0, sizeof(*u));
	u->entry_number = idx;
	u->base_addr = (lo >> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000);
	u->limit = (lo & 0xffff) | (hi & 0xf0000);
	u->seg_32bit = (hi >> 22) & 1, u->contents = (hi >> 10) & 3;
	u->read_exec_only = !((hi >> 9) & 1), u->limit_in_pages = (hi >> 23) & 1;
	u->seg_not_present = !((hi >> 15) & 1), u->useable = (hi >> 20) & 1;
	u->lm = (hi >> 21) & 1;
}

/* The base address a code/data descriptor gives its segment. */
static inline u32 desc_base(u64 d)
{
	return ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
}

struct task;
struct mm;
/* arch/x86/kernel/ldt.c */
void ldt_load(struct mm *mm);
int ldt_copy(struct mm *dst, const struct mm *src);
void ldt_free(struct mm *mm);
u64 ldt_desc(const struct mm *mm, unsigned int idx);
u16 usable_data_sel(u16 sel);
bool usable_stack_sel(u16 sel);
void load_user_data_segs(u16 ds, u16 es, u16 fs, u16 gs);

#endif
