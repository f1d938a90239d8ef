/*
 * Physical page allocator: one bit per 4 KiB page, set = in use.  A bitmap
 * (rather than a free list) makes contiguous runs easy, which kmalloc's
 * large allocations need, and costs 32 KiB per GiB.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>

#define MAX_PHYS (4UL << 30)		/* RAM above 4 GiB is ignored */
#define MAX_PAGES (MAX_PHYS / PAGE_SIZE)

static u64 bitmap[MAX_PAGES / 64];
static size_t npages, nfree, hint;

static bool test(size_t pfn) { return bitmap[pfn / 64] & (1UL << (pfn % 64)); }
static void set(size_t pfn) { bitmap[pfn / 64] |= 1UL << (pfn % 64); }
static void clear(size_t pfn) { bitmap[pfn / 64] &= ~(1UL << (pfn % 64)); }

void pmm_init(unsigned long max_phys)
{
	npages = MIN(max_phys, MAX_PHYS) / PAGE_SIZE;
	memset(bitmap, 0xff, sizeof(bitmap));
}

void pmm_free_range(unsigned long start, unsigned long end)
{
	for (unsigned long p = ALIGN_UP(start, PAGE_SIZE); p + PAGE_SIZE <= end; p += PAGE_SIZE) {
		size_t pfn = p / PAGE_SIZE;
		if (pfn < npages && test(pfn)) {
			clear(pfn);
			nfree++;
		}
	}
}

void pmm_reserve_range(unsigned long start, unsigned long end)
{
	for (unsigned long p = ALIGN_DOWN(start, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		size_t pfn = p / PAGE_SIZE;
		if (pfn < npages && !test(pfn)) {
			set(pfn);
			nfree--;
		}
	}
}

void *alloc_pages(size_t n)
{
	size_t run = 0;
	for (size_t i = 0; i < npages; i++) {
		size_t pfn = (hint + i) % npages;
		if (pfn == 0)
			run = 0;
		if (test(pfn)) {
			run = 0;
			continue;
		}
		if (++run < n)
			continue;
		size_t first = pfn + 1 - n;
		for (size_t k = first; k <= pfn; k++)
			set(k);
		nfree -= n;
		hint = pfn + 1;
		void *va = __va(first * PAGE_SIZE);
		memset(va, 0, n * PAGE_SIZE);
		return va;
	}
	return NULL;
}

void *alloc_page(void)
{
	return alloc_pages(1);
}

void free_pages(void *p, size_t n)
{
	size_t pfn = __pa(p) / PAGE_SIZE;
	for (size_t k = pfn; k < pfn + n; k++) {
		BUG_ON(k >= npages || !test(k));
		clear(k);
	}
	nfree += n;
}

void free_page(void *p)
{
	free_pages(p, 1);
}

size_t free_page_count(void)
{
	return nfree;
}
