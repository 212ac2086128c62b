# SPDX-License-Identifier: GPL-2.0
#
# The packet engine end to end on one medium (drive 0), with the real
# tools: pktsetup, mkudffs on the pkt node, mount -t udf rw,noatime, a tree
# of over 200 files from 1 byte to 20 MiB, sync, unmount, teardown, set up
# again, mount, and every checksum must match.  The drive must have seen
# only whole, aligned packets: on random-writable media (JOINED_WRITES=1)
# adjacent ones joined in one WRITE, else one WRITE each.  Source it with
# MKUDFFS_ARGS and JOINED_WRITES set, and optionally PREPARE, a command
# that makes the disc ready first.
. /tests/lib/testlib.sh
# The tree, 12 steps from setup to the last teardown, 3 on the drive's
# counters, the WRITEs per packet, and PREPARE's step when there is one.
plan $((1 + 12 + 4 + (${#PREPARE} > 0)))

mkdir -p /mnt/disc /tmp/tree/a/b /tmp/tree/c
i=0
for size in 1 2 511 2047 2048 2049 4095 4096 65535 65536 131073; do
	for n in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18; do
		i=$((i + 1))
		dir=/tmp/tree
		[ $((i % 3)) = 1 ] && dir=/tmp/tree/a
		[ $((i % 3)) = 2 ] && dir=/tmp/tree/a/b
		head -c $((size + n)) /dev/urandom >"$dir/f$i.bin"
	done
done
for mb in 1 3 7 20; do
	dd if=/dev/urandom of=/tmp/tree/c/big$mb bs=1M count=$mb 2>/dev/null
done
touch /tmp/tree/c/empty
printf x >/tmp/tree/c/one
files=$(find /tmp/tree -type f | wc -l)
(cd /tmp/tree && find . -type f | sort | xargs sha256sum) >/tmp/tree.sums
check "a tree of at least 200 files ($files)" [ "$files" -ge 200 ]

if [ -n "${PREPARE:-}" ]; then
	check "prepare the disc: $PREPARE" sh -c "$PREPARE >/dev/null 2>&1"
fi
writes_before=$(json_num "$(drive_ctl 0 counters)" write_commands)
check "pktsetup disc /dev/sr0" pktsetup disc /dev/sr0
check "mkudffs $MKUDFFS_ARGS on the pkt node" sh -c "mkudffs $MKUDFFS_ARGS /dev/pktcdvd/disc >/dev/null"
check "mount -t udf -o rw,noatime" mount -t udf -o rw,noatime /dev/pktcdvd/disc /mnt/disc
start=$(date +%s)
check "copy the tree" cp -a /tmp/tree/. /mnt/disc/
check "sync" sync
echo "  copy + sync took $(( $(date +%s) - start )) s"
check "umount" umount /mnt/disc
packets=$(cat /sys/class/pktcdvd/pktcdvd0/stat/packets_finished)
writes=$(($(json_num "$(drive_ctl 0 counters)" write_commands) - writes_before))
if [ "$JOINED_WRITES" = 1 ]; then
	check "adjacent packets joined: $writes WRITEs for $packets packets" \
		[ "$packets" -gt 100 -a "$((writes * 2))" -lt "$packets" ]
else
	check_eq "fixed packets: one WRITE per packet" "$packets" "$writes"
fi
check "teardown" pktsetup -d disc
check "set up again" pktsetup disc /dev/sr0
check "mount again" mount -t udf -o ro /dev/pktcdvd/disc /mnt/disc
check "every checksum matches" sh -c "cd /mnt/disc && sha256sum -c /tmp/tree.sums >/dev/null"
check "umount" umount /mnt/disc
check "teardown" pktsetup -d disc

c=$(drive_ctl 0 counters)
echo "$c" | tr ',' '\n' | grep -E '"(blocks_written|media_blocks_written|write_commands|unaligned_writes|refused_misaligned_writes|rmw_events|flushes)"'
check_eq "the drive refused no write" 0 "$(json_num "$c" refused_misaligned_writes)"
check_eq "every WRITE covered whole, aligned packets" 0 "$(json_num "$c" unaligned_writes)"
check "the data was written in packets" [ "$(json_num "$c" write_commands)" -gt 100 ]
finish
