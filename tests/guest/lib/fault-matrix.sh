# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix on one medium (drive 0): every fault the emulated drive
# can inject, one after the other, on one mapping.  For each: the writer
# sees an error (or, where the data may have reached the disc anyway, the
# data reads back), the error surfaces within the drive timeouts, and the
# data written and flushed before the fault is intact.  Afterwards the
# drive, killed and plugged in again, still holds that data; teardown and
# unload work.  The kernel log must stay free of reports (qemu-run).
#
# The tests source this with the medium's drive in the header and the
# timeouts shortened: "# pkttest-tcmu-timeout: 1" (TCMU's wait for a
# daemon that stopped answering; 30 s by default) and SR_TIMEOUT below (the
# SCSI command timeout of /dev/sr0, for the slow-drive and killed-daemon
# cases; 30 s by default).  With those, the SCSI layer's aborts, retries
# and resets bring every failure to the writer in well under a minute.
. /tests/lib/testlib.sh

SR_TIMEOUT=1      # seconds
BOUND=90          # no failure may take longer than this to reach the writer
pkt=/dev/pktcdvd/m0

now() { cut -d' ' -f1 /proc/uptime; }
# timed CMD...: runs CMD; sets rc (its exit code) and took (whole seconds).
timed() {
	local t0; t0=$(now)
	"$@" 2>/tmp/timed.out
	rc=$?
	took=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)
}
# pkt_write FRAME FILE: FILE's frames at FRAME, direct, then fsync; in
# 32 KiB writes where FRAME and the size allow (each direct write of less
# than a packet waits for the engine's gathering pause), else frame by
# frame.
pkt_write() {
	local bs=2048 seek=$1
	if [ $(($1 % 16)) = 0 ] && [ $(($(stat -c %s "$2") % 32768)) = 0 ]; then
		bs=32768 seek=$(($1 / 16))
	fi
	dd if="$2" of=$pkt bs=$bs seek="$seek" oflag=direct conv=notrunc,fsync
}
# pkt_sum FRAME COUNT: the checksum of COUNT frames read back at FRAME.
pkt_sum() { dd if=$pkt bs=2048 skip="$1" count="$2" iflag=direct 2>/dev/null | sha256sum; }
file_sum() { sha256sum <"$1"; }
frames() { head -c $(($2 * 2048)) /dev/urandom >"$1"; }

# fails_in_time WHAT: after `timed`, the writer saw an error within BOUND.
fails_in_time() {
	check "$1: the writer sees an error" test "$rc" -ne 0
	check "$1: within ${BOUND}s (took ${took}s)" test "$took" -lt "$BOUND"
}
# error_or_on_disc WHAT FRAME: after `timed`, where the data may have
# reached the disc anyway: within BOUND, and an error, or success with
# /tmp/data read back at FRAME.
error_or_on_disc() {
	check "$1: within ${BOUND}s (took ${took}s)" test "$took" -lt "$BOUND"
	if [ "$rc" = 0 ]; then
		check_eq "$1: success, and the data is there" "$(file_sum /tmp/data)" "$(pkt_sum "$2" 64)"
	else
		ok "$1: an error (rc=$rc)"
	fi
}
good_intact() {
	check_eq "$1: the data flushed before is intact" "$(file_sum /tmp/good)" "$(pkt_sum 0 256)"
}
# writes_again WHAT FRAME: with the fault gone, a write there works.
writes_again() {
	frames "/tmp/again.$2" 64
	check "$1: with the fault gone, writing works again" pkt_write "$2" "/tmp/again.$2"
	check_eq "$1: and reads back" "$(file_sum "/tmp/again.$2")" "$(pkt_sum "$2" 64)"
}

plan 57
modprobe pktcdvd
check "pktsetup" pktsetup m0 /dev/sr0
frames /tmp/good 256
check "good data at frames 0..255, flushed" pkt_write 0 /tmp/good
frames /tmp/data 64

# 1. A WRITE that fails (3/0C/00, sticky).
drive_ctl 0 fault write 1024+64 >/dev/null
timed pkt_write 1024 /tmp/data
fails_in_time "write error"
check "write error: EIO" grep -q "Input/output error" /tmp/timed.out
drive_ctl 0 fault clear >/dev/null
good_intact "write error"
writes_again "write error" 1024

# 2. A READ that fails while gathering the rest of a packet.
drive_ctl 0 fault read 2048+64 >/dev/null
frames /tmp/one 1
timed pkt_write 2049 /tmp/one
fails_in_time "read error while gathering"
drive_ctl 0 fault clear >/dev/null
good_intact "read error while gathering"
writes_again "read error while gathering" 2048

