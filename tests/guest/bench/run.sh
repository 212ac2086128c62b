#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One benchmark run (scripts/bench boots a kernel for each): one workload on
# one emulated drive, through the packet driver of this kernel (the C one
# on the 6.12 reference kernel, pktcdvd-rs otherwise) or straight to
# /dev/sr0.  Parameters from the kernel command line:
#   pktparam_workload=seq1m|seqpkt|rand4k|udfcopy|untar|mixed
#   pktparam_target=pkt|sr
# Prints one line "@@PKTBENCH {json}" with the figures.  Inputs are fixed
# (sizes, seeds) and all I/O of the raw workloads is direct and
# synchronous, so the drive sees the same commands on every run.
. /tests/lib/testlib.sh
param() { sed -n "s/.*pktparam_$1=\([^ ]*\).*/\1/p" /proc/cmdline; }
workload=$(param workload)
target=$(param target)
# A failed step: say which (scripts/bench reports it), with what the drive
# saw, for the log.
die() {
	echo "bench: $*"
	echo "drive counters: $(drive_ctl 0 counters)"
	exit 1
}

status=$(drive_ctl 0 status)
rated_kBps=$(json_num "$status" write_speed_kBps)
kind=$(printf '%s' "$status" | sed -n 's/.*"kind":"\([^"]*\)".*/\1/p')
case "$kind" in
CdRw) packet=65536 media=cdrw ;;
BdRe) packet=65536 media=hd ;;
DvdRam) packet=32768 media=dvdram ;;
*) packet=32768 media=dvdrw ;;
esac

# Writeback only when the workload syncs: the same writes on every run.
echo 0 >/proc/sys/vm/dirty_writeback_centisecs
echo 360000 >/proc/sys/vm/dirty_expire_centisecs
echo 80 >/proc/sys/vm/dirty_ratio
echo 60 >/proc/sys/vm/dirty_background_ratio

if [ "$target" = pkt ]; then
	modprobe pktcdvd || die "modprobe pktcdvd failed"
	pktsetup bench /dev/sr0 || die "pktsetup failed"
	node=/dev/pktcdvd/bench
else
	node=/dev/sr0
fi

# Inputs, made before measuring: 50 MiB of mixed files, and a tar of a
# tree of small files (fixed sizes; the bytes do not change the figures).
mkdir -p /tmp/src /mnt/disc
case "$workload" in
udfcopy)
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
	mount -t udf -o rw,noatime "$node" /mnt/disc || die "mount failed"
	;;
esac

sync
drive_ctl 0 reset-counters >/dev/null
[ "$target" = pkt ] && for r in /sys/class/pktcdvd/pktcdvd*/stat/reset; do echo 1 >"$r"; done
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
*) die "unknown workload '$workload'" ;;
esac

t1=$(uptime_ms)
sys1=$(cpu_sys)
counters=$(drive_ctl 0 counters)
gather=0
[ "$target" = pkt ] && gather=$(cat /sys/class/pktcdvd/pktcdvd*/stat/kb_read_gather)
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
printf '@@PKTBENCH {"workload":"%s","target":"%s","kernel":"%s","medium":"%s","packet_bytes":%s,"user_bytes":%s,"wall_ns":%s,"sys_cpu_ticks":%s,"hz":%s,"gather_kib":%s,"rated_kBps":%s,"counters":%s}\n' \
	"$workload" "$target" "$(uname -r)" "$kind" "$packet" "$user_bytes" $(((t1 - t0) * 1000000)) \
	$((sys1 - sys0)) "$hz" "${gather:-0}" "${rated_kBps:-0}" "$counters"

# Clean up as a user would; a hang here is reported as such.
case "$workload" in udfcopy | untar) umount /mnt/disc ;; esac
[ "$target" = pkt ] && pktsetup -d bench
ok "run finished"
finish
