#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on cdrw-mrw: see tests/guest/lib/engine-media.sh.
# pkttest-drives: cdrw-mrw:65536
JOINED_WRITES=1
MKUDFFS_ARGS="--media-type=hd --blocksize=2048"
. /tests/lib/engine-media.sh
