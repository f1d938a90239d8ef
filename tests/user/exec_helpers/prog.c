/*
 * The program run through interp.c (its PT_INTERP names it): prints where
 * it was loaded and its own entry, then exits 0.
 */
#include "mini.h"

extern const char __ehdr_start[] __attribute__((visibility("hidden")));
extern const char _start[] __attribute__((visibility("hidden")));

__attribute__((used)) void prog_main(unsigned long *sp)
{
	puts_raw("P");
	put_kv("self", (unsigned long)__ehdr_start);
	put_kv("start", (unsigned long)_start);
	put_kv("argc", sp[0]);
	puts_raw(" argv1=");
	puts_raw(sp[0] > 1 ? (const char *)sp[2] : "-");
	puts_raw("\n");
	exit_raw(0);
}

#ifdef __x86_64__
__asm__(".globl _start\n_start:\n mov %rsp, %rdi\n and $-16, %rsp\n call prog_main\n hlt\n");
#else
__asm__(".globl _start\n_start:\n mov %esp, %eax\n and $-16, %esp\n sub $12, %esp\n"
	" push %eax\n call prog_main\n hlt\n");
#endif
