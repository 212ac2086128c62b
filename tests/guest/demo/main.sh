#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The demo, narrated: Debian's own kernel, the pktcdvd-rs module, the real
# udftools, and an emulated drive with a blank CD-RW: format it (pktctl), map it,
# make UDF on the packet device, copy files, read them back, and look at
# what the driver and the drive counted.
# pkttest-drives: cdrw-blank:65536
. /tests/lib/testlib.sh
plan 1
say() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Debian's kernel under QEMU, with an emulated CD/DVD writer holding a blank CD-RW"
run uname -r
dmesg | grep -E 'sr0\] scsi3-mmc' | sed 's/^\[[^]]*\] //'

say "Ask pktctl about the drive and the disc"
run pktctl info /dev/sr0
run pktctl check /dev/sr0

say "Format the CD-RW for packet writing with pktctl, following the drive's progress"
run pktctl format /dev/sr0 || exit 1
run pktctl check /dev/sr0
run pktcdvd-check /dev/sr0

say "Map it to a packet-writing device with udftools' pktsetup (loads pktcdvd-rs)"
run pktsetup cdrw /dev/sr0 || exit 1
run pktsetup -s
run ls -l /dev/pktcdvd/

say "Make a UDF file system on the packet device and mount it read-write"
run mkudffs --media-type=cdrw --label=DEMO /dev/pktcdvd/cdrw | grep -E "^(label|blocks)="
mkdir -p /mnt/cdrw /tmp/photos
run mount -t udf -o rw,noatime /dev/pktcdvd/cdrw /mnt/cdrw || exit 1
dmesg | grep -E "pktcdvd0: (Fixed|Random)" | tail -n 1 | sed 's/^\[[^]]*\] //'

say "Copy files to the disc like to a floppy"
for i in 1 2 3 4; do dd if=/dev/urandom of=/tmp/photos/photo$i.jpg bs=1k count=$((i * 700)) 2>/dev/null; done
echo "Dear diary, packet writing works again." >/tmp/photos/notes.txt
run cp /tmp/photos/* /mnt/cdrw/
run sync
run ls -l /mnt/cdrw
run umount /mnt/cdrw

say "What the driver counted (sysfs) and what the drive saw"
for f in packets_finished kb_written kb_read_gather kb_read; do
	printf '%-18s %s\n' "$f" "$(cat /sys/class/pktcdvd/pktcdvd0/stat/$f)"
done
drive_ctl 0 counters | tr ',' '\n' | grep -E '"(write_commands|blocks_written|media_blocks_written|unaligned_writes|refused_misaligned_writes|flushes|virtual_time_ns)"'
echo "(every WRITE the drive got was one whole, aligned 32-frame packet)"

say "Tear down, map again, and read everything back"
run pktsetup -d cdrw
run pktsetup cdrw /dev/sr0
run mount -t udf -o ro /dev/pktcdvd/cdrw /mnt/cdrw
(cd /tmp/photos && sha256sum *) >/tmp/sums
(cd /mnt/cdrw && run sha256sum -c /tmp/sums) || exit 1
run cat /mnt/cdrw/notes.txt

say "Unmount, unmap and eject in one step"
run pktctl umount /mnt/cdrw --eject || exit 1
run pktctl status
check "demo complete" true
finish
