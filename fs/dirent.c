/*
 * Directory entries: a directory owns a singly linked list of (name,
 * inode, cookie) records, appended in creation order (so cookies grow
 * along the list, which readdir.c relies on).  dir_link/dir_unlink keep
 * the link counts Linux shows: a name counts once, a subdirectory also
 * counts its own "." and adds one to its parent for "..".  rename.c moves
 * records between lists with dir_entry_remove/dir_entry_append.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include "internal.h"

bool dir_is_dead(const struct inode *dir)
{
	return dir->nlink == 0;
}

bool dir_is_empty(const struct inode *dir)
{
	return dir->u.dir.head == NULL;
}

/* The record for name, and (if linkp) the pointer that points at it. */
struct dirent *dir_entry(struct inode *dir, const char *name, size_t len,
			 struct dirent ***linkp)
{
	struct dirent **pp = &dir->u.dir.head;

	for (struct dirent *d = *pp; d; pp = &d->next, d = d->next) {
		if (d->len == len && memcmp(d->name, name, len) == 0) {
			if (linkp)
				*linkp = pp;
			return d;
		}
	}
	return NULL;
}

struct inode *dir_find(struct inode *dir, const char *name, size_t len)
{
	if (dir->dev == PROC_DEV)	/* made on demand, docs/procfs.md */
		return proc_lookup(dir, name, len);
	struct dirent *d = dir_entry(dir, name, len, NULL);

	return d ? d->inode : NULL;
}

/* Unhook d (found through *pp) from dir's list; counts are the caller's. */
void dir_entry_remove(struct inode *dir, struct dirent **pp, struct dirent *d)
{
	*pp = d->next;
	if (dir->u.dir.tail == d) {
		/* Recompute the tail: the list is short, and rare to shrink. */
		struct dirent *t = dir->u.dir.head;
		while (t && t->next)
			t = t->next;
		dir->u.dir.tail = t;
	}
	d->next = NULL;
	dir->size -= BOGO_DIRENT_SIZE;
}

/* Append d with a fresh cookie: a readdir position survives removals
 * and a renamed name shows up once more, later, as on tmpfs. */
void dir_entry_append(struct inode *dir, struct dirent *d)
{
	d->next = NULL;
	d->cookie = dir->u.dir.next_cookie++;
	if (dir->u.dir.tail)
		dir->u.dir.tail->next = d;
	else
		dir->u.dir.head = d;
	dir->u.dir.tail = d;
	dir->size += BOGO_DIRENT_SIZE;
}

/* Nobody creates names in procfs but procfs itself: Linux's proc
 * lookup answers ENOENT for any name it does not know, which is what
 * open(O_CREAT), mkdir, symlink, link and mknod then report. */
int dir_link(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	if (dir->dev == PROC_DEV)
		return -ENOENT;
	return __dir_link(dir, name, len, ino);
}

int __dir_link(struct inode *dir, const char *name, size_t len, struct inode *ino)
{
	struct dirent *d;

	if (len == 0 || len > NAME_MAX)
		return -ENAMETOOLONG;
	d = kmalloc(sizeof(*d) + len + 1);
	if (!d)
		return -ENOSPC;
	memcpy(d->name, name, len);
	d->name[len] = '\0';
	d->len = (u16)len;
	d->inode = ino;
	dir_entry_append(dir, d);

	ino->nlink++;
	if (S_ISDIR(ino->mode)) {
		ino->nlink++;			/* its own "." */
		dir->nlink++;			/* its ".." points here */
		inode_get(dir);
		ino->u.dir.parent = dir;
	}
	inode_touch(dir, true);
	inode_touch(ino, false);
	return 0;
}

int dir_unlink(struct inode *dir, const char *name, size_t len)
{
	if (dir->dev == PROC_DEV)	/* proc has no unlink/rmdir methods */
		return -EPERM;
	return __dir_unlink(dir, name, len);
}

int __dir_unlink(struct inode *dir, const char *name, size_t len)
{
	struct dirent **pp, *d = dir_entry(dir, name, len, &pp);
	struct inode *ino;

	if (!d)
		return -ENOENT;
	dir_entry_remove(dir, pp, d);
	ino = d->inode;
	kfree(d);

	if (S_ISDIR(ino->mode)) {
		ino->nlink = 0;		/* the name and its "." both go */
		dir->nlink--;
	} else {
		ino->nlink--;
	}
	inode_touch(dir, true);
	inode_touch(ino, false);
	inode_maybe_free(ino);
	return 0;
}

/* The name under which dir lists child (for getcwd), or NULL. */
const struct dirent *dir_entry_of(struct inode *dir, const struct inode *child)
{
	for (struct dirent *d = dir->u.dir.head; d; d = d->next)
		if (d->inode == child)
			return d;
	return NULL;
}
