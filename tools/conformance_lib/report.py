"""Step 5: judge each (binary, xentry configuration) against Linux on the
same CPU model, and write results.md: a section per suite."""

import hashlib
import os

from .common import (BUILD, CONFIGS, LINUX_CONFIGS, LINUX_SERIES, REFERENCE, REPO, SELFTESTS,
                     XENTRY_CONFIGS, run)


def cell(r):
    if r is None:
        return "-"
    word = {"pass": "pass", "fail": "**FAIL**", "skip": "skip", "hang": "**HANG**",
            "panic": "**PANIC**"}[r.outcome]
    mark = " †" if r.first_try else ""
    if r.outcome == "hang":
        return f"{word} {r.ok}/{r.fail}/{r.skip}{mark}"
    return f"{word} {r.ok}/{r.fail}/{r.skip} ({r.rc}){mark}"


def judge(results, names, unbuilt):
    """passed, failed, skipped over (binary, xentry config); failures list."""
    passed = failed = skipped = 0
    failures, unjudged = [], []
    for n in names:
        for c in XENTRY_CONFIGS:
            r = results.get((n, c))
            lx = results.get((n, REFERENCE[c])) or results.get((n, "linux"))
            if n in unbuilt or r is None:
                skipped += 1
            elif r.outcome == "pass":
                passed += 1
            elif r.outcome in ("panic", "hang") or (lx and lx.outcome == "pass"):
                failed += 1
                failures.append(r)
            else:
                skipped += 1
                unjudged.append(r)
    return passed, failed, skipped, failures, unjudged


def versions(deb, kernel, origin):
    v = {"source": os.path.basename(deb)}
    try:
        with open(os.path.join(BUILD, f"linux-{LINUX_SERIES}", "version")) as f:
            v["linux"] = f.read().strip()
    except OSError:
        v["linux"] = "unknown"
    head = run(["git", "-C", REPO, "describe", "--always", "--dirty"]).stdout.decode().strip()
    with open(kernel, "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()[:12]
    shown = os.path.relpath(origin, REPO)
    shown = origin if shown.startswith("..") else shown
    v["xentry"] = (f"`{shown}` (copied at the start, "
                   f"sha256 {digest}); work tree {head or 'unknown'}")
    v["host"] = " ".join(os.uname()[i] for i in (0, 2))
    q = run(["qemu-system-x86_64", "--version"]).stdout.decode().splitlines()
    v["qemu"] = q[0] if q else "unknown"
    return v


def what(suite):
    if suite.key == "x86":
        return suite.extract[0].rstrip("/") + ", unmodified, built static"
    dirs = ", ".join(d for d, _ in suite.dirs)
    return f"{SELFTESTS}/{{{dirs}}}, chosen programs, unmodified, built static, 64-bit"


def section(suite, names, unbuilt, results, summary, wall, ver, configs):
    """The suite's part of results.md, its closing line last."""
    passed, failed, skipped, failures, unjudged = summary
    heads = [c[1] for c in CONFIGS if c[0] in configs]
    md = [f"# {suite.title}", "",
          f"Source: `{ver['source']}` ({what(suite)}).  ",
          f"xentry: {ver['xentry']}.  ",
          f"Linux in QEMU: {ver['linux']}, same QEMU and CPU models, /proc, /sys and /dev "
          "mounted; xentry intel and int80 are judged against Linux intel, amd against amd.  ",
          f"Host: {ver['host']} (run directly).  {ver['qemu']}.  ",
          f"Wall time: {wall:.0f} s.", "",
          "Each cell: result, the test's own [OK]/[FAIL]/[SKIP] (and ok/not ok) counts, "
          "exit status (4 = KSFT_SKIP; 128+N = killed by signal N; 125 = panic, timeout or boot "
          "failure).  † = Linux's second try (the first did not pass; see below).", ""]
    if suite.args:
        md += ["Arguments: " + "; ".join(f"`{n} {' '.join(a)}`"
                                         for n, a in sorted(suite.args.items())) + ".", ""]
    md += ["| test | bits | " + " | ".join(heads) + " |",
           "|---|---|" + "---|" * len(heads)]
    for n in names:
        test, bits = suite.split(n)
        if n in unbuilt:
            cells = ["skip (did not build)"] * len(heads)
        else:
            cells = [cell(results.get((n, c[0]))) for c in CONFIGS if c[0] in configs]
        md.append(f"| {test} | {bits} | " + " | ".join(cells) + " |")
    md += ["", "## xentry failures (pass on Linux in QEMU, or a panic or hang)", ""]
    md += [f"- `{r.name}` [{r.config}] {r.outcome}: {r.why}" for r in failures] or ["none"]
    md += ["", "## Not judged (Linux in QEMU does not pass them either)", ""]
    md += [f"- `{r.name}` [{r.config}] {r.outcome}: {r.why or 'exit ' + str(r.rc)}"
           for r in unjudged] or ["none"]
    lx = [results[(n, c)] for n in names for c in LINUX_CONFIGS if (n, c) in results]
    bad = [r for r in lx if r.outcome != "pass"]
    md += ["", f"## Linux {LINUX_SERIES} in QEMU: not passing", ""]
    md += [f"- `{r.name}` [{r.config}] {r.outcome} ({r.rc}): {r.why}" for r in bad] or ["none"]
    retried = [r for r in lx if r.first_try]
    if retried:
        md += ["", f"## Linux {LINUX_SERIES} in QEMU: first tries that did not pass", ""]
        md += [f"- `{r.name}` [{r.config}] {r.first_try}; second try: {r.outcome}"
               for r in retried]
    noisy = [r for n in names for c in XENTRY_CONFIGS for r in [results.get((n, c))]
             if r and r.outcome == "pass" and r.fail
             and not any((results.get((n, x)) or r).fail for x in LINUX_CONFIGS)]
    md += ["", "## Passed by exit status, yet printed [FAIL] lines (Linux prints none)", ""]
    md += [f"- `{r.name}` [{r.config}] {r.fail} × {r.first_fail}" for r in noisy] or ["none"]
    if unbuilt:
        md += ["", "## Did not build (SKIP everywhere)", ""]
        md += [f"- `{n}`: {why}" for n, why in sorted(unbuilt.items())]
    md += ["", f"{passed} passed, {failed} failed, {skipped} skipped", ""]
    return md


def write_report(path, sections, totals):
    """sections: [(suite key, lines)]; totals: {suite key: (passed, failed,
    skipped)}.  With more than one suite, a closing line per suite and the
    total come last."""
    md = []
    for _, lines in sections:
        md += lines
    if len(sections) > 1:
        md += ["# Total", ""]
        md += [f"- {k}: {p} passed, {f} failed, {s} skipped" for k, (p, f, s) in totals.items()]
        p, f, s = (sum(t[i] for t in totals.values()) for i in range(3))
        md += ["", f"{p} passed, {f} failed, {s} skipped", ""]
    with open(path, "w") as f:
        f.write("\n".join(md))
