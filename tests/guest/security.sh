#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Security review, as tests: every change through the control node or sysfs
# needs CAP_SYS_ADMIN (root without it included), the control node is
# root-only, pkt nodes are not open to everyone, and nothing the driver
# copies to userspace (the control ioctl's struct, sysfs, debugfs, its
# kernel log lines) holds a kernel address or stray bytes.
# pkttest-drives: dvdram:65536
. /tests/lib/testlib.sh
plan 37

user() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all "$@"; }
nocap() { setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin "$@"; }
# outcome COMMAND...: its exit status and output, for checks of both.

modprobe pktcdvd
sr=$(( 0x$(stat -c %t /dev/sr0) )):$(( 0x$(stat -c %T /dev/sr0) ))
check_eq "the control node is root's, mode 0600" "600 0 0" "$(stat -c '%a %u %g' /dev/pktcdvd/control)"
check_eq "a user cannot open it" "errno=EACCES" "$(user pkt-ioctl status 0)"
check_eq "root without CAP_SYS_ADMIN: SETUP is refused (EPERM)" "errno=EPERM" "$(nocap pkt-ioctl setup "$sr")"

c=/sys/class/pktcdvd
check_eq "root without CAP_SYS_ADMIN: sysfs add is refused (EPERM)" EPERM "$(nocap bash -c ". /tests/lib/testlib.sh; write_errno $c/add $sr")"
check_eq "no mapping was made" "exit 0: " "$(outcome cat $c/device_map)"
check "pktsetup (with CAP_SYS_ADMIN)" pktsetup sec /dev/sr0
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
d=$c/pktcdvd0
for f in write_queue/congestion_on write_queue/congestion_off stat/reset; do
	check_eq "root without CAP_SYS_ADMIN: $f is refused (EPERM)" EPERM "$(nocap bash -c ". /tests/lib/testlib.sh; write_errno $d/$f 100")"
done
check_eq "... and the marks are unchanged" "9000 10000" "$(cat $d/write_queue/congestion_off $d/write_queue/congestion_on | xargs)"
check_eq "root without CAP_SYS_ADMIN: sysfs remove is refused (EPERM)" EPERM "$(nocap bash -c ". /tests/lib/testlib.sh; write_errno $c/remove $major:0")"
check_eq "root without CAP_SYS_ADMIN: TEARDOWN is refused (EPERM)" "errno=EPERM" "$(nocap pkt-ioctl teardown "$major:0")"
check "the mapping is still there" grep -q "^pktcdvd0 $major:0 " $c/device_map
for f in $c/add $c/remove $d/stat/reset; do
	check_eq "$f: only root may write it" "200 0" "$(stat -c '%a %u' $f)"
done
for f in $d/write_queue/congestion_on $d/write_queue/congestion_off; do
	check_eq "$f: only root may write it" "644 0" "$(stat -c '%a %u' $f)"
done
check_eq "$c/device_map: read-only, root's" "444 0" "$(stat -c '%a %u' $c/device_map)"
# The driver's block node (devtmpfs names it from the disk's devnode:
# pktcdvd/pktcdvdN), and the named node udftools' pktsetup makes for it.
check_eq "/dev/pktcdvd/pktcdvd0: the driver's block node, root's, mode 0600" "block special file 600 0 0 $major:0" \
	"$(stat -c '%F %a %u %g' /dev/pktcdvd/pktcdvd0) $(( 0x$(stat -c %t /dev/pktcdvd/pktcdvd0) )):$(( 0x$(stat -c %T /dev/pktcdvd/pktcdvd0) ))"
check_eq "/dev/pktcdvd/sec: the named node, root's, mode 0640" "block special file 640 0 0 $major:0" \
	"$(stat -c '%F %a %u %g' /dev/pktcdvd/sec) $(( 0x$(stat -c %t /dev/pktcdvd/sec) )):$(( 0x$(stat -c %T /dev/pktcdvd/sec) ))"
check_eq "a user cannot open the block node" EACCES "$(user sh -c 'exec 3</dev/pktcdvd/pktcdvd0' 2>&1 | grep -q 'Permission denied' && echo EACCES)"
# debugfs itself is root's (0700), so a user is kept out whatever the
# driver's own modes; these are the driver's.
g=/sys/kernel/debug/pktcdvd
check_eq "$g: the driver's debugfs directory, root's, 0755" "directory 755 0 0" "$(stat -c '%F %a %u %g' $g)"
check_eq "$g/pktcdvd0: 0755" "directory 755 0 0" "$(stat -c '%F %a %u %g' $g/pktcdvd0)"
check_eq "$g/pktcdvd0/info: read-only, root's, 0444" "444 0 0" "$(stat -c '%a %u %g' $g/pktcdvd0/info)"
check_eq "a user cannot read the debugfs info" EACCES "$(user sh -c 'cat /sys/kernel/debug/pktcdvd/pktcdvd0/info >/dev/null 2>&1 && echo OK || echo EACCES')"

# The control ioctl's copy-back: a struct prefilled with 0xa5 comes back
# with the status fields set and every other byte as the caller left it
# (or zero): no kernel stack bytes.
out=$(pkt-ioctl copy-back 0)
echo "copy-back of slot 0: $out"
read -r w_cmd w_index w_dev w_pkt w_num w_pad <<<"$out"
check_eq "copy-back: command as given" 02000000 "$w_cmd"
check_eq "copy-back: index as given" 00000000 "$w_index"
v=$(( 0x${w_dev:6:2}${w_dev:4:2}${w_dev:2:2}${w_dev:0:2} ))
check_eq "copy-back: dev is sr0's (new_encode_dev)" "$sr" "$(( (v >> 8) & 0xfff )):$(( (v & 0xff) | ((v >> 12) & 0xfff00) ))"
check_eq "copy-back: num_devices" 08000000 "$w_num"
check "copy-back: the padding is the caller's or zero ($w_pad)" test "$w_pad" = a5a5a5a5 -o "$w_pad" = 00000000
out=$(pkt-ioctl copy-back 5)
check_eq "copy-back of an empty slot: zeros and the caller's bytes only" "02000000 05000000 00000000 00000000 08000000" "$(cut -d' ' -f1-5 <<<"$out")"

# Text the driver writes: no kernel addresses (16 hex digits, or a
# 0xffff... pointer), no NUL or control bytes.
dd if=/dev/urandom of=/dev/pktcdvd/sec bs=64k count=4 oflag=direct conv=fsync status=none
dd if=/dev/pktcdvd/sec of=/dev/null bs=64k count=4 iflag=direct status=none
files=$(find $c/ $d/ /sys/kernel/debug/pktcdvd/ -maxdepth 3 -type f -perm -0400 2>/dev/null | sort -u)
n=0 bad=
for f in $files; do
	text=$(cat "$f" 2>/dev/null) || continue
	n=$((n + 1))
	grep -Eiq '[0-9a-f]{16}|0x?ffff[0-9a-f]{8}' <<<"$text" && bad="$bad $f"
	[ "$(tr -d '\t\n\040-\176' <"$f" | wc -c)" = 0 ] || bad="$bad $f(bytes)"
done
check "read every sysfs and debugfs file of the driver ($n)" test "$n" -ge 10
check_eq "none shows a kernel address or stray bytes" "" "$bad"
check "the driver's kernel log lines show no kernel address" \
	sh -c "! dmesg | grep -E '\] pktcdvd: ' | grep -Eiq '[0-9a-f]{16}|ffff[0-9a-f]{8}'"
check "teardown" pktsetup -d sec
check "unload" rmmod pktcdvd
finish
