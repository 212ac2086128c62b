#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# KERNEL=next (scripts/kernel-env resolve): the newest linux-source-*
# across trixie-backports, sid and experimental, in Debian's version order
# (7.3~rc7 is older than 7.3.4), read from a made-up mirror; the suite's
# root is bpo's or sid's when one of those holds it, its own ("next", a
# sid root with experimental's kernel) when only experimental does; an
# unreadable index is an error, not a guess; KERNEL_NEXT_SUITE picks the
# suite instead.  Run by scripts/check's host
# step.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=tests/host/lib/checks.sh
. "$top/tests/host/lib/checks.sh"

# archive BPO SID EXPERIMENTAL: each suite's linux-source-* versions
# (comma-separated, "-" for none), as a fresh mirror and an empty cache.
archive() {
	local s versions v i=0
	rm -rf "$dir/mirror" "$dir/cache"
	for s in trixie-backports sid experimental; do
		i=$((i + 1))
		versions=$(eval echo "\${$i}")
		mkdir -p "$dir/mirror/dists/$s/main/binary-amd64"
		{
			echo "Package: linux-image-amd64"
			echo "Version: 99"
			echo
			[ "$versions" = - ] || for v in ${versions//,/ }; do
				echo "Package: linux-source-${v%%[~-]*}"
				echo "Version: $v"
				echo
			done
		} | xz >"$dir/mirror/dists/$s/main/binary-amd64/Packages.xz"
	done
}
resolve() {
	MIRROR=file://$dir/mirror PKTCDVD_CACHE=$dir/cache KERNEL_NEXT_SUITE=${NEXT_SUITE:-} "$top/scripts/kernel-env" --kernel next resolve 2>"$dir/err"
}

archive 7.3.4-1~bpo13+1 7.2.13-1 7.3~rc7-1~exp1
check_eq "today's archive: trixie-backports' 7.3.4 is newer than experimental's 7.3~rc7" bpo "$(resolve)"
check_eq "... and says so" "kernel-env: KERNEL=next is the newest linux-source 7.3.4-1~bpo13+1 in trixie-backports: KERNEL=bpo" "$(cat "$dir/err")"
archive 7.3.4-1~bpo13+1 7.3.5-1 7.3~rc7-1~exp1
check_eq "sid's 7.3.5 over bpo's 7.3.4" sid "$(resolve)"
archive 7.3.4-1~bpo13+1 7.3.5-1 7.4~rc1-1~exp1
check_eq "experimental's 7.4~rc1: a root of its own" next "$(resolve)"
archive - 7.2.13-1,7.3.1-1 -
check_eq "two versions in one suite, the newer counts; empty suites are no error" sid "$(resolve)"
archive 7.3.4-1~bpo13+1 7.3.4-1 -
check_eq "sid's 7.3.4-1 over its backport 7.3.4-1~bpo13+1" sid "$(resolve)"

archive 7.3.4-1~bpo13+1 7.2.13-1 7.3~rc7-1~exp1
rm "$dir/mirror/dists/sid/main/binary-amd64/Packages.xz"
out=$(resolve); rc=$?
check_eq "an index that cannot be read: resolve fails" 1 "$rc"
check_eq "... and prints no kernel" "" "$out"
check_eq "... naming the index" 1 "$(grep -c 'cannot read .*dists/sid/main/binary-amd64/Packages.xz' "$dir/err")"

rm -rf "$dir/mirror" "$dir/cache"
check_eq "KERNEL_NEXT_SUITE=experimental: experimental's root, the mirror not read" next "$(NEXT_SUITE=experimental resolve)"
check_eq "KERNEL_NEXT_SUITE=sid: sid's" sid "$(NEXT_SUITE=sid resolve)"
out=$(NEXT_SUITE=stable resolve); rc=$?
check_eq "KERNEL_NEXT_SUITE=stable is refused" "1 " "$rc $out"

echo "kernel-next: $checks checks, $failures failed"
[ "$failures" = 0 ]
