/* Physical pages, the kernel heap and address-space helpers (mm/). */
#ifndef XENTRY_MM_H
#define XENTRY_MM_H
#include <xentry/types.h>

#define PAGE_SHIFT 12
#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))

/* Every physical page is reachable at PAGE_OFFSET + phys (the direct map). */
#ifdef CONFIG_X86_32
/* i386 (docs/i386.md): the kernel image is the start of the direct map
 * (linked at 0xc0100000, loaded at 1 MiB), and the direct map ends at
 * 0xf0000000, so RAM above DIRECT_MAP_SIZE is never used. */
#define PAGE_OFFSET 0xc0000000UL
#define KERNEL_VMA PAGE_OFFSET
#define DIRECT_MAP_SIZE 0x30000000UL
#else
#define PAGE_OFFSET 0xffff888000000000UL
#define KERNEL_VMA 0xffffffff80000000UL
#endif
#define __va(pa) ((void *)((unsigned long)(pa) + PAGE_OFFSET))
#define __pa(va) ((unsigned long)(va) - PAGE_OFFSET)

/* Page allocator: returns zeroed pages (direct-map addresses) or NULL. */
void *alloc_page(void);
void *alloc_pages(size_t n);		/* n physically contiguous pages */
/* Not zeroed: only for a page the caller overwrites entirely at once. */
void *alloc_page_uninit(void);
void *alloc_pages_uninit(size_t n);
void clear_pages(void *p, size_t n);
void copy_page(void *dst, const void *src);
void free_page(void *p);
void free_pages(void *p, size_t n);	/* only pages nobody else holds */
/* References on one page (a new page has one): the last put frees it. */
void get_page(void *p);
void put_page(void *p);
unsigned int page_count(void *p);
size_t free_page_count(void);
size_t total_page_count(void);
/* mm/oom_kill.c: kill the largest process; true if retrying may succeed. */
bool out_of_memory(void);

/* Kernel heap: any size; memory is zeroed. */
void *kmalloc(size_t size);
void *kzalloc(size_t size);
void *kmalloc_uninit(size_t size);	/* not zeroed: the caller fills it */
void kfree(void *p);

#endif
