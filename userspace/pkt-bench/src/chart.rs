//! The benchmark's chart (`pkt-bench chart results.json results.svg`): one
//! panel per medium, one group of bars per workload, a bar per driver and
//! one for the limit (the fastest any driver could be, `limit_ns` of the
//! run, where results.json has it), the height user MB per second of the
//! drive's virtual clock on a log scale (the workloads span three orders
//! of magnitude).  Above the pktcdvd-rs bar its share of the limit
//! (`pct_limit`) where there is one; a run that crashed or failed gets its
//! word in place of a bar.  SVG only, its text left to the viewer's
//! fonts: nothing here needs a font on the machine that draws it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use serde_json::Value;
use std::collections::BTreeMap;

/// The series: key in results.json (`driver`, or "limit"), legend, colour.
pub const SERIES: [(&str, &str, RGBColor); 4] = [
    ("rust", "pktcdvd-rs", RGBColor(0xc0, 0x4a, 0x12)),
    ("c", "C 6.12", RGBColor(0x2f, 0x62, 0xa0)),
    ("none", "sr0 direct", RGBColor(0x8c, 0x8c, 0x8c)),
    ("limit", "limit", RGBColor(0x5a, 0xa0, 0x50)),
];

/// Media and workloads in the order the documentation names them; any
/// others follow in name order.
const MEDIA: [&str; 6] = ["cdrw", "dvd+rw", "dvdram", "dvdrw", "bdre", "cdrw-mrw"];
const MEDIA_NAMES: [&str; 6] = [
    "CD-RW",
    "DVD+RW",
    "DVD-RAM",
    "DVD-RW, restricted overwrite",
    "BD-RE",
    "CD-RW, Mount Rainier (MRW)",
];

/// A panel's title: "CD-RW (cdrw)", the preset's name in brackets.
fn title(medium: &str) -> String {
    match MEDIA.iter().position(|m| *m == medium) {
        Some(i) => format!("{} ({medium})", MEDIA_NAMES[i]),
        None => medium.to_string(),
    }
}
const WORKLOADS: [&str; 13] = [
    "seq1m", "seqpkt", "rand4k", "mixed", "udfcopy", "untar", "rewrite", "seqread", "randread",
    "multi1", "multi2", "multi4", "multi8",
];

const WIDTH: u32 = 1200;
const PANEL_HEIGHT: u32 = 300;
const HEADER: u32 = 70;

/// One bar: its height (virtual MB/s), or why there is none.
#[derive(Clone, Debug, PartialEq)]
pub enum Bar {
    /// Virtual MB/s, and for pktcdvd-rs its share of the limit.
    Rate(f64, Option<f64>),
    /// The run failed: "crash", "hang", "error".
    Failed(String),
}

/// (medium, workload) -> series key -> bar.
pub type Cases = BTreeMap<(String, String), BTreeMap<String, Bar>>;

/// A figure of a run's summary, in `figures` or beside it.
fn field(run: &Value, key: &str) -> Option<f64> {
    run["figures"]
        .get(key)
        .or_else(|| run.get(key))
        .and_then(Value::as_f64)
}

/// The bars of results.json's runs.
pub fn cases(results: &Value) -> Cases {
    let mut out = Cases::new();
    for r in results["runs"].as_array().into_iter().flatten() {
        let key = (
            r["medium_arg"].as_str().unwrap_or("?").to_string(),
            r["workload"].as_str().unwrap_or("?").to_string(),
        );
        let driver = r["driver"].as_str().unwrap_or("?").to_string();
        let case = out.entry(key).or_default();
        if r.get("figures").is_none() {
            let why = r["failed"].as_str().unwrap_or("failed").to_string();
            case.insert(driver, Bar::Failed(why));
            continue;
        }
        let mbps = field(r, "virtual_mb_per_s").unwrap_or(0.0);
        let pct = field(r, "pct_limit").filter(|_| driver == "rust");
        case.insert(driver.clone(), Bar::Rate(mbps, pct));
        // The limit is the case's, whichever driver's run carries it.
        let user = field(r, "user_bytes").unwrap_or(0.0);
        if let Some(ns) = field(r, "limit_ns").filter(|&ns| ns > 0.0 && user > 0.0) {
            if driver == "rust" || !case.contains_key("limit") {
                case.insert("limit".into(), Bar::Rate(user / 1e6 / (ns / 1e9), None));
            }
        }
    }
    out
}

/// `names` in `known`'s order, then the rest in theirs.
fn ordered<'a>(names: impl Iterator<Item = &'a String>, known: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = names.cloned().collect();
    v.sort();
    v.dedup();
    v.sort_by_key(|n| known.iter().position(|k| k == n).unwrap_or(known.len()));
    v
}

