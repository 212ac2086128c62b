#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Per-device isolation: a slow or hung drive blocks only its own mapping.
# Two drives, both mapped; a writer keeps drive 0's mapping busy while
# drive 0 is first slowed (every command 2 s longer) and then stalled (its
# daemon stopped: nothing answers).  Meanwhile, on drive 1, a 4 MiB direct
# write with fsync, read back, stays within twice its unloaded time plus
# 2 s, and tearing down and setting up drive 1's mapping works; the reads
# that tools do (pktsetup -s, pktctl status, device_map, both devices'
# stat/ and write_queue/ files, both debugfs info files) and teardown of
# the busy drive 0 (EBUSY) each answer within 2 s.  What would break this
# is a lock held across drive I/O that another device or these reads take
# (the global SLOTS, a device's queue lock): see rust/device.rs.  Then
# drive 0 is let go: its writer gets its data (or an error) within the
# drive timeouts, and everything tears down.
# pkttest-drives: cdrw:65536 cdrw:65536
. /tests/lib/testlib.sh

# Every wait below may take longer on the debug kernel.
read_limit=$((2000 * PKTTEST_SCALE))    # ms, for each read
BOUND=$((60 * PKTTEST_SCALE))           # s, for drive 0's writer once let go
MIB=4                                   # drive 1's timed write

now_us() { echo "${EPOCHREALTIME/./}"; }
# bounded LIMIT_MS CMD...: runs CMD in the background and waits for it at
# most LIMIT_MS (a command blocked in the kernel cannot be killed, so it is
# left to finish once drive 0 is let go); sets rc (124: still running at
# the limit), ms (how long it ran, or the limit) and out (its output file).
late=()
runs=0
bounded() {
	local limit=$1 t0 pid; shift
	runs=$((runs + 1)); out=/tmp/bounded.$runs
	t0=$(now_us)
	"$@" >"$out" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		ms=$((($(now_us) - t0) / 1000))
		if [ "$ms" -ge "$limit" ]; then
			rc=124 late+=("$pid")
			return
		fi
		sleep 0.02
	done
	wait "$pid"
	rc=$?
	ms=$((($(now_us) - t0) / 1000))
}

pkt0=/dev/pktcdvd/m0 pkt1=/dev/pktcdvd/m1
sys=/sys/class/pktcdvd dbg=/sys/kernel/debug/pktcdvd
stat_files() { # N: every per-device attribute of pktcdvdN, one number a line
	cat $sys/pktcdvd$1/stat/packets_started $sys/pktcdvd$1/stat/packets_finished \
		$sys/pktcdvd$1/stat/kb_written $sys/pktcdvd$1/stat/kb_read \
		$sys/pktcdvd$1/stat/kb_read_gather $sys/pktcdvd$1/write_queue/size \
		$sys/pktcdvd$1/write_queue/congestion_off $sys/pktcdvd$1/write_queue/congestion_on
}
# drive1_write FRAME: /tmp/d1 written at FRAME to drive 1, direct, fsync.
drive1_write() {
	dd if=/tmp/d1 of=$pkt1 bs=64k seek=$(($1 / 32)) oflag=direct conv=notrunc,fsync status=none
}
d1_sum() { dd if=$pkt1 bs=64k skip=$(($1 / 32)) count=$((MIB * 16)) iflag=direct 2>/dev/null | sha256sum; }
d1_remap() { pktsetup -d m1 && pktsetup m1 /dev/sr1; }

plan $((3 + 2 + 2 * (16 + 5 + 1) + 1 + 2 + 3))
modprobe pktcdvd
check "drive 0: pktsetup" pktsetup m0 /dev/sr0
check "drive 1: pktsetup" pktsetup m1 /dev/sr1
map=$(cat $sys/device_map)
check_eq "device_map lists both" 2 "$(grep -c . <<<"$map")"

# The unloaded figure, in this boot: drive 1 alone, after a first write
# (whose open probes the disc).
head -c $((MIB << 20)) /dev/urandom >/tmp/d1
drive1_write 4096
bounded 600000 drive1_write 0
base_ms=$ms
check "unloaded: drive 1 writes ${MIB} MiB with fsync (${base_ms} ms)" test "$rc" = 0
check_eq "unloaded: and reads it back" "$(sha256sum </tmp/d1)" "$(d1_sum 0)"
limit_ms=$((2 * base_ms + 2000 * PKTTEST_SCALE))
echo "bound for drive 1's write under load: 2 x ${base_ms} ms + $((2000 * PKTTEST_SCALE)) ms = ${limit_ms} ms"
bounded 600000 d1_remap
echo "unloaded: drive 1 torn down and set up again in ${ms} ms (rc=$rc)"
for n in 0 1; do
	bounded 600000 cat $dbg/pktcdvd$n/info
	echo "unloaded: info of pktcdvd$n in ${ms} ms (rc=$rc)"
done

