#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on dvdrw: see tests/guest/lib/engine-media.sh.
# pkttest-drives: dvdrw:65536
JOINED_WRITES=0
MKUDFFS_ARGS="--media-type=dvdrw"
. /tests/lib/engine-media.sh
