#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failures: a sticky write error makes the writer see EIO while data
# elsewhere stays intact, and writing works again once it is cleared; a read
# error while gathering fails the write (the C driver reported success); the
# disc taken out while mounted gives I/O errors, no hang, and teardown
# works after unmount; write-once discs are refused with EROFS and a log
# line that says why.
# pkttest-drives: dvdram:65536 cdr:65536
. /tests/lib/testlib.sh
plan 20

check "pktsetup" pktsetup disc /dev/sr0
pkt=/dev/pktcdvd/disc
head -c 65536 /dev/urandom >/tmp/good
check "good data at frames 320..351" dd if=/tmp/good of=$pkt bs=64k seek=10 oflag=direct conv=notrunc

drive_ctl 0 fault write 1000+16 >/dev/null
out=$(dd if=/dev/urandom of=$pkt bs=2048 seek=1000 count=4 oflag=direct conv=notrunc 2>&1); rc=$?
check "with a sticky write error the writer fails" test $rc -ne 0
check "... with EIO" grep -q "Input/output error" <<<"$out"
check "the kernel log names the packet" grep -q "pktcdvd0: writing the packet at frame 992 failed" <<<"$(dmesg)"
check_eq "data elsewhere is intact" "$(sha256sum </tmp/good)" "$(dd if=$pkt bs=64k skip=10 count=1 iflag=direct 2>/dev/null | sha256sum)"
drive_ctl 0 fault clear >/dev/null
head -c 8192 /dev/urandom >/tmp/new
check "once the fault is cleared, writing works again" dd if=/tmp/new of=$pkt bs=2048 seek=1000 count=4 oflag=direct conv=notrunc
check_eq "and reads back" "$(sha256sum </tmp/new)" "$(dd if=$pkt bs=2048 skip=1000 count=4 iflag=direct 2>/dev/null | sha256sum)"

drive_ctl 0 fault read 2000+16 >/dev/null
out=$(dd if=/dev/urandom of=$pkt bs=2048 seek=2001 count=1 oflag=direct conv=notrunc 2>&1); rc=$?
check "a read error while gathering the packet fails the write (not success)" test $rc -ne 0
drive_ctl 0 fault clear >/dev/null

mkudffs --media-type=dvdram $pkt >/dev/null
mkdir -p /mnt/disc
check "mount" mount -t udf -o rw $pkt /mnt/disc
cp /tmp/good /mnt/disc/a && sync
drive_ctl 0 eject >/dev/null
start=$(date +%s)
out=$(timeout 120 dd if=/dev/urandom of=/mnt/disc/b bs=64k count=16 conv=fsync 2>&1); rc=$?
check "writing after the disc was taken out fails" test $rc -ne 0 -a $rc -ne 124
check "... with an I/O error (EIO)" grep -q "^dd: .*: Input/output error$" <<<"$out"
check "umount returns" timeout 120 umount /mnt/disc
check "no hang: all of it took under two minutes" [ $(( $(date +%s) - start )) -lt 120 ]
check "teardown after unmount" pktsetup -d disc
drive_ctl 0 insert >/dev/null

check "pktsetup on a CD-R" pktsetup once /dev/sr1
out=$( { exec 3<>/dev/pktcdvd/once; } 2>&1 )
check "opening it for writing: read-only file system (EROFS)" grep -q "Read-only file system" <<<"$out"
check "the log says why and what to do" grep -q "pktcdvd[0-9]: cannot write to the disc in sr1: the disc is write-once; packet writing needs a rewritable disc" <<<"$(dmesg)"
check "opening it read-only still works" dd if=/dev/pktcdvd/once of=/dev/null bs=2048 count=1
check "teardown" pktsetup -d once
finish
