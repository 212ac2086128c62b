#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix (tests/guest/lib/fault-matrix.sh) on an MRW (Mt.
# Rainier) formatted cdrw disc.
# pkttest-drives: cdrw-mrw:65536
# pkttest-tcmu-timeout: 1
. /tests/lib/fault-matrix.sh
