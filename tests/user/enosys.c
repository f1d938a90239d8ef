/*
 * enosys: syscall numbers with no system call behind them give -ENOSYS.
 *
 * Linux compares the number as unsigned against the table size, so huge
 * and negative numbers miss the table and give -ENOSYS; numbers inside the
 * table with no implementation (historic gaps) point at sys_ni_syscall and
 * give -ENOSYS too.  Nothing else happens: no signal, no crash.
 *
 * 64-bit specifics (Linux >= 5.14): only the low 32 bits of RAX select the
 * call, read as a signed int, so (1 << 32) | 39 is getpid.  Numbers
 * 512-547 are the x32 compat entries and give -ENOSYS without the x32 bit
 * (0x40000000).  With the x32 bit, x32's own getpid works only on kernels
 * built and booted with x32 support, so there -ENOSYS or the pid are both
 * accepted; a 64-bit-only call such as rt_sigaction (13) has no x32 entry
 * and gives -ENOSYS on every kernel.
 *
 * 32-bit (int $0x80, i386 numbers): anything >= the i386 table size, and
 * the gaps of the i386 table, give -ENOSYS.  The same holds for int $0x80
 * from 64-bit code, which uses the i386 table.
 *
 * "Past the end" is version-dependent: in Linux 6.18 both tables end at
 * 469 (file_setattr), so 470 is the first free number.  In the x86-64 gap
 * 335-423, 335 (uretprobe) and 336 (uprobe) exist in 6.18 and raise
 * SIGILL when called from outside a probe trampoline, so the range checked
 * starts at 337.
 */
#include "ktap.h"
#include "sys.h"
#include <limits.h>

/* int $0x80 with the number as given (full 64-bit RAX in a 64-bit task). */
static long int80(unsigned long nr)
{
	unsigned long r = nr;
#ifdef __x86_64__
	__asm__ volatile("int $0x80"
			 : "+a"(r)
			 : "b"(0UL), "c"(0UL), "d"(0UL), "S"(0UL), "D"(0UL)
			 : "memory", "r8", "r9", "r10", "r11", "cc");
#else
	/* ebx is not clobbered: all arguments are 0 */
	__asm__ volatile("push %%ebx\n\txor %%ebx, %%ebx\n\tint $0x80\n\tpop %%ebx"
			 : "+a"(r)
			 : "c"(0), "d"(0), "S"(0), "D"(0)
			 : "memory", "cc");
#endif
	return (long)r;
}

/* All numbers in [lo, hi] give -ENOSYS; report the first few that do not. */
static int __attribute__((unused)) range_enosys(long (*call)(unsigned long), unsigned long lo,
			unsigned long hi)
{
	int bad = 0;
	for (unsigned long n = lo; n <= hi; n++) {
		long r = call(n);
		if (r != -ENOSYS && bad++ < 4)
			ktap_diag("number %lu (%#lx) returned %ld", n, n, r);
	}
	return bad == 0;
}

static int list_enosys(long (*call)(unsigned long), const unsigned long *l,
		       int n)
{
	int ok = 1;
	for (int i = 0; i < n; i++) {
		long r = call(l[i]);
		if (r != -ENOSYS) {
			ktap_diag("number %lu returned %ld", l[i], r);
			ok = 0;
		}
	}
	return ok;
}

#ifdef __x86_64__
static long sys64(unsigned long nr) { return raw_syscall((long)nr, 0, 0, 0, 0, 0, 0); }
#endif

/*
 * i386 table entries that have never had an implementation on x86 Linux
 * (break, stty, gtty, ftime, prof, lock, mpx, ulimit, profil, idle,
 * afs_syscall, nfsservctl, getpmsg, putpmsg, vserver) and unused slots.
 */
static const unsigned long i386_gaps[] = {
	17, 31, 32, 35, 44, 53, 56, 58, 98, 112, 137, 169, 188, 189,
	222, 223, 251, 273, 285 };
#define N_I386_GAPS ((int)(sizeof(i386_gaps) / sizeof(i386_gaps[0])))

