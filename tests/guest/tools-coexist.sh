#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Burning programs and a mapping.  While the mapping exists but its pkt
# device is closed, the drive is free: dvd+rw-mediainfo, xorriso, cdrskin
# and wodim use /dev/sr0 (they open it O_EXCL), growisofs writes an image
# to the DVD+RW, and the mapping's next open reads the disc's new contents
# and writes a new UDF that reads back.  While the pkt device is open
# (mounted read-write), the C driver's contract holds: its exclusive claim
# of sr0 makes every O_EXCL open of /dev/sr0 fail with EBUSY (the burners
# refuse, the disc is untouched), the door is locked (eject fails), a
# plain reader still works; and a burner holding /dev/sr0 O_EXCL makes
# opening the pkt device fail with EBUSY.
# pkttest-drives: dvd+rw:65536
# pkttest-debroot: yes
. /tests/lib/testlib.sh
. /tests/lib/debroot.sh

plan 31

check "the Debian root is up (9p + overlay)" debroot_up

# excl_errno DEV: the errno number of an O_RDONLY|O_NONBLOCK|O_EXCL open of
# DEV (as burners open the drive), 0 when it opens.
excl_errno() {
	deb perl -e 'use Fcntl; sysopen(my $f, $ARGV[0], O_RDONLY|O_NONBLOCK|O_EXCL) or do { print 0+$!, "\n"; exit 1 }; print "0\n"' "$1"
}
# run_tool NAME CMD...: runs CMD, output in /tmp/NAME.out (shown), exit status in rc.
run_tool() {
	local name=$1; shift
	"$@" >"/tmp/$name.out" 2>&1; rc=$?
	head -n 12 "/tmp/$name.out" | sed "s/^/  $name: /"
	echo "  $name: exit $rc"
}
ebusy=16

check "pktsetup dvd /dev/sr0" pktsetup dvd /dev/sr0
check "mkudffs" eval 'mkudffs --media-type=dvdrw --label=BEFORE /dev/pktcdvd/dvd >/dev/null'
mkdir -p /mnt/disc
check "mount it read-write" mount -t udf -o rw /dev/pktcdvd/dvd /mnt/disc
head -c 300000 /dev/urandom >/tmp/first
on_disc() { grep -q ' /mnt/disc udf ' /proc/mounts; }
check "write a file and sync" eval 'on_disc && cp /tmp/first /mnt/disc/first && sync'

# ---- while the pkt device is open for writing: the C driver's contract ----
check_eq "O_EXCL open of /dev/sr0: EBUSY" "$ebusy" "$(excl_errno /dev/sr0)"
run_tool xorriso deb xorriso -indev /dev/sr0 -toc
check "xorriso refuses the busy drive" eval '[ $rc != 0 ] && grep -q "Cannot open busy device" /tmp/xorriso.out'
mkdir -p "$DEB/tmp/iso"
head -c 1000000 /dev/urandom >"$DEB/tmp/iso/image-file"
check "xorriso makes an ISO image" deb xorriso -as mkisofs -quiet -V IMAGE -o /tmp/image.iso /tmp/iso
run_tool growisofs growisofs -Z /dev/sr0="$DEB/tmp/image.iso"
check "growisofs refuses the busy drive" eval '[ $rc != 0 ] && grep -q "unable to O_EXCL /dev/sr0" /tmp/growisofs.out'
run_tool eject eject /dev/sr0
check "eject /dev/sr0 fails: busy" eval '[ $rc != 0 ] && grep -q "Device or resource busy" /tmp/eject.out'
check "the disc is still in the drive" grep -q '"loaded":true' <<<"$(drive_ctl 0 status)"
# A reader that does not claim the drive is not kept out.
run_tool mediainfo dvd+rw-mediainfo /dev/sr0
check "dvd+rw-mediainfo reads the drive meanwhile" eval '[ $rc = 0 ] && grep -q "Mounted Media: *1Ah, DVD+RW" /tmp/mediainfo.out'
check "umount" umount /mnt/disc
check "the file was not touched" eval 'mount -t udf -o ro /dev/pktcdvd/dvd /mnt/disc && cmp /tmp/first /mnt/disc/first'
umount /mnt/disc

