#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, narrated: Debian's own kernel, the pktcdvd-rs module, udftools,
# and the emulated packet-writing drive (a blank CD-RW in sr0, a DVD-RAM in
# sr1), mapped with pktsetup and read through /dev/pktcdvd.  Packet writing
# through /dev/pktcdvd/* joins it with the driver's packet engine.
# pkttest-drives: cdrw-blank:65536 dvdram:131072
. /tests/lib/testlib.sh
say() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Debian's kernel, booted under QEMU, with two emulated drives"
run uname -r
dmesg | grep -E 'sr[01]\] scsi3-mmc'

say "Load pktcdvd-rs the way pktsetup does it, and list mappings with the real pktsetup"
run modprobe pktcdvd || exit 1
run ls -l /dev/pktcdvd/
run pktsetup -s && echo "(no mappings yet)"

say "Format the blank CD-RW for packet writing with udftools' cdrwtool"
run cdrwtool -d /dev/sr0 -q 2>&1 | tail -n 3
run pktcdvd-check /dev/sr0
echo "drive 0 now holds: $(drive_state 0)"

say "Write files with UDF on the DVD-RAM and read them back"
mkdir -p /mnt/disc /tmp/files
for i in 1 2 3; do dd if=/dev/urandom of=/tmp/files/photo$i.jpg bs=1k count=$((i * 400)) 2>/dev/null; done
run mkudffs --media-type=dvdram --label=DEMO /dev/sr1 | grep -E "^(label|blocks)="
run mount -t udf -o rw,noatime /dev/sr1 /mnt/disc
run cp /tmp/files/* /mnt/disc/
run sync
run umount /mnt/disc
run mount -t udf -o ro /dev/sr1 /mnt/disc
run ls -l /mnt/disc
(cd /tmp/files && sha256sum photo*) >/tmp/sums
(cd /mnt/disc && run sha256sum -c /tmp/sums) || exit 1
run umount /mnt/disc

say "Map the DVD-RAM to a packet device with pktsetup and read it through /dev/pktcdvd"
run pktsetup dvdram /dev/sr1
run pktsetup -s
run timeout 20 blkid /dev/pktcdvd/dvdram
run mount -t udf -o ro /dev/pktcdvd/dvdram /mnt/disc
(cd /mnt/disc && run sha256sum -c /tmp/sums) || exit 1
run umount /mnt/disc
run cat /sys/class/pktcdvd/pktcdvd0/stat/kb_read
run pktsetup -d dvdram

say "What the emulated DVD-RAM drive counted"
drive_ctl 1 counters | tr ',' '\n' | grep -E '"(blocks_read|blocks_written|media_blocks_written|write_commands|flushes|seeks|virtual_time_ns)"'

say "Unload"
run rmmod pktcdvd || exit 1
check "demo complete" true
finish
