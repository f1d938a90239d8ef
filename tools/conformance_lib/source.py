"""Steps 1-3: fetch the linux-source package, extract what a suite needs,
build its programs as upstream's Makefiles say (with -static added)."""

import concurrent.futures
import glob
import os
import re
import shlex
import shutil
import subprocess

from .common import BIN, CONF, SELFTESTS, SOURCE_PACKAGE, SRC, Error, clean_env, log, run
from .suites import EXTRA_BIN, SUITES


# -- 1. fetch ------------------------------------------------------------------

def fetch_source():
    """The cached linux-source .deb, downloaded on first use."""
    os.makedirs(CONF, exist_ok=True)
    debs = sorted(glob.glob(os.path.join(CONF, SOURCE_PACKAGE + "_*.deb")), key=os.path.getmtime)
    if debs:
        return debs[-1]
    log(f"downloading {SOURCE_PACKAGE} into {CONF} (once, ~150 MB)")
    # apt's _apt user must be able to write here, or apt warns "unsandboxed".
    os.chmod(CONF, 0o777)
    p = run(["apt-get", "-q", "download", SOURCE_PACKAGE], cwd=CONF)
    if p.returncode != 0 and os.geteuid() == 0:
        log("apt-get download failed; running apt-get update once")
        run(["apt-get", "-q", "update"])
        p = run(["apt-get", "-q", "download", SOURCE_PACKAGE], cwd=CONF)
    if p.returncode != 0:
        raise Error(f"apt-get download {SOURCE_PACKAGE} failed:\n"
                    + p.stdout.decode(errors="replace"))
    return fetch_source()


# -- 2. extract ----------------------------------------------------------------

def inner_tarball(deb):
    p = run(["dpkg-deb", "--contents", deb])
    for line in p.stdout.decode(errors="replace").splitlines():
        m = re.search(r"(\./usr/src/linux-source-[^ ]*\.tar\.xz)$", line)
        if m:
            return m.group(1)
    raise Error(f"no usr/src/linux-source-*.tar.xz in {deb}")


def extract_members(deb, tarball, members, dest):
    """Extract members (paths below the tree's top directory; a trailing /
    means the directory, * a wildcard) of the source tarball to dest.
    Members missing from the tarball are left out silently (tar says so)."""
    top = os.path.basename(tarball)[:-len(".tar.xz")]
    names = [f"{top}/{m.rstrip('/')}" for m in members]
    deb_p = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    out_p = subprocess.Popen(["tar", "-xO", tarball], stdin=deb_p.stdout, stdout=subprocess.PIPE)
    deb_p.stdout.close()
    src_p = subprocess.Popen(["tar", "-xJ", "-C", dest, "--strip-components=1", "--wildcards",
                              "--no-wildcards-match-slash", *names],
                             stdin=out_p.stdout, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out_p.stdout.close()
    _, err = src_p.communicate()
    out_p.wait()
    deb_p.wait()
    missing = [ln for ln in err.decode(errors="replace").splitlines() if "Not found" in ln]
    return missing


def quoted_includes(path):
    try:
        with open(path, errors="replace") as f:
            text = f.read()
    except OSError:
        return []
    return re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.MULTILINE)


def follow_includes(deb, tarball):
    """Extract every file a quoted #include names until none is missing."""
    tried = set()
    for _ in range(4):
        need = set()
        for dirpath, _, files in os.walk(SRC):
            for name in files:
                f = os.path.join(dirpath, name)
                for inc in quoted_includes(f):
                    target = os.path.normpath(os.path.join(dirpath, inc))
                    rel = os.path.relpath(target, SRC)
                    if not rel.startswith("..") and not os.path.exists(target) and rel not in tried:
                        need.add(rel)
        if not need:
            break
        tried |= need
        extract_members(deb, tarball, sorted(need), SRC)


