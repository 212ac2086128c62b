#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The packet engine on a CD-RW that udftools' cdrwtool formatted in the
# guest (the user's path): see tests/guest/lib/engine-media.sh.
# pkttest-drives: cdrw-blank:65536
JOINED_WRITES=0
MKUDFFS_ARGS="--media-type=cdrw"
PREPARE="cdrwtool -d /dev/sr0 -q"
. /tests/lib/engine-media.sh
