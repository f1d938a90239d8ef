"""tools/bench's report: results.md (tables), results.svg (a chart)."""

import datetime
import html
import os
import subprocess

from .common import BUILD, HEADLINE, LINUX_DEFAULT, LINUX_OFF, OP_ROWS, ROWS

# -- reporting ---------------------------------------------------------------

def num(s):
    try:
        return float(s)
    except (TypeError, ValueError):
        return None


def fmt_num(v):
    return f"{v:.0f}" if abs(v - round(v)) < 0.05 else f"{v:.1f}"


def find_run(runs, column, abi, cpu, forced=False):
    """The run of a column that fills rows of ABI abi (64, 32, or i386: the
    native i386 kernel) on a CPU model, with the vDSO forced to int $0x80
    or not."""
    for r in runs:
        if r.column != column or r.row_abi != abi or r.cpu != cpu:
            continue
        is_forced = r.vdso_expected == "int80"
        if forced != is_forced:
            continue
        return r
    return None


def cell_value(runs, column, row, opts):
    """(median as float or None, text) for one table cell."""
    abi, path, vdso, cpu = row
    if opts.kvm:
        cpu = "host"
    forced = vdso == "int80"
    r = find_run(runs, column, abi, cpu, forced)
    if r is None:
        return None, "n/a"
    if not r.ok:
        return None, "failed"
    if vdso and r.vdso != vdso:
        return None, f"n/a ({r.vdso})"
    mn, med = r.results.get(path, ("n/a", "n/a"))
    v = num(med)
    return (v, "n/a") if v is None else (v, med)


def row_label(row):
    abi, path, vdso, cpu = row
    entry = vdso.upper() if vdso and vdso != "int80" else ("int $0x80" if vdso else None)
    if entry:
        return f"{path} ({entry})"
    return path


def shown_rows(rows, opts):
    """rows without the native i386 ones under --no-i386."""
    return [r for r in rows if r[0] != "i386" or not opts.no_i386]


def main_table(runs, columns, opts, rows=ROWS):
    """Markdown lines: one row per path, one column per kernel.  A native
    i386 row's columns are the i386 kernels (its ratio: to Linux i386)."""
    base = LINUX_OFF
    rows = shown_rows(rows, opts)
    head = "| path | ABI | CPU | " + " | ".join(columns) + " |"
    sep = "|---|---|---|" + "---:|" * len(columns)
    lines = [head, sep]
    chart = []
    for row in rows:
        abi, path, vdso, cpu = row
        ref, _ = cell_value(runs, base, row, opts) if base in columns else (None, "")
        cells, values = [], []
        for c in columns:
            v, text = cell_value(runs, c, row, opts)
            values.append(v)
            if v is not None and ref and c != base:
                text = f"{text} ({v / ref:.2f}×)"
            cells.append(text)
        cpu_shown = "host" if opts.kvm else cpu
        lines.append(f"| {row_label(row)} | {abi} | {cpu_shown} | " + " | ".join(cells) + " |")
        chart.append((row_label(row) + (", i386 kernel" if abi == "i386" else ""), values))
    return lines, chart


