#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Flush means durable: data synced to the disc survives a power cut of the
# drive (which loses its write cache) and a reboot; the pkt disk advertises
# a write cache, so flushes reach the drive as SYNCHRONIZE CACHE.  The cut
# comes while a writer keeps the drive's cache full (the drive counts the
# blocks it lost), and the fsynced file reads back, on boot 2, as the
# content both boots know beforehand.
# pkttest-drives: cdrw:65536
# pkttest-boots: 2
. /tests/lib/testlib.sh

# kept_content: the fsynced file's 3 MiB, the same on both boots.
kept_content() { seq 1 1000000 | head -c $((3 * 1024 * 1024)); }
kept_sum=$(kept_content | sha256sum)

mkdir -p /mnt/disc
check "pktsetup" pktsetup disc /dev/sr0
check_eq "the pkt disk advertises a volatile write cache" "write back" "$(cat /sys/block/pktcdvd0/queue/write_cache)"
if [ "$PKTTEST_BOOT" = 1 ]; then
	plan 10
	mkudffs --media-type=cdrw /dev/pktcdvd/disc >/dev/null
	check "mount" mount -t udf -o rw,noatime /dev/pktcdvd/disc /mnt/disc
	kept_content >/tmp/kept
	check "write a file and fsync it" dd if=/tmp/kept of=/mnt/disc/kept bs=64k conv=fsync status=none
	echo "$kept_sum" >/tmp/kept.sum
	check "and its checksum, fsynced" dd if=/tmp/kept.sum of=/mnt/disc/kept.sum conv=fsync status=none
	# sync(2) writes the directories; fsync(2) then flushes the drive.
	sync
	flushes=$(json_num "$(drive_ctl 0 counters)" flushes)
	check "an fsync" dd if=/dev/null of=/mnt/disc/mark conv=fsync status=none
	check "reached the drive as SYNCHRONIZE CACHE" [ "$(json_num "$(drive_ctl 0 counters)" flushes)" -gt "$flushes" ]
	# A writer that writes again and again, without a flush, to free space
	# (frames 44800-45311: in the partition, past the files) through the
	# pkt node, so that the writes the cut fails touch no file system
	# buffer.  The driver's own flush (after a second of quiet) never
	# comes, so the drive's cache holds blocks when the power goes.
	(while dd if=/dev/urandom of=/dev/pktcdvd/disc bs=64k seek=1400 count=16 oflag=direct conv=notrunc status=none; do :; done) &
	writer=$!
	for _ in $(seq $((100 * PKTTEST_SCALE))); do
		[ "$(json_num "$(drive_ctl 0 status)" cached_blocks)" -gt 0 ] 2>/dev/null && break
		sleep 0.1
	done
	check_eq "no blocks lost before the cut" 0 "$(json_num "$(drive_ctl 0 counters)" cache_blocks_lost)"
	check "power cut: the drive loses its write cache" drive_ctl 0 power-cut
	lost=$(json_num "$(drive_ctl 0 counters)" cache_blocks_lost)
	kill $writer
	wait $writer 2>/dev/null
	check "the cut lost cached blocks (cache_blocks_lost $lost)" [ "${lost:-0}" -gt 0 ]
	echo "(boot 1 ends without unmounting, as after a crash)"
else
	plan 7
	check "boot 2: mount" mount -t udf -o ro /dev/pktcdvd/disc /mnt/disc
	check "the synced file is there" test -f /mnt/disc/kept
	check_eq "the synced file is intact" "$kept_sum" "$(sha256sum </mnt/disc/kept)"
	check_eq "its synced checksum file too" "$kept_sum" "$(cat /mnt/disc/kept.sum)"
	umount /mnt/disc
	check "teardown" pktsetup -d disc
fi
finish
