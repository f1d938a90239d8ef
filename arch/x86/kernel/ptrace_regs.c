/*
 * The register views ptrace offers: x86-64 `struct user_regs_struct` (what
 * a 64-bit tracer sees, also for a 32-bit tracee, CS 0x23) and the i386
 * one (what a 32-bit tracer sees).  The x86-64 view is struct pt_regs plus
 * six words, which is why pt_regs keeps Linux's field order.
 * Writes are checked field by field as Linux's putreg() does (-EIO for a
 * selector without RPL 3 or a base outside the user half), then the whole
 * frame goes through sanitize_user_regs(), the sanitizer sigreturn uses.
 *
 * The native i386 kernel has only the i386 view, whose registers are its
 * pt_regs word for word: its ptrace_getreg32/putreg32 are in
 * ptrace_regs_32.c, and everything here about x86-64 registers, segment
 * bases and the task's saved selectors is 64-bit only.  The FP views, the
 * XSTATE one and the request dispatch serve both.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/signal.h>
#include <xentry/vm.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>
#include <asm/desc.h>
#include <asm/fpu.h>

#define U64_REGS_SIZE 216
#define U64_USER_SIZE 928
#define U32_REGS_SIZE 68
#define U32_USER_SIZE 284

long ptrace_getreg32(struct task *t, unsigned long off, u32 *val);
long ptrace_putreg32(struct task *t, unsigned long off, u32 v);
void fxsave_to_fsave(const u8 *fx, u8 *fs, u16 cs, u16 ds);	/* fpu_uabi.c */
void fsave_to_fxsave(const u8 *fs, u8 *fx);

#ifdef CONFIG_X86_64
/* Only these RFLAGS bits are the tracer's to set (Linux's FLAG_MASK). */
#define PTRACE_FLAG_MASK (X86_EFLAGS_CF | X86_EFLAGS_PF | X86_EFLAGS_AF | X86_EFLAGS_ZF | \
			  X86_EFLAGS_SF | X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_OF | \
			  X86_EFLAGS_RF | X86_EFLAGS_AC | X86_EFLAGS_NT)

/* Linux's putreg rule: null or RPL 3.  Whether the CPU can use it is
 * decided when it is loaded (usable_data_sel) or at the IRET. */
static bool sel_ok(u16 v)
{
	return v == 0 || (v & 3) == 3;
}

/* The base a selector gives FS or GS: a TLS slot or an LDT entry. */
static unsigned long sel_base(struct task *t, u16 sel)
{
	unsigned idx = sel >> 3;
	if (sel & 4)
		return desc_base(ldt_desc(t->mm, idx));
	if (idx < GDT_TLS_MIN || idx >= GDT_TLS_MIN + GDT_TLS_ENTRIES)
		return 0;
	return desc_base(t->tls[idx - GDT_TLS_MIN]);
}

static unsigned long seg_base(struct task *t, u16 sel, unsigned long base64)
{
	/* With FSGSBASE the saved base is the one the task resumes with,
	 * whatever the selector (Linux's x86_fsbase_read_task). */
	if (!sel || cpu_fsgsbase)
		return base64;
	return sel_base(t, sel);
}

long ptrace_getreg64(struct task *t, unsigned long off, unsigned long *val)
{
	if (off < PTREGS_SIZE) {
		*val = *(unsigned long *)((char *)t->regs + off);
		return 0;
	}
	switch (off) {
	case 168: *val = seg_base(t, t->fsindex, t->fsbase); return 0;
	case 176: *val = seg_base(t, t->gsindex, t->gsbase); return 0;
	case 184: *val = t->dsindex; return 0;
	case 192: *val = t->esindex; return 0;
	case 200: *val = t->fsindex; return 0;
	case 208: *val = t->gsindex; return 0;
	}
	if (off < U64_USER_SIZE) {
		*val = 0;	/* fp and debug-register area: reads as zero */
		return 0;
	}
	return -EIO;
}

