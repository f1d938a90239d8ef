"""The virtual machine both kernels get: QEMU's binary and firmware, the
accelerator (TCG, --icount, --kvm) and the CPU model (--cpu)."""

import os

from xrun_lib.common import Failure

QEMU = "qemu-system-x86_64"
QBOOT = "/usr/share/qemu/qboot.rom"

# QEMU 7.2 TCG's named models (Skylake-Client, EPYC, ...) all ask for features
# TCG lacks (pcid, rdseed, ...) and print one warning per feature.  "max"
# boots quietly and offers NX, SMEP, SMAP, UMIP, FXSR/SSE2, SYSCALL and SEP;
# only the vendor string differs between the two (TCG's "max" defaults to
# AuthenticAMD; we say it explicitly so the choice never depends on that).
#
# SMAP is left out (-smap): QEMU 7.2's TCG performs the stack reads and
# writes of a far RET/CALL as *supervisor* accesses, so with CR4.SMAP on, a
# user program that far-returns from 64-bit to 32-bit code (as the r8-r15
# tests must) takes a bogus page fault on its own stack.  The kernel still
# enables SMAP whenever the CPU offers it: `--cpu max,vendor=GenuineIntel`
# gives a model with SMAP for everything else.
CPU_MODELS = {
    "intel": "max,vendor=GenuineIntel,-smap",
    "amd": "max,vendor=AuthenticAMD,-smap",
}


def cpu_model(name):
    if name.endswith(":raw"):
        return name[:-len(":raw")]
    return CPU_MODELS.get(name, name)


def host_cpu_vendor():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("vendor_id"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


def check_kvm():
    """--kvm only where KVM is real hardware virtualization (DESIGN §6)."""
    if os.path.exists("/sys/module/kvm_pvm"):
        raise Failure("ERROR", "--kvm refused: /dev/kvm here is kvm_pvm (/sys/module/kvm_pvm), "
                               "a software hypervisor under which no ordinary kernel's syscall "
                               "path works; use TCG")
    if not os.access("/dev/kvm", os.R_OK | os.W_OK):
        raise Failure("ERROR", "--kvm: /dev/kvm is missing or not accessible")


def accel_and_cpu(a):
    """-accel and -cpu for xentry and Linux alike."""
    if a.kvm:
        check_kvm()
        if a.icount:
            raise Failure("ERROR", "--icount needs TCG; it cannot go with --kvm")
        # Under KVM the guest runs on the real CPU: SYSENTER in compat mode
        # exists only on Intel, compat SYSCALL only on AMD, so the vendor
        # the guest sees must be the host's.
        vendor = {"intel": "GenuineIntel", "amd": "AuthenticAMD"}.get(a.cpu)
        if vendor and vendor != host_cpu_vendor():
            raise Failure("ERROR", f"--cpu {a.cpu} with --kvm needs a {vendor} host; "
                                   f"this one is {host_cpu_vendor()}")
        return ["-accel", "kvm", "-cpu", "host" if vendor else cpu_model(a.cpu)]
    if a.icount:
        # One TSC tick per retired instruction; single-threaded TCG so that
        # nothing else perturbs the count.
        accel = ["-accel", "tcg,thread=single", "-icount", "shift=0,align=off,sleep=off"]
    else:
        accel = ["-accel", "tcg"]
    return accel + ["-cpu", cpu_model(a.cpu)]
