/* Kernel log and panic. */
#include <xentry/kernel.h>
#include <asm/x86.h>

void klog_write(const char *s, size_t n);
void console_write(const char *buf, size_t n);
void dump_backtrace(unsigned long rbp, void (*out)(const char *));

void printk(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	klog_write(buf, n < (int)sizeof(buf) ? n : (int)sizeof(buf) - 1);
}

/* Panic output goes to both ports: the runner watches the log for the
 * marker, and a person running `make run` sees it on the console. */
void panic_puts(const char *s)
{
	size_t n = strlen(s);
	klog_write(s, n);
	console_write(s, n);
}

void panic_printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	panic_puts(buf);
}

/* Leave QEMU through isa-debug-exit (iobase 0xf4): its exit status becomes
 * (code << 1) | 1, so it can never be mistaken for a clean 0. */
__noreturn void machine_exit(u8 code)
{
	outb(0xf4, code);
	for (;;)
		asm volatile("cli; hlt");
}

__noreturn void panic_finish(void)
{
	panic_puts("XENTRY-PANIC\n");
	machine_exit(1);
}

__noreturn void panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	asm volatile("cli");
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	panic_puts("\nKernel panic: ");
	panic_puts(buf);
	panic_puts("\n");
	dump_backtrace((unsigned long)__builtin_frame_address(0), panic_puts);
	panic_finish();
}
