//! The chip-on-glass refinement series (observed order, Richardson).

use super::entry::Entry;
use std::path::PathBuf;
use validation::convergence::observed;

pub(crate) type Plot = (
    String,
    String,
    String,
    Vec<(String, Vec<(f64, f64)>)>,
    (f64, String),
);

/// The cog_flipchip case's glass-top warpage and volume-mean bump stress
/// over three C3D8I levels (full suite only): reported, not judged — a
/// convergence study has no external reference; the Richardson estimate is
/// drawn instead.
pub(crate) fn cog_convergence(series: &mut Vec<String>, plots: &mut Vec<Plot>) -> Vec<Entry> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let levels = validation::convergence::cog_levels(&root);
    let mut out = Vec::new();
    for (key, title, unit, value) in [
        (
            "cog_warpage_convergence",
            "cog_flipchip: glass-top warpage (single step)",
            "µm",
            (|l: &validation::convergence::Level| l.warpage)
                as fn(&validation::convergence::Level) -> f64,
        ),
        (
            "cog_bump_convergence",
            "cog_flipchip: volume-mean bump von Mises (single step)",
            "MPa",
            |l: &validation::convergence::Level| l.bump_mean,
        ),
    ] {
        let f = [value(&levels[0]), value(&levels[1]), value(&levels[2])];
        let order = observed(f);
        let estimate = order.map_or(f[2], |o| o.1);
        for l in &levels {
            out.push(Entry::new(
                &format!(
                    "cog_flipchip convergence, C3D8I {} mm, {} layers, {} across",
                    l.size, l.layers, l.across
                ),
                title.split(": ").nth(1).unwrap_or(title),
                unit,
                value(l),
                estimate,
                None,
                "Richardson extrapolation of this series (no external reference)",
                "convergence study: reported, not judged",
                l.dof,
                l.seconds,
            ));
        }
        series.push(format!(
            "{title}: {} {unit}; {}",
            f.iter()
                .map(|v| format!("{v:.4}"))
                .collect::<Vec<_>>()
                .join(" → "),
            match order {
                Some((p, est)) =>
                    format!("observed order {p:.2}, Richardson estimate {est:.4} {unit}"),
                None => "not in the asymptotic range (no observed order)".into(),
            }
        ));
        plots.push((
            key.to_string(),
            title.to_string(),
            unit.to_string(),
            vec![(
                "C3D8I".to_string(),
                levels.iter().map(|l| (l.dof as f64, value(l))).collect(),
            )],
            (
                estimate,
                if order.is_some() {
                    "Richardson estimate".to_string()
                } else {
                    "finest level".to_string()
                },
            ),
        ));
    }
    let peak: Vec<String> = levels
        .iter()
        .map(|l| format!("{:.1}", l.bump_max))
        .collect();
    series.push(format!(
        "cog_flipchip bump peak von Mises: {} MPa — at a re-entrant corner, where the elastic stress is singular: it grows under refinement and is not a convergence metric",
        peak.join(" → ")
    ));
    out
}
