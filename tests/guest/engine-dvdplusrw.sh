#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on dvd+rw: see tests/guest/lib/engine-media.sh.
# pkttest-drives: dvd+rw:65536
JOINED_WRITES=1
MKUDFFS_ARGS="--media-type=dvdrw"
. /tests/lib/engine-media.sh
