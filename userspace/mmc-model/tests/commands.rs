//! Byte-exact responses of the drive model, command by command and medium
//! by medium, and the rules a real drive enforces.

use mmc_model::sense::{self, Sense};
use mmc_model::{Completion, Drive, DriveConfig, MemStore, Preset, Status};

const BLOCKS: u32 = 65_536;

/// A drive holding `preset` (or nothing), past its power-on unit attention.
fn drive(preset: &str) -> Drive {
    let medium = Preset::find(preset).map(|p| p.medium(Some(BLOCKS)));
    let mut d = Drive::new(DriveConfig::default(), medium, Box::new(MemStore::new()));
    let ua = d.execute(&[0; 6], &[]);
    assert_eq!(ua.sense, Some(sense::POWER_ON_RESET));
    d
}

fn ok(d: &mut Drive, cdb: &[u8]) -> Vec<u8> {
    let c = d.execute(cdb, &[]);
    assert_eq!(c.status, Status::Good, "{cdb:02x?} failed: {:?}", c.sense);
    c.data_in
}

fn fails(d: &mut Drive, cdb: &[u8], data: &[u8]) -> Sense {
    let c: Completion = d.execute(cdb, data);
    assert_eq!(c.status, Status::CheckCondition, "{cdb:02x?} should fail");
    c.sense.unwrap()
}

fn write10(lba: u32, count: u16) -> Vec<u8> {
    let mut c = vec![0x2a, 0];
    c.extend_from_slice(&lba.to_be_bytes());
    c.push(0);
    c.extend_from_slice(&count.to_be_bytes());
    c.push(0);
    c
}

fn read10(lba: u32, count: u16) -> Vec<u8> {
    let mut c = write10(lba, count);
    c[0] = 0x28;
    c
}

