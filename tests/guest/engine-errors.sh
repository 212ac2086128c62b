#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every failed packet reaches its writer: a write that the engine splits
# into several packets fails when any one of them fails, whichever packet it
# is (the first, one in the middle, the last), for O_DIRECT writes, buffered
# writes and fsync, and FUA writes.  A split bio completes its parts one by
# one; the error of an earlier part must not be overwritten by the success
# of a later one.  Buffered writes to the raw device are written back one
# 4 KiB block per bio, so for them the bug shows only through a file
# system (UDF).  After each fault, data flushed before is intact, and
# writing where the fault was works again.
# pkttest-drives: cdrw:65536 dvd+rw:65536
. /tests/lib/testlib.sh
plan 86

# random FILE FRAMES: FILE with FRAMES random frames.
random() { head -c $(($2 * 2048)) /dev/urandom >"$1"; }
# put PKT FRAME FILE [OFLAGS]: FILE as one dd block at FRAME (which must be
# a multiple of FILE's size), O_DIRECT unless OFLAGS says otherwise; sets rc,
# dd's messages in /tmp/out.
put() {
	local size; size=$(stat -c %s "$3")
	dd if="$3" of="$1" bs="$size" count=1 seek=$(($2 * 2048 / size)) \
		oflag="${4:-direct}" conv=notrunc 2>/tmp/out
	rc=$?
}
# sum PKT FRAME FRAMES: the checksum of FRAMES frames read back at FRAME
# ("read failed" if the read fails, so that it never equals a checksum).
sum() {
	local out
	out=$(dd if="$1" bs=2048 skip="$2" count="$3" iflag=direct 2>/dev/null | sha256sum; exit "${PIPESTATUS[0]}") &&
		echo "$out" || echo "read failed"
}

# marked FILE FRAMES: random frames, the first and last starting with a
# mark that `locate` finds on the disc.
marked() {
	random "$1" "$2"
	printf '\0@pkt-first@\0' | dd of="$1" conv=notrunc status=none
	printf '\0@pkt-last@\0' | dd of="$1" bs=2048 seek=$(($2 - 1)) conv=notrunc status=none
}
# locate PKT: sets first and last, the frames (in the first 32 MiB) that
# start with those marks; empty if not found exactly once.
locate() {
	first= last=
	dd if="$1" of=/tmp/scan bs=1M count=32 iflag=direct status=none || return
	strings -t d -n 10 /tmp/scan >/tmp/strings || return
	first=$(awk '$2 == "@pkt-first@" && ($1 - 1) % 2048 == 0 { print ($1 - 1) / 2048 }' /tmp/strings)
	last=$(awk '$2 == "@pkt-last@" && ($1 - 1) % 2048 == 0 { print ($1 - 1) / 2048 }' /tmp/strings)
	case "$first$last" in *[!0-9]*) first= last= ;; esac
	rm -f /tmp/scan
}

# eio WHAT: after put, the writer was told: dd failed with EIO.
eio() {
	if [ "$rc" -ne 0 ] && grep -q "Input/output error" /tmp/out; then
		ok "$1: the writer sees EIO"
	else
		not_ok "$1: the writer sees EIO (dd exit $rc: $(tr '\n' ' ' </tmp/out))"
	fi
}

# after DRIVE WHAT PKT FRAME FRAMES: with the fault cleared, the data
# flushed at the start is intact, and FRAMES frames at FRAME can be written
# again.
after() {
	local n=$1 what=$2 pkt=$3 at=$4 count=$5
	drive_ctl "$n" fault clear >/dev/null
	check_eq "$what: the data flushed before is intact" "$(sha256sum </tmp/good.$n)" "$(sum "$pkt" 0 256)"
	random /tmp/again "$count"
	put "$pkt" "$at" /tmp/again
	check "$what: with the fault cleared, writing there works" test "$rc" = 0
	check_eq "$what: and reads back" "$(sha256sum </tmp/again)" "$(sum "$pkt" "$at" "$count")"
}

