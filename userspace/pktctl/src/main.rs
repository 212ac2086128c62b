//! `pktctl`: packet writing on rewritable CD/DVD/BD discs with pktcdvd-rs.
//!
//! One tool for what took cdrwtool, dvd+rw-format, pktsetup and mount: set
//! a drive up, check a disc, format it with progress, mount it in one step.
//! Invoked as `pktsetup` it takes udftools' pktsetup command line.

mod control;
mod pktsetup;
mod process;
mod udev;

use clap::{CommandFactory, Parser, Subcommand};
use control::Failure;
use pktctl::sg::Mmc;
use pktctl::{disc, sg};
use serde_json::json;
use std::io::IsTerminal;
use std::process::{Command, ExitCode};

/// Packet writing on rewritable CD/DVD/BD discs (pktcdvd-rs).
#[derive(Parser)]
#[command(name = "pktctl", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Map a drive to a packet-writing device /dev/pktcdvd/NAME.
    Setup {
        /// Name of the device node to create under /dev/pktcdvd/.
        name: String,
        /// The drive: /dev/srN or MAJ:MIN.
        device: String,
    },
    /// Remove a mapping, given its name, its pkt device or its drive.
    Teardown {
        /// NAME, /dev/pktcdvd/NAME, /dev/srN or MAJ:MIN.
        target: String,
    },
    /// List the mappings.
    Status {
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Say whether the disc in a drive can be packet-written, and why.
    Check {
        /// The drive: /dev/srN.
        device: String,
        /// Say nothing: the exit status is the answer (0: usable).
        #[arg(short, long)]
        quiet: bool,
    },
    /// Describe the drive and its disc.
    Info {
        /// The drive: /dev/srN.
        device: String,
        /// As JSON.
        #[arg(long)]
        json: bool,
    },
    /// Blank and format a rewritable disc for packet writing, with progress.
    Format {
        /// The drive: /dev/srN.
        device: String,
        /// A quick format (the default).
        #[arg(long, conflicts_with = "full")]
        quick: bool,
        /// A full format (certifies or writes the whole disc: slow).
        #[arg(long)]
        full: bool,
        /// Format a CD-RW in Mt. Rainier (MRW) format.
        #[arg(long)]
        mrw: bool,
    },
    /// Set up, make UDF if asked, and mount read-write.
    Mount {
        /// The drive: /dev/srN.
        device: String,
        /// Where to mount.
        dir: String,
        /// Make a UDF file system if the disc has none.
        #[arg(long)]
        mkfs: bool,
    },
    /// Sync, unmount, tear down (and eject).
    Umount {
        /// The mount point.
        dir: String,
        /// Eject the disc afterwards.
        #[arg(long)]
        eject: bool,
    },
    /// What the udev rules run (80-pktcdvd.rules); logs to the kernel log.
    Udev {
        #[command(subcommand)]
        action: UdevCmd,
    },
    /// Write the man page or shell completions.
    #[command(hide = true)]
    Generate {
        /// `man` or a shell: bash, zsh, fish.
        what: String,
        /// Output directory.
        dir: String,
    },
}

#[derive(Subcommand)]
enum UdevCmd {
    /// A disc was inserted or changed: map the drive if the disc is usable,
    /// else drop its mapping.
    Map {
        /// The drive: /dev/srN.
        device: String,
    },
    /// The disc or the drive went away: drop the mapping (unmounting).
    Unmap {
        /// The drive: /dev/srN or MAJ:MIN.
        device: String,
    },
    /// Exit 0 if the drive is mapped (without loading the module).
    Mapped {
        /// The drive: /dev/srN or MAJ:MIN.
        device: String,
    },
    /// The eject button: unmount, unmap and eject, unless files are open.
    Eject {
        /// The drive: /dev/srN.
        device: String,
    },
}

