//! SCSI sense data: what a CHECK CONDITION tells the initiator.

/// A sense key with its additional sense code and qualifier, and for
/// operations in progress the progress indication (0..=0xffff).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sense {
    /// Sense key (2 NOT READY, 3 MEDIUM ERROR, 5 ILLEGAL REQUEST, ...).
    pub key: u8,
    /// Additional sense code.
    pub asc: u8,
    /// Additional sense code qualifier.
    pub ascq: u8,
    /// Sense-key specific progress indication, as a fraction of 0x10000.
    pub progress: Option<u16>,
    /// Deferred error (response code 0x71): an error of an earlier command.
    pub deferred: bool,
}

impl Sense {
    /// A sense without progress indication.
    pub const fn new(key: u8, asc: u8, ascq: u8) -> Self {
        Sense {
            key,
            asc,
            ascq,
            progress: None,
            deferred: false,
        }
    }

    /// The same sense with a progress indication.
    pub const fn with_progress(mut self, progress: u16) -> Self {
        self.progress = Some(progress);
        self
    }

    /// Fixed-format sense data (18 bytes), as REQUEST SENSE and the
    /// CHECK CONDITION autosense return it.
    pub fn to_bytes(&self) -> [u8; 18] {
        let mut b = [0u8; 18];
        b[0] = if self.deferred { 0x71 } else { 0x70 };
        b[2] = self.key & 0x0f;
        b[7] = 10; // additional sense length
        b[12] = self.asc;
        b[13] = self.ascq;
        if let Some(p) = self.progress {
            b[15] = 0x80; // SKSV
            b[16..18].copy_from_slice(&p.to_be_bytes());
        }
        b
    }
}

/// No sense: the last command succeeded.
pub const NO_SENSE: Sense = Sense::new(0, 0, 0);
/// 2/04/01: logical unit is in process of becoming ready.
pub const BECOMING_READY: Sense = Sense::new(2, 0x04, 0x01);
/// 2/04/04: format in progress.
pub const FORMAT_IN_PROGRESS: Sense = Sense::new(2, 0x04, 0x04);
/// 2/04/07: operation in progress.
pub const OPERATION_IN_PROGRESS: Sense = Sense::new(2, 0x04, 0x07);
/// 2/04/08: long write in progress.
pub const LONG_WRITE_IN_PROGRESS: Sense = Sense::new(2, 0x04, 0x08);
/// 2/3A/01: medium not present, tray closed.
pub const NO_MEDIUM_TRAY_CLOSED: Sense = Sense::new(2, 0x3a, 0x01);
/// 2/3A/02: medium not present, tray open.
pub const NO_MEDIUM_TRAY_OPEN: Sense = Sense::new(2, 0x3a, 0x02);
/// 2/30/00 is "incompatible medium"; this is 2/30/01, cannot read unknown format.
pub const CANNOT_READ_UNKNOWN_FORMAT: Sense = Sense::new(2, 0x30, 0x01);
/// 3/0C/00: write error.
pub const WRITE_ERROR: Sense = Sense::new(3, 0x0c, 0x00);
/// 3/11/00: unrecovered read error.
pub const READ_ERROR: Sense = Sense::new(3, 0x11, 0x00);
/// 4/44/00: internal target failure (the drive itself failed).
pub const INTERNAL_FAILURE: Sense = Sense::new(4, 0x44, 0x00);
/// 5/20/00: invalid command operation code.
pub const INVALID_OPCODE: Sense = Sense::new(5, 0x20, 0x00);
/// 5/21/00: logical block address out of range.
pub const LBA_OUT_OF_RANGE: Sense = Sense::new(5, 0x21, 0x00);
/// 5/21/02: invalid address for write (not a whole, aligned packet).
pub const INVALID_WRITE_ADDRESS: Sense = Sense::new(5, 0x21, 0x02);
/// 5/24/00: invalid field in CDB.
pub const INVALID_FIELD_IN_CDB: Sense = Sense::new(5, 0x24, 0x00);
/// 5/26/00: invalid field in parameter list.
pub const INVALID_FIELD_IN_PARAMETERS: Sense = Sense::new(5, 0x26, 0x00);
/// 5/1A/00: parameter list length error.
pub const PARAMETER_LIST_LENGTH: Sense = Sense::new(5, 0x1a, 0x00);
/// 5/30/02: cannot read medium, incompatible format.
pub const INCOMPATIBLE_FORMAT: Sense = Sense::new(5, 0x30, 0x02);
/// 5/30/05: cannot write medium, incompatible format.
pub const CANNOT_WRITE_INCOMPATIBLE: Sense = Sense::new(5, 0x30, 0x05);
/// 5/39/00: saving parameters not supported.
pub const SAVING_NOT_SUPPORTED: Sense = Sense::new(5, 0x39, 0x00);
/// 5/53/02: medium removal prevented.
pub const REMOVAL_PREVENTED: Sense = Sense::new(5, 0x53, 0x02);
/// 5/64/00: illegal mode for this track (write to a blank CD-RW, for example).
pub const ILLEGAL_MODE_FOR_TRACK: Sense = Sense::new(5, 0x64, 0x00);
/// 6/28/00: not ready to ready change, medium may have changed.
pub const MEDIUM_CHANGED: Sense = Sense::new(6, 0x28, 0x00);
/// 6/29/00: power on, reset, or bus device reset occurred.
pub const POWER_ON_RESET: Sense = Sense::new(6, 0x29, 0x00);
/// 7/27/00: write protected.
pub const WRITE_PROTECTED: Sense = Sense::new(7, 0x27, 0x00);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_format_with_progress() {
        let s = FORMAT_IN_PROGRESS.with_progress(0x8000);
        assert_eq!(
            s.to_bytes(),
            [0x70, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x04, 0x04, 0, 0x80, 0x80, 0x00]
        );
        assert_eq!(WRITE_ERROR.to_bytes()[2], 3);
        assert_eq!(WRITE_ERROR.to_bytes()[15], 0);
    }
}
