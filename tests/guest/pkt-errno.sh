#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control ioctl's errno contract, as the C driver had it: EPERM without
# CAP_SYS_ADMIN, EBUSY (all slots used, already mapped, chaining, device
# open), EINVAL for a device that is not a CD/DVD drive, ENXIO for TEARDOWN
# of an unknown pkt device, ENOTTY for unknown commands and ioctls, EFAULT
# for a bad pointer.  Eight mappings work; the ninth gets EBUSY.
# pkttest-drives: dvdram:4096 dvdram:4096 dvdram:4096 dvdram:4096 dvdram:4096 dvdram:4096 dvdram:4096 dvdram:4096
. /tests/lib/testlib.sh
plan 28
# outcome COMMAND...: its exit status and output, for checks of both.

modprobe pktcdvd
devnum() { echo "$(( 0x$(stat -c %t "$1") )):$(( 0x$(stat -c %T "$1") ))"; }
nocap() { setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$@"; }

check_eq "SETUP without CAP_SYS_ADMIN: EPERM" "errno=EPERM" "$(nocap pkt-ioctl setup "$(devnum /dev/sr0)")"
check_eq "STATUS needs no CAP_SYS_ADMIN" "dev=0:0 pkt_dev=0:0 num_devices=8" "$(nocap pkt-ioctl status 0)"
check_eq "unknown command 3: ENOTTY" "errno=ENOTTY" "$(pkt-ioctl command 3)"
check_eq "unknown command 0xffffffff: ENOTTY" "errno=ENOTTY" "$(pkt-ioctl command 4294967295)"
check_eq "another ioctl number on the control node: ENOTTY" "errno=ENOTTY" "$(pkt-ioctl wrong-ioctl)"
check_eq "a NULL argument: EFAULT" "errno=EFAULT" "$(pkt-ioctl null-arg)"
check_eq "TEARDOWN of an unknown pkt device: ENXIO" "errno=ENXIO" "$(pkt-ioctl teardown 253:7)"
check_eq "SETUP of a device number that does not exist: ENXIO" "errno=ENXIO" "$(pkt-ioctl setup 11:99)"

modprobe loop
truncate -s 8M /tmp/disk.img
loop=$(losetup -f --show /tmp/disk.img)
check "a loop device for the test: $loop" test -b "$loop"
check_eq "SETUP of a loop device (not a CD/DVD drive): EINVAL" "errno=EINVAL" "$(pkt-ioctl setup "$(devnum "$loop")")"

for i in 0 1 2 3 4 5 6 7; do
	out=$(pkt-ioctl setup "$(devnum /dev/sr$i)")
	check "mapping $((i + 1)) of 8 (sr$i): $out" grep -q '^pkt_dev=' <<<"$out"
done
check_eq "eight mappings listed" 8 "$(pktsetup -s | wc -l)"
check_eq "the ninth: EBUSY" "errno=EBUSY" "$(pkt-ioctl setup "$(devnum "$loop")")"
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
check "TEARDOWN without CAP_SYS_ADMIN: EPERM" test "$(nocap pkt-ioctl teardown "$major:7")" = "errno=EPERM"
check "teardown of pktcdvd7" pkt-ioctl teardown "$major:7"
check_eq "sr0 again: EBUSY (already mapped)" "errno=EBUSY" "$(pkt-ioctl setup "$(devnum /dev/sr0)")"
check_eq "a pkt device on a pkt device: EBUSY (no chaining)" "errno=EBUSY" "$(pkt-ioctl setup "$major:0")"

exec 3</dev/pktcdvd/pktcdvd0
check_eq "TEARDOWN while the pkt device is open: EBUSY" "errno=EBUSY" "$(pkt-ioctl teardown "$major:0")"
exec 3<&-
check "TEARDOWN once it is closed" pkt-ioctl teardown "$major:0"
for i in 1 2 3 4 5 6; do pkt-ioctl teardown "$major:$i" >/dev/null; done
check_eq "all unmapped" "exit 0: " "$(outcome pktsetup -s)"
check "the module unloads" rmmod pktcdvd
losetup -d "$loop"
finish
