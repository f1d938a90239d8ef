/*
 * xentry's exit-path counters, shared by the kernel and user tools.
 *
 * Read with the xentry-specific system call XENTRY_NR_exit_stats (the same
 * number in both ABIs, far above Linux's range so it can never collide;
 * the dispatcher tests for it only after the table lookup missed, so it
 * costs normal calls nothing):
 *     long syscall(XENTRY_NR_exit_stats, struct xentry_exit_stats *buf, int flags)
 * returns sizeof(*buf) after filling buf; flags & XENTRY_STATS_RESET zeroes
 * the counters after reading.  On Linux the number gives -ENOSYS.
 *
 * Every system-call return is counted once by how it left (SYSRETQ,
 * SYSRETL, SYSEXIT or IRET); every IRET also names why the fast
 * instruction was refused (the first failing check).  docs/entry.md.
 */
#ifndef UAPI_XENTRY_STATS_H
#define UAPI_XENTRY_STATS_H

#define XENTRY_NR_exit_stats 0x78656e74	/* "xent" */
#define XENTRY_STATS_RESET 1

enum xentry_refusal {
	XENTRY_REFUSE_CX_NE_IP,		/* 64: RCX != RIP */
	XENTRY_REFUSE_R11_NE_FLAGS,	/* 64: R11 != RFLAGS */
	XENTRY_REFUSE_CS_SS,		/* CS/SS not the standard user selectors */
	XENTRY_REFUSE_NONCANONICAL,	/* 64: RIP outside the user half */
	XENTRY_REFUSE_RF_TF,		/* RF or TF set */
	XENTRY_REFUSE_VM,		/* 32: VM set */
	XENTRY_REFUSE_NOT_LANDING_PAD,	/* 32: IP is not the vDSO landing pad */
	XENTRY_REFUSE_BAD_STACK,	/* 32: fast entry with an unreadable stack */
	XENTRY_REFUSE_INT80,		/* int $0x80 always returns by IRET */
	XENTRY_REFUSE_FLAG_CLEARED,	/* flag variant: force_iret() cleared it */
	XENTRY_NR_REFUSALS
};

struct xentry_exit_stats {
	unsigned long long sysretq, sysretl, sysexit, iret;
	unsigned long long refused[16];
	char vdso32_mode[16];		/* "sysenter", "syscall" or "int80" */
};

#endif
