#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Random-writable media need no packet driver: mkudffs, mount -t udf, write,
# sync, remount and checksum directly on /dev/srN for DVD-RAM, DVD+RW and
# BD-RE.  Closing a written DVD+RW makes the kernel finalize it.
# pkttest-drives: dvdram:131072 dvd+rw:131072 bdre:262144
. /tests/lib/testlib.sh
plan 23

mkdir -p /mnt/disc /tmp/src
for i in 1 2 3 4 5; do
	dd if=/dev/urandom of=/tmp/src/file$i bs=1k count=$((i * 300)) 2>/dev/null
done
mkdir -p /tmp/src/dir/sub && echo "small" >/tmp/src/dir/sub/tiny
(cd /tmp/src && find . -type f | sort | xargs sha256sum) >/tmp/src.sums

n=0
for media in "dvdram" "dvdrw" "hd"; do
	dev=/dev/sr$n
	name=$(drive_ctl $n status | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')
	check "$name: mkudffs --media-type=$media" mkudffs --media-type=$media --blocksize=2048 "$dev"
	check "$name: mount -t udf rw" mount -t udf -o rw "$dev" /mnt/disc
	cp -a /tmp/src/. /mnt/disc/
	sync
	check "$name: umount" umount /mnt/disc
	check "$name: mount again" mount -t udf -o ro "$dev" /mnt/disc
	check "$name: every checksum matches" sh -c "cd /mnt/disc && sha256sum -c /tmp/src.sums >/dev/null"
	umount /mnt/disc
	check "$name: udfinfo reads the disc" sh -c "udfinfo $dev | grep -q '^blocksize=2048'"
	c=$(drive_ctl $n counters)
	check "$name: the drive recorded the data" [ "$(json_num "$c" blocks_written)" -gt 750 ]
	n=$((n + 1))
done
check "DVD+RW: the kernel finalized the dirty disc on close (CLOSE SESSION seen)" \
	[ "$(command_count "$(drive_ctl 1 counters)" 0x5b)" -ge 1 ]
check "DVD+RW: no longer dirty" grep -q '"dirty":false' <<<"$(drive_ctl 1 status)"
finish
