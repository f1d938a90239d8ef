"""tools/bench in parts: common (paths, rows), runs, report, busybox."""
