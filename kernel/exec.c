/*
 * execve: load a static ELF (either class) into a fresh address space and
 * start it with Linux's initial stack: argc, argv, envp, auxv.  The new
 * address space is built completely before the old one is dropped, so any
 * failure returns an error to a caller that is still intact.
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

void vfork_release(struct task *t);
void task_reset_user_state(struct task *t);
u64 get_random_u64(void);

#define MAX_ARG_BYTES (256 * 1024)
#define STACK_SIZE (8UL << 20)
/*
 * Where a 64-bit stack ends: 128 MiB below the top of user space, not at
 * it.  Linux's randomised stack is never at the very top either, and
 * programs map there on purpose (Linux's sysret_rip selftest mremaps a
 * page to the last one below 2^47 to test RIPs at the boundary).  An i386
 * stack ends at the top of its 4 GiB, as Linux's does.
 */
#define STACK_TOP_64 0x7ffff8000000UL

static unsigned long stack_top(struct mm *mm)
{
	return mm->limit == TASK_SIZE_32 ? mm->limit : STACK_TOP_64;
}
#define ET_DYN_BASE_64 0x555555554000UL
#define ET_DYN_BASE_32 0x56555000UL

/* argv or envp, copied into one kernel buffer of NUL-separated strings. */
struct argbuf { char *buf; size_t len; int count; };

static int copy_strings(struct argbuf *ab, const void __user *uarr, bool ptr32)
{
	for (unsigned long i = 0; uarr; i++) {
		unsigned long p = 0;
		int err = ptr32 ? copy_from_user(&p, (const u32 __user *)uarr + i, 4)
				: copy_from_user(&p, (const u64 __user *)uarr + i, 8);
		if (err)
			return -EFAULT;
		if (!p)
			break;
		long n = strncpy_from_user(ab->buf + ab->len, (const char __user *)p,
					   MAX_ARG_BYTES - ab->len);
		if (n == -ENAMETOOLONG)
			return -E2BIG;
		if (n < 0)
			return n;
		ab->len += n + 1;
		ab->count++;
	}
	return 0;
}

/* Writes one word of the new process's stack (4 or 8 bytes wide). */
static int put_word(unsigned long *sp, unsigned long v, bool is32)
{
	*sp -= is32 ? 4 : 8;
	return is32 ? put_user((u32)v, (u32 __user *)*sp) : put_user(v, (u64 __user *)*sp);
}

static unsigned long push_bytes(unsigned long *sp, const void *p, size_t n)
{
	*sp -= n;
	return copy_to_user((void __user *)*sp, p, n) ? 0 : *sp;
}

/* Pushes the pointers to each string of ab (stored at ustr) in reverse
 * order, so that they end up in order, then nothing else. */
static int put_string_ptrs(unsigned long *sp, const struct argbuf *ab, unsigned long ustr,
			   bool is32)
{
	int err = 0;
	for (int i = ab->count - 1; i >= 0; i--) {
		/* Find the start of string i by scanning from the front. */
		size_t off = 0;
		for (int k = 0; k < i; k++)
			off += strlen(ab->buf + off) + 1;
		err |= put_word(sp, ustr + off, is32);
	}
	return err;
}

/* Linux's initial stack, from the top: strings, 16 random bytes, then
 * (16-byte aligned at argc) auxv, envp[], argv[], argc.  Returns the new
 * stack pointer through *spp. */
static int setup_stack(struct mm *mm, bool is32, const char *path, struct argbuf *args,
		       struct argbuf *envs, const unsigned long *aux, int naux,
		       unsigned long *spp)
{
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
	 * argv + NULL, argc: the last word written must be 16-byte aligned. */
	size_t wsz = is32 ? 4 : 8;
	size_t words = 2 * (naux + 4) + envs->count + 1 + args->count + 1 + 1;
	sp &= ~15UL;
	sp -= (sp - words * wsz) & 15;
	int err = 0;
	err |= put_word(&sp, 0, is32);
	err |= put_word(&sp, AT_NULL, is32);
	err |= put_word(&sp, plat, is32);
	err |= put_word(&sp, AT_PLATFORM, is32);
	err |= put_word(&sp, execfn, is32);
	err |= put_word(&sp, AT_EXECFN, is32);
	err |= put_word(&sp, random, is32);
	err |= put_word(&sp, AT_RANDOM, is32);
	for (int i = naux - 1; i >= 0; i--) {
		err |= put_word(&sp, aux[2 * i + 1], is32);
		err |= put_word(&sp, aux[2 * i], is32);
	}
	err |= put_word(&sp, 0, is32);
	err |= put_string_ptrs(&sp, envs, estr, is32);
	err |= put_word(&sp, 0, is32);
	err |= put_string_ptrs(&sp, args, astr, is32);
	err |= put_word(&sp, args->count, is32);
	*spp = sp;
	return err ? -EFAULT : 0;
}

