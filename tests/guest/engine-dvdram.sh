#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on dvdram: see tests/guest/lib/engine-media.sh.
# pkttest-drives: dvdram:65536
JOINED_WRITES=1
MKUDFFS_ARGS="--media-type=dvdram"
. /tests/lib/engine-media.sh
