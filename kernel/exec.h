/*
 * What execve's pieces share (kernel/exec*.c, kernel/binfmt_*.c):
 * the argument strings on their way to the new stack, and the ELF loader.
 * docs/exec.md explains the layout and the limits.
 */
#ifndef KERNEL_EXEC_H
#define KERNEL_EXEC_H
#include <xentry/types.h>
#include <xentry/elf.h>

struct inode;
struct mm;

/* Linux's limits (include/uapi/linux/binfmts.h, fs/exec.c). */
#define MAX_ARG_STRLEN (32 * 4096)	/* one string, NUL included */
#define MAX_ARG_STRINGS 0x7fffffff
#define ARG_MIN_LIMIT (32 * 4096)	/* ARG_MAX: the limit never goes below */
#define ARG_MAX_LIMIT (6UL << 20)	/* 3/4 of the 8 MiB _STK_LIM */
#define BINPRM_BUF_SIZE 256		/* what binfmt handlers look at */
#define MAX_REWRITES 5			/* #! levels before ELOOP */

/* NUL-separated strings in one growable buffer, never zeroed. */
struct exec_strings {
	char *buf;
	size_t len, cap;
	int count;
};

/* One execve in progress: Linux's linux_binprm, reduced. */
struct exec_args {
	struct exec_strings args, envs;
	/* Bytes the strings may still take: Linux's bprm->p - bprm->argmin
	 * (the pointer arrays are already taken off). */
	size_t budget;
};

int exec_strings_reserve(struct exec_strings *s, size_t more);
void exec_strings_free(struct exec_strings *s);
/* For #! rewrites: argv[0] goes, new strings come in front (E2BIG past
 * the budget). */
void exec_args_drop_first(struct exec_args *x);
int exec_args_push_front(struct exec_args *x, const char *s);
/* Budget from RLIMIT_STACK and the pointer counts, as Linux; E2BIG if the
 * pointers alone do not fit. */
int exec_args_limit(struct exec_args *x, int argc, int envc);
/* Copy a user argv/envp array (count first, as Linux) into s. */
int exec_copy_user_strings(struct exec_args *x, struct exec_strings *s,
			   const void __user *uarr, bool ptr32);
int exec_count_user(const void __user *uarr, bool ptr32);
int exec_account(struct exec_args *x, size_t n);

/* #!: 0 with name and arg (arg may be NULL) pointing into buf, or -ENOEXEC.
 * buf holds BINPRM_BUF_SIZE bytes (the file's start, zero-padded). */
int shebang_parse(char *buf, const char **name, const char **arg);

/* The ELF loader (kernel/binfmt_elf_interp.c). */
struct elf_loaded {
	unsigned long bias, entry, phdr, brk;
	bool exec_stack, doomed;
};
/* Header and program headers of ino (*ph kmalloc'd): -ENOEXEC if it is
 * not an ELF of ours. */
long elf_read_image(struct inode *ino, struct elf_image *img, void **ph);
/* The path in PT_INTERP (kmalloc'd) or NULL, or -errno. */
long elf_interp_path(struct inode *ino, const struct elf_image *img, const void *ph,
		     char **path);
long elf_map_program(struct mm *mm, struct inode *ino, const struct elf_image *img,
		     const void *ph, bool has_interp, struct elf_loaded *out);
/* Maps the interpreter at path into mm; *base is AT_BASE, *entry where
 * the new image starts. */
long elf_load_interp(struct mm *mm, const char *path, bool is32, unsigned long *base,
		     unsigned long *entry);

#endif
