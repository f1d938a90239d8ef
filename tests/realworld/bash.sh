# bash-static workload for tools/realworld: the language (arrays, [[ ]],
# regexes, arithmetic, functions), process substitution through /dev/fd,
# here-documents, coprocesses, job control and traps, with busybox's
# applets as the external commands.  Deterministic output only.
export TZ=UTC LC_ALL=C
cd /tmp || exit 1
# A booted Debian has /dev/fd -> /proc/self/fd (made by udev); neither
# xrun's init on Linux nor xentry makes it, so the script does, on both.
[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
echo "== language"
echo "bash ${BASH_VERSINFO[0]}.${BASH_VERSINFO[1]}"
a=(zero one two three); echo "${#a[@]} ${a[2]} ${a[@]:1:2}"
declare -A h=([k1]=v1 [k2]=v2); for k in $(printf '%s\n' "${!h[@]}" | sort); do echo "$k=${h[$k]}"; done
s="hello-world-42"; [[ $s =~ ([a-z]+)-([a-z]+)-([0-9]+) ]] && echo "${BASH_REMATCH[3]} ${BASH_REMATCH[1]}"
echo $(( (7 ** 3) % 10 )) $(( 1 << 40 )) $(( -7 / 2 ))
printf -v v '%05d' 42; echo "$v"
echo {a,b}{1..3}
fact() { (( $1 <= 1 )) && echo 1 || echo $(( $1 * $(fact $(( $1 - 1 ))) )); }; fact 10
RANDOM=42; echo "random seeded: $RANDOM $RANDOM"
x="  trim  "; echo "[${x// /}] ${s^^} ${s%%-*} ${s##*-}"
echo "kernel: $(uname -r)"
echo "== redirections"
cat <<END
here $((6 * 7))
END
read -r w <<< "here string"; echo "$w"
diff <(printf 'a\nb\n') <(printf 'a\nc\n'); echo "diff status $?"
mapfile -t lines < <(seq 3); echo "${lines[*]}"
exec {fd}>out.txt; echo "to fd" >&$fd; exec {fd}>&-; cat out.txt
exec 5<>rw.txt; echo "rw" >&5; exec 5>&-; cat rw.txt
{ echo err >&2; } 2>&1 | tr a-z A-Z
echo "== files"
mkdir -p d && echo data > d/f && mv d/f d/g && ln -s g d/l && cat d/l
touch -d '2010-10-10 10:10:10' d/g; stat -c '%y %s' d/g
mkfifo d/p; (echo fifo-data > d/p) & read -r f < d/p; wait; echo "$f"
[[ -p d/p && -L d/l && -f d/g ]] && echo "tests ok"
sed -i 's/data/DATA/' d/g && cat d/g
for f in d/*; do echo "glob $f"; done
rm -r d
echo "== processes"
coproc UPPER { tr a-z A-Z; }; echo "to coproc" >&"${UPPER[1]}"; exec {UPPER[1]}>&-; read -r line <&"${UPPER[0]}"; wait $UPPER_PID; echo "$line"
sleep 0.2 & sleep 0.1 & wait -n; echo "wait -n $?"; wait
( exit 4 ); echo "subshell $?"
trap 'echo got USR1' USR1; kill -USR1 $$; trap - USR1
bash -c 'kill -9 $$'; echo "killed $?"
sleep 5 & pid=$!; kill -STOP $pid; kill -CONT $pid; kill $pid; wait $pid; echo "sleep $?"
ps -o comm > ps.txt; grep -c '^bash$' ps.txt; grep -c '^ps$' ps.txt
echo "$(echo nested $(echo deep))"
n=0; for i in $(seq 100); do n=$((n + $(echo 1))); done; echo "command substitutions $n"
ulimit -n; ulimit -s
echo "== done"
trap 'echo bye' EXIT
