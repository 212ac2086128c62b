#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix (tests/guest/lib/fault-matrix.sh) on a dvdrw disc.
# pkttest-drives: dvdrw:65536
# pkttest-tcmu-timeout: 1
. /tests/lib/fault-matrix.sh
