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
	/* The file execve loaded (mm->exe), named now: a rename shows,
	 * and a binary no name reaches is marked as Linux marks it. */
	if (!t->mm || !t->mm->exe)
		return -ENOENT;
	proc_inode_path(t->mm->exe, pb);
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

/*
 * fd/N is a "magic" link on Linux: following it reaches the open file
 * itself, whatever its printed name says.  A pipe's "pipe:[N]", a
 * deleted file's "... (deleted)" name nothing a path walk could find,
 * yet bash's and zsh's process substitution hand out /proc/self/fd/N
 * of a pipe (or /dev/fd/N) for the command to open.  The inode comes
 * back referenced; NULL when lnk is not an fd link or the fd is closed.
 */
struct inode *proc_fd_target(struct inode *lnk)
{
	struct task *t;
	struct file *f;
	int fd = lnk->proc.fd;

	if (lnk->proc.pe != &proc_fd_link)
		return NULL;
	t = lnk->proc.pid ? proc_task(lnk) : current;
	if (!t || !t->files || fd < 0 || fd >= NR_OPEN_MAX || !(f = t->files->fd[fd]))
		return NULL;
	inode_get(f->inode);
	return f->inode;
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

/*
 * limits: the process's resource limits, soft and hard, in Linux's
 * columns (25, 20, 20 and 10 wide; nice and realtime priority have no
 * unit and end right after the hard limit's column).  RLIM_INFINITY
 * reads "unlimited".  Shells' and prlimit's readers parse it.
 */
static const struct { const char *name, *unit; } limit_names[16] = {
	{ "Max cpu time", "seconds" }, { "Max file size", "bytes" },
	{ "Max data size", "bytes" }, { "Max stack size", "bytes" },
	{ "Max core file size", "bytes" }, { "Max resident set", "bytes" },
	{ "Max processes", "processes" }, { "Max open files", "files" },
	{ "Max locked memory", "bytes" }, { "Max address space", "bytes" },
	{ "Max file locks", "locks" }, { "Max pending signals", "signals" },
	{ "Max msgqueue size", "bytes" }, { "Max nice priority", NULL },
	{ "Max realtime priority", NULL }, { "Max realtime timeout", "us" },
};

static void limit_value(struct pbuf *pb, u64 v)
{
	if (v == ~0ULL)
		pb_printf(pb, "%-20s ", "unlimited");
	else
		pb_printf(pb, "%-20llu ", (unsigned long long)v);
}

int proc_show_limits(struct task *t, struct pbuf *pb)
{
	pb_printf(pb, "%-25s %-20s %-20s %-10s\n", "Limit", "Soft Limit", "Hard Limit", "Units");
	for (int i = 0; i < 16 && i < RLIM_NLIMITS; i++) {
		pb_printf(pb, "%-25s ", limit_names[i].name);
		limit_value(pb, t->rlim[i].cur);
		limit_value(pb, t->rlim[i].max);
		if (limit_names[i].unit)
			pb_printf(pb, "%-10s\n", limit_names[i].unit);
		else
			pb_printf(pb, "\n");
	}
	return 0;
}

/*
 * syscall: the call the task is in, from its saved user frame - number,
 * six arguments (the i386 registers for an i386 task), stack pointer and
 * ip - or "-1 sp ip" when it is not in one (stopped by an interrupt or
 * an exception, whose frame holds -1 as the number).  A task reading its
 * own shows the read itself, as on Linux.  A zombie has no frame left:
 * "-1 0x0 0x0".
 */
int proc_show_syscall(struct task *t, struct pbuf *pb)
{
	struct pt_regs *r = t->regs;

	if (!r || t->state == TASK_ZOMBIE || t->state == TASK_DEAD) {
		pb_printf(pb, "-1 0x0 0x0\n");
		return 0;
	}
	int nr = (int)r->orig_ax;
	if (nr < 0) {
		pb_printf(pb, "%d 0x%lx 0x%lx\n", nr, r->sp, r->ip);
		return 0;
	}
	/* The i386 registers for an i386 task, the only kind on the i386
	 * kernel (where they are 32 bits wide anyway). */
	unsigned long a[6] = { (u32)r->bx, (u32)r->cx, (u32)r->dx,
			       (u32)r->si, (u32)r->di, (u32)r->bp };
#ifdef CONFIG_X86_64
	if (!t->is32 && r->cs != USER32_CS) {
		unsigned long c[6] = { r->di, r->si, r->dx, r->r10, r->r8, r->r9 };
		memcpy(a, c, sizeof(a));
	}
#endif
	pb_printf(pb, "%d 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx 0x%lx\n", nr,
		  a[0], a[1], a[2], a[3], a[4], a[5], r->sp, r->ip);
	return 0;
}

/* wchan: Linux names the kernel function a sleeping task waits in, and
 * prints "0" (no newline) for a running task or when it has no symbol
 * for the address.  xentry keeps no kernel symbol table, so every task
 * reads as the latter - a value Linux itself gives. */
int proc_show_wchan(struct task *t, struct pbuf *pb)
{
	pb_write(pb, "0", 1);
	return 0;
}
