# gpgv-static workload for tools/realworld: check Debian's InRelease (a
# clearsigned file) against the archive keyring, then a tampered copy.
cd /tmp || exit 1
export TZ=UTC LC_ALL=C
mkdir -p gh && chmod 700 gh
gpgv --version | head -n 2
gpgv --homedir /tmp/gh --keyring /rw/keyring.gpg /rw/InRelease > log 2>&1
echo "status $?"; cat log
sed '5s/./X/' /rw/InRelease > bad
gpgv --homedir /tmp/gh --keyring /rw/keyring.gpg bad > log 2>&1
echo "status $?"; cat log
echo "done"
