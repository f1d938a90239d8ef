/*
 * Private to fs/proc/: the table entries that procfs inodes point at, the
 * text buffer files are generated into, and the helpers the views share.
 * docs/procfs.md explains the design.
 */
#ifndef FS_PROC_INTERNAL_H
#define FS_PROC_INTERNAL_H
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/mm.h>
#include "../internal.h"


/* A growing text buffer: a view prints into it once, reads copy from it. */
struct pbuf {
	char *buf;
	size_t len, cap;
	bool oom;		/* an allocation failed: the read says ENOMEM */
	bool orphan;		/* replaced by a fresh text: freed by the last reader */
	unsigned users;		/* reads copying out of it right now */
};
void pb_write(struct pbuf *pb, const void *p, size_t n);
/* Checked like printk: a u64 is long long on the i386 kernel. */
void pb_printf(struct pbuf *pb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pb_free(struct pbuf *pb);

/* What a directory lists (proc_entry.dir). */
enum { PD_NONE, PD_ROOT, PD_PID, PD_TID, PD_TASK, PD_FD, PD_MAPFILES };

/*
 * One name procfs can show.  A file has `show` (t is the task the
 * directory is about; NULL in /proc itself), a symlink has `link`, which
 * prints its target, a directory says what it lists.
 */
struct proc_entry {
	const char *name;
	mode_t mode;
	int (*show)(struct task *t, struct pbuf *pb);
	int (*link)(struct task *t, int fd, struct pbuf *pb);
	u8 dir;
};

/* The task a procfs inode is about, or NULL once it is gone. */
struct task *proc_task(const struct inode *ino);

/* Tables (root.c) and the views that fill them. */
extern const struct proc_entry proc_pid_dir, proc_tid_dir, proc_fd_link;
extern const struct proc_entry proc_map_file_link;

/* map_files.c: the names of /proc/PID/map_files (the index of the
 * mapping rides in proc.fd). */
bool proc_map_files_resolve(struct task *t, const char *name, size_t len, int *idx);
void proc_map_files_fill(struct inode *dir, struct task *t);
int proc_link_map_file(struct task *t, int idx, struct pbuf *pb);

/* path.c: the name Linux's d_path would print for an inode. */
void proc_inode_path(struct inode *ino, struct pbuf *pb);
/* Another address space's bytes (cmdline, environ); bytes copied. */
size_t proc_read_mem(struct mm *mm, unsigned long addr, void *buf, size_t n);

int proc_show_stat(struct task *t, struct pbuf *pb);		/* array.c */
int proc_show_statm(struct task *t, struct pbuf *pb);
int proc_show_status(struct task *t, struct pbuf *pb);
int proc_show_maps(struct task *t, struct pbuf *pb);		/* maps.c */
int proc_show_smaps(struct task *t, struct pbuf *pb);
int proc_show_smaps_rollup(struct task *t, struct pbuf *pb);
int proc_show_cmdline(struct task *t, struct pbuf *pb);	/* base.c */
int proc_show_environ(struct task *t, struct pbuf *pb);
int proc_show_comm(struct task *t, struct pbuf *pb);
int proc_show_mounts(struct task *t, struct pbuf *pb);
int proc_show_limits(struct task *t, struct pbuf *pb);
int proc_show_syscall(struct task *t, struct pbuf *pb);
int proc_show_wchan(struct task *t, struct pbuf *pb);
int proc_link_exe(struct task *t, int fd, struct pbuf *pb);
int proc_link_cwd(struct task *t, int fd, struct pbuf *pb);
int proc_link_root(struct task *t, int fd, struct pbuf *pb);
int proc_link_fd(struct task *t, int fd, struct pbuf *pb);
int proc_link_self(struct task *t, int fd, struct pbuf *pb);
int proc_link_thread_self(struct task *t, int fd, struct pbuf *pb);
int proc_link_mounts(struct task *t, int fd, struct pbuf *pb);
int proc_show_meminfo(struct task *t, struct pbuf *pb);	/* global.c */
int proc_show_cpuinfo(struct task *t, struct pbuf *pb);
int proc_show_uptime(struct task *t, struct pbuf *pb);
int proc_show_loadavg(struct task *t, struct pbuf *pb);
int proc_show_version(struct task *t, struct pbuf *pb);
int proc_show_stat_global(struct task *t, struct pbuf *pb);
int proc_show_filesystems(struct task *t, struct pbuf *pb);

/* Memory figures of a task, in pages (array.c; status and statm share). */
struct proc_mem {
	unsigned long size, rss, rss_file, rss_shmem, data, stack, text;
};
void proc_task_mem(struct task *t, struct proc_mem *m);

#endif
