/*
 * execve: load an ELF (either class; with its PT_INTERP interpreter, or a
 * "#!" script's) into a fresh address space and start it with Linux's
 * initial stack: argc, argv, envp, auxv.  The new address space is built
 * completely before the old one is dropped, so any failure returns an
 * error to a caller that is still intact.  docs/exec.md: the order of
 * checks, the limits, where things are mapped.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/mm.h>
#include <xentry/elf.h>
#include <xentry/syscalls.h>
#include <xentry/uaccess.h>
#include <xentry/futex.h>
#include <asm/x86.h>
#include "exec.h"

void vfork_release(struct task *t);
void task_reset_user_state(struct task *t);
u64 get_random_u64(void);

#define STACK_SIZE (8UL << 20)
/*
 * Where a 64-bit stack ends: 128 MiB below the top of user space, not at
 * it.  Linux's randomised stack is never at the very top either, and
 * programs map there on purpose (Linux's sysret_rip selftest mremaps a
 * page to the last one below 2^47 to test RIPs at the boundary).  An i386
 * stack ends at the top of its address space, as Linux's does: 4 GiB
 * less two pages on the 64-bit kernel, 3 GiB on the i386 one.
 */
#ifdef CONFIG_X86_64
/* Below the 64-bit vDSO, its vvar page and a free page (vm.h). */
#define STACK_TOP_64 (VDSO64_BASE - 2 * PAGE_SIZE)

static unsigned long stack_top(struct mm *mm)
{
	return mm->limit == TASK_SIZE_32 ? mm->limit : STACK_TOP_64;
}
#else
static unsigned long stack_top(struct mm *mm)
{
	(void)mm;
	return TASK_SIZE_32;
}
#endif

static unsigned long push_bytes(unsigned long *sp, const void *p, size_t n)
{
	*sp -= n;
	return copy_to_user((void __user *)*sp, p, n) ? 0 : *sp;
}

/* The pointer to each string of s (stored at ustr), upwards from *at:
 * one pass over the strings, whatever their number. */
static int put_string_ptrs(unsigned long *at, const struct exec_strings *s,
			   unsigned long ustr, bool is32)
{
	size_t wsz = is32 ? 4 : 8, off = 0;
	int err = 0;
	for (int i = 0; i < s->count; i++) {
		unsigned long p = ustr + off;
		err |= is32 ? put_user((u32)p, (u32 __user *)*at) : put_user(p, (u64 __user *)*at);
		*at += wsz;
		off += strlen(s->buf + off) + 1;
	}
	err |= is32 ? put_user(0u, (u32 __user *)*at) : put_user(0ul, (u64 __user *)*at);
	*at += wsz;
	return err;
}

/* Linux's initial stack, from the top: the file name, the environment
 * and argument strings, the platform string, 16 random bytes, then
 * (16-byte aligned at argc) argc, argv[], NULL, envp[], NULL, auxv. */
static int setup_stack(struct mm *mm, bool is32, const char *path, struct exec_args *x,
		       const unsigned long *aux, int naux, unsigned long *spp)
{
	struct exec_strings *args = &x->args, *envs = &x->envs;
	unsigned long sp = stack_top(mm);
	const char *platform = is32 ? "i686" : "x86_64";
	unsigned long execfn = push_bytes(&sp, path, strlen(path) + 1);
	unsigned long estr = push_bytes(&sp, envs->buf, envs->len);
	unsigned long astr = push_bytes(&sp, args->buf, args->len);
	unsigned long plat = push_bytes(&sp, platform, strlen(platform) + 1);
	u64 rnd[2] = { get_random_u64(), get_random_u64() };
	sp &= ~15UL;
	unsigned long random = push_bytes(&sp, rnd, sizeof(rnd));
	if (!execfn || (!estr && envs->len) || (!astr && args->len) || !plat || !random)
		return -EFAULT;

	/* auxv pairs (ours + PLATFORM, EXECFN, RANDOM, NULL), envp + NULL,
	 * argv + NULL, argc: the lowest word, argc, is 16-byte aligned. */
	size_t wsz = is32 ? 4 : 8;
	size_t words = 2 * (naux + 4) + envs->count + 1 + args->count + 1 + 1;
	sp = (sp - words * wsz) & ~15UL;
	unsigned long at = sp + wsz;
	int err = is32 ? put_user((u32)args->count, (u32 __user *)sp)
		    : put_user((u64)args->count, (u64 __user *)sp);
	err |= put_string_ptrs(&at, args, astr, is32);
	err |= put_string_ptrs(&at, envs, estr, is32);
	unsigned long tail[] = { AT_RANDOM, random, AT_EXECFN, execfn, AT_PLATFORM, plat,
				 AT_NULL, 0 };
	for (int i = 0; i < 2 * naux + 8; i++) {
		unsigned long v = i < 2 * naux ? aux[i] : tail[i - 2 * naux];
		err |= is32 ? put_user((u32)v, (u32 __user *)at) : put_user(v, (u64 __user *)at);
		at += wsz;
	}
	/* What /proc/PID/{cmdline,environ,stat} show. */
	mm->arg_start = astr;
	mm->arg_end = astr + args->len;
	mm->env_start = estr;
	mm->env_end = estr + envs->len;
	mm->start_stack = sp;
	*spp = sp;
	return err ? -EFAULT : 0;
}

