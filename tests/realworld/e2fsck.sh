# e2fsck-static workload for tools/realworld: check a small ext4 image
# made by the host's mke2fs (tools/realworld), read-only then repairing a
# copy whose superblock free counts were zeroed by dd.
cd /tmp || exit 1
e2fsck -V 2>&1 | head -n 1
e2fsck -fn /rw/fs.img; echo "status $?"
cp /rw/fs.img img && printf '\0\0\0\0' | dd of=img bs=1 seek=$((1024 + 12)) conv=notrunc 2>/dev/null
e2fsck -fy img; echo "status $?"
e2fsck -fn img; echo "status $?"
