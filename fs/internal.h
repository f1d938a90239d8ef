/*
 * Private to fs/: the in-memory inode, directory entries, open files and
 * descriptor tables.  The rest of the kernel sees only include/xentry/fs.h.
 *
 * Model (see docs/fs.md): one RAM filesystem, like Linux's rootfs.  There
 * is no dentry cache: a directory owns a list of (name, inode) entries, and
 * an inode lives while it has a name (nlink) or a user (count).  The kernel
 * runs single-CPU with interrupts off, so nothing here takes a lock; code
 * that sleeps (pipes, the console) holds references across the sleep.
 */
#ifndef FS_INTERNAL_H
#define FS_INTERNAL_H
#include <xentry/types.h>
#include <xentry/fs.h>
#include "uapi.h"

/* Device numbers in the kernel's 12:20 split (what MAJOR()/MINOR() use). */
#define MKDEV(ma, mi) (((u32)(ma) << 20) | (u32)(mi))
#define MAJOR(d) ((u32)(d) >> 20)
#define MINOR(d) ((u32)(d) & 0xfffff)
/* The 32-bit user encoding of dev_t (new_encode_dev): mmmM MMmm. */
static inline u32 dev_encode(u32 dev)
{
	u32 ma = MAJOR(dev), mi = MINOR(dev);
	return (mi & 0xff) | (ma << 8) | ((mi & ~0xffU) << 12);
}

/* st_dev of the two superblocks we pretend to have. */
#define ROOTFS_DEV MKDEV(0, 2)
#define PIPEFS_DEV MKDEV(0, 14)
#define PROC_DEV MKDEV(0, 22)

/* Linux's tmpfs counts a directory as 2 entries plus 20 bytes per name. */
#define BOGO_DIRENT_SIZE 20

struct dirent {
	struct dirent *next;
	struct inode *inode;
	u64 cookie;			/* stable readdir position, see readdir.c */
	u16 len;
	char name[];			/* NUL-terminated */
};

struct pipe;
struct proc_entry;

struct inode {
	unsigned long ino;
	mode_t mode;
	unsigned int nlink;		/* names in directories */
	unsigned int count;		/* in-memory users: files, cwd, lookups */
	bool anon;			/* never has a name (pipes): free at count 0 */
	u32 rdev;			/* device nodes: MKDEV(major, minor) */
	u32 uid, gid;			/* stored by chown, reported by stat */
	u32 dev;			/* the "filesystem" it lives on */
	loff_t size;
	s64 atime, mtime, ctime;	/* nanoseconds since the epoch */
	struct vma *mmaps;		/* mm/'s list of mappings of this file */
	/* procfs (fs/proc/): what this inode shows and for whom. */
	struct {
		const struct proc_entry *pe;	/* NULL: not a procfs inode */
		pid_t pid, tid;		/* the process and thread it is about */
		int fd;			/* /proc/PID/fd/N */
	} proc;
	union {
		struct {		/* S_IFREG: page i holds bytes [i*4K, i*4K+4K) */
			void **pages;	/* NULL slot = hole, reads as zeros */
			size_t nslots;
			size_t nalloc;	/* pages actually allocated (st_blocks) */
		} reg;
		struct {		/* S_IFDIR */
			struct dirent *head, *tail;
			struct inode *parent;	/* referenced; root: itself */
			u64 next_cookie;
		} dir;
		struct {		/* S_IFLNK */
			char *target;
		} lnk;
		struct {		/* pipe or named FIFO: the buffer while open */
			struct pipe *pipe;
		} fifo;
	} u;
};

/* ---- inode.c ---- */
/* 4 GiB: beyond this a write or ftruncate gets EFBIG (Linux's tmpfs allows
 * far more, but then the page-pointer array alone would be unreasonably
 * large). */