# ---- a burner holding the drive: the pkt device cannot be opened ----
chroot "$DEB" perl -e 'use Fcntl; sysopen(my $f, "/dev/sr0", O_RDONLY|O_NONBLOCK|O_EXCL) or exit 1; sleep 60' &
holder=$!
sleep 1
out=$(dd if=/dev/pktcdvd/dvd of=/dev/null bs=2048 count=1 2>&1); rc=$?
check "opening the pkt device while a burner holds sr0: EBUSY" eval '[ $rc != 0 ] && grep -q "Device or resource busy" <<<"$out"'
kill "$holder"; wait "$holder" 2>/dev/null

# ---- the mapping exists, its device closed: the drive is free ----
check_eq "O_EXCL open of /dev/sr0 works" 0 "$(excl_errno /dev/sr0)"
run_tool mediainfo dvd+rw-mediainfo /dev/sr0
check "dvd+rw-mediainfo" eval '[ $rc = 0 ] && grep -q "Mounted Media: *1Ah, DVD+RW" /tmp/mediainfo.out'
run_tool xorriso deb xorriso -indev /dev/sr0 -toc
check "xorriso -indev /dev/sr0 -toc" eval '[ $rc = 0 ] && grep -q "Media current: DVD+RW" /tmp/xorriso.out'
run_tool cdrskin deb cdrskin dev=/dev/sr0 -minfo
check "cdrskin -minfo" eval '[ $rc = 0 ] && grep -q "Mounted media type: *DVD+RW" /tmp/cdrskin.out'
run_tool wodim deb wodim dev=/dev/sr0 -atip
check "wodim -atip" eval "[ \$rc = 0 ] && grep -q \"Vendor_info    : 'PKTCDVD '\" /tmp/wodim.out"
run_tool growisofs growisofs -Z /dev/sr0="$DEB/tmp/image.iso"
check "growisofs -Z writes the image to the DVD+RW" eval '[ $rc = 0 ]'
pkt_major=$(sed -n 's/^ *\([0-9]*\) pktcdvd$/\1/p' /proc/devices)
check_eq "the mapping is still there" "pktcdvd0 $pkt_major:0 11:0" "$(cat /sys/class/pktcdvd/device_map)"
size=$(stat -c %s "$DEB/tmp/image.iso")
check "the pkt device reads the new contents (the image)" eval \
	'dd if=/dev/pktcdvd/dvd bs=2048 count=$((size / 2048)) 2>/dev/null | cmp - "$DEB/tmp/image.iso"'
mkdir -p /mnt/iso
check "and the ISO file system on it mounts" mount -t iso9660 -o ro /dev/pktcdvd/dvd /mnt/iso
check "with the image's file" cmp "$DEB/tmp/iso/image-file" /mnt/iso/image-file
umount /mnt/iso

# ---- and packet writing works again on the rewritten disc ----
check "mkudffs again" eval 'mkudffs --media-type=dvdrw --label=AFTER /dev/pktcdvd/dvd >/dev/null'
check "mount it read-write" mount -t udf -o rw /dev/pktcdvd/dvd /mnt/disc
head -c 300000 /dev/urandom >/tmp/second
check "write a file and sync" eval 'on_disc && cp /tmp/second /mnt/disc/second && sync'
umount /mnt/disc
check "remounted, it reads back" eval 'mount -t udf -o ro /dev/pktcdvd/dvd /mnt/disc && cmp /tmp/second /mnt/disc/second'
umount /mnt/disc
check_eq "the disc's label is the new one" AFTER "$(blkid -p -o value -s LABEL /dev/pktcdvd/dvd)"
check "pktsetup -d dvd" pktsetup -d dvd

finish
