#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One benchmark run (scripts/bench boots a kernel for each): one workload on
# one emulated drive, through the packet driver of this kernel (the C one
# on the 6.12 reference kernel, pktcdvd-rs otherwise) or straight to
# /dev/sr0.  Parameters from the kernel command line:
#   pktparam_workload=seq1m|seqpkt|rand4k|udfcopy|untar|mixed|seqread|
#                     randread|rewrite|multiN (N drives at once, N = the
#                     number of emulated drives)
#   pktparam_target=pkt|sr
#   pktparam_trace=1 (with target=pkt): also capture the block requests
#                    reaching the pkt device, for pkt-sim (see below)
# Prints one line "@@PKTBENCH {json}" with the figures; for multiN, the
# counters of every drive under "drives" (pkt-bench adds them up).  Inputs are fixed
# (sizes, seeds) and all I/O of the raw workloads is direct and
# synchronous, so the drive sees the same commands on every run.
. /tests/lib/testlib.sh
# One check: the run finished (the figures are the outcome, read on the host).
plan 1
param() { sed -n "s/.*pktparam_$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
workload=$(param workload)
target=$(param target)
trace=$(param trace)
[ "$target" = pkt ] || trace=
# A failed step: say which (scripts/bench reports it), with what the drive
# saw, for the log.
die() {
	echo "bench: $*"
	echo "drive counters: $(drive_ctl 0 counters)"
	exit 1
}

# Capture mode (pktparam_trace=1): the block_bio_queue tracepoint of the
# pkt disk, on CLOCK_MONOTONIC (the clock jiffies tick on), from just
# before the writing session the workload runs in starts (mount, or the
# workload's own open) to the moment the counters are read, with markers
# for the session start, the counters' reset and the end.  Printed after
# the figures, gzip|base64 between @@PKTTRACE-BEGIN and -END, with a
# header of what pkt-sim needs to replay it (scripts/capture-trace).
# With pkttest_trace on the command line (PKTTEST_TRACE=1 for qemu-run)
# the drive logs every command, and those after the reset are printed
# too (@@PKTDRIVE-BEGIN/-END), to compare command by command.
tracing=/sys/kernel/tracing
drive_log=/run/mmc-drive/0.log
mark() { [ -n "$trace" ] && echo "pkt-sim $1" >"$tracing/trace_marker"; }
trace_start() {
	[ -n "$trace" ] || return 0
	grep -q " $tracing " /proc/mounts || mount -t tracefs tracefs "$tracing" || die "no tracefs"
	local dev sr e
	dev=$(cat /sys/class/block/pktcdvd*/dev) || die "no pkt disk to trace"
	echo 0 >"$tracing/tracing_on"
	echo mono >"$tracing/trace_clock" || die "no mono trace clock"
	echo 16384 >"$tracing/buffer_size_kb"
	: >"$tracing/trace"
	echo "dev == $(( ${dev%:*} << 20 | ${dev#*:} ))" >"$tracing/events/block/block_bio_queue/filter" ||
		die "cannot filter block_bio_queue"
	echo 1 >"$tracing/events/block/block_bio_queue/enable" || die "no block_bio_queue event"
	# The drive's commands as the guest saw them go and end: how long the
	# worker was busy with each.
	sr=$(cat /sys/class/block/sr0/dev)
	for e in block_rq_issue block_rq_complete; do
		echo "dev == $(( ${sr%:*} << 20 | ${sr#*:} ))" >"$tracing/events/block/$e/filter" &&
			echo 1 >"$tracing/events/block/$e/enable" || die "no $e event"
	done
	echo 1 >"$tracing/tracing_on"
	mark session
}
trace_print() {
	[ -n "$trace" ] || return 0
	echo 0 >"$tracing/tracing_on"
	local st
	st=$(drive_ctl 0 status)
	echo "@@PKTTRACE-HEADER workload $workload"
	echo "@@PKTTRACE-HEADER raw_blocks $(json_num "$st" raw_blocks)"
	echo "@@PKTTRACE-HEADER pkt_dev $(tr : , </sys/class/block/pktcdvd*/dev)"
	echo "@@PKTTRACE-HEADER user_bytes $user_bytes"
	echo "@@PKTTRACE-HEADER drive_clock_at_reset_ns $clock_at_reset"
	echo "@@PKTTRACE-HEADER sr_max_sectors_kb $(cat /sys/block/sr0/queue/max_sectors_kb)"
	echo "@@PKTTRACE-HEADER sr_max_segments $(cat /sys/block/sr0/queue/max_segments)"
	echo "@@PKTTRACE-HEADER pkt_max_sectors_kb $(cat /sys/class/block/pktcdvd*/queue/max_sectors_kb)"
	echo "@@PKTTRACE-HEADER kernel $(uname -r)"
	echo "@@PKTTRACE-HEADER lost $(cat "$tracing/per_cpu/"cpu*/stats 2>/dev/null | awk '/^overrun:/ { n += $2 } END { print n + 0 }')"
	echo "@@PKTTRACE-BEGIN"
	gzip -9 <"$tracing/trace" | base64
	echo "@@PKTTRACE-END"
	if grep -q pkttest_trace /proc/cmdline; then
		echo "@@PKTDRIVE-BEGIN"
		sed -n "$((drive_lines_at_reset + 1)),${drive_lines_at_end}p" "$drive_log" |
			grep 'mmc-drive: cdb' | gzip -9 | base64
		echo "@@PKTDRIVE-END"
	fi
}

status=$(drive_ctl 0 status)
rated_kBps=$(json_num "$status" write_speed_kBps)
kind=$(printf '%s' "$status" | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')
state=$(printf '%s' "$status" | sed -n 's/.*"state":"\([^"]*\)".*/\1/p')
# The packet (the unit the driver writes) and mkudffs' media type, as
# tests/guest/engine-*.sh use them: MRW and BD-RE are random-writable in
# 64 KiB units, with no packet structure for UDF to know of.
case "$kind:$state" in
CdRw:mrw*) packet=65536 media=hd ;;
CdRw:*) packet=65536 media=cdrw ;;
BdRe:*) packet=65536 media=hd ;;
DvdRam:*) packet=32768 media=dvdram ;;
*) packet=32768 media=dvdrw ;;
esac
# The read workloads are measured against the rated read speed.
case "$workload" in
seqread | randread) rated_kBps=$(json_num "$status" read_speed_kBps) ;;
esac
# multiN: N drives, each with its own mapping, written at the same time.
drives=1
case "$workload" in
multi*) drives=${workload#multi} ;;
esac
ndrives=$(sed -n 's/.*pkttest_drives=\([0-9]*\).*/\1/p' /proc/cmdline)
[ "$drives" = "${ndrives:-1}" ] || die "$workload needs $drives drives, the guest has ${ndrives:-1}"
sr_of() { cat "/run/mmc-drive/$1.sr" 2>/dev/null || echo "sr$1"; }

# Writeback only when the workload syncs: the same writes on every run.
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 360000 >/proc/sys/vm/dirty_expire_centisecs
echo 80 >/proc/sys/vm/dirty_ratio
echo 60 >/proc/sys/vm/dirty_background_ratio

if [ "$target" = pkt ]; then
	modprobe pktcdvd || die "modprobe pktcdvd failed"
	pktsetup bench "/dev/$(sr_of 0)" || die "pktsetup failed"
	node=/dev/pktcdvd/bench
	for i in $(seq 1 $((drives - 1))); do
		pktsetup "bench$i" "/dev/$(sr_of "$i")" || die "pktsetup of drive $i failed"
	done
else
	node=/dev/$(sr_of 0)
fi
# node_of I: the node drive I is written through.
node_of() { if [ "$1" = 0 ]; then echo "$node"; else echo "/dev/pktcdvd/bench$1"; fi; }

# Inputs, made before measuring: 50 MiB of mixed files (also what seqread
# reads and rewrite rewrites), and a tar of a tree of small files (fixed
# sizes; the bytes do not change the figures).
mkdir -p /tmp/src /mnt/disc
case "$workload" in
udfcopy | seqread | rewrite)
	for i in $(seq 1 10); do head -c $((4 << 20)) /dev/urandom >/tmp/src/big$i; done
	for i in $(seq 1 160); do head -c $(( (i * 7919) % 131072 + 4096 )) /dev/urandom >/tmp/src/mid$i; done
	;;