pub(crate) fn open_drive(path: &str, write: bool) -> Result<sg::Drive, Failure> {
    sg::Drive::open(path, write).map_err(|e| control::explain(e.raw_os_error().unwrap_or(0), path))
}

/// Turns the verdict's generic remedy into the exact command to run.
fn advice(todo: &str, device: &str) -> String {
    if todo.starts_with("format it") {
        format!("format it: pktctl format {device}")
    } else {
        todo.to_string()
    }
}

fn check(device: &str) -> Result<String, Failure> {
    let d = open_drive(device, false)?;
    let f = disc::facts(&d).map_err(|e| Failure(format!("{device}: {e}")))?;
    match disc::verdict(&f) {
        Ok(how) => Ok(format!("{device}: packet writing possible: {how}")),
        Err((why, todo)) => Err(Failure(format!(
            "{device}: packet writing not possible: {why}; {}",
            advice(&todo, device)
        ))),
    }
}

fn info(device: &str, as_json: bool) -> Result<String, Failure> {
    let d = open_drive(device, false)?;
    let f = disc::facts(&d).map_err(|e| Failure(format!("{device}: {e}")))?;
    let j = disc::to_json(&f);
    if as_json {
        return Ok(serde_json::to_string_pretty(&j).unwrap_or_default());
    }
    let mut s = format!("drive:   {} {} {}\n", f.vendor, f.product, f.revision);
    let names: Vec<_> = f.profiles.iter().map(|p| disc::profile_name(*p)).collect();
    s += &format!("         profiles: {}\n", names.join(", "));
    if let (Some(r), Some(w)) = f.speeds {
        s += &format!("         speeds: read {r} kB/s, write {w} kB/s\n");
    }
    if f.profile == 0 {
        s += "disc:    none\n";
        return Ok(s);
    }
    s += &format!(
        "disc:    {} (profile 0x{:04x})\n",
        disc::profile_name(f.profile),
        f.profile
    );
    if let Some(d) = f.disc {
        let status =
            ["blank", "incomplete", "complete", "random access"][usize::from(d.status & 3)];
        s += &format!(
            "         {}, {}\n",
            if d.erasable {
                "rewritable"
            } else {
                "write-once"
            },
            status
        );
        if d.mrw_status != 0 {
            let state = [
                "",
                "background format paused",
                "background format running",
                "formatted",
            ][usize::from(d.mrw_status & 3)];
            s += &format!("         MRW: {state}\n");
        }
    }
    // A blank disc has no track or capacity worth showing yet.
    let blank = f.disc.is_some_and(|d| d.status & 3 == 0);
    if let Some(t) = f.track.filter(|_| !blank) {
        s += &format!(
            "         track 1: packet size {} blocks, {}, data mode {}\n",
            t.packet_size,
            if t.fixed {
                "fixed packets"
            } else {
                "no fixed packets"
            },
            t.data_mode
        );
    }
    if let Some(c) = f.capacity.filter(|_| !blank) {
        s += &format!(
            "         capacity: {} blocks ({} MiB)\n",
            c,
            u64::from(c) * 2048 / (1 << 20)
        );
    }
    if let Some(n) = f.free_blocks.filter(|_| !blank) {
        s += &format!(
            "         free: {n} blocks ({} MiB) left to append{}\n",
            u64::from(n) * 2048 / (1 << 20),
            if n == 0 {
                " (overwritable in place)"
            } else {
                ""
            }
        );
    }
    s += &match disc::verdict(&f) {
        Ok(how) => format!("packet writing: yes, {how}\n"),
        Err((why, todo)) => format!("packet writing: no: {why}; {}\n", advice(&todo, device)),
    };
    Ok(s.trim_end().to_string())
}

