/* stac/clac, recorded so cpu.c can NOP them out on CPUs without SMAP. */
#ifndef ASM_SMAP_H
#define ASM_SMAP_H
#ifdef __ASSEMBLER__
.macro SMAP_INSN insn
771:	\insn
	.pushsection .smap_sites, "a"
	.balign 8
	.quad 771b - .
	.popsection
.endm
#define STAC SMAP_INSN stac
#define CLAC SMAP_INSN clac
#endif
#endif
