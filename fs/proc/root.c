/*
 * procfs's directories.  Names are made on demand: a lookup in a procfs
 * directory (dir_find) decides whether the name exists now - the process,
 * thread or descriptor is still there - and keeps the inode it made in
 * the directory's ordinary entry list, which then serves as a cache that
 * the generic path walk, stat and getdents64 use unchanged.  A stale entry
 * is dropped the next time it is looked up or listed.  Symlink targets are
 * recomputed at every lookup, because they depend on the caller (self) or
 * on state that changes (cwd, fd/N).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include "internal.h"

#define REG(n, m, fn) { .name = n, .mode = S_IFREG | (m), .show = fn }
#define LNK(n, m, fn) { .name = n, .mode = S_IFLNK | (m), .link = fn }

static const struct proc_entry root_entries[] = {
	LNK("self", 0777, proc_link_self),
	LNK("thread-self", 0777, proc_link_thread_self),
	REG("meminfo", 0444, proc_show_meminfo),
	REG("cpuinfo", 0444, proc_show_cpuinfo),
	REG("uptime", 0444, proc_show_uptime),
	REG("loadavg", 0444, proc_show_loadavg),
	REG("version", 0444, proc_show_version),
	REG("stat", 0444, proc_show_stat_global),
	REG("filesystems", 0444, proc_show_filesystems),
	LNK("mounts", 0777, proc_link_mounts),
};

/* Shared by /proc/PID and /proc/PID/task/TID; "task" only in the first. */
static const struct proc_entry pid_entries[] = {
	{ .name = "task", .mode = S_IFDIR | 0555, .dir = PD_TASK },
	{ .name = "fd", .mode = S_IFDIR | 0500, .dir = PD_FD },
	{ .name = "map_files", .mode = S_IFDIR | 0500, .dir = PD_MAPFILES },
	REG("stat", 0444, proc_show_stat),
	REG("statm", 0444, proc_show_statm),
	REG("status", 0444, proc_show_status),
	REG("cmdline", 0444, proc_show_cmdline),
	REG("comm", 0644, proc_show_comm),
	REG("environ", 0400, proc_show_environ),
	REG("maps", 0444, proc_show_maps),
	REG("smaps", 0444, proc_show_smaps),
	REG("smaps_rollup", 0444, proc_show_smaps_rollup),
	REG("mounts", 0444, proc_show_mounts),
	REG("limits", 0444, proc_show_limits),
	REG("syscall", 0400, proc_show_syscall),
	REG("wchan", 0444, proc_show_wchan),
	LNK("exe", 0777, proc_link_exe),
	LNK("cwd", 0777, proc_link_cwd),
	LNK("root", 0777, proc_link_root),
};

const struct proc_entry proc_pid_dir = { .mode = S_IFDIR | 0555, .dir = PD_PID };
const struct proc_entry proc_tid_dir = { .mode = S_IFDIR | 0555, .dir = PD_TID };
const struct proc_entry proc_fd_link = { .mode = S_IFLNK | 0700, .link = proc_link_fd };
const struct proc_entry proc_map_file_link = { .mode = S_IFLNK | 0400,
					       .link = proc_link_map_file };
static const struct proc_entry proc_root = { .mode = S_IFDIR | 0555, .dir = PD_ROOT };

struct task *proc_task(const struct inode *ino)
{
	struct task *t = find_task(ino->proc.tid);

	/* A task still being built by fork has no group yet: not there. */
	if (!t || !t->group || t->tgid != ino->proc.pid)
		return NULL;
	return t;
}

/* A decimal name without sign or leading zero, as Linux's name_to_int. */
static int name_to_int(const char *name, size_t len)
{
	int v = 0;

	if (len == 0 || len > 9 || (name[0] == '0' && len > 1))
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (name[i] < '0' || name[i] > '9')
			return -1;
		v = v * 10 + (name[i] - '0');
	}
	return v;
}

/* What `name` in dir is right now: its entry and whom it is about. */
struct want {
	const struct proc_entry *pe;
	pid_t pid, tid;
	int fd;
};

