/*
 * A stand-in core for running fs/ on the host (test_fs.c): one task, heap
 * memory for pages, and "user memory" that is ordinary host memory except
 * for one poisoned page, where every user access faults (-EFAULT).
 * Sleeping is simulated as "a signal arrived": sleep_on() returns
 * -ERESTARTSYS at once, so blocking paths are visible and never hang.
 *
 * Only kernel headers are included; the few libc functions used are
 * declared by hand because the kernel's types.h and libc's headers clash.
 */
#include <xentry/kernel.h>
#include <xentry/mm.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include <xentry/fs.h>
#include <xentry/vm.h>
#include "fs_stubs.h"
#include "internal.h"	/* fs/: procfs hooks stubbed below */

int vprintf(const char *fmt, va_list ap);
int printf(const char *fmt, ...);
void *calloc(size_t n, size_t size);
void *aligned_alloc(size_t align, size_t size);
void free(void *p);
void exit(int status) __attribute__((noreturn));

/* The ASan leak checker would flag the filesystem that is still alive at
 * exit; page leaks are checked by stub_live_pages instead. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "detect_leaks=0";
}

struct task stub_task;

/* The stub task has no resource limits (RLIMIT_FSIZE is checked by
 * reg_write): every one is RLIM_INFINITY, as for a fresh Linux task. */
__attribute__((constructor)) static void stub_task_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(stub_task.rlim); i++)
		stub_task.rlim[i].cur = stub_task.rlim[i].max = ~0UL;
}
char stub_bad_page[4096] __aligned(4096);
long stub_live_pages;
int stub_last_signal;
int stub_sleeps, stub_wakeups;
char stub_console_out[65536];
size_t stub_console_out_len;
const char *stub_console_in;
int console_rx_wait;
static u64 fake_ns = 1700000000ULL * 1000000000ULL;

/* `current` reads the per-CPU area (include/xentry/sched.h). */
struct percpu percpu0 = { .curr_task = &stub_task };

u64 ktime_real_ns(void)
{
	return fake_ns += 1000;
}

u64 ktime_ns(void)
{
	return fake_ns;
}

void printk(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# klog: ");
	vprintf(fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# PANIC: ");
	vprintf(fmt, ap);
	printf("\n");
	va_end(ap);
	exit(99);
}

/* ---- memory ---- */

void *kmalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void *kzalloc(size_t size)
{
	return calloc(1, size ? size : 1);
}

void kfree(void *p)
{
	free(p);
}

void *alloc_page(void)
{
	void *p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);

	if (p) {
		memset(p, 0, PAGE_SIZE);
		stub_live_pages++;
	}
	return p;
}

void free_page(void *p)
{
	stub_live_pages--;
	free(p);
}

/* Nothing maps file pages here: every page has the file's one reference. */
void get_page(void *p)
{
}

void put_page(void *p)
{
	free_page(p);
}

unsigned int page_count(void *p)
{
	return 1;
}

void unmap_file_beyond(struct inode *ino, loff_t size)
{
}

/* ---- user access ---- */

static bool touches_bad(const void *p, size_t n)
{
	unsigned long a = (unsigned long)p, b = (unsigned long)stub_bad_page;

	if (!n)
		return false;
	/* The poisoned page, and the top 64 KiB below 4 GiB (where i386
	 * tests aim their bad pointers: above an i386 task's TASK_SIZE). */
	return (a < b + sizeof(stub_bad_page) && a + n > b) ||
	       (a < 0x100000000UL && a + n > 0xffff0000UL);
}

unsigned long task_size(void)
{
	return 0x00007ffffffff000UL;
}

bool access_ok(const void __user *p, size_t n)
{
	unsigned long a = (unsigned long)p;

	return a + n >= a && a + n <= task_size();
}

