#!/usr/bin/env python3
"""Build a cpio "newc" archive (the format Linux initramfs uses).

Library use (xrun imports this):

    arc = CpioArchive()
    arc.add_dir("/tmp", 0o1777)
    arc.add_host_file("/prog", "build/tests/prog")   # mode taken from the host file
    arc.add_file("/init.argv", b"/prog\\0")
    arc.write_to("out.cpio")

Command line:

    mkcpio.py OUT.cpio ENTRY...

    ENTRY is one of
      SRC              host file SRC at /<basename of SRC>, keeping its mode
      SRC:DEST         host file SRC at DEST, keeping its mode
      SRC:DEST:MODE    same, with an explicit octal MODE (e.g. 0755)
      DEST/            directory DEST, mode 0755
      DEST/:MODE       directory DEST with octal MODE (e.g. tmp/:1777)
    (paths containing ':' are not supported on the command line.)

The format is written here by hand rather than by calling cpio(1) so that the
archive is byte-for-byte reproducible (fixed mtime, uid, gid, inode numbers)
and so that the tools do not depend on the cpio package.

Layout decisions the kernel's unpacker can rely on:
  * names are stored without a leading "/" (as Linux's gen_init_cpio does),
    e.g. "tmp", "bin/sh", "init.argv";
  * every parent directory is emitted before anything inside it, so the
    unpacker never needs an implicit "mkdir -p";
  * no "." entry; the archive ends with the usual "TRAILER!!!" entry;
  * uid = gid = 0, mtime = 0, nlink = 1 for files (2 for dirs), every entry a
    distinct inode number, so no entry is ever mistaken for a hard link.
"""

import os
import stat
import sys

NEWC_MAGIC = b"070701"
TRAILER = "TRAILER!!!"


def _pad4(n):
    """Bytes of zero padding needed to bring offset n up to a multiple of 4."""
    return (4 - n % 4) % 4


def _norm(path):
    """Canonical archive name: no leading '/', no '.' or empty components.

    Rejects '..' so that an archive built here can never describe a file
    outside the root it is unpacked into.
    """
    parts = []
    for comp in path.split("/"):
        if comp in ("", "."):
            continue
        if comp == "..":
            raise ValueError(f"'..' not allowed in archive path: {path!r}")
        parts.append(comp)
    if not parts:
        raise ValueError(f"empty archive path: {path!r}")
    return "/".join(parts)


class _Entry:
    __slots__ = ("mode", "data")

    def __init__(self, mode, data):
        self.mode = mode  # full st_mode: file type bits | permission bits
        self.data = data  # bytes (file content or symlink target)


class CpioArchive:
    """An in-memory list of entries, written out in insertion order.

    Insertion order matters: parents are inserted (implicitly, with mode 0755)
    before their children, which gives the parent-before-child guarantee.
    Re-adding an existing path replaces it in place (last one wins), which is
    what xrun wants when e.g. an --add file has the same name as another.
    """

    def __init__(self):
        self._entries = {}  # name -> _Entry; dicts keep insertion order

    # -- building ---------------------------------------------------------

    def _ensure_parents(self, name):
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            parent = "/".join(parts[:i])
            ent = self._entries.get(parent)
            if ent is None:
                self._entries[parent] = _Entry(stat.S_IFDIR | 0o755, b"")
            elif not stat.S_ISDIR(ent.mode):
                raise ValueError(f"{parent!r} is not a directory (needed for {name!r})")

    def _put(self, path, mode, data):
        name = _norm(path)
        self._ensure_parents(name)
        old = self._entries.get(name)
        if old is not None and stat.S_ISDIR(old.mode) != stat.S_ISDIR(mode):
            raise ValueError(f"{name!r} added both as a directory and as a non-directory")
        if old is not None:
            old.mode, old.data = mode, data  # keep its position
        else:
            self._entries[name] = _Entry(mode, data)

    def add_dir(self, path, mode=0o755):
        """Directory at path; an already present one just gets the new mode."""
        self._put(path, stat.S_IFDIR | (mode & 0o7777), b"")

    def add_file(self, path, data, mode=0o644):
        """Regular file with the given content (bytes or str)."""
        if isinstance(data, str):
            data = data.encode()
        self._put(path, stat.S_IFREG | (mode & 0o7777), bytes(data))

    def add_host_file(self, path, src, mode=None):
        """Copy host file src (symlinks followed) to path; mode defaults to src's."""
        st = os.stat(src)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"{src}: not a regular file")
        with open(src, "rb") as f:
            data = f.read()
        self.add_file(path, data, st.st_mode if mode is None else mode)

    def add_symlink(self, path, target):
        """Symbolic link path -> target (newc stores the target as the data)."""
        self._put(path, stat.S_IFLNK | 0o777, target.encode())

    def names(self):
        return list(self._entries)

    # -- writing ----------------------------------------------------------

    @staticmethod
    def _header(ino, mode, nlink, filesize, namesize):
        # 13 fields of 8 upper-case hex digits each, in newc order:
        # ino mode uid gid nlink mtime filesize devmajor devminor
        # rdevmajor rdevminor namesize check
        fields = (ino, mode, 0, 0, nlink, 0, filesize, 0, 0, 0, 0, namesize, 0)
        return NEWC_MAGIC + b"".join(b"%08X" % v for v in fields)

    @classmethod
    def _record(cls, ino, mode, nlink, name, data):
        bname = name.encode() + b"\0"       # namesize counts the NUL
        hdr = cls._header(ino, mode, nlink, len(data), len(bname))
        out = [hdr, bname, b"\0" * _pad4(len(hdr) + len(bname)), data, b"\0" * _pad4(len(data))]
        return b"".join(out)

    def to_bytes(self):
        chunks = []
        for ino, (name, ent) in enumerate(self._entries.items(), start=1):
            nlink = 2 if stat.S_ISDIR(ent.mode) else 1
            chunks.append(self._record(ino, ent.mode, nlink, name, ent.data))
        # The trailer is an ordinary header with nlink 1 and no data.
        chunks.append(self._record(0, 0, 1, TRAILER, b""))
        return b"".join(chunks)

    def write_to(self, out_path):
        data = self.to_bytes()
        # Write-then-rename so that a reader never sees a half-written archive.
        tmp = f"{out_path}.tmp{os.getpid()}"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, out_path)


# -- command line -------------------------------------------------------------

def _parse_mode(text):
    try:
        return int(text, 8)
    except ValueError:
        raise SystemExit(f"mkcpio: bad octal mode {text!r}")


def add_cli_entry(arc, spec):
    """Apply one ENTRY argument (see module docstring) to arc."""
    parts = spec.split(":")
    if parts[0].endswith("/"):
        if len(parts) > 2:
            raise SystemExit(f"mkcpio: bad directory entry {spec!r}")
        arc.add_dir(parts[0], _parse_mode(parts[1]) if len(parts) == 2 else 0o755)
    elif len(parts) == 1:
        arc.add_host_file("/" + os.path.basename(parts[0]), parts[0])
    elif len(parts) in (2, 3):
        mode = _parse_mode(parts[2]) if len(parts) == 3 else None
        arc.add_host_file(parts[1], parts[0], mode)
    else:
        raise SystemExit(f"mkcpio: bad entry {spec!r}")


def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        # The module docstring doubles as the manual.
        print(__doc__, file=sys.stdout if argv else sys.stderr)
        return 0 if argv else 2
    arc = CpioArchive()
    try:
        for spec in argv[1:]:
            add_cli_entry(arc, spec)
        arc.write_to(argv[0])
    except (OSError, ValueError) as e:
        print(f"mkcpio: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
