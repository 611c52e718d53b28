//! `history.png`: warpage and stresses of a recipe run against time, with
//! the head, stage and ambient temperatures on a second axis — the curve
//! engineers look at first. Text uses the bundled DejaVu Sans Mono (no
//! system fonts needed). Time is on a logarithmic axis when the recipe
//! spans more than two decades (seconds of bonding, minutes of cooling).

use crate::recipe::HistoryRow;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

/// Errors of the plotting backend, as text.
type Result<T> = std::result::Result<T, String>;

static FONT: &[u8] = include_bytes!("fonts/DejaVuSansMono.ttf");

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // the bundled file is a valid TrueType font
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

/// `(label, points)` curves of one panel.
type Curves = Vec<(String, Vec<(f64, f64)>)>;

fn range(curves: &Curves) -> (f64, f64) {
    let (lo, hi) = curves
        .iter()
        .flat_map(|(_, p)| p.iter().map(|&(_, y)| y))
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), y| {
            (a.min(y), b.max(y))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.08).max(1e-9 * hi.abs().max(1.0));
    (lo - pad, hi + pad)
}

const COLOURS: [RGBColor; 6] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(23, 190, 207),
];

fn panel<DB: DrawingBackend, X>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    x: X,
    title: &str,
    y_label: &str,
    curves: &Curves,
    temps: &Curves,
) -> Result<()>
where
    X: AsRangedCoord<Value = f64> + Clone,
    X::CoordDescType: ValueFormatter<f64>,
    DB::ErrorType: 'static,
{
    let (y0, y1) = range(curves);
    let (t0, t1) = range(temps);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(64)
        .right_y_label_area_size(56)
        .build_cartesian_2d(x.clone(), y0..y1)
        .map_err(|e| e.to_string())?
        .set_secondary_coord(x, t0..t1);
    chart
        .configure_mesh()
        .x_desc("time (s)")
        .y_desc(y_label)
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    chart
        .configure_secondary_axes()
        .y_desc("temperature (C)")
        .label_style(("sans-serif", 13))
        .draw()
        .map_err(|e| e.to_string())?;
    for (i, (label, points)) in curves.iter().enumerate() {
        let c = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(points.iter().copied(), c.stroke_width(2)))
            .map_err(|e| e.to_string())?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(2)));
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 2, c.filled())))
            .map_err(|e| e.to_string())?;
    }
    let greys = [
        RGBColor(90, 90, 90),
        RGBColor(160, 160, 160),
        RGBColor(200, 140, 60),
    ];
    for (i, (label, points)) in temps.iter().enumerate() {
        let c = greys[i % greys.len()];
        chart
            .draw_secondary_series(DashedLineSeries::new(
                points.iter().copied(),
                6,
                4,
                c.stroke_width(1),
            ))
            .map_err(|e| e.to_string())?
            .label(label.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 16, y)], c.stroke_width(1)));
    }
    chart
        .configure_series_labels()
        .label_font(("sans-serif", 12))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| e.to_string())?;
    Ok(())
}

/// Draws the history of a recipe run into `path` (PNG, 1200 × 900).
pub fn history_png(path: &Path, case: &str, rows: &[HistoryRow]) -> Result<()> {
    register();
    if rows.is_empty() {
        return Err("no history to plot".to_string());
    }
    let series = |f: &dyn Fn(&HistoryRow) -> Option<f64>| -> Vec<(f64, f64)> {
        rows.iter()
            .filter_map(|r| f(r).map(|v| (r.time_s, v)))
            .filter(|(_, v)| v.is_finite())
            .collect()
    };
    let mut warpage: Curves = Vec::new();
    for face in rows[0].warpage_um.keys() {
        warpage.push((
            format!("warpage {face}"),
            series(&|r| r.warpage_um.get(face).copied()),
        ));
    }
    let mut stress: Curves = Vec::new();
    if rows[0].bumps.is_some() {
        stress.push((
            "bump von Mises max".into(),
            series(&|r| r.bumps.as_ref().map(|b| b.von_mises_max)),
        ));
        stress.push((
            "bump von Mises mean".into(),
            series(&|r| r.bumps.as_ref().map(|b| b.von_mises_mean)),
        ));
    }
    for a in rows[0].adhesives.keys() {
        stress.push((
            format!("{a} von Mises max"),
            series(&|r| r.adhesives.get(a).map(|m| m.von_mises_max)),
        ));
    }
    for p in rows[0].watched.keys() {
        stress.push((
            format!("{p} von Mises max"),
            series(&|r| r.watched.get(p).map(|m| m.von_mises_max)),
        ));
    }
    if rows[0].die_max_principal_mpa.is_some() {
        stress.push((
            "die max principal".into(),
            series(&|r| r.die_max_principal_mpa),
        ));
    }
    let mut temps: Curves = Vec::new();
    if rows.iter().any(|r| r.head_c.is_some()) {
        temps.push(("head".into(), series(&|r| r.head_c)));
    }
    if rows.iter().any(|r| r.stage_c.is_some()) {
        temps.push(("stage".into(), series(&|r| r.stage_c)));
    }
    for p in rows[0].part_temperature_c.keys() {
        temps.push((
            format!("{p} mean"),
            series(&|r| r.part_temperature_c.get(p).copied()),
        ));
    }
    if temps.is_empty() {
        temps.push(("T max".into(), series(&|r| Some(r.t_max_c))));
    }
    let (tmin, tmax) = rows.iter().fold((f64::INFINITY, 0.0f64), |(a, b), r| {
        (a.min(r.time_s), b.max(r.time_s))
    });
    let tmin = tmin.max(1e-6);
    let tmax = tmax.max(tmin * 1.01);
    // drawn beside the target and renamed over it: never a half-written file
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("history.png");
    let partial = path.with_file_name(format!(".partial-{name}"));
    let drawn = draw(&partial, case, &warpage, &stress, &temps, tmin, tmax);
    if let Err(e) = drawn {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    std::fs::rename(&partial, path).map_err(|e| e.to_string())?;
    Ok(())
}

fn draw(
    path: &Path,
    case: &str,
    warpage: &Curves,
    stress: &Curves,
    temps: &Curves,
    tmin: f64,
    tmax: f64,
) -> Result<()> {
    let root = BitMapBackend::new(path, (1200, 900)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    let (top, bottom) = root.split_vertically(450);
    let t1 = format!("{case}: warpage");
    let t2 = format!("{case}: stresses");
    if tmax / tmin > 100.0 {
        let x = (tmin * 0.8..tmax * 1.2).log_scale();
        panel(&top, x.clone(), &t1, "warpage (um)", warpage, temps)?;
        panel(&bottom, x, &t2, "stress (MPa)", stress, temps)?;
    } else {
        let x = 0.0..tmax * 1.02;
        panel(&top, x.clone(), &t1, "warpage (um)", warpage, temps)?;
        panel(&bottom, x, &t2, "stress (MPa)", stress, temps)?;
    }
    root.present().map_err(|e| e.to_string())?;
    Ok(())
}
