#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# scripts/kdir-kernel's checks of a developer's tree, before anything is
# built or booted: a tree that is not built is refused with what to do, a
# tree lacking an option of tests/kconfig/pktcdvd-guest.config is refused
# with that option named and the merge_config.sh line, =y counts for =m,
# and a tree that has them all gets past the check (to the compiler, which
# this made-up tree names wrongly on purpose).  Run by scripts/check's
# host step.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
fragment=$top/tests/kconfig/pktcdvd-guest.config
# shellcheck source=tests/host/lib/checks.sh
. "$top/tests/host/lib/checks.sh"
# kdir: kdir-kernel on the made-up tree; its status in rc, its messages in $dir/err.
kdir() {
	"$top/scripts/kdir-kernel" --no-clippy "$dir/linux" >"$dir/out" 2>"$dir/err"
	rc=$?
}
said() { grep -qF -- "$1" "$dir/err"; }

tree=$dir/linux
mkdir -p "$tree"
kdir
check "an unconfigured tree is refused (exit 1)" test "$rc" = 1
check "... saying it has no .config" said "is not a configured kernel tree (no .config)"

grep '^CONFIG_' "$fragment" >"$tree/.config"
echo 'CONFIG_RUSTC_VERSION_TEXT="rustc 0.0.0-made-up (for this test)"' >>"$tree/.config"
echo 'CONFIG_CC_VERSION_TEXT="gcc-made-up (for this test) 0.0"' >>"$tree/.config"
kdir
check "a configured tree that is not built is refused (exit 1)" test "$rc" = 1
check "... saying to build it" said "build it first (make bzImage modules)"

mkdir -p "$tree/include/config" "$tree/arch/x86/boot"
echo 7.0.0-made-up >"$tree/include/config/kernel.release"
: >"$tree/arch/x86/boot/bzImage"
: >"$tree/modules.order"
full=$(cat "$tree/.config")

# Without tcm_loop and with sr built in (=y where the fragment says =m).
grep -v '^CONFIG_LOOPBACK_TARGET=' <<<"$full" | sed 's/^CONFIG_BLK_DEV_SR=m$/CONFIG_BLK_DEV_SR=y/' >"$tree/.config"
kdir
check "a tree without CONFIG_LOOPBACK_TARGET is refused (exit 1)" test "$rc" = 1
check "... naming it" said "  CONFIG_LOOPBACK_TARGET=m"
check "... and the merge_config.sh line that adds it" said "scripts/kconfig/merge_config.sh -m .config $fragment"
check "... and only it (CONFIG_BLK_DEV_SR=y does for =m)" test "$(grep -c '^  CONFIG_' "$dir/err")" = 1
check "... before building anything (no module path printed)" test ! -s "$dir/out"

# =m where the fragment says =y is not enough (the console must be built in).
sed 's/^CONFIG_SERIAL_8250=y$/CONFIG_SERIAL_8250=m/' <<<"$full" >"$tree/.config"
kdir
check "CONFIG_SERIAL_8250=m where =y is needed is refused" said "  CONFIG_SERIAL_8250=y"

echo "$full" >"$tree/.config"
kdir
check "a tree with every option gets past the check, to its compiler (exit 1)" test "$rc" = 1
check "... which it names, not an option" said "was built with 'rustc 0.0.0-made-up (for this test)'"
check "... and no option is named missing" test "$(grep -c '^  CONFIG_' "$dir/err")" = 0

echo "kdir-tree: $checks checks, $failures failed"
[ "$failures" = 0 ]
