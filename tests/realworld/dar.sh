# dar-static workload for tools/realworld: create an archive of a small
# tree with fixed dates, list it, test it, extract it and compare.
cd /tmp || exit 1
export TZ=UTC LC_ALL=C
mkdir -p src/sub && seq 1 500 > src/nums && echo hello > src/sub/h && ln -s nums src/link
touch -h -d '2015-05-05 05:05:05' src/nums src/sub/h src/link src/sub src
# The order a directory lists its entries in is unspecified: Linux 6.1's
# tmpfs gives newest first, xentry's ramfs (like tmpfs since 6.6) oldest
# first, and dar archives in that order.  So no -v, and the listing sorted.
dar -Q -c arch -R src -z6 2>&1; echo "create $?"
ls arch.1.dar
dar -Q -l arch > list 2>&1; echo "list $?"; sort list
dar -Q -t arch 2>&1 | grep -v -i 'second'; echo "test $?"
mkdir out && dar -Q -x arch -R out 2>&1 | grep -v -i 'second'; echo "extract $?"
diff -r src out && echo "trees equal"
stat -c '%n %s %Y' out/nums out/sub/h
readlink out/link
