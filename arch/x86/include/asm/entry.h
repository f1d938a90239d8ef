/* Constants shared by the entry asm and C (kept here so .S can use them). */
#ifndef ASM_ENTRY_H
#define ASM_ENTRY_H
/* struct percpu offsets (arch/x86/include/asm/x86.h; checked in cpu.c). */
#define PERCPU_KERNEL_RSP 8
#define PERCPU_USER_RSP 16
#define ENOSYS_VAL 38
#define X86_EFLAGS_FIXED_VAL 0x2
#define X86_EFLAGS_TF_VAL 0x100
#define X86_EFLAGS_IF_VAL 0x200
#define X86_EFLAGS_NT_VAL 0x4000
#define X86_EFLAGS_AC_VAL 0x40000
#endif
