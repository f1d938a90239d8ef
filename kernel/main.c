/*
 * kmain: from the boot stub to the first user process.  docs/boot.md walks
 * through the order and why it is that order.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/vm.h>
#include <xentry/fs.h>
#include <xentry/sched.h>
#include <asm/x86.h>

void serial_init(void);
void pmm_init(unsigned long max_phys);
void pmm_free_range(unsigned long start, unsigned long end);
void pmm_reserve_range(unsigned long start, unsigned long end);
void vm_init(unsigned long max_phys);
void cpu_init(void);
void ldt_init(void);
#ifdef CONFIG_X86_64
void espfix_init(void);
#endif
void cpu_early_init(void);
void irq_init(void);
void time_init(void);
void vdso32_init(void);
void rlimits_init(struct task *t);
struct task *task_alloc(void);
long exec_init(const char *path, const char *argv, size_t alen, int argc,
	       const char *envp, size_t elen, int envc);

struct mb_info {
	u32 flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
	u32 syms[4];
	u32 mmap_length, mmap_addr;
} __packed;
struct mb_mmap { u32 size; u64 base, len; u32 type; } __packed;
struct mb_module { u32 start, end, string, reserved; } __packed;

static char cmdline[1024];

/*
 * The RAM of a memory-map entry the page allocator may hand out: all of
 * it on x86-64; on i386 only what the direct map reaches (DIRECT_MAP_SIZE,
 * xentry/mm.h), since pages are used through their direct-map address -
 * which also keeps every address below 4 GiB, in an unsigned long.
 */
static bool usable_ram(const struct mb_mmap *e, unsigned long *start, unsigned long *end)
{
	if (e->type != 1 || !e->len)
		return false;
	u64 s = e->base, t = e->base + e->len;
#ifdef CONFIG_X86_32
	if (s >= DIRECT_MAP_SIZE)
		return false;
	t = MIN(t, (u64)DIRECT_MAP_SIZE);
#endif
	*start = s, *end = t;
	return true;
}

/* The value of boot option key=value, or NULL. */
const char *boot_option(const char *key)
{
	static char val[256];
	size_t klen = strlen(key);
	for (const char *p = cmdline; *p;) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		if ((size_t)(p - w) > klen && !strncmp(w, key, klen) && w[klen] == '=') {
			size_t n = MIN((size_t)(p - w) - klen - 1, sizeof(val) - 1);
			memcpy(val, w + klen + 1, n);
			val[n] = 0;
			return val;
		}
	}
	return NULL;
}

/* Reads a NUL-separated list file from the initramfs (init.argv/envp). */
static size_t read_list(const char *path, char *buf, size_t cap, int *count)
{
	struct inode *ino;
	*count = 0;
	if (vfs_lookup(path, &ino))
		return 0;
	ssize_t n = inode_read(ino, buf, cap - 1, 0);
	inode_put(ino);
	if (n <= 0)
		return 0;
	if (buf[n - 1])
		buf[n++] = 0;		/* tolerate a missing final NUL */
	for (ssize_t i = 0; i < n; i++)
		if (!buf[i])
			(*count)++;
	return n;
}

/*
 * crashtest=stack-overflow: recurse on a real kernel stack until its guard
 * page is hit, to show that an overflow ends in a readable double-fault
 * panic and not a triple fault (tests/host/test_double_fault.sh).
 *
 * Each frame holds a few hundred bytes and writes its lowest one first:
 * many frames fit in a 16 KiB stack, none can step over the 4 KiB guard
 * page, and the faulting instruction is in this function.  The use of
 * frame[0] after the call keeps the call a call (no tail call, no loop).
 */
#define CRASHTEST_MAX_DEPTH 100000
static __attribute__((noinline, noclone)) unsigned long crashtest_recurse(unsigned long depth)
{
	volatile char frame[256];
	frame[0] = (char)depth;
	if (depth >= CRASHTEST_MAX_DEPTH)	/* only without a guard page */
		return depth;
	return crashtest_recurse(depth + 1) + frame[0];
}

/* Runs crashtest_recurse on t's kernel stack, from just below its user
 * frame: the boot stack we are on has no guard page. */
static void crashtest_stack_overflow(struct task *t)
{
	unsigned long top = (unsigned long)t->regs & ~15UL, arg = 0, ret;
	printk("crashtest: recursing on pid %d's kernel stack %p-%lx until its guard page\n",
	       t->pid, t->kstack, top);
	/* rbx/ebx keeps our stack pointer across the call (callee-saved, and
	 * clobbered here so it holds nothing of ours); the call then starts
	 * at top.  The argument is in rdi, or pushed there on i386. */
#ifdef CONFIG_X86_64
	asm volatile("movq %%rsp, %%rbx\n\t"
		     "movq %[top], %%rsp\n\t"
		     "call *%[fn]\n\t"
		     "movq %%rbx, %%rsp"
		     : "=a"(ret), "+D"(arg)
		     : [top] "r"(top), [fn] "r"(crashtest_recurse)
		     : "rbx", "rcx", "rdx", "rsi", "r8", "r9", "r10", "r11", "cc", "memory");
#else
	asm volatile("movl %%esp, %%ebx\n\t"
		     "movl %[top], %%esp\n\t"
		     "pushl %[arg]\n\t"
		     "call *%[fn]\n\t"
		     "movl %%ebx, %%esp"
		     : "=a"(ret)
		     : [top] "S"(top), [fn] "D"(crashtest_recurse), [arg] "a"(arg)
		     : "ebx", "ecx", "edx", "cc", "memory");
#endif
	panic("crashtest: %lu frames deep and no fault: the kernel stack has no guard page",
	      ret);
}

