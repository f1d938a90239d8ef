"""Debian's stock kernel for --linux: fetched with apt-get download on
first use and cached as build/linux/vmlinuz (build/linux-X.Y/ for
--linux-series X.Y, build/linux-i386/ for --arch i386), or
$XRUN_LINUX_KERNEL."""

import os
import re
import shutil
import subprocess
import tarfile
import tempfile

from xrun_lib.common import BUILD, Failure, build_lock, log

LINUX_DIR = os.path.join(BUILD, "linux")     # build/linux-X.Y for --linux-series X.Y
LINUX_META_PACKAGE = "linux-image-amd64"
# --linux --arch i386: Debian's 32-bit kernel (PAE, so NX, as the i386
# xentry), an i386 package of the same release.
LINUX_I386_DIR = os.path.join(BUILD, "linux-i386")
LINUX_I386_META_PACKAGE = "linux-image-686-pae"


class I386Apt:
    """apt-get options for i386 packages without touching the host's apt
    configuration: a private architecture list, package lists and cache in
    a directory of ours (the host's sources and keys as they are).  The
    host need not have i386 as a foreign architecture; `update` fetches
    the i386 package lists once into that directory."""

    def __init__(self, where):
        self.where = where
        self.opts = ["-o", "APT::Architecture=i386", "-o", "APT::Architectures=i386",
                     "-o", f"Dir::State::Lists={where}/lists",
                     "-o", f"Dir::Cache={where}/cache",
                     "-o", f"Dir::State::status={where}/status"]

    def update(self):
        for d in ("lists/partial", "cache/archives/partial"):
            os.makedirs(os.path.join(self.where, d), exist_ok=True)
        open(os.path.join(self.where, "status"), "a").close()
        p = subprocess.run(["apt-get", "-q"] + self.opts + ["update"],
                           stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        if p.returncode != 0:
            raise Failure("BUILD-FAILURE", "apt-get update for the i386 package lists failed "
                          "(no network?)", p.stdout.decode(errors="replace").splitlines())


def apt_download(package, where, state, apt_opts=()):
    """apt-get download PACKAGE into WHERE; returns the .deb's path.

    apt-get needs package lists: when it finds no candidate and we are
    root, run apt-get update once (state remembers) and try again.
    apt_opts: extra apt-get options (I386Apt's, which has its own lists).
    """
    name = package.split("=", 1)[0]

    def attempt():
        return subprocess.run(["apt-get", "-q"] + list(apt_opts) + ["download", package],
                              cwd=where,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    p = attempt()
    if p.returncode != 0 and os.geteuid() == 0 and not state.get("updated"):
        log("linux: apt-get download failed; running apt-get update once")
        subprocess.run(["apt-get", "-q", "update"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        state["updated"] = True
        p = attempt()
    if p.returncode != 0:
        raise Failure("BUILD-FAILURE", f"apt-get download {package} failed "
                      "(no network? no package lists? run apt-get update as root)",
                      p.stdout.decode(errors="replace").splitlines())
    debs = sorted((f for f in os.listdir(where) if f.startswith(name + "_") and f.endswith(".deb")),
                  key=lambda f: os.path.getmtime(os.path.join(where, f)))
    if not debs:
        raise Failure("BUILD-FAILURE", f"apt-get download {package} left no {name}_*.deb")
    return os.path.join(where, debs[-1])


def deb_field(deb, field):
    p = subprocess.run(["dpkg-deb", "-f", deb, field], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT)
    if p.returncode != 0:
        raise Failure("BUILD-FAILURE", f"dpkg-deb -f {deb} {field} failed",
                      p.stdout.decode(errors="replace").splitlines())
    return p.stdout.decode().strip()


def extract_boot_files(deb, dest):
    """vmlinuz-* and config-* from the package's /boot into dest/.

    Streams dpkg-deb --fsys-tarfile and stops once both are out: the
    package's other ~400 MB are modules, which an initramfs-only boot
    never loads.
    """
    proc = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    found = {}
    try:
        with tarfile.open(fileobj=proc.stdout, mode="r|") as tar:
            for m in tar:
                base = os.path.basename(m.name)
                kind = next((k for k in ("vmlinuz", "config") if base.startswith(k + "-")), None)
                if not (kind and m.isfile() and os.path.dirname(m.name).endswith("boot")):
                    continue
                data = tar.extractfile(m).read()
                tmp = os.path.join(dest, f".{kind}.tmp")
                with open(tmp, "wb") as f:
                    f.write(data)
                found[kind] = (tmp, base)
                if len(found) == 2:
                    break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    if "vmlinuz" not in found:
        raise Failure("BUILD-FAILURE", f"no boot/vmlinuz-* in {deb}")
    return found


def linux_kernel(series=None, arch="x86_64"):
    """The bzImage to boot: $XRUN_LINUX_KERNEL, or build/linux/vmlinuz,
    fetched on first use from Debian's linux-image-amd64 (whose only job
    is to depend on the current versioned image package).  With a series
    (--linux-series 6.12): build/linux-6.12/vmlinuz from the meta-package
    linux-image-6.12-amd64, the same way.  With arch i386:
    build/linux-i386/vmlinuz from linux-image-686-pae, through I386Apt
    ($XRUN_LINUX_I386_KERNEL overrides it)."""
    i386 = arch == "i386"
    env = "XRUN_LINUX_I386_KERNEL" if i386 else "XRUN_LINUX_KERNEL"
    override = os.environ.get(env)
    if override:
        if not os.path.isfile(override):
            raise Failure("ERROR", f"{env}={override}: no such file")
        return os.path.abspath(override)
    if i386 and series:
        raise Failure("ERROR", "--linux-series names an amd64 kernel series; not with --arch i386")
    if i386:
        where, meta_package = LINUX_I386_DIR, LINUX_I386_META_PACKAGE
    elif series:
        where, meta_package = f"{LINUX_DIR}-{series}", f"linux-image-{series}-amd64"
    else:
        where, meta_package = LINUX_DIR, LINUX_META_PACKAGE
    kernel, version_file = os.path.join(where, "vmlinuz"), os.path.join(where, "version")
    with build_lock("linux"):
        if os.path.isfile(kernel):
            return kernel
        os.makedirs(where, exist_ok=True)
        log(f"linux: downloading {meta_package} into {where} (once)")
        debs = tempfile.mkdtemp(prefix="debs.", dir=where)
        try:
            # apt's _apt user must be able to write here, or apt warns
            # that it downloads "unsandboxed".
            os.chmod(debs, 0o777)
            state, opts = {}, ()
            if i386:
                apt = I386Apt(os.path.join(debs, "apt"))
                apt.update()
                state["updated"], opts = True, apt.opts
            meta = apt_download(meta_package, debs, state, opts)
            meta_version = deb_field(meta, "Version")
            image = re.split(r"[ ,(|]", deb_field(meta, "Depends"), 1)[0]
            if not image.startswith("linux-image-"):
                raise Failure("BUILD-FAILURE", f"{meta_package} depends on {image!r}, "
                                               "not on a linux-image-* package")
            deb = apt_download(image, debs, state, opts)
            version = deb_field(deb, "Version")
            found = extract_boot_files(deb, where)
            if "config" in found:
                os.replace(found["config"][0], os.path.join(where, "config"))
            with open(version_file, "w") as f:
                f.write(f"{image} {version} ({found['vmlinuz'][1]}; "
                        f"{meta_package} {meta_version})\n")
            os.replace(found["vmlinuz"][0], kernel)   # last: marks "done"
        finally:
            shutil.rmtree(debs, ignore_errors=True)
        with open(version_file) as f:
            log(f"linux: {f.read().strip()}")
    return kernel
