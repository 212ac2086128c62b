#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The known-report filter of scripts/qemu-run (scripts/kernel-reports.sh)
# on crafted serial logs: a known upstream report alone is left out; the
# same report through pktcdvd-rs code, any other report, and a report
# after a known one all fail the test.  Run by scripts/check's host step.
set -uo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=scripts/kernel-reports.sh
. "$top/scripts/kernel-reports.sh"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
checks=0 failures=0

# sr_report [FRAME...]: the known sr lockdep splat, with FRAMEs added to
# its backtrace, and pktcdvd among the linked modules.
sr_report() {
	cat <<'EOF'
[   12.345678] ================================
[   12.345679] WARNING: inconsistent lock state
[   12.345680] 7.3.4-pktdebug #1 Not tainted
[   12.345681] --------------------------------
[   12.345682] inconsistent {SOFTIRQ-ON-W} -> {IN-SOFTIRQ-W} usage.
[   12.345683] swapper/1/0 [HC0[0]:SC1[1]:HE1:SE0] takes:
[   12.345684] ffff888004f2c0d8 (&bdev->bd_size_lock){+.?.}-{2:2}, at: bdev_set_nr_sectors+0x1c/0x60
[   12.345685] Modules linked in: pktcdvd(O) sr_mod cdrom tcm_loop target_core_user
[   12.345686] stack backtrace:
[   12.345687] Call Trace:
[   12.345688]  <IRQ>
[   12.345689]  dump_stack_lvl+0x5b/0x80
[   12.345690]  bdev_set_nr_sectors+0x1c/0x60
[   12.345691]  sr_done+0x2a1/0x3c0 [sr_mod]
EOF
	local f
	for f in "$@"; do echo "[   12.345692]  $f"; done
	cat <<'EOF'
[   12.345693]  scsi_complete+0x6a/0x100
[   12.345694]  </IRQ>
[   12.345695]  <TASK>
[   12.345696]  default_idle_call+0x30/0x60
[   12.345697]  </TASK>
EOF
}
other_report() {
	cat <<'EOF'
[   20.000001] ======================================================
[   20.000002] WARNING: possible circular locking dependency detected
[   20.000003] Call Trace:
[   20.000004]  <TASK>
[   20.000005]  ip6_pkt_drop+0x10/0x20
[   20.000006]  </TASK>
EOF
}
boot() { echo "@@PKTCDVD-BOOTED 7.3.4-pktdebug"; echo "ok   - something"; }

# expect NAME pass|fail: the log $dir/NAME passes or fails the filter.
expect() {
	local got=pass line
	line=$(first_report "$dir/$1") && got=fail
	checks=$((checks + 1))
	if [ "$got" = "$2" ]; then
		echo "ok   - $1: $2${line:+ ($line)}"
	else
		failures=$((failures + 1))
		echo "FAIL - $1: expected $2, got $got${line:+ ($line)}"
		without_known_reports "$dir/$1" | sed 's/^/    /'
	fi
}

{ boot; echo "[    1.0] Call Trace:"; } >"$dir/plain-call-trace"
expect plain-call-trace fail
{ boot; sr_report; echo "ok   - after"; } >"$dir/known-alone"
expect known-alone pass
{ boot; sr_report | tr '\n' '\r' | sed 's/\r/\r\n/g'; } >"$dir/known-crlf"
expect known-crlf pass
{ boot; sr_report "pkt_submit_bio+0x88/0x1f0 [pktcdvd]"; } >"$dir/known-through-shim-frame"
expect known-through-shim-frame fail
{ boot; sr_report "pktrs_bio_endio+0x12/0x30"; } >"$dir/known-through-pktrs-symbol"
expect known-through-pktrs-symbol fail
{ boot; sr_report "_RNvMNtCs4fqI2P2rA04_12pktcdvd_main6engineNtB2_6Engine5flush+0x40/0x90"; } >"$dir/known-through-rust-symbol"
expect known-through-rust-symbol fail
{ boot; other_report; } >"$dir/other-report"
expect other-report fail
{ boot; sr_report; other_report; } >"$dir/known-then-other"
expect known-then-other fail
{ boot; sr_report; sr_report "pkt_worker_fn+0x1/0x2 [pktcdvd]"; } >"$dir/known-twice-second-ours"
expect known-twice-second-ours fail
# The filter must say what it left out.
without_known_reports "$dir/known-alone" | grep -q '^(left out a known upstream kernel report, in sr_done)$'
rc=$?
checks=$((checks + 1))
if [ $rc = 0 ]; then echo "ok   - the log names the report left out"; else failures=$((failures + 1)); echo "FAIL - the log does not name the report left out"; fi

echo "report filter: $checks checks, $failures failed"
[ "$failures" = 0 ] && [ "$checks" = 10 ]
