/*
 * Inodes of the RAM filesystem: allocation and lifetime, directory
 * entries, and the page array that holds a regular file's bytes.
 *
 * Lifetime: an inode is freed when nobody names it (nlink == 0, or it is
 * anonymous like a pipe) and nobody uses it (count == 0).  So a file that
 * is unlinked while open stays readable until its last close, as on Linux.
 *
 * File data lives in individually allocated 4 KiB pages, reached through
 * an array of page pointers that grows by doubling.  That keeps every
 * allocation small (a 1 MiB binary needs 256 pages and a 2 KiB array),
 * gives sparse files for free (a NULL slot is a hole and reads as zeros),
 * and maps directly onto what mmap will want: one page per file page.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include <xentry/vm.h>
#include "internal.h"

bool fs_unpacking;
unsigned long fs_nr_inodes, fs_nr_pages;
static unsigned long next_ino = 1;	/* the root gets 1, as on Linux */

s64 fs_now(void)
{
	return (s64)ktime_real_ns();
}

struct inode *inode_new(mode_t mode)
{
	struct inode *ino = kzalloc(sizeof(*ino));

	if (!ino)
		return NULL;
	ino->ino = next_ino++;
	ino->mode = mode;
	ino->count = 1;
	ino->dev = ROOTFS_DEV;
	fs_nr_inodes++;
	ino->atime = ino->mtime = ino->ctime = fs_now();
	if (S_ISDIR(mode)) {
		/* tmpfs reports an empty directory as 2 entries: . and .. */
		ino->size = 2 * BOGO_DIRENT_SIZE;
		ino->u.dir.next_cookie = 2;	/* 0 and 1 are . and .. */
	}
	return ino;
}

void inode_touch(struct inode *ino, bool mtime)
{
	if (fs_unpacking)	/* initramfs sets the archive's times itself */
		return;
	ino->ctime = fs_now();
	if (mtime)
		ino->mtime = ino->ctime;
}

static void free_data(struct inode *ino)
{
	if (S_ISREG(ino->mode)) {
		/* put, not free: a page may still be mapped somewhere. */
		for (size_t i = 0; i < ino->u.reg.nslots; i++)
			if (ino->u.reg.pages[i])
				put_page(ino->u.reg.pages[i]);
		if (ino->u.reg.pages)
			kfree(ino->u.reg.pages);
		fs_nr_pages -= ino->u.reg.nalloc;
	} else if (S_ISDIR(ino->mode)) {
		/* rmdir only removes empty directories, so no entries remain;
		 * the reference on the parent is what kept ".." valid. */
		struct inode *parent = ino->u.dir.parent;
		if (parent && parent != ino)
			inode_put(parent);
	} else if (S_ISLNK(ino->mode) && ino->u.lnk.target) {
		kfree(ino->u.lnk.target);
	}
}

void inode_maybe_free(struct inode *ino)
{
	if (ino->count == 0 && (ino->nlink == 0 || ino->anon)) {
		free_data(ino);
		kfree(ino);
		fs_nr_inodes--;
	}
}

void inode_get(struct inode *ino)
{
	ino->count++;
}

void inode_put(struct inode *ino)
{
	if (!ino)
		return;
	BUG_ON(ino->count == 0);
	ino->count--;
	inode_maybe_free(ino);
}

struct inode *inode_new_shmem(loff_t size)
{
	struct inode *ino = inode_new(S_IFREG | 0600);

	if (ino) {
		ino->anon = true;
		ino->size = size;
	}
	return ino;
}

struct vma **inode_mmaps(struct inode *ino)
{
	return &ino->mmaps;
}

bool inode_is_reg(const struct inode *ino)
{
	return S_ISREG(ino->mode);
}

bool inode_is_exec(const struct inode *ino)
{
	return (ino->mode & S_IXUGO) != 0;
}

loff_t inode_size(const struct inode *ino)
{
	return ino->size;
}

/* ---- regular file data ---- */

/*
 * tmpfs's default size: half of RAM.  File pages come from the same
 * allocator as everything else, so without a limit filling /tmp would
 * leave nothing for processes and wake the OOM killer; at the limit a
 * write gets ENOSPC (or is short) instead, and statfs reports the same
 * numbers.  Anonymous shared memory counts towards the total but is not
 * refused here: Linux keeps it on an internal mount of its own.
 */
unsigned long fs_max_pages(void)
{
	return total_page_count() / 2;
}

static bool fs_full(const struct inode *ino)
{
	return !ino->anon && !fs_unpacking && fs_nr_pages >= fs_max_pages();
}

