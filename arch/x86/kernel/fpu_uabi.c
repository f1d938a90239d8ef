/*
 * The FPU state in the formats user space sees: the fp area of signal
 * frames (both ABIs), the i386 FSAVE view (signal frames, ptrace) and
 * ptrace's NT_X86_XSTATE.  Everything that comes back from user space is
 * checked here the way XRSTOR would check it, so the XRSTOR that loads it
 * can never fault in the kernel.  docs/fpu.md draws the layouts.
 */
#include <xentry/kernel.h>
#include <xentry/sched.h>
#include <xentry/uaccess.h>
#include <asm/x86.h>
#include <asm/fpu.h>

/*
 * The FSAVE view of an FXSAVE image (i386 user_i387_struct, 108 bytes).
 * FXSAVE keeps one "in use" bit per register; FSAVE wants the full 2-bit
 * tag of each physical register (SDM vol. 1, 8.1.7): empty (3), or, for a
 * register in use, zero (1), special (2: NaN, infinity, denormal,
 * unnormal) or valid (0), read off the value itself.  The 16-bit fields
 * are stored with 0xffff above them, as FSAVE does; the selectors are not
 * kept by FXSAVE in 64-bit mode, so the task's CS and DS stand in.  The
 * i386 kernel's FXSAVE (32-bit format) keeps them, with the opcode: its
 * view takes all three from the image, as Linux i386's convert_from_fxsr.
 */
void fxsave_to_fsave(const u8 *fx, u8 *fs, u16 cs, u16 ds)
{
	u16 fsw;
	u32 w;
	memset(fs, 0, 108);
	memcpy(&fsw, fx + 2, 2);
	w = *(const u16 *)(fx + 0) | 0xffff0000u;
	memcpy(fs + 0, &w, 4);
	w = fsw | 0xffff0000u;
	memcpy(fs + 4, &w, 4);
	unsigned top = (fsw >> 11) & 7;
	u32 tags = 0xffff0000u;
	for (unsigned phys = 0; phys < 8; phys++) {
		u32 tag = 3;
		if (fx[4] & (1u << phys)) {
			const u8 *st = fx + 32 + 16 * ((phys - top) & 7);	/* ST(i) */
			u16 exp = (st[8] | (st[9] << 8)) & 0x7fff;
			u64 mant;
			memcpy(&mant, st, 8);
			if (exp == 0x7fff)
				tag = 2;
			else if (exp == 0)
				tag = mant ? 2 : 1;
			else
				tag = (mant >> 63) ? 0 : 2;	/* no integer bit: unnormal */
		}
		tags |= tag << (2 * phys);
	}
	memcpy(fs + 8, &tags, 4);
	memcpy(fs + 12, fx + 8, 4);			/* fip */
#ifdef CONFIG_X86_32
	u16 fop, fcs;
	memcpy(&fop, fx + 6, 2);
	memcpy(&fcs, fx + 12, 2);
	w = fcs | ((u32)fop << 16);
	memcpy(fs + 16, &w, 4);				/* fcs, opcode above */
	memcpy(fs + 20, fx + 16, 4);			/* foo */
	memcpy(fs + 24, fx + 20, 4);			/* fos */
	(void)cs, (void)ds;
#else
	w = cs;
	memcpy(fs + 16, &w, 4);				/* fcs */
	memcpy(fs + 20, fx + 16, 4);			/* foo */
	w = ds | 0xffff0000u;
	memcpy(fs + 24, &w, 4);				/* fos */
#endif
	for (int i = 0; i < 8; i++)
		memcpy(fs + 28 + 10 * i, fx + 32 + 16 * i, 10);
}

void fsave_to_fxsave(const u8 *fs, u8 *fx)
{
	memcpy(fx + 0, fs + 0, 2);
	memcpy(fx + 2, fs + 4, 2);
	u32 tag;
	memcpy(&tag, fs + 8, 4);
	fx[4] = 0;
	for (int i = 0; i < 8; i++)
		if (((tag >> (2 * i)) & 3) != 3)
			fx[4] |= 1 << i;
#ifdef CONFIG_X86_32
	/* The pointers and selectors too (Linux i386's convert_to_fxsr):
	 * the opcode from above FCS, FCS itself with zeros above it. */
	u32 fcs;
	memcpy(&fcs, fs + 16, 4);
	u16 fop = fcs >> 16;
	fcs &= 0xffff;
	memcpy(fx + 6, &fop, 2);
	memcpy(fx + 8, fs + 12, 4);			/* fip */
	memcpy(fx + 12, &fcs, 4);
	memcpy(fx + 16, fs + 20, 4);			/* foo */
	memcpy(fx + 20, fs + 24, 4);			/* fos */
#endif
	for (int i = 0; i < 8; i++)
		memcpy(fx + 32 + 16 * i, fs + 28 + 10 * i, 10);
}

