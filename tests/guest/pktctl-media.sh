#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pktctl on the media the first pktctl test does not format: DVD-RW
# (sequential to restricted overwrite), BD-RE, CD-RW as Mt. Rainier, and a
# DVD+RW format interrupted by Ctrl-C. Each formatted disc then takes a
# mount --mkfs, a file copy and umount --eject, and reads back intact.
# pkttest-drives: dvdrw-seq:65536 bdre-blank:65536 cdrw-blank:65536 dvd+rw-blank:65536
. /tests/lib/testlib.sh
plan $((3 * 11 + 7))
# outcome COMMAND...: its exit status and output, for checks of both.
mkdir -p /mnt/cd
for i in $(seq 1 12); do head -c $((i * 7919)) /dev/urandom >/tmp/f$i; done
(cd /tmp && sha256sum f*) >/tmp/sums

# format_and_use N WHAT PROFILE [FORMAT OPTIONS]
format_and_use() {
	local n=$1 what=$2 profile=$3; shift 3
	local dev=/dev/sr$n
	check "$what: pktctl format $*" pktctl format "$dev" "$@"
	check "$what: the disc is now $profile" \
		grep -q "disc:    $profile" <<<"$(pktctl info "$dev")"
	check "$what: check accepts it" pktctl check "$dev"
	out=$(pktctl info "$dev")
	echo "$out"
	check "$what: info gives the capacity" grep -q "capacity: [1-9][0-9]* blocks" <<<"$out"
	check "$what: info gives the free space" grep -q "free: [0-9]* blocks" <<<"$out"
	check "$what: mount --mkfs" pktctl mount "$dev" /mnt/cd --mkfs
	cp /tmp/f* /mnt/cd/
	check "$what: umount --eject" pktctl umount /mnt/cd --eject
	check_eq "$what: no mapping left behind" "exit 0: " "$(outcome pktctl status)"
	eject -t "$dev"
	check "$what: mount again" pktctl mount "$dev" /mnt/cd
	check "$what: every file reads back" sh -c "cd /mnt/cd && sha256sum -c /tmp/sums >/dev/null"
	check "$what: umount" pktctl umount /mnt/cd
}

format_and_use 0 "DVD-RW" "DVD-RW (restricted overwrite)" --quick
format_and_use 1 "BD-RE" "BD-RE"
format_and_use 2 "CD-RW (MRW)" "CD-RW" --mrw
out=$(pktctl info /dev/sr2); rc=$?
check_eq "CD-RW (MRW): info succeeds" 0 "$rc"
check "CD-RW (MRW): info reports the MRW format, formatted" grep -qx "         MRW: formatted" <<<"$out"

# Ctrl-C during a format: pktctl stops waiting, says what state the drive
# is in and exits non-zero; the drive finishes on its own.
# The signal comes once the drive is formatting (not before pktctl has
# started it: on a slow kernel that takes more than a second).
pktctl format /dev/sr3 >/tmp/format.out 2>&1 &
pid=$!
for _ in $(seq $((100 * PKTTEST_SCALE))); do
	drive_ctl 3 status | grep -q '"busy":true' && break
	sleep 0.1
done
kill -INT $pid
wait $pid; rc=$?
out=$(cat /tmp/format.out)
echo "$out"
check "Ctrl-C: a non-zero exit" test "$rc" -ne 0
check "Ctrl-C: says the drive goes on formatting" \
	grep -q "interrupted: the drive goes on formatting on its own" <<<"$out"
ready=no
for i in $(seq 1 $((20 * PKTTEST_SCALE))); do
	if pktctl check /dev/sr3 >/dev/null 2>&1; then ready=yes; break; fi
	sleep 0.5
done
check_eq "Ctrl-C: the drive finishes the format and the disc is usable" yes "$ready"
check "Ctrl-C: the disc mounts" pktctl mount /dev/sr3 /mnt/cd --mkfs
check "Ctrl-C: umount --eject" pktctl umount /mnt/cd --eject
finish
