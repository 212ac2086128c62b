//! The drive's clock, command by command: what streaming, seeking,
//! calibrating and verifying cost (Documentation/mmc-drive.rst, "Timing").

use mmc_model::timing::{Rotation, COMMAND_OVERHEAD, OPC, RW_SWITCH};
use mmc_model::{Drive, DriveConfig, MediumKind, MemStore, Preset, Status};

/// A drive holding a full-size `preset`, past its power-on unit attention.
fn drive(preset: &str) -> Drive {
    let medium = Preset::find(preset).map(|p| p.medium(None));
    let mut d = Drive::new(DriveConfig::default(), medium, Box::new(MemStore::new()));
    d.execute(&[0; 6], &[]);
    d
}

fn rw10(op: u8, lba: u32, count: u16) -> Vec<u8> {
    let mut c = vec![op, 0];
    c.extend_from_slice(&lba.to_be_bytes());
    c.push(0);
    c.extend_from_slice(&count.to_be_bytes());
    c.push(0);
    c
}

/// Drive time of one WRITE (10) of `count` blocks at `lba`.
fn write(d: &mut Drive, lba: u32, count: u16) -> u64 {
    let c = d.execute(&rw10(0x2a, lba, count), &vec![7; usize::from(count) * 2048]);
    assert_eq!(c.status, Status::Good, "write {lba}+{count}: {:?}", c.sense);
    c.time_ns
}

/// Drive time of one READ (10).
fn read(d: &mut Drive, lba: u32, count: u16) -> u64 {
    let c = d.execute(&rw10(0x28, lba, count), &[]);
    assert_eq!(c.status, Status::Good, "read {lba}+{count}: {:?}", c.sense);
    c.time_ns
}

const CD_W: u32 = 10 * 176;
const CD_R: u32 = 24 * 176;

#[test]
fn consecutive_cd_rw_packets_are_written_in_stream() {
    let mut d = drive("cdrw");
    write(&mut d, 0, 32);
    let seeks = d.counters().seeks;
    let n = 20;
    for k in 1..=n {
        // Each packet: its 7 link blocks and 32 user blocks, nothing else.
        let at = Rotation::of(MediumKind::CdRw, 39 * k, CD_W);
        assert_eq!(
            write(&mut d, 32 * k, 32),
            COMMAND_OVERHEAD + at.blocks_ns(39),
            "packet {k}"
        );
    }
    assert_eq!(d.counters().seeks, seeks, "no seek between packets");
    // The whole run: N × (overhead + 39 blocks), the blocks at 10x CD
    // (750 sectors a second of 2352 bytes).
    let t0 = d.now();
    for k in n + 1..=2 * n {
        write(&mut d, 32 * k, 32);
    }
    assert_eq!(
        d.now() - t0,
        u64::from(n) * (COMMAND_OVERHEAD + 39 * 2352 * 1_000_000 / u64::from(CD_W))
    );
    // A packet left out: the head must come round to the next one.
    let t = write(&mut d, 32 * (2 * n + 2), 32);
    assert_eq!(d.counters().seeks, seeks + 1, "a gap seeks");
    assert!(
        t > COMMAND_OVERHEAD + Rotation::of(MediumKind::CdRw, 0, CD_W).blocks_ns(39) + 10_000_000
    );
    // Back to the start: a seek too.
    write(&mut d, 0, 32);
    assert_eq!(d.counters().seeks, seeks + 2);
}

#[test]
fn reads_pass_the_link_blocks_in_stream() {
    let mut d = drive("cdrw");
    for k in 0..4 {
        write(&mut d, 32 * k, 32);
    }
    // Reading what follows the last packet written: the switch to reading
    // and its link blocks, no seek.
    write(&mut d, 32 * 8, 32);
    let seeks = d.counters().seeks;
    let rot = Rotation::of(MediumKind::CdRw, 39 * 9, CD_R);
    assert_eq!(
        read(&mut d, 32 * 9, 32),
        COMMAND_OVERHEAD + RW_SWITCH + rot.blocks_ns(7) + rot.blocks_ns(32)
    );
    // And on through the next packets, link blocks and all.
    assert_eq!(
        read(&mut d, 32 * 10, 64),
        COMMAND_OVERHEAD + rot.blocks_ns(7) + rot.blocks_ns(64)
    );
    assert_eq!(d.counters().seeks, seeks);
    // Back to packet 0: a seek with half a turn at the inner edge.
    let t = read(&mut d, 0, 32);
    assert_eq!(d.counters().seeks, seeks + 1);
    let lat = Rotation::of(MediumKind::CdRw, 7, CD_R).latency_ns();
    assert!(t > COMMAND_OVERHEAD + 10_000_000 + lat);
}

