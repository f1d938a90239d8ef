/*
 * Small per-process views: cmdline, environ, comm, mounts, and the
 * symlinks (exe, cwd, root, fd/N, self, thread-self, /proc/mounts).
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include "internal.h"

/* [start, end) of the task's memory, as it is now (the process may have
 * rewritten its arguments, which is what ps then shows). */
static int show_range(struct task *t, unsigned long start, unsigned long end,
		      struct pbuf *pb)
{
	char chunk[256];

	if (!t->mm || start >= end)
		return 0;		/* zombies and kernel threads: empty */
	while (start < end) {
		size_t n = MIN(sizeof(chunk), end - start);
		size_t got = proc_read_mem(t->mm, start, chunk, n);
		pb_write(pb, chunk, got);
		if (got < n)
			break;
		start += n;
	}
	return 0;
}

int proc_show_cmdline(struct task *t, struct pbuf *pb)
{
	return t->mm ? show_range(t, t->mm->arg_start, t->mm->arg_end, pb) : 0;
}

int proc_show_environ(struct task *t, struct pbuf *pb)
{
	return t->mm ? show_range(t, t->mm->env_start, t->mm->env_end, pb) : 0;
}

int proc_show_comm(struct task *t, struct pbuf *pb)
{
	pb_printf(pb, "%s\n", t->comm);
	return 0;
}

/* One filesystem mounted at / and procfs at /proc, in Linux's format
 * (device, mount point, type, options, dump, pass). */
int proc_show_mounts(struct task *t, struct pbuf *pb)
{
	pb_printf(pb, "rootfs / rootfs rw 0 0\n");
	pb_printf(pb, "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
	return 0;
}

int proc_link_exe(struct task *t, int fd, struct pbuf *pb)
{
	struct inode *ino;

	/* execve recorded the binary's canonical path (fs_inode_path);
	 * Linux marks a binary that no name reaches any more. */
	if (!t->mm || !t->exe_path[0])
		return -ENOENT;
	pb_printf(pb, "%s", t->exe_path);
	if (t->exe_path[0] != '/' || path_walk(fs_root, t->exe_path, 0, &ino))
		pb_printf(pb, " (deleted)");
	else
		inode_put(ino);
	return 0;
}

int proc_link_cwd(struct task *t, int fd, struct pbuf *pb)
{
	if (!t->fs)
		return -ENOENT;
	proc_inode_path(t->fs->cwd ? t->fs->cwd : fs_root, pb);
	return 0;
}

int proc_link_root(struct task *t, int fd, struct pbuf *pb)
{
	pb_write(pb, "/", 1);
	return 0;
}

int proc_link_fd(struct task *t, int fd, struct pbuf *pb)
{
	struct file *f;

	if (!t->files || fd < 0 || fd >= NR_OPEN_MAX || !(f = t->files->fd[fd]))
		return -ENOENT;
	proc_inode_path(f->inode, pb);
	return 0;
}

int proc_link_self(struct task *t, int fd, struct pbuf *pb)
{
	pb_printf(pb, "%d", t->tgid);
	return 0;
}

int proc_link_thread_self(struct task *t, int fd, struct pbuf *pb)
{
	pb_printf(pb, "%d/task/%d", t->tgid, t->pid);
	return 0;
}

int proc_link_mounts(struct task *t, int fd, struct pbuf *pb)
{
	pb_printf(pb, "self/mounts");
	return 0;
}