int main(void)
{
	long pid = getpid();

#ifdef __x86_64__
	/*
	 * x86-64 table entries without an implementation: create_module,
	 * get_kernel_syms, query_module, nfsservctl, getpmsg, putpmsg,
	 * afs_syscall, tuxcall, security, set_thread_area, get_thread_area,
	 * epoll_ctl_old, epoll_wait_old, vserver.
	 */
	static const unsigned long gaps64[] = {
		174, 177, 178, 180, 181, 182, 183, 184, 185, 205, 211, 214,
		215, 236 };

	ktap_plan(16);
	ktap_eq(sys64(-1UL), -ENOSYS, "syscall -1 gives ENOSYS");
	ktap_eq(sys64((unsigned long)(long)INT_MIN), -ENOSYS,
		"syscall INT_MIN (sign-extended) gives ENOSYS");
	ktap_eq(sys64(0x80000000UL), -ENOSYS,
		"syscall 0x80000000 (zero-extended INT_MIN) gives ENOSYS");
	ktap_eq(sys64(0x7fffffffUL), -ENOSYS, "syscall INT_MAX gives ENOSYS");
	ktap_eq(sys64(0x7fffffffffffffffUL), -ENOSYS,
		"syscall LONG_MAX (low half -1) gives ENOSYS");
	ktap_ok(list_enosys(sys64, (const unsigned long[]){ 470, 500, 511, 548, 1000, 4096, 65536 }, 7),
		"numbers past the table end (470, 500, 511, 548, 1000, 4096, 65536) give ENOSYS");
	ktap_ok(range_enosys(sys64, 337, 423),
		"unassigned range 337-423 gives ENOSYS");
	ktap_ok(list_enosys(sys64, gaps64, sizeof(gaps64) / sizeof(gaps64[0])),
		"unimplemented x86-64 table entries give ENOSYS");
	ktap_ok(range_enosys(sys64, 512, 547),
		"x32 numbers 512-547 without the x32 bit give ENOSYS");
	ktap_eq(sys64(0x40000000UL | 13), -ENOSYS,
		"x32 bit | 13 (64-bit-only rt_sigaction) gives ENOSYS");
	long x32 = sys64(0x40000000UL | 39);
	ktap_ok(x32 == -ENOSYS || x32 == pid,
		"x32 bit | 39 gives ENOSYS or, with x32 support, the pid");
	ktap_eq(sys64(1UL << 32 | 39), pid,
		"upper half of rax ignored: (1 << 32) | 39 is getpid");
	ktap_eq(sys64(0xffffffff00000000UL | 39), pid,
		"upper half of rax ignored: 0xffffffff00000027 is getpid");
	ktap_ok(list_enosys(int80, (const unsigned long[]){ -1UL, 0x7fffffffUL, 0x80000000UL, 500, 1000 }, 5),
		"int $0x80 from 64-bit code: out-of-table numbers give ENOSYS");
	ktap_ok(list_enosys(int80, i386_gaps, N_I386_GAPS),
		"int $0x80 from 64-bit code: i386 table gaps give ENOSYS");
	ktap_eq(int80(1UL << 32 | 20), pid,
		"int $0x80 from 64-bit code uses only eax: (1 << 32) | 20 is getpid");
#else
	ktap_plan(7);
	ktap_eq(int80(0xffffffffUL), -ENOSYS, "int $0x80 with -1 gives ENOSYS");
	ktap_eq(int80(0x80000000UL), -ENOSYS, "int $0x80 with INT_MIN gives ENOSYS");
	ktap_eq(int80(0x7fffffffUL), -ENOSYS, "int $0x80 with INT_MAX gives ENOSYS");
	ktap_ok(list_enosys(int80, (const unsigned long[]){ 470, 500, 511, 1000, 4096, 65536 }, 6),
		"numbers past the i386 table (470, 500, 511, 1000, 4096, 65536) give ENOSYS");
	ktap_ok(list_enosys(int80, i386_gaps, N_I386_GAPS),
		"i386 table gaps give ENOSYS");
	ktap_eq(int80(0x40000000UL | 20), -ENOSYS,
		"x32 bit | getpid means nothing to a 32-bit task: ENOSYS");
	ktap_eq(int80(20), pid, "int $0x80 with 20 is getpid (control case)");
#endif
	return ktap_finish();
}