int copy_to_user(void __user *dst, const void *src, size_t n)
{
	if (!access_ok(dst, n) || touches_bad(dst, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

int copy_from_user(void *dst, const void __user *src, size_t n)
{
	if (!access_ok(src, n) || touches_bad(src, n))
		return -EFAULT;
	memcpy(dst, src, n);
	return 0;
}

int clear_user(void __user *dst, size_t n)
{
	if (!access_ok(dst, n) || touches_bad(dst, n))
		return -EFAULT;
	memset(dst, 0, n);
	return 0;
}

/* The partial forms: bytes up to the first bad one are done, as the
 * kernel's exact fixup does. */
static size_t good_prefix(const void *p, size_t n)
{
	size_t k = 0;
	while (k < n && !touches_bad((const char *)p + k, 1))
		k++;
	return k;
}

size_t copy_to_user_partial(void __user *dst, const void *src, size_t n)
{
	if (!access_ok(dst, n))
		return n;
	size_t k = good_prefix(dst, n);
	memcpy(dst, src, k);
	return n - k;
}

size_t clear_user_partial(void __user *dst, size_t n)
{
	if (!access_ok(dst, n))
		return n;
	size_t k = good_prefix(dst, n);
	memset(dst, 0, k);
	return n - k;
}

long strncpy_from_user(char *dst, const char __user *src, size_t max)
{
	for (size_t i = 0; i < max; i++) {
		if (!access_ok(src + i, 1) || touches_bad(src + i, 1))
			return -EFAULT;
		dst[i] = src[i];
		if (!dst[i])
			return (long)i;
	}
	return -ENAMETOOLONG;
}

/* ---- scheduling and signals ---- */

int sleep_on(const void *chan)
{
	stub_sleeps++;
	return -ERESTARTSYS;
}

int sleep_on_deadline(const void *chan, u64 deadline_ns)
{
	stub_sleeps++;
	return -ERESTARTSYS;
}

void recalc_sigpending(struct task *t);
void recalc_sigpending(struct task *t)
{
}

size_t free_page_count(void)
{
	return 1000;
}

size_t total_page_count(void)
{
	return 2000;
}

void wakeup(const void *chan)
{
	stub_wakeups++;
}

void send_signal(struct task *t, int sig)
{
	stub_last_signal = sig;
}

void send_signal_thread(struct task *t, int sig)
{
	stub_last_signal = sig;
}

/* procfs (fs/proc/) is not part of this test: no /proc directory exists,
 * so nothing looks in it. */
void proc_mount(void)
{
}

struct inode *proc_lookup(struct inode *dir, const char *name, size_t len)
{
	return NULL;
}

void proc_fill_dir(struct inode *dir)
{
}

struct inode *proc_fd_target(struct inode *lnk)
{
	return NULL;
}

const struct file_ops proc_fops = { 0 };

void force_sig(int sig)
{
	stub_last_signal = sig;
}

bool signal_pending(struct task *t)
{
	return false;
}

/* ---- the serial console ---- */

void console_write(const char *buf, size_t n)
{
	size_t room = sizeof(stub_console_out) - stub_console_out_len;

	n = MIN(n, room);
	memcpy(stub_console_out + stub_console_out_len, buf, n);
	stub_console_out_len += n;
}

/* What the serial IRQ would deliver: stub_console_in goes through the
 * line discipline (drivers/tty/) byte by byte. */
void stub_console_type(const char *s)
{
	while (*s)
		console_receive((u8)*s++);
}

/* drivers/tty/ asks for boot options (booted as xrun boots: the console
 * without output processing) and, for job control, walks the task list
 * (empty here: the stub task has no session). */
const char *boot_option(const char *key);
const char *boot_option(const char *key)
{
	return strcmp(key, "console_opost") ? NULL : "0";
}

struct list_node all_tasks = { &all_tasks, &all_tasks };

void send_signal_info(struct task *t, const struct ksiginfo *info)
{
	stub_last_signal = info->signo;
}

/* lib/string.c has it in the kernel; older host C libraries do not. */
size_t strlcpy(char *d, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (n) {
		size_t c = MIN(len, n - 1);
		memcpy(d, s, c);
		d[c] = '\0';
	}
	return len;
}