/// Waits for a long operation, showing the drive's progress: a bar on a
/// terminal, plain lines otherwise.
fn wait_progress(d: &sg::Drive, what: &str) -> Result<(), Failure> {
    let tty = std::io::stderr().is_terminal();
    let bar = tty.then(|| {
        let b = indicatif::ProgressBar::new(100);
        b.set_style(
            indicatif::ProgressStyle::with_template("{msg} [{bar:40}] {pos}%")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b.set_message(what.to_string());
        b
    });
    let mut last = None;
    loop {
        if process::interrupted() {
            if let Some(b) = &bar {
                b.abandon();
            }
            return Err(Failure(format!(
                "{what}: interrupted: the drive goes on formatting on its own; the disc is usable once 'pktctl check {}' says so (or format it again)",
                d.path
            )));
        }
        match d.test_unit_ready() {
            Ok(()) => break,
            Err(s) if s.in_progress() => {
                let p = s
                    .progress
                    .or_else(|| d.request_sense().progress)
                    .map(|p| u32::from(p) * 100 / 65536);
                if let Some(p) = p.filter(|p| Some(*p) != last) {
                    match &bar {
                        Some(b) => b.set_position(u64::from(p)),
                        None => eprintln!("{what}: {p}%"),
                    }
                    last = Some(p);
                }
            }
            Err(s) if s.key == 6 => {} // unit attention: the medium changed
            Err(s) => {
                return Err(Failure(format!(
                    "{what}: the drive failed (sense {:x}/{:02x}/{:02x})",
                    s.key, s.asc, s.ascq
                )))
            }
        }
        std::thread::sleep(std::time::Duration::from_millis(if tty {
            200
        } else {
            500
        }));
    }
    match &bar {
        Some(b) => b.finish_with_message(format!("{what}: done")),
        None => eprintln!("{what}: 100%"),
    }
    Ok(())
}

fn format(device: &str, quick: bool, mrw: bool) -> Result<String, Failure> {
    let d = open_drive(device, true)?;
    if let Some(dir) = control::device_number(device)
        .ok()
        .and_then(control::mounted_at)
    {
        return Err(Failure(format!(
            "{device} is mounted at {dir}: unmount it first"
        )));
    }
    let f = disc::facts(&d).map_err(|e| Failure(format!("{device}: {e}")))?;
    if f.profile == 0 {
        return Err(Failure(format!(
            "{device}: no disc in the drive: insert a rewritable disc"
        )));
    }
    let Some(plan) = disc::format_plan(f.profile, quick, mrw) else {
        let kind = disc::profile_name(f.profile);
        return Err(Failure(format!("{device}: a {kind} disc cannot be formatted for packet writing: it needs a rewritable disc")));
    };
    process::catch_ctrl_c();
    for step in &plan {
        let what = match step {
            disc::Step::Blank { .. } => "blanking",
            disc::Step::FixedPacketParams => "setting fixed packets",
            disc::Step::Format { .. } => "formatting",
        };
        disc::send(&d, step).map_err(|e| Failure(format!("{device}: {what} failed: {e}")))?;
        if !matches!(step, disc::Step::FixedPacketParams) {
            wait_progress(&d, what)?;
        }
    }
    Ok(format!(
        "{device}: formatted {} for packet writing",
        disc::profile_name(f.profile)
    ))
}

fn node_name(device: &str) -> String {
    std::path::Path::new(device).file_name().map_or_else(
        || device.replace(':', "_"),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn run(cmd: &str, args: &[&str]) -> Result<String, Failure> {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .map_err(|e| Failure(format!("{cmd}: {e}")))?;
    if !out.status.success() {
        return Err(Failure(format!(
            "{cmd} {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn mount(device: &str, dir: &str, mkfs: bool) -> Result<String, Failure> {
    let cd = control::device_number(device)?;
    if let Some(at) = control::mounted_at(cd) {
        let auto = if at.starts_with("/media") || at.starts_with("/run/media") {
            " (by an automounter?)"
        } else {
            ""
        };
        return Err(Failure(format!(
            "{device} is mounted at {at}{auto}: unmount it first"
        )));
    }
    let d = open_drive(device, false)?;
    let f = disc::facts(&d).map_err(|e| Failure(format!("{device}: {e}")))?;
    drop(d);
    if let Err((why, todo)) = disc::verdict(&f) {
        return Err(Failure(format!(
            "{device}: cannot write to this disc: {why}; {}",
            advice(&todo, device)
        )));
    }
    let name = node_name(device);
    let pkt = control::setup(Some(&name), cd, true)?;
    let node = format!("/dev/pktcdvd/{name}");
    if let Some(at) = control::mounted_at(pkt) {
        return Err(Failure(format!("{node} is mounted at {at} already")));
    }
    let has_fs =
        run("blkid", &["-o", "value", "-s", "TYPE", &node]).is_ok_and(|t| !t.trim().is_empty());
    if !has_fs {
        if !mkfs {
            return Err(Failure(format!(
                "{device}: the disc has no file system: add --mkfs to make UDF"
            )));
        }
        let media = match f.profile {
            0x000a if f.disc.is_some_and(|d| d.mrw_status != 0) => "--media-type=hd",
            0x000a => "--media-type=cdrw",
            0x0012 => "--media-type=dvdram",
            0x0013 | 0x001a => "--media-type=dvdrw",
            _ => "--media-type=hd",
        };
        run("mkudffs", &[media, "--blocksize=2048", &node])?;
    }
    std::fs::create_dir_all(dir).map_err(|e| Failure(format!("{dir}: {e}")))?;
    run("mount", &["-t", "udf", "-o", "rw,noatime", &node, dir])?;
    Ok(format!(
        "{device} mounted read-write at {dir} (through {node})"
    ))
}

fn umount(dir: &str, eject: bool) -> Result<String, Failure> {
    let dir = dir.trim_end_matches('/');
    let Some((src, _)) = control::mounts().into_iter().find(|(_, d)| d == dir) else {
        return Err(Failure(format!("{dir} is not a mount point")));
    };
    let pkt = control::device_number(&src)?;
    let cd = control::status()?
        .into_iter()
        .find(|(_, p, _)| *p == pkt)
        .map(|(_, _, cd)| cd);
    process::sync_all();
    run("umount", &[dir])?;
    let Some(cd) = cd else {
        return Ok(format!("{dir} unmounted ({src} was not a packet device)"));
    };
    control::teardown(&format!("{}:{}", pkt.major(), pkt.minor()), false)?;
    let named = std::fs::read_dir("/dev/pktcdvd")
        .into_iter()
        .flatten()
        .flatten()
        .find(|e| control::device_number(&e.path().to_string_lossy()).ok() == Some(pkt));
    if let Some(e) = named {
        let _ = std::fs::remove_file(e.path());
    }
    if eject {
        let path = format!("/sys/dev/block/{}:{}", cd.major(), cd.minor());
        let name = std::fs::read_link(&path)
            .ok()
            .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
        let dev = format!("/dev/{}", name.unwrap_or_default());
        let d = open_drive(&dev, false)?;
        d.eject().map_err(|e| {
            control::explain(e.raw_os_error().unwrap_or(0), &format!("ejecting {dev}"))
        })?;
    }
    Ok(format!(
        "{dir} unmounted, mapping removed{}",
        if eject { ", disc ejected" } else { "" }
    ))
}

fn generate(what: &str, dir: &str) -> Result<String, Failure> {
    let mut cmd = Cli::command();
    std::fs::create_dir_all(dir).map_err(|e| Failure(format!("{dir}: {e}")))?;
    let err = |e: std::io::Error| Failure(format!("{dir}: {e}"));
    if what == "man" {
        clap_mangen::generate_to(cmd, dir).map_err(err)?;
        return Ok(format!("man pages written to {dir}"));
    }
    let shell: clap_complete::Shell = what.parse().map_err(|_| {
        Failure(format!(
            "unknown shell '{what}': bash, zsh, fish, elvish, powershell"
        ))
    })?;
    let path = clap_complete::generate_to(shell, &mut cmd, "pktctl", dir).map_err(err)?;
    Ok(format!("completions written to {}", path.display()))
}

fn main() -> ExitCode {
    let argv0 = std::env::args().next().unwrap_or_default();
    if std::path::Path::new(&argv0)
        .file_name()
        .is_some_and(|n| n == "pktsetup")
    {
        let args: Vec<String> = std::env::args().skip(1).collect();
        return pktsetup::main(&args);
    }
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Setup { name, device } => control::device_number(&device)
            .and_then(|cd| control::setup(Some(&name), cd, false))
            .map(|pkt| format!("/dev/pktcdvd/{name} ({}:{}) maps {device}", pkt.major(), pkt.minor())),
        Cmd::Teardown { target } => control::teardown(&target, false).map(|()| format!("{target}: mapping removed")),
        Cmd::Status { json } => control::status().map(|list| {
            if json {
                let v: Vec<_> = list
                    .iter()
                    .map(|(i, p, c)| json!({"slot": i, "pkt_device": format!("{}:{}", p.major(), p.minor()), "cd_device": format!("{}:{}", c.major(), c.minor())}))
                    .collect();
                serde_json::to_string_pretty(&v).unwrap_or_default()
            } else {
                list.iter()
                    .map(|(i, p, c)| format!("{i:2} : {}:{} -> {}:{}", p.major(), p.minor(), c.major(), c.minor()))
                    .collect::<Vec<_>>()
                    .join("\n")
            }
        }),
        Cmd::Check { device, quiet } => match check(&device) {
            Err(_) if quiet => return ExitCode::FAILURE,
            Ok(_) if quiet => return ExitCode::SUCCESS,
            r => r,
        },
        Cmd::Udev { action } => match action {
            UdevCmd::Map { device } => udev::map(&device),
            UdevCmd::Unmap { device } => udev::unmap(&device, "the disc or the drive went away"),
            UdevCmd::Eject { device } => udev::eject(&device),
            UdevCmd::Mapped { device } => {
                return if udev::mapped(&device) {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                };
            }
        },
        Cmd::Info { device, json } => info(&device, json),
        Cmd::Format { device, full, mrw, .. } => format(&device, !full, mrw),
        Cmd::Mount { device, dir, mkfs } => mount(&device, &dir, mkfs),
        Cmd::Umount { dir, eject } => umount(&dir, eject),
        Cmd::Generate { what, dir } => generate(&what, &dir),
    };
    match result {
        Ok(out) => {
            if !out.is_empty() {
                println!("{out}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pktctl: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cli_is_consistent_and_documents_itself() {
        Cli::command().debug_assert();
        let mut buf = Vec::new();
        clap_mangen::Man::new(Cli::command())
            .render(&mut buf)
            .unwrap();
        let man = String::from_utf8(buf).unwrap();
        assert!(man.contains("pktctl"));
        assert!(man.contains("format"));
    }

    #[test]
    fn arguments_parse() {
        assert!(Cli::try_parse_from(["pktctl", "format", "/dev/sr0", "--full"]).is_ok());
        assert!(
            Cli::try_parse_from(["pktctl", "format", "/dev/sr0", "--full", "--quick"]).is_err()
        );
        assert!(Cli::try_parse_from(["pktctl", "mount", "/dev/sr0"]).is_err());
        assert!(Cli::try_parse_from(["pktctl", "status", "--json"]).is_ok());
        assert!(Cli::try_parse_from(["pktctl", "check", "-q", "/dev/sr0"]).is_ok());
        assert!(Cli::try_parse_from(["pktctl", "udev", "unmap", "11:0"]).is_ok());
        assert!(Cli::try_parse_from(["pktctl", "udev", "map"]).is_err());
        assert_eq!(node_name("/dev/sr0"), "sr0");
    }
}