/// "0.25", "4", "12.5": a rate for an axis or a label.
fn short(v: f64) -> String {
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s.is_empty() {
        "0".into()
    } else {
        s.to_string()
    }
}

fn err<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// The chart of results.json as SVG text.
pub fn render(results: &Value) -> Result<String, String> {
    let cases = cases(results);
    let media = ordered(cases.keys().map(|(m, _)| m), &MEDIA);
    // Only the series some case has, each always in its own place.
    let series: Vec<_> = SERIES
        .iter()
        .filter(|(k, _, _)| cases.values().any(|c| c.contains_key(*k)))
        .collect();
    let mut svg = String::new();
    {
        let height = HEADER + PANEL_HEIGHT * media.len().max(1) as u32;
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let (head, body) = root.split_vertically(HEADER);
        head.draw(&Text::new(
            "pktcdvd-rs, the C driver and the limit: user MB/s of the drive's virtual clock (log scale)",
            (10, 12),
            ("sans-serif", 22).into_font().color(&BLACK),
        ))
        .map_err(err)?;
        for (i, (_, name, colour)) in series.iter().enumerate() {
            let x = 10 + i as i32 * 150;
            head.draw(&Rectangle::new([(x, 44), (x + 14, 58)], colour.filled()))
                .map_err(err)?;
            head.draw(&Text::new(
                *name,
                (x + 20, 45),
                ("sans-serif", 17).into_font().color(&BLACK),
            ))
            .map_err(err)?;
        }
        if media.is_empty() {
            body.draw(&Text::new(
                "no runs",
                (10, 10),
                ("sans-serif", 14).into_font(),
            ))
            .map_err(err)?;
        }
        // Every panel as wide as the one with the most workloads, so that
        // bars are as wide in each.
        let slots = media
            .iter()
            .map(|m| cases.keys().filter(|(x, _)| x == m).count())
            .max()
            .unwrap_or(1);
        let panels = body.split_evenly((media.len().max(1), 1));
        for (panel, medium) in panels.iter().zip(&media) {
            draw_panel(&root, panel, medium, slots, &cases, &series)?;
        }
        root.present().map_err(err)?;
    }
    Ok(svg)
}

type Area<'a> = DrawingArea<SVGBackend<'a>, Shift>;

