/*
 * The filesystem part of Linux's user ABI: flag values and the exact user
 * structure layouts.  Everything here is a number or a layout user space
 * already depends on, so each value is Linux's (x86: asm-generic/fcntl.h,
 * uapi/linux/stat.h, arch/x86/include/uapi/asm/stat.h, ...).
 */
#ifndef FS_UAPI_H
#define FS_UAPI_H
#include <xentry/types.h>

/* File types and permission bits (st_mode). */
#define S_IFMT   0170000
#define S_IFSOCK 0140000
#define S_IFLNK  0120000
#define S_IFREG  0100000
#define S_IFBLK  0060000
#define S_IFDIR  0040000
#define S_IFCHR  0020000
#define S_IFIFO  0010000
#define S_ISUID  04000
#define S_ISGID  02000
#define S_ISVTX  01000
#define S_IRWXUGO 0777
#define S_IALLUGO 07777
#define S_IXUGO  0111
#define S_ISREG(m) (((m) & S_IFMT) == S_IFREG)
#define S_ISDIR(m) (((m) & S_IFMT) == S_IFDIR)
#define S_ISCHR(m) (((m) & S_IFMT) == S_IFCHR)
#define S_ISBLK(m) (((m) & S_IFMT) == S_IFBLK)
#define S_ISLNK(m) (((m) & S_IFMT) == S_IFLNK)
#define S_ISFIFO(m) (((m) & S_IFMT) == S_IFIFO)
#define S_ISSOCK(m) (((m) & S_IFMT) == S_IFSOCK)

/* open(2) flags, x86 values (octal, as in asm-generic/fcntl.h). */
#define O_ACCMODE   00000003
#define O_RDONLY    00000000
#define O_WRONLY    00000001
#define O_RDWR      00000002
#define O_CREAT     00000100
#define O_EXCL      00000200
#define O_NOCTTY    00000400
#define O_TRUNC     00001000
#define O_APPEND    00002000
#define O_NONBLOCK  00004000
#define O_DSYNC     00010000
#define FASYNC      00020000
#define O_DIRECT    00040000
#define O_LARGEFILE 00100000
#define O_DIRECTORY 00200000
#define O_NOFOLLOW  00400000
#define O_NOATIME   01000000
#define O_CLOEXEC   02000000
#define __O_SYNC    04000000
#define O_PATH      010000000
#define __O_TMPFILE 020000000

/* *at() conventions. */
#define AT_FDCWD            (-100)
#define AT_SYMLINK_NOFOLLOW 0x100
#define AT_EACCESS          0x200
#define AT_REMOVEDIR        0x200
#define AT_SYMLINK_FOLLOW   0x400
#define AT_NO_AUTOMOUNT     0x800
#define AT_EMPTY_PATH       0x1000
#define AT_STATX_SYNC_TYPE  0x6000

/* access(2) */
#define F_OK 0
#define X_OK 1
#define W_OK 2
#define R_OK 4

/* lseek whence */
#define SEEK_SET  0
#define SEEK_CUR  1
#define SEEK_END  2
#define SEEK_DATA 3
#define SEEK_HOLE 4
#define SEEK_MAX  SEEK_HOLE

/* fcntl commands */
#define F_DUPFD 0
#define F_GETFD 1
#define F_SETFD 2
#define F_GETFL 3
#define F_SETFL 4
#define F_SETPIPE_SZ 1031
#define F_GETPIPE_SZ 1032
#define F_DUPFD_CLOEXEC 1030
#define FD_CLOEXEC 1

/* ioctls every fd understands, and the tty ones we implement. */
#define TCGETS     0x5401
#define TCSETS     0x5402
#define TCSETSW    0x5403
#define TCSETSF    0x5404
#define TIOCGPGRP  0x540F
#define TIOCSPGRP  0x5410
#define TIOCGWINSZ 0x5413
#define TIOCSWINSZ 0x5414
#define FIONREAD   0x541B
#define FIONBIO    0x5421
#define FIONCLEX   0x5450
#define FIOCLEX    0x5451

#define PATH_MAX 4096
#define NAME_MAX 255
#define PIPE_BUF 4096
#define UIO_MAXIOV 1024
/* Linux never moves more than this in one read/write (INT_MAX & PAGE_MASK). */
#define MAX_RW_COUNT 0x7ffff000L
/* Largest size a non-O_LARGEFILE i386 open may see (2 GiB - 1). */
#define MAX_NON_LFS 0x7fffffffL

