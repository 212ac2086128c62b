//! `mmc-drive`: the emulated packet-writing optical drive.
//!
//! ```text
//! mmc-drive presets                              the media it can emulate
//! mmc-drive create IMAGE MEDIUM [BLOCKS]         a new (sparse) image holding a disc
//! mmc-drive info IMAGE                           the disc an image holds
//! mmc-drive probe DEVICE                         exit 0 if DEVICE holds an image
//! mmc-drive serve --uio /dev/uioN --image IMAGE --control SOCKET [--pace FACTOR] [--trace]
//! mmc-drive ctl SOCKET COMMAND...                send a control command (see `mmc-drive ctl SOCKET help`)
//! ```
//!
//! `serve` runs inside the guest behind a TCMU + tcm_loop LUN that the
//! kernel's sr driver binds as /dev/srN (tests/guest/lib/drive-up sets it
//! up); everything else also runs on the host.

mod image;
mod serve;
mod tcmu;

use image::Image;
use mmc_model::PRESETS;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::Path;
use std::process::ExitCode;

const USAGE: &str = "usage:
  mmc-drive presets
  mmc-drive create IMAGE MEDIUM [BLOCKS]
  mmc-drive info IMAGE
  mmc-drive probe DEVICE
  mmc-drive serve --uio /dev/uioN --image IMAGE --control SOCKET [--pace FACTOR] [--trace]
  mmc-drive ctl SOCKET COMMAND...";

fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("mmc-drive: {msg}");
    ExitCode::FAILURE
}

fn run(args: &[String]) -> Result<(), String> {
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    match a.as_slice() {
        ["presets"] => {
            for p in PRESETS {
                println!("{:<14} {}", p.name, p.description);
            }
            println!("{:<14} no disc", "none");
        }
        ["create", path, medium, rest @ ..] => {
            let m = if *medium == "none" {
                None
            } else {
                let p = mmc_model::Preset::find(medium).ok_or(format!(
                    "unknown medium '{medium}' (see 'mmc-drive presets')"
                ))?;
                let blocks = match rest {
                    [] => None,
                    [b] => Some(b.parse().map_err(|_| format!("not a block count: '{b}'"))?),
                    _ => return Err(USAGE.into()),
                };
                if blocks.is_some_and(|b: u32| u64::from(b) > image::MAX_BLOCKS || b == 0) {
                    return Err(format!("BLOCKS must be 1..={}", image::MAX_BLOCKS));
                }
                Some(p.medium(blocks))
            };
            Image::create(Path::new(path), m.as_ref()).map_err(|e| format!("{path}: {e}"))?;
        }
        ["info", path] => {
            let m = Image::open(Path::new(path))
                .and_then(|mut i| i.medium())
                .map_err(|e| format!("{path}: {e}"))?;
            print!("{}", image::header_text(m.as_ref()));
        }
        ["probe", path] => {
            Image::open(Path::new(path))
                .and_then(|mut i| i.medium())
                .map_err(|e| format!("{path}: {e}"))?;
        }
        ["serve", rest @ ..] => {
            let (mut uio, mut img, mut ctl, mut pace) = (None, None, None, None);
            let mut trace = false;
            let mut it = rest.iter();
            while let Some(k) = it.next() {
                if *k == "--trace" {
                    trace = true;
                    continue;
                }
                let v = it.next().ok_or(USAGE)?;
                match *k {
                    "--uio" => uio = Some(*v),
                    "--image" => img = Some(*v),
                    "--control" => ctl = Some(*v),
                    "--pace" => pace = Some(v.parse().map_err(|_| "bad --pace")?),
                    _ => return Err(USAGE.into()),
                }
            }
            let (Some(uio), Some(img), Some(ctl)) = (uio, img, ctl) else {
                return Err(USAGE.into());
            };
            serve::serve(&serve::Options {
                uio: Path::new(uio),
                image: Path::new(img),
                control: Path::new(ctl),
                pace,
                trace,
            })
            .map_err(|e| e.to_string())?;
        }
        ["ctl", sock, cmd @ ..] if !cmd.is_empty() => {
            let mut s = UnixStream::connect(sock).map_err(|e| format!("{sock}: {e}"))?;
            s.write_all(format!("{}\n", cmd.join(" ")).as_bytes())
                .map_err(|e| e.to_string())?;
            let mut reply = String::new();
            s.read_to_string(&mut reply).map_err(|e| e.to_string())?;
            print!("{reply}");
            if reply.starts_with("error") {
                return Err("the drive refused the command".into());
            }
        }
        _ => return Err(USAGE.into()),
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}