long ptrace_putreg64(struct task *t, unsigned long off, unsigned long v)
{
	struct pt_regs *r = t->regs;
	switch (off) {
	case PTREGS_CS:
	case PTREGS_SS:
		/* Selectors are 16 bits wide (Linux takes a u16); never null. */
		v = (u16)v;
		if ((v & 3) != 3)
			return -EIO;
		break;
	case PTREGS_FLAGS:
		r->flags = (r->flags & ~PTRACE_FLAG_MASK) | (v & PTRACE_FLAG_MASK);
		t->ptrace_step = false;	/* the tracer owns TF now */
		return 0;
	case 168:
	case 176:
		if (v >= TASK_SIZE_MAX)
			return -EIO;
		/* Only the base: a selector in FS/GS still decides the base
		 * the task runs with (Linux's x86_fsbase_write_task), and a
		 * SETREGS that writes back what GETREGS read changes nothing. */
		if (off == 168)
			t->fsbase = v;
		else
			t->gsbase = v;
		return 0;
	case 184: case 192: case 200: case 208:
		v = (u16)v;
		if (!sel_ok(v))
			return -EIO;
		if (off == 184) t->dsindex = v;
		else if (off == 192) t->esindex = v;
		else if (off == 200) t->fsindex = v;
		else t->gsindex = v;
		return 0;
	}
	if (off >= PTREGS_SIZE)
		return off < U64_USER_SIZE ? 0 : -EIO;	/* debug regs: ignored */
	*(unsigned long *)((char *)r + off) = v;
	return 0;
}

/* i386 user_regs_struct: offset -> pt_regs field (or a segment). */
static const short map32[17] = {
	PTREGS_BX, PTREGS_CX, PTREGS_DX, PTREGS_SI, PTREGS_DI, PTREGS_BP, PTREGS_AX,
	-1 /* ds */, -2 /* es */, -3 /* fs */, -4 /* gs */, PTREGS_ORIG_AX, PTREGS_IP,
	PTREGS_CS, PTREGS_FLAGS, PTREGS_SP, PTREGS_SS,
};

long ptrace_getreg32(struct task *t, unsigned long off, u32 *val)
{
	if (off >= U32_REGS_SIZE || (off & 3)) {
		if (off < U32_USER_SIZE && !(off & 3)) {
			*val = 0;
			return 0;
		}
		return -EIO;
	}
	int m = map32[off / 4];
	switch (m) {
	case -1: *val = t->dsindex; return 0;
	case -2: *val = t->esindex; return 0;
	case -3: *val = t->fsindex; return 0;
	case -4: *val = t->gsindex; return 0;
	}
	*val = *(unsigned long *)((char *)t->regs + m);
	return 0;
}

long ptrace_putreg32(struct task *t, unsigned long off, u32 v)
{
	if (off >= U32_REGS_SIZE || (off & 3))
		return (off < U32_USER_SIZE && !(off & 3)) ? 0 : -EIO;
	int m = map32[off / 4];
	switch (m) {
	case -1: case -2:
		return ptrace_putreg64(t, 184 + 8 * (-m - 1), v);
	case -3: case -4: {
		/* A 32-bit tracer has no base fields: writing FS or GS sets
		 * the base from the descriptor too, so that SETREGS restores
		 * a saved state in full even when the saved base would win
		 * (FSGSBASE).  Linux's putreg32. */
		long err = ptrace_putreg64(t, 184 + 8 * (-m - 1), v);
		if (!err && m == -3)
			t->fsbase = sel_base(t, (u16)v);
		else if (!err)
			t->gsbase = sel_base(t, (u16)v);
		return err;
	}
	case PTREGS_ORIG_AX:
		/* A 32-bit debugger's -1 must stay -1 (no restart). */
		t->regs->orig_ax = (unsigned long)(long)(int)v;
		return 0;
	}
	return ptrace_putreg64(t, m, v);
}
#endif /* CONFIG_X86_64 */

/* After a tracer changed registers: the checks sigreturn gets too. */
void ptrace_regs_changed(struct task *t)
{
	sanitize_task_regs(t, t->regs);
}

/* compat: the i386 view (the only one the i386 kernel has). */
static long get_regs(struct task *t, void *buf, bool compat)
{
#ifdef CONFIG_X86_64
	if (!compat) {
		for (unsigned off = 0; off < U64_REGS_SIZE; off += 8)
			ptrace_getreg64(t, off, (unsigned long *)((u8 *)buf + off));
		return U64_REGS_SIZE;
	}
#endif
	for (unsigned off = 0; off < U32_REGS_SIZE; off += 4)
		ptrace_getreg32(t, off, (u32 *)((u8 *)buf + off));
	return U32_REGS_SIZE;
}

