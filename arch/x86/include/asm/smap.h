/* stac/clac, recorded so cpu.c can NOP them out on CPUs without SMAP. */
#ifndef ASM_SMAP_H
#define ASM_SMAP_H
/* A pointer-sized word in an asm table (exception table entries). */
#ifdef __x86_64__
#define _ASM_PTR .quad
#define _ASM_PTR_STR ".quad"
#define _ASM_ALIGN_STR ".balign 8"
#define _ASM_PTR_SIZE 8
#else
#define _ASM_PTR .long
#define _ASM_PTR_STR ".long"
#define _ASM_ALIGN_STR ".balign 4"
#define _ASM_PTR_SIZE 4
#endif
#ifdef __ASSEMBLER__
/* A label of its own per use (\@): a numeric one would capture the
 * caller's "771b" (it did, in the asm variant's exception-table entry). */
.macro SMAP_INSN insn
.Lsmap_site\@:	\insn
	.pushsection .smap_sites, "a"
	.balign (_ASM_PTR_SIZE)
	_ASM_PTR .Lsmap_site\@ - .
	.popsection
.endm
#define STAC SMAP_INSN stac
#define CLAC SMAP_INSN clac
#else
/* The same record for an instruction in C's inline asm. */
#define SMAP_INSN_STR(insn) \
	"771:	" insn "\n" \
	"	.pushsection .smap_sites, \"a\"\n" \
	"	" _ASM_ALIGN_STR "\n" \
	"	" _ASM_PTR_STR " 771b - .\n" \
	"	.popsection\n"
#endif
#endif