static const struct proc_entry *in_table(const struct proc_entry *tab, size_t n,
					 const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(tab[i].name) == len && !memcmp(tab[i].name, name, len))
			return &tab[i];
	return NULL;
}

static bool resolve(struct inode *dir, const char *name, size_t len, struct want *w)
{
	const struct proc_entry *dpe = dir->proc.pe;
	struct task *t = NULL;
	int n = name_to_int(name, len);

	w->pid = dir->proc.pid;
	w->tid = dir->proc.tid;
	w->fd = -1;
	if (dpe->dir != PD_ROOT) {
		t = proc_task(dir);
		if (!t)
			return false;
	}
	switch (dpe->dir) {
	case PD_ROOT:
		w->pe = in_table(root_entries, ARRAY_SIZE(root_entries), name, len);
		if (w->pe)
			return true;
		/* Any thread id works here, as on Linux (readdir shows only
		 * processes); the directory is about that thread's process. */
		if (n <= 0 || !(t = find_task(n)) || !t->group)
			return false;
		w->pe = &proc_pid_dir;
		w->pid = t->tgid;
		w->tid = t->pid;
		return true;
	case PD_PID:
	case PD_TID:
		w->pe = in_table(pid_entries, ARRAY_SIZE(pid_entries), name, len);
		if (w->pe == &pid_entries[0] && dpe->dir == PD_TID)
			w->pe = NULL;
		return w->pe != NULL;
	case PD_TASK: {
		struct task *th = n > 0 ? find_task(n) : NULL;
		if (!th || !th->group || th->tgid != t->tgid)
			return false;
		w->pe = &proc_tid_dir;
		w->tid = th->pid;
		return true;
	}
	case PD_FD:
		if (n < 0 || n >= NR_OPEN_MAX || !t->files || !t->files->fd[n])
			return false;
		w->pe = &proc_fd_link;
		w->fd = n;
		return true;
	case PD_MAPFILES:
		if (!proc_map_files_resolve(t, name, len, &w->fd))
			return false;
		w->pe = &proc_map_file_link;
		return true;
	}
	return false;
}

/* Forget a cached name, and everything below it. */
static void drop(struct inode *dir, struct dirent *d)
{
	struct inode *ino = d->inode;

	if (S_ISDIR(ino->mode))
		while (ino->u.dir.head)
			drop(ino, ino->u.dir.head);
	__dir_unlink(dir, d->name, d->len);
}

static struct inode *proc_new(struct inode *dir, const char *name, size_t len,
			      const struct want *w)
{
	struct inode *ino = inode_new(w->pe->mode);

	if (!ino)
		return NULL;
	ino->dev = PROC_DEV;
	ino->proc.pe = w->pe;
	ino->proc.pid = w->pid;
	ino->proc.tid = w->tid;
	ino->proc.fd = w->fd;
	if (S_ISREG(ino->mode))
		ino->size = 0;		/* Linux reports 0 for generated files */
	if (__dir_link(dir, name, len, ino)) {
		inode_put(ino);
		return NULL;
	}
	inode_put(ino);			/* the name keeps it */
	return ino;
}

/* A symlink's target for this caller, now.  The old string is kept when
 * it did not change, since a walk may still be reading it. */
static bool refresh_link(struct inode *ino)
{
	struct pbuf pb = { 0 };
	struct task *t = ino->proc.pid ? proc_task(ino) : current;
	int err = t ? ino->proc.pe->link(t, ino->proc.fd, &pb) : -ENOENT;

	if (err || pb.oom || !pb.len) {
		pb_free(&pb);
		return false;
	}
	char *old = ino->u.lnk.target;
	if (!old || ino->size != (loff_t)pb.len || memcmp(old, pb.buf, pb.len)) {
		if (inode_set_symlink(ino, pb.buf, pb.len)) {
			pb_free(&pb);
			return false;
		}
		kfree(old);
	}
	pb_free(&pb);
	/* fd/N shows how the file is open: r-x, -wx or rwx for the owner. */
	if (ino->proc.pe == &proc_fd_link && t->files) {
		struct file *f = t->files->fd[ino->proc.fd];
		ino->mode = S_IFLNK | ((f->fmode & FMODE_READ) ? 0500 : 0) |
			    ((f->fmode & FMODE_WRITE) ? 0300 : 0);
	}
	return true;
}

