/*
 * vfs_init: build the root filesystem from the initramfs (cpio "newc").
 *
 * fs/cpio.c checks the archive's *format* (and a bad one panics the boot:
 * the kernel cannot run anything from a damaged root).  This file gives
 * each entry its meaning, the way Linux's init/initramfs.c does:
 *   - parents that the archive does not list are created (mode 0755);
 *   - an entry replaces an existing non-directory of the same name; an
 *     existing directory just takes the entry's mode;
 *   - regular files and device nodes with nlink >= 2 and the same
 *     (ino, dev) are hard links to the first one seen;
 *   - permission bits come from the archive verbatim (no umask), mtime
 *     too (CONFIG_INITRAMFS_PRESERVE_MTIME), atime = mtime;
 *   - unknown file types are skipped with a log line.
 * Then /dev/{console,null,zero,tty} and /tmp are added where missing.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include "internal.h"
#include "cpio.h"

struct hardlink {
	u32 ino, major, minor, type;
	struct inode *inode;		/* referenced until the unpack ends */
};

struct unpack {
	struct hardlink *links;
	size_t nlinks, cap;
};

static void set_times(struct inode *ino, u32 mtime)
{
	ino->mtime = ino->atime = (s64)mtime * 1000000000LL;
}

static struct hardlink *find_link(struct unpack *u, const struct cpio_entry *e)
{
	for (size_t i = 0; i < u->nlinks; i++) {
		struct hardlink *h = &u->links[i];
		if (h->ino == e->ino && h->major == e->devmajor &&
		    h->minor == e->devminor && h->type == (e->mode & S_IFMT))
			return h;
	}
	return NULL;
}

static bool add_link(struct unpack *u, const struct cpio_entry *e,
		     struct inode *ino)
{
	if (u->nlinks == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 16;
		struct hardlink *n = kmalloc(cap * sizeof(*n));
		if (!n)
			return false;
		if (u->links) {
			memcpy(n, u->links, u->nlinks * sizeof(*n));
			kfree(u->links);
		}
		u->links = n;
		u->cap = cap;
	}
	inode_get(ino);
	u->links[u->nlinks++] = (struct hardlink){
		e->ino, e->devmajor, e->devminor, e->mode & S_IFMT, ino
	};
	return true;
}

/* Create every missing directory on the way to name's last component.
 * Walks each prefix in turn so that symlinked parents are followed. */
static void make_parents(const char *name, size_t len)
{
	char *buf = kmalloc(len + 1);

	if (!buf)
		return;
	for (size_t i = 1; i < len; i++) {
		struct inode *ino, *dir;
		struct last_name last;

		if (name[i] != '/' || name[i - 1] == '/')
			continue;
		memcpy(buf, name, i);
		buf[i] = '\0';
		if (path_walk(fs_root, buf, LOOKUP_FOLLOW, &ino) == 0) {
			inode_put(ino);
			continue;
		}
		if (path_parent(fs_root, buf, &dir, &last))
			break;
		if (last.type == LAST_NORM && !dir_find(dir, last.name, last.len)) {
			ino = inode_new(S_IFDIR | 0755);
			if (ino) {
				dir_link(dir, last.name, last.len, ino);
				inode_put(ino);
			}
		}
		inode_put(dir);
	}
	kfree(buf);
}

/* Make room for the new entry; false if it must be skipped. */
static bool clear_name(struct inode *dir, const struct last_name *last,
		       const char *name)
{
	struct inode *old = dir_find(dir, last->name, last->len);

	if (!old)
		return true;
	if (S_ISDIR(old->mode) && !dir_is_empty(old)) {
		printk("initramfs: %s: non-empty directory in the way, skipped\n",
		       name);
		return false;
	}
	dir_unlink(dir, last->name, last->len);
	return true;
}

