/*
 * Kernel heap.  Small objects come from power-of-two buckets (32 B..2 KiB)
 * carved out of pages; anything larger gets its own contiguous pages.  A
 * 16-byte header in front of every object says which, so kfree needs no
 * size.  Memory is returned zeroed, except by kmalloc_uninit(), for a
 * buffer the caller fills before reading (exec's argument strings): a
 * 256 KiB buffer of which a few bytes are used should not cost 256 KiB of
 * stores.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>

#define HDR 16
#define MIN_SHIFT 5
#define MAX_SHIFT 11
#define MAGIC 0x6b6d616cUL

struct hdr { u32 magic, bucket; u64 npages; };
struct free_obj { struct free_obj *next; };
static struct free_obj *buckets[MAX_SHIFT + 1];

static void *do_kmalloc(size_t size, bool zero)
{
	size_t total = size + HDR;
	if (total > (1UL << MAX_SHIFT)) {
		size_t n = ALIGN_UP(total, PAGE_SIZE) / PAGE_SIZE;
		struct hdr *h = zero ? alloc_pages(n) : alloc_pages_uninit(n);
		if (!h)
			return NULL;
		*h = (struct hdr){ MAGIC, 0, n };
		return (char *)h + HDR;
	}
	unsigned b = MIN_SHIFT;
	while ((1UL << b) < total)
		b++;
	if (!buckets[b]) {
		char *page = alloc_page();
		if (!page)
			return NULL;
		for (size_t off = 0; off < PAGE_SIZE; off += 1UL << b) {
			struct free_obj *o = (void *)(page + off);
			o->next = buckets[b];
			buckets[b] = o;
		}
	}
	struct free_obj *o = buckets[b];
	buckets[b] = o->next;
	if (zero)
		memset(o, 0, 1UL << b);
	struct hdr *h = (void *)o;
	*h = (struct hdr){ MAGIC, b, 0 };
	return (char *)h + HDR;
}

void *kmalloc(size_t size)
{
	return do_kmalloc(size, true);
}

void *kmalloc_uninit(size_t size)
{
	return do_kmalloc(size, false);
}

void *kzalloc(size_t size)
{
	return kmalloc(size);
}

void kfree(void *p)
{
	if (!p)
		return;
	struct hdr *h = (void *)((char *)p - HDR);
	BUG_ON(h->magic != MAGIC);
	h->magic = 0;
	if (h->npages) {
		free_pages(h, h->npages);
		return;
	}
	struct free_obj *o = (void *)h;
	o->next = buckets[h->bucket];
	buckets[h->bucket] = o;
}
