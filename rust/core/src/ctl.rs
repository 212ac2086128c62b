// SPDX-License-Identifier: GPL-2.0

//! The control device's one ioctl, `PACKET_CTRL_CMD`, and its 24-byte
//! argument (`struct pkt_ctrl_command` in `include/uapi/linux/pktcdvd.h`).

use super::devnum::DevNum;
use super::errno::Errno;

/// Number of pktcdvd devices (slots) that can exist at once (`MAX_WRITERS`).
pub const MAX_WRITERS: u32 = 8;

/// Size of `struct pkt_ctrl_command`: six `__u32`, the same on 32 and 64 bit.
pub const CTRL_COMMAND_SIZE: usize = 24;

const IOC_NRBITS: u32 = 8;
const IOC_TYPEBITS: u32 = 8;
const IOC_SIZEBITS: u32 = 14;
const IOC_WRITE: u32 = 1;
const IOC_READ: u32 = 2;

/// `_IOC(dir, type, nr, size)` as the generic (x86, arm, riscv) ABI defines it.
const fn ioc(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    // `size` is a struct size far below 2^14.
    let size = size as u32 & ((1 << IOC_SIZEBITS) - 1);
    (dir << (IOC_NRBITS + IOC_TYPEBITS + IOC_SIZEBITS))
        | (size << (IOC_NRBITS + IOC_TYPEBITS))
        | ((ty as u32) << IOC_NRBITS)
        | nr as u32
}

/// `PACKET_CTRL_CMD = _IOWR('X', 1, struct pkt_ctrl_command)`.
pub const PACKET_CTRL_CMD: u32 = ioc(IOC_READ | IOC_WRITE, b'X', 1, CTRL_COMMAND_SIZE);

/// What a `PACKET_CTRL_CMD` asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Command {
    /// Map the CD device `dev` to a new pktcdvd device (`PKT_CTRL_CMD_SETUP`).
    Setup {
        /// The CD/DVD block device to map.
        cd: DevNum,
    },
    /// Remove the mapping of pktcdvd device `pkt_dev` (`PKT_CTRL_CMD_TEARDOWN`).
    Teardown {
        /// The pktcdvd block device whose mapping goes.
        pkt: DevNum,
    },
    /// Report slot `dev_index` (`PKT_CTRL_CMD_STATUS`).
    Status {
        /// The slot asked about; any value, out-of-range slots read as empty.
        index: u32,
    },
}

/// `PKT_CTRL_CMD_SETUP`.
pub const CMD_SETUP: u32 = 0;
/// `PKT_CTRL_CMD_TEARDOWN`.
pub const CMD_TEARDOWN: u32 = 1;
/// `PKT_CTRL_CMD_STATUS`.
pub const CMD_STATUS: u32 = 2;

/// The 24-byte argument of `PACKET_CTRL_CMD`, field for field.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CtrlCommand {
    /// `command`: one of the `CMD_*` values.
    pub command: u32,
    /// `dev_index`: the slot a STATUS asks about.
    pub dev_index: u32,
    /// `dev`: the CD device (in for SETUP, out for STATUS), new encoding.
    pub dev: u32,
    /// `pkt_dev`: the pktcdvd device (out for SETUP and STATUS, in for
    /// TEARDOWN), new encoding.
    pub pkt_dev: u32,
    /// `num_devices`: always [`MAX_WRITERS`] on the way out of STATUS.
    pub num_devices: u32,
    /// `padding`: unused, passed back as it came.
    pub padding: u32,
}

/// A `command` value the driver does not know: the ioctl fails with ENOTTY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownCommand(pub u32);

impl CtrlCommand {
    /// Decodes the struct from the bytes userspace passed (native endian).
    pub fn from_bytes(b: &[u8; CTRL_COMMAND_SIZE]) -> Self {
        let word = |i: usize| u32::from_ne_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        Self {
            command: word(0),
            dev_index: word(4),
            dev: word(8),
            pkt_dev: word(12),
            num_devices: word(16),
            padding: word(20),
        }
    }

    /// Encodes the struct for copying back to userspace (native endian).
    pub fn to_bytes(&self) -> [u8; CTRL_COMMAND_SIZE] {
        let mut out = [0u8; CTRL_COMMAND_SIZE];
        let words = [
            self.command,
            self.dev_index,
            self.dev,
            self.pkt_dev,
            self.num_devices,
            self.padding,
        ];
        for (chunk, w) in out.chunks_exact_mut(4).zip(words) {
            chunk.copy_from_slice(&w.to_ne_bytes());
        }
        out
    }

