/*
 * The two 16550 UARTs.  COM1 is the user's console (/dev/console): only
 * what programs write appears there, so xrun can hand it back verbatim.
 * COM2 is the kernel log.  Output is polled (the kernel never sleeps on
 * it); console input arrives by IRQ 4 into a ring buffer.
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

/* Console input ring, filled by the IRQ 4 handler. */
static char rx_ring[1024];
static unsigned rx_head, rx_tail;
int console_rx_wait;

void serial_irq(void)
{
	while (inb(COM1 + 5) & 0x01) {
		char c = inb(COM1);
		if (rx_head - rx_tail < sizeof(rx_ring))
			rx_ring[rx_head++ % sizeof(rx_ring)] = c;
	}
	wakeup(&console_rx_wait);
}

size_t console_read_avail(char *buf, size_t n)
{
	size_t k = 0;
	while (k < n && rx_tail != rx_head)
		buf[k++] = rx_ring[rx_tail++ % sizeof(rx_ring)];
	return k;
}