#define REG_MAX_PAGES (1UL << 20)
#define REG_MAX_BYTES ((loff_t)REG_MAX_PAGES << 12)
s64 fs_now(void);
struct inode *inode_new(mode_t mode);
void inode_touch(struct inode *ino, bool mtime);	/* c (and m) time = now */
struct inode *dir_find(struct inode *dir, const char *name, size_t len);
int dir_link(struct inode *dir, const char *name, size_t len, struct inode *ino);
int dir_unlink(struct inode *dir, const char *name, size_t len);
bool dir_is_empty(const struct inode *dir);
bool dir_is_dead(const struct inode *dir);
ssize_t reg_read(struct inode *ino, void *buf, size_t len, loff_t off, bool user);
ssize_t reg_write(struct inode *ino, const void *buf, size_t len, loff_t off,
		  bool user);
void reg_truncate(struct inode *ino, loff_t size);
int inode_set_symlink(struct inode *ino, const char *target, size_t len);
const struct dirent *dir_entry_of(struct inode *dir, const struct inode *child);
void inode_accessed(struct inode *ino);			/* relatime */
void inode_maybe_free(struct inode *ino);	/* no name and no user: free */
struct dirent *dir_entry(struct inode *dir, const char *name, size_t len,
			 struct dirent ***linkp);
void dir_entry_remove(struct inode *dir, struct dirent **pp, struct dirent *d);
void dir_entry_append(struct inode *dir, struct dirent *d);
/* statfs's figures: live inodes and pages holding file data. */
extern unsigned long fs_nr_inodes, fs_nr_pages;
unsigned long fs_max_pages(void);	/* the ramfs size limit (inode.c) */
extern bool fs_unpacking;		/* initramfs: keep archive mtimes */
extern struct inode *fs_root;

/* ---- fs/proc/ (procfs, docs/procfs.md) ---- */
void proc_mount(void);			/* /proc, at boot */
/* dir_find() in a procfs directory: the entry, made or refreshed now. */
struct inode *proc_lookup(struct inode *dir, const char *name, size_t len);
void proc_fill_dir(struct inode *dir);	/* before getdents64 lists it */
/* Following /proc/PID/fd/N: the open file's inode (referenced), or NULL
 * for any other symlink (fs/proc/base.c). */
struct inode *proc_fd_target(struct inode *lnk);
extern const struct file_ops proc_fops;
int __dir_link(struct inode *dir, const char *name, size_t len, struct inode *ino);
int __dir_unlink(struct inode *dir, const char *name, size_t len);

/* ---- namei.c ---- */
#define LOOKUP_FOLLOW    1	/* follow a symlink in the last component */
#define LOOKUP_DIRECTORY 2	/* the result must be a directory */
#define LOOKUP_EMPTY     4	/* "" names the start directory itself */

/* The final component of a path, split off by path_parent(). */
struct last_name {
	const char *name;
	size_t len;
	enum { LAST_NORM, LAST_DOT, LAST_DOTDOT, LAST_ROOT } type;
	bool slash;		/* followed by at least one '/' */
};

long getname(const char __user *upath, char **out);
void putname(char *kpath);
int path_start(int dfd, const char *path, unsigned int flags, struct inode **out);
int path_walk(struct inode *start, const char *path, unsigned int flags,
	      struct inode **out);
int path_parent(struct inode *start, const char *path, struct inode **dirp,
		struct last_name *last);
int user_path_at(int dfd, const char __user *upath, unsigned int flags,
		 struct inode **out);
/* The *at calls' lookup: AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH as Linux
 * reads them; any flag outside `allowed` (those two plus the call's own)
 * is EINVAL before the path is looked at. */
int user_path_at_flags(int dfd, const char __user *upath, int flags, int allowed,
		       struct inode **out);

/* ---- files ---- */
#define FMODE_READ   0x1
#define FMODE_WRITE  0x2
#define FMODE_LSEEK  0x4
#define FMODE_PREAD  0x8
#define FMODE_PWRITE 0x10
#define FMODE_PATH   0x20

struct file;

