/*
 * Path lookup.
 *
 * A path is walked one component at a time from a start directory (the
 * root for "/...", else the cwd or a directory fd).  The rules are Linux's:
 *   - "." stays, ".." goes to the parent (the root is its own parent);
 *   - runs of '/' count as one, and a trailing '/' demands a directory
 *     (following a symlink there, as POSIX says);
 *   - a component longer than NAME_MAX is ENAMETOOLONG, a path that is
 *     not NUL-terminated within PATH_MAX (4096 bytes with the NUL) too;
 *   - walking through a non-directory is ENOTDIR, a missing name ENOENT,
 *     and any name looked up in a removed directory is ENOENT;
 *   - symlinks in the middle are always followed, the last one only on
 *     request (LOOKUP_FOLLOW); more than 40 links in one lookup is ELOOP.
 * Symlink targets are walked by recursion, relative to the directory that
 * holds the link.  A frame is small and the total is capped at 40 links,
 * so the kernel stack stays bounded.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include "internal.h"

#define MAXSYMLINKS 40

struct inode *fs_root;

struct inode *root_inode(void)
{
	return fs_root;
}

long getname(const char __user *upath, char **out)
{
	char *k = kmalloc(PATH_MAX);
	long len;

	if (!k)
		return -ENOMEM;
	len = strncpy_from_user(k, upath, PATH_MAX);
	if (len < 0) {
		kfree(k);
		return len;
	}
	*out = k;
	return len;
}

void putname(char *kpath)
{
	kfree(kpath);
}

static struct inode *cwd_inode(void)
{
	struct task *t = current;

	return t && t->fs->cwd ? t->fs->cwd : fs_root;
}

/*
 * The directory a relative path starts from: dfd, or the cwd for
 * AT_FDCWD.  Absolute paths ignore dfd entirely (even a bad one).
 * With LOOKUP_EMPTY and an empty path, dfd may name any file.
 */
int path_start(int dfd, const char *path, unsigned int flags, struct inode **out)
{
	struct inode *ino;

	if (path[0] == '/') {
		ino = fs_root;
	} else if (dfd == AT_FDCWD) {
		ino = cwd_inode();
	} else {
		struct file *f = fget((unsigned int)dfd);
		int err = 0;
		if (!f)
			return -EBADF;
		ino = f->inode;
		if (!S_ISDIR(ino->mode) && !(path[0] == '\0' && (flags & LOOKUP_EMPTY)))
			err = -ENOTDIR;
		else
			inode_get(ino);
		fput(f);
		if (err)
			return err;
		*out = ino;
		return 0;
	}
	inode_get(ino);
	*out = ino;
	return 0;
}

struct walk {
	int links;	/* symlinks followed so far in this lookup */
};

static int walk(struct walk *w, struct inode *start, const char *path,
		size_t plen, unsigned int flags, struct inode **out);

/* Replace *cur by the target of symlink lnk (found in directory *cur). */
static int follow_link(struct walk *w, struct inode **cur, struct inode *lnk)
{
	struct inode *dest;
	const char *t = lnk->u.lnk.target;
	int err;

	if (++w->links > MAXSYMLINKS)
		return -ELOOP;
	if (lnk->proc.pe && (dest = proc_fd_target(lnk))) {
		inode_put(*cur);	/* a magic link: the open file itself */
		*cur = dest;
		return 0;
	}
	if (!t || !t[0])
		return -ENOENT;		/* an empty symlink resolves to nothing */
	inode_get(lnk);			/* keep the target string alive */
	err = walk(w, *cur, t, strlen(t), LOOKUP_FOLLOW, &dest);
	inode_put(lnk);
	if (err)
		return err;
	inode_put(*cur);
	*cur = dest;
	return 0;
}

static int walk(struct walk *w, struct inode *start, const char *path,
		size_t plen, unsigned int flags, struct inode **out)
{
	const char *p = path, *end = path + plen;
	struct inode *cur = start;
	bool must_be_dir = flags & LOOKUP_DIRECTORY;
	int err = 0;

	if (p < end && *p == '/')
		cur = fs_root;
	inode_get(cur);

	for (;;) {
		const char *name;
		size_t len;
		bool slash, last;
		struct inode *next;

		while (p < end && *p == '/')
			p++;
		if (p == end)
			break;
		name = p;
		while (p < end && *p != '/')
			p++;
		len = (size_t)(p - name);
		slash = p < end;
		last = true;
		for (const char *q = p; q < end; q++)
			if (*q != '/')
				last = false;
		if (last && slash)
			must_be_dir = true;

		if (!S_ISDIR(cur->mode)) {
			err = -ENOTDIR;
			break;
		}
		if (len > NAME_MAX) {
			err = -ENAMETOOLONG;
			break;
		}
		if (len == 1 && name[0] == '.')
			continue;
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			next = cur->u.dir.parent ? cur->u.dir.parent : cur;
			inode_get(next);
			inode_put(cur);
			cur = next;
			continue;
		}
		if (dir_is_dead(cur)) {
			err = -ENOENT;
			break;
		}
		next = dir_find(cur, name, len);
		if (!next) {
			err = -ENOENT;
			break;
		}
		if (S_ISLNK(next->mode) && (!last || slash || (flags & LOOKUP_FOLLOW))) {
			err = follow_link(w, &cur, next);
			if (err)
				break;
			continue;
		}
		inode_get(next);
		inode_put(cur);
		cur = next;
	}
	if (!err && must_be_dir && !S_ISDIR(cur->mode))
		err = -ENOTDIR;
	if (err) {
		inode_put(cur);
		return err;
	}
	*out = cur;
	return 0;
}

