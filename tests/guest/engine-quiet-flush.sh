#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `sync` plus a pause means durable, on every rewritable medium: UDF's
# sync writes the data and metadata but sends no flush, so the drive's
# volatile write cache would keep the last of it until a flush that never
# comes.  The driver flushes the drive on its own once the writers have
# been quiet for a moment (about a second).  Boot 1 writes a tree and its
# manifest on each disc, syncs, pauses, and cuts every drive's power
# without unmounting; boot 2 finds every file intact.
# pkttest-drives: cdrw:65536 dvd+rw:65536 dvdram:65536 bdre:131072 dvdrw:65536 cdrw-mrw:65536
# pkttest-boots: 2
. /tests/lib/testlib.sh

# Drive N's medium and the mkudffs arguments for it, as engine-*.sh use.
media=(cdrw dvd+rw dvdram bdre dvdrw cdrw-mrw)
mkfs=("--media-type=cdrw" "--media-type=dvdrw" "--media-type=dvdram"
	"--media-type=hd --blocksize=2048" "--media-type=dvdrw" "--media-type=hd --blocksize=2048")

# layout: the tree, one "PATH SIZE" line per file (about 2.9 MiB, more
# than the drive's 2 MiB cache, so that some of it reaches the medium
# before the sync ends and the rest must be flushed).
layout() {
	local i=0 size n dir
	for size in 1 100 2047 2048 4097 20000 65536 100001; do
		for n in 1 2 3 4 5 6 7 8 9 10 11 12; do
			i=$((i + 1))
			case $((i % 3)) in
			0) dir=. ;; 1) dir=./a ;; 2) dir=./a/b ;;
			esac
			echo "$dir/f$i $((size + n))"
		done
	done
	echo "./c/m1 300000"
	echo "./c/m2 300001"
}
expected=$(layout | wc -l)
# Both boots: a setup per drive.  Boot 1: six checks per drive, sync, two
# per drive after the pause, a power cut per drive.  Boot 2: five per drive.
if [ "$PKTTEST_BOOT" = 1 ]; then
	plan $((${#media[@]} * (1 + 6 + 2 + 1) + 1))
else
	plan $((${#media[@]} * (1 + 5)))
fi

mkdir -p /mnt/d0 /mnt/d1 /mnt/d2 /mnt/d3 /mnt/d4 /mnt/d5
for n in "${!media[@]}"; do
	m=${media[$n]}
	check "$m: pktsetup d$n /dev/$(cat /run/mmc-drive/$n.sr)" pktsetup "d$n" "/dev/$(cat /run/mmc-drive/$n.sr)"
done

if [ "$PKTTEST_BOOT" = 1 ]; then
	for n in "${!media[@]}"; do
		m=${media[$n]} t=/tmp/tree.$n
		mkdir -p "$t/a/b" "$t/c"
		layout | while read -r path size; do head -c "$size" /dev/urandom >"$t/$path"; done
		(cd "$t" && layout | cut -d' ' -f1 | xargs sha256sum) >/tmp/manifest.$n
		check "$m: checksums of the tree" test $? = 0
		check_eq "$m: a manifest of $expected files" "$expected" "$(wc -l </tmp/manifest.$n)"
		check "$m: mkudffs ${mkfs[$n]}" sh -c "mkudffs ${mkfs[$n]} /dev/pktcdvd/d$n >/dev/null"
		check "$m: mount -t udf -o rw,noatime" mount -t udf -o rw,noatime "/dev/pktcdvd/d$n" "/mnt/d$n"
		check "$m: copy the tree" cp -a "$t/." "/mnt/d$n/"
		check "$m: and its manifest" cp "/tmp/manifest.$n" "/mnt/d$n/MANIFEST"
	done
	check "sync" sync
	# The writers are quiet now: the driver's own flush must come in this
	# pause (the drive's cache is lost at the power cut below).
	sleep 3
	for n in "${!media[@]}"; do
		status=$(drive_ctl "$n" status)
		check "${media[$n]}: the drive answers" test $? = 0
		echo "  ${media[$n]}: before the power cut: flushes=$(json_num "$(drive_ctl "$n" counters)" flushes)"
		check_eq "${media[$n]}: the driver flushed the drive's cache in the pause" 0 "$(json_num "$status" cached_blocks)"
	done
	for n in "${!media[@]}"; do
		check "${media[$n]}: power cut: the drive loses its write cache" drive_ctl "$n" power-cut
	done
	echo "(boot 1 ends without unmounting, as after a crash)"
else
	for n in "${!media[@]}"; do
		m=${media[$n]} d=/mnt/d$n
		check "$m: boot 2: mount -o ro" mount -t udf -o ro "/dev/pktcdvd/d$n" "$d"
		check_eq "$m: the manifest lists $expected files" "$expected" "$(wc -l <"$d/MANIFEST")"
		(cd "$d" && sha256sum -c MANIFEST) >/tmp/verify.$n 2>&1
		rc=$?
		check "$m: every file matches the manifest (sha256sum -c exit $rc; $(grep -vc ': OK$' /tmp/verify.$n) bad lines)" test "$rc" = 0
		grep -v ': OK$' /tmp/verify.$n | head -n 5 | sed "s/^/  $m: /"
		echo "  $m: $(find "$d" -type f 2>/dev/null | wc -l) files found on the disc"
		check "$m: umount" umount "$d"
		check "$m: teardown" pktsetup -d "d$n"
	done
fi
finish
