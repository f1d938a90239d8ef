/*
 * The path of an inode, for fd/N, exe, cwd and maps.  There is no dentry
 * cache here, so a directory's path comes from its ".." chain and a file's
 * from a search of the tree for a name that points at it (the first one,
 * when it has several hard links; Linux prints the name it was opened by).
 * The tree is small, and the search is iterative: no recursion on the
 * kernel stack however deep the directories go.
 */
#include <xentry/kernel.h>
#include "internal.h"

/* Linux's "(deleted)" suffix covers a file no name reaches any more. */
static void dir_path(struct inode *dir, struct pbuf *pb)
{
	const char *names[64];
	size_t lens[64];
	int n = 0;

	while (dir != fs_root && dir->u.dir.parent && n < 64) {
		const struct dirent *d = dir_entry_of(dir->u.dir.parent, dir);
		if (!d) {
			pb_printf(pb, "/");
			return;
		}
		names[n] = d->name;
		lens[n++] = d->len;
		dir = dir->u.dir.parent;
	}
	if (n == 0)
		pb_write(pb, "/", 1);
	while (n-- > 0) {
		pb_write(pb, "/", 1);
		pb_write(pb, names[n], lens[n]);
	}
}

/* The directory entry naming ino, searching from the root; procfs is
 * searched only for procfs inodes (its cache is not where files live). */
static const struct dirent *find_name(struct inode *ino, struct inode **dirp)
{
	bool in_proc = ino->dev == PROC_DEV;
	struct inode *d = fs_root;
	const struct dirent *e = d->u.dir.head;

	for (;;) {
		while (e) {
			struct inode *c = e->inode;
			if (c == ino) {
				*dirp = d;
				return e;
			}
			if (S_ISDIR(c->mode) && c->u.dir.head &&
			    (c->dev != PROC_DEV || in_proc)) {
				d = c;
				e = c->u.dir.head;
				continue;
			}
			e = e->next;
		}
		if (d == fs_root || !d->u.dir.parent)
			return NULL;
		struct inode *p = d->u.dir.parent;
		e = dir_entry_of(p, d);
		if (!e)
			return NULL;
		e = e->next;
		d = p;
	}
}

void proc_inode_path(struct inode *ino, struct pbuf *pb)
{
	if (S_ISDIR(ino->mode)) {
		dir_path(ino, pb);
		if (ino->nlink == 0)
			pb_printf(pb, " (deleted)");
		return;
	}
	if (ino->dev == PIPEFS_DEV) {
		pb_printf(pb, "pipe:[%lu]", ino->ino);
		return;
	}
	/* Only epoll makes typeless anonymous inodes (fs/eventpoll.c). */
	if (ino->anon && !(ino->mode & S_IFMT)) {
		pb_printf(pb, "anon_inode:[eventpoll]");
		return;
	}
	if (ino->anon && S_ISREG(ino->mode)) {	/* MAP_SHARED|MAP_ANONYMOUS */
		pb_printf(pb, "/dev/zero (deleted)");
		return;
	}
	struct inode *dir;
	const struct dirent *e = ino->nlink ? find_name(ino, &dir) : NULL;
	if (!e) {
		pb_printf(pb, "/ (deleted)");
		return;
	}
	if (dir != fs_root)
		dir_path(dir, pb);
	pb_write(pb, "/", 1);
	pb_write(pb, e->name, e->len);
}
