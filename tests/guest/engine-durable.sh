#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flush means durable: data synced to the disc survives a power cut of the
# drive (which loses its write cache) and a reboot; the pkt disk advertises
# a write cache, so flushes reach the drive as SYNCHRONIZE CACHE.
# pkttest-drives: cdrw:65536
# pkttest-boots: 2
. /tests/lib/testlib.sh

mkdir -p /mnt/disc
check "pktsetup" pktsetup disc /dev/sr0
check_eq "the pkt disk advertises a volatile write cache" "write back" "$(cat /sys/block/pktcdvd0/queue/write_cache)"
if [ "$PKTTEST_BOOT" = 1 ]; then
	mkudffs --media-type=cdrw /dev/pktcdvd/disc >/dev/null
	check "mount" mount -t udf -o rw,noatime /dev/pktcdvd/disc /mnt/disc
	head -c $((3 * 1024 * 1024)) /dev/urandom >/tmp/kept
	check "write a file and fsync it" dd if=/tmp/kept of=/mnt/disc/kept bs=64k conv=fsync
	sha256sum </tmp/kept >/tmp/kept.sum
	check "and its checksum, fsynced" dd if=/tmp/kept.sum of=/mnt/disc/kept.sum conv=fsync
	# sync(2) writes the directories; fsync(2) then flushes the drive.
	sync
	flushes=$(json_num "$(drive_ctl 0 counters)" flushes)
	check "an fsync" dd if=/dev/null of=/mnt/disc/mark conv=fsync
	check "reached the drive as SYNCHRONIZE CACHE" [ "$(json_num "$(drive_ctl 0 counters)" flushes)" -gt "$flushes" ]
	head -c $((1024 * 1024)) /dev/urandom >/mnt/disc/maybe
	check "power cut: the drive loses its write cache" drive_ctl 0 power-cut
	echo "(boot 1 ends without unmounting, as after a crash)"
else
	check "boot 2: mount" mount -t udf -o ro /dev/pktcdvd/disc /mnt/disc
	check_eq "the synced file is intact" "$(cat /mnt/disc/kept.sum)" "$(sha256sum </mnt/disc/kept)"
	umount /mnt/disc
	pktsetup -d disc
fi
finish
