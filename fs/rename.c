/*
 * rename, renameat, renameat2 (RENAME_NOREPLACE, RENAME_EXCHANGE,
 * RENAME_WHITEOUT).  There is one filesystem, so EXDEV never happens.
 *
 * The checks run in Linux's order (do_renameat2, then vfs_rename), since
 * a program sees which error wins:
 *   1. flags;  2. both parents (lookup errors);
 *   3. "/", "." or ".." as either name: EBUSY (EEXIST for a new "." with
 *      NOREPLACE);  4. the old name must exist: ENOENT;
 *   5. NOREPLACE and the new name exists: EEXIST; EXCHANGE and it does
 *      not: ENOENT;
 *   6. a trailing slash on a name that is not a directory: ENOTDIR;
 *   7. old is the new parent or above it (a directory moved into itself):
 *      EINVAL; new is the old parent or above it: ENOTEMPTY (EINVAL for
 *      EXCHANGE);
 *   8. the same inode under both names: nothing happens, success;
 *   9. directory over non-directory ENOTDIR, the reverse EISDIR, over a
 *      non-empty directory ENOTEMPTY; a removed new parent ENOENT.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include "internal.h"

#define RENAME_NOREPLACE 1
#define RENAME_EXCHANGE  2
#define RENAME_WHITEOUT  4

/* Is `anc` dir itself or one of its ancestors?  Parent links end at the
 * root, which is its own parent. */
static bool is_ancestor(const struct inode *anc, struct inode *dir)
{
	for (;;) {
		if (dir == anc)
			return true;
		if (!dir->u.dir.parent || dir->u.dir.parent == dir)
			return false;
		dir = dir->u.dir.parent;
	}
}

/* A directory changing parents: the ".." link and the parents' counts. */
static void reparent(struct inode *ino, struct inode *from, struct inode *to)
{
	if (!S_ISDIR(ino->mode) || from == to)
		return;
	from->nlink--;
	to->nlink++;
	inode_get(to);
	ino->u.dir.parent = to;
	inode_put(from);		/* the caller still holds it */
}

/* Move record d (reached by *pp in odir) into ndir under a new name. */
static int move_entry(struct inode *odir, struct dirent **pp, struct dirent *d,
		      struct inode *ndir, const struct last_name *nl)
{
	struct dirent *nd = kmalloc(sizeof(*nd) + nl->len + 1);

	if (!nd)
		return -ENOSPC;
	memcpy(nd->name, nl->name, nl->len);
	nd->name[nl->len] = '\0';
	nd->len = (u16)nl->len;
	nd->inode = d->inode;
	dir_entry_remove(odir, pp, d);
	kfree(d);
	dir_entry_append(ndir, nd);
	return 0;
}

static int do_exchange(struct inode *odir, struct dirent *od,
		       struct inode *ndir, struct dirent *nd)
{
	struct inode *a = od->inode, *b = nd->inode;

	/* Each inode takes the other's place; cookies stay with the names. */
	od->inode = b;
	nd->inode = a;
	if (S_ISDIR(a->mode) != S_ISDIR(b->mode) && odir != ndir) {
		/* Only the directory side moves a ".." between parents. */
		if (S_ISDIR(a->mode))
			odir->nlink--, ndir->nlink++;
		else
			ndir->nlink--, odir->nlink++;
	}
	if (S_ISDIR(a->mode) && odir != ndir) {
		inode_get(ndir);
		a->u.dir.parent = ndir;
		inode_put(odir);
	}
	if (S_ISDIR(b->mode) && odir != ndir) {
		inode_get(odir);
		b->u.dir.parent = odir;
		inode_put(ndir);
	}
	inode_touch(a, false);
	inode_touch(b, false);
	return 0;
}

static int rename_in(struct inode *odir, struct last_name *ol,
		     struct inode *ndir, struct last_name *nl, unsigned int flags)
{
	struct dirent **opp, **npp, *od, *nd;
	struct inode *old, *new;
	int err;

