/* stac/clac, recorded so cpu.c can NOP them out on CPUs without SMAP. */
#ifndef ASM_SMAP_H
#define ASM_SMAP_H
#ifdef __ASSEMBLER__
/* A label of its own per use (\@): a numeric one would capture the
 * caller's "771b" (it did, in the asm variant's exception-table entry). */
.macro SMAP_INSN insn
.Lsmap_site\@:	\insn
	.pushsection .smap_sites, "a"
	.balign 8
	.quad .Lsmap_site\@ - .
	.popsection
.endm
#define STAC SMAP_INSN stac
#define CLAC SMAP_INSN clac
#endif
#endif