#[test]
fn mrw_packets_stream_and_partial_ones_are_rewritten_whole() {
    let mut d = drive("cdrw-mrw");
    write(&mut d, 0, 32);
    let seeks = d.counters().seeks;
    let at = Rotation::of(MediumKind::CdRw, 39, CD_W);
    assert_eq!(write(&mut d, 32, 32), COMMAND_OVERHEAD + at.blocks_ns(39));
    assert_eq!(d.counters().seeks, seeks);
    assert_eq!(d.counters().media_blocks_written, 2 * 39);
    // 4 blocks into packet 2: the drive reads the packet and records it
    // whole, link blocks and all, still in stream.
    let t = write(&mut d, 64, 4);
    let c = d.counters();
    assert_eq!((c.rmw_events, c.media_blocks_written), (1, 3 * 39));
    assert_eq!(c.seeks, seeks);
    assert!(t > COMMAND_OVERHEAD + at.blocks_ns(39));
    assert_eq!(c.wear.len(), 3 * 39);
}

#[test]
fn opc_once_per_disc_and_speed() {
    let mut d = drive("cdrw");
    let opc = [0x54, 1, 0, 0, 0, 0, 0, 0, 0, 0];
    assert_eq!(d.execute(&opc, &[]).time_ns, COMMAND_OVERHEAD + OPC);
    assert_eq!(d.execute(&opc, &[]).time_ns, COMMAND_OVERHEAD, "kept");
    let t = write(&mut d, 0, 32);
    assert!(t < OPC, "calibrated already");
    assert_eq!(d.counters().opc_runs, 1);
    // Another speed: calibrated before its first write, asked or not.
    let set_speed = |w: u16| {
        let mut c = vec![0xbb, 0, 0xff, 0xff];
        c.extend_from_slice(&w.to_be_bytes());
        c.extend_from_slice(&[0; 6]);
        c
    };
    assert_eq!(d.execute(&set_speed(4 * 176), &[]).status, Status::Good);
    assert!(write(&mut d, 32, 32) > OPC);
    assert_eq!(d.counters().opc_runs, 2);
    // Back to 10x: still known.
    d.execute(&set_speed(10 * 176), &[]);
    assert!(write(&mut d, 64, 32) < OPC);
    // The disc taken out and put back: calibrated again.
    d.control("eject").unwrap();
    d.control("insert").unwrap();
    while d.execute(&[0; 6], &[]).status != Status::Good {}
    assert_eq!(d.execute(&opc, &[]).time_ns, COMMAND_OVERHEAD + OPC);
    assert_eq!(d.counters().opc_runs, 3);
}

#[test]
fn dvd_ram_verifies_each_write_a_turn_later() {
    let mut d = drive("dvdram");
    let w = 5 * 1385;
    write(&mut d, 0, 16);
    let rot = Rotation::of(MediumKind::DvdRam, 16, w);
    // One ECC block: written, then read back when it comes round again.
    assert_eq!(
        write(&mut d, 16, 16),
        COMMAND_OVERHEAD + rot.blocks_ns(16) + rot.revolution_ns()
    );
    // Many turns' worth at once: at best half the rate.
    let t = write(&mut d, 32, 1024);
    assert!(t >= 2 * Rotation::of(MediumKind::DvdRam, 32, w).blocks_ns(1024));
    assert_eq!(d.counters().seeks, 0);
    // DVD+RW does not verify: ECC blocks in stream at the write speed.
    let mut d = drive("dvd+rw");
    write(&mut d, 0, 16);
    let rot = Rotation::of(MediumKind::DvdPlusRw, 16, 4 * 1385);
    assert_eq!(write(&mut d, 16, 16), COMMAND_OVERHEAD + rot.blocks_ns(16));
}

#[test]
fn the_clock_repeats() {
    let run = || {
        let mut d = drive("cdrw");
        for k in [0u32, 1, 2, 7, 3, 100, 101, 5000] {
            write(&mut d, 32 * k, 32);
            read(&mut d, 32 * (k + 1), 8);
        }
        d.now()
    };
    assert_eq!(run(), run());
}
