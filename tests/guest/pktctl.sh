#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# pktctl end to end on the emulated drive: info and check, formatting with
# the drive's progress (plain lines off a terminal, a bar on one), mount
# --mkfs / umount --eject, pktsetup compatibility, and a clear message and
# a non-zero exit for every error case.
# pkttest-drives: cdrw-blank:65536 dvd+rw-blank:65536 cdr:65536 dvdram:65536
. /tests/lib/testlib.sh
plan 58
# outcome COMMAND...: its exit status and output, for checks of both.
devnum() { echo "$(( 0x$(stat -c %t "$1") )):$(( 0x$(stat -c %T "$1") ))"; }
mkdir -p /mnt/cd /mnt/auto /media/user/disc /tmp/bin

out=$(pktctl info /dev/sr0)
echo "$out"
check "info names the drive" grep -q "drive:   PKTCDVD" <<<"$out"
check "info names the disc: a blank CD-RW" grep -q "disc:    CD-RW (profile 0x000a)" <<<"$out"
check_eq "info --json: the profile" '"0x000a"' "$(pktctl info /dev/sr0 --json | sed -n 's/.*"profile": \("0x000a"\).*/\1/p' | head -1)"
out=$(pktctl check /dev/sr0 2>&1); rc=$?
check "check refuses the blank CD-RW" test $rc -ne 0
check "... saying why and what to do" grep -q "the CD-RW is blank; format it: pktctl format /dev/sr0" <<<"$out"

out=$(pktctl format /dev/sr0 2>&1 | tee /dev/stderr); rc=$?
check_eq "format the blank CD-RW" 0 "$rc"
check "progress as plain lines off a terminal" grep -q "^formatting: [0-9]*%" <<<"$out"
check "check accepts it now" pktctl check /dev/sr0
check "pktcdvd-check agrees" pktcdvd-check -q /dev/sr0

out=$(script -qec "pktctl format /dev/sr1" /dev/null 2>&1); rc=$?
check_eq "format the DVD+RW on a terminal" 0 "$rc"
check "progress as a bar on a terminal" grep -q "formatting \[" <<<"$out"
check "check accepts the DVD+RW" pktctl check /dev/sr1

for i in $(seq 1 30); do head -c $((i * 4321)) /dev/urandom >/tmp/f$i; done
(cd /tmp && sha256sum f*) >/tmp/sums
out=$(pktctl mount /dev/sr0 /mnt/cd --mkfs 2>&1); rc=$?
echo "$out"
check_eq "mount --mkfs the CD-RW" 0 "$rc"
check "it is mounted read-write" grep -q " /mnt/cd udf rw,noatime" /proc/mounts
cp /tmp/f* /mnt/cd/
check "umount --eject" pktctl umount /mnt/cd --eject
check_eq "no mapping left behind" "exit 0: " "$(outcome pktctl status)"
check "the disc was ejected" grep -q '"tray_open":true' <<<"$(drive_ctl 0 status)"
eject -t /dev/sr0
check "mount again (UDF found: no --mkfs needed)" pktctl mount /dev/sr0 /mnt/cd
check "every file is there" sh -c "cd /mnt/cd && sha256sum -c /tmp/sums >/dev/null"
check_eq "status --json lists the mapping" '"cd_device": "11:0"' "$(pktctl status --json | grep -o '"cd_device": "11:0"')"
check "umount" pktctl umount /mnt/cd

# pktsetup compatibility: the same command lines as udftools' pktsetup.
ln -sf "$(command -v pktctl)" /tmp/bin/pktsetup
compat() { /tmp/bin/pktsetup "$@"; }
check "pktsetup cdrw /dev/sr0" compat cdrw /dev/sr0
check "the named node" test -b /dev/pktcdvd/cdrw
major=$(awk '$2 == "pktcdvd" { print $1 }' /proc/devices)
check_eq "pktsetup -s" " 0 : $major:0 -> 11:0" "$(compat -s)"
check_eq "udftools' pktsetup -s says the same" "$(compat -s)" "$(pktsetup -s)"
check_fails "pktsetup cdrw /dev/sr0 again fails" compat cdrw /dev/sr0
check "pktsetup -i ignores it" compat -i cdrw /dev/sr0
check "pktsetup -d cdrw" compat -d cdrw
check_fails "the named node is gone" test -e /dev/pktcdvd/cdrw
check "pktsetup 11:0" compat 11:0
check "pktsetup -d 11:0 (the drive: ENXIO fallback)" compat -d 11:0
check_eq "no mapping" "exit 0: " "$(outcome compat -s)"
check_fails "pktsetup -d of nothing fails" compat -d 11:0
check "pktsetup -i -d of nothing is ignored" compat -i -d 11:0
check_fails "pktsetup with bad arguments fails" compat -x