def headline_table(runs, columns, opts):
    """README's table: the same call or operation on both kernels, Linux
    with mitigations=off as the reference, its default mitigations beside
    it, then the xentry variants (the ratio on the first, the default)."""
    linux = [c for c in (LINUX_OFF, LINUX_DEFAULT) if c in columns]
    xen = [c for c in columns if c not in linux]
    names = {LINUX_OFF: "Linux 6.1 mitigations=off", LINUX_DEFAULT: "Linux 6.1 default"}
    heads = [names[c] for c in linux] + [c if i == 0 else c.split()[-1] for i, c in enumerate(xen)]
    lines = ["| path | " + " | ".join(heads) + " |", "|---|" + "---:|" * len(heads)]
    for row, label in [(r, lb) for r, lb in HEADLINE if shown_rows([r], opts)]:
        ref, _ = cell_value(runs, LINUX_OFF, row, opts) if LINUX_OFF in columns else (None, "")
        cells = []
        for i, c in enumerate(linux + xen):
            v, text = cell_value(runs, c, row, opts)
            if v is not None:
                text = f"{v:,.0f}"
                if ref and c == (xen[0] if xen else None):
                    text += f" ({v / ref:.2f}×)"
            cells.append(text)
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def boot_table(runs, columns):
    lines = ["| kernel | TSC at the program's first instruction | wall time to its first "
             "output line | wall time of the whole run |", "|---|---:|---:|---:|"]
    for arch in ("x86_64", "i386"):
        for c in columns:
            r = next((r for r in runs if r.column == c and r.arch == arch and r.ok), None)
            if not r:
                continue
            tsc = r.info.get("first_insn_tsc", "?")
            fl = f"{r.first_line_wall:.2f} s" if r.first_line_wall is not None else "?"
            kernel = f"{c}, i386 kernel" if arch == "i386" else c
            lines.append(f"| {kernel} (bench.{r.abi}, {r.cpu}) | {tsc} | {fl} "
                         f"| {r.wall:.2f} s |")
    return lines


def exits_table(runs):
    lines = ["| run | path | calls | SYSRETQ | SYSRETL | SYSEXIT | IRET | IRET because |",
             "|---|---|---:|---:|---:|---:|---:|---|"]
    n = 0
    for r in runs:
        for path, kv in r.exits.items():
            why = ", ".join(f"{k[4:]} {v}" for k, v in kv.items() if k.startswith("why."))
            lines.append(f"| {r.name} | {path} | {kv.get('calls', '?')} | {kv.get('sysretq', '?')} "
                         f"| {kv.get('sysretl', '?')} | {kv.get('sysexit', '?')} "
                         f"| {kv.get('iret', '?')} | {why} |")
            n += 1
    return lines if n else []


def raw_table(runs):
    lines = ["| run | vDSO | path | min | median | unit |", "|---|---|---|---:|---:|---|"]
    for r in runs:
        if not r.ok:
            lines.append(f"| {r.name} | | (run failed: status {r.status}) | | | |")
            continue
        for path, (mn, med) in r.results.items():
            lines.append(f"| {r.name} | {r.vdso or ''} | {path} | {mn} | {med} "
                         f"| {r.info.get('unit', '?')} |")
    return lines


