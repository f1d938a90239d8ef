/* Private to mm/: page-table helpers (vm.c) and the VMA machinery shared by
 * mmap.c, mprotect.c, mremap.c and shmem.c. */
#ifndef MM_INTERNAL_H
#define MM_INTERNAL_H
#include <xentry/types.h>
#include <xentry/vm.h>

/* Page-table entry bits.  Entries are 8 bytes on both kernels (i386 uses
 * PAE paging), so they are u64 - unsigned long long on i386, where an
 * unsigned long would lose NX and the upper address bits. */
#define PTE_P ((u64)1 << 0)
#define PTE_W ((u64)1 << 1)
#define PTE_U ((u64)1 << 2)
#define PTE_PCD ((u64)1 << 4)
#define PTE_PS ((u64)1 << 7)
#define PTE_G ((u64)1 << 8)
#define PTE_NX ((u64)1 << 63)
#define PTE_ADDR ((u64)0x000ffffffffff000ULL)
/* Software bit (ignored by the CPU): the page belongs to a file or shared
 * object, so fork maps the same page in the child and it is never
 * copied on write.  A private PTE without it may still share its page
 * (copy-on-write after fork, or a file's page mapped by exec): then the
 * page's count is above 1 and the PTE is read-only (cow.c). */
#define PTE_SHARED ((u64)1 << 9)

/*
 * The shape of the page tables.  Level 0 is the page table (PTEs), each
 * level above maps 512 times as much; the top level is the PGD: the PML4
 * on x86-64, the four-entry PDPT of PAE paging on i386.  The walkers in
 * vm.c work from these, for both.
 */
#ifdef CONFIG_X86_32
#define PT_LEVELS 3		/* PDPT, page directory, page table */
#define PGD_USER_ENTRIES 3	/* PDPT[0..2]: 0 - 0xc0000000; [3] is the kernel's */
#else
#define PT_LEVELS 4		/* PML4, PDPT, page directory, page table */
#define PGD_USER_ENTRIES 256	/* the lower canonical half */
#endif
#define PT_ENTRIES 512
#define PT_SHIFT(level) (PAGE_SHIFT + 9 * (level))
#define PT_INDEX(va, level) (((va) >> PT_SHIFT(level)) & (PT_ENTRIES - 1))

/*
 * Store a PTE.  On i386 an 8-byte entry is written as two 4-byte stores,
 * and the CPU may walk the tables between them (a speculative TLB fill):
 * it must never see the present low half of one entry beside the high
 * half (NX) of another.  So the entry is made not present first, then the
 * high half is written, then the low half with P.  A TLB entry filled
 * from an entry that is about to change is flushed by the invlpg or CR3
 * load every change of a present entry is followed by.  The halves are
 * may_alias: the compiler must not assume that stores through a u32 leave
 * a u64 it read before unchanged (fork's copy re-reads the entry).
 */
typedef u32 __attribute__((may_alias)) pte_half_t;

static inline void set_pte(u64 *pte, u64 v)
{
#ifdef CONFIG_X86_32
	volatile pte_half_t *half = (volatile pte_half_t *)pte;
	half[0] = 0;
	half[1] = (u32)(v >> 32);
	half[0] = (u32)v;
#else
	*pte = v;
#endif
}

/* NX when the CPU has it (EFER.NXE is set by cpu_early_init), else 0:
 * without NXE bit 63 is reserved and would make every access fault. */
extern u64 pte_nx;

/* The kernel's guarded stacks (kstack.c) and ioremap's pages go in one
 * area of the kernel part, the same in every address space. */
#ifdef CONFIG_X86_32
#define VMALLOC_START 0xf0000000UL
#define VMALLOC_END 0xff800000UL	/* pgtable_32.c has a table for all of it */
#else
#define VMALLOC_START 0xffffc90000000000UL
#endif

/* pgtable_32.c, pgtable_64.c: a new address space's top-level table,
 * with the kernel part (and on i386 the empty user page directories). */
u64 *pgd_create(void);

/* vm.c */
u64 *pte_walk(u64 *pgd, unsigned long va, bool create);
u64 *pte_lookup(u64 *pgd, unsigned long va, unsigned long *next);
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
void pgd_destroy(u64 *pgd);
int pgd_copy_user(u64 *dst, u64 *src);
/* Call fn for every present table below the top level of pgd's user part,
 * each after the tables below it (so fn may free it): level 0 is a page
 * table, va the first address it maps.  Stops at fn's first non-zero
 * return, which it returns. */
typedef int (*table_fn)(u64 *table, int level, unsigned long va, void *arg);
int walk_user_tables(u64 *pgd, table_fn fn, void *arg);

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