def extract_source(deb, suite):
    """build/conformance/src/: the suite's directories and what they
    include.  The x86 part comes first: a new package empties src/ (and
    the built binaries) and every suite is extracted anew."""
    if suite.key != "x86":
        extract_source(deb, SUITES["x86"])
    stamp = os.path.join(SRC, suite.stamp)
    want = os.path.basename(deb)
    # The extra suite's stamp also names what was extracted: a longer
    # list in suites.py extracts again.
    text = want if suite.key == "x86" else want + "\n" + " ".join(suite.extract)
    if os.path.isfile(stamp) and open(stamp).read().strip() == text:
        return
    if suite.key == "x86":
        log(f"extracting {suite.extract[0].rstrip('/')} (and what it includes) from {want}")
        shutil.rmtree(SRC, ignore_errors=True)
        shutil.rmtree(BIN, ignore_errors=True)     # new sources: build everything anew
        shutil.rmtree(EXTRA_BIN, ignore_errors=True)
        os.makedirs(SRC)
    else:
        log(f"extracting the {suite.key} suite's directories from {want}")
        shutil.rmtree(EXTRA_BIN, ignore_errors=True)
    tarball = inner_tarball(deb)
    extract_members(deb, tarball, suite.extract, SRC)
    first = os.path.join(SRC, SELFTESTS, suite.dirs[0][0], "Makefile")
    if not os.path.isfile(first):
        raise Error(f"{deb} has no {os.path.relpath(first, SRC)}")
    follow_includes(deb, tarball)
    with open(stamp, "w") as f:
        f.write(text + "\n")


# -- 3. build ------------------------------------------------------------------

def make_commands(directory, outdir):
    """{binary basename: argv} from `make -n` in one selftest directory."""
    where = os.path.join(SRC, SELFTESTS, directory)
    # -B: every command, whatever is already built.
    p = run(["make", "-n", "-B", "-C", where, "CC=gcc", f"OUTPUT={outdir}", "all"],
            env=clean_env())
    text = p.stdout.decode(errors="replace")
    if p.returncode != 0:
        raise Error(f"make -n in the selftests' {directory} directory failed:\n" + text)
    cmds = {}
    for line in text.replace("\\\n", " ").splitlines():
        argv = shlex.split(line)
        if not argv or argv[0] != "gcc" or "-o" not in argv:
            continue
        out = argv[argv.index("-o") + 1]
        if os.path.dirname(out) == outdir:
            cmds[os.path.basename(out)] = argv
    if not cmds:
        raise Error("make -n printed no gcc command:\n" + text)
    return cmds


def upstream_commands(suite):
    """{name: (argv, directory it runs in)} for the suite's binaries, and
    {name: reason} for the chosen ones upstream's Makefile did not list."""
    cmds, missing = {}, {}
    for directory, programs in suite.dirs:
        outdir = suite.bin_dir(directory)
        try:
            found = make_commands(directory, outdir)
        except Error as e:
            if suite.key == "x86":
                raise
            log(f"{directory}: {str(e).splitlines()[0]}")
            found = {}
        for prog in programs if programs is not None else sorted(found):
            name = suite.name(directory, prog)
            if prog in found:
                cmds[name] = (found[prog], os.path.join(SRC, SELFTESTS, directory))
            else:
                missing[name] = f"not among the programs make -n prints in {directory}"
    return cmds, missing


def build_one(exe, argv, cwd, rebuild):
    """Compile one binary; None, or the reason it could not be built."""
    # xentry loads static binaries only; a static PIE already is one.
    argv = argv + ([] if "-static-pie" in argv else ["-static"])
    cmdfile = exe + ".cmd"
    line = shlex.join(argv)
    if not rebuild and os.path.isfile(exe) and os.path.isfile(cmdfile) \
            and open(cmdfile).read() == line:
        return None
    for f in (exe, cmdfile):
        if os.path.exists(f):
            os.unlink(f)
    os.makedirs(os.path.dirname(exe), exist_ok=True)
    p = run(argv, cwd=cwd)
    out = p.stdout.decode(errors="replace")
    with open(exe + ".build.log", "w") as f:
        f.write(line + "\n" + out)
    if p.returncode != 0:
        first = next((ln for ln in out.splitlines()
                      if re.search(r"\berror\b|undefined reference", ln)),
                     out.strip().splitlines()[0] if out.strip() else f"gcc exited {p.returncode}")
        return first.strip()
    with open(cmdfile, "w") as f:
        f.write(line)
    return None


def build_all(suite, cmds, jobs, rebuild):
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futs = {n: pool.submit(build_one, suite.path(n), a, cwd, rebuild)
                for n, (a, cwd) in cmds.items()}
    return {n: f.result() for n, f in futs.items()}   # name -> None or reason
