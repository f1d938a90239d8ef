/* User address spaces: page tables plus a sorted list of mappings (VMAs). */
#ifndef XENTRY_VM_H
#define XENTRY_VM_H
#include <xentry/types.h>

#define PROT_READ 1
#define PROT_WRITE 2
#define PROT_EXEC 4

#define VMA_STACK 1
#define VMA_BRK 2
#define VMA_VDSO 4
#define VMA_SHARED 8		/* MAP_SHARED: pages belong to ino, not to us */
#define VMA_MAYWRITE 16		/* shared: the file was open for writing */
#define VMA_VVAR 32		/* the vDSO's data page (docs/vdso.md) */
#define VMA_SYSVSHM 64		/* a shmat attachment (mm/shm.c) */

/*
 * The top of a 32-bit task's address space: 4 GiB for an i386 program on
 * the 64-bit kernel, 3 GiB on the native i386 kernel, whose top GiB is the
 * kernel's (docs/i386.md).  The 32-bit layout hangs from it, so both
 * kernels place things at the same distance from the top.
 */
#ifdef CONFIG_X86_32
#define USER32_TOP 0xc0000000UL
/* The whole 3 GiB is the user's: the stack ends at the top, as Linux's
 * i386 one does (exec.c puts it at TASK_SIZE_32). */
#define TASK_SIZE_32 USER32_TOP
#else
#define USER32_TOP 0x100000000UL
/* The top two pages of the 4 GiB are never user memory, as on Linux. */
#define TASK_SIZE_32 0xffffe000UL
#endif
/* Where the 32-bit vDSO goes: above the top-down mmap area, below the
 * stack (0xf7ff0000 on the 64-bit kernel, 0xb7ff0000 on i386). */
#define VDSO32_BASE (USER32_TOP - 0x08010000UL)
/* Where a 32-bit task's top-down mmap search starts (0xf7000000, or
 * 0xb7000000 on i386). */
#define MMAP_BASE_32 (USER32_TOP - 0x09000000UL)
/* The 64-bit one (up to 3 pages) ends where the stack's top used to be,
 * with its vvar page below it, a free page, then the stack (exec.c):
 * all in the 2 MiB page table the stack's top needs anyway.  Anywhere
 * else a 64-bit process would need one more page table, which every fork
 * copies and every exit frees (+15% on fork + exit, measured). */
#define VDSO64_BASE 0x7ffff7ffd000UL

struct inode;
struct ldt;

/*
 * One mapping [start, end).  A private file-backed mapping reads its pages
 * on first touch from ino at off + (va - start) into pages of its own;
 * bytes at or beyond file_end (a user address) are zero - that is how an
 * ELF segment's .bss tail is cleared.  A shared mapping (VMA_SHARED) maps
 * the file's own pages instead; shared anonymous memory is a shared
 * mapping of an anonymous ramfs file (mm/shmem.c, docs/memory.md).
 *
 * Every mapping of a file is on that file's list (i_next), so truncate can
 * find the pages it must take away from every address space.
 */
struct vma {
	unsigned long start, end;
	u32 prot, flags;
	struct inode *ino;
	u64 off;
	unsigned long file_end;
	struct vma *next;
	struct mm *mm;			/* the address space it belongs to */
	struct vma *i_next, **i_pprev;	/* the file's mappings */
};

struct mm {
	int users;			/* a vfork child shares its parent's */
	u64 *pgd;			/* top-level table: PML4, or i386's PAE PDPT */
	struct vma *vmas;
	unsigned long brk_start, brk;
	unsigned long mmap_base;	/* top-down search starts here */
	unsigned long limit;		/* end of the user range for this ABI */
	unsigned long vdso32;		/* base of the 32-bit vDSO, 0 if none */
	unsigned long vdso64;		/* base of the 64-bit vDSO, 0 if none */
	struct ldt *ldt;		/* modify_ldt's table, NULL if none */
	/* Set by execve for /proc/PID/{cmdline,environ,stat}: where the
	 * argument and environment strings and the initial sp are. */
	unsigned long arg_start, arg_end, env_start, env_end, start_stack;
	/* The program's text as execve mapped it: munmap leaves these (and
	 * statm's text) alone, as Linux's start_code/end_code. */
	unsigned long start_code, end_code;
	/* The file execve loaded (a reference), for /proc/PID/exe: its path
	 * is worked out when read, so a rename shows and exec pays nothing. */
	struct inode *exe;
};