def svg_chart(chart, columns, unit):
    """A grouped horizontal bar chart as SVG text: one group per path, one
    bar per kernel column, the median figure at the end of each bar."""
    palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#9c755f",
               "#76b7b2", "#edc948", "#bab0ac", "#ff9da7"]
    bar_h, gap, label_w, plot_w, top = 12, 14, 230, 560, 60
    legend_h = 18 * ((len(columns) + 2) // 3)
    vmax = max([v for _, vals in chart for v in vals if v is not None] or [1])
    group_h = bar_h * len(columns) + gap
    height = top + group_h * len(chart) + legend_h + 40
    width = label_w + plot_w + 90
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="10" y="22" font-size="15" font-weight="bold">'
           f'Cost of one system call per entry path (median, {html.escape(unit)} per call)</text>',
           f'<text x="10" y="40" fill="#555">xentry variants and Linux in the same QEMU; '
           f'shorter is cheaper</text>']
    y = top
    for label, values in chart:
        out.append(f'<text x="{label_w - 8}" y="{y + bar_h * len(columns) / 2 + 4:.0f}" '
                   f'text-anchor="end">{html.escape(label)}</text>')
        for i, v in enumerate(values):
            by = y + i * bar_h
            color = palette[i % len(palette)]
            if v is None:
                out.append(f'<text x="{label_w + 4}" y="{by + bar_h - 2}" fill="#999">n/a</text>')
                continue
            w = max(1.0, plot_w * v / vmax)
            out.append(f'<rect x="{label_w}" y="{by}" width="{w:.1f}" height="{bar_h - 1}" '
                       f'fill="{color}"/>')
            out.append(f'<text x="{label_w + w + 4:.1f}" y="{by + bar_h - 2}">{fmt_num(v)}</text>')
        y += group_h
    out.append(f'<line x1="{label_w}" y1="{top - 4}" x2="{label_w}" y2="{y - gap + 4}" '
               f'stroke="#333"/>')
    ly = y + 10
    for i, c in enumerate(columns):
        lx = 10 + (i % 3) * 260
        yy = ly + 18 * (i // 3)
        out.append(f'<rect x="{lx}" y="{yy}" width="12" height="12" '
                   f'fill="{palette[i % len(palette)]}"/>')
        out.append(f'<text x="{lx + 18}" y="{yy + 10}">{html.escape(c)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def qemu_version():
    try:
        p = subprocess.run(["qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL)
        return p.stdout.decode().splitlines()[0]
    except (OSError, IndexError):
        return "QEMU (version unknown)"


def linux_version(arch="x86_64"):
    env, sub = (("XRUN_LINUX_I386_KERNEL", "linux-i386") if arch == "i386" else
                ("XRUN_LINUX_KERNEL", "linux"))
    if os.environ.get(env):
        return os.environ[env]
    try:
        with open(os.path.join(BUILD, sub, "version")) as f:
            return f.read().strip()
    except OSError:
        return "unknown"


def report(opts, runs, columns, na_variants, total_wall, outdir, extra_md=()):
    unit = next((r.info.get("unit") for r in runs if r.ok and r.info.get("unit")),
                "cycles" if opts.kvm else "insn")
    unit_text = "instructions" if unit == "insn" else "TSC cycles"
    table, chart = main_table(runs, columns, opts)
    mode = ("KVM, real cycles (TSC), host CPU model" if opts.kvm else
            "TCG with -icount shift=0,align=off,sleep=off: the TSC counts retired "
            "instructions, so every figure is an exact instruction count")
    md = ["# Entry-path benchmark", "",
          f"Generated by `tools/bench` on {datetime.datetime.now():%Y-%m-%d %H:%M}; "
          f"{qemu_version()}, {mode}.", ""]
    if not opts.no_linux:
        md += [f"Linux: Debian's `{linux_version()}`, booted by `tools/xrun --linux`.", ""]
        if not opts.no_i386:
            md += [f"Linux i386 (the rows of ABI i386): Debian's `{linux_version('i386')}`, "
                   "booted by `tools/xrun --linux --arch i386`.", ""]
    md += [f"Each figure is the median over {opts.batches} batches of {opts.iterations} "
           f"calls, in {unit_text} per call, the cost of an empty loop subtracted: the "
           "trapping instruction plus everything until the next user instruction "
           "(for the vdso rows also `__kernel_vsyscall`'s own instructions).  In "
           "brackets: the ratio to Linux with `mitigations=off` on the same CPU model "
           "(xentry has no mitigations to turn off).", "",
           "## Headline (README)", "",
           "The same call on both kernels, Linux with `mitigations=off` as the reference "
           "and with its default mitigations beside it; whole operations 64-bit.", ""]
    headline = headline_table(runs, columns, opts)
    md += headline + ["", "## Cost per call", ""] + table + [""]
    md += ["## Whole operations", "",
           "Instructions per operation, static glibc on both kernels (tests/bench/ops.c, "
           "ops_ipc.c): fork + child _exit + waitpid; fork (or vfork) + child execve of "
           "the bench binary itself (about 900 KB, exits at once) + waitpid; the first "
           "write to a page of a fresh anonymous mapping; a 1-byte pipe round trip to a "
           "child process and back; kill(getpid(), SIGUSR1) with a handler (delivery "
           "and sigreturn); pthread_create of a thread that returns at once + "
           "pthread_join; a FUTEX_WAKE/FUTEX_WAIT round trip between two threads.  "
           "Median of 5 batches; no empty loop subtracted.", ""]
    md += main_table(runs, columns, opts, OP_ROWS)[0] + [""]
    md += ["- null call: `getppid()`.  *_6args: `mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, "
           "-1, 0)` (i386: `mmap2`), which fails with EBADF on both kernels.",
           "- *_slow: `sched_yield()` with nothing else runnable.  On xentry it only sets "
           "TIF_NEED_RESCHED, so its return runs the exit-work loop (schedule() comes "
           "straight back) before the fast-return decision; on Linux it calls schedule() "
           "inside the call instead.  No unprivileged, semantics-preserving way exists "
           "to keep exit work queued across a plain getppid() on Linux "
           "(tests/bench/bench.c says why).",
           "- vDSO rows: SYSENTER on the Intel model, SYSCALL on the AMD model, int $0x80 "
           "forced by `vdso32=int80` on xentry and by `clearcpuid=111` (the synthetic "
           "SYSENTER32 feature) on Linux.",
           "- Linux's default mitigations depend on the CPU model: on the Intel model "
           "(which Linux deems vulnerable to Meltdown and MDS) it runs with page-table "
           "isolation and VERW buffer clearing, on the AMD model without.  An instruction "
           "count gives a CR3 write, a VERW, a serializing IRET one instruction each: "
           "what they cost in time only a cycle count (`--kvm`, on real hardware) shows.",
           "- Columns: Linux with `mitigations=off` (the reference), Linux with its "
           "default mitigations, then one per xentry exit variant (`make kernel VARIANT=...`, "
           "docs/performance.md).",
           "- ABI 32: the i386 program on the 64-bit kernels (compat: Debian's amd64 "
           "kernel, xentry's x86-64 kernel).  ABI i386: the same program on the native "
           "i386 kernels, in the same columns - Debian's `linux-image-686-pae` (the "
           "ratio is to it with `mitigations=off`) and xentry's `make kernel ARCH=i386 "
           "VARIANT=...` (docs/i386.md); each such row is right below its compat twin.  "
           "Natively the vDSO enters by SYSENTER on either vendor, hence no SYSCALL rows; "
           "its int $0x80 rows force it with `vdso32=int80` on xentry and "
           "`clearcpuid=11` (SEP) on Linux."]
    for key, why in na_variants.items():
        v, arch = (key[len("i386-"):], "ARCH=i386 ") if key.startswith("i386-") else (key, "")
        md.append(f"- `xentry {v}`{' (i386 kernel)' if arch else ''}: n/a, "
                  f"`make kernel {arch}VARIANT={v}` failed: {why}")
    warns = [f"{r.name}: {w}" for r in runs for w in r.warnings]
    failed = [r for r in runs if not r.ok]
    for r in failed:
        first = next((ln for ln in r.error.splitlines() if ln.startswith("xrun:")), "")
        md.append(f"- **run failed**: {r.name} (status {r.status}) {first}")
    for w in warns:
        md.append(f"- warning: {w}")
    md += ["", "## Boot to the program's first instruction", "",
           "The TSC read by the benchmark's first instruction (under icount: instructions "
           "and idle ticks since reset; on Linux the program is started by xrun's init, "
           "whose own start-up is included).", ""] + boot_table(runs, columns)
    md += [""] + list(extra_md)
    md += ["", f"Whole benchmark: {total_wall:.1f} s wall time.", ""]
    ex = exits_table(runs)
    if ex:
        md += ["## How xentry's calls returned", "",
               "xentry's exit counters over the timed batches of each path (plus the "
               "counter read itself).", ""] + ex + [""]
    md += ["## Every figure", ""] + raw_table(runs) + [""]
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md))
    # The chart leaves out columns without a single figure (their n/a is in
    # the table).
    keep = [i for i in range(len(columns)) if any(vals[i] is not None for _, vals in chart)]
    chart = [(label, [vals[i] for i in keep]) for label, vals in chart]
    with open(os.path.join(outdir, "results.svg"), "w") as f:
        f.write(svg_chart(chart, [columns[i] for i in keep], unit_text))
    return headline
