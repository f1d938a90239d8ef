/*
 * shmctl for both ABIs, and the i386 ipc(2) multiplexer.
 *
 * Three user layouts: the x86-64 shmid64_ds; the i386 one (IPC_64: the
 * direct shmctl always, ipc(2) when the command carries IPC_64, as glibc
 * sends it), whose times are split into low and high words; and the old
 * i386 shmid_ds (ipc(2) without IPC_64) with 16-bit ids and pids.  One
 * kernel-side snapshot (struct shm_stat) feeds all three.
 *
 * Every task runs as root, so IPC_STAT/IPC_SET/IPC_RMID never meet a
 * permission check and SHM_STAT_ANY is SHM_STAT.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "shm.h"

struct shm_stat {
	int key;
	u32 uid, gid, cuid, cgid, mode;
	u16 seq;
	u64 segsz;
	s64 atime, dtime, ctime;
	pid_t cpid, lpid;
	u64 nattch;
};

/* x86-64's layout, whose 64-bit fields are 8-byte aligned: i386 aligns
 * a long long to 4 in a struct, and the i386 kernel compiles this too. */
typedef u64 u64_a8 __aligned(8);
typedef s64 s64_a8 __aligned(8);
struct ipc64_perm_64 {
	int key;
	u32 uid, gid, cuid, cgid, mode;
	u16 seq, pad2;
	u64_a8 unused1, unused2;
};
struct shmid64_ds_64 {
	struct ipc64_perm_64 perm;
	u64_a8 segsz;
	s64_a8 atime, dtime, ctime;
	int cpid, lpid;
	u64_a8 nattch, unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_ds_64) == 112, "x86-64 shmid64_ds");

struct ipc64_perm_32 {
	int key;
	u32 uid, gid, cuid, cgid;
	u16 mode, pad1, seq, pad2;
	u32 unused1, unused2;
};
struct shmid64_ds_32 {
	struct ipc64_perm_32 perm;
	u32 segsz;
	u32 atime, atime_high, dtime, dtime_high, ctime, ctime_high;
	int cpid, lpid;
	u32 nattch, unused4, unused5;
};
_Static_assert(sizeof(struct shmid64_ds_32) == 84, "i386 shmid64_ds");

struct shmid_ds_old {
	int key;
	u16 uid, gid, cuid, cgid, mode, seq;
	int segsz;
	s32 atime, dtime, ctime;
	u16 cpid, lpid, nattch, unused;
	u32 unused2, unused3;
};
_Static_assert(sizeof(struct shmid_ds_old) == 48, "i386 old shmid_ds");

enum shm_abi { ABI_64, ABI_32, ABI_OLD };

static void shm_snapshot(const struct shm_seg *s, struct shm_stat *st)
{
	*st = (struct shm_stat){
		.key = s->key, .uid = s->uid, .gid = s->gid, .cuid = 0, .cgid = 0,
		.mode = s->mode, .seq = s->seq, .segsz = s->size,
		.atime = s->atime, .dtime = s->dtime, .ctime = s->ctime,
		.cpid = s->cpid, .lpid = s->lpid, .nattch = shm_nattch(s),
	};
}

