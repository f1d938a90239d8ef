/*
 * The LDT: one table per address space, written only through modify_ldt,
 * and the one place that decides whether a user's data selector can be
 * loaded.  docs/segments.md has the rules and the attack they close.
 *
 * The LDTR is null unless the current address space has an LDT.  Left at
 * its reset value (base 0), it made every LDT selector a lookup in the
 * task's own page 0, where a user could forge a call gate into ring 0.
 *
 * A table is never edited in place: a write builds a new one and swaps
 * the pointer, then reloads the LDTR.  Kernel code runs with interrupts
 * off on one CPU, so nobody can observe a half-written table; when tasks
 * share an address space, each one loads the new table when switched in
 * (ldt_load compares pointers).
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include <asm/desc.h>
#include <asm/x86.h>

#ifdef CONFIG_X86_64
#define GDT_LDT 0x50		/* GDT entries 10-11: a 16-byte system descriptor */
#else
#define GDT_LDT 0x88		/* GDT entry 17, as Linux i386 (cpu_32.c) */
#endif
#define LDT_TYPE 0x82ULL	/* present, DPL 0, type 2 (LDT) */

struct ldt {
	unsigned int nr_entries;
	unsigned int nr_pages;
	u64 *entries;		/* page-backed: up to 64 KiB */
};

extern u64 gdt[];
/* What the LDTR holds now (NULL: the null selector). */
static const struct ldt *loaded_ldt;

static void load_null_ldt(void)
{
	asm volatile("lldt %w0" : : "r"(0));
	loaded_ldt = NULL;
}

/* The reset LDTR (base 0, limit 0xffff) would make LDT selectors index
 * the user's page 0: make it null before any user code runs. */
void ldt_init(void)
{
	load_null_ldt();
}

void ldt_load(struct mm *mm)
{
	const struct ldt *l = mm ? mm->ldt : NULL;
	if (l == loaded_ldt)
		return;
	if (!l) {
		load_null_ldt();
		return;
	}
	loaded_ldt = l;
	u64 b = (uintptr_t)l->entries;
	u64 lim = l->nr_entries * LDT_ENTRY_SIZE - 1;
	gdt[GDT_LDT >> 3] = (lim & 0xffff) | ((b & 0xffffff) << 16) | (LDT_TYPE << 40) |
			    (((lim >> 16) & 0xf) << 48) | (((b >> 24) & 0xff) << 56);
#ifdef CONFIG_X86_64
	gdt[(GDT_LDT >> 3) + 1] = b >> 32;	/* a long-mode system descriptor's upper half */
#endif
	asm volatile("lldt %w0" : : "r"(GDT_LDT) : "memory");
}

static struct ldt *ldt_alloc(unsigned int nr_entries)
{
	struct ldt *l = kmalloc(sizeof(*l));
	if (!l)
		return NULL;
	l->nr_entries = nr_entries;
	l->nr_pages = DIV_ROUND_UP(nr_entries * LDT_ENTRY_SIZE, PAGE_SIZE);
	l->entries = alloc_pages(l->nr_pages);	/* zeroed */
	if (!l->entries) {
		kfree(l);
		return NULL;
	}
	return l;
}

static void ldt_release(struct ldt *l)
{
	if (!l)
		return;
	/* The LDTR caches the descriptor: never leave it on freed memory. */
	if (l == loaded_ldt)
		load_null_ldt();
	free_pages(l->entries, l->nr_pages);
	kfree(l);
}

void ldt_free(struct mm *mm)
{
	ldt_release(mm->ldt);
	mm->ldt = NULL;
}

/* fork: the child gets its own copy.  dst->ldt is overwritten. */
int ldt_copy(struct mm *dst, const struct mm *src)
{
	dst->ldt = NULL;
	if (!src->ldt)
		return 0;
	struct ldt *l = ldt_alloc(src->ldt->nr_entries);
	if (!l)
		return -ENOMEM;
	memcpy(l->entries, src->ldt->entries, l->nr_entries * LDT_ENTRY_SIZE);
	dst->ldt = l;
	return 0;
}

/* Entry idx of mm's LDT, 0 if there is none (ptrace's segment bases). */
u64 ldt_desc(const struct mm *mm, unsigned int idx)
{
	if (!mm || !mm->ldt || idx >= mm->ldt->nr_entries)
		return 0;
	return mm->ldt->entries[idx];
}

/*
 * sel if loading it into a data segment register cannot fault, else 0
 * (Linux's segment-load fixups give 0 too).  The kernel loads user
 * selectors at context switch, sigreturn and exec; a fault there would be
 * a kernel-mode #GP, and for %gs one taken between two swapgs.  LAR with
 * RPL 3 already refuses anything of DPL below 3.
 */
u16 usable_data_sel(u16 sel)
{
	u32 ar = 0;
	bool ok;
	if (!(sel & ~3))
		return sel;			/* a null selector always loads */
	asm("lar %2, %0; setz %1" : "+r"(ar), "=qm"(ok) : "r"((u32)sel | 3) : "cc");
	if (!ok || !(ar & (1u << 15)) || !(ar & (1u << 12)))
		return 0;			/* not there, not present, or a system type */
	if (((ar >> 13) & 3) != 3)
		return 0;
	if ((ar & (1u << 11)) && !(ar & (1u << 9)))
		return 0;			/* execute-only code */
	return sel;
}

/* May sel be a stack segment for ring 3?  A present, writable DPL-3 data
 * segment (expand-down allowed), as Linux's force_valid_ss requires. */
