#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's sr driver binds the emulated drive with the capabilities of
# a DVD-RAM/CD-RW writer, sees each medium's profile and capacity, and
# udftools' pktcdvd-check accepts exactly the rewritable, formatted media.
# Drive 1 starts with an MRW disc, which the kernel probes once at attach.
# pkttest-drives: dvdram:65536 cdrw-mrw:65536
. /tests/lib/testlib.sh
plan 43

# One read of the cdrom sysctl table (drive columns: newest drive first).
info=$(cat /proc/sys/dev/cdrom/info)
cap() { printf '%s\n' "$info" | awk -F'\t+' -v k="$1:" '$1 == k { print $2, $3 }'; }
check_eq "drive names (sr1 sr0)" "sr1 sr0" "$(cap "drive name")"
for c in "Can write CD-R" "Can write CD-RW" "Can read DVD" "Can write DVD-R" "Can write DVD-RAM" \
	"Can lock tray" "Can open tray" "Can change speed" "Can write RAM"; do
	check_eq "$c: both drives" "1 1" "$(cap "$c")"
done
check_eq "Can write MRW: only the drive that had an MRW disc" "1 0" "$(cap "Can write MRW")"
check_eq "sr0 is writable (not marked read-only)" 0 "$(cat /sys/block/sr0/ro)"
check "the kernel named the drive an MMC writer" grep -q 'sr0\] scsi3-mmc drive: .*writer dvd-ram cd/rw' <<<"$(dmesg)"
check "pktcdvd-check accepts the MRW CD-RW" pktcdvd-check /dev/sr1
check "dvd+rw-mediainfo reads the DVD-RAM" grep -q "Mounted Media: *12h, DVD-RAM" <<<"$(dvd+rw-mediainfo /dev/sr0 2>&1)"

# The current profile, from GET CONFIGURATION sent through the kernel (SG_IO).
profile() {
	sg_raw -b -r 8 /dev/sr0 46 02 00 00 00 00 00 00 08 00 2>/dev/null | od -An -tx1 | awk '{ print $7 $8 }'
}

# medium, user blocks, current profile, pktcdvd-check verdict
while read -r medium blocks profile verdict; do
	drive_ctl 0 change "$medium" 65536 >/dev/null
	# Opening the device makes sr notice the change and revalidate.
	dd if=/dev/sr0 of=/dev/null bs=2048 count=1 2>/dev/null
	check_eq "$medium: capacity" "$((blocks * 4))" "$(cat /sys/block/sr0/size)"
	check_eq "$medium: current profile" "$profile" "$(profile)"
	if [ "$verdict" = accept ]; then
		check "$medium: pktcdvd-check accepts it" pktcdvd-check -q /dev/sr0
	else
		check_fails "$medium: pktcdvd-check refuses it" pktcdvd-check -q /dev/sr0
	fi
done <<'TABLE'
cdrw 53760 000a accept
dvdrw 65536 0013 accept
dvd+rw 65536 001a accept
dvdram 65536 0012 accept
cdrw-blank 0 000a refuse
dvdrw-seq 0 0014 refuse
cdr 0 0009 refuse
dvdr 0 0011 refuse
bdre 63456 0043 refuse
TABLE
echo "(udftools' pktcdvd-check knows no BD-RE profile; pktcdvd-rs's own check will)"

drive_ctl 0 change none >/dev/null
check_fails "no disc: pktcdvd-check refuses" pktcdvd-check -q /dev/sr0
finish
