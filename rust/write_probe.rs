// SPDX-License-Identifier: GPL-2.0

//! The write-open probe: asks the drive about its disc (the commands and
//! the parsing of their answers are `pktcore::mmc`'s), decides (in
//! `pktcore::probe`) whether and how it is written in packets, and programs
//! the drive: write parameters, speed, laser calibration.

use crate::cdrom::{CdHandle, DataDir, MmcError};
use crate::pktcore::{
    errno::Errno,
    fmt::Name,
    mmc::{self, cdb, Capabilities, DiscInfo, ModePageMut, TrackInfo, WriteParams},
    probe::{self, WriteSettings},
};
use kernel::prelude::*;

/// Probes the disc through `cd` for a writing session of device `name`.
/// `EROFS`, with one log line saying why and what to do, for discs that
/// cannot be written in packets.
/// Returns the settings and the write speed set (kB/s).
pub(crate) fn probe(cd: &CdHandle, name: &Name<32>) -> Result<(WriteSettings, u16), Errno> {
    let mut config = [0u8; 8];
    let profile = match cd.mmc(&cdb::get_configuration(8), &mut config, DataDir::Read, true) {
        Ok(()) => mmc::current_profile(&config),
        Err(_) => 0xffff,
    };
    let mut di = [0u8; DiscInfo::LEN];
    cd.mmc(&cdb::read_disc_information(), &mut di, DataDir::Read, true)
        .map_err(|_| Errno::Io)?;
    let mut ti = [0u8; TrackInfo::LEN];
    cd.mmc(&cdb::read_track_information(1), &mut ti, DataDir::Read, true)
        .map_err(|_| Errno::Io)?;
    let settings = match probe::decide(profile, &DiscInfo::parse(&di), &TrackInfo::parse(&ti)) {
        Ok(s) => s,
        Err(refusal) => {
            pr_info!(
                "{}: cannot write to the disc in {}: {}; {}\n",
                name.as_str(),
                cd.name().as_str(),
                refusal.reason,
                refusal.advice
            );
            return Err(Errno::Rofs);
        }
    };
    if let Some(params) = settings.write_params() {
        set_write_parameters(cd, &params)
            .inspect_err(|_| pr_err!("{}: failed saving write settings\n", name.as_str()))?;
    }
    // Write at the drive's speed: page 2A, as the C driver read it.
    let mut caps = [0u8; 255];
    let speed = match cd.mmc(&cdb::mode_sense(Capabilities::PAGE, 255), &mut caps, DataDir::Read, true) {
        Ok(()) => Capabilities::find(&caps).ok().and_then(|c| c.write_speed()).unwrap_or(16 * 177),
        Err(_) => 16 * 177,
    };
    let speed = u16::try_from(speed).unwrap_or(0xffff);
    cd.command(&cdb::set_speed(speed, speed), true).map_err(|_| {
        pr_err!("{}: couldn't set write speed\n", name.as_str());
        Errno::Io
    })?;
    if cd.command(&cdb::send_opc(), true).is_err() {
        pr_info!("{}: optimum power calibration failed\n", name.as_str());
    }
    let kind = if settings.program_page05 { "Fixed" } else { "Random-access" };
    let mode = if settings.block_mode == 10 { 2 } else { 1 };
    pr_info!(
        "{}: {} packets, {} blocks, Mode-{} disc, write speed {}kB/s\n",
        name.as_str(),
        kind,
        settings.geometry.frames(),
        mode,
        speed
    );
    Ok((settings, speed))
}

/// Programs mode page 05 for fixed packets (CD-RW, DVD-RW restricted
/// overwrite).
fn set_write_parameters(cd: &CdHandle, params: &WriteParams) -> Result<(), Errno> {
    let log = |what: &str, e: MmcError| {
        pr_err!(
            "{}: {} failed: error {}, sense {:02x}/{:02x}/{:02x}\n",
            cd.name().as_str(),
            what,
            e.errno.to_raw(),
            e.sense[0],
            e.sense[1],
            e.sense[2]
        );
        Errno::Io
    };
    let mut buf = [0u8; 128];
    cd.mmc(&cdb::mode_sense(WriteParams::PAGE, 128), &mut buf, DataDir::Read, true)
        .map_err(|e| log("MODE SENSE of the write parameters page", e))?;
    let mut page = ModePageMut::find(&mut buf, WriteParams::PAGE).map_err(|e| {
        pr_err!("{}: write parameters page: {}\n", cd.name().as_str(), e.reason);
        Errno::Io
    })?;
    params.fill(page.bytes_mut());
    let (select, list) = page.into_select();
    cd.mmc(&select, list, DataDir::Write, false)
        .map_err(|e| log("MODE SELECT of the write parameters page", e))
}