static int reserve_slots(struct inode *ino, size_t npages)
{
	size_t n = ino->u.reg.nslots;
	void **slots;

	if (npages <= n)
		return 0;
	if (npages > REG_MAX_PAGES)
		return -EFBIG;
	n = MAX(npages, MAX(2 * n, (size_t)16));
	n = MIN(n, REG_MAX_PAGES);
	slots = kzalloc(n * sizeof(void *));
	if (!slots)
		return -ENOSPC;		/* what tmpfs says when memory runs out */
	if (ino->u.reg.pages) {
		memcpy(slots, ino->u.reg.pages, ino->u.reg.nslots * sizeof(void *));
		kfree(ino->u.reg.pages);
	}
	ino->u.reg.pages = slots;
	ino->u.reg.nslots = n;
	return 0;
}

static void *page_at(struct inode *ino, size_t idx)
{
	return idx < ino->u.reg.nslots ? ino->u.reg.pages[idx] : NULL;
}

/*
 * The file grows from `from` to `to` without these bytes being written.
 * Reads must see zeros there, but the old last page may hold anything
 * past the old EOF: a shared mapping can store into that tail.  (Pages
 * wholly past EOF never exist: a mapping touching one gets SIGBUS.)
 */
static void zero_grown(struct inode *ino, loff_t from, loff_t to)
{
	char *page = page_at(ino, (size_t)(from >> PAGE_SHIFT));
	size_t po = (size_t)from & (PAGE_SIZE - 1);

	/* In loff_t: on i386 to - from may not fit a size_t (4 GiB). */
	if (page && to > from)
		memset(page + po, 0, (size_t)MIN((loff_t)(PAGE_SIZE - po), to - from));
}

/*
 * Copy up to len bytes from offset off; short at EOF.  `user` says buf is
 * a user pointer: then a fault ends the copy (-EFAULT if nothing moved).
 */
ssize_t reg_read(struct inode *ino, void *buf, size_t len, loff_t off, bool user)
{
	size_t done = 0;

	if (off < 0)
		return -EINVAL;
	if (off >= ino->size)
		return 0;
	/* Compared in loff_t: what is left may be 4 GiB, which an i386
	 * size_t cannot hold. */
	if ((loff_t)len > ino->size - off)
		len = (size_t)(ino->size - off);
	while (done < len) {
		loff_t pos = off + (loff_t)done;
		size_t po = (size_t)pos & (PAGE_SIZE - 1);
		size_t n = MIN(PAGE_SIZE - po, len - done);
		char *page = page_at(ino, (size_t)(pos >> PAGE_SHIFT));
		char *dst = (char *)buf + done;

		if (user) {
			size_t left = page ? copy_to_user_partial(dst, page + po, n)
					   : clear_user_partial(dst, n);
			if (left) {
				done += n - left;
				return done ? (ssize_t)done : -EFAULT;
			}
		} else if (page) {
			memcpy(dst, page + po, n);
		} else {
			memset(dst, 0, n);
		}
		done += n;
	}
	return (ssize_t)done;
}