/* One staging buffer: the kernel runs one thing at a time with
 * interrupts off, and nothing here sleeps while it holds data. */
static u8 scratch[4096] __aligned(64);

static unsigned long fp_area_size(void)
{
	return fpu_user_size + (fpu_xsave ? FP_XSTATE_MAGIC2_SIZE : 0);
}

/*
 * Linux's fpu__alloc_mathframe: the fxsave/xsave image 64-byte aligned
 * below sp (XSAVE's own alignment rule, kept even in memory that only
 * XRSTOR-from-user would need it for), with the i386 fsave header right
 * below it.  Returns the lowest byte used; *fx gets the image's address.
 */
unsigned long fpu_mathframe(unsigned long sp, bool ia32, unsigned long *fx)
{
	*fx = (sp - fp_area_size()) & ~63UL;
	return ia32 ? *fx - FSAVE_HDR_SIZE : *fx;
}

/* Save the live state into the frame; fsave_hdr is 0 for a 64-bit one.
 * The handler then starts from the init state (the caller resets it). */
int fpu_sig_save(unsigned long fx, unsigned long fsave_hdr, u16 cs, u16 ds)
{
	u8 *buf = scratch;
	memset(buf + XSAVE_HDR_OFFSET, 0, XSAVE_HDR_SIZE);
	fpu_save_live(buf);
	if (fpu_xsave) {
		fpu_fill_sw_bytes(buf, fsave_hdr != 0);
		/* As Linux: x87 and SSE are always marked present, so a
		 * program that edits the legacy area of its frame without
		 * knowing about XSTATE_BV still gets its edits back. */
		u64 bv;
		memcpy(&bv, buf + XSAVE_HDR_OFFSET, 8);
		bv |= XFEATURE_MASK_FPSSE;
		memcpy(buf + XSAVE_HDR_OFFSET, &bv, 8);
		u32 magic2 = FP_XSTATE_MAGIC2;
		memcpy(buf + fpu_user_size, &magic2, 4);
	} else {
		memset(buf + 464, 0, 48);
	}
	if (copy_to_user((void __user *)fx, buf, fp_area_size()))
		return -EFAULT;
	if (fsave_hdr) {
		/* struct _fpstate_32: the fsave view, status at 108 and
		 * magic 0 (X86_FXSR_MAGIC: an fxsave image follows) at 110. */
		u8 hdr[FSAVE_HDR_SIZE];
		memset(hdr, 0, sizeof(hdr));
		fxsave_to_fsave(buf, hdr, cs, ds);
		memcpy(hdr + 108, buf + 2, 2);
		if (copy_to_user((void __user *)fsave_hdr, hdr, sizeof(hdr)))
			return -EFAULT;
	}
	return 0;
}

/*
 * The checks XRSTOR makes on a standard-format header, done in C: no
 * component the kernel did not enable, no compacted format (XCOMP_BV),
 * and zero reserved bytes.  XRSTOR itself looks at bytes 8..23 only;
 * Linux's own parser of user xstate (ptrace, i386 sigreturn) wants all
 * of 8..63 zero.  Then MXCSR, which Linux refuses rather than masks.
 */
static int check_xstate(const u8 *img, unsigned reserved_end)
{
	u64 bv;
	memcpy(&bv, img + XSAVE_HDR_OFFSET, 8);
	if (bv & ~fpu_xfeatures)
		return -EINVAL;
	for (unsigned i = 8; i < reserved_end; i++)
		if (img[XSAVE_HDR_OFFSET + i])
			return -EINVAL;
	return 0;
}

static int check_mxcsr(const u8 *img)
{
	u32 mx;
	memcpy(&mx, img + 24, 4);
	return (mx & ~mxcsr_mask()) ? -EINVAL : 0;
}

/*
 * sigreturn's fp restore (Linux's __fpu_restore_sig).  An image without
 * valid sw bytes and MAGIC2 is a plain fxsave one (old programs, or a
 * frame built by hand): only x87/SSE come from it and every other
 * component is reset.  With them, components outside the frame's
 * xfeatures are reset too.  Any error: the caller sends SIGSEGV.
 */
