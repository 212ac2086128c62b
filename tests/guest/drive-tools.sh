#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Third-party tools see the emulated drive as a real one: dvd+rw-mediainfo
# names every DVD/BD medium and its manufacturer's media ID, READ DISC
# STRUCTURE (sg_raw) gives each DVD its book type; growisofs writes an ISO
# image to each DVD/BD medium real drives let it write (DVD+RW, DVD-RW
# sequential and restricted overwrite, DVD-RAM, BD-RE, DVD-R), wodim and
# cdrskin write it track at once to a CD-R and a blank CD-RW, and every
# image reads back from /dev/srN unchanged.
# pkttest-drives: dvd+rw:65536 dvdrw-seq:65536 dvdrw:65536 dvdram:65536 bdre:65536 dvdr:65536 cdr:65536 cdrw-blank:65536
. /tests/lib/testlib.sh

dvd_drives="0 1 2 3 4 5"

# What dvd+rw-mediainfo prints for drive N's disc, line by line, as a real
# drive makes it print.  (For DVD+RW and DVD-RAM the tool prints as "Media
# Book Type" a byte it never read from the disc, so sg_raw checks theirs.)
mediainfo_lines() {
	case $1 in
	0) printf '%s\n' " Mounted Media:         1Ah, DVD+RW" \
		" Media ID:              RICOHJPN/W11" ;;
	1) printf '%s\n' " Mounted Media:         14h, DVD-RW Sequential" \
		" Media ID:              MKM   A03" \
		" Media Book Type:       32h, DVD-RW book [revision 2]" \
		" Track State:           invisible incremental" \
		" Next Writable Address: 0*2KB" ;;
	2) printf '%s\n' " Mounted Media:         13h, DVD-RW Restricted Overwrite" \
		" Media ID:              MKM   A03" \
		" Media Book Type:       32h, DVD-RW book [revision 2]" ;;
	3) printf '%s\n' " Mounted Media:         12h, DVD-RAM" \
		" Persistent Write Protection is off" ;;
	4) printf '%s\n' " Mounted Media:         43h, BD-RE" \
		" Media ID:              VERBAT/IMe" ;;
	5) printf '%s\n' " Mounted Media:         11h, DVD-R Sequential" \
		" Media ID:              MCC 02RG20" \
		" Media Book Type:       25h, DVD-R book [revision 5]" \
		" Disc status:           blank" ;;
	esac
}
# Book type and part version (READ DISC STRUCTURE format 00, byte 4) of
# the DVDs: DVD+RW, DVD-RW (twice), DVD-RAM, DVD-R.
declare -A book=([0]=92 [1]=32 [2]=32 [3]=16 [5]=25)

mediainfo_checks=0
for n in $dvd_drives; do
	mediainfo_checks=$((mediainfo_checks + 1 + $(mediainfo_lines $n | wc -l)))
done
# image 2, mediainfo, book types, growisofs 3 per DVD/BD, wodim and cdrskin 3 each
plan $((2 + mediainfo_checks + ${#book[@]} + 3 * 6 + 2 * 3))

# An ISO image of a few random files.
mkdir -p /tmp/tree/dir
for i in 1 2 3; do head -c $((i * 350000)) /dev/urandom >/tmp/tree/dir/file$i; done
out=$(xorriso -as mkisofs -quiet -R -o /tmp/img.iso /tmp/tree 2>&1); rc=$?
echo "$out"
check_eq "xorriso -as mkisofs makes the image" 0 "$rc"
image_blocks=$(($(stat -c %s /tmp/img.iso) / 2048))
image_sum=$(sha256sum </tmp/img.iso | cut -d' ' -f1)
check "the image holds more than 1000 blocks" [ "$image_blocks" -gt 1000 ]
echo "image: $image_blocks blocks, sha256 $image_sum"

# read_back N: sha256 of the image's blocks read from /dev/srN ("" when dd
# fails or reads less).
read_back() {
	local n
	n=$(dd if=/dev/sr$1 of=/tmp/back bs=2048 count=$image_blocks 2>&1) || { echo "$n" >&2; return; }
	[ "$(stat -c %s /tmp/back)" = $((image_blocks * 2048)) ] || { echo "sr$1: short read: $n" >&2; return; }
	sha256sum </tmp/back | cut -d' ' -f1
}

for n in $dvd_drives; do
	out=$(dvd+rw-mediainfo /dev/sr$n 2>&1); rc=$?
	echo "$out"
	name=$(mediainfo_lines $n | head -n 1 | sed 's/.*, //')
	check_eq "dvd+rw-mediainfo $name exits 0" 0 "$rc"
	while IFS= read -r line; do
		check "$name: dvd+rw-mediainfo prints '${line# }'" grep -qF -- "$line" <<<"$out"
	done <<<"$(mediainfo_lines $n)"
done

for n in "${!book[@]}"; do
	# sg_raw prints the data as hex: " 00     00 06 00 00 92 0f 04 00".
	out=$(sg_raw -r 8 /dev/sr$n ad 00 00 00 00 00 00 00 00 08 00 00 2>&1); rc=$?
	got=$(awk '$1 == "00" && NF >= 9 {print $6; exit}' <<<"$out")
	check_eq "sr$n: READ DISC STRUCTURE 00 succeeds with book type/part version ${book[$n]}h" "0 ${book[$n]}" "$rc $got"
done

for n in $dvd_drives; do
	name=$(mediainfo_lines $n | head -n 1 | sed 's/.*, //')
	out=$(growisofs -Z /dev/sr$n=/tmp/img.iso 2>&1); rc=$?
	echo "$out" | tail -n 8
	check_eq "growisofs -Z writes the image to the $name" 0 "$rc"
	check_eq "$name: growisofs found nothing amiss (no ':-(' line)" "" "$(grep -F ':-(' <<<"$out")"
	check_eq "$name: the image reads back unchanged" "$image_sum" "$(read_back $n)"
done

# CD: track at once, data.  sr learns the written disc's size only from a
# reload, as with a real drive.
cd_write() { # N NAME TOOL...
	local n=$1 name=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	echo "$out" | tail -n 12
	check_eq "$1 -tao -data writes the image to the $name" 0 "$rc"
	check_eq "$name: the drive recorded exactly the image" "appendable at $image_blocks" "$(drive_state $n)"
	eject /dev/sr$n && eject -t /dev/sr$n
	check_eq "$name: the image reads back unchanged" "$image_sum" "$(read_back $n)"
}
cd_write 6 CD-R wodim -v dev=/dev/sr6 -tao -data /tmp/img.iso
cd_write 7 CD-RW cdrskin -v dev=/dev/sr7 -tao -data /tmp/img.iso
finish
