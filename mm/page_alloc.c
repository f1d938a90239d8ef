/*
 * Physical page allocator: one bit per 4 KiB page, set = in use.  A bitmap
 * (rather than a free list) makes contiguous runs easy, which kmalloc's
 * large allocations need, and costs 32 KiB per GiB.
 *
 * Every page also has a reference count.  A page of a shared mapping is
 * held by the file (or shared-anonymous object) that owns it and by each
 * PTE that maps it, in any number of address spaces; those go away in any
 * order (munmap, exit, truncate, fork's failure path), and the count makes
 * the last one free the page, exactly once.  Pages with a single owner
 * (page tables, kernel stacks, private user pages) stay at 1, and
 * free_page() insists on that: freeing a page someone else still holds is
 * a kernel bug that must stop the machine, not become a use-after-free.
 * 32 bits cannot overflow: every reference is a PTE or a slot that itself
 * lives in RAM, far fewer than 2^32 of them.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>

/* Only pages the direct map reaches can be handed out (__va() must work
 * on them): on the 64-bit kernel RAM below 4 GiB, on i386 below 768 MiB
 * (docs/i386.md).  The rest is ignored. */
#ifdef CONFIG_X86_32
#define MAX_PHYS DIRECT_MAP_SIZE
#else
#define MAX_PHYS (4UL << 30)
#endif
#define MAX_PAGES (MAX_PHYS / PAGE_SIZE)

static u64 bitmap[MAX_PAGES / 64];
static u32 refcount[MAX_PAGES];
static size_t npages, nfree, hint, ntotal;	/* ntotal: usable RAM */

/* (u64)1, not 1UL: a bitmap word is 64 bits on i386 too. */
static bool test(size_t pfn) { return bitmap[pfn / 64] & ((u64)1 << (pfn % 64)); }
static void set(size_t pfn) { bitmap[pfn / 64] |= (u64)1 << (pfn % 64); }
static void clear(size_t pfn) { bitmap[pfn / 64] &= ~((u64)1 << (pfn % 64)); }

void pmm_init(unsigned long max_phys)
{
	npages = MIN(max_phys, MAX_PHYS) / PAGE_SIZE;
	memset(bitmap, 0xff, sizeof(bitmap));
}

void pmm_free_range(unsigned long start, unsigned long end)
{
	/* Nothing past npages is ever freed: stopping there also keeps
	 * p + PAGE_SIZE from wrapping for a range that ends at the top of a
	 * 32-bit address. */
	end = MIN(end, npages * PAGE_SIZE);
	for (unsigned long p = ALIGN_UP(start, PAGE_SIZE); p + PAGE_SIZE <= end; p += PAGE_SIZE) {
		size_t pfn = p / PAGE_SIZE;
		if (pfn < npages && test(pfn)) {
			clear(pfn);
			nfree++;
			ntotal++;
		}
	}
}

void pmm_reserve_range(unsigned long start, unsigned long end)
{
	end = MIN(end, npages * PAGE_SIZE);	/* as pmm_free_range */
	for (unsigned long p = ALIGN_DOWN(start, PAGE_SIZE); p < end; p += PAGE_SIZE) {
		size_t pfn = p / PAGE_SIZE;
		if (pfn < npages && !test(pfn)) {
			set(pfn);
			nfree--;
			ntotal--;
		}
	}
}

/*
 * Whole pages are cleared and copied a word at a time - eight bytes, or
 * four on i386, which has no stosq: under TCG's icount every iteration of
 * a rep string instruction is one retired instruction, so rep stosq costs
 * an eighth of the rep stosb that memset uses (and real CPUs are at least
 * as fast with it).
 */
void clear_pages(void *p, size_t n)
{
	size_t words = n * PAGE_SIZE / sizeof(long);
#ifdef CONFIG_X86_32
	asm volatile("rep stosl" : "+D"(p), "+c"(words) : "a"(0UL) : "memory");
#else
	asm volatile("rep stosq" : "+D"(p), "+c"(words) : "a"(0UL) : "memory");
#endif
}

void copy_page(void *dst, const void *src)
{
	size_t words = PAGE_SIZE / sizeof(long);
#ifdef CONFIG_X86_32
	asm volatile("rep movsl" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
#else
	asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(words) : : "memory");
#endif
}

static void *find_pages(size_t n)
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
		for (size_t k = first; k <= pfn; k++) {
			set(k);
			refcount[k] = 1;
		}
		nfree -= n;
		hint = pfn + 1;
		return __va(first * PAGE_SIZE);
	}
	return NULL;
}

/*
 * Out of pages in a task's context: the OOM killer (oom_kill.c) frees a
 * process's memory and the allocation is tried again; it fails (NULL, so
 * -ENOMEM, or for a page fault the pending SIGKILL) only when the caller
 * was itself chosen or is already dying.  Linux's rule: a GFP_KERNEL
 * allocation does not fail while something else can be killed.
 */
void *alloc_pages_uninit(size_t n)
{
	static bool in_oom;
	void *va;
	while (!(va = find_pages(n))) {
		struct task *t = current;
		/* A large contiguous run may fail for fragmentation alone:
		 * killing for it would not help (Linux's costly order). */
		if (n > 8 || in_oom || !t || !t->group || t->group->group_exit)
			return NULL;
		in_oom = true;
		bool retry = out_of_memory();
		in_oom = false;
		if (!retry)
			return NULL;
	}
	return va;
}

void *alloc_pages(size_t n)
{
	void *va = alloc_pages_uninit(n);
	if (va)
		clear_pages(va, n);
	return va;
}

void *alloc_page(void)
{
	return alloc_pages(1);
}

/* For a page the caller fills completely at once (a copy-on-write copy,
 * a page of file data): zeroing it first would be wasted work. */
void *alloc_page_uninit(void)
{
	return alloc_pages_uninit(1);
}

void free_pages(void *p, size_t n)
{
	size_t pfn = __pa(p) / PAGE_SIZE;
	for (size_t k = pfn; k < pfn + n; k++) {
		BUG_ON(k >= npages || !test(k));
		BUG_ON(refcount[k] != 1);
		refcount[k] = 0;
		clear(k);
	}
	nfree += n;
}

void free_page(void *p)
{
	free_pages(p, 1);
}

static size_t ref_pfn(void *p)
{
	size_t pfn = __pa(p) / PAGE_SIZE;
	BUG_ON(pfn >= npages || !test(pfn) || refcount[pfn] == 0);
	return pfn;
}

void get_page(void *p)
{
	refcount[ref_pfn(p)]++;
}

void put_page(void *p)
{
	size_t pfn = ref_pfn(p);
	if (refcount[pfn] > 1) {
		refcount[pfn]--;
		return;
	}
	free_pages(p, 1);
}

unsigned int page_count(void *p)
{
	return refcount[ref_pfn(p)];
}

size_t free_page_count(void)
{
	return nfree;
}

size_t total_page_count(void)
{
	return ntotal;
}
