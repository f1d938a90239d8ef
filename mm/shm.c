/*
 * System V shared memory: shmget, shmat, shmdt (shmctl is in shm_ctl.c).
 *
 * A segment is a shmem file (mm/shmem.c) with a key and a table slot;
 * attaching it is a shared mapping of that file marked VMA_SYSVSHM.  So
 * fork inherits attachments, and exec and exit detach them, with no code
 * of their own: mm_copy and mm_put already copy and drop file mappings.
 *
 * shm_nattch is not a counter kept in step by hooks: it is the number of
 * VMA_SYSVSHM mappings on the file's mapping list, which is exactly what
 * Linux counts (one per VMA: a split attachment counts twice, a fork
 * child's copy once more).  The one hook is vma_free() calling
 * shm_vma_closed(), because a segment marked IPC_RMID must go with its
 * last attachment, and shm_dtime/shm_lpid change on every detach,
 * munmap and exit alike.
 *
 * Ids are Linux's: slot + (seq << 15), slots handed out cyclically in a
 * window that grows with the number in use, seq bumped on wrapping, so a
 * stale id is EINVAL rather than naming a newer segment.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"
#include "shm.h"

struct shm_seg *shm_segs[SHM_SLOTS];
int shm_in_use;
static int last_idx = -1;
static u16 next_seq;

s64 shm_now(void)
{
	return (s64)(ktime_real_ns() / 1000000000ULL);
}

struct shm_seg *shm_lookup(int id)
{
	if (id < 0)
		return NULL;
	unsigned idx = (unsigned)id & SHM_IDX_MASK;
	struct shm_seg *s = idx < SHM_SLOTS ? shm_segs[idx] : NULL;
	if (!s || s->seq != ((unsigned)id >> SHM_SEQ_SHIFT))
		return NULL;
	return s;
}

unsigned long shm_nattch(const struct shm_seg *s)
{
	unsigned long n = 0;
	for (struct vma *v = *inode_mmaps(s->ino); v; v = v->i_next)
		if (v->flags & VMA_SYSVSHM)
			n++;
	return n;
}

static void shm_destroy(struct shm_seg *s)
{
	shm_segs[s->idx] = NULL;
	shm_in_use--;
	inode_put(s->ino);	/* the pages go with it: no mapping is left */
	kfree(s);
}

/* IPC_RMID: the key is free at once; the memory lives on while attached. */
void shm_mark_destroyed(struct shm_seg *s)
{
	s->key = IPC_PRIVATE;
	s->mode |= SHM_DEST;
	if (!shm_nattch(s))
		shm_destroy(s);
}

void shm_vma_closed(struct inode *ino)
{
	for (int i = 0; i < SHM_SLOTS; i++) {
		struct shm_seg *s = shm_segs[i];
		if (!s || s->ino != ino)
			continue;
		s->dtime = shm_now();
		s->lpid = current->tgid;
		if ((s->mode & SHM_DEST) && !shm_nattch(s))
			shm_destroy(s);
		return;
	}
}

/* Linux's ipc_idr_alloc: a cyclic search in [0, window). */
static int shm_alloc_slot(void)
{
	int window = MAX(shm_in_use * 3 / 2, SHM_MIN_CYCLE);
	window = MIN(window, SHM_SLOTS);
	for (int n = 0; n < window; n++) {
		int idx = (last_idx + 1 + n) % window;
		if (shm_segs[idx])
			continue;
		if (idx <= last_idx)
			next_seq = (u16)((next_seq + 1) % SHM_SEQ_MAX);
		last_idx = idx;
		return idx;
	}
	return -1;
}

static long shm_new(int key, size_t size, int flg)
{
	if (size < SHMMIN || size > SHMMAX)
		return -EINVAL;
	if (shm_in_use >= SHMMNI)
		return -ENOSPC;
	struct shm_seg *s = kzalloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ino = shmem_create(size);
	if (!s->ino) {
		kfree(s);
		return -ENOMEM;
	}
	int idx = shm_alloc_slot();
	if (idx < 0) {
		inode_put(s->ino);
		kfree(s);
		return -ENOSPC;
	}
	s->idx = idx;
	s->seq = next_seq;
	s->key = key;
	s->size = size;
	s->mode = (u32)flg & 0777;
	s->cpid = current->tgid;
	s->ctime = shm_now();
	shm_segs[idx] = s;
	shm_in_use++;
	return shm_id(s);
}

SYSCALL_DEFINE3(shmget, int, key, size_t, size, int, shmflg)
{
	return do_shmget(key, size, shmflg);
}

