"""tools/conformance in parts, by job: common (paths, configurations,
logging), suites (what each suite extracts, builds and runs: the x86
selftests, and the extra suite of other selftest directories), source
(fetch the linux-source package, extract, build as upstream's Makefiles
say), runs (one binary on xentry, Linux in QEMU or the host), report
(judging and results.md)."""