# pktctl's own setup and teardown: the mapping, its node, data through it,
# and nothing left once it is torn down.
sr3=$(devnum /dev/sr3)
check_eq "pktctl setup ram /dev/sr3" "exit 0: /dev/pktcdvd/ram ($major:0) maps /dev/sr3" "$(outcome pktctl setup ram /dev/sr3)"
check_eq "device_map lists the mapping" "exit 0: pktcdvd0 $major:0 $sr3" "$(outcome cat /sys/class/pktcdvd/device_map)"
check_eq "/dev/pktcdvd/ram is the pkt device" "block special file $major:0" "$(stat -c %F /dev/pktcdvd/ram) $(devnum /dev/pktcdvd/ram)"
head -c $((4 * 65536)) /dev/urandom >/tmp/ram
check "a write through /dev/pktcdvd/ram" dd if=/tmp/ram of=/dev/pktcdvd/ram bs=64k seek=3 oflag=direct conv=notrunc,fsync status=none
check_eq "reads back through it" "$(sha256sum </tmp/ram)" "$(dd if=/dev/pktcdvd/ram bs=64k skip=3 count=4 iflag=direct status=none | sha256sum)"
check_eq "and through the drive: it is on the disc" "$(sha256sum </tmp/ram)" "$(dd if=/dev/sr3 bs=64k skip=3 count=4 iflag=direct status=none | sha256sum)"
check_eq "pktctl teardown ram" "exit 0: ram: mapping removed" "$(outcome pktctl teardown ram)"
check_eq "device_map is empty" "exit 0: " "$(outcome cat /sys/class/pktcdvd/device_map)"
check_fails "the named node is gone" test -e /dev/pktcdvd/ram
check_fails "the block node is gone" test -e /dev/pktcdvd/pktcdvd0
check_eq "pktctl status lists nothing" "exit 0: " "$(outcome pktctl status)"

# Errors: a message that says what happened and what to do, exit 1.
err() { local want=$1; shift; out=$("$@" 2>&1); rc=$?; echo "  $*: $out"; [ $rc -ne 0 ] && grep -q "$want" <<<"$out"; }
drive_ctl 3 change none >/dev/null
check "no disc" err "no disc in the drive" pktctl check /dev/sr3
check "write-once disc: mount" err "write-once" pktctl mount /dev/sr2 /mnt/cd --mkfs
check "write-once disc: format" err "cannot be formatted for packet writing" pktctl format /dev/sr2
drive_ctl 1 change dvd+rw-blank 65536 >/dev/null
check "not formatted" err "not formatted; format it: pktctl format /dev/sr1" pktctl check /dev/sr1
check "permission" err "permission denied: this needs root or CAP_SYS_ADMIN" \
	setpriv --reuid=65534 --regid=65534 --clear-groups pktctl status
check "permission (no CAP_SYS_ADMIN)" err "needs root or CAP_SYS_ADMIN" \
	setpriv --inh-caps=-sys_admin --bounding-set=-sys_admin pktctl setup x /dev/sr0
rmmod pktcdvd
# modprobe.d's "install" makes modprobe run /bin/false instead.
mkdir -p /etc/modprobe.d
echo 'install pktcdvd /bin/false' >/etc/modprobe.d/pkttest.conf
check "module not loaded (and modprobe fails)" err "pktcdvd module is not loaded" pktctl status
rm /etc/modprobe.d/pkttest.conf
check "not loaded by that failed try" eval '! grep -q "^pktcdvd " /proc/modules'
drive_ctl 3 change dvdram 65536 >/dev/null
mkudffs --media-type=dvdram /dev/sr3 >/dev/null
mount -t udf /dev/sr3 /mnt/auto
check "the drive is mounted elsewhere" err "is mounted at /mnt/auto: unmount it first" pktctl mount /dev/sr3 /mnt/cd
umount /mnt/auto
mount -t udf /dev/sr3 /media/user/disc
check "... by an automounter" err "mounted at /media/user/disc (by an automounter?)" pktctl mount /dev/sr3 /mnt/cd
umount /media/user/disc

check "man page" sh -c "pktctl generate man /tmp/man && test -s /tmp/man/pktctl.1 && test -s /tmp/man/pktctl-format.1"
check "bash completions" sh -c "pktctl generate bash /tmp/comp && grep -q pktctl /tmp/comp/pktctl.bash"
finish