untar)
	for d in $(seq 1 20); do
		mkdir -p /tmp/src/dir$d
		for f in $(seq 1 50); do head -c $(( (d * 131 + f * 977) % 8192 + 100 )) /dev/urandom >/tmp/src/dir$d/f$f; done
	done
	;;
esac
src_bytes=$(find /tmp/src -type f -exec cat {} + | wc -c)
if [ "$workload" = untar ]; then
	tar -C /tmp/src -cf /tmp/tree.tar .
	rm -rf /tmp/src/*
fi
case "$workload" in
udfcopy | untar)
	mkudffs --media-type="$media" --blocksize=2048 "$node" >/dev/null || die "mkudffs failed"
	trace_start
	mount -t udf -o rw,noatime "$node" /mnt/disc || die "mount failed"
	;;
seqread | rewrite)
	# The udfcopy files on the disc, then mounted afresh with no page
	# cache, so that what the workload reads or rewrites reaches the drive.
	mkudffs --media-type="$media" --blocksize=2048 "$node" >/dev/null || die "mkudffs failed"
	mount -t udf -o rw,noatime "$node" /mnt/disc || die "mount failed"
	cp -r /tmp/src/. /mnt/disc/ && sync || die "copy failed"
	umount /mnt/disc || die "umount failed"
	echo 3 >/proc/sys/vm/drop_caches
	mode=ro
	[ "$workload" = rewrite ] && mode=rw
	trace_start
	mount -t udf -o $mode,noatime "$node" /mnt/disc || die "mount failed"
	;;
randread)
	# The area the reads cover, written first in packets.
	fio --name=fill --filename="$node" --ioengine=psync --direct=1 --rw=write \
		--bs="$packet" --size=16M >/dev/null || die "writing the area to read failed"
	trace_start
	;;
*) trace_start ;;
esac

sync
drive_ctl 0 reset-counters >/dev/null
[ "$target" = pkt ] && for r in /sys/class/pktcdvd/pktcdvd*/stat/reset; do echo 1 >"$r"; done
if [ -n "$trace" ]; then
	mark reset
	clock_at_reset=$(json_num "$(drive_ctl 0 counters)" virtual_time_ns)
	drive_lines_at_reset=$(wc -l <"$drive_log")