# errors DRIVE PKT FRAMES MKUDFFS_ARGS: every case on one medium whose
# packets are FRAMES frames.  Each raw case has its own region of 1024
# frames; the last case makes a UDF file system on the disc.
errors() {
	local n=$1 pkt=$2 p=$3 m at
	m=$(drive_ctl "$n" status | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')
	echo "# drive $n ($m), $pkt, $p-frame packets"
	random /tmp/good.$n 256
	dd if=/tmp/good.$n of="$pkt" bs=$((p * 2048)) oflag=direct conv=notrunc,fsync 2>/tmp/out
	check "$m: good data at frames 0..255, flushed" test $? = 0

	# a) two packets in one O_DIRECT write: the first fails, then the second.
	random /tmp/two $((2 * p))
	at=1024
	drive_ctl "$n" fault write $at+$p >/dev/null
	put "$pkt" $at /tmp/two
	eio "$m: 2-packet O_DIRECT write, first packet fails"
	after "$n" "$m: first of two" "$pkt" $at $((2 * p))
	at=2048
	drive_ctl "$n" fault write $((at + p))+$p >/dev/null
	put "$pkt" $at /tmp/two
	eio "$m: 2-packet O_DIRECT write, second packet fails"
	after "$n" "$m: second of two" "$pkt" $at $((2 * p))

	# b) 1 MiB in one O_DIRECT write, one packet failing at its start, in
	#    its middle, at its end.
	random /tmp/mib 512
	at=3072
	drive_ctl "$n" fault write $at+$p >/dev/null
	put "$pkt" $at /tmp/mib
	eio "$m: 1 MiB O_DIRECT write, its first packet fails"
	after "$n" "$m: 1 MiB, first" "$pkt" $at 512
	at=4096
	drive_ctl "$n" fault write $((at + 256))+$p >/dev/null
	put "$pkt" $at /tmp/mib
	eio "$m: 1 MiB O_DIRECT write, a packet in the middle fails"
	after "$n" "$m: 1 MiB, middle" "$pkt" $at 512
	at=5120
	drive_ctl "$n" fault write $((at + 512 - p))+$p >/dev/null
	put "$pkt" $at /tmp/mib
	eio "$m: 1 MiB O_DIRECT write, its last packet fails"
	after "$n" "$m: 1 MiB, last" "$pkt" $at 512

	# c) buffered writes of 8 packets, then fsync; the second packet fails,
	#    so that the writeback bio goes on past it.
	random /tmp/eight $((8 * p))
	at=6144
	drive_ctl "$n" fault write $((at + p))+$p >/dev/null
	dd if=/tmp/eight of="$pkt" bs=$((p * 2048)) seek=$((at / p)) conv=notrunc,fsync 2>/tmp/out
	rc=$?
	eio "$m: buffered write + fsync, second of 8 packets fails"
	after "$n" "$m: buffered" "$pkt" $at $((8 * p))

	# d) O_DSYNC on a block device with a write cache: a REQ_FUA write of
	#    two packets whose first fails.
	at=7168
	drive_ctl "$n" fault write $at+$p >/dev/null
	put "$pkt" $at /tmp/two direct,dsync
	eio "$m: 2-packet FUA write (O_DIRECT|O_DSYNC), first packet fails"
	after "$n" "$m: FUA" "$pkt" $at $((2 * p))

	# e) buffered writes to a UDF file, then fsync.  Only a file system's
	#    writeback sends bios of many packets: the raw device's (case c)
	#    sends one bio per 4 KiB block, which never spans packets.
	check "$m: mkudffs $4" sh -c "mkudffs $4 $pkt >/dev/null"
	mkdir -p /mnt/udf
	check "$m: mount -t udf -o rw,noatime" mount -t udf -o rw,noatime "$pkt" /mnt/udf
	random /tmp/kept 64
	check "$m: a file written and fsynced" dd if=/tmp/kept of=/mnt/udf/kept conv=fsync status=none
	marked /tmp/eight $((8 * p))
	check "$m: a file of 8 packets, fsynced" dd if=/tmp/eight of=/mnt/udf/f bs=$((p * 2048)) conv=fsync status=none
	locate "$pkt"
	check "$m: found on the disc, in one run (frames $first..$last)" \
		test -n "$first" -a -n "$last" -a "$((last - first + 1))" = $((8 * p))
	if [ -n "$first" ]; then
		# The second packet it touches: neither the first nor the last piece.
		at=$((first / p * p + p))
		drive_ctl "$n" fault write $at+$p >/dev/null
		random /tmp/eight2 $((8 * p))
		dd if=/tmp/eight2 of=/mnt/udf/f bs=$((p * 2048)) conv=notrunc,fsync 2>/tmp/out
		rc=$?
		eio "$m: UDF file rewritten + fsync, its second packet fails"
		drive_ctl "$n" fault clear >/dev/null
		echo 3 >/proc/sys/vm/drop_caches
		check_eq "$m: UDF: the file fsynced before is intact" "$(sha256sum </tmp/kept)" "$(sha256sum </mnt/udf/kept)"
		marked /tmp/eight3 $((8 * p))
		check "$m: UDF: with the fault cleared, rewriting the file works" \
			dd if=/tmp/eight3 of=/mnt/udf/f bs=$((p * 2048)) conv=notrunc,fsync status=none
		check_eq "$m: UDF: and it is on the disc" "$(sha256sum </tmp/eight3)" "$(sum "$pkt" "$first" $((8 * p)))"
	fi
	check "$m: umount" umount /mnt/udf

	c=$(drive_ctl "$n" counters)
	check "$m: the drive failed WRITEs as told" [ "$(json_num "$c" faults_injected)" -ge 8 ]
	check_eq "$m: the drive refused no write" 0 "$(json_num "$c" refused_misaligned_writes)"
}

check "pktsetup cd" pktsetup cd "/dev/$(cat /run/mmc-drive/0.sr)"
check "pktsetup dvd" pktsetup dvd "/dev/$(cat /run/mmc-drive/1.sr)"
errors 0 /dev/pktcdvd/cd 32 --media-type=cdrw
errors 1 /dev/pktcdvd/dvd 16 --media-type=dvdrw
check "teardown cd" pktsetup -d cd
check "teardown dvd" pktsetup -d dvd
finish