    /// What this struct asks the driver to do.
    pub fn parse(&self) -> Result<Command, UnknownCommand> {
        match self.command {
            CMD_SETUP => Ok(Command::Setup {
                cd: DevNum::decode(self.dev),
            }),
            CMD_TEARDOWN => Ok(Command::Teardown {
                pkt: DevNum::decode(self.pkt_dev),
            }),
            CMD_STATUS => Ok(Command::Status {
                index: self.dev_index,
            }),
            other => Err(UnknownCommand(other)),
        }
    }

    /// Fills in a STATUS answer: the slot's CD and pkt devices, or zeros
    /// for an empty or out-of-range slot, and the fixed slot count.
    pub fn answer_status(&mut self, slot: Option<(DevNum, DevNum)>) {
        let (cd, pkt) = slot.map_or((0, 0), |(cd, pkt)| (cd.encode(), pkt.encode()));
        self.dev = cd;
        self.pkt_dev = pkt;
        self.num_devices = MAX_WRITERS;
    }
}

/// The driver's side of the control ioctl: the slot table.
pub trait Slots {
    /// Maps `cd` to a new pktcdvd device; returns that device's number.
    fn setup(&mut self, cd: DevNum) -> Result<DevNum, Errno>;
    /// Removes the mapping of pktcdvd device `pkt`.
    fn teardown(&mut self, pkt: DevNum) -> Result<(), Errno>;
    /// The CD and pkt devices of slot `index`, if it is in use.
    fn status(&self, index: u32) -> Option<(DevNum, DevNum)>;
}

/// What the ioctl returns to userspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reply {
    /// The ioctl's result.
    pub result: Result<(), Errno>,
    /// Whether the (updated) struct is copied back first.  The C driver
    /// copies it back for every known command the caller may issue, also
    /// when the command failed, and not for EPERM or ENOTTY.
    pub copy_back: bool,
}

