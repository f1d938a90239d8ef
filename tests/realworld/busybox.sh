# busybox sh workload for tools/realworld: coreutils-style applets, the
# shell's job control and the filesystem calls they rest on.  Every line
# it prints must be the same on xentry and on Linux: no pids, no clock
# readings, no inode numbers (see docs/realworld.md).
export TZ=UTC LC_ALL=C
cd /tmp || exit 1
# A job is named "sleep" only once its child has got that far (busybox
# renames its forked applets with prctl): wait for that, up to 5 s,
# rather than race it, on either kernel.
named() {
	n=0
	while [ "$(pidof "$1" | wc -w)" -lt "$2" ] && [ $n -lt 50 ]; do
		usleep 100000; n=$((n + 1))
	done
}
echo "== applets"
echo hello world | tr a-z A-Z
printf '%s-%d-%x\n' abc 42 255
seq 1 10 | awk '{ s += $1 } END { print "sum", s }'
echo "a,b,c" | cut -d, -f2
printf 'b\na\nc\na\n' | sort | uniq -c
printf 'x y z\n' | wc
echo "kernel: $(uname -r) $(uname -v)"
echo "uname: $(uname -s) $(uname -m)"
id
echo "== files"
mkdir -p d/sub
printf 'one\ntwo\nthree\n' > d/f
cp d/f d/g
cmp d/f d/g && echo same-after-cp
sed -i 's/two/TWO/' d/f && cat d/f
mv d/g d/sub/h && ls d d/sub
mv d/sub/h d/sub/h2 && mv -f d/sub/h2 d/f2 && ls d
ln -s ../f d/sub/link && readlink d/sub/link && cat d/sub/link
ln d/f d/hard && stat -c '%n %h %s %F %a' d/f d/hard d/sub/link
touch -d '2001-02-03 04:05:06' d/f && stat -c '%y' d/f
date -r d/f '+%Y-%m-%d %H:%M:%S'
touch -r d/f d/f2 && stat -c '%Y' d/f2
touch d/new && stat -c '%n %s %F %a %U %G' d/new
mkfifo d/fifo && stat -c '%F %a' d/fifo
(echo through the fifo > d/fifo &) ; cat d/fifo
chmod 640 d/f && stat -c '%a %A' d/f
chmod u+x,g-r d/f && stat -c '%a' d/f
chown 65534:65534 d/new && stat -c '%u %g %U %G' d/new
truncate -s 3 d/f2 && wc -c < d/f2
dd if=/dev/zero of=d/zero bs=1k count=64 2>/dev/null && wc -c < d/zero
ls -l d | awk 'NR > 1 { print $1, $2, $3, $4, $5, $NF }'
ls -la d/sub | awk '{ print $1, $NF }'
exec 3<>d/rw; echo "via fd 3" >&3; exec 3<&-; cat d/rw
exec 4<>d/rw; read -r line <&4; echo "read back: $line"; exec 4<&-
echo appended >> d/rw && tail -n 1 d/rw
rm d/hard && stat -c '%h' d/f
rm -r d/sub && ls d
rm -r d && echo removed
echo "== more files"
mkdir -p s/d && echo abc > s/f && chmod 600 s/f
touch -d '2000-01-01 12:00:00' s/f s/d
cp -p s/f s/fp && stat -c '%a %Y %s' s/fp
cp -a s ca && stat -c '%n %a %Y' ca/f ca/d
touch -d '2001-01-01 00:00:00' s/new && find s -newer s/f | sort
test s/new -nt s/f && echo newer || echo "not newer"
dd if=/dev/zero of=sp bs=1 count=1 seek=100000 2>/dev/null && stat -c '%s %b' sp
head -c 5 /rw/busybox.sh | od -c
umask; (umask 027; touch um; stat -c %a um)
readlink -f /bin/ls; realpath s/../s/f
stat -c '%n %F %a %t:%T' /dev/null /dev/zero /dev/tty / /tmp
stat -f -c '%T' /tmp
sync && echo synced
ln -s nowhere dangling; test -L dangling && ! test -e dangling && echo "dangling ok"
ln -s loop1 loop2; ln -s loop2 loop1; cat loop1
mkdir -p a/b; mv a/b a/b/c; echo "mv into itself $?"
rmdir a; echo "rmdir non-empty $?"
echo x > ro && chmod 444 ro && echo y >> ro && cat ro
seq 1 3 | tee teeout | wc -l; cat teeout
rm -r s ca sp um dangling loop1 loop2 a ro teeout
mknod np p && stat -c '%F' np && rm np
echo "== limits and priorities"
sh -c 'renice -n 5 $$ >/dev/null; awk "{ print \"nice\", \$19 }" /proc/self/stat'
sh -c 'renice -n 3 $$ >/dev/null; sh -c "awk \"{ print \\\"inherited\\\", \\\$19 }\" /proc/self/stat"'
sleep 3 & p=$!; setsid sleep 3 & q=$!
named sleep 2; pidof sleep | wc -w; killall sleep; wait $p $q 2>/dev/null; echo "killall $?"
taskset -p 1 >/dev/null && echo taskset ok
# Max processes and pending signals are half the number of kernel stacks
# that fit in an eighth of RAM: each kernel counts its own RAM (Linux
# keeps more for itself), so only their equality is compared.
ulimit -a | grep -v -e '(-u)' -e '(-i)'
[ "$(ulimit -u)" = "$(ulimit -i)" ] && echo "processes = pending signals"
grep -v -e '^Max processes' -e '^Max pending signals' /proc/self/limits
kill -l | head -n 3
hostname
cut -d' ' -f1-2 /proc/version
echo "== pipelines and subshells"
( cd / && pwd ); pwd
x=$(echo sub | rev); echo "$x"
{ echo a; echo b; echo c; } | tac | tr '\n' ' '; echo
echo one two three | { read -r a b c; echo "$c $b $a"; }
printf 'a 1\nb 2\nc 3\n' | while read -r k v; do echo "$v=$k"; done
n=0; while [ $n -lt 200 ]; do env true; n=$((n + 1)); done; echo "forks $n"
echo "== jobs and signals"
sleep 0.3 & sleep 0.1 & wait; echo waited
(exit 3) & wait $!; echo "status $?"
trap 'echo trapped USR1' USR1; kill -USR1 $$; trap - USR1
sh -c 'kill -TERM $$'; echo "killed status $?"
sh -c 'trap "echo child got INT; exit 7" INT; kill -INT $$; sleep 5'; echo "status $?"
sleep 5 & p=$!
named sleep 1
ps -o pid,comm | awk -v p=$p '$1 == p { print "ps sees", $2 }'
# ash reports "Terminated" on stderr only when this very wait reaps the
# job, which races with the child's death on any kernel: not shown.
kill $p; wait $p 2>/dev/null; echo "sleep status $?"
timeout -s KILL 1 sleep 5; echo "timeout status $?"
echo "== find grep awk"
mkdir -p t/a/b; echo x > t/a/1.txt; echo y > t/a/b/2.txt; echo z > t/3.log
find t -name '*.txt' | sort
find t -type d | sort
grep -r x t
grep -c . t/a/1.txt t/3.log
find t -type f | sort | xargs cat
awk 'BEGIN { for (i = 0; i < 4; i++) printf "%d ", i * i; print "" }'
echo "== tar gzip sums"
touch -d '2020-01-01 00:00:00' t/a/1.txt t/a/b/2.txt t/3.log t/a/b t/a t
tar -cf t.tar t && tar -tvf t.tar | awk '{ print $1, $3, $4, $5, $6 }' | sort
mkdir x && tar -xf t.tar -C x && cat x/t/a/b/2.txt && stat -c '%Y' x/t/3.log
echo compress me | gzip -c | gzip -dc
seq 1 1000 > nums && gzip -9 nums && ls nums.gz && gunzip nums.gz && wc -l nums
sha256sum nums; md5sum nums; sha1sum nums
echo "== proc"
head -n 1 /proc/self/status
cat /proc/self/comm
readlink /proc/self/exe
tr '\0' ' ' < /proc/self/cmdline; echo
awk '{ print NF }' /proc/uptime /proc/loadavg
head -n 1 /proc/meminfo | awk '{ print $1, $3 }'
grep -c '^processor' /proc/cpuinfo
awk '{ print $2, $3, NF }' /proc/self/stat
ls /proc/self/fd
grep -c . /proc/self/maps >/dev/null && echo maps readable
echo "== done"
trap 'echo exit trap' EXIT
exit 5