static const char *unpack_entry(void *ctx, const struct cpio_entry *e)
{
	struct unpack *u = ctx;
	u32 type = e->mode & S_IFMT, perm = e->mode & S_IALLUGO;
	struct inode *dir, *ino = NULL, *old;
	struct last_name last;
	const char *fatal = NULL;
	struct hardlink *h;

	int err = path_parent(fs_root, e->name, &dir, &last);

	if (err == -ENOENT) {
		make_parents(e->name, e->namelen);
		err = path_parent(fs_root, e->name, &dir, &last);
	}
	if (err) {
		printk("initramfs: %s: cannot resolve (%d), skipped\n", e->name, err);
		return NULL;
	}

	if (last.type != LAST_NORM) {
		/* "." (GNU cpio lists it) or "/": a directory's mode only. */
		if (type == S_IFDIR && last.type != LAST_DOTDOT) {
			dir->mode = S_IFDIR | perm;
			set_times(dir, e->mtime);
		}
		goto out;
	}
	old = dir_find(dir, last.name, last.len);
	if (type == S_IFDIR && old && S_ISDIR(old->mode)) {
		old->mode = S_IFDIR | perm;
		set_times(old, e->mtime);
		goto out;
	}

	switch (type) {
	case S_IFREG: case S_IFCHR: case S_IFBLK: case S_IFIFO: case S_IFSOCK:
		if (e->nlink >= 2 && (h = find_link(u, e)) != NULL) {
			if (!clear_name(dir, &last, e->name))
				goto out;
			if (dir_link(dir, last.name, last.len, h->inode))
				fatal = "out of memory";
			else if (type == S_IFREG && e->size) {
				/* the data travels with one of the links */
				reg_truncate(h->inode, 0);
				if (reg_write(h->inode, e->data, e->size, 0, false) !=
				    (ssize_t)e->size)
					fatal = "out of memory";
				set_times(h->inode, e->mtime);
			}
			goto out;
		}
		ino = inode_new(type | perm);
		if (!ino)
			break;
		ino->rdev = MKDEV(e->rdevmajor, e->rdevminor);
		if (type == S_IFREG && e->size &&
		    reg_write(ino, e->data, e->size, 0, false) != (ssize_t)e->size) {
			inode_put(ino);
			ino = NULL;
			break;
		}
		if (e->nlink >= 2 && !add_link(u, e, ino)) {
			inode_put(ino);
			ino = NULL;
		}
		break;
	case S_IFDIR:
		ino = inode_new(S_IFDIR | perm);
		break;
	case S_IFLNK: {
		/* The target is the data, without a NUL in the archive. */
		size_t n = strnlen(e->data, e->size);
		if (n == 0 || n >= PATH_MAX) {
			printk("initramfs: %s: bad symlink target, skipped\n", e->name);
			goto out;
		}
		ino = inode_new(S_IFLNK | 0777);
		if (ino && inode_set_symlink(ino, e->data, n)) {
			inode_put(ino);
			ino = NULL;
		}
		break;
	}
	default:
		printk("initramfs: %s: unknown file type %o, skipped\n", e->name,
		       type);
		goto out;
	}
	if (!ino) {
		fatal = "out of memory";
		goto out;
	}
	set_times(ino, e->mtime);
	if (clear_name(dir, &last, e->name) &&
	    dir_link(dir, last.name, last.len, ino))
		fatal = "out of memory";
	inode_put(ino);
out:
	inode_put(dir);
	return fatal;
}

/* mknod/mkdir at boot, if nothing has that name yet. */
static void ensure(const char *path, mode_t mode, u32 rdev)
{
	struct inode *ino, *dir;
	struct last_name last;

	if (path_walk(fs_root, path, 0, &ino) == 0) {
		if ((ino->mode & S_IFMT) != (mode & S_IFMT))
			printk("fs: %s exists with another file type\n", path);
		inode_put(ino);
		return;
	}
	if (path_parent(fs_root, path, &dir, &last))
		return;
	ino = inode_new(mode);
	if (!ino)
		panic("fs: out of memory creating %s", path);
	ino->rdev = rdev;
	if (dir_link(dir, last.name, last.len, ino))
		panic("fs: out of memory creating %s", path);
	inode_put(ino);
	inode_put(dir);
}

void vfs_init(const void *data, size_t len)
{
	struct unpack u = { 0 };
	struct cpio_error err;

	/* Linux unpacks the initramfs into a tmpfs whose root is 1777, like
	 * /tmp (the cpio has no "." entry to say otherwise). */
	fs_root = inode_new(S_IFDIR | 01777);
	if (!fs_root)
		panic("fs: out of memory");
	fs_root->nlink = 2;			/* its name in itself: . and .. */
	fs_root->u.dir.parent = fs_root;	/* ".." of "/" is "/" */

	if (data && len) {
		fs_unpacking = true;
		if (cpio_parse(data, len, unpack_entry, &u, &err))
			panic("initramfs: %s at offset %lu", err.what, err.offset);
		fs_unpacking = false;
		for (size_t i = 0; i < u.nlinks; i++)
			inode_put(u.links[i].inode);
		if (u.links)
			kfree(u.links);
	} else {
		printk("initramfs: none given, the root starts empty\n");
	}

	ensure("/dev", S_IFDIR | 0755, 0);
	ensure("/dev/console", S_IFCHR | 0600, MKDEV(5, 1));
	ensure("/dev/null", S_IFCHR | 0666, MKDEV(1, 3));
	ensure("/dev/zero", S_IFCHR | 0666, MKDEV(1, 5));
	ensure("/dev/tty", S_IFCHR | 0666, MKDEV(5, 0));
	ensure("/tmp", S_IFDIR | 01777, 0);
	proc_mount();
}