#[test]
fn inquiry_standard_and_vpd() {
    let mut d = drive("dvdram");
    let b = ok(&mut d, &[0x12, 0, 0, 0, 96, 0]);
    assert_eq!(&b[..8], &[0x05, 0x80, 0x05, 0x02, 31, 0, 0, 0]);
    assert_eq!(&b[8..36], b"PKTCDVD Emulated RW Dr. 1.00");
    assert_eq!(
        ok(&mut d, &[0x12, 0, 0, 0, 4, 0]).len(),
        4,
        "allocation length obeyed"
    );
    assert_eq!(
        ok(&mut d, &[0x12, 1, 0, 0, 255, 0]),
        vec![5, 0, 0, 2, 0x00, 0x80]
    );
    assert_eq!(
        ok(&mut d, &[0x12, 1, 0x80, 0, 255, 0]),
        b"\x05\x80\x00\x09PKTRS0001".to_vec()
    );
    assert_eq!(
        fails(&mut d, &[0x12, 1, 0x83, 0, 255, 0], &[]),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn no_medium_and_unknown_opcodes() {
    let mut d = drive("none");
    assert_eq!(fails(&mut d, &[0; 6], &[]), sense::NO_MEDIUM_TRAY_CLOSED);
    assert_eq!(
        fails(&mut d, &[0xe7, 0, 0, 0, 0, 0], &[]),
        sense::INVALID_OPCODE
    );
    let rs = ok(&mut d, &[0x03, 0, 0, 0, 18, 0]);
    assert_eq!((rs[2], rs[12], rs[13]), (2, 0x3a, 0x01));
    // GET CONFIGURATION with no disc: current profile 0, the profile list
    // (12 profiles) with no current one.
    let b = ok(&mut d, &[0x46, 2, 0, 0, 0, 0, 0, 0, 255, 0]);
    assert_eq!(&b[..12], &[0, 0, 0, 56, 0, 0, 0, 0, 0, 0, 0x03, 48]);
    assert!(b[12..].chunks(4).all(|p| p[2] == 0));
}

#[test]
fn current_profile_of_every_medium() {
    for (preset, profile) in [
        ("cdrw-blank", 0x0a),
        ("cdrw", 0x0a),
        ("cdrw-mrw", 0x0a),
        ("dvdrw-seq", 0x14),
        ("dvdrw", 0x13),
        ("dvd+rw-blank", 0x1a),
        ("dvd+rw", 0x1a),
        ("dvdram", 0x12),
        ("bdre-blank", 0x43),
        ("bdre", 0x43),
        ("cdr", 0x09),
        ("dvdr", 0x11),
    ] {
        let mut d = drive(preset);
        let b = ok(&mut d, &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]);
        assert_eq!(u16::from_be_bytes([b[6], b[7]]), profile, "{preset}");
    }
}

#[test]
fn random_writable_feature_and_mrw_only_with_mrw_disc() {
    let mut d = drive("dvdram");
    let b = ok(&mut d, &[0x46, 2, 0x00, 0x20, 0, 0, 0, 0, 255, 0]);
    let last = BLOCKS - 1;
    let mut want = vec![0, 0, 0, 20, 0, 0, 0, 0x12, 0x00, 0x20, 0x05, 12];
    want.extend_from_slice(&last.to_be_bytes());
    want.extend_from_slice(&[0, 0, 8, 0, 0, 16, 0, 0]);
    assert_eq!(b, want);
    // The kernel asks RT=0 from 0x28 and looks at the first descriptor.
    let b = ok(&mut d, &[0x46, 0, 0x00, 0x28, 0, 0, 0, 0, 16, 0]);
    assert_eq!(
        &b[8..10],
        &[0x00, 0x2a],
        "no MRW feature without an MRW disc"
    );
    let mut d = drive("cdrw-mrw");
    let b = ok(&mut d, &[0x46, 0, 0x00, 0x28, 0, 0, 0, 0, 16, 0]);
    assert_eq!(&b[8..13], &[0x00, 0x28, 0x05, 4, 0x01]);
}

#[test]
fn capabilities_page_2a() {
    let mut d = drive("dvdram");
    let b = ok(&mut d, &[0x1a, 0, 0x2a, 0, 128, 0]);
    assert_eq!(&b[..4], &[43, 0, 0, 0], "mode parameter header (6)");
    let p = &b[4..];
    assert_eq!(
        p,
        &[
            0x2a, 38, 0x3f, 0x37, 0x70, 0x03, 0x29, 0, 0x21, 0x00, 0x01, 0x00, 0x08, 0x00, 0x1b,
            0x0d, 0, 0, 0x1b, 0x0d, 0x1b, 0x0d, 0, 0, 0, 0, 0, 0, 0x1b, 0x0d, 0, 2, 0, 0, 0x1b,
            0x0d, 0, 0, 0x0d, 0x86
        ][..]
    );
    assert_eq!(
        fails(&mut d, &[0x5a, 0, 0xea, 0, 0, 0, 0, 0, 255, 0], &[]),
        sense::SAVING_NOT_SUPPORTED
    );
}

#[test]
fn write_parameters_page_of_fixed_packet_cd_rw() {
    let mut d = drive("cdrw");
    let b = ok(&mut d, &[0x5a, 0, 0x05, 0, 0, 0, 0, 0, 255, 0]);
    assert_eq!(&b[..8], &[0, 58, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        &b[8..20],
        &[0x05, 0x32, 0x00, 0x27, 10, 7, 0, 0, 0x20, 0, 0, 0]
    );
    assert_eq!(&b[18..22], &32u32.to_be_bytes());
    // MODE SELECT of a packet-size change sticks; a bad write type is refused.
    let mut list = b.clone();
    list[0] = 0;
    list[1] = 0;
    list[18..22].copy_from_slice(&16u32.to_be_bytes());
    let c = d.execute(&[0x55, 0x10, 0, 0, 0, 0, 0, 0, list.len() as u8, 0], &list);
    assert_eq!(c.status, Status::Good);
    assert_eq!(
        &ok(&mut d, &[0x5a, 0, 0x05, 0, 0, 0, 0, 0, 255, 0])[18..22],
        &16u32.to_be_bytes()
    );
    list[10] = 0x0f;
    assert_eq!(
        fails(
            &mut d,
            &[0x55, 0x10, 0, 0, 0, 0, 0, 0, list.len() as u8, 0],
            &list
        ),
        sense::INVALID_FIELD_IN_PARAMETERS
    );
}

#[test]
fn disc_information_of_every_medium() {
    // (preset, byte 2 status, byte 7, byte 8 disc type)
    for (preset, status, b7, disc_type) in [
        ("cdrw-blank", 0x10, 0x20, 0x00),
        ("cdrw", 0x1e, 0x20, 0x20),
        ("cdrw-mrw", 0x1f, 0x23, 0x20),
        ("dvdrw-seq", 0x10, 0x20, 0xff),
        ("dvdrw", 0x1e, 0x20, 0xff),
        ("dvd+rw", 0x1e, 0x20, 0xff),
        ("dvdram", 0x1f, 0x20, 0xff),
        ("bdre", 0x1f, 0x20, 0xff),
        ("cdr", 0x00, 0x20, 0x00),
    ] {
        let mut d = drive(preset);
        let b = ok(&mut d, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
        assert_eq!(b.len(), 34, "{preset}");
        assert_eq!(&b[..2], &[0, 32]);
        assert_eq!(
            (b[2], b[3], b[4], b[5], b[6]),
            (status, 1, 1, 1, 1),
            "{preset}"
        );
        assert_eq!((b[7], b[8]), (b7, disc_type), "{preset}");
    }
    // CD: lead-in 97:26:66, last possible lead-out = the disc's end as MSF.
    let mut d = drive("cdrw-blank");
    let b = ok(&mut d, &[0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0]);
    let end = BLOCKS + 150;
    assert_eq!(
        &b[16..24],
        &[
            0,
            97,
            26,
            66,
            0,
            (end / 4500) as u8,
            ((end / 75) % 60) as u8,
            (end % 75) as u8
        ]
    );
}

#[test]
fn track_information_of_fixed_packet_cd_rw() {
    let mut d = drive("cdrw");
    let b = ok(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0]);
    let user = BLOCKS / 39 * 32;
    let mut want = vec![0u8; 48];
    want[1] = 46;
    want[2] = 1;
    want[3] = 1;
    want[5] = 0x07;
    want[6] = 0x32;
    want[7] = 0x02;
    want[20..24].copy_from_slice(&32u32.to_be_bytes());
    want[24..28].copy_from_slice(&user.to_be_bytes());
    want[28..32].copy_from_slice(&(user - 1).to_be_bytes());
    assert_eq!(b, want);
    assert_eq!(
        ok(&mut d, &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        [(user - 1).to_be_bytes(), 2048u32.to_be_bytes()].concat()
    );
    assert_eq!(
        fails(&mut d, &[0x52, 1, 0, 0, 0, 2, 0, 0, 48, 0], &[]),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn blank_cd_rw_track_is_reserved_and_blank() {
    let mut d = drive("cdrw-blank");
    let b = ok(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 32, 0]);
    assert_eq!((b[5], b[6], b[7]), (0x04, 0xe1, 0x01));
    assert_eq!(&b[16..20], &BLOCKS.to_be_bytes(), "free blocks");
    // No TOC on a blank disc.
    assert_eq!(
        fails(&mut d, &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0], &[]),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn toc_session_and_atip() {
    let mut d = drive("dvdram");
    let toc = ok(&mut d, &[0x43, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    let mut want = vec![0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x14, 0xaa, 0];
    want.extend_from_slice(&BLOCKS.to_be_bytes());
    assert_eq!(toc, want);
    // sr's legacy "session info" form: format 0 with control byte 0x40.
    let s = ok(&mut d, &[0x43, 0, 0, 0, 0, 0, 0, 0, 12, 0x40]);
    assert_eq!(s, vec![0, 10, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0]);
    assert_eq!(
        fails(&mut d, &[0x43, 2, 4, 0, 0, 0, 0, 0, 28, 0], &[]),
        sense::INVALID_FIELD_IN_CDB
    );
    let mut d = drive("cdrw");
    let atip = ok(&mut d, &[0x43, 2, 4, 0, 0, 0, 0, 0, 28, 0]);
    assert_eq!(&atip[..8], &[0, 26, 0, 0, 0x55, 0, 0xcc, 0]);
    assert_eq!(&atip[8..11], &[97, 26, 66]);
    assert_eq!(atip[16], 0x14);
}

#[test]
fn format_capacities() {
    let mut d = drive("dvd+rw-blank");
    let b = ok(&mut d, &[0x23, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    let mut want = vec![0, 0, 0, 16];
    want.extend_from_slice(&BLOCKS.to_be_bytes());
    want.extend_from_slice(&[0x01, 0, 8, 0]);
    want.extend_from_slice(&BLOCKS.to_be_bytes());
    want.extend_from_slice(&[0x26 << 2, 0, 0, 0]);
    assert_eq!(b, want);
    let mut d = drive("dvdram");
    let b = ok(&mut d, &[0x23, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    assert_eq!(b[8], 0x02, "formatted");
    // A restricted overwrite DVD-RW lists the full format (00h) first,
    // then 10h and 15h with their 16-block packets.
    let mut d = drive("dvdrw");
    let b = ok(&mut d, &[0x23, 0, 0, 0, 0, 0, 0, 0, 255, 0]);
    assert_eq!(b[3], 32);
    assert_eq!(&b[12..20], &[0, 1, 0, 0, 0x00, 0, 8, 0]);
    assert_eq!(&b[20..28], &[0, 1, 0, 0, 0x10 << 2, 0, 0, 16]);
    assert_eq!(&b[28..36], &[0, 1, 0, 0, 0x15 << 2, 0, 0, 16]);
    let mut d = drive("none");
    assert_eq!(
        ok(&mut d, &[0x23, 0, 0, 0, 0, 0, 0, 0, 255, 0]),
        vec![0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 3, 0, 8, 0]
    );
}

#[test]
fn fixed_packet_media_take_only_whole_aligned_packets() {
    let mut d = drive("cdrw");
    let packet = vec![0x5au8; 32 * 2048];
    assert_eq!(
        fails(&mut d, &write10(1, 32), &packet),
        sense::INVALID_WRITE_ADDRESS
    );
    assert_eq!(
        fails(&mut d, &write10(0, 16), &packet),
        sense::INVALID_WRITE_ADDRESS
    );
    assert_eq!(
        fails(
            &mut d,
            &write10(32, 64),
            &[packet.clone(), packet.clone()].concat()
        ),
        sense::INVALID_WRITE_ADDRESS
    );
    assert_eq!(d.counters().refused_misaligned_writes, 3);
    assert_eq!(d.execute(&write10(64, 32), &packet).status, Status::Good);
    assert_eq!(ok(&mut d, &read10(64, 32)), packet);
    let c = d.counters();
    assert_eq!(
        (
            c.blocks_written,
            c.media_blocks_written,
            c.write_commands,
            c.unaligned_writes
        ),
        (32, 39, 1, 0)
    );
    assert_eq!(c.wear.len(), 39, "a packet and its link blocks");
}

#[test]
fn dvd_plus_rw_partial_ecc_blocks_cost_read_modify_write() {
    let mut d = drive("dvd+rw");
    assert_eq!(d.execute(&write10(3, 1), &[1u8; 2048]).status, Status::Good);
    assert_eq!(
        d.execute(&write10(16, 16), &[2u8; 16 * 2048]).status,
        Status::Good
    );
    assert_eq!(
        d.execute(&write10(40, 16), &[3u8; 16 * 2048]).status,
        Status::Good
    );
    // Several whole ECC blocks in one WRITE: aligned, recorded in stream.
    assert_eq!(
        d.execute(&write10(64, 48), &[4u8; 48 * 2048]).status,
        Status::Good
    );
    let c = d.counters();
    assert_eq!(
        c.rmw_events, 3,
        "one partial block, none, two partial ends, none"
    );
    assert_eq!(c.media_blocks_written, 16 + 16 + 32 + 48);
    assert_eq!(c.unaligned_writes, 2);
    let m = d.medium().unwrap();
    assert!(
        m.dirty,
        "written DVD+RW is dirty until its session is closed"
    );
    ok(&mut d, &[0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    assert!(!d.medium().unwrap().dirty);
}

#[test]
fn write_cache_is_lost_on_power_cut_unless_synchronized() {
    let mut d = drive("dvdram");
    assert_eq!(
        d.execute(&write10(0, 16), &[7u8; 16 * 2048]).status,
        Status::Good
    );
    ok(&mut d, &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        d.execute(&write10(16, 16), &[8u8; 16 * 2048]).status,
        Status::Good
    );
    assert_eq!(
        ok(&mut d, &read10(16, 1)),
        vec![8u8; 2048],
        "reads see the cache"
    );
    d.power_cut();
    assert_eq!(fails(&mut d, &[0; 6], &[]), sense::POWER_ON_RESET);
    assert_eq!(
        ok(&mut d, &read10(0, 1)),
        vec![7u8; 2048],
        "synchronized data survived"
    );
    assert_eq!(
        ok(&mut d, &read10(16, 1)),
        vec![0u8; 2048],
        "cached data was lost"
    );
    assert_eq!(d.counters().cache_blocks_lost, 16);
    assert_eq!(d.counters().flushes, 1);
}

#[test]
fn immed_format_reports_progress_until_done() {
    let mut d = drive("cdrw-blank");
    let mut list = vec![0, 0x02, 0, 8, 0, 0, 0, 0, 0x10 << 2, 0, 0, 32];
    list[4..8].copy_from_slice(&(BLOCKS / 39 * 32).to_be_bytes());
    assert_eq!(
        d.execute(&[0x04, 0x11, 0, 0, 0, 0], &list).status,
        Status::Good
    );
    let mut last = 0;
    let mut polls = 0;
    loop {
        let c = d.execute(&[0; 6], &[]);
        polls += 1;
        match c.sense {
            None => break,
            Some(s) => {
                assert_eq!((s.key, s.asc, s.ascq), (2, 4, 4));
                let p = s.progress.unwrap();
                assert!(p > last, "progress rises");
                last = p;
                // REQUEST SENSE is a poll too: it carries the progress, or
                // no sense once that poll completed the format.
                let rs = ok(&mut d, &[0x03, 0, 0, 0, 18, 0]);
                assert!(rs[15] == 0x80 || rs[2] == 0, "REQUEST SENSE: {rs:02x?}");
            }
        }
        assert!(polls < 100);
    }
    assert_eq!(d.medium().unwrap().fixed_packet(), Some(32));
    assert!(
        d.now() > 60_000_000_000,
        "a full format takes minutes of drive time"
    );
}

#[test]
fn blank_turns_dvd_rw_sequential() {
    let mut d = drive("dvdrw");
    ok(&mut d, &[0xa1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    let b = ok(&mut d, &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0]);
    assert_eq!(b[7], 0x14);
    let mut d = drive("dvd+rw");
    assert_eq!(
        fails(&mut d, &[0xa1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]),
        sense::CANNOT_WRITE_INCOMPATIBLE
    );
}

#[test]
fn write_once_media_are_written_in_sequence_only() {
    let mut d = drive("cdr");
    assert_eq!(d.execute(&write10(0, 2), &[1u8; 4096]).status, Status::Good);
    assert_eq!(
        fails(&mut d, &write10(0, 2), &[1u8; 4096]),
        sense::INVALID_WRITE_ADDRESS
    );
    assert_eq!(d.execute(&write10(2, 1), &[2u8; 2048]).status, Status::Good);
    let b = ok(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 32, 0]);
    assert_eq!(&b[12..16], &3u32.to_be_bytes(), "next writable address");
    let mut list = vec![0, 0x02, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0];
    list[8] = 0x10 << 2;
    assert_eq!(
        fails(&mut d, &[0x04, 0x11, 0, 0, 0, 0], &list),
        sense::CANNOT_WRITE_INCOMPATIBLE
    );
}

#[test]
fn tray_lock_and_media_events() {
    let mut d = drive("dvdram");
    let gesn = [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8, 0];
    assert_eq!(ok(&mut d, &gesn), vec![0, 6, 4, 0x10, 0, 2, 0, 0]);
    ok(&mut d, &[0x1e, 0, 0, 0, 1, 0]);
    assert_eq!(
        fails(&mut d, &[0x1b, 0, 0, 0, 2, 0], &[]),
        sense::REMOVAL_PREVENTED
    );
    ok(&mut d, &[0x1e, 0, 0, 0, 0, 0]);
    ok(&mut d, &[0x1b, 0, 0, 0, 2, 0]);
    assert_eq!(
        ok(&mut d, &gesn),
        vec![0, 6, 4, 0x10, 3, 1, 0, 0],
        "removal, tray open"
    );
    assert_eq!(fails(&mut d, &[0; 6], &[]), sense::NO_MEDIUM_TRAY_OPEN);
    ok(&mut d, &[0x1b, 0, 0, 0, 3, 0]);
    assert_eq!(
        ok(&mut d, &gesn),
        vec![0, 6, 4, 0x10, 2, 2, 0, 0],
        "new media"
    );
    ok(&mut d, &[0; 6]);
    // The control channel's insert also raises a unit attention.
    d.control("eject").unwrap();
    d.control("insert").unwrap();
    assert_eq!(fails(&mut d, &[0; 6], &[]), sense::MEDIUM_CHANGED);
    ok(&mut d, &[0; 6]);
    d.control("eject-request").unwrap();
    // Events queue up and are reported one at a time, in order.
    let codes: Vec<u8> = (0..4).map(|_| ok(&mut d, &gesn)[4]).collect();
    assert_eq!(codes, vec![3, 2, 1, 0]);
}

#[test]
fn speeds_clamp_to_the_medium() {
    let mut d = drive("cdrw");
    ok(&mut d, &[0xbb, 0, 0xff, 0xff, 0x10, 0x00, 0, 0, 0, 0, 0, 0]);
    let p = ok(&mut d, &[0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 255, 0]);
    assert_eq!(
        u16::from_be_bytes([p[8 + 28], p[8 + 29]]),
        10 * 176,
        "4096 kB/s clamps to 10x"
    );
    assert_eq!(
        u16::from_be_bytes([p[8 + 14], p[8 + 15]]),
        24 * 176,
        "read at the fastest"
    );
    let b = ok(&mut d, &[0x5c, 0, 0, 0, 0, 0, 0, 0, 12, 0]);
    assert_eq!(b, vec![0, 10, 0, 0, 0, 0x20, 0, 0, 0, 0x20, 0, 0]);
}

#[test]
fn injected_faults_from_the_control_channel() {
    let mut d = drive("dvdram");
    d.control("fault write 100+10").unwrap();
    for _ in 0..3 {
        assert_eq!(
            fails(&mut d, &write10(96, 16), &[0u8; 16 * 2048]),
            sense::WRITE_ERROR,
            "sticky"
        );
    }
    assert_eq!(
        d.execute(&write10(112, 16), &[0u8; 16 * 2048]).status,
        Status::Good
    );
    d.control("fault read 5 times 1").unwrap();
    assert_eq!(fails(&mut d, &read10(0, 8), &[]), sense::READ_ERROR);
    ok(&mut d, &read10(0, 8));
    d.control("fault not-ready").unwrap();
    assert_eq!(fails(&mut d, &[0; 6], &[]).asc, 0x04);
    d.control("fault clear").unwrap();
    ok(&mut d, &[0; 6]);
    assert_eq!(
        d.execute(&write10(96, 16), &[0u8; 16 * 2048]).status,
        Status::Good
    );
    assert_eq!(d.counters().faults_injected, 5);
    assert!(d.control("fault sideways").is_err());
    assert!(d.control("change floppy").is_err());
    d.control("change cdrw-blank").unwrap();
    assert_eq!(fails(&mut d, &[0; 6], &[]), sense::MEDIUM_CHANGED);
    assert!(d
        .status_json()
        .contains("\"profile\":\"0x000a\",\"state\":\"blank\""));
}

#[test]
fn a_slow_fault_for_the_next_commands_only() {
    let mut d = drive("dvdram");
    d.control("fault slow 2500 times 2").unwrap();
    assert_eq!(d.execute(&[0; 6], &[]).real_delay_ms, 2500);
    assert_eq!(d.execute(&read10(0, 8), &[]).real_delay_ms, 2500);
    assert_eq!(d.execute(&read10(0, 8), &[]).real_delay_ms, 0, "spent");
    d.control("fault slow 40").unwrap();
    for _ in 0..5 {
        assert_eq!(d.execute(&[0; 6], &[]).real_delay_ms, 40, "sticky");
    }
    d.control("fault clear").unwrap();
    assert_eq!(d.execute(&[0; 6], &[]).real_delay_ms, 0);
    assert!(d.control("fault slow 40 times").is_err());
}

/// READ DISC STRUCTURE for `format` on media type `media_type` (0 DVD, 1 BD).
fn disc_structure(media_type: u8, format: u8, len: u16) -> Vec<u8> {
    let [hi, lo] = len.to_be_bytes();
    vec![0xad, media_type, 0, 0, 0, 0, 0, format, hi, lo, 0, 0]
}

#[test]
fn dvd_physical_format_has_the_book_type_of_each_medium() {
    for (preset, book, layer_type, start) in [
        ("dvd+rw", 0x92, 0x04, 0x030000u32),
        ("dvdrw", 0x32, 0x04, 0x030000),
        ("dvdrw-seq", 0x32, 0x04, 0x030000),
        ("dvdr", 0x25, 0x02, 0x030000),
        ("dvdram", 0x16, 0x04, 0x031000),
    ] {
        let mut d = drive(preset);
        let b = ok(&mut d, &disc_structure(0, 0x00, 2052));
        assert_eq!(b.len(), 2052, "{preset}");
        assert_eq!(&b[0..2], &2050u16.to_be_bytes(), "{preset}: length");
        assert_eq!(b[4], book, "{preset}: book type and part version");
        assert_eq!(b[5], 0x0f, "{preset}: 120 mm");
        assert_eq!(b[6], layer_type, "{preset}: one layer, its type");
        assert_eq!(&b[8..12], &start.to_be_bytes(), "{preset}: data area start");
        assert_eq!(
            &b[12..16],
            &(start + BLOCKS - 1).to_be_bytes(),
            "{preset}: data area end"
        );
    }
    // Not a DVD: CD media, and DVD structures asked of a BD.
    let mut d = drive("cdrw");
    assert_eq!(
        fails(&mut d, &disc_structure(0, 0x00, 2052), &[]),
        sense::INCOMPATIBLE_FORMAT
    );
    let mut d = drive("bdre");
    assert_eq!(
        fails(&mut d, &disc_structure(0, 0x00, 2052), &[]),
        sense::INCOMPATIBLE_FORMAT
    );
}

#[test]
fn dvd_plus_rw_adip_and_physical_format_carry_its_media_id() {
    let mut d = drive("dvd+rw");
    let list = ok(&mut d, &disc_structure(0, 0xff, 64));
    let codes: Vec<u8> = list[4..].chunks(4).map(|e| e[0]).collect();
    assert_eq!(codes, [0x00, 0x11, 0xc0, 0xff]);
    assert_eq!(&list[8..12], &[0x11, 0x40, 1, 4], "ADIP: 4 + 256 bytes");
    let adip = ok(&mut d, &disc_structure(0, 0x11, 260));
    assert_eq!(adip.len(), 260);
    assert_eq!(&adip[0..2], &258u16.to_be_bytes());
    assert_eq!(adip[4], 0x92, "book type DVD+RW");
    // dvd+rw-mediainfo prints bytes 23..31 and 31..34 as "Media ID".
    assert_eq!(&adip[23..31], b"RICOHJPN");
    assert_eq!(&adip[31..34], b"W11");
    let phys = ok(&mut d, &disc_structure(0, 0x00, 36));
    assert_eq!(&phys[23..34], b"RICOHJPNW11");
    // DVD-R structures are not there.
    assert_eq!(
        fails(&mut d, &disc_structure(0, 0x0e, 44), &[]),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn dvd_dash_pre_recorded_information_carries_the_media_id() {
    for (preset, id, book) in [
        ("dvdrw-seq", b"MKM   A03   ", 0x32),
        ("dvdr", b"MCC 02RG20  ", 0x25),
    ] {
        let mut d = drive(preset);
        let list = ok(&mut d, &disc_structure(0, 0xff, 64));
        let codes: Vec<u8> = list[4..].chunks(4).map(|e| e[0]).collect();
        assert_eq!(codes, [0x00, 0x0e, 0x10, 0xc0, 0xff], "{preset}");
        let b = ok(&mut d, &disc_structure(0, 0x0e, 44));
        assert_eq!(b.len(), 44);
        assert_eq!(&b[0..2], &42u16.to_be_bytes());
        let fields: Vec<u8> = b[4..].chunks(8).map(|f| f[0]).collect();
        assert_eq!(fields, [1, 2, 3, 4, 5], "{preset}: field IDs");
        // Fields 3 and 4 hold the manufacturer ID, 6 bytes each.
        assert_eq!(&b[21..27], &id[..6], "{preset}");
        assert_eq!(&b[29..35], &id[6..], "{preset}");
        // The lead-in's physical format (DVD-R/-RW only).
        assert_eq!(ok(&mut d, &disc_structure(0, 0x10, 36))[4], book);
    }
    let mut d = drive("dvd+rw");
    assert_eq!(
        fails(&mut d, &disc_structure(0, 0x10, 36), &[]),
        sense::INVALID_FIELD_IN_CDB
    );
}

#[test]
fn bd_disc_information_carries_the_disc_type_and_media_id() {
    let mut d = drive("bdre");
    let list = ok(&mut d, &disc_structure(1, 0xff, 64));
    let codes: Vec<u8> = list[4..].chunks(4).map(|e| e[0]).collect();
    assert_eq!(codes, [0x00, 0xff]);
    let b = ok(&mut d, &disc_structure(1, 0x00, 4100));
    assert_eq!(b.len(), 4100);
    assert_eq!(&b[0..2], &4098u16.to_be_bytes());
    assert_eq!(&b[4..6], b"DI");
    assert_eq!(&b[12..15], b"BDW", "disc type: BD-RE");
    // dvd+rw-mediainfo prints DI bytes 100..106 and 106..109.
    assert_eq!(&b[104..110], b"VERBAT");
    assert_eq!(&b[110..113], b"IMe");
    // A BD's structures need media type 1.
    let mut d = drive("dvdram");
    assert_eq!(
        fails(&mut d, &disc_structure(1, 0x00, 4100), &[]),
        sense::INCOMPATIBLE_FORMAT
    );
}

/// MODE SELECT (10) of a write parameters page 05 with `write_type` and
/// `block_type`.
fn select_write_type(d: &mut Drive, write_type: u8, block_type: u8) {
    let mut data = vec![0u8; 8];
    let mut page = vec![0x05, 0x32];
    page.extend_from_slice(&[0u8; 0x32]);
    page[2] = write_type;
    page[3] = 0x04; // track mode: data
    page[4] = block_type;
    data.extend_from_slice(&page);
    let len = data.len() as u16;
    let [hi, lo] = len.to_be_bytes();
    let c = d.execute(&[0x55, 0x10, 0, 0, 0, 0, 0, hi, lo, 0], &data);
    assert_eq!(c.status, Status::Good, "{:?}", c.sense);
}

#[test]
fn blank_dvd_rw_is_recorded_incrementally_at_its_next_writable_address() {
    let mut d = drive("dvdrw-seq");
    select_write_type(&mut d, 0x00, 8); // incremental, Mode 1
    let t = ok(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0]);
    assert_eq!(t[7] & 1, 1, "NWA valid");
    assert_eq!(&t[12..16], &0u32.to_be_bytes(), "NWA of a blank disc");
    ok(&mut d, &[0x53, 0, 0, 0, 0, 0, 0, 0, 0x40, 0]); // RESERVE TRACK
    assert_eq!(
        d.execute(&write10(0, 16), &[7u8; 16 * 2048]).status,
        Status::Good
    );
    assert_eq!(
        d.execute(&write10(16, 32), &[8u8; 32 * 2048]).status,
        Status::Good
    );
    // Only at the next writable address.
    assert_eq!(
        fails(&mut d, &write10(0, 16), &[9u8; 16 * 2048]),
        sense::INVALID_WRITE_ADDRESS
    );
    assert_eq!(
        fails(&mut d, &write10(64, 16), &[9u8; 16 * 2048]),
        sense::INVALID_WRITE_ADDRESS
    );
    let t = ok(&mut d, &[0x52, 1, 0, 0, 0, 1, 0, 0, 48, 0]);
    assert_eq!(&t[12..16], &48u32.to_be_bytes(), "NWA after 48 blocks");
    assert_eq!(&t[28..32], &47u32.to_be_bytes(), "last recorded address");
    assert_eq!(&t[16..20], &(BLOCKS - 48).to_be_bytes(), "free blocks");
    ok(&mut d, &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    ok(&mut d, &[0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0]); // CLOSE TRACK 1
    ok(&mut d, &[0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0]); // CLOSE SESSION
                                                    // Still a sequential DVD-RW, now holding 48 readable blocks.
    assert_eq!(ok(&mut d, &[0x46, 0, 0, 0, 0, 0, 0, 0, 8, 0])[7], 0x14);
    assert_eq!(
        ok(&mut d, &[0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
        [0, 0, 0, 47, 0, 0, 8, 0]
    );
    let data = ok(&mut d, &read10(16, 32));
    assert!(data.iter().all(|&b| b == 8));
    assert_eq!(ok(&mut d, &read10(0, 1))[..2048], [7u8; 2048]);
    let toc = ok(&mut d, &[0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0]);
    assert_eq!(
        &toc[16..20],
        &48u32.to_be_bytes(),
        "lead-out after the track"
    );
    // BLANK makes it blank again.
    ok(&mut d, &[0xa1, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert_eq!(
        d.execute(&write10(0, 16), &[1u8; 16 * 2048]).status,
        Status::Good
    );
}

#[test]
fn blank_cd_rw_takes_a_track_at_once_then_has_a_toc() {
    let mut d = drive("cdrw-blank");
    select_write_type(&mut d, 0x01, 8); // TAO, Mode 1
    let t = ok(&mut d, &[0x52, 1, 0, 0, 0, 0xff, 0, 0, 32, 0]);
    assert_eq!(
        &t[12..16],
        &0u32.to_be_bytes(),
        "NWA of the invisible track"
    );
    assert_eq!(
        d.execute(&write10(0, 27), &[5u8; 27 * 2048]).status,
        Status::Good
    );
    assert_eq!(
        fails(&mut d, &write10(30, 1), &[5u8; 2048]),
        sense::INVALID_WRITE_ADDRESS
    );
    ok(&mut d, &[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    ok(&mut d, &[0x5b, 0, 1, 0, 0, 1, 0, 0, 0, 0]);
    ok(&mut d, &[0x5b, 0, 2, 0, 0, 0, 0, 0, 0, 0]);
    let toc = ok(&mut d, &[0x43, 0, 0, 0, 0, 0, 0, 0, 20, 0]);
    assert_eq!(&toc[0..4], &[0, 18, 1, 1]);
    assert_eq!(&toc[4..12], &[0, 0x14, 1, 0, 0, 0, 0, 0], "track 1 at 0");
    assert_eq!(
        &toc[12..20],
        &[0, 0x14, 0xaa, 0, 0, 0, 0, 27],
        "lead-out at 27"
    );
    assert_eq!(ok(&mut d, &read10(26, 1))[..2048], [5u8; 2048]);
}