long do_shmget(int key, size_t size, int shmflg)
{
	if (key == IPC_PRIVATE)
		return shm_new(key, size, shmflg);
	for (int i = 0; i < SHM_SLOTS; i++) {
		struct shm_seg *s = shm_segs[i];
		if (!s || s->key != key)
			continue;
		if ((shmflg & IPC_CREAT) && (shmflg & IPC_EXCL))
			return -EEXIST;
		if (s->size < size)
			return -EINVAL;
		return shm_id(s);	/* root: no permission check */
	}
	if (!(shmflg & IPC_CREAT))
		return -ENOENT;
	return shm_new(key, size, shmflg);
}

/* Linux's do_shmat, checks in its order; the address or -errno. */
long do_shmat(int id, unsigned long addr, int flg)
{
	struct mm *mm = current->mm;
	if (addr) {
		if (addr & (SHMLBA - 1)) {
			if (!(flg & SHM_RND))
				return -EINVAL;
			addr &= ~(unsigned long)(SHMLBA - 1);
			if (!addr && (flg & SHM_REMAP))
				return -EINVAL;
		}
	} else if (flg & SHM_REMAP) {
		return -EINVAL;
	}
	struct shm_seg *s = shm_lookup(id);
	if (!s)
		return -EINVAL;
	u32 prot = PROT_READ | ((flg & SHM_RDONLY) ? 0 : PROT_WRITE) |
		   ((flg & SHM_EXEC) ? PROT_EXEC : 0);
	/* A read-only attachment is a read-only open of the file: mprotect
	 * may never make it writable (EACCES), as on Linux. */
	u32 vflags = VMA_SHARED | VMA_SYSVSHM | ((flg & SHM_RDONLY) ? 0 : VMA_MAYWRITE);
	unsigned long len = ALIGN_UP(s->size, PAGE_SIZE);
	if (addr) {
		if (!(flg & SHM_REMAP) &&
		    (addr + len < addr || !range_free(mm, addr, MIN(addr + len, mm->limit))))
			return -EINVAL;
		if (addr + len > mm->limit || addr + len < addr)
			return -ENOMEM;
	} else {
		addr = vma_find_free(mm, len);
		if (!addr)
			return -ENOMEM;
	}
	long err = vm_may_expand(mm, len, (flg & SHM_REMAP) ? addr : ~0UL);
	if (err)
		return err;
	/* SHM_REMAP over the last attachment of a segment marked IPC_RMID
	 * destroys it inside vma_map (shm_vma_closed): hold the file, and
	 * look the segment up again afterwards. */
	struct inode *ino = s->ino;
	inode_get(ino);
	err = vma_map(mm, addr, len, prot, vflags, ino, 0, addr + len);
	inode_put(ino);
	if (err)
		return err;
	s = shm_lookup(id);
	if (s) {
		s->atime = shm_now();
		s->lpid = current->tgid;
	}
	return (long)addr;
}

SYSCALL_DEFINE3(shmat, int, shmid, unsigned long, shmaddr, int, shmflg)
{
	return do_shmat(shmid, shmaddr, shmflg);
}

COMPAT_SYSCALL_DEFINE3(shmat, int, shmid, u32, shmaddr, int, shmflg)
{
	return do_shmat(shmid, shmaddr, shmflg);
}

/*
 * Linux finds the attachment by where it began (start - offset), so a
 * partly unmapped attachment is still detached by its original address;
 * every piece of the same segment in [addr, addr + size) goes.
 */
long do_shmdt(unsigned long addr)
{
	struct mm *mm = current->mm;
	if (addr & ~PAGE_MASK)
		return -EINVAL;
	struct inode *ino = NULL;
	unsigned long end = 0;
	for (struct vma *v = mm->vmas; v; v = v->next) {
		if ((v->flags & VMA_SYSVSHM) && v->start >= addr && v->start - v->off == addr) {
			ino = v->ino;
			end = addr + ALIGN_UP(inode_size(ino), PAGE_SIZE);
			break;
		}
	}
	if (!ino)
		return -EINVAL;
	/* The segment must outlive our unmapping even if this detach is
	 * what destroys it. */
	inode_get(ino);
	for (;;) {
		struct vma *hit = NULL;
		for (struct vma *v = mm->vmas; v && v->start < end; v = v->next)
			if (v->ino == ino && (v->flags & VMA_SYSVSHM) &&
			    v->start >= addr && v->start - v->off == addr) {
				hit = v;
				break;
			}
		if (!hit)
			break;
		vma_unmap(mm, hit->start, hit->end - hit->start);
	}
	inode_put(ino);
	return 0;
}

SYSCALL_DEFINE1(shmdt, unsigned long, shmaddr)
{
	return do_shmdt(shmaddr);
}
