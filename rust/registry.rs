// SPDX-License-Identifier: GPL-2.0

//! The table of mappings: which pktcdvd device stands on which CD drive.
//!
//! The block devices arrive with the control plane (part 1 of the driver);
//! until then no mapping can be made, the table is always empty, and the
//! control interfaces answer as the C driver does for an empty table.

use crate::pktcore::{ctl::Slots, devnum::DevNum, errno::Errno};
use kernel::prelude::*;

/// The driver's mappings, as the control ioctl and sysfs see them.
pub(crate) struct Registry;

impl Slots for Registry {
    fn setup(&mut self, cd: DevNum) -> Result<DevNum, Errno> {
        pr_warn!(
            "setup of {}:{} refused: mappings are not implemented yet\n",
            cd.major(),
            cd.minor()
        );
        Err(Errno::NotSupported)
    }

    fn teardown(&mut self, _pkt: DevNum) -> Result<(), Errno> {
        Err(Errno::Nxio)
    }

    fn status(&self, _index: u32) -> Option<(DevNum, DevNum)> {
        None
    }
}