static long set_regs(struct task *t, const void *buf, size_t n, bool compat)
{
	long err = 0;
#ifdef CONFIG_X86_64
	if (!compat) {
		for (unsigned off = 0; off + 8 <= n && !err; off += 8)
			err = ptrace_putreg64(t, off, *(const unsigned long *)((const u8 *)buf + off));
		ptrace_regs_changed(t);
		return err;
	}
#endif
	for (unsigned off = 0; off + 4 <= n && !err; off += 4)
		err = ptrace_putreg32(t, off, *(const u32 *)((const u8 *)buf + off));
	ptrace_regs_changed(t);
	return err;
}

static long get_fp(struct task *t, void *buf, bool compat_fsave)
{
	if (compat_fsave) {
#ifdef CONFIG_X86_32
		fxsave_to_fsave(t->fpu, buf, 0, 0);	/* the image has them */
#else
		fxsave_to_fsave(t->fpu, buf, t->regs->cs, t->dsindex);
#endif
		return 108;
	}
	memcpy(buf, t->fpu, 512);
	return 512;
}

static void set_fp(struct task *t, const void *buf, bool compat_fsave)
{
	if (compat_fsave) {
		fsave_to_fxsave(buf, t->fpu);
	} else {
		memcpy(t->fpu, buf, 512);
		memset(t->fpu + 464, 0, 48);	/* the software-available bytes */
	}
	/* FXRSTOR at the next switch would #GP on reserved MXCSR bits. */
	u32 mx;
	memcpy(&mx, t->fpu + 24, 4);
	mx &= mxcsr_mask();
	memcpy(t->fpu + 24, &mx, 4);
	/* The legacy area now holds what the tracer wrote: XRSTOR must load
	 * it rather than the init state (Linux's xfpregs_set does this). */
	if (fpu_xsave) {
		u64 bv;
		memcpy(&bv, t->fpu + XSAVE_HDR_OFFSET, 8);
		bv |= XFEATURE_MASK_FPSSE;
		memcpy(t->fpu + XSAVE_HDR_OFFSET, &bv, 8);
	}
}

long ptrace_thread_area(struct task *t, bool set, unsigned long addr,
			struct user_desc __user *uinfo);

/* NT_X86_XSTATE: the whole XSAVE image; iov_len a multiple of 8 (the
 * regset's word), a read may be short, a write must be whole. */
static long xstate_regset(struct task *t, bool get, const u64 *iov, void __user *u,
			  bool compat)
{
	static u8 xbuf[4096] __aligned(64);
	long n = fpu_xstate_get(t, xbuf);
	if (n < 0)
		return n;
	if (iov[1] % 8)
		return -EINVAL;
	n = MIN((u64)n, iov[1]);
	if (get) {
		if (copy_to_user((void __user *)(uintptr_t)iov[0], xbuf, n))
			return -EFAULT;
	} else {
		if (copy_from_user(xbuf, (const void __user *)(uintptr_t)iov[0], n))
			return -EFAULT;
		long err = fpu_xstate_set(t, xbuf, n);
		if (err)
			return err;
	}
	if (compat)
		return put_user((u32)n, (u32 __user *)u + 1);
	return put_user((u64)n, (u64 __user *)u + 1);
}

#ifdef CONFIG_X86_32
void tls_regset_get(struct task *t, struct user_desc *u);
int tls_regset_set(struct task *t, const struct user_desc *u, unsigned int n);

/* NT_386_TLS: the three TLS slots as user_descs (tls.c); the caller
 * checked that the length is whole descriptors. */
static long tls_regset(struct task *t, bool get, const u64 *iov, void __user *u)
{
	struct user_desc d[GDT_TLS_ENTRIES];
	size_t n = MIN(iov[1], (u64)sizeof(d));
	void __user *ubuf = (void __user *)(uintptr_t)iov[0];
	if (get) {
		tls_regset_get(t, d);
		if (copy_to_user(ubuf, d, n))
			return -EFAULT;
	} else {
		if (copy_from_user(d, ubuf, n))
			return -EFAULT;
		long err = tls_regset_set(t, d, n / sizeof(d[0]));
		if (err)
			return err;
	}
	return put_user((u32)n, (u32 __user *)u + 1);
}
#endif