/* Linux's open_exec: a regular file with an execute bit, else EACCES. */
static long open_exec(const char *path, struct inode **out)
{
	long err = vfs_lookup(path, out);
	if (err) {
		*out = NULL;
		return err;
	}
	if (!inode_is_reg(*out) || !inode_is_exec(*out)) {
		inode_put(*out);
		*out = NULL;
		return -EACCES;
	}
	return 0;
}

/*
 * "#!" rewrites, up to MAX_REWRITES deep (Linux's exec_binprm: a chain
 * of five scripts ending in a binary runs, six is ELOOP).  On return *ino
 * is the ELF file to load and *exe its path (a kmalloc'd copy in *owned
 * once rewritten).
 */
static long resolve_scripts(struct inode **ino, const char **exe, char **owned,
			    struct exec_args *x)
{
	char *buf = kmalloc_uninit(BINPRM_BUF_SIZE);
	if (!buf)
		return -ENOMEM;
	long err;
	for (int depth = 0;; depth++) {
		err = -ELOOP;
		if (depth > MAX_REWRITES)
			break;
		memset(buf, 0, BINPRM_BUF_SIZE);
		err = inode_read(*ino, buf, BINPRM_BUF_SIZE, 0);
		if (err < 0)
			break;
		err = 0;
		if (buf[0] != '#' || buf[1] != '!')
			break;
		const char *name, *arg;
		err = shebang_parse(buf, &name, &arg);
		if (err)
			break;
		/* argv[0] gives way to: interpreter, its argument, the script
		 * (by the path it was run by), then the old argv[1...]. */
		exec_args_drop_first(x);
		err = exec_args_push_front(x, *exe);
		if (!err && arg)
			err = exec_args_push_front(x, arg);
		if (!err)
			err = exec_args_push_front(x, name);
		if (err)
			break;
		char *copy = kmalloc(strlen(name) + 1);
		err = -ENOMEM;
		if (!copy)
			break;
		memcpy(copy, name, strlen(name) + 1);
		struct inode *next;
		err = open_exec(copy, &next);
		if (err) {
			kfree(copy);
			break;
		}
		inode_put(*ino);
		*ino = next;
		kfree(*owned);
		*owned = copy;
		*exe = copy;
	}
	kfree(buf);
	return err;
}

/* Builds the new image of the ELF at ino (its path: exe) and switches
 * the task to it; filename is the name execve was given (AT_EXECFN). */
static long load_elf(struct inode *ino, const char *filename, const char *exe,
		     struct exec_args *x)
{
	struct task *t = current;
	struct elf_image img;
	void *ph = NULL;
	char *interp = NULL;
	struct mm *mm = NULL, *old_mm = t->mm;
	long err = elf_read_image(ino, &img, &ph);
	if (err)
		return err;
	err = elf_interp_path(ino, &img, ph, &interp);
	if (err)
		goto out;
	err = -ENOMEM;
	mm = mm_create(img.is32);
	if (!mm)
		goto out;
	/* /proc/PID/exe: the file loaded (for a script, its interpreter),
	 * not the path used to reach it - exec("/proc/self/exe") must not
	 * make exe point at itself. */
	mm->exe = ino;
	inode_get(ino);
	struct elf_loaded prog = { 0 };
	err = elf_map_program(mm, ino, &img, ph, interp != NULL, &prog);
	if (err)
		goto out;
	mm->brk_start = mm->brk = prog.brk;
	/* Before the interpreter is mapped: the lowest executable mapping
	 * of the program itself is its text. */
	for (struct vma *v = mm->vmas; v; v = v->next)
		if (v->ino && (v->prot & PROT_EXEC)) {
			mm->start_code = v->start;
			mm->end_code = v->end;
			break;
		}
	unsigned long entry = prog.entry, interp_base = 0;
	if (interp) {
		err = elf_load_interp(mm, interp, img.is32, &interp_base, &entry);
		if (err)
			goto out;
	}
#ifdef CONFIG_X86_64
	err = img.is32 ? vdso32_map(mm) : vdso64_map(mm);
#else
	err = vdso32_map(mm);	/* elf_parse_header let only i386 through */
#endif
	if (err)
		goto out;
	err = vma_map(mm, stack_top(mm) - STACK_SIZE, STACK_SIZE,
		      PROT_READ | PROT_WRITE | (prog.exec_stack ? PROT_EXEC : 0), VMA_STACK,
		      NULL, 0, 0);
	if (err)
		goto out;

