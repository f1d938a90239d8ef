# zsh-static workload for tools/realworld: zsh's own language (arrays,
# parameter flags, glob qualifiers, floating point), its modules, process
# substitution and jobs, with busybox's applets as external commands.
export TZ=UTC LC_ALL=C
cd /tmp || exit 1
echo "== language"
echo "zsh ${ZSH_VERSION%%.*}"
a=(one two three); print -l $a[2] ${#a} ${(j:,:)a} ${(U)a[3]}
s="x:y:z"; print -l ${(s.:.)s}
typeset -A h; h=(k1 v1 k2 v2); for k in ${(ok)h}; do print "$k=$h[$k]"; done
print $(( 10 / 4.0 )) $(( 2 ** 10 )) $(( 7 % 3 ))
zmodload zsh/mathfunc && print $(( sqrt(16) )) $(( int(3.7) ))
repeat 3 print -n "r"; print
f() { print "args: $# $*"; return 3 }; f a b c; print "ret $?"
print ${(l:6::0:)42} ${(r:6::-:)ab}
echo "kernel: $(uname -r)"
echo "== files and globs"
setopt extendedglob nullglob
mkdir -p g/sub && touch g/a.txt g/b.txt g/c.log g/sub/d.txt && ln -s a.txt g/link
print -l g/*.txt(.) ; print -l g/**/*.txt ; print -l g/*(@) ; print -l g/*(/)
print -l g/^*.txt
mv g/c.log g/c.txt && print -l g/*.txt(:t)
mkfifo g/fifo && print -l g/*(p)
zmodload zsh/stat 2>/dev/null && zstat -A sz +size g/a.txt && print "size $sz"
print -r -- "$(<g/a.txt)" | wc -c
cat =(print temp file) <(print proc subst)
rm -r g
echo "== processes"
sleep 0.2 & sleep 0.1 & wait; print waited
( exit 6 ); print "subshell $?"
TRAPUSR1() { print "trapped USR1" }; kill -USR1 $$; unfunction TRAPUSR1
zsh -c 'kill -TERM $$'; print "killed $?"
coproc tr a-z A-Z; print -p "coproc line"; read -p line; print $line
print -l ${(f)"$(seq 3)"}
n=0; for i in {1..100}; do n=$(( n + $(print 1) )); done; print "substitutions $n"
limit descriptors
echo "== done"