	/* procfs is another mount (EXDEV) whose lookup knows no new names
	 * (ENOENT) and that has no rename method (EPERM). */
	if (odir->dev == PROC_DEV || ndir->dev == PROC_DEV) {
		if (odir->dev != ndir->dev)
			return -EXDEV;
		if (!dir_find(odir, ol->name, ol->len) || !dir_find(ndir, nl->name, nl->len))
			return -ENOENT;
		return -EPERM;
	}
	if (ol->type != LAST_NORM)
		return -EBUSY;
	if (nl->type != LAST_NORM)
		return (flags & RENAME_NOREPLACE) ? -EEXIST : -EBUSY;
	od = dir_entry(odir, ol->name, ol->len, &opp);
	if (!od)
		return -ENOENT;
	old = od->inode;
	nd = dir_entry(ndir, nl->name, nl->len, &npp);
	new = nd ? nd->inode : NULL;
	if ((flags & RENAME_NOREPLACE) && new)
		return -EEXIST;
	if (flags & RENAME_EXCHANGE) {
		if (!new)
			return -ENOENT;
		if (!S_ISDIR(new->mode) && nl->slash)
			return -ENOTDIR;
	}
	if (!S_ISDIR(old->mode) &&
	    (ol->slash || (!(flags & RENAME_EXCHANGE) && nl->slash)))
		return -ENOTDIR;
	if (S_ISDIR(old->mode) && is_ancestor(old, ndir))
		return -EINVAL;
	if (new && S_ISDIR(new->mode) && is_ancestor(new, odir))
		return (flags & RENAME_EXCHANGE) ? -EINVAL : -ENOTEMPTY;
	if (old == new)
		return 0;
	if (!new && dir_is_dead(ndir))
		return -ENOENT;
	if (new && !(flags & RENAME_EXCHANGE)) {
		if (S_ISDIR(old->mode) && !S_ISDIR(new->mode))
			return -ENOTDIR;
		if (!S_ISDIR(old->mode) && S_ISDIR(new->mode))
			return -EISDIR;
		if (S_ISDIR(new->mode) && !dir_is_empty(new))
			return -ENOTEMPTY;
	}
	if (flags & RENAME_EXCHANGE) {
		err = do_exchange(odir, od, ndir, nd);
	} else {
		struct inode *white = NULL;

		if (flags & RENAME_WHITEOUT) {
			/* A 0:0 character device stays behind (overlayfs). */
			white = inode_new(S_IFCHR);
			if (!white)
				return -ENOSPC;
		}
		inode_get(old);
		if (new)
			dir_unlink(ndir, nl->name, nl->len);	/* may move od */
		od = dir_entry(odir, ol->name, ol->len, &opp);
		err = move_entry(odir, opp, od, ndir, nl);
		if (!err) {
			reparent(old, odir, ndir);
			inode_touch(old, false);
			if (white)
				err = dir_link(odir, ol->name, ol->len, white);
		}
		inode_put(white);
		inode_put(old);
	}
	inode_touch(odir, true);
	inode_touch(ndir, true);
	return err;
}

static long do_renameat2(int olddfd, const char __user *oldname, int newdfd,
			 const char __user *newname, unsigned int flags)
{
	struct inode *odir, *ndir;
	struct last_name ol, nl;
	char *opath, *npath;
	int err;

	if (flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT))
		return -EINVAL;
	if ((flags & RENAME_EXCHANGE) &&
	    (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)))
		return -EINVAL;
	err = user_path_parent(olddfd, oldname, &opath, &odir, &ol);
	if (err)
		return err;
	err = user_path_parent(newdfd, newname, &npath, &ndir, &nl);
	if (!err) {
		err = rename_in(odir, &ol, ndir, &nl, flags);
		inode_put(ndir);
		putname(npath);
	}
	inode_put(odir);
	putname(opath);
	return err;
}

SYSCALL_DEFINE2(rename, const char __user *, oldname, const char __user *, newname)
{
	return do_renameat2(AT_FDCWD, oldname, AT_FDCWD, newname, 0);
}

SYSCALL_DEFINE4(renameat, int, olddfd, const char __user *, oldname,
		int, newdfd, const char __user *, newname)
{
	return do_renameat2(olddfd, oldname, newdfd, newname, 0);
}

SYSCALL_DEFINE5(renameat2, int, olddfd, const char __user *, oldname,
		int, newdfd, const char __user *, newname, unsigned int, flags)
{
	return do_renameat2(olddfd, oldname, newdfd, newname, flags);
}