int path_walk(struct inode *start, const char *path, unsigned int flags,
	      struct inode **out)
{
	struct walk w = { 0 };

	if (!path[0] && !(flags & LOOKUP_EMPTY))
		return -ENOENT;
	return walk(&w, start, path, strlen(path), flags, out);
}

/*
 * Resolve everything but the last component: *dirp gets the (referenced)
 * directory, *last the final name.  "/" has no last name (LAST_ROOT), and
 * "." / ".." are reported as such so each caller can give Linux's errno.
 */
int path_parent(struct inode *start, const char *path, struct inode **dirp,
		struct last_name *last)
{
	struct walk w = { 0 };
	size_t end = strlen(path), begin;
	int err;

	if (end == 0)
		return -ENOENT;
	last->slash = false;
	while (end > 0 && path[end - 1] == '/') {
		end--;
		last->slash = true;
	}
	if (end == 0) {			/* "/", "//", ... */
		inode_get(fs_root);
		*dirp = fs_root;
		last->name = path;
		last->len = 0;
		last->type = LAST_ROOT;
		return 0;
	}
	begin = end;
	while (begin > 0 && path[begin - 1] != '/')
		begin--;
	last->name = path + begin;
	last->len = end - begin;
	if (last->len > NAME_MAX)
		return -ENAMETOOLONG;
	if (last->len == 1 && last->name[0] == '.')
		last->type = LAST_DOT;
	else if (last->len == 2 && last->name[0] == '.' && last->name[1] == '.')
		last->type = LAST_DOTDOT;
	else
		last->type = LAST_NORM;

	if (begin == 0) {
		inode_get(start);
		*dirp = start;
		if (!S_ISDIR(start->mode)) {
			inode_put(start);
			return -ENOTDIR;
		}
		return 0;
	}
	/* The prefix keeps its slashes; "/x" walks "/" from the root. */
	err = walk(&w, start, path, begin, LOOKUP_FOLLOW | LOOKUP_DIRECTORY, dirp);
	return err;
}

/* getname + empty-path rule + start directory + walk, for syscalls. */
int user_path_at_flags(int dfd, const char __user *upath, int flags, int allowed,
		       struct inode **out)
{
	unsigned int lf = LOOKUP_FOLLOW;
	if (flags & ~(allowed | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH))
		return -EINVAL;
	if (flags & AT_SYMLINK_NOFOLLOW)
		lf = 0;
	if (flags & AT_EMPTY_PATH)
		lf |= LOOKUP_EMPTY;
	return user_path_at(dfd, upath, lf, out);
}

int user_path_at(int dfd, const char __user *upath, unsigned int flags,
		 struct inode **out)
{
	char *path;
	struct inode *start;
	long len;
	int err;

	/* Linux 6.11+ treats a NULL path with AT_EMPTY_PATH like "". */
	if (!upath && (flags & LOOKUP_EMPTY)) {
		static const char empty[1];
		err = path_start(dfd, empty, flags, &start);
		if (!err)
			*out = start;
		return err;
	}
	len = getname(upath, &path);
	if (len < 0)
		return (int)len;
	if (len == 0 && !(flags & LOOKUP_EMPTY)) {
		putname(path);
		return -ENOENT;
	}
	err = path_start(dfd, path, flags, &start);
	if (!err) {
		err = path_walk(start, path, flags, out);
		inode_put(start);
	}
	putname(path);
	return err;
}

/* Resolve dfd + user path to (parent dir, last name).  On success the
 * caller owns *kpath (putname) and *dirp (inode_put). */
int user_path_parent(int dfd, const char __user *upath, char **kpath,
			    struct inode **dirp, struct last_name *last)
{
	struct inode *start;
	long len = getname(upath, kpath);
	int err;

	if (len < 0)
		return (int)len;
	err = -ENOENT;
	if (len > 0)
		err = path_start(dfd, *kpath, 0, &start);
	if (!err) {
		err = path_parent(start, *kpath, dirp, last);
		inode_put(start);
	}
	if (err)
		putname(*kpath);
	return err;
}

int vfs_lookup(const char *path, struct inode **out)
{
	return path_walk(path[0] == '/' ? fs_root : cwd_inode(), path,
			 LOOKUP_FOLLOW, out);
}
