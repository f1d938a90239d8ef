/* Constants shared by the entry asm and C (kept here so .S can use them). */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H
/* struct percpu offsets (arch/x86/include/asm/x86.h; checked in cpu.c). */
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16
#define ENOSYS_VAL 38
#endif