int fpu_sig_restore(unsigned long fx, unsigned long fsave_hdr)
{
	u8 *buf = scratch;
	if (copy_from_user(buf, (const void __user *)fx, 512))
		return -EFAULT;
	bool fx_only = true;
	u64 rfbm = XFEATURE_MASK_FPSSE;
	u32 magic1, ext, xsize;
	memcpy(&magic1, buf + 464, 4);
	memcpy(&ext, buf + 468, 4);
	memcpy(&rfbm, buf + 472, 8);
	memcpy(&xsize, buf + 480, 4);
	if (fpu_xsave && magic1 == FP_XSTATE_MAGIC1 &&
	    xsize >= XSAVE_HDR_OFFSET + XSAVE_HDR_SIZE && xsize <= fpu_user_size && xsize <= ext) {
		u32 magic2;
		if (get_user(magic2, (const u32 __user *)(fx + xsize)))
			return -EFAULT;
		fx_only = magic2 != FP_XSTATE_MAGIC2;
	}
	/* Linux's 64-bit sigreturn runs XRSTOR (FXRSTOR for a plain image)
	 * on the user's memory, which #GPs unless it is 64 (16) byte
	 * aligned: that is a failed sigreturn.  i386 frames are copied. */
	if (!fsave_hdr && (fx & (fx_only ? 15 : 63)))
		return -EINVAL;
	if (fpu_xsave) {
		memset(buf + XSAVE_HDR_OFFSET, 0, fpu_user_size - XSAVE_HDR_OFFSET);
		if (fx_only) {
			rfbm = XFEATURE_MASK_FPSSE;
		} else {
			if (copy_from_user(buf + XSAVE_HDR_OFFSET,
					   (const void __user *)(fx + XSAVE_HDR_OFFSET),
					   xsize - XSAVE_HDR_OFFSET))
				return -EFAULT;
			if (check_xstate(buf, fsave_hdr ? XSAVE_HDR_SIZE : 24))
				return -EINVAL;
			rfbm &= fpu_xfeatures;
		}
		/* XRSTOR with the frame's features, the rest reset: the same
		 * as a full XRSTOR with those bits cleared in XSTATE_BV.
		 * Without SSE and AVX XRSTOR would leave MXCSR alone and
		 * Linux's reset makes it 0x1f80. */
		u64 bv;
		memcpy(&bv, buf + XSAVE_HDR_OFFSET, 8);
		bv = fx_only ? XFEATURE_MASK_FPSSE : bv & rfbm;
		memcpy(buf + XSAVE_HDR_OFFSET, &bv, 8);
		if (!(rfbm & (XFEATURE_MASK_SSE | XFEATURE_MASK_YMM))) {
			u32 mx = 0x1f80;
			memcpy(buf + 24, &mx, 4);
		}
	}
	if (fsave_hdr) {
		/* i386: the x87 registers and environment are the fsave
		 * view's, whatever the fxsave copy says (Linux's
		 * convert_to_fxsr). */
		u8 hdr[108];
		if (copy_from_user(hdr, (const void __user *)fsave_hdr, sizeof(hdr)))
			return -EFAULT;
		fsave_to_fxsave(hdr, buf);
	}
	if (check_mxcsr(buf))
		return -EINVAL;
	fpu_restore_live(buf);
	return 0;
}

/* The init values of a component XSTATE_BV says is in its init state:
 * the image's bytes for it may be stale. */
static void init_absent(u8 *img, u64 bv)
{
	if (!(bv & XFEATURE_MASK_FP)) {
		memset(img, 0, 24);
		img[0] = 0x7f, img[1] = 0x03;
		memset(img + 32, 0, 128);
	}
	if (!(bv & XFEATURE_MASK_SSE))
		memset(img + 160, 0, 256);
	for (int i = 2; i < 64; i++) {
		if (!(fpu_xfeatures & (1ULL << i)) || (bv & (1ULL << i)))
			continue;
		u32 size, off, c, d;
		cpuid(0xd, i, &size, &off, &c, &d);
		if (off + size <= fpu_user_size)
			memset(img + off, 0, size);	/* AVX, AVX-512: zero */
	}
}

/* NT_X86_XSTATE read: the task's image with the software bytes Linux
 * puts there - not a signal frame's _fpx_sw_bytes but gdb's layout: the
 * XCR0 mask in the first 8 bytes, the rest zero (core dumps too). */
long fpu_xstate_get(struct task *t, u8 *out)
{
	if (!fpu_xsave)
		return -ENODEV;
	memcpy(out, t->fpu, fpu_user_size);
	u64 bv;
	memcpy(&bv, out + XSAVE_HDR_OFFSET, 8);
	init_absent(out, bv);
	memset(out + 464, 0, 48);
	memcpy(out + 464, &fpu_xfeatures, 8);
	return fpu_user_size;
}

/* NT_X86_XSTATE write: a whole standard-format image or -EFAULT, as
 * Linux; header and MXCSR checked as its copy_uabi_to_xstate does. */
long fpu_xstate_set(struct task *t, const u8 *in, size_t n)
{
	if (!fpu_xsave)
		return -ENODEV;
	if (n != fpu_user_size)
		return -EFAULT;
	if (check_xstate(in, XSAVE_HDR_SIZE) || check_mxcsr(in))
		return -EINVAL;
	memcpy(t->fpu, in, fpu_user_size);
	memset(t->fpu + 464, 0, 48);
	return 0;
}
