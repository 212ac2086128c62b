#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The fault matrix (tests/guest/lib/fault-matrix.sh) on a bdre disc.
# pkttest-drives: bdre:131072
# pkttest-tcmu-timeout: 1
. /tests/lib/fault-matrix.sh
