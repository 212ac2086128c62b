#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on cdrw: see tests/guest/lib/engine-media.sh.
# pkttest-drives: cdrw:65536
JOINED_WRITES=0
MKUDFFS_ARGS="--media-type=cdrw"
. /tests/lib/engine-media.sh