long ptrace_regs_request(struct task *t, long request, unsigned long addr,
			 unsigned long data, bool compat)
{
	static u8 buf[512] __aligned(16);
	void __user *u = (void __user *)data;
	long n;
	switch (request) {
	case 25: /* GET_THREAD_AREA */
	case 26: /* SET_THREAD_AREA */
		return ptrace_thread_area(t, request == 26, addr, u);
	case 12: /* GETREGS */
		n = get_regs(t, buf, compat);
		return copy_to_user(u, buf, n);
	case 13: /* SETREGS */
		n = compat ? U32_REGS_SIZE : U64_REGS_SIZE;
		if (copy_from_user(buf, u, n))
			return -EFAULT;
		return set_regs(t, buf, n, compat);
	case 14: /* GETFPREGS */
		n = get_fp(t, buf, compat);
		return copy_to_user(u, buf, n);
	case 15: /* SETFPREGS */
		if (copy_from_user(buf, u, compat ? 108 : 512))
			return -EFAULT;
		set_fp(t, buf, compat);
		return 0;
	case 18: /* GETFPXREGS (i386 only) */
		if (!compat)
			return -EIO;
		return copy_to_user(u, t->fpu, 512);
	case 19: /* SETFPXREGS */
		if (!compat)
			return -EIO;
		if (copy_from_user(buf, u, 512))
			return -EFAULT;
		set_fp(t, buf, false);
		return 0;
	case 0x4204: /* GETREGSET */
	case 0x4205: { /* SETREGSET */
		/* The iovec is in the tracer's ABI; the regset is the tracee's
		 * view (Linux's task_user_regset_view), unlike GETREGS. */
		u64 iov[2] = { 0, 0 };
#ifdef CONFIG_X86_64
		bool view32 = t->is32;
#else
		bool view32 = true;
#endif
		if (compat) {
			u32 c[2];
			if (copy_from_user(c, u, sizeof(c)))
				return -EFAULT;
			iov[0] = c[0], iov[1] = c[1];
		} else if (copy_from_user(iov, u, sizeof(iov))) {
			return -EFAULT;
		}
		bool get = request == 0x4204;
		if (addr == 0x202 /* NT_X86_XSTATE */)
			return xstate_regset(t, get, iov, u, compat);
#ifdef CONFIG_X86_32
		/* Linux's i386 view: iov_len a whole number of the regset's
		 * words (u32, or one user_desc for TLS); no I/O bitmap. */
		if (addr == 0x201 /* NT_386_IOPERM */)
			return -ENXIO;
		if (addr == 0x200 /* NT_386_TLS */)
			return iov[1] % sizeof(struct user_desc) ? -EINVAL
								  : tls_regset(t, get, iov, u);
		if (iov[1] % 4 && (addr == 1 || addr == 2 || addr == 0x46e62b7f))
			return -EINVAL;
#endif
		if (addr == 0x46e62b7f /* NT_PRXFPREG: the i386 view's fxsave */) {
			if (!view32)
				return -EINVAL;
			n = 512;
		} else if (addr == 1 /* NT_PRSTATUS */)
			n = view32 ? U32_REGS_SIZE : U64_REGS_SIZE;
		else if (addr == 2 /* NT_PRFPREG */)
			n = view32 ? 108 : 512;
		else
			return -EINVAL;
		n = MIN((u64)n, iov[1]);
		/* Start from the current values: a short write keeps the rest. */
		bool fx = addr == 0x46e62b7f;
		if (addr == 1)
			get_regs(t, buf, view32);
		else
			get_fp(t, buf, view32 && !fx);
		if (get) {
			if (copy_to_user((void __user *)(uintptr_t)iov[0], buf, n))
				return -EFAULT;
		} else {
			if (copy_from_user(buf, (const void __user *)(uintptr_t)iov[0], n))
				return -EFAULT;
			if (addr == 1) {
				long err = set_regs(t, buf, view32 ? U32_REGS_SIZE : U64_REGS_SIZE,
						    view32);
				if (err)
					return err;
			} else {
				set_fp(t, buf, view32 && !fx);
			}
		}
		if (compat)
			return put_user((u32)n, (u32 __user *)u + 1);
		return put_user((u64)n, (u64 __user *)u + 1);
	}
	}
	return -EIO;
}