/* d_type in getdents64 (the file type bits >> 12). */
#define DT_UNKNOWN 0
#define DT_FIFO 1
#define DT_CHR 2
#define DT_DIR 4
#define DT_BLK 6
#define DT_REG 8
#define DT_LNK 10
#define DT_SOCK 12

/* x86-64 struct stat: 144 bytes. */
struct stat64_native {
	u64 st_dev, st_ino, st_nlink;
	u32 st_mode, st_uid, st_gid, __pad0;
	u64 st_rdev;
	s64 st_size, st_blksize, st_blocks;
	u64 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec;
	u64 st_ctime, st_ctime_nsec;
	s64 __reserved[3];
};
BUILD_BUG_ON(sizeof(struct stat64_native) != 144);

/* i386 struct stat as an x86-64 kernel hands it out (compat_stat): 64 bytes. */
struct compat_stat {
	u32 st_dev, st_ino;
	u16 st_mode, st_nlink, st_uid, st_gid;
	u32 st_rdev, st_size, st_blksize, st_blocks;
	u32 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec;
	u32 st_ctime, st_ctime_nsec, __reserved4, __reserved5;
};
BUILD_BUG_ON(sizeof(struct compat_stat) != 64);

/* i386 struct stat64: packed, 96 bytes, with the 32-bit __st_ino copy that
 * old glibc reads and the 64-bit st_ino at the end. */
struct compat_stat64 {
	u64 st_dev;
	u8 __pad0[4];
	u32 __st_ino;
	u32 st_mode, st_nlink, st_uid, st_gid;
	u64 st_rdev;
	u8 __pad3[4];
	s64 st_size;
	u32 st_blksize;
	s64 st_blocks;
	u32 st_atime, st_atime_nsec, st_mtime, st_mtime_nsec;
	u32 st_ctime, st_ctime_nsec;
	u64 st_ino;
} __packed;
BUILD_BUG_ON(sizeof(struct compat_stat64) != 96);

struct statx_timestamp {
	s64 tv_sec;
	u32 tv_nsec;
	s32 __reserved;
};

/* struct statx: 256 bytes, the same for both ABIs. */
struct statx {
	u32 stx_mask, stx_blksize;
	u64 stx_attributes;
	u32 stx_nlink, stx_uid, stx_gid;
	u16 stx_mode, __spare0;
	u64 stx_ino, stx_size, stx_blocks, stx_attributes_mask;
	struct statx_timestamp stx_atime, stx_btime, stx_ctime, stx_mtime;
	u32 stx_rdev_major, stx_rdev_minor, stx_dev_major, stx_dev_minor;
	u64 stx_mnt_id;
	u32 stx_dio_mem_align, stx_dio_offset_align;
	u64 __spare3[12];
};
BUILD_BUG_ON(sizeof(struct statx) != 256);

#define STATX_TYPE        0x001
#define STATX_MODE        0x002
#define STATX_NLINK       0x004
#define STATX_UID         0x008
#define STATX_GID         0x010
#define STATX_ATIME       0x020
#define STATX_MTIME       0x040
#define STATX_CTIME       0x080
#define STATX_INO         0x100
#define STATX_SIZE        0x200
#define STATX_BLOCKS      0x400
#define STATX_BASIC_STATS 0x7ff
#define STATX__RESERVED   0x80000000U
#define STATX_ATTR_AUTOMOUNT  0x1000
#define STATX_ATTR_MOUNT_ROOT 0x2000
#define STATX_ATTR_DAX        0x200000

/* The kernel's struct termios (asm-generic/termbits.h): 36 bytes. */
#define NCCS 19
struct ktermios_user {
	u32 c_iflag, c_oflag, c_cflag, c_lflag;
	u8 c_line;
	u8 c_cc[NCCS];
};
BUILD_BUG_ON(sizeof(struct ktermios_user) != 36);

struct winsize {
	u16 ws_row, ws_col, ws_xpixel, ws_ypixel;
};

/* getdents64 record header; the name follows, NUL-terminated, and the
 * record is padded to 8 bytes. */
struct linux_dirent64 {
	u64 d_ino;
	s64 d_off;
	u16 d_reclen;
	u8 d_type;
	char d_name[];
} __packed;

struct iovec64 { u64 base, len; };
struct iovec32 { u32 base, len; };

#endif