static int put_stat(void __user *buf, const struct shm_stat *st, enum shm_abi abi)
{
	if (abi == ABI_64) {
		struct shmid64_ds_64 d = {
			.perm = { .key = st->key, .uid = st->uid, .gid = st->gid,
				  .cuid = st->cuid, .cgid = st->cgid, .mode = st->mode,
				  .seq = st->seq },
			.segsz = st->segsz, .atime = st->atime, .dtime = st->dtime,
			.ctime = st->ctime, .cpid = st->cpid, .lpid = st->lpid,
			.nattch = st->nattch,
		};
		return copy_to_user(buf, &d, sizeof(d));
	}
	if (abi == ABI_32) {
		struct shmid64_ds_32 d = {
			.perm = { .key = st->key, .uid = st->uid, .gid = st->gid,
				  .cuid = st->cuid, .cgid = st->cgid, .mode = (u16)st->mode,
				  .seq = st->seq },
			.segsz = (u32)st->segsz,
			.atime = (u32)st->atime, .atime_high = (u32)((u64)st->atime >> 32),
			.dtime = (u32)st->dtime, .dtime_high = (u32)((u64)st->dtime >> 32),
			.ctime = (u32)st->ctime, .ctime_high = (u32)((u64)st->ctime >> 32),
			.cpid = st->cpid, .lpid = st->lpid, .nattch = (u32)st->nattch,
		};
		return copy_to_user(buf, &d, sizeof(d));
	}
	struct shmid_ds_old d = {
		.key = st->key, .uid = (u16)st->uid, .gid = (u16)st->gid,
		.cuid = (u16)st->cuid, .cgid = (u16)st->cgid, .mode = (u16)st->mode,
		.seq = st->seq, .segsz = (int)st->segsz, .atime = (s32)st->atime,
		.dtime = (s32)st->dtime, .ctime = (s32)st->ctime,
		.cpid = (u16)st->cpid, .lpid = (u16)st->lpid, .nattch = (u16)st->nattch,
	};
	return copy_to_user(buf, &d, sizeof(d));
}

/* IPC_SET reads only uid, gid and the permission bits. */
static int get_set(const void __user *buf, enum shm_abi abi, u32 *uid, u32 *gid, u32 *mode)
{
	if (abi == ABI_64) {
		struct shmid64_ds_64 d;
		if (copy_from_user(&d, buf, sizeof(d)))
			return -EFAULT;
		*uid = d.perm.uid, *gid = d.perm.gid, *mode = d.perm.mode;
	} else if (abi == ABI_32) {
		struct shmid64_ds_32 d;
		if (copy_from_user(&d, buf, sizeof(d)))
			return -EFAULT;
		*uid = d.perm.uid, *gid = d.perm.gid, *mode = d.perm.mode;
	} else {
		struct shmid_ds_old d;
		if (copy_from_user(&d, buf, sizeof(d)))
			return -EFAULT;
		*uid = d.uid, *gid = d.gid, *mode = d.mode;
	}
	return 0;
}

static int max_idx(void)
{
	int m = 0;
	for (int i = 0; i < SHM_SLOTS; i++)
		if (shm_segs[i])
			m = i;
	return m;
}

