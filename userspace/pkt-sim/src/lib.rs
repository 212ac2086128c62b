//! pkt-sim: the packet engine driven against the drive model, no kernel,
//! no QEMU.
//!
//! A block-request trace captured in the guest (`tests/guest/bench/run.sh`
//! with `pktparam_trace=1`, `scripts/capture-trace`) is replayed: the
//! requests reach `pktcore::engine` through an executor that does what
//! the module's submission path and worker do ([`sim`]), and the engine's
//! actions become commands to `mmc-model`'s drive.  The drive's counters
//! come out in the shape the guest's bench prints, so `pkt-bench`
//! computes the same figures from them ([`compare`] puts the guest's and
//! the replay's side by side).  See Documentation/benchmarks.rst,
//! "Replaying on the host".

pub mod compare;
pub mod perfect;
pub mod sim;
pub mod trace;
