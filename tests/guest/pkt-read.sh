#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Reading through a mapping: a UDF disc written directly on /dev/sr0 reads
# back byte-identical through the pkt node; blkid returns (the C driver
# hung it forever); the six forwarded ioctls return the drive's answer;
# CDROM_GET_CAPABILITY fails on the pkt node; the door is locked while the
# pkt device is open; sr0's capacity is left alone; a reader does not keep
# writers out.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh
plan 24

mkdir -p /mnt/disc /tmp/src
for i in 1 2 3; do dd if=/dev/urandom of=/tmp/src/f$i bs=1k count=$((i * 500)) 2>/dev/null; done
(cd /tmp/src && sha256sum f1 f2 f3) >/tmp/sums
mkudffs --media-type=dvdram --label=PKTREAD /dev/sr0 >/dev/null
mount -t udf -o rw /dev/sr0 /mnt/disc && cp /tmp/src/* /mnt/disc/ && sync && umount /mnt/disc
sr_size=$(cat /sys/block/sr0/size)

pktsetup disc /dev/sr0 || { echo "pktsetup failed"; exit 1; }
pkt=/dev/pktcdvd/pktcdvd0
start=$(date +%s)
out=$(timeout 30 blkid "$pkt"); rc=$?
check_eq "blkid on the pkt node returns" 0 "$rc"
check "blkid sees the UDF label" grep -q 'LABEL="PKTREAD"' <<<"$out"
check "blkid took seconds, not forever" test $(( $(date +%s) - start )) -lt 20
check_eq "capacity set from the disc on open" $((65536 * 4)) "$(cat /sys/block/pktcdvd0/size)"
check_eq "sr0's capacity left as it was" "$sr_size" "$(cat /sys/block/sr0/size)"

check "mount -t udf -o ro the pkt node" mount -t udf -o ro "$pkt" /mnt/disc
check "every file reads back byte-identical" sh -c "cd /mnt/disc && sha256sum -c /tmp/sums >/dev/null"
check "while mounted the door is locked" grep -q '"locked":true' <<<"$(drive_ctl 0 status)"
out=$(eject /dev/sr0 2>&1); rc=$?
check "so eject /dev/sr0 fails" test $rc -ne 0
umount /mnt/disc
check "after the last close the door is unlocked" grep -q '"locked":false' <<<"$(drive_ctl 0 status)"
check "udfinfo reads the disc through the pkt node" sh -c "udfinfo $pkt | grep -q '^label=PKTREAD'"
check_eq "a raw read of the whole disc through the pkt node equals sr0's" \
	"$(dd if=/dev/sr0 bs=64k 2>/dev/null | sha256sum)" "$(dd if=$pkt bs=64k 2>/dev/null | sha256sum)"
check "stat/kb_read counted the reads" [ "$(cat /sys/class/pktcdvd/pktcdvd0/stat/kb_read)" -gt 1000 ]

for op in last-written multisession tocentry send-packet scsi-command; do
	want=$(pkt-ioctl blk /dev/sr0 $op)
	got=$(timeout 20 pkt-ioctl blk $pkt $op)
	check_eq "forwarded $op returns the drive's answer ($want)" "$want" "$got"
done
check_eq "CDROM_GET_CAPABILITY fails on the pkt node" "errno=ENOTTY" "$(pkt-ioctl blk $pkt capability)"
check "CDROM_GET_CAPABILITY works on sr0" grep -q '^capability=' <<<"$(pkt-ioctl blk /dev/sr0 capability)"
check_eq "CDROMEJECT through the pkt node ejects" "ejected" "$(timeout 20 pkt-ioctl blk $pkt eject)"
check "the tray is open" grep -q '"tray_open":true' <<<"$(drive_ctl 0 status)"
eject -t /dev/sr0

exec 3<$pkt
check "a write open while the device is open read-only works (C: EBUSY)" sh -c "exec 4<>$pkt"
exec 3<&-
check "teardown" pktsetup -d disc
finish
