/*
 * Symbol lookup for backtraces.  The table is generated from `nm` of a
 * first link (tools/gen-kallsyms.py) and linked last into .kallsyms, so
 * adding it moves no code and the addresses stay true.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>

/* Addresses print at their full width: 16 digits, or 8 on i386.  A
 * kernel frame pointer is word-aligned and in the kernel's part of the
 * address space: the upper canonical half on x86-64, from PAGE_OFFSET
 * (the direct map, the kernel's lowest region) on i386. */
#ifdef CONFIG_X86_64
#define ADDR_FMT "%016lx"
#define KERNEL_ADDR_MIN 0xffff800000000000UL
#else
#define ADDR_FMT "%08lx"
#define KERNEL_ADDR_MIN PAGE_OFFSET
#endif

extern const unsigned long kallsyms_num;
extern const unsigned long kallsyms_addrs[];
extern const unsigned long kallsyms_names[];
extern const char kallsyms_strings[];
extern char _text[], _etext[];

const char *kallsyms_lookup(unsigned long addr, unsigned long *offset)
{
	if (addr < (unsigned long)_text || addr >= (unsigned long)_etext)
		return NULL;
	unsigned long lo = 0, hi = kallsyms_num;
	if (!hi)
		return NULL;
	while (hi - lo > 1) {		/* last symbol with address <= addr */
		unsigned long mid = (lo + hi) / 2;
		if (kallsyms_addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	if (kallsyms_addrs[lo] > addr)
		return NULL;
	*offset = addr - kallsyms_addrs[lo];
	return kallsyms_strings + kallsyms_names[lo];
}

static void print_addr(unsigned long addr, void (*out)(const char *))
{
	char buf[160];
	unsigned long off;
	const char *name = kallsyms_lookup(addr, &off);
	if (name)
		snprintf(buf, sizeof(buf), "  [<" ADDR_FMT ">] %s+0x%lx\n", addr, name, off);
	else
		snprintf(buf, sizeof(buf), "  [<" ADDR_FMT ">] ?\n", addr);
	out(buf);
}

/* Walks the frame-pointer chain (the kernel is built with
 * -fno-omit-frame-pointer); stops at rbp 0 (set by the boot code and for
 * every new task), a misaligned or non-kernel frame, or 32 frames. */
void dump_backtrace(unsigned long rbp, void (*out)(const char *))
{
	out("Call trace:\n");
	for (int i = 0; i < 32 && rbp; i++) {
		if ((rbp & (sizeof(long) - 1)) || rbp < KERNEL_ADDR_MIN)
			break;
		unsigned long ret = ((unsigned long *)rbp)[1];
		print_addr(ret, out);
		rbp = ((unsigned long *)rbp)[0];
	}
}

void dump_symbol(unsigned long addr, void (*out)(const char *))
{
	print_addr(addr, out);
}
