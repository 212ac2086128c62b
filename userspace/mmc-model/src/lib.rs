//! A transport-free model of a rewritable MMC optical drive.
//!
//! [`Drive::execute`] takes a CDB and its data-out and returns the status,
//! sense, data-in and the modelled drive time; nothing here does I/O except
//! through the [`Store`] the drive is given.  The TCMU adapter
//! (`mmc-drive`) puts it behind the Linux SCSI target so that the kernel's
//! `sr` driver binds it as `/dev/srN`; tests drive it directly.
//!
//! Media: CD-RW (blank, fixed packets, MRW), DVD-RW (sequential,
//! restricted overwrite), DVD+RW, DVD-RAM, BD-RE, and write-once CD-R and
//! DVD-R to test refusals.  See `Documentation/mmc-drive.rst`.

pub mod bytes;
pub mod control;
pub mod counters;
mod discinfo;
pub mod drive;
pub mod faults;
mod format;
pub mod fuzz_rng;
mod identify;
mod io;
mod mechanism;
pub mod media;
pub mod sense;
pub mod store;
pub mod timing;

pub use drive::{direction, Completion, Direction, Drive, DriveConfig, Status};
pub use media::{Medium, MediumKind, MediumState, Preset, PRESETS};
pub use store::{MemStore, Store, BLOCK};
