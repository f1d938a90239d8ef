/*
 * Defining a system call.
 *
 *   SYSCALL_DEFINE3(write, int, fd, const char __user *, buf, size_t, count)
 *   { ...typed body... }
 *
 * expands to the typed body plus two table entries of the one uniform type
 * syscall_fn_t: __x64_sys_write (arguments from rdi, rsi, rdx, r10, r8, r9)
 * and __ia32_sys_write (arguments from ebx, ecx, edx, esi, edi, ebp, each
 * zero-extended from 32 bits, except `long` which is sign-extended, the way
 * an i386 caller means it).  The tables (arch/x86/entry/syscalls/syscall_{64,32}.tbl,
 * turned into C by tools/gen-syscalls.py) hold only these wrappers, so no
 * function is ever called through a mismatched prototype.
 *
 * The i386 kernel (CONFIG_X86_32) gets only the __ia32_ entries.
 *
 * COMPAT_SYSCALL_DEFINEn defines only an i386 entry, __ia32_compat_sys_NAME,
 * for calls whose user structures differ between the ABIs (iovec, stat64...).
 */
#ifndef XENTRY_SYSCALLS_H
#define XENTRY_SYSCALLS_H
#include <asm/ptrace.h>
#include <xentry/types.h>

typedef long (*syscall_fn_t)(const struct pt_regs *);
long sys_ni_syscall(const struct pt_regs *regs);

#define __X64ARG(t, v) ((t)(v))
#define __IA32ARG(t, v) __builtin_choose_expr( \
	__builtin_types_compatible_p(t, long), \
	(t)(long)(int)(v), (t)(unsigned long)(u32)(v))

#define __SC_WRAP(prefix, impl, ...) \
	long prefix(const struct pt_regs *regs); \
	long prefix(const struct pt_regs *regs) { return impl(__VA_ARGS__); }

/* The native i386 kernel has one ABI, i386's: no x86-64 entries (whose
 * registers its pt_regs does not have). */
#ifdef CONFIG_X86_64
#define __SC_X64(prefix, impl, ...) __SC_WRAP(prefix, impl, __VA_ARGS__)
#else
#define __SC_X64(prefix, impl, ...)
#endif

#define SYSCALL_DEFINE0(name) \
	static long __do_sys_##name(void); \
	__SC_X64(__x64_sys_##name, __do_sys_##name) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name) \
	static long __do_sys_##name(void)

#define SYSCALL_DEFINE1(name, t1, a1) \
	static long __do_sys_##name(t1 a1); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx)) \
	static long __do_sys_##name(t1 a1)

#define SYSCALL_DEFINE2(name, t1, a1, t2, a2) \
	static long __do_sys_##name(t1 a1, t2 a2); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di), \
		  __X64ARG(t2, regs->si)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx), \
		  __IA32ARG(t2, regs->cx)) \
	static long __do_sys_##name(t1 a1, t2 a2)

#define SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di), \
		  __X64ARG(t2, regs->si), __X64ARG(t3, regs->dx)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx), \
		  __IA32ARG(t2, regs->cx), __IA32ARG(t3, regs->dx)) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3)

#define SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di), \
		  __X64ARG(t2, regs->si), __X64ARG(t3, regs->dx), \
		  __X64ARG(t4, regs->r10)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx), \
		  __IA32ARG(t2, regs->cx), __IA32ARG(t3, regs->dx), \
		  __IA32ARG(t4, regs->si)) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)

#define SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di), \
		  __X64ARG(t2, regs->si), __X64ARG(t3, regs->dx), \
		  __X64ARG(t4, regs->r10), __X64ARG(t5, regs->r8)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx), \
		  __IA32ARG(t2, regs->cx), __IA32ARG(t3, regs->dx), \
		  __IA32ARG(t4, regs->si), __IA32ARG(t5, regs->di)) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)

#define SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	__SC_X64(__x64_sys_##name, __do_sys_##name, __X64ARG(t1, regs->di), \
		  __X64ARG(t2, regs->si), __X64ARG(t3, regs->dx), \
		  __X64ARG(t4, regs->r10), __X64ARG(t5, regs->r8), \
		  __X64ARG(t6, regs->r9)) \
	__SC_WRAP(__ia32_sys_##name, __do_sys_##name, __IA32ARG(t1, regs->bx), \
		  __IA32ARG(t2, regs->cx), __IA32ARG(t3, regs->dx), \
		  __IA32ARG(t4, regs->si), __IA32ARG(t5, regs->di), \
		  __IA32ARG(t6, regs->bp)) \
	static long __do_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

/* i386-only entries (layouts that differ from x86-64). */
#define COMPAT_SYSCALL_DEFINE0(name) \
	static long __do_compat_sys_##name(void); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name) \
	static long __do_compat_sys_##name(void)
#define COMPAT_SYSCALL_DEFINE1(name, t1, a1) \
	static long __do_compat_sys_##name(t1 a1); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx)) \
	static long __do_compat_sys_##name(t1 a1)
#define COMPAT_SYSCALL_DEFINE2(name, t1, a1, t2, a2) \
	static long __do_compat_sys_##name(t1 a1, t2 a2); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx), __IA32ARG(t2, regs->cx)) \
	static long __do_compat_sys_##name(t1 a1, t2 a2)
#define COMPAT_SYSCALL_DEFINE3(name, t1, a1, t2, a2, t3, a3) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx), __IA32ARG(t2, regs->cx), \
		  __IA32ARG(t3, regs->dx)) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3)
#define COMPAT_SYSCALL_DEFINE4(name, t1, a1, t2, a2, t3, a3, t4, a4) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx), __IA32ARG(t2, regs->cx), \
		  __IA32ARG(t3, regs->dx), __IA32ARG(t4, regs->si)) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4)
#define COMPAT_SYSCALL_DEFINE5(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx), __IA32ARG(t2, regs->cx), \
		  __IA32ARG(t3, regs->dx), __IA32ARG(t4, regs->si), \
		  __IA32ARG(t5, regs->di)) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5)
#define COMPAT_SYSCALL_DEFINE6(name, t1, a1, t2, a2, t3, a3, t4, a4, t5, a5, t6, a6) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6); \
	__SC_WRAP(__ia32_compat_sys_##name, __do_compat_sys_##name, \
		  __IA32ARG(t1, regs->bx), __IA32ARG(t2, regs->cx), \
		  __IA32ARG(t3, regs->dx), __IA32ARG(t4, regs->si), \
		  __IA32ARG(t5, regs->di), __IA32ARG(t6, regs->bp)) \
	static long __do_compat_sys_##name(t1 a1, t2 a2, t3 a3, t4 a4, t5 a5, t6 a6)

#endif
