/*
 * A minimal ELF interpreter for tests/user/exec_interp.c: prints what the
 * kernel handed it (its own load address, the auxv entries about the
 * program) and jumps to the program's entry with the stack untouched.
 */
#include "mini.h"

#define AT_PHDR 3
#define AT_PHENT 4
#define AT_PHNUM 5
#define AT_BASE 7
#define AT_ENTRY 9

extern const char __ehdr_start[] __attribute__((visibility("hidden")));

__attribute__((used)) unsigned long interp_main(unsigned long *sp)
{
	unsigned long argc = sp[0], *p = sp + 1 + argc + 1;
	while (*p)
		p++;
	unsigned long v[10] = { 0 };
	for (p++; p[0]; p += 2)
		if (p[0] < 10)
			v[p[0]] = p[1];
	puts_raw("I");
	put_kv("self", (unsigned long)__ehdr_start);
	put_kv("base", v[AT_BASE]);
	put_kv("entry", v[AT_ENTRY]);
	put_kv("phdr", v[AT_PHDR]);
	put_kv("phent", v[AT_PHENT]);
	put_kv("phnum", v[AT_PHNUM]);
	put_kv("argc", argc);
	puts_raw("\n");
	return v[AT_ENTRY];
}

#ifdef __x86_64__
__asm__(".globl _start\n_start:\n"
	"mov %rsp, %rbx\n mov %rsp, %rdi\n and $-16, %rsp\n call interp_main\n"
	"mov %rbx, %rsp\n xor %edx, %edx\n jmp *%rax\n");
#else
__asm__(".globl _start\n_start:\n"
	"mov %esp, %ebx\n and $-16, %esp\n sub $12, %esp\n push %ebx\n call interp_main\n"
	"mov %ebx, %esp\n xor %edx, %edx\n jmp *%eax\n");
#endif