static long shm_info_cmd(int cmd, void __user *buf, enum shm_abi abi)
{
	int err;
	if (cmd == IPC_INFO) {
		u64 v[5] = { SHMMAX, SHMMIN, SHMMNI, SHMMNI, SHMALL };
		if (abi == ABI_64) {
			u64 out[9] = { v[0], v[1], v[2], v[3], v[4] };
			err = copy_to_user(buf, out, sizeof(out));
		} else {
			/* Linux clamps shmmax to INT_MAX for i386 programs on
			 * a 64-bit kernel and truncates the rest; the old
			 * layout is five ints.  A native i386 kernel clamps
			 * only the old layout: shminfo64's unsigned long
			 * holds SHMMAX there. */
			u32 out[9] = { 0x7fffffff, (u32)v[1], (u32)v[2], (u32)v[3], (u32)v[4] };
#ifdef CONFIG_X86_32
			if (abi == ABI_32)
				out[0] = (u32)v[0];
#endif
			err = copy_to_user(buf, out, abi == ABI_32 ? sizeof(out) : 5 * sizeof(u32));
		}
		return err ? -EFAULT : max_idx();
	}
	/* SHM_INFO: used_ids, then totals in pages.  Resident and swap
	 * counts are 0: shmem pages are made on first touch and xentry
	 * does not count them per segment (docs/memory.md). */
	u64 tot = 0;
	for (int i = 0; i < SHM_SLOTS; i++)
		if (shm_segs[i])
			tot += (shm_segs[i]->size + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (abi == ABI_64) {
		struct { int used_ids; u32 pad; u64 tot, rss, swp, att, succ; } i = {
			.used_ids = shm_in_use, .tot = tot };
		err = copy_to_user(buf, &i, sizeof(i));
	} else {
		u32 i[6] = { (u32)shm_in_use, (u32)tot };
		err = copy_to_user(buf, i, sizeof(i));
	}
	return err ? -EFAULT : max_idx();
}

static long do_shmctl(int id, int cmd, void __user *buf, enum shm_abi abi)
{
	if (cmd < 0 || id < 0)
		return -EINVAL;
	struct shm_seg *s;
	struct shm_stat st;
	switch (cmd) {
	case IPC_INFO:
	case SHM_INFO:
		return shm_info_cmd(cmd, buf, abi);
	case SHM_STAT:
	case SHM_STAT_ANY:
		/* By slot index, not id; answers with the id. */
		s = (id & SHM_IDX_MASK) < SHM_SLOTS ? shm_segs[id & SHM_IDX_MASK] : NULL;
		if (!s)
			return -EINVAL;
		shm_snapshot(s, &st);
		return put_stat(buf, &st, abi) ? -EFAULT : shm_id(s);
	case IPC_STAT:
		s = shm_lookup(id);
		if (!s)
			return -EINVAL;
		shm_snapshot(s, &st);
		return put_stat(buf, &st, abi) ? -EFAULT : 0;
	case IPC_SET: {
		u32 uid, gid, mode;
		if (get_set(buf, abi, &uid, &gid, &mode))
			return -EFAULT;
		s = shm_lookup(id);
		if (!s)
			return -EINVAL;
		s->uid = uid;
		s->gid = gid;
		s->mode = (s->mode & ~0777u) | (mode & 0777);
		s->ctime = shm_now();
		return 0;
	}
	case IPC_RMID:
		s = shm_lookup(id);
		if (!s)
			return -EINVAL;
		shm_mark_destroyed(s);
		return 0;
	case SHM_LOCK:
	case SHM_UNLOCK:
		/* Nothing is ever swapped: the flag is all there is. */
		s = shm_lookup(id);
		if (!s)
			return -EINVAL;
		if (cmd == SHM_LOCK)
			s->mode |= SHM_LOCKED;
		else
			s->mode &= ~(u32)SHM_LOCKED;
		return 0;
	}
	return -EINVAL;
}

SYSCALL_DEFINE3(shmctl, int, shmid, int, cmd, void __user *, buf)
{
	return do_shmctl(shmid, cmd, buf, ABI_64);
}

COMPAT_SYSCALL_DEFINE3(shmctl, int, shmid, int, cmd, u32, buf)
{
	return do_shmctl(shmid, cmd, (void __user *)(unsigned long)buf, ABI_32);
}

#define IPCOP_SHMAT 21
#define IPCOP_SHMDT 22
#define IPCOP_SHMGET 23
#define IPCOP_SHMCTL 24

/*
 * i386 ipc(2): the call number's high 16 bits are a version.  Only the
 * shared-memory calls exist; semaphores and message queues are ENOSYS
 * (xentry has neither, docs/memory.md), as is an unknown call.
 */
COMPAT_SYSCALL_DEFINE6(ipc, u32, call, int, first, int, second, u32, third,
		       u32, ptr, u32, fifth)
{
	int version = (int)(call >> 16);
	void __user *uptr = (void __user *)(unsigned long)ptr;
	switch (call & 0xffff) {
	case IPCOP_SHMAT: {
		if (version == 1)
			return -EINVAL;	/* the iBCS2 form, never for i386 */
		long addr = do_shmat(first, ptr, second);
		if (addr < 0 && addr > -4096)
			return addr;
		u32 __user *res = (u32 __user *)(unsigned long)third;
		return put_user((u32)addr, res) ? -EFAULT : 0;
	}
	case IPCOP_SHMDT:
		return do_shmdt(ptr);
	case IPCOP_SHMGET:
		return do_shmget(first, (u32)second, (int)third);
	case IPCOP_SHMCTL:
		if (second & IPC_64)
			return do_shmctl(first, second & ~IPC_64, uptr, ABI_32);
		return do_shmctl(first, second, uptr, ABI_OLD);
	}
	return -ENOSYS;
}