struct file_ops {
	/* nowait: return -EAGAIN instead of sleeping (readv's later segments). */
	ssize_t (*read)(struct file *f, char __user *buf, size_t n, loff_t *pos,
			bool nowait);
	ssize_t (*write)(struct file *f, const char __user *buf, size_t n,
			 loff_t *pos);
	loff_t (*llseek)(struct file *f, loff_t off, int whence); /* NULL: ESPIPE */
	long (*ioctl)(struct file *f, unsigned int cmd, unsigned long arg);
	void (*release)(struct file *f);
	/* POLL* bits ready now; NULL means always readable and writable
	 * (regular files, directories, /dev/null: Linux's DEFAULT_POLLMASK). */
	unsigned int (*poll)(struct file *f);
	/* A device's say on a new open (the terminal: ENXIO, ctty); 0 or -errno. */
	int (*open)(struct file *f);
};

struct file {
	unsigned int count;
	unsigned int flags;		/* what F_GETFL reports */
	unsigned int fmode;		/* FMODE_* */
	loff_t pos;
	struct inode *inode;		/* referenced */
	const struct file_ops *ops;
	void *priv;			/* pipe */
	u64 version;			/* FIFO: writers seen at open (POLLHUP) */
	struct epitem *ep_links;	/* epoll entries watching this file */
};

#define NR_OPEN_MAX 1024
struct files_struct {
	unsigned int count;
	struct file *fd[NR_OPEN_MAX];
	u64 cloexec[NR_OPEN_MAX / 64];
};

/* file_table.c */
struct file *file_alloc(struct inode *ino, const struct file_ops *ops,
			unsigned int flags, unsigned int fmode);
void fput(struct file *f);
struct file *fget(unsigned int fd);		/* referenced, or NULL */
struct file *fget_io(unsigned int fd);		/* same, but not O_PATH */
bool fd_available(void);
int fd_install_new(struct file *f, bool cloexec, unsigned int from);
int fd_limit(void);
bool fd_get_cloexec(unsigned int fd);
void fd_set_cloexec(unsigned int fd, bool on);
int fd_replace(unsigned int fd, struct file *f, bool cloexec);
int fd_close(unsigned int fd);

/* open.c */
struct file *open_inode(struct inode *ino, unsigned int flags, int *err);

/* per-kind operations */
extern const struct file_ops reg_fops;		/* read_write.c */
extern const struct file_ops dir_fops;		/* readdir.c */
extern const struct file_ops path_fops;		/* open.c: O_PATH */
/* SEEK_SET and SEEK_CUR only, never negative (directories, procfs files). */
loff_t dir_llseek(struct file *f, loff_t off, int whence);
const struct file_ops *chrdev_ops(u32 rdev);	/* devices.c; NULL = ENXIO */
bool file_is_pipe(const struct file *f);		/* pipe.c */
u64 pipe_poll_events(struct file *f);			/* pipe.c */
/* eventpoll.c: the last reference to a watched file is going. */
void eventpoll_release(struct file *f);
struct file *fifo_open(struct inode *ino, unsigned int flags,
		       unsigned int fmode, int *err);
long pipe_get_size(struct file *f);
long pipe_set_size(struct file *f, unsigned long arg);

/*
 * poll/select sleep on one channel, woken whenever anything they can wait
 * for changes: pipe and FIFO state (pipe.c) and console input.  The
 * console's input channel is that channel, because the serial interrupt
 * (outside fs/) already wakes it; a console reader woken by pipe traffic
 * just finds no input and sleeps again.
 */
#define POLL_CHAN ((const void *)&console_rx_wait)
void wakeup(const void *chan);			/* kernel/sched.c */
static inline void poll_notify(void)
{
	wakeup(POLL_CHAN);
}
#define POLLIN     0x0001
#define POLLPRI    0x0002
#define POLLOUT    0x0004
#define POLLERR    0x0008
#define POLLHUP    0x0010
#define POLLNVAL   0x0020
#define POLLRDNORM 0x0040
#define POLLRDBAND 0x0080
#define POLLWRNORM 0x0100
#define POLLWRBAND 0x0200
#define DEFAULT_POLLMASK (POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM)
unsigned int file_poll(struct file *f);		/* poll.c */

/* Used by the *at calls that create a name (namei.c). */
int user_path_parent(int dfd, const char __user *upath, char **kpath,
		     struct inode **dirp, struct last_name *last);

#endif