# reads_answer WHAT: each read tools do answers within read_limit and
# says what it should; teardown of the busy drive 0 says EBUSY at once.
# 16 checks.
reads_answer() {
	local n
	bounded "$read_limit" pktsetup -s
	check "$1: pktsetup -s answers (rc=$rc)" test "$rc" = 0 -a "$(grep -c -- ' -> ' "$out")" = 2
	check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
	bounded "$read_limit" pktctl status --json
	check "$1: pktctl status answers (rc=$rc)" \
		test "$rc" = 0 -a "$(grep -c '"cd_device": "11:[01]"' "$out")" = 2
	check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
	bounded "$read_limit" cat $sys/device_map
	check "$1: device_map answers, unchanged (rc=$rc)" test "$rc" = 0 -a "$(cat "$out")" = "$map"
	check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
	for n in 0 1; do
		bounded "$read_limit" stat_files $n
		check "$1: pktcdvd$n's stat/ and write_queue/ answer (rc=$rc)" \
			test "$rc" = 0 -a "$(grep -c '^[0-9][0-9]*$' "$out")" = 8
		check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
		bounded "$read_limit" cat $dbg/pktcdvd$n/info
		check "$1: pktcdvd$n's debugfs info answers (rc=$rc)" grep -q "^Writer pktcdvd$n mapped to sr$n:" "$out"
		check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
	done
	bounded "$read_limit" pktsetup -d m0
	check "$1: pktsetup -d of the busy drive 0 says EBUSY (rc=$rc)" grep -q "Device or resource busy" "$out"
	check "$1: ... within ${read_limit} ms (${ms} ms)" test "$ms" -lt "$read_limit"
}

# drive1_works WHAT FRAME: drive 1's write is within the bound and reads
# back; its mapping is torn down and set up again within the bound.  5
# checks.
drive1_works() {
	bounded "$limit_ms" drive1_write "$2"
	check "$1: drive 1 writes ${MIB} MiB with fsync (rc=$rc)" test "$rc" = 0
	check "$1: ... within ${limit_ms} ms (${ms} ms; unloaded ${base_ms} ms)" test "$ms" -lt "$limit_ms"
	[ "$rc" = 124 ] || check_eq "$1: ... and reads it back" "$(sha256sum </tmp/d1)" "$(d1_sum "$2")"
	[ "$rc" = 124 ] && not_ok "$1: ... and reads it back: the write did not end"
	bounded "$limit_ms" d1_remap
	check "$1: drive 1 torn down and set up again (rc=$rc)" test "$rc" = 0
	check "$1: ... within ${limit_ms} ms (${ms} ms)" test "$ms" -lt "$limit_ms"
}

# Drive 0's writer: at 2 s a command, it is still writing when the stall
# begins; at full speed it ends in seconds.
# Drive 0's mapping is opened first, at full speed, so that its writer's
# commands are writes, not the open's probe.
head -c $((4 << 20)) /dev/urandom >/tmp/d0
exec 5<>$pkt0
drive_ctl 0 fault slow 2000 >/dev/null
dd if=/tmp/d0 bs=64k oflag=direct conv=notrunc,fsync status=none >&5 2>/tmp/d0.err &
writer=$!
sleep 3

# 1. Drive 0 slow.
reads_answer "drive 0 slow"
drive1_works "drive 0 slow" 8192
check "drive 0 slow: its writer is still writing" kill -0 $writer

# 2. Drive 0 stalled: its daemon stopped while it has a command.  Both
#    timeouts (TCMU's and the SCSI layer's) are 30 s; the stall is shorter.
drive_ctl 0 fault clear >/dev/null
daemon=$(cat /run/mmc-drive/0.pid)
kill -STOP "$daemon"
stall_t0=$(now_us)
sleep 1
finished=$(cat $sys/pktcdvd0/stat/packets_finished)
reads_answer "drive 0 stalled"
drive1_works "drive 0 stalled" 16384
check "drive 0 stalled: its writer is still writing" kill -0 $writer
check_eq "drive 0 stalled: and no packet of it finished" "$finished" "$(cat $sys/pktcdvd0/stat/packets_finished)"
echo "drive 0 stalled for $((($(now_us) - stall_t0) / 1000)) ms"

# 3. Drive 0 let go.
kill -CONT "$daemon"
t0=$(now_us)
wait $writer
rc=$?
took=$((($(now_us) - t0) / 1000000))
check "drive 0 let go: its writer ends within ${BOUND} s (${took} s)" test "$took" -lt "$BOUND"
if [ "$rc" = 0 ]; then
	check_eq "drive 0 let go: the writer's data is on the disc" "$(sha256sum </tmp/d0)" \
		"$(dd if=$pkt0 bs=64k count=64 iflag=direct 2>/dev/null | sha256sum)"
else
	ok "drive 0 let go: the writer got an error (rc=$rc: $(cat /tmp/d0.err))"
fi
for pid in "${late[@]}"; do wait "$pid"; done
exec 5>&-
check "teardown of drive 0" pktsetup -d m0
check "teardown of drive 1" pktsetup -d m1
check "unload" rmmod pktcdvd
finish