static void crashtest(const char *what, struct task *t)
{
	if (!strcmp(what, "stack-overflow"))
		crashtest_stack_overflow(t);
	printk("crashtest: unknown test '%s' (known: stack-overflow), ignored\n", what);
}

static void start_init(void)
{
	static char argv[4096], envp[4096];
	int argc, envc;
	size_t alen = read_list("/init.argv", argv, sizeof(argv), &argc);
	const char *path = boot_option("init");
	if (path || !alen) {
		if (!path)
			path = "/init";
		alen = strlcpy(argv, path, sizeof(argv)) + 1;
		argc = 1;
	} else {
		path = argv;
	}
	size_t elen = read_list("/init.envp", envp, sizeof(envp), &envc);
	if (!elen) {
		static const char def[] = "HOME=/\0PATH=/bin:/\0TERM=linux";
		memcpy(envp, def, sizeof(def));
		elen = sizeof(def);
		envc = 3;
	}

	struct task *t = task_alloc();
	BUG_ON(!t || t->pid != 1);
	/* Static, so never freed: users holds one reference of its own,
	 * as init can drop it (unshare(CLONE_FS)) while its threads or
	 * CLONE_FS children keep using it. */
	static struct fs_struct init_fs = { .users = 2, .umask = 022 };
	t->files = files_new_console();
	t->fs = &init_fs;		/* never freed: init's exit ends the machine */
	t->fs->cwd = root_inode();
	inode_get(t->fs->cwd);
	t->sighand = sighand_copy(NULL);
	if (thread_group_new(t) || !t->sighand)
		panic("out of memory for init");
	t->group->pgid = t->group->sid = 1;
	t->exit_signal = 17;
	rlimits_init(t);
	task_set_comm(t, path);
	percpu0.curr_task = t;
	long err = exec_init(path, argv, alen, argc, envp, elen, envc);
	if (err)
		panic("cannot run init %s: error %ld", path, err);
	printk("init: %s (%s, %d args)\n", path, t->is32 ? "i386" : "x86-64", argc);
	/* After boot is complete and pid 1 is set up, before it runs: path
	 * (boot_option's buffer, maybe) is not needed past this point. */
	const char *ct = boot_option("crashtest");
	if (ct)
		crashtest(ct, t);
	/* We are not a task: leave the boot stack for good. */
	percpu0.curr_task = NULL;
	task_start(t);
	schedule();
	panic("boot context rescheduled");
}

void kmain(u32 mbi_phys, u32 magic)
{
	extern char _end_phys[], _phys_start[];
	serial_init();
	printk("xentry: booting\n");
	if (magic != 0x2BADB002)
		panic("not started by a multiboot loader (magic %x)", magic);

	/* The boot page tables identity-map the first GiB, where the loader
	 * put everything: read what we need before vm_init drops that map. */
	struct mb_info *mbi = (struct mb_info *)(unsigned long)mbi_phys;
	if (mbi->flags & (1 << 2))
		strlcpy(cmdline, (const char *)(unsigned long)mbi->cmdline, sizeof(cmdline));
	printk("cmdline: %s\n", cmdline);
	if (!(mbi->flags & (1 << 6)))
		panic("no memory map from the boot loader");
	unsigned long max_phys = 0, start, end;
	for (unsigned long p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
		struct mb_mmap *e = (void *)p;
		if (usable_ram(e, &start, &end))
			max_phys = MAX(max_phys, end);
		p += e->size + 4;
	}
	pmm_init(max_phys);
	for (unsigned long p = mbi->mmap_addr; p < mbi->mmap_addr + mbi->mmap_length;) {
		struct mb_mmap *e = (void *)p;
		if (usable_ram(e, &start, &end))
			pmm_free_range(start, end);
		p += e->size + 4;
	}
	pmm_reserve_range(0, 0x100000);		/* BIOS data, mbi, real-mode area */
	pmm_reserve_range((unsigned long)_phys_start, (unsigned long)_end_phys);
	unsigned long initrd = 0, initrd_len = 0;
	if ((mbi->flags & (1 << 3)) && mbi->mods_count) {
		struct mb_module *m = (void *)(unsigned long)mbi->mods_addr;
		pmm_reserve_range(ALIGN_DOWN((unsigned long)mbi->mods_addr, PAGE_SIZE),
				  mbi->mods_addr + mbi->mods_count * sizeof(*m));
		pmm_reserve_range(m->start, m->end);	/* kept: the fs may point into it */
		initrd = m->start;
		initrd_len = m->end - m->start;
	}
	cpu_early_init();
	vm_init(max_phys);
	printk("memory: %lu MiB, %zu pages free\n", max_phys >> 20, free_page_count());

	cpu_init();
	ldt_init();
#ifdef CONFIG_X86_64
	espfix_init();
#endif
	vdso32_init();
	irq_init();
	time_init();
	if (!initrd)
		panic("no initramfs: pass one with -initrd (tools/xrun does)");
	vfs_init(__va(initrd), initrd_len);
	start_init();
}
