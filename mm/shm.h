/* System V shared memory, shared by mm/shm.c and mm/shm_ctl.c. */
#ifndef MM_SHM_H
#define MM_SHM_H
#include <xentry/types.h>

#define IPC_PRIVATE 0
#define IPC_CREAT 01000
#define IPC_EXCL 02000
#define IPC_RMID 0
#define IPC_SET 1
#define IPC_STAT 2
#define IPC_INFO 3
#define IPC_64 0x0100
#define SHM_LOCK 11
#define SHM_UNLOCK 12
#define SHM_STAT 13
#define SHM_INFO 14
#define SHM_STAT_ANY 15
#define SHM_RDONLY 010000
#define SHM_RND 020000
#define SHM_REMAP 040000
#define SHM_EXEC 0100000
#define SHM_DEST 01000		/* in shm_perm.mode */
#define SHM_LOCKED 02000
#define SHMLBA 4096

/* Linux's defaults (include/uapi/linux/shm.h, ipc/util.h). */
#define SHMMIN 1UL
#define SHMMAX (~0UL - (1UL << 24))
#define SHMALL (~0UL - (1UL << 24))
#define SHMMNI 4096
#define SHM_SEQ_SHIFT 15
#define SHM_IDX_MASK ((1u << SHM_SEQ_SHIFT) - 1)
#define SHM_SEQ_MAX (0x7fffffff >> SHM_SEQ_SHIFT)	/* seq stays < 2^16 */
#define SHM_MIN_CYCLE 64
/* The cyclic window never passes in_use * 3 / 2 < SHMMNI * 3 / 2. */
#define SHM_SLOTS (SHMMNI * 3 / 2)

struct inode;

struct shm_seg {
	int idx;
	u16 seq;
	int key;
	struct inode *ino;
	size_t size;
	u32 uid, gid, mode;		/* mode: 0777 | SHM_DEST | SHM_LOCKED */
	pid_t cpid, lpid;
	s64 atime, dtime, ctime;
};

extern struct shm_seg *shm_segs[SHM_SLOTS];
extern int shm_in_use;

static inline int shm_id(const struct shm_seg *s)
{
	return (int)(((u32)s->seq << SHM_SEQ_SHIFT) + (u32)s->idx);
}
struct shm_seg *shm_lookup(int id);
unsigned long shm_nattch(const struct shm_seg *s);
void shm_mark_destroyed(struct shm_seg *s);
s64 shm_now(void);
long do_shmget(int key, size_t size, int flg);
long do_shmat(int id, unsigned long addr, int flg);
long do_shmdt(unsigned long addr);
#endif
