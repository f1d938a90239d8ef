/*
 * What the rest of the kernel needs from the filesystem layer (fs/).
 * The in-memory filesystem is filled from the cpio initramfs at boot.
 */
#ifndef XENTRY_FS_H
#define XENTRY_FS_H
#include <xentry/types.h>

struct inode;
struct files_struct;

/* Boot: unpack the newc cpio at [data, data+len) into the root filesystem
 * and create /dev (console, null, zero) and /tmp if absent.  A corrupt
 * archive stops the boot with a clear message (panic). */
void vfs_init(const void *data, size_t len);

/* Path lookup relative to current->cwd; 0 or -errno.  The result holds a
 * reference (inode_put() it). */
int vfs_lookup(const char *path, struct inode **out);
void inode_get(struct inode *ino);
void inode_put(struct inode *ino);
bool inode_is_reg(const struct inode *ino);
bool inode_is_exec(const struct inode *ino);	/* any x bit set */
loff_t inode_size(const struct inode *ino);
/* Read file data into a kernel buffer; bytes read (short at EOF) or -errno. */
ssize_t inode_read(struct inode *ino, void *buf, size_t len, loff_t off);
struct inode *root_inode(void);

/* For mmap of a file: the inode behind fd (referenced), checked to be a
 * regular file (or /dev/zero: inode_is_dev_zero) opened for reading; or
 * -EBADF/-EACCES/-ENODEV.  *writable
 * (if not NULL) says whether the file is open for writing too, which
 * decides whether a shared mapping may ever be made writable. */
bool inode_is_dev_zero(const struct inode *ino);
int fd_get_inode_for_mmap(int fd, bool want_write_shared, struct inode **out);
int fd_get_inode_for_mmap2(int fd, bool want_write_shared, struct inode **out,
			   bool *writable);

/*
 * What shared mappings (mm/shmem.c) use.  inode_page() is the page holding
 * bytes [idx*4K, idx*4K+4K) of a regular file, allocated (zeroed) for a
 * hole if `create`; the file holds one reference on it (see get_page), so
 * a mapper that wants it to outlive a truncate takes its own.  The
 * mappings of a file are listed at *inode_mmaps(), maintained by mm/.
 * inode_new_shmem() makes the anonymous file behind MAP_SHARED|MAP_ANONYMOUS
 * memory: nameless, freed with its last reference.
 */
void *inode_page(struct inode *ino, size_t idx, bool create);
struct vma **inode_mmaps(struct inode *ino);
struct inode *inode_new_shmem(loff_t size);

/* Per-process descriptor tables. */
struct files_struct *files_new_console(void);	/* fds 0,1,2 = /dev/console */
struct files_struct *files_dup(struct files_struct *f);
void files_put(struct files_struct *f);		/* last ref closes all */
void files_get(struct files_struct *f);		/* CLONE_FILES shares it */
bool files_shared(const struct files_struct *f);
void files_close_on_exec(struct files_struct *f);

/* Console device (arch/x86/kernel/serial.c): COM1, the user's terminal. */
void console_write(const char *buf, size_t n);
void console_receive(u8 c);		/* IRQ: a byte to the tty (drivers/tty) */
extern int console_rx_wait;			/* wait channel for input */

#endif