fi
cpu_sys() { awk '/^cpu / { print $4 + $7 + $8 }' /proc/stat; }
sys0=$(cpu_sys)
# Wall time from /proc/uptime (10 ms resolution; busybox date has no %N).
uptime_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
t0=$(uptime_ms)

fio_run() {
	fio --name=bench --filename="$node" --ioengine=psync --direct=1 --iodepth=1 \
		--randrepeat=1 --randseed=42 --output-format=json "$@" >/tmp/fio.out ||
		die "fio failed: $(cat /tmp/fio.out)"
}
# rewrite: 256 KiB in place in each 4 MiB file, starting 97 pages (388 KiB,
# not a packet boundary) further into each, and the first 4 KiB of every
# 8th small file; whole pages, so no read of the old data is needed.
rewrite_files() {
	local i n=0
	head -c $((256 << 10)) /dev/urandom >/tmp/patch
	for i in $(seq 1 10); do
		dd if=/tmp/patch of="/mnt/disc/big$i" bs=4k seek=$(((i * 97) % 960)) count=64 \
			conv=notrunc 2>/dev/null || return 1
		n=$((n + (256 << 10)))
	done
	for i in $(seq 8 8 160); do
		dd if=/tmp/patch of="/mnt/disc/mid$i" bs=4k count=1 conv=notrunc 2>/dev/null || return 1
		n=$((n + 4096))
	done
	sync
	user_bytes=$n
}
# seqread: every udfcopy file, whole, in name order.
read_files() {
	local f n=0
	for f in $(cd /mnt/disc && find . -type f | sort); do
		cat "/mnt/disc/$f" >/dev/null || return 1
		n=$((n + $(stat -c %s "/mnt/disc/$f")))
	done
	user_bytes=$n
}
user_bytes=0
case "$workload" in
seq1m) fio_run --rw=write --bs=1M --size=64M; user_bytes=$((64 << 20)) ;;
seqpkt) fio_run --rw=write --bs="$packet" --size=64M; user_bytes=$((64 << 20)) ;;
rand4k) fio_run --rw=randwrite --bs=4k --size=16M --io_size=4M; user_bytes=$((4 << 20)) ;;
mixed)
	fio_run --rw=randrw --rwmixread=50 --bs=16k --size=16M --io_size=8M
	user_bytes=$(awk '/"write" : \{/ { w = 1 } w && /"io_bytes"/ { gsub(/[^0-9]/, ""); print; exit }' /tmp/fio.out)
	;;
