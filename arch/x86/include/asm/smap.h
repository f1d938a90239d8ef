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
#else
/* The same record for an instruction in C's inline asm. */
#define SMAP_INSN_STR(insn) \
	"771:	" insn "\n" \
	"	.pushsection .smap_sites, \"a\"\n" \
	"	.balign 8\n" \
	"	.quad 771b - .\n" \
	"	.popsection\n"
#endif
#endif