struct inode *proc_lookup(struct inode *dir, const char *name, size_t len)
{
	struct dirent *d = dir_entry(dir, name, len, NULL);
	struct want w;
	struct inode *ino;

	if (!dir->proc.pe || !resolve(dir, name, len, &w)) {
		if (d)
			drop(dir, d);
		return NULL;
	}
	if (d && (d->inode->proc.pe != w.pe || d->inode->proc.pid != w.pid ||
		  d->inode->proc.tid != w.tid || d->inode->proc.fd != w.fd)) {
		drop(dir, d);		/* the name now means someone else */
		d = NULL;
	}
	ino = d ? d->inode : proc_new(dir, name, len, &w);
	if (ino && S_ISLNK(ino->mode) && !refresh_link(ino))
		return NULL;
	return ino;
}

static void fill_table(struct inode *dir, const struct proc_entry *tab, size_t n,
		       bool skip_task)
{
	for (size_t i = 0; i < n; i++)
		if (!(skip_task && tab[i].dir == PD_TASK))
			proc_lookup(dir, tab[i].name, strlen(tab[i].name));
}

static void fill_num(struct inode *dir, int n)
{
	char name[16];

	proc_lookup(dir, name, (size_t)snprintf(name, sizeof(name), "%d", n));
}

void proc_fill_dir(struct inode *dir)
{
	const struct proc_entry *pe = dir->proc.pe;
	struct task *t = pe && pe->dir != PD_ROOT ? proc_task(dir) : NULL;

	if (!pe || (pe->dir != PD_ROOT && !t))
		return;
	/* Revalidate what is cached: gone names are dropped. */
	for (struct dirent *d = dir->u.dir.head, *next; d; d = next) {
		next = d->next;
		proc_lookup(dir, d->name, d->len);
	}
	switch (pe->dir) {
	case PD_ROOT: {
		struct task *p;
		fill_table(dir, root_entries, ARRAY_SIZE(root_entries), false);
		for_each_task(p)
			if (p->pid == p->tgid && p->pid > 0 && p->group)
				fill_num(dir, p->pid);
		/* Thread ids looked up by name stay listed only as processes. */
		for (struct dirent *d = dir->u.dir.head, *next; d; d = next) {
			struct inode *c = d->inode;
			next = d->next;
			if (c->proc.pe == &proc_pid_dir && c->proc.pid != c->proc.tid)
				drop(dir, d);
		}
		break;
	}
	case PD_PID:
	case PD_TID:
		fill_table(dir, pid_entries, ARRAY_SIZE(pid_entries), pe->dir == PD_TID);
		break;
	case PD_TASK:
		for (struct task *th = t->group->threads; th; th = th->thread_next)
			fill_num(dir, th->pid);
		break;
	case PD_FD:
		for (int i = 0; t->files && i < NR_OPEN_MAX; i++)
			if (t->files->fd[i])
				fill_num(dir, i);
		break;
	case PD_MAPFILES:
		proc_map_files_fill(dir, t);
		break;
	}
}

/* /proc at boot: an existing (initramfs) directory is taken over. */
void proc_mount(void)
{
	struct inode *dir, *ino;
	struct last_name last;

	if (path_walk(fs_root, "/proc", 0, &ino)) {
		if (path_parent(fs_root, "/proc", &dir, &last))
			panic("procfs: no root");
		ino = inode_new(S_IFDIR | 0555);
		if (!ino || __dir_link(dir, last.name, last.len, ino))
			panic("procfs: out of memory");
		inode_put(dir);
	}
	if (!S_ISDIR(ino->mode)) {	/* the initramfs put something else there */
		printk("procfs: /proc is not a directory, not mounted\n");
		inode_put(ino);
		return;
	}
	ino->mode = S_IFDIR | 0555;
	ino->dev = PROC_DEV;
	ino->proc.pe = &proc_root;
	inode_put(ino);		/* its name keeps it */
}
