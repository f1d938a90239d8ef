/* Private to mm/: page-table helpers (vm.c) and the VMA machinery shared by
 * mmap.c, mprotect.c, mremap.c and shmem.c. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include <xentry/types.h>
#include <xentry/vm.h>

/* Page-table entry bits. */
#define PTE_P (1UL << 0)
#define PTE_W (1UL << 1)
#define PTE_U (1UL << 2)
#define PTE_PS (1UL << 7)
#define PTE_G (1UL << 8)
#define PTE_NX (1UL << 63)
#define PTE_ADDR 0x000ffffffffff000UL
/* Software bit (ignored by the CPU): the page belongs to a file or shared
 * object, so fork maps the same page in the child and it is never
 * copied on write.  A private PTE without it may still share its page
 * (copy-on-write after fork, or a file's page mapped by exec): then the
 * page's count is above 1 and the PTE is read-only (cow.c). */
#define PTE_SHARED (1UL << 9)

/* vm.c */
u64 *pte_walk(u64 *pml4, unsigned long va, bool create);
u64 *pte_lookup(u64 *pml4, unsigned long va, unsigned long *next);
u64 pte_flags_for(u32 prot);
bool mm_is_current(struct mm *mm);
struct mm *fault_mm(void);		/* the address space in CR3, or NULL */
void mm_unloaded(struct mm *mm);	/* mm is going: not in CR3 any more */
int map_user_page(struct mm *mm, unsigned long va, void *page, u32 prot);
int map_shared_page(struct mm *mm, unsigned long va, void *page, u32 prot);
void *user_page(struct mm *mm, unsigned long va);
void unmap_user_range(struct mm *mm, unsigned long start, unsigned long end);
void protect_user_range(struct mm *mm, unsigned long start, unsigned long end, u32 prot);
int move_user_range(struct mm *mm, unsigned long from, unsigned long to, unsigned long len);
u64 *pml4_create(void);
void pml4_destroy(u64 *pml4);
int pml4_copy_user(u64 *dst, u64 *src);

/* cow.c */
int cow_page(struct mm *mm, unsigned long va, bool writable);
bool pte_writable(struct mm *mm, unsigned long va);
int fill_private_file(struct mm *mm, struct vma *v, unsigned long va, bool write);

/* mmap.c */
int vma_split(struct vma *v, unsigned long addr);
bool range_free(struct mm *mm, unsigned long start, unsigned long end);
/* Put n (filled in by the caller, n->mm included) on mm's sorted list. */
void vma_insert(struct mm *mm, struct vma *n);
/* Every page of [start, end) lies in some mapping. */
bool range_mapped(struct mm *mm, unsigned long start, unsigned long end);

/* vm_limits.c: RLIMIT_AS, RLIMIT_DATA, RLIMIT_STACK.  start: where the
 * add bytes go if they may replace mappings (MAP_FIXED), else ~0UL. */
int vm_may_expand(struct mm *mm, unsigned long add, unsigned long start);
bool brk_within_limit(struct mm *mm, unsigned long newbrk);
bool stack_within_limit(const struct vma *v, unsigned long va);

/* shmem.c */
void vma_link_file(struct vma *v);	/* onto v->ino's list, if any */
void vma_unlink_file(struct vma *v);
int shared_fault(struct mm *mm, struct vma *v, unsigned long va);
struct inode *shmem_create(unsigned long len);

/* shm.c: a VMA_SYSVSHM mapping of ino is gone (detach, munmap, exit). */
void shm_vma_closed(struct inode *ino);

/*
 * Linux's mmap_min_addr (Debian: 64 KiB).  A hint below it is ignored.
 * MAP_FIXED below it needs CAP_SYS_RAWIO, which every xentry task has (all
 * run as root), so it is allowed, as for root on Linux.  Page 0 no longer
 * matters to the LDT (the LDTR is null without one, ldt.c), and SMEP keeps
 * the kernel from running user pages.
 */
#define MMAP_MIN_ADDR 0x10000UL

#define MAP_SHARED 0x01
#define MAP_PRIVATE 0x02
#define MAP_SHARED_VALIDATE 0x03
#define MAP_TYPE 0x0f
#define MAP_FIXED 0x10
#define MAP_ANONYMOUS 0x20
#define MAP_32BIT 0x40
#define MAP_FIXED_NOREPLACE 0x100000

#endif
