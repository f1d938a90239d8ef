/*
 * The two 16550 UARTs.  COM1 is the user's console (/dev/console): only
 * what programs write appears there, so xrun can hand it back verbatim.
 * COM2 is the kernel log.  Output is polled (the kernel never sleeps on
 * it); console input arrives by IRQ 4 and goes to the line discipline.
 */
#include <xentry/kernel.h>
#include <xentry/fs.h>
#include <xentry/sched.h>
#include <asm/x86.h>

#define COM1 0x3f8
#define COM2 0x2f8

static void uart_init(u16 base, bool rx_irq)
{
	outb(base + 1, 0);		/* no interrupts while configuring */
	outb(base + 3, 0x80);		/* DLAB */
	outb(base + 0, 1);		/* 115200 baud */
	outb(base + 1, 0);
	outb(base + 3, 0x03);		/* 8N1 */
	outb(base + 2, 0xc7);		/* FIFO on, cleared */
	outb(base + 4, 0x0b);		/* DTR, RTS, OUT2 (routes the IRQ) */
	if (rx_irq)
		outb(base + 1, 0x01);	/* data-available interrupt */
}

static void uart_putc(u16 base, char c)
{
	while (!(inb(base + 5) & 0x20))
		;
	outb(base, c);
}

void serial_init(void)
{
	uart_init(COM1, true);
	uart_init(COM2, false);
}

void klog_write(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\n')
			uart_putc(COM2, '\r');
		uart_putc(COM2, s[i]);
	}
}

void console_write(const char *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		uart_putc(COM1, buf[i]);
}

/* Console input goes to the line discipline as it arrives, so that ^C
 * signals even a program that never reads (drivers/tty/). */
int console_rx_wait;

void serial_irq(void)
{
	bool any = false;
	while (inb(COM1 + 5) & 0x01) {
		console_receive(inb(COM1));
		any = true;
	}
	if (any)
		wakeup(&console_rx_wait);	/* readers and poll (POLL_CHAN) */
}
