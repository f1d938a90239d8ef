/*
 * /proc/PID/maps and smaps.  The line format is Linux's show_map_vma():
 * range, permissions, offset, device, inode, then - when there is a name -
 * spaces up to column 73 and the name.  A line without a name keeps the
 * trailing space after the inode, as Linux's does.  64-bit tasks end with
 * the [vsyscall] page, which Linux lists for every 64-bit process under
 * its default vsyscall=xonly even though no VMA of the process holds it.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include "internal.h"

void *user_page(struct mm *mm, unsigned long va);	/* mm/vm.c */

/* 25 + 6 * sizeof(void *) - 1: the width Linux pads the name column to
 * (72 on x86-64, for i386 tasks too; 48 on the i386 kernel). */
#define MAPS_NAME_COL (25 + 6 * (int)sizeof(void *) - 1)

static void name_of(struct mm *mm, struct vma *v, struct pbuf *pb)
{
	if (v->ino)
		proc_inode_path(v->ino, pb);
	else if (v->flags & VMA_VDSO)
		pb_printf(pb, "[vdso]");
	else if (v->flags & VMA_VVAR)
		pb_printf(pb, "[vvar]");
	else if (v->flags & VMA_STACK)
		pb_printf(pb, "[stack]");
	else if (mm->brk > mm->brk_start && v->start <= mm->brk &&
		 v->end >= mm->brk_start)
		pb_printf(pb, "[heap]");
}

/* off is a file offset: 64 bits wide on the i386 kernel too, as Linux
 * prints it. */
static void map_line(struct pbuf *pb, unsigned long start, unsigned long end,
		     u32 prot, bool shared, u64 off, u32 dev,
		     unsigned long ino, struct pbuf *name)
{
	size_t begin = pb->len;

	pb_printf(pb, "%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ", start, end,
		  prot & PROT_READ ? 'r' : '-', prot & PROT_WRITE ? 'w' : '-',
		  prot & PROT_EXEC ? 'x' : '-', shared ? 's' : 'p',
		  (unsigned long long)off, MAJOR(dev), MINOR(dev), ino);
	if (name && name->len) {
		size_t used = pb->len - begin;
		while (used++ < MAPS_NAME_COL)
			pb_write(pb, " ", 1);
		pb_write(pb, " ", 1);
		pb_write(pb, name->buf, name->len);
	}
	pb_write(pb, "\n", 1);
}

static void vma_line(struct mm *mm, struct vma *v, struct pbuf *pb)
{
	struct pbuf name = { 0 };

	name_of(mm, v, &name);
	map_line(pb, v->start, v->end, v->prot, v->flags & VMA_SHARED,
		 v->ino ? v->off : 0, v->ino ? v->ino->dev : 0,
		 v->ino ? v->ino->ino : 0, &name);
	pb->oom |= name.oom;
	pb_free(&name);
}

static void vsyscall_line(struct task *t, struct pbuf *pb)
{
#ifdef CONFIG_X86_64		/* the i386 kernel has no vsyscall page */
	struct pbuf name = { 0 };

	if (t->is32)
		return;
	pb_printf(&name, "[vsyscall]");
	map_line(pb, 0xffffffffff600000UL, 0xffffffffff601000UL, PROT_EXEC, false,
		 0, 0, 0, &name);
	pb_free(&name);
#endif
}

int proc_show_maps(struct task *t, struct pbuf *pb)
{
	if (!t->mm)
		return 0;
	for (struct vma *v = t->mm->vmas; v; v = v->next)
		vma_line(t->mm, v, pb);
	vsyscall_line(t, pb);
	return 0;
}

static void smaps_kb(struct pbuf *pb, const char *label, unsigned long kbytes)
{
	size_t n = strlen(label);

	pb_printf(pb, "%s", label);
	while (n++ < 16)
		pb_write(pb, " ", 1);
	pb_printf(pb, "%8lu kB\n", kbytes);
}

/* What one VMA (or, summed, the whole process) counts, in pages. */
struct smaps_sum {
	unsigned long rss, anon, file, shared;
};

/* The counters smaps and smaps_rollup share, from Rss on; rollup adds
 * the Pss split by kind after Pss_Dirty (Linux's __show_smap). */