/* Maps the PT_LOAD segments; returns the load bias or -errno. */
static long map_segments(struct mm *mm, struct inode *ino, const struct elf_image *img,
			 const void *ph, unsigned long *brk, bool *exec_stack,
			 unsigned long *phdr_addr, bool *doomed)
{
	unsigned long bias = 0, top = 0;
	if (img->type == ET_DYN)
		bias = img->is32 ? ET_DYN_BASE_32 : ET_DYN_BASE_64;
	*exec_stack = false;
	*phdr_addr = 0;
	for (int i = 0; i < img->phnum; i++) {
		struct elf_seg s;
		elf_get_phdr(img, ph, i, &s);
		if (s.type == PT_GNU_STACK)
			*exec_stack = s.flags & PF_X;
		if (s.type == PT_PHDR)
			*phdr_addr = s.vaddr + bias;
		if (s.type != PT_LOAD || !s.memsz)
			continue;
		if (s.filesz > s.memsz) {
			/* Linux finds this only while mapping, after the point
			 * of no return: the exec "succeeds" and the new image
			 * dies of SIGSEGV.  Do the same. */
			*doomed = true;
			continue;
		}
		if ((s.vaddr - s.offset) & ~PAGE_MASK)
			return -EINVAL;
		unsigned long va = s.vaddr + bias;
		unsigned long start = ALIGN_DOWN(va, PAGE_SIZE);
		unsigned long end = ALIGN_UP(va + s.memsz, PAGE_SIZE);
		if (va + s.memsz < va || end > mm->limit || end <= start)
			return -EINVAL;
		u32 prot = (s.flags & PF_R ? PROT_READ : 0) | (s.flags & PF_W ? PROT_WRITE : 0) |
			   (s.flags & PF_X ? PROT_EXEC : 0);
		int err = vma_map(mm, start, end - start, prot, 0, ino,
				  s.offset - (va - start), va + s.filesz);
		if (err)
			return err;
		if (!*phdr_addr && img->phoff >= s.offset && img->phoff < s.offset + s.filesz)
			*phdr_addr = va + (img->phoff - s.offset);
		top = MAX(top, end);
	}
	if (!top && !*doomed)
		return -ENOEXEC;
	*brk = top ? top : PAGE_SIZE;
	return bias;
}

static long check_interp(struct inode *ino, const struct elf_image *img, const void *ph)
{
	for (int i = 0; i < img->phnum; i++) {
		struct elf_seg s;
		elf_get_phdr(img, ph, i, &s);
		if (s.type != PT_INTERP)
			continue;
		/* Linux: the path must fit PATH_MAX and hold at least "x\0". */
		if (s.filesz > 4096 || s.filesz < 2)
			return -ENOEXEC;
		char *path = kmalloc(s.filesz);
		if (!path)
			return -ENOMEM;
		long r = inode_read(ino, path, s.filesz, s.offset);
		if (r >= 0 && r != (long)s.filesz)
			r = -EIO;
		if (r >= 0 && path[s.filesz - 1])
			r = -ENOEXEC;
		struct inode *interp;
		if (r >= 0)
			r = vfs_lookup(path, &interp);
		if (r >= 0) {
			/* Dynamic linking is not supported: only static programs. */
			printk("exec: %s needs interpreter %s: not supported\n", current->comm, path);
			inode_put(interp);
			r = -ENOEXEC;
		}
		kfree(path);
		return r;
	}
	return 0;
}