/// Carries out one `PACKET_CTRL_CMD`.  `is_admin` is asked only for the
/// commands that need `CAP_SYS_ADMIN`, because asking audits a denial.
pub fn dispatch(
    cmd: &mut CtrlCommand,
    is_admin: impl FnOnce() -> bool,
    slots: &mut impl Slots,
) -> Reply {
    let refuse = |e| Reply {
        result: Err(e),
        copy_back: false,
    };
    let Ok(command) = cmd.parse() else {
        return refuse(Errno::Notty);
    };
    if matches!(command, Command::Setup { .. } | Command::Teardown { .. }) && !is_admin() {
        return refuse(Errno::Perm);
    }
    let result = match command {
        Command::Setup { cd } => {
            let made = slots.setup(cd);
            cmd.pkt_dev = made.map_or(0, DevNum::encode);
            made.map(|_| ())
        }
        Command::Teardown { pkt } => slots.teardown(pkt),
        Command::Status { index } => {
            cmd.answer_status(slots.status(index));
            Ok(())
        }
    };
    Reply {
        result,
        copy_back: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ioctl_number_matches_the_uapi_header() {
        assert_eq!(PACKET_CTRL_CMD, 0xC018_5801);
    }

    #[test]
    fn bytes_round_trip_in_field_order() {
        let c = CtrlCommand {
            command: 2,
            dev_index: 7,
            dev: 0x0b00,
            pkt_dev: 0xfd00,
            num_devices: 8,
            padding: 0xdead_beef,
        };
        let b = c.to_bytes();
        assert_eq!(&b[0..4], &2u32.to_ne_bytes());
        assert_eq!(&b[8..12], &0x0b00u32.to_ne_bytes());
        assert_eq!(&b[20..24], &0xdead_beefu32.to_ne_bytes());
        assert_eq!(CtrlCommand::from_bytes(&b), c);
    }

    #[test]
    fn commands_parse_and_unknown_ones_are_refused() {
        let mut c = CtrlCommand {
            command: CMD_SETUP,
            dev: 0x0b01,
            ..Default::default()
        };
        assert_eq!(
            c.parse(),
            Ok(Command::Setup {
                cd: DevNum::new(11, 1).unwrap()
            })
        );
        c.command = CMD_TEARDOWN;
        c.pkt_dev = 0xfd03;
        assert_eq!(
            c.parse(),
            Ok(Command::Teardown {
                pkt: DevNum::new(253, 3).unwrap()
            })
        );
        c.command = CMD_STATUS;
        c.dev_index = u32::MAX;
        assert_eq!(c.parse(), Ok(Command::Status { index: u32::MAX }));
        for bad in [3, 4, 0x8000_0000, u32::MAX] {
            c.command = bad;
            assert_eq!(c.parse(), Err(UnknownCommand(bad)));
        }
    }

    #[test]
    fn status_of_an_empty_slot_is_zeros_and_eight_devices() {
        let mut c = CtrlCommand {
            command: CMD_STATUS,
            dev: 5,
            pkt_dev: 6,
            ..Default::default()
        };
        c.answer_status(None);
        assert_eq!((c.dev, c.pkt_dev, c.num_devices), (0, 0, 8));
        let cd = DevNum::new(11, 0).unwrap();
        let pkt = DevNum::new(253, 0).unwrap();
        c.answer_status(Some((cd, pkt)));
        assert_eq!((c.dev, c.pkt_dev), (0x0b00, 0xfd00));
    }

    /// A slot table in an array, as the driver keeps it.
    #[derive(Default)]
    struct FakeSlots {
        slots: [Option<(DevNum, DevNum)>; MAX_WRITERS as usize],
    }

    impl Slots for FakeSlots {
        fn setup(&mut self, cd: DevNum) -> Result<DevNum, Errno> {
            if self.slots.iter().flatten().any(|(c, _)| *c == cd) {
                return Err(Errno::Busy);
            }
            let (i, slot) = self
                .slots
                .iter_mut()
                .enumerate()
                .find(|(_, s)| s.is_none())
                .ok_or(Errno::Busy)?;
            let pkt = DevNum::new(253, i as u32).unwrap();
            *slot = Some((cd, pkt));
            Ok(pkt)
        }
        fn teardown(&mut self, pkt: DevNum) -> Result<(), Errno> {
            let slot = self
                .slots
                .iter_mut()
                .find(|s| matches!(s, Some((_, p)) if *p == pkt))
                .ok_or(Errno::Nxio)?;
            *slot = None;
            Ok(())
        }
        fn status(&self, index: u32) -> Option<(DevNum, DevNum)> {
            self.slots.get(index as usize).copied().flatten()
        }
    }

    fn run(
        slots: &mut FakeSlots,
        command: u32,
        dev: u32,
        pkt_dev: u32,
        admin: bool,
    ) -> (Reply, CtrlCommand) {
        let mut c = CtrlCommand {
            command,
            dev,
            pkt_dev,
            ..Default::default()
        };
        let r = dispatch(&mut c, || admin, slots);
        (r, c)
    }

    #[test]
    fn setup_and_teardown_need_admin_and_copy_nothing_back() {
        let mut s = FakeSlots::default();
        for cmd in [CMD_SETUP, CMD_TEARDOWN] {
            let (r, _) = run(&mut s, cmd, 0x0b00, 0xfd00, false);
            assert_eq!(
                r,
                Reply {
                    result: Err(Errno::Perm),
                    copy_back: false
                }
            );
        }
        assert!(s.slots.iter().all(Option::is_none));
    }

    #[test]
    fn status_needs_no_admin_and_never_asks() {
        let mut s = FakeSlots::default();
        let mut c = CtrlCommand {
            command: CMD_STATUS,
            dev_index: 3,
            ..Default::default()
        };
        let r = dispatch(
            &mut c,
            || panic!("STATUS must not check capabilities"),
            &mut s,
        );
        assert_eq!(
            r,
            Reply {
                result: Ok(()),
                copy_back: true
            }
        );
        assert_eq!(c.num_devices, MAX_WRITERS);
    }

    #[test]
    fn unknown_commands_get_enotty_before_any_capability_check() {
        let mut s = FakeSlots::default();
        let mut c = CtrlCommand {
            command: 3,
            ..Default::default()
        };
        let r = dispatch(&mut c, || panic!("no capability check for ENOTTY"), &mut s);
        assert_eq!(r.result, Err(Errno::Notty));
        assert!(!r.copy_back);
    }

    #[test]
    fn full_cycle_with_errors_copied_back() {
        let mut s = FakeSlots::default();
        let (r, c) = run(&mut s, CMD_SETUP, 0x0b00, 0, true);
        assert_eq!(r.result, Ok(()));
        assert_eq!(c.pkt_dev, 0xfd00);
        // Mapping the same drive again: EBUSY, pkt_dev zeroed, copied back.
        let (r, c) = run(&mut s, CMD_SETUP, 0x0b00, 0x1234, true);
        assert_eq!(
            r,
            Reply {
                result: Err(Errno::Busy),
                copy_back: true
            }
        );
        assert_eq!(c.pkt_dev, 0);
        // TEARDOWN of the CD device number is unknown as a pkt device: ENXIO,
        // which is what pktsetup's fallback relies on.
        let (r, _) = run(&mut s, CMD_TEARDOWN, 0, 0x0b00, true);
        assert_eq!(r.result, Err(Errno::Nxio));
        let (r, _) = run(&mut s, CMD_TEARDOWN, 0, 0xfd00, true);
        assert_eq!(r.result, Ok(()));
        let (_, c) = run(&mut s, CMD_STATUS, 0, 0, false);
        assert_eq!((c.dev, c.pkt_dev), (0, 0));
    }
}