	/* The point of no return for the rest of the process: its other
	 * threads die here (a failure below still leaves us alone in it). */
	err = de_thread(t);
	if (err)
		goto out;
	/* Robust futexes and the clear-tid word belong to the old image. */
	futex_exit(t);
	/* A descriptor table shared with another process (CLONE_FILES) is
	 * copied first: close-on-exec must not close the other's files. */
	if (files_shared(t->files)) {
		struct files_struct *f = files_dup(t->files);
		if (!f) {
			err = -ENOMEM;
			goto out;
		}
		files_put(t->files);
		t->files = f;
	}

	/* Switch to the new address space to write its stack; from here the
	 * old one is only kept to fall back to if that fails. */
	t->mm = mm;
	switch_mm(mm);
	u32 a, b, c, d;
	cpuid(1, 0, &a, &b, &c, &d);
	/* Linux puts the vDSO entries first (ARCH_DLINFO); a 64-bit task has
	 * no AT_SYSINFO (no __kernel_vsyscall), so it starts after that pair. */
	unsigned long aux[] = {
		AT_SYSINFO, img.is32 ? vdso32_sym(mm, 0) : 0,
#ifdef CONFIG_X86_64
		AT_SYSINFO_EHDR, img.is32 ? mm->vdso32 : mm->vdso64,
#else
		AT_SYSINFO_EHDR, mm->vdso32,
#endif
		AT_HWCAP, d, AT_PAGESZ, PAGE_SIZE, AT_CLKTCK, 100,
		AT_PHDR, prog.phdr, AT_PHENT, img.phentsize, AT_PHNUM, img.phnum,
		AT_BASE, interp_base, AT_FLAGS, 0, AT_ENTRY, prog.entry,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP2, elf_hwcap2(), AT_MINSIGSTKSZ, sigframe_minstksz(),
	};
	struct pt_regs *regs = t->regs;
	unsigned long sp;
	int skip = img.is32 ? 0 : 1;
	err = setup_stack(mm, img.is32, filename, x, aux + 2 * skip,
			  ARRAY_SIZE(aux) / 2 - skip, &sp);
	if (err) {
		t->mm = old_mm;
		switch_mm(old_mm);
		goto out;
	}
	mm_put(old_mm);
	mm = NULL;

	/* Linux's start_thread: every register zero but the stack pointer,
	 * RFLAGS = IF only. */
	memset(regs, 0, sizeof(*regs));
	regs->ip = entry;
	regs->sp = sp;
#ifdef CONFIG_X86_64
	regs->cs = img.is32 ? USER32_CS : USER_CS;
#else
	/* The data selectors are the frame's here: DS and ES the flat user
	 * segment, FS and GS null (Linux i386's start_thread). */
	regs->cs = USER32_CS;
	regs->ds = regs->es = USER_DS;
#endif
	regs->ss = USER_DS;
	regs->flags = X86_EFLAGS_IF | X86_EFLAGS_FIXED;
	/* As Linux's set_personality: the first "return" is from the execve
	 * of the new program's ABI (a tracer's exec stop shows it). */
	regs->orig_ax = img.is32 ? 11 : 59;
	/* The new registers cannot leave by SYSRET (RCX is 0, not RIP). */
	force_iret(t);
	t->work |= TIF_CHECK_REGS;
	t->is32 = img.is32;
	task_reset_user_state(t);
	for (int i = 0; i < NSIG; i++)
		if (t->sighand->action[i].handler != 1)	/* SIG_IGN survives exec */
			t->sighand->action[i] = (struct k_sigaction){ 0 };
	files_close_on_exec(t->files);
	/* comm is the name it was run by (the script's, for a script);
	 * the executable is the binary really loaded (its interpreter). */
	task_set_comm(t, filename);
	vfork_release(t);
	if (prog.doomed)
		force_sig(11);
	err = 0;
out:
	if (mm)
		mm_put(mm);
	kfree(interp);
	kfree(ph);
	return err;
}

