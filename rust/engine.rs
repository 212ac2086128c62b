// SPDX-License-Identifier: GPL-2.0

//! The worker thread of a writing session: the executor of the packet
//! engine (`pktcore::engine`), which makes every decision.
//!
//! Data path: bio in (`device.rs` cuts writes at zone boundaries into
//! pieces, each a share of the bio) -> the engine (zones, packets, C-SCAN,
//! flushes) -> its actions, carried out here: gather reads and packet
//! writes in the packet buffers' pages, SYNCHRONIZE CACHE, SET CD SPEED,
//! and completions (`OwnedBio::end`: a bio fails if any of its pieces
//! failed).  The worker takes the queue lock only to move requests (and to
//! wait for them); all drive I/O runs without locks.

use crate::bio::OwnedBio;
use crate::device::PktDevice;
use crate::packet::PacketBuf;
use crate::pktcore::mmc::cdb;
use crate::pktcore::{
    engine::{Action, Due, Engine, Execute, Limits, Tables, Wait, MAX_RUN},
    errno::Errno,
    ticks::Tick,
};
use crate::queue::Request;
use crate::shim;
use crate::worker;
use kernel::prelude::*;

/// How long an idle worker sleeps before it looks again, ms.
const IDLE_MS: u32 = 1000;

/// Carries out the engine's actions on the device's drive.
struct Executor<'a> {
    dev: &'a PktDevice,
    /// The packet buffers' pages, indexed as the engine's buffer slots.
    buffers: KVec<PacketBuf>,
}

impl Execute<OwnedBio> for Executor<'_> {
    fn execute(&mut self, action: Action<'_, OwnedBio>) -> Result<(), Errno> {
        let cd = self.dev.cd_handle();
        match action {
            Action::Gather { buffer, zone, first, count } => {
                let buf = self.buffers.get_mut(buffer).ok_or(Errno::Io)?;
                buf.read(cd, zone, first, count)?;
                self.dev.count_gather(count);
                Ok(())
            }
            Action::Fill { buffer, at, request, skip, frames } => {
                if let Some(buf) = self.buffers.get_mut(buffer) {
                    buf.fill_from(at, request, skip, frames);
                }
                Ok(())
            }
            Action::WritePackets { zone, buffers: &[buffer] } => {
                self.buffers.get_mut(buffer).ok_or(Errno::Io)?.write(cd, zone)
            }
            Action::WritePackets { zone, buffers } => {
                let mut run = [None; MAX_RUN];
                for (slot, &i) in run.iter_mut().zip(buffers) {
                    *slot = self.buffers.get(i);
                }
                PacketBuf::write_run(cd, zone, run.get(..buffers.len()).ok_or(Errno::Io)?)
            }
            Action::SynchronizeCache => {
                cd.synchronize_cache().map_err(|_| Errno::Io)?;
                // A unit attention that another command met first (the
                // event poller's, say) hides a reset from the flush itself:
                // the drive may have lost its cache, so the flush cannot
                // vouch for what it held.
                if cd.media_changed() {
                    pr_err!("{}: the drive was reset or its disc may have changed: the flush fails\n", self.dev.name.as_str());
                    return Err(Errno::Io);
                }
                Ok(())
            }
            Action::SetSpeed { read, write } => cd.command(&cdb::set_speed(read, write), true).map_err(|_| Errno::Io),
            Action::PassRead(bio) => {
                bio.remap(cd);
                Ok(())
            }
            Action::Complete(bio, result) => {
                bio.end(result);
                Ok(())
            }
            Action::PacketDone { zone, data_frames, result } => {
                if let Err(e) = result {
                    pr_err!(
                        "{}: writing the packet at frame {} failed (error {})\n",
                        self.dev.name.as_str(),
                        zone,
                        e.to_raw()
                    );
                }
                self.dev.packet_done(data_frames, result.is_ok());
                Ok(())
            }
            Action::WritesDone(count) => {
                self.dev.writes_done(count);
                Ok(())
            }
        }
    }

    fn now(&self) -> Tick {
        shim::jiffies()
    }
}

/// The worker: runs until the session ends and it is asked to stop.
pub(crate) fn run(dev: &PktDevice) {
    let (session, settings) = {
        let mut q = dev.queue.lock();
        (q.session.take(), q.settings)
    };
    let (Some(session), Some(settings)) = (session, settings) else {
        return;
    };
    let mut tables = session.tables;
    let mut batch = session.batch;
    let mut ex = Executor { dev, buffers: session.buffers };
    // Random-writable media: adjacent whole packets in one WRITE, as many
    // as the drive takes in one command.
    let limits = Limits {
        max_run: settings.packets_per_write(dev.cd_handle().max_write_frames()),
        ..Limits::new(shim::ms_to_jiffies)
    };
    let tables = Tables {
        pieces: &mut tables.pieces,
        zones: &mut tables.zones,
        buffers: &mut tables.buffers,
        held: &mut tables.held,
    };
    let mut engine = Engine::new(settings.geometry, session.write_speed, limits, tables);
    loop {
        let (stopping, due) = take_requests(dev, &mut engine, &mut batch);
        for r in batch.drain_all() {
            match r {
                Request::Read(bio, bytes) => engine.read(bio, bytes, &mut ex),
                Request::Write(piece) => engine.write(piece, &mut ex),
                Request::Barrier(bio) => {
                    let _ = engine.barrier(bio, &mut ex);
                }
            }
        }
        if let Some(due) = due {
            engine.timer(due, &mut ex);
        }
        if stopping {
            engine.write_all(&mut ex);
            if dev.close_queue_if_empty() {
                let _ = engine.finish(&mut ex);
                // Return only when told to: kthread_stop needs the thread alive.
                let mut q = dev.queue.lock();
                while !worker::should_stop() {
                    let _ = dev.work.wait_interruptible_timeout(&mut q, shim::ms_to_jiffies(100));
                }
                return;
            }
        }
    }
}

/// Waits for requests, as long as the engine says, and takes them into
/// `batch` (emptied, with its room: swapped with the queue's, so that
/// neither side allocates).  Returns whether the session ends, and what
/// came due if the wait ended without requests.
fn take_requests(dev: &PktDevice, engine: &mut Engine<'_, OwnedBio>, batch: &mut KVVec<Request>)
    -> (bool, Option<Due>)
{
    let mut q = dev.queue.lock();
    let mut due = None;
    engine.begin_wait(shim::jiffies());
    while q.incoming.is_empty() && !q.stopping && !worker::should_stop() {
        let timeout = match engine.idle(shim::jiffies()) {
            Wait::Due(d) => {
                due = Some(d);
                break;
            }
            Wait::Ticks(t) => t,
            Wait::Idle => shim::ms_to_jiffies(IDLE_MS),
        };
        let _ = dev.work.wait_interruptible_timeout(&mut q, timeout.max(1));
    }
    let stopping = q.stopping || worker::should_stop();
    if !q.incoming.is_empty() {
        core::mem::swap(&mut q.incoming, batch);
        drop(q);
        // Room again for the submitters that waited for it.
        dev.room.notify_all();
        engine.taken(shim::jiffies());
    }
    (stopping, due)
}
