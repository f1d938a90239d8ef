"""The initramfs of a run: the program (or --root's tree), --add files,
init.argv and init.envp (docs in tools/README.md, "Initramfs")."""

import os
import stat

from mkcpio import CpioArchive  # tools/ is on sys.path (tools/xrun puts it there)

from xrun_lib.common import Failure

DEFAULT_ENV = (("HOME", "/"), ("PATH", "/bin:/"), ("TERM", "linux"))


def program_env(env_args):
    """The program's environment: defaults, then --env values (later wins)."""
    env = dict(DEFAULT_ENV)
    for kv in env_args:
        k, v = kv.split("=", 1)
        env[k] = v
    return env


def guest_argv0(program):
    return "/" + os.path.basename(program)


def root_program(a):
    """With --root, PROGRAM names a file of the tree (/bin/ls); None when it
    is a host file to be added as usual."""
    if not a.root or not a.program.startswith("/"):
        return None
    inside = os.path.join(a.root, a.program.lstrip("/"))
    return a.program if os.path.lexists(inside) else None


def _inside_root(root, path, hops=40):
    """PATH (absolute, in the guest) as a host file under root, following
    symlinks the way the guest would (an absolute target stays inside
    root); None if it does not resolve."""
    parts = [x for x in path.split("/") if x]
    cur = ""
    while parts:
        name = parts.pop(0)
        if name == "..":
            cur = os.path.dirname(cur)
            continue
        if name == ".":
            continue
        host = os.path.join(root, cur.lstrip("/"), name)
        if os.path.islink(host):
            hops -= 1
            if hops < 0:
                return None
            target = os.readlink(host)
            parts = [x for x in target.split("/") if x] + parts
            if target.startswith("/"):
                cur = ""
            continue
        cur = cur + "/" + name
    host = os.path.join(root, cur.lstrip("/"))
    return host if os.path.isfile(host) else None


EM_X86_64 = 62


def check_program_arch(a):
    """Refuse, before booting, a 64-bit PROGRAM for the i386 kernel: it
    could only fail inside the guest (execve gives ENOEXEC, and pid 1
    failing to start is a boot failure), which says less.  The kernel's
    own loader picks the ABI by e_machine alone (elf_reject.c), so that is
    what is checked.  Scripts and other files are left to the kernel."""
    if a.arch != "i386":
        return
    inside = root_program(a)
    path = _inside_root(a.root, inside) if inside else a.program
    if not path:
        return
    try:
        with open(path, "rb") as f:
            head = f.read(20)
    except OSError:
        return
    if head[:4] != b"\x7fELF" or len(head) < 20:
        return
    order = "little" if head[5] != 2 else "big"
    if int.from_bytes(head[18:20], order) == EM_X86_64:
        raise Failure("ERROR", f"{a.program} is a 64-bit (x86-64) program: the i386 "
                               "kernel (--arch i386) runs only i386 programs")


def add_tree(arc, root):
    """Every entry under root, as it is: directories with their modes,
    regular files (hard links become copies), symlinks with their targets
    unchanged (absolute ones resolve inside the guest's root).  Devices,
    FIFOs and sockets are left out: xentry makes its own /dev nodes."""
    root = os.path.abspath(root)
    if not os.path.isdir(root):
        raise Failure("ERROR", f"--root {root}: not a directory")
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        rel = os.path.relpath(dirpath, root)
        guest = "/" if rel == "." else "/" + rel
        if rel != ".":
            arc.add_dir(guest, os.lstat(dirpath).st_mode)
        for name in sorted(dirnames + filenames):
            host = os.path.join(dirpath, name)
            dest = guest.rstrip("/") + "/" + name
            st = os.lstat(host)
            if stat.S_ISLNK(st.st_mode):
                arc.add_symlink(dest, os.readlink(host))
            elif stat.S_ISREG(st.st_mode):
                arc.add_host_file(dest, host, st.st_mode)


def make_initramfs(a, path, extra=()):
    """The initramfs: the program, --add files, init.argv and init.envp;
    extra = (DEST, SRC, MODE) entries on top (--linux adds its init); SRC
    is a host file, or the file's bytes.  With --root, the tree comes
    first and the standard directories only where it has none."""
    arc = CpioArchive()
    if a.root:
        add_tree(arc, a.root)
    have = set(arc.names())
    for d, mode in (("/bin", 0o755), ("/dev", 0o755), ("/tmp", 0o1777)):
        if d.lstrip("/") not in have:
            arc.add_dir(d, mode)
    argv0 = root_program(a)
    if argv0 is None:
        argv0 = guest_argv0(a.program)
        arc.add_host_file(argv0, a.program, 0o755)
    for spec in a.add:
        if ":" in spec:
            src, dest = spec.split(":", 1)
        else:
            src, dest = spec, "/" + os.path.basename(spec)
        arc.add_host_file(dest, src)
    # NUL-terminated strings, one after the other: what the kernel hands to
    # execve() for pid 1.  fsencode: pass arbitrary bytes through unchanged.
    argv = [argv0] + a.args
    arc.add_file("/init.argv", b"".join(os.fsencode(s) + b"\0" for s in argv))
    envp = [f"{k}={v}" for k, v in program_env(a.env).items()]
    arc.add_file("/init.envp", b"".join(os.fsencode(s) + b"\0" for s in envp))
    for dest, src, mode in extra:
        if isinstance(src, bytes):
            arc.add_file(dest, src, mode)
        else:
            arc.add_host_file(dest, src, mode)
    arc.write_to(path)
