# SPDX-License-Identifier: GPL-2.0
#
# kernel-reports.sh: which kernel reports in a guest's serial log fail its
# test (sourced by scripts/qemu-run; tested on the host by
# tests/host/report-filter.sh).

# Kernel reports that fail a test whatever the script said.
# (The debug kernel adds lockdep's, KASAN's, debugobjects' and kmemleak's.)
reports='(BUG:|Oops|WARNING:|Kernel panic|kernel BUG|KASAN|UBSAN|possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|general protection fault|Call Trace:|ODEBUG:|suspected memory leak|INFO: task .* blocked for more than)'

# Reports of known upstream kernel bugs outside pktcdvd-rs, each a lockdep
# splat whose text holds all the listed functions: left out (and named in
# the log) rather than failing every test that meets them.  Any other
# report fails.  Documentation/reliability.rst explains each.
known_reports=(
	# sr_done() shrinks the disc's capacity in softirq context after a
	# READ past the end; set_capacity() takes bd_size_lock softirq-unsafely.
	"inconsistent lock state|sr_done|bdev_set_nr_sectors"
)
# What names pktcdvd-rs's own code in a report: a frame of the module
# ("pkt_open+0x12/0x40 [pktcdvd]"), the crate's Rust symbols (v0-mangled,
# holding "pktcdvd_main"), the C shim's pktrs_* and pkt_* functions.  The
# "Modules linked in:" line names every loaded module and is not looked at.
own_code='pktcdvd|(^|[^A-Za-z0-9_])pktrs?_'
# without_known_reports LOG: the log, without the known reports' blocks.
# A block that matches a known report but also names pktcdvd-rs's code is
# kept: the same splat through the driver is the driver's to answer for.
without_known_reports() {
	tr -d '\r' <"$1" | awk -v known="$(printf '%s\n' "${known_reports[@]}")" -v own="$own_code" '
		BEGIN { n = split(known, k, "\n") }
		# The function the known report of this block names ("" if none).
		function known_in(buf,    i, j, m, part, hit) {
			for (i = 1; i <= n; i++) {
				if (k[i] == "") continue
				m = split(k[i], part, "|"); hit = 1
				for (j = 1; j <= m; j++) if (index(buf, part[j]) == 0) hit = 0
				if (hit) return part[2]
			}
			return ""
		}
		/WARNING: |BUG: / && !blk { blk = 1; buf = ""; ours = 0 }
		blk {
			buf = buf $0 "\n"
			if ($0 !~ /Modules linked in:/ && $0 ~ own) ours = 1
			if ($0 ~ /<\/TASK>|end trace/) {
				blk = 0
				where = known_in(buf)
				if (where != "" && !ours) { print "(left out a known upstream kernel report, in " where ")"; buf = "" }
				else if (where != "") print "(a known upstream report, in " where ", but through pktcdvd-rs code: kept)"
				printf "%s", buf
			}
			next
		}
		{ print }
		END { if (blk) printf "%s", buf }'
}

# first_report LOG: the first line of a report that fails the test (none:
# nothing printed, exit status 1).
first_report() {
	without_known_reports "$1" | grep -E -m1 "$reports"
}