/*
 * execve once the file is open and the strings are copied: #! rewrites,
 * then the ELF loader.  Consumes the reference on ino.
 */
static long do_execve(const char *filename, struct inode *ino, struct exec_args *x)
{
	const char *exe = filename;
	char *owned = NULL;
	long err = resolve_scripts(&ino, &exe, &owned, x);
	if (!err)
		err = load_elf(ino, filename, exe, x);
	inode_put(ino);
	kfree(owned);
	return err;
}

static long execve_common(const char __user *upath, const void __user *argv,
			  const void __user *envp, bool ptr32)
{
	struct exec_args x = { 0 };
	struct inode *ino = NULL;
	char *path = kmalloc(4096);
	long err = -ENOMEM;
	if (!path)
		goto out;
	err = strncpy_from_user(path, upath, 4096);
	if (err < 0)
		goto out;
	err = -ENOENT;
	if (!path[0])
		goto out;
	/* Linux's order: the file is opened (ENOENT, EACCES) before the
	 * strings are counted and copied (E2BIG, EFAULT). */
	err = open_exec(path, &ino);
	if (err)
		goto out;
	int argc = exec_count_user(argv, ptr32);
	int envc = argc < 0 ? 0 : exec_count_user(envp, ptr32);
	err = argc < 0 ? argc : envc < 0 ? envc : exec_args_limit(&x, argc, envc);
	if (!err)
		err = exec_account(&x, strlen(path) + 1);
	if (!err)
		err = exec_copy_user_strings(&x, &x.envs, envp, ptr32);
	if (!err)
		err = exec_copy_user_strings(&x, &x.args, argv, ptr32);
	/* Linux 5.18+: an empty argv becomes { "" }, so argv[0] exists. */
	if (!err && !x.args.count)
		err = exec_args_push_front(&x, "");
	if (!err) {
		err = do_execve(path, ino, &x);
		ino = NULL;
	}
out:
	if (ino)
		inode_put(ino);
	exec_strings_free(&x.args);
	exec_strings_free(&x.envs);
	kfree(path);
	return err;
}

void ptrace_event(int event, unsigned long msg);
bool ptrace_wants_event(int opt);

/* A traced exec reports itself: an event stop with TRACEEXEC, otherwise the
 * traditional SIGTRAP after the new image is in place. */
static long exec_notify(long err, pid_t old_tid)
{
	if (err || !current->tracer)
		return err;
	/* The message is the tid the caller had: not the pid if a
	 * non-leader thread exec'd (de_thread). */
	if (ptrace_wants_event(0x10 /* PTRACE_O_TRACEEXEC */))
		ptrace_event(4 /* PTRACE_EVENT_EXEC */, old_tid);
	else {
		struct ksiginfo i = { SIGTRAP, SI_USER, 0, 0, 0, 0, 0 };
		send_signal_info(current, &i);
	}
	return 0;
}

#ifdef CONFIG_X86_64
SYSCALL_DEFINE3(execve, const char __user *, path, const void __user *, argv,
		const void __user *, envp)
{
	pid_t tid = current->pid;
	return exec_notify(execve_common(path, argv, envp, false), tid);
}
#endif

COMPAT_SYSCALL_DEFINE3(execve, const char __user *, path, const void __user *, argv,
		       const void __user *, envp)
{
	pid_t tid = current->pid;
	return exec_notify(execve_common(path, argv, envp, true), tid);
}

/* Boot: start init from kernel strings (NUL-separated lists). */
long exec_init(const char *path, const char *argv, size_t alen, int argc,
	       const char *envp, size_t elen, int envc)
{
	struct exec_args x = { .budget = ARG_MAX_LIMIT };
	struct inode *ino;
	long err = open_exec(path, &ino);
	if (err)
		return err;
	err = -ENOMEM;
	if (!exec_strings_reserve(&x.args, alen + 1) && !exec_strings_reserve(&x.envs, elen + 1)) {
		memcpy(x.args.buf, argv, alen);
		memcpy(x.envs.buf, envp, elen);
		x.args = (struct exec_strings){ x.args.buf, alen, x.args.cap, argc };
		x.envs = (struct exec_strings){ x.envs.buf, elen, x.envs.cap, envc };
		if (!argc)
			err = exec_args_push_front(&x, "");
		else
			err = 0;
	}
	if (!err)
		err = do_execve(path, ino, &x);
	else
		inode_put(ino);
	exec_strings_free(&x.args);
	exec_strings_free(&x.envs);
	return err;
}
