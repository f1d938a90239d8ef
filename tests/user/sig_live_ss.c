/* abi: 64 */
/*
 * sig_live_ss: which SS a 64-bit signal handler runs with.
 *
 * Linux fact tested (force_valid_ss in x64_setup_rt_frame): when the
 * interrupted code's SS is a usable stack segment - a present, DPL-3,
 * writable data segment, here one of our LDT - the handler runs with that
 * SS still loaded, and the frame saves the same value; only an unusable SS
 * is replaced by 0x2b.  DOSEMU finds the signal's SS in the live register.
 * With the ordinary 0x2b the handler's SS is 0x2b (the control case).
 */
#include "seg_util.h"
#include "ktap.h"
#include <signal.h>
#include <string.h>

#define LDT_SS 0x7		/* LDT entry 0, RPL 3 */

static volatile unsigned short hw_ss, saved_ss;

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
	ucontext_t *uc = ucv;
	unsigned short ss;
	__asm__ volatile("mov %%ss, %0" : "=r"(ss));
	hw_ss = ss;
	saved_ss = (unsigned short)((unsigned long)uc->uc_mcontext.gregs[REG_CSGSFS] >> 48);
	uc->uc_mcontext.gregs[REG_RIP] += 2;	/* over the ud2 */
}

/* A ud2 (SIGILL, whose handler steps over it) with SS = sel; SS is 0x2b
 * again afterwards.  Not a system call: SYSCALL does not save SS (the
 * frame says 0x2b) and SYSRET reloads it. */
static void signal_with_ss(unsigned short sel)
{
	__asm__ volatile("mov %%ss, %%r12w\n\t"
			 "mov %w[sel], %%ss\n\t"
			 "ud2\n\t"
			 "mov %%r12w, %%ss"
			 :
			 : [sel] "r"(sel)
			 : "r12", "memory", "cc");
}

int main(void)
{
	ktap_plan(4);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_flags = SA_SIGINFO;
	sa.sa_sigaction = on_ill;
	sigaction(SIGILL, &sa, NULL);

	hw_ss = saved_ss = 0;
	signal_with_ss(0x2b);
	ktap_ok(hw_ss == 0x2b && saved_ss == 0x2b, "SS 0x2b: handler and frame 0x2b "
		"(live %#x saved %#x)", hw_ss, saved_ss);

	/* A flat 32-bit writable data segment: a usable SS in 64-bit mode. */
	struct seg_ud u = ud_make(0, 0, 0xfffff, UD_32BIT | UD_PAGES | UD_CONTENTS(0));
	if (modify_ldt(1, &u, sizeof(u)) != 0) {
		ktap_skip("modify_ldt failed", "LDT SS kept in the frame");
		ktap_skip("modify_ldt failed", "LDT SS kept in the handler");
		ktap_skip("modify_ldt failed", "SS after sigreturn");
		return ktap_finish();
	}
	hw_ss = saved_ss = 0;
	unsigned short after;
	signal_with_ss(LDT_SS);
	__asm__ volatile("mov %%ss, %0" : "=r"(after));
	ktap_eq(saved_ss, LDT_SS, "LDT SS %#x saved in the frame", LDT_SS);
	ktap_eq(hw_ss, LDT_SS, "LDT SS %#x still loaded in the handler (force_valid_ss)",
		LDT_SS);
	ktap_eq(after, 0x2b, "SS back to 0x2b after the test sequence");
	return ktap_finish();
}