ssize_t reg_write(struct inode *ino, const void *buf, size_t len, loff_t off,
		  bool user)
{
	size_t done = 0;
	int err = 0;

	if (off < 0)
		return -EINVAL;
	if (len == 0)
		return 0;
	/* RLIMIT_FSIZE (user writes only: the initramfs is not the
	 * caller's): at or past it SIGXFSZ and EFBIG, else a short write
	 * up to it, as generic_write_check_limits(). */
	if (user && current) {
		u64 lim = current->rlim[1 /* RLIMIT_FSIZE */].cur;
		if ((u64)off >= lim) {
			send_signal_thread(current, 25 /* SIGXFSZ */);
			return -EFBIG;
		}
		len = (size_t)MIN((u64)len, lim - (u64)off);
	}
	/* Like generic_write_check_limits(): EFBIG at the limit, else a
	 * short write up to it. */
	if (off >= REG_MAX_BYTES)
		return -EFBIG;
	if ((loff_t)len > REG_MAX_BYTES - off)	/* in loff_t, as reg_read */
		len = (size_t)(REG_MAX_BYTES - off);
	err = reserve_slots(ino, (size_t)((off + (loff_t)len + PAGE_SIZE - 1) >> PAGE_SHIFT));
	if (err)
		return err;
	if (off > ino->size)
		zero_grown(ino, ino->size, off);

	while (done < len) {
		loff_t pos = off + (loff_t)done;
		size_t idx = (size_t)(pos >> PAGE_SHIFT);
		size_t po = (size_t)pos & (PAGE_SIZE - 1);
		size_t n = MIN(PAGE_SIZE - po, len - done);
		char *page = ino->u.reg.pages[idx];
		bool fresh = false;

		if (!page) {
			page = fs_full(ino) ? NULL : alloc_page();	/* zeroed: holes stay zero */
			if (!page) {
				err = -ENOSPC;
				break;
			}
			/* In the file before the copy: if the source is a
			 * shared mapping of this very page, its fault must
			 * find this page rather than add a second one. */
			ino->u.reg.pages[idx] = page;
			ino->u.reg.nalloc++;
			fs_nr_pages++;
			fresh = true;
		}
		if (!user) {
			memcpy(page + po, (const char *)buf + done, n);
		} else if (copy_from_user(page + po, (const char *)buf + done, n)) {
			/* Part of the chunk may have landed: whatever lies
			 * beyond EOF must read back as zeros.  A page we just
			 * added goes back (it stays a hole) unless a mapping
			 * took it meanwhile.  The slot array may have moved
			 * (a fault can grow it), so index it afresh. */
			if (pos + (loff_t)n > ino->size) {
				loff_t lo = MAX(pos, ino->size);
				memset(page + (lo & (PAGE_SIZE - 1)), 0,
				       (size_t)(pos + (loff_t)n - lo));
			}
			if (fresh && page_count(page) == 1) {
				ino->u.reg.pages[idx] = NULL;
				ino->u.reg.nalloc--;
				fs_nr_pages--;
				free_page(page);
			}
			err = -EFAULT;
			break;
		}
		done += n;
	}
	if (!done)
		return err;
	if (off + (loff_t)done > ino->size)
		ino->size = off + (loff_t)done;
	inode_touch(ino, true);
	return (ssize_t)done;
}

/* Set the size; pages wholly past the new end leave the file and every
 * mapping of it, and the tail of the last page is zeroed so that growing
 * the file again shows zeros. */
void reg_truncate(struct inode *ino, loff_t size)
{
	if (size > ino->size)
		zero_grown(ino, ino->size, size);
	if (size < ino->size) {
		size_t keep = (size_t)((size + PAGE_SIZE - 1) >> PAGE_SHIFT);
		unmap_file_beyond(ino, size);
		for (size_t i = keep; i < ino->u.reg.nslots; i++) {
			if (ino->u.reg.pages[i]) {
				put_page(ino->u.reg.pages[i]);
				ino->u.reg.pages[i] = NULL;
				ino->u.reg.nalloc--;
				fs_nr_pages--;
			}
		}
		char *last = page_at(ino, (size_t)(size >> PAGE_SHIFT));
		size_t po = (size_t)size & (PAGE_SIZE - 1);
		if (last && po)
			memset(last + po, 0, PAGE_SIZE - po);
	}
	ino->size = size;
	inode_touch(ino, true);
}

ssize_t inode_read(struct inode *ino, void *buf, size_t len, loff_t off)
{
	if (S_ISDIR(ino->mode))
		return -EISDIR;
	if (!S_ISREG(ino->mode))
		return -EINVAL;
	return reg_read(ino, buf, len, off, false);
}

/*
 * The page backing byte offset idx*PAGE_SIZE of a regular file, allocated
 * (zeroed) if it was a hole and `create` is set; NULL for a hole or on
 * failure.  Shared mappings map it directly (mm/shmem.c), which is what
 * keeps read()/write() and stores through a mapping coherent.
 */
void *inode_page(struct inode *ino, size_t idx, bool create)
{
	void *page;

	if (!S_ISREG(ino->mode))
		return NULL;
	page = page_at(ino, idx);
	if (page || !create)
		return page;
	if (reserve_slots(ino, idx + 1) || fs_full(ino))
		return NULL;
	page = alloc_page();
	if (page) {
		ino->u.reg.pages[idx] = page;
		ino->u.reg.nalloc++;
		fs_nr_pages++;
	}
	return page;
}

/* ---- symlinks ---- */

int inode_set_symlink(struct inode *ino, const char *target, size_t len)
{
	char *t = kmalloc(len + 1);

	if (!t)
		return -ENOSPC;
	memcpy(t, target, len);
	t[len] = '\0';
	ino->u.lnk.target = t;
	ino->size = (loff_t)len;
	return 0;
}

/*
 * Access time, the way Linux's default "relatime" mount option updates
 * it: only when it is older than the last change, or more than a day old.
 */
void inode_accessed(struct inode *ino)
{
	s64 now = fs_now();

	if (ino->atime <= ino->mtime || ino->atime <= ino->ctime ||
	    now - ino->atime >= 24LL * 3600 * 1000000000LL)
		ino->atime = now;
}