long do_execve(const char *path, struct argbuf *args, struct argbuf *envs)
{
	struct task *t = current;
	struct inode *ino;
	u8 hdr[sizeof(struct elf64_ehdr)];
	struct elf_image img;
	void *ph = NULL;
	struct mm *mm = NULL, *old_mm = t->mm;
	/* No procfs yet (issue 14): the one /proc path programs exec - to
	 * re-run themselves, as Linux's ldt_gdt selftest does - is the name
	 * recorded at our own execve, as readlink already answers it.  A
	 * copy: exec overwrites exe_path. */
	char self[sizeof(t->exe_path)];
	if (!strcmp(path, "/proc/self/exe") && t->exe_path[0]) {
		strlcpy(self, t->exe_path, sizeof(self));
		path = self;
	}
	long err = vfs_lookup(path, &ino);
	if (err)
		return err;
	err = -EACCES;
	if (!inode_is_reg(ino) || !inode_is_exec(ino))
		goto out;
	memset(hdr, 0, sizeof(hdr));
	err = inode_read(ino, hdr, sizeof(hdr), 0);
	if (err < 0)
		goto out;
	err = elf_parse_header(hdr, err, &img);
	if (err)
		goto out;
	size_t phsize = (size_t)img.phnum * img.phentsize;
	err = -ENOMEM;
	ph = kmalloc(phsize);
	if (!ph)
		goto out;
	err = inode_read(ino, ph, phsize, img.phoff);
	if (err >= 0 && err != (long)phsize)
		err = -ENOEXEC;		/* headers past the end of the file */
	if (err < 0)
		goto out;
	err = check_interp(ino, &img, ph);
	if (err)
		goto out;
	err = -ENOMEM;
	mm = mm_create(img.is32);
	if (!mm)
		goto out;
	unsigned long brk = 0, phdr_addr = 0;
	bool exec_stack, doomed = false;
	long bias = map_segments(mm, ino, &img, ph, &brk, &exec_stack, &phdr_addr, &doomed);
	if (bias < 0) {
		err = bias;
		goto out;
	}
	mm->brk_start = mm->brk = brk;
	if (img.is32) {
		err = vdso32_map(mm);
		if (err)
			goto out;
	}
	err = vma_map(mm, stack_top(mm) - STACK_SIZE, STACK_SIZE,
		      PROT_READ | PROT_WRITE | (exec_stack ? PROT_EXEC : 0), VMA_STACK,
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
	 * no vDSO here, so it starts after those two pairs. */
	unsigned long aux[] = {
		AT_SYSINFO, img.is32 ? vdso32_sym(mm, 0) : 0,
		AT_SYSINFO_EHDR, mm->vdso32,
		AT_HWCAP, d, AT_PAGESZ, PAGE_SIZE, AT_CLKTCK, 100,
		AT_PHDR, phdr_addr, AT_PHENT, img.phentsize, AT_PHNUM, img.phnum,
		AT_BASE, 0, AT_FLAGS, 0, AT_ENTRY, img.entry + bias,
		AT_UID, 0, AT_EUID, 0, AT_GID, 0, AT_EGID, 0, AT_SECURE, 0,
		AT_HWCAP2, 0,
	};
	struct pt_regs *regs = t->regs;
	unsigned long sp;
	int skip = img.is32 ? 0 : 2;
	err = setup_stack(mm, img.is32, path, args, envs, aux + 2 * skip,
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
	regs->ip = img.entry + bias;
	regs->sp = sp;
	regs->cs = img.is32 ? USER32_CS : USER_CS;
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
	task_set_comm(t, path);
	if (path[0] == '/')
		strlcpy(t->exe_path, path, sizeof(t->exe_path));
	else
		snprintf(t->exe_path, sizeof(t->exe_path), "/%s", path);
	vfork_release(t);
	if (doomed)
		force_sig(11);
	err = 0;
out:
	if (mm)
		mm_put(mm);
	kfree(ph);
	inode_put(ino);
	return err;
}

static long execve_common(const char __user *upath, const void __user *argv,
			  const void __user *envp, bool ptr32)
{
	char *path = kmalloc(4096);
	/* Not zeroed: only the strings copied in are ever read, and zeroing
	 * 2 x 256 KiB was most of a small exec's cost. */
	struct argbuf args = { kmalloc_uninit(MAX_ARG_BYTES), 0, 0 };
	struct argbuf envs = { kmalloc_uninit(MAX_ARG_BYTES), 0, 0 };
	long err = -ENOMEM;
	if (!path || !args.buf || !envs.buf)
		goto out;
	err = strncpy_from_user(path, upath, 4096);
	if (err < 0)
		goto out;
	err = -ENOENT;
	if (!path[0])
		goto out;
	err = copy_strings(&args, argv, ptr32);
	if (!err)
		err = copy_strings(&envs, envp, ptr32);
	if (!err)
		err = do_execve(path, &args, &envs);
out:
	kfree(path);
	kfree(args.buf);
	kfree(envs.buf);
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

SYSCALL_DEFINE3(execve, const char __user *, path, const void __user *, argv,
		const void __user *, envp)
{
	pid_t tid = current->pid;
	return exec_notify(execve_common(path, argv, envp, false), tid);
}

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
	struct argbuf args = { kmalloc_uninit(MAX_ARG_BYTES), MIN(alen, MAX_ARG_BYTES), argc };
	struct argbuf envs = { kmalloc_uninit(MAX_ARG_BYTES), MIN(elen, MAX_ARG_BYTES), envc };
	memcpy(args.buf, argv, args.len);
	memcpy(envs.buf, envp, envs.len);
	long err = do_execve(path, &args, &envs);
	kfree(args.buf);
	kfree(envs.buf);
	return err;
}