static void smaps_counts(struct pbuf *pb, const struct smaps_sum *s, bool rollup)
{
	unsigned long k = PAGE_SIZE / 1024;
	unsigned long priv = s->rss - s->shared;

	smaps_kb(pb, "Rss:", s->rss * k);
	smaps_kb(pb, "Pss:", s->rss * k);
	smaps_kb(pb, "Pss_Dirty:", priv * k);
	if (rollup) {
		smaps_kb(pb, "Pss_Anon:", s->anon * k);
		smaps_kb(pb, "Pss_File:", s->file * k);
		smaps_kb(pb, "Pss_Shmem:", 0);
	}
	smaps_kb(pb, "Shared_Clean:", 0);
	smaps_kb(pb, "Shared_Dirty:", s->shared * k);
	smaps_kb(pb, "Private_Clean:", 0);
	smaps_kb(pb, "Private_Dirty:", priv * k);
	smaps_kb(pb, "Referenced:", s->rss * k);
	smaps_kb(pb, "Anonymous:", s->anon * k);
	smaps_kb(pb, "KSM:", 0);
	smaps_kb(pb, "LazyFree:", 0);
	smaps_kb(pb, "AnonHugePages:", 0);
	smaps_kb(pb, "ShmemPmdMapped:", 0);
	smaps_kb(pb, "FilePmdMapped:", 0);
	smaps_kb(pb, "Shared_Hugetlb:", 0);
	pb_printf(pb, "Private_Hugetlb: %7lu kB\n", 0UL);
	smaps_kb(pb, "Swap:", 0);
	smaps_kb(pb, "SwapPss:", 0);
	smaps_kb(pb, "Locked:", 0);
}

static void smaps_body(struct pbuf *pb, unsigned long size,
		       const struct smaps_sum *s, u32 prot, u32 flags)
{
	bool shared = flags & VMA_SHARED;

	smaps_kb(pb, "Size:", size * (PAGE_SIZE / 1024));
	smaps_kb(pb, "KernelPageSize:", 4);
	smaps_kb(pb, "MMUPageSize:", 4);
	smaps_counts(pb, s, false);
	/* "%8u" after the label's own padding: proc-empty-vm compares it. */
	pb_printf(pb, "THPeligible:    %8u\nVmFlags:%s%s%s%s mr mw me%s%s \n", 0,
		  prot & PROT_READ ? " rd" : "", prot & PROT_WRITE ? " wr" : "",
		  prot & PROT_EXEC ? " ex" : "", shared ? " sh" : "",
		  flags & VMA_STACK ? " gd" : "", shared ? "" : " ac");
}

static void vma_sum(struct mm *mm, struct vma *v, struct smaps_sum *s)
{
	unsigned long rss = 0;

	for (unsigned long va = v->start; va < v->end; va += PAGE_SIZE)
		if (user_page(mm, va))
			rss++;
	s->rss += rss;
	if (v->flags & VMA_SHARED)
		s->shared += rss;
	/* A present page of a private file mapping is counted anonymous
	 * (it may have been copied on write; xentry keeps no dirty bit). */
	if (!v->ino || !(v->flags & VMA_SHARED))
		s->anon += rss;
	else
		s->file += rss;
}

int proc_show_smaps(struct task *t, struct pbuf *pb)
{
	struct mm *mm = t->mm;
	static const struct smaps_sum none;

	if (!mm)
		return 0;
	for (struct vma *v = mm->vmas; v; v = v->next) {
		struct smaps_sum s = { 0 };
		vma_sum(mm, v, &s);
		vma_line(mm, v, pb);
		smaps_body(pb, (v->end - v->start) / PAGE_SIZE, &s, v->prot, v->flags);
	}
	if (!t->is32) {
		vsyscall_line(t, pb);
		smaps_body(pb, 1, &none, PROT_EXEC, 0);
	}
	return 0;
}

/*
 * smaps_rollup: one header spanning the first VMA's start to the last
 * one's end (zeros for an empty address space; the [vsyscall] page is no
 * VMA and stays out), named [rollup], then the sums without the
 * per-VMA lines (Size, page sizes, THPeligible, VmFlags).
 */
int proc_show_smaps_rollup(struct task *t, struct pbuf *pb)
{
	struct mm *mm = t->mm;
	struct smaps_sum s = { 0 };
	unsigned long start = 0, end = 0;
	struct pbuf name = { 0 };

	if (!mm)
		return -ESRCH;		/* a zombie: Linux's read fails so too */
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if (v == mm->vmas)
			start = v->start;
		end = v->end;
		vma_sum(mm, v, &s);
	}
	pb_printf(&name, "[rollup]");
	map_line(pb, start, end, 0, false, 0, 0, 0, &name);
	pb_free(&name);
	smaps_counts(pb, &s, true);
	return 0;
}
