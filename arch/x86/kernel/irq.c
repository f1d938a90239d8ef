/*
 * Legacy interrupt controllers: the 8259 PIC pair (remapped to vectors
 * 32-47) and the 8254 PIT on IRQ 0 as the scheduler tick.  Enough for one
 * CPU under QEMU; no APIC.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <asm/x86.h>

#define PIC1 0x20
#define PIC2 0xa0
#define PIT_HZ 1193182
#define HZ 100
#define PIT_RELOAD (PIT_HZ / HZ)

void serial_irq(void);
void *ioremap_page(unsigned long phys);
void timer_tick(void);


void irq_init(void)
{
	/*
	 * The 8259's INTR reaches the CPU through the local APIC's LINT0 pin,
	 * which must be in ExtINT mode.  A PC BIOS sets that up; qboot does
	 * not, and LINT0 stays masked from reset - no IRQ would ever arrive.
	 * So: APIC software-enabled (spurious vector register), LINT0 =
	 * ExtINT, LINT1 = NMI, every other local interrupt masked.
	 */
	volatile u32 *apic = ioremap_page(rdmsr(0x1b) & 0xfffff000UL);
	apic[0xf0 / 4] = 0x1ff;			/* SVR: enable, spurious vector 0xff */
	apic[0x350 / 4] = 0x700;		/* LVT LINT0: ExtINT */
	apic[0x360 / 4] = 0x400;		/* LVT LINT1: NMI */
	apic[0x320 / 4] = 0x10000;		/* LVT timer: masked */
	apic[0x370 / 4] = 0x10000;		/* LVT error: masked */
	outb(PIC1, 0x11);		/* ICW1: init, expect ICW4 */
	outb(PIC2, 0x11);
	outb(PIC1 + 1, 32);		/* vector offsets */
	outb(PIC2 + 1, 40);
	outb(PIC1 + 1, 4);		/* slave on IRQ 2 */
	outb(PIC2 + 1, 2);
	outb(PIC1 + 1, 1);		/* 8086 mode */
	outb(PIC2 + 1, 1);
	outb(PIC1 + 1, ~((1 << 0) | (1 << 4)) & 0xff);	/* timer, COM1 */
	outb(PIC2 + 1, 0xff);

	outb(0x43, 0x34);		/* channel 0, lo/hi, rate generator */
	outb(0x40, PIT_RELOAD & 0xff);
	outb(0x40, PIT_RELOAD >> 8);
}

/* The PIT's down-counter now (channel 0, PIT_RELOAD..1). */
u32 pit_read_count(void)
{
	outb(0x43, 0x00);		/* latch channel 0 */
	u32 lo = inb(0x40), hi = inb(0x40);
	return (hi << 8) | lo;
}

/* PIT counts in ns, for the TSC calibration. */
u64 pit_counts_to_ns(u64 counts)
{
	return counts * 1000000000UL / PIT_HZ;
}

u32 pit_reload(void)
{
	return PIT_RELOAD;
}

void do_irq(int irq)
{
	if (irq == 0) {
		timer_tick();
	} else if (irq == 4) {
		serial_irq();
	}
	if (irq >= 8)
		outb(PIC2, 0x20);
	outb(PIC1, 0x20);
}