fn draw_panel(
    root: &Area<'_>,
    panel: &Area<'_>,
    medium: &str,
    slots: usize,
    cases: &Cases,
    series: &[&(&str, &str, RGBColor)],
) -> Result<(), String> {
    let mine: Vec<_> = cases.iter().filter(|((m, _), _)| m == medium).collect();
    let workloads = ordered(mine.iter().map(|((_, w), _)| w), &WORKLOADS);
    let rates: Vec<f64> = mine
        .iter()
        .flat_map(|(_, bars)| bars.values())
        .filter_map(|b| match b {
            Bar::Rate(v, _) if *v > 0.0 => Some(*v),
            _ => None,
        })
        .collect();
    let (lo, hi) = match (
        rates.iter().copied().reduce(f64::min),
        rates.iter().copied().reduce(f64::max),
    ) {
        (Some(a), Some(b)) => (a / 2.0, b * 4.0),
        _ => (0.01, 10.0),
    };
    let n = slots.max(workloads.len()).max(1);
    let mut chart = ChartBuilder::on(panel)
        .caption(title(medium), ("sans-serif", 20).into_font().color(&BLACK))
        .margin(8)
        .x_label_area_size(26)
        .y_label_area_size(64)
        .build_cartesian_2d(0f64..n as f64, (lo..hi).log_scale())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_label_formatter(&|_| String::new())
        .y_labels(6)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 14))
        .y_label_formatter(&|v| short(*v))
        .y_desc("virtual MB/s")
        .draw()
        .map_err(err)?;
    let width = 0.8 / series.len().max(1) as f64;
    let small = ("sans-serif", 13)
        .into_font()
        .transform(FontTransform::Rotate270)
        .color(&BLACK);
    for (i, w) in workloads.iter().enumerate() {
        let bars = &cases[&(medium.to_string(), w.clone())];
        for (j, (key, _, colour)) in series.iter().enumerate() {
            let x0 = i as f64 + 0.1 + j as f64 * width;
            let x1 = x0 + width * 0.9;
            match bars.get(*key) {
                Some(Bar::Rate(v, pct)) if *v > 0.0 => {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(x0, lo), (x1, *v)],
                            colour.filled(),
                        )))
                        .map_err(err)?;
                    if let Some(p) = pct {
                        chart
                            .draw_series(std::iter::once(Text::new(
                                format!("{p:.0}%"),
                                (x0, *v * 1.08),
                                small.clone(),
                            )))
                            .map_err(err)?;
                    }
                }
                Some(Bar::Failed(why)) => {
                    chart
                        .draw_series(std::iter::once(Text::new(
                            why.clone(),
                            (x0, lo * (hi / lo).powf(0.3)),
                            small.clone(),
                        )))
                        .map_err(err)?;
                }
                _ => {}
            }
        }
        let (px, py) = chart.backend_coord(&(i as f64 + 0.5, lo));
        root.draw(&Text::new(
            w.clone(),
            (px, py + 6),
            ("sans-serif", 15)
                .into_font()
                .color(&BLACK)
                .pos(Pos::new(HPos::Center, VPos::Top)),
        ))
        .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(driver: &str, medium: &str, workload: &str, mbps: f64) -> Value {
        json!({"driver": driver, "medium_arg": medium, "workload": workload,
            "figures": {"virtual_mb_per_s": mbps, "user_bytes": 4_000_000.0}})
    }

    #[test]
    fn bars_come_from_the_runs_and_the_limit_from_limit_ns() {
        let mut r = run("rust", "cdrw", "seqpkt", 1.0);
        r["figures"]["limit_ns"] = json!(2_000_000_000u64);
        r["figures"]["pct_limit"] = json!(50.0);
        let failed = json!({"driver": "c", "medium_arg": "cdrw", "workload": "seqpkt",
            "failed": "crash"});
        let c = cases(&json!({"runs": [r, failed]}));
        let bars = &c[&("cdrw".to_string(), "seqpkt".to_string())];
        assert_eq!(bars["rust"], Bar::Rate(1.0, Some(50.0)));
        assert_eq!(bars["limit"], Bar::Rate(2.0, None));
        assert_eq!(bars["c"], Bar::Failed("crash".into()));
    }

    #[test]
    fn no_limit_no_limit_bar() {
        let c = cases(&json!({"runs": [run("rust", "bdre", "seqread", 3.0)]}));
        assert!(!c.values().any(|b| b.contains_key("limit")));
        let svg = render(&json!({"runs": [run("rust", "bdre", "seqread", 3.0)]})).unwrap();
        assert!(!svg.contains("\nlimit\n"), "{svg}");
    }

    #[test]
    fn the_chart_names_every_series_medium_and_workload() {
        let mut runs = vec![];
        for m in ["cdrw", "dvd+rw", "bdre"] {
            for w in ["seqpkt", "rewrite", "multi4"] {
                let mut r = run("rust", m, w, 0.5);
                r["figures"]["limit_ns"] = json!(1_000_000_000u64);
                r["figures"]["pct_limit"] = json!(12.4);
                runs.push(r);
                runs.push(run("c", m, w, 0.25));
            }
        }
        runs.push(
            json!({"driver": "c", "medium_arg": "cdrw", "workload": "seq1m",
            "failed": "hang"}),
        );
        let svg = render(&json!({ "runs": runs })).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..100.min(svg.len())]);
        assert!(svg.trim_end().ends_with("</svg>"));
        for label in [
            "pktcdvd-rs",
            "C 6.12",
            "limit",
            "CD-RW (cdrw)",
            "DVD+RW (dvd+rw)",
            "BD-RE (bdre)",
            "seqpkt",
            "rewrite",
            "multi4",
            "seq1m",
            "hang",
            "12%",
        ] {
            // plotters puts a text element's text on a line of its own.
            assert!(
                svg.contains(&format!("\n{label}\n")),
                "no {label} in the chart"
            );
        }
        // No sr0 run: no such series in the legend.
        assert!(!svg.contains("sr0 direct"));
        // 3 media x 3 workloads x (2 drivers + the limit) bars, and the
        // legend's 3 squares.
        assert!(svg.matches("<rect").count() >= 27 + 3);
        // The media in the documentation's order.
        let pos = |s: &str| svg.find(&format!("\n{s}\n")).unwrap();
        assert!(pos("CD-RW (cdrw)") < pos("DVD+RW (dvd+rw)"));
        assert!(pos("DVD+RW (dvd+rw)") < pos("BD-RE (bdre)"));
    }

    #[test]
    fn short_numbers() {
        assert_eq!(short(0.25), "0.25");
        assert_eq!(short(4.0), "4");
        assert_eq!(short(0.0001), "0");
    }
}
