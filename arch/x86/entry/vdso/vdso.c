/*
 * What both vDSOs share: the vvar page below each, the 64-bit vDSO's
 * mapping, and the mremap/refault hooks that work for either ABI
 * (docs/vdso.md).  The 32-bit vDSO's boot-time entry patching stays in
 * vdso32-setup.c.
 *
 * The vvar page is one kernel page for the whole machine, mapped
 * read-only into every process (a PTE with a reference of its own, as a
 * file's shared page is, so fork and unmap need nothing special).  The
 * kernel only ever writes it; it keeps its own copy of the clock, so a
 * process can at worst confuse its own clock reads, never the kernel's.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/sched.h>
#include <asm/vvar.h>
#include "vdso32-offsets.h"
#ifdef CONFIG_X86_64
#include "vdso64-offsets.h"
extern u8 vdso64_image[];
extern const unsigned long vdso64_image_size;
#else
/* The i386 kernel has no 64-bit vDSO: every address space is i386's. */
#define vdso64_image vdso32_image
#define vdso64_image_size vdso32_image_size
#define VDSO64_IMAGE_PAGES VDSO32_IMAGE_PAGES
#endif
extern u8 vdso32_image[];
extern const unsigned long vdso32_image_size;
int map_user_page(struct mm *mm, unsigned long va, void *page, u32 prot);
int map_shared_page(struct mm *mm, unsigned long va, void *page, u32 prot);

static struct vvar_data *vvar_page;

#define barrier() __asm__ volatile("" ::: "memory")

/*
 * Writers: the clock code in kernel/time.c, with interrupts off (the
 * kernel runs so), so no reader on this CPU runs in the middle.  But a
 * reader in user space can be interrupted between its reads and find on
 * return that the kernel changed the page: the odd/even sequence makes
 * it read again.  The compiler barriers keep the stores in that order;
 * x86 keeps stores in program order for any other observer.
 */
static void vvar_begin(void)
{
	*(volatile u32 *)&vvar_page->seq = vvar_page->seq + 1;
	barrier();
}

static void vvar_end(void)
{
	barrier();
	*(volatile u32 *)&vvar_page->seq = vvar_page->seq + 1;
}

/* Boot: the TSC calibration and the wall clock at boot (kernel/time.c). */
void vvar_init(u64 tsc_base, u64 mult, u64 wall_offset, u64 coarse_res)
{
	vvar_page = alloc_page();
	if (!vvar_page)
		panic("vvar: no page");
	vvar_begin();
	vvar_page->tsc_base = tsc_base;
	vvar_page->mult = mult;
	vvar_page->wall_offset = wall_offset;
	vvar_page->tai_offset = 0;
	vvar_page->coarse_res = coarse_res;
	vvar_page->clock_mode = VVAR_MODE_TSC;
	vvar_end();
}

/* settimeofday / clock_settime moved the wall clock. */
void vvar_set_wall(u64 wall_offset)
{
	if (!vvar_page)
		return;
	vvar_begin();
	vvar_page->wall_offset = wall_offset;
	vvar_end();
}

void vvar_set_tz(int minuteswest, int dsttime)
{
	if (!vvar_page)
		return;
	vvar_begin();
	vvar_page->tz_minuteswest = minuteswest;
	vvar_page->tz_dsttime = dsttime;
	vvar_end();
}

static bool mm_is32(struct mm *mm)
{
#ifdef CONFIG_X86_64
	return mm->limit == TASK_SIZE_32;
#else
	return true;
#endif
}

/*
 * One copy of each image, in pages of its own, made at the first exec
 * (after vdso32_init patched the 32-bit entry).  Every process maps
 * these pages copy-on-write, as fork shares a page: read-only, with a
 * reference of its own, so a write (ptrace's breakpoint, or the program
 * after mprotect) copies the page for that process alone.  Copying the
 * image at every exec cost a page allocation and a copy per page.
 */
static void *image_pages[2][3];	/* [is32][page] */

static void *image_page(bool is32, unsigned long index)
{
	void **slot = &image_pages[is32][index];
	if (!*slot) {
		const u8 *image = is32 ? vdso32_image : vdso64_image;
		unsigned long size = is32 ? vdso32_image_size : vdso64_image_size;
		unsigned long off = index * PAGE_SIZE;
		u8 *page = alloc_page();
		if (!page)
			return NULL;
		if (off < size)
			memcpy(page, image + off, MIN(PAGE_SIZE, size - off));
		*slot = page;
	}
	return *slot;
}

unsigned long vdso_mapping_size(struct mm *mm)
{
	return (mm_is32(mm) ? VDSO32_IMAGE_PAGES : VDSO64_IMAGE_PAGES) * PAGE_SIZE;
}

/* Never writable in the PTE: the page is shared, so a write must fault
 * and copy (cow.c), whatever the mapping's prot says. */
static int map_image_page(struct mm *mm, unsigned long va, unsigned long index, u32 prot)
{
	void *page = image_page(mm_is32(mm), index);
	if (!page)
		return -ENOMEM;
	get_page(page);
	int err = map_user_page(mm, va, page, prot & ~PROT_WRITE);
	if (err)
		put_page(page);
	return err;
}

/* The vvar page, read-only for good (mprotect refuses VMA_VVAR), at
 * base - PAGE_SIZE, then the image at base. */
int vdso_map_image(struct mm *mm, unsigned long base)
{
	unsigned long len = vdso_mapping_size(mm), vvar = base - PAGE_SIZE;
	int err = vma_map(mm, vvar, PAGE_SIZE, PROT_READ, VMA_VVAR, NULL, 0, 0);
	if (!err)
		err = map_shared_page(mm, vvar, vvar_page, PROT_READ);
	if (!err)
		err = vma_map(mm, base, len, PROT_READ | PROT_EXEC, VMA_VDSO, NULL, 0, 0);
	for (unsigned long off = 0; !err && off < len; off += PAGE_SIZE)
		err = map_image_page(mm, base + off, off / PAGE_SIZE, PROT_READ | PROT_EXEC);
	return err;
}

#ifdef CONFIG_X86_64
int vdso64_map(struct mm *mm)
{
	int err = vdso_map_image(mm, VDSO64_BASE);
	if (err)
		return err;
	mm->vdso64 = VDSO64_BASE;
	return 0;
}
#endif

/* A page of [vvar] or [vdso] that MADV_DONTNEED dropped: it comes back
 * as the kernel's page, as Linux's special mappings refault, not zeros. */
int vdso_fault(struct mm *mm, struct vma *v, unsigned long va)
{
	va &= PAGE_MASK;
	if (v->flags & VMA_VVAR)
		return map_shared_page(mm, va, vvar_page, PROT_READ);
	return map_image_page(mm, va, (va - v->start) / PAGE_SIZE, v->prot);
}

/* mremap moved [vdso] (whole) to base.  The vvar page stays where it
 * was, as on Linux: the moved vDSO's clock functions then read whatever
 * lies below their new place, so a program that moves it owns that. */
void vdso_moved(struct mm *mm, unsigned long base)
{
	if (mm_is32(mm))
		vdso32_moved(mm, base);
	else
		mm->vdso64 = base;
}