#ifdef CONFIG_X86_32
/* The native i386 kernel has one kind of task. */
#define TASK_SIZE_MAX TASK_SIZE_32
/* Where the kernel's part of every address space starts: page tables
 * below it are the user's (PTE_U), and a fault there may be demand
 * paging. */
#define USER_SPACE_END USER32_TOP
#else
/* One past the highest user address a 64-bit task may map: 2^47 minus a
 * page.  The top page stays unmapped so no SYSCALL can sit at its end and
 * leave RCX non-canonical (Intel's SYSRET #GP, see sysret64_refusal). */
#define TASK_SIZE_MAX ((1UL << 47) - 4096)
/* The end of the lower canonical half: the user's part of every address
 * space (its page tables carry PTE_U; a fault there may be demand paging). */
#define USER_SPACE_END (1UL << 47)
#endif

struct mm *mm_create(bool is32);
void mm_put(struct mm *mm);		/* frees it with the last user */
struct mm *mm_copy(struct mm *old);
void switch_mm(struct mm *mm);

/* Map [start, start+len) (page-aligned); replaces anything there. */
int vma_map(struct mm *mm, unsigned long start, unsigned long len, u32 prot,
	    u32 flags, struct inode *ino, u64 off, unsigned long file_end);
int vma_unmap(struct mm *mm, unsigned long start, unsigned long len);
struct vma *vma_find(struct mm *mm, unsigned long addr);
/* A free gap of len bytes at or below the top-down cursor, or 0. */
unsigned long vma_find_free(struct mm *mm, unsigned long len);
/* Bring in a page now (ELF loader writes the stack before the task runs). */
int populate_page(struct mm *mm, unsigned long va, bool write);
/* ftruncate: take pages at or past file offset size out of every mapping
 * of ino, so touching them raises SIGBUS as on Linux. */
void unmap_file_beyond(struct inode *ino, loff_t size);

/* Kernel virtual memory for stacks (guard page below each). */
void *vmap_stack(void);
void vunmap_stack(void *base);
#ifdef CONFIG_X86_64
void *vmap_ist_stack(int ist);		/* IST 1-7 (asm/ist.h); at boot, for good */
#endif

/* What find_kernel_stack() says about an address. */
struct kernel_stack_info {
	const char *what;		/* "kernel stack" or "IST stack" (64-bit) */
	int index;			/* kernel-stack slot, or IST number */
	unsigned long base, top;	/* the mapped stack: [base, top) */
	bool in_guard;			/* addr is in the guard page below base */
};
bool find_kernel_stack(unsigned long addr, struct kernel_stack_info *info);
/* The kernel's own top-level table, loaded when no address space is: its
 * kernel part is the one every address space has (mm/vm.c). */
extern u64 *kernel_pgd;

/* The 32-bit vDSO (arch/x86/entry/vdso/vdso32-setup.c). */
int vdso32_map(struct mm *mm);
unsigned long vdso32_landing_pad(struct mm *mm);
unsigned long vdso32_sym(struct mm *mm, int which);	/* 0 vsyscall, 1 sigreturn, 2 rt_sigreturn */
void vdso32_moved(struct mm *mm, unsigned long base);	/* mremap moved it */
void vdso32_switch(struct mm *mm);			/* mm is now current */
extern const char *vdso32_mode;

/* Both vDSOs and the vvar page below each (arch/x86/entry/vdso/vdso.c). */
int vdso64_map(struct mm *mm);
unsigned long vdso_mapping_size(struct mm *mm);		/* the vDSO's, for mremap */
int vdso_map_image(struct mm *mm, unsigned long base);	/* [vvar] + [vdso] at base */
int vdso_fault(struct mm *mm, struct vma *v, unsigned long va);	/* refault of either */
void vdso_moved(struct mm *mm, unsigned long base);	/* mremap moved [vdso] */

#endif
