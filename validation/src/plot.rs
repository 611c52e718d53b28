//! Convergence plots of the validation report: a quantity against the
//! number of unknowns (log axis) per element kind, with the reference as a
//! dashed line. Text uses the DejaVu Sans Mono bundled with the CLI.

use plotters::prelude::*;
use std::path::Path;
use std::sync::Once;

static FONT: &[u8] = include_bytes!("../../cases/src/fonts/DejaVuSansMono.ttf");

fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // the bundled file is a valid TrueType font
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

const COLOURS: [RGBColor; 3] = [
    RGBColor(31, 119, 180),
    RGBColor(214, 39, 40),
    RGBColor(44, 160, 44),
];

/// Writes `path` (PNG): `series` of `(label, [(unknowns, value)])` and the
/// `reference` value (labelled `reference_label`) as a dashed line, titled
/// `title`, the y axis `y_label`.
pub fn convergence(
    path: &Path,
    title: &str,
    y_label: &str,
    series: &[(String, Vec<(f64, f64)>)],
    (reference, reference_label): (f64, &str),
) -> Result<(), String> {
    register();
    let pts = series.iter().flat_map(|(_, p)| p.iter().copied());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::INFINITY, 0.0f64, reference, reference);
    for (x, y) in pts {
        x0 = x0.min(x);
        x1 = x1.max(x);
        y0 = y0.min(y);
        y1 = y1.max(y);
    }
    let pad = 0.08 * (y1 - y0).max(1e-9);
    let root = BitMapBackend::new(path, (900, 600)).into_drawing_area();
    let e = |e: DrawingAreaErrorKind<_>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(45)
        .y_label_area_size(70)
        .build_cartesian_2d((x0 / 1.5..x1 * 1.5).log_scale(), y0 - pad..y1 + pad)
        .map_err(e)?;
    chart
        .configure_mesh()
        .x_desc("unknowns (DOF)")
        .x_labels(6)
        .x_label_formatter(&|x| format!("{:.0}k", x / 1e3))
        .y_desc(y_label)
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(e)?;
    chart
        .draw_series(DashedLineSeries::new(
            [(x0 / 1.5, reference), (x1 * 1.5, reference)],
            8,
            6,
            BLACK.stroke_width(1),
        ))
        .map_err(e)?
        .label(reference_label)
        .legend(|(x, y)| PathElement::new([(x, y), (x + 20, y)], BLACK));
    for (i, (label, p)) in series.iter().enumerate() {
        let colour = COLOURS[i % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(p.iter().copied(), colour.stroke_width(2)))
            .map_err(e)?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], colour.stroke_width(2)));
        chart
            .draw_series(p.iter().map(|&q| Circle::new(q, 4, colour.filled())))
            .map_err(e)?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(e)?;
    root.present().map_err(e)?;
    Ok(())
}