udfcopy) cp -r /tmp/src/. /mnt/disc/ && sync || die "copy failed"; user_bytes=$src_bytes ;;
untar) tar -C /mnt/disc -xf /tmp/tree.tar && sync || die "untar failed"; user_bytes=$src_bytes ;;
seqread) read_files || die "reading the files failed" ;;
randread) fio_run --rw=randread --bs=4k --size=16M --io_size=4M; user_bytes=$((4 << 20)) ;;
rewrite) rewrite_files || die "rewriting the files failed" ;;
multi*)
	# One fio job per drive, all at once: 32 MiB each in packet-sized writes.
	fio_jobs=()
	for i in $(seq 0 $((drives - 1))); do fio_jobs+=(--name="d$i" --filename="$(node_of "$i")"); done
	fio --ioengine=psync --direct=1 --iodepth=1 --rw=write --bs="$packet" --size=32M \
		--output-format=json "${fio_jobs[@]}" >/tmp/fio.out || die "fio failed: $(cat /tmp/fio.out)"
	user_bytes=$((drives * (32 << 20)))
	;;
*) die "unknown workload '$workload'" ;;
esac

t1=$(uptime_ms)
sys1=$(cpu_sys)
mark end
counters=$(drive_ctl 0 counters)
multi=
if [ "$drives" -gt 1 ]; then
	multi=$counters
	for i in $(seq 1 $((drives - 1))); do multi="$multi,$(drive_ctl "$i" counters)"; done
	multi=",\"drives\":[$multi]"
fi
[ -n "$trace" ] && drive_lines_at_end=$(wc -l <"$drive_log")
gather=0
[ "$target" = pkt ] && gather=$(cat /sys/class/pktcdvd/pktcdvd*/stat/kb_read_gather | awk '{ n += $1 } END { print n + 0 }')
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
printf '@@PKTBENCH {"workload":"%s","target":"%s","kernel":"%s","medium":"%s","packet_bytes":%s,"user_bytes":%s,"wall_ns":%s,"sys_cpu_ticks":%s,"hz":%s,"gather_kib":%s,"rated_kBps":%s,"counters":%s%s}\n' \
	"$workload" "$target" "$(uname -r)" "$kind" "$packet" "$user_bytes" $(((t1 - t0) * 1000000)) \
	$((sys1 - sys0)) "$hz" "${gather:-0}" "${rated_kBps:-0}" "$counters" "$multi"
trace_print

# Clean up as a user would; a hang here is reported as such.
case "$workload" in udfcopy | untar | seqread | rewrite) umount /mnt/disc ;; esac
if [ "$target" = pkt ]; then
	pktsetup -d bench
	for i in $(seq 1 $((drives - 1))); do pktsetup -d "bench$i"; done
fi
ok "run finished"
finish
