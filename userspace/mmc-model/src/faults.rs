//! Injected faults: sticky or counted failures the control channel sets.

use crate::drive::Drive;
use crate::sense::{self, Sense};

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultKind {
    /// WRITE to the range fails with 3/0C/00.
    WriteError,
    /// READ from the range fails with 3/11/00.
    ReadError,
    /// Every medium access fails with 2/04/00 (not ready).
    NotReady,
    /// Every command takes `ms` longer, in virtual and in real time.
    Slow {
        /// Added milliseconds.
        ms: u32,
    },
}

/// A fault rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fault {
    /// What goes wrong.
    pub kind: FaultKind,
    /// First LBA it applies to (read and write errors).
    pub start: u32,
    /// LBA past the last it applies to.
    pub end: u32,
    /// How many more times it fires; `None`: until cleared (sticky).
    pub remaining: Option<u32>,
}

/// 2/04/00: logical unit not ready, cause not reportable.
const NOT_READY: Sense = Sense::new(2, 0x04, 0x00);

impl Drive {
    /// Adds a fault rule.
    pub fn inject(&mut self, fault: Fault) {
        self.faults.push(fault);
    }

    /// Removes every fault rule.
    pub fn clear_faults(&mut self) {
        self.faults.clear();
    }

    /// The sense of a matching fault for an access of `count` blocks at
    /// `lba`, counting it down.
    pub(crate) fn fault_for(&mut self, kind: FaultKind, lba: u32, count: u32) -> Option<Sense> {
        let end = lba.saturating_add(count.max(1));
        let hit = self
            .faults
            .iter_mut()
            .find(|f| f.kind == kind && f.start < end && lba < f.end && f.remaining != Some(0))?;
        if let Some(n) = hit.remaining.as_mut() {
            *n -= 1;
        }
        self.faults.retain(|f| f.remaining != Some(0));
        self.counters.faults_injected += 1;
        Some(match kind {
            FaultKind::WriteError => sense::WRITE_ERROR,
            FaultKind::ReadError => sense::READ_ERROR,
            _ => NOT_READY,
        })
    }

    /// The sense of an active not-ready fault.
    pub(crate) fn fault_not_ready(&mut self) -> Option<Sense> {
        self.fault_for(FaultKind::NotReady, 0, u32::MAX)
    }
}