bool usable_stack_sel(u16 sel)
{
	u32 ar = 0;
	bool ok;
	asm("lar %2, %0; setz %1" : "+r"(ar), "=qm"(ok) : "r"((u32)sel) : "cc");
	ar &= 0xfe00;			/* P, DPL, S, type without accessed */
	return ok && (ar == 0xf200 || ar == 0xf600);
}

#ifdef CONFIG_X86_32
/*
 * The i386 kernel runs with the user's FS and GS still loaded (it never
 * uses them), and its entry code saves them into every frame, kernel-mode
 * ones too, to be loaded again on the way out.  After an LDT entry or a
 * TLS slot changed, reload them so that the CPU holds the new descriptor,
 * or null if the selector no longer loads - as Linux i386 reloads GS
 * after set_thread_area and at exec.  The user's own values are in the
 * task's frame; the exit path loads those.
 */
void refresh_user_fs_gs(void)
{
	u16 fs, gs;
	asm volatile("movw %%fs, %0; movw %%gs, %1" : "=r"(fs), "=r"(gs));
	fs = usable_data_sel(fs), gs = usable_data_sel(gs);
	asm volatile("movw %0, %%fs; movw %1, %%gs" : : "r"(fs), "r"(gs));
}
#else
/* Load the four data selectors, each checked first: see usable_data_sel.
 * (The i386 kernel never loads user selectors itself: its exit path pops
 * them from the frame, turning a refused one into null.) */
void load_user_data_segs(u16 ds, u16 es, u16 fs, u16 gs)
{
	ds = usable_data_sel(ds), es = usable_data_sel(es);
	fs = usable_data_sel(fs), gs = usable_data_sel(gs);
	asm volatile("movw %0, %%ds; movw %1, %%es; movw %2, %%fs" : : "r"(ds), "r"(es), "r"(fs));
	asm volatile("swapgs; movw %0, %%gs; swapgs" : : "r"(gs));
}
#endif

static long read_ldt(void __user *ptr, unsigned long bytecount)
{
	const struct ldt *l = current->mm->ldt;
	if (!l)
		return 0;
	if (bytecount > LDT_ENTRIES * LDT_ENTRY_SIZE)
		bytecount = LDT_ENTRIES * LDT_ENTRY_SIZE;
	unsigned long have = MIN((unsigned long)l->nr_entries * LDT_ENTRY_SIZE, bytecount);
	if (copy_to_user(ptr, l->entries, have))
		return -EFAULT;
	/* Past the table: zeros, and the whole count reported as read. */
	if (have < bytecount && clear_user((char __user *)ptr + have, bytecount - have))
		return -EFAULT;
	return bytecount;
}

/* Linux's "default LDT": 128 zero bytes on x86-64, five zero descriptors
 * (40 bytes) on i386. */
static long read_default_ldt(void __user *ptr, unsigned long bytecount)
{
#ifdef CONFIG_X86_64
	bytecount = MIN(bytecount, 128UL);
#else
	bytecount = MIN(bytecount, 5UL * LDT_ENTRY_SIZE);
#endif
	if (clear_user(ptr, bytecount))
		return -EFAULT;
	return bytecount;
}

/* func 1 is the old interface (oldmode): no AVL bit, and base 0 with limit
 * 0 means "clear"; func 0x11 the new one. */
static long write_ldt(const void __user *ptr, unsigned long bytecount, bool oldmode)
{
	struct user_desc u;
	if (bytecount != sizeof(u))
		return -EINVAL;
	if (copy_from_user(&u, ptr, sizeof(u)))
		return -EFAULT;
	if (u.entry_number >= LDT_ENTRIES)
		return -EINVAL;
	/* Conforming code would run at the caller's CPL whatever its DPL;
	 * Linux accepts it only not present, and never from the old call. */
	if (u.contents == 3 && (oldmode || !u.seg_not_present))
		return -EINVAL;
	u64 desc = 0;
	if (!((oldmode && !u.base_addr && !u.limit) || user_desc_empty(&u))) {
		if (oldmode)
			u.useable = 0;
		/* 16-bit and not-present segments are legitimate here (DOS
		 * emulators, Wine): the exit path's espfix covers a 16-bit SS. */
		desc = user_desc_encode(&u);
	}
	struct mm *mm = current->mm;
	struct ldt *old = mm->ldt;
	unsigned int nr = MAX(u.entry_number + 1, old ? old->nr_entries : 0);
	struct ldt *new = ldt_alloc(nr);
	if (!new)
		return -ENOMEM;
	if (old)
		memcpy(new->entries, old->entries, old->nr_entries * LDT_ENTRY_SIZE);
	new->entries[u.entry_number] = desc;
	mm->ldt = new;
	ldt_load(mm);
	ldt_release(old);
#ifdef CONFIG_X86_32
	refresh_user_fs_gs();
#endif
	return 0;
}

SYSCALL_DEFINE3(modify_ldt, int, func, void __user *, ptr, unsigned long, bytecount)
{
	long ret = -ENOSYS;
	switch (func) {
	case 0: ret = read_ldt(ptr, bytecount); break;
	case 1: ret = write_ldt(ptr, bytecount, true); break;
	case 2: ret = read_default_ldt(ptr, bytecount); break;
	case 0x11: ret = write_ldt(ptr, bytecount, false); break;
	}
	/* Linux declares the result int and returns it zero-extended: a
	 * 64-bit caller sees -EINVAL as 0x00000000ffffffea in RAX. */
	return (unsigned int)ret;
}
