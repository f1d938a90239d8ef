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