# 3. The drive not ready (2/04/00) for every medium access.
drive_ctl 0 fault not-ready >/dev/null
timed pkt_write 3072 /tmp/data
fails_in_time "drive not ready"
drive_ctl 0 fault clear >/dev/null
good_intact "drive not ready"
writes_again "drive not ready" 3072

# 4. Commands slower than the timeouts: the first two data commands take
#    2.5 s against the SCSI layer's 1 s and TCMU's 1 s; the command is
#    aborted or failed (the drive still finishes what it was told) and
#    retried.  Success is only allowed if the data is there.  The node is
#    opened first, so that the slow commands are the data path's, not the
#    open's probe.
exec 4<>$pkt
echo "$SR_TIMEOUT" >/sys/block/sr0/device/timeout
drive_ctl 0 fault slow $((SR_TIMEOUT * 1000 + 1500)) times 2 >/dev/null
timed dd if=/tmp/data bs=2048 seek=4096 oflag=direct conv=notrunc,fsync >&4
drive_ctl 0 fault clear >/dev/null
echo 30 >/sys/block/sr0/device/timeout
exec 4>&-
error_or_on_disc "slow drive" 4096
# Which timeout fires first depends on the guest's speed: the SCSI
# layer's (an abort) or TCMU's (LU communication failure).
check "slow drive: a timeout fired" grep -Eq "ABORT_TASK|Logical unit communication failure" <<<"$(dmesg)"
good_intact "slow drive"
writes_again "slow drive" 4096

# 5. A unit attention (6/28/00, the medium may have changed) on the next
#    command.
drive_ctl 0 unit-attention >/dev/null
timed pkt_write 5120 /tmp/data
error_or_on_disc "unit attention" 5120
good_intact "unit attention"
writes_again "unit attention" 5120

# 6. Power cut: data the drive acknowledged into its cache is lost; the
#    next flush must fail.  The node stays open across it: a last close
#    would flush the drive's cache, and the cut would lose nothing.
exec 4<>$pkt
lost=$(json_num "$(drive_ctl 0 counters)" cache_blocks_lost)
check "power cut: a write without fsync is acknowledged" \
	dd if=/tmp/data bs=2048 seek=6144 oflag=direct conv=notrunc status=none >&4
drive_ctl 0 power-cut >/dev/null
check "power cut: the drive lost blocks from its cache" \
	test "$(json_num "$(drive_ctl 0 counters)" cache_blocks_lost)" -gt "${lost:-0}"
timed dd if=/dev/null of=$pkt conv=notrunc,fsync
exec 4>&-
fails_in_time "power cut: the flush"
good_intact "power cut"
writes_again "power cut" 6144

# 7. The disc taken out in the middle of a long write.
frames /tmp/long 2048
drive_ctl 0 fault slow 30 >/dev/null
t0=$(now)
pkt_write 7168 /tmp/long >/tmp/eject.out 2>&1 &
writer=$!
sleep 1
drive_ctl 0 eject >/dev/null
wait $writer
rc=$?
took=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)
drive_ctl 0 fault clear >/dev/null
fails_in_time "eject while writing"
drive_ctl 0 insert >/dev/null
good_intact "eject while writing"
writes_again "eject while writing" 7168

# 8. The drive's daemon killed in the middle of a long write: nothing
#    answers any more; TCMU times the commands out.
echo "$SR_TIMEOUT" >/sys/block/sr0/device/timeout
drive_ctl 0 fault slow 30 >/dev/null
t0=$(now)
pkt_write 9216 /tmp/long >/tmp/kill.out 2>&1 &
writer=$!
sleep 1
kill -9 "$(cat /run/mmc-drive/0.pid)"
wait $writer
rc=$?
took=$(awk -v a="$t0" '{ printf "%d", $1 - a }' /proc/uptime)
fails_in_time "drive daemon killed"
timed pktsetup -d m0
check "drive daemon killed: teardown works (took ${took}s)" test "$rc" = 0 -a "$took" -lt "$BOUND"
timed /tests/lib/drive-up unplug 0
check "drive daemon killed: the drive can be unplugged (took ${took}s)" test "$rc" = 0 -a "$took" -lt "$BOUND"
check "plugged in again, on the same disc" /tests/lib/drive-up attach 10 "$(cat /run/mmc-drive/0.disk)"
sr=$(cat /run/mmc-drive/10.sr)
check "pktsetup on /dev/$sr" pktsetup m0 "/dev/$sr"
good_intact "drive daemon killed"
for f in 1024 2048 3072 4096 5120 6144 7168; do
	check_eq "the packet written at $f after its fault is intact" "$(file_sum /tmp/again.$f)" "$(pkt_sum $f 64)"
done
check "teardown" pktsetup -d m0
check "unload" rmmod pktcdvd
finish
