//! Mesh convergence of the cog_flipchip case (single step): glass-top
//! warpage and the volume-mean bump von Mises stress over three levels
//! (element size, layers and elements across each bump all halved/doubled
//! per level, C3D8I), with the observed order `p = ln((f1 − f2)/(f2 − f3))
//! / ln 2` and Richardson's estimate `f* = f3 + (f3 − f2)/(2^p − 1)`. Peak
//! stresses at the bumps' re-entrant corners are singular and are reported,
//! not converged. Shared by `--bin convergence` (CONVERGENCE.md) and the
//! validation report.

use cases::summary::Summary;
use cases::Case;
use mesher::CellKind;
use solver::analysis::StaticAnalysis;
use solver::linear::SolverChoice;
use std::path::Path;
use std::time::Instant;

/// One refinement level.
pub struct Level {
    /// In-plane element size, mm.
    pub size: f64,
    pub layers: usize,
    pub across: usize,
    pub dof: usize,
    /// Glass-top warpage, µm.
    pub warpage: f64,
    /// Volume-mean and peak bump von Mises stress, MPa.
    pub bump_mean: f64,
    pub bump_max: f64,
    pub seconds: f64,
}

/// The three levels of `cases/cog_flipchip.toml` (under `root`, the
/// repository), solved single step with the materials' elastic parts (a
/// study of the mesh, not of the material laws).
pub fn cog_levels(root: &Path) -> Vec<Level> {
    let base = Case::from_file(&root.join("cases/cog_flipchip.toml"))
        .unwrap_or_else(|e| panic!("{e}"))
        .elastic();
    let mut levels = Vec::new();
    for (size, layers, across) in [(0.8, 1, 1), (0.4, 2, 2), (0.2, 4, 4)] {
        let mut case = base.clone();
        case.controls.kind = CellKind::Hex8I;
        case.controls.size = size;
        case.controls.layers = layers;
        case.controls.across_prisms = across;
        let t = Instant::now();
        let model = case.model().unwrap_or_else(|e| panic!("{e}"));
        let r = StaticAnalysis::new(&model, SolverChoice::Auto)
            .solve_step(&model.steps[0])
            .unwrap_or_else(|e| panic!("{e}"));
        let s = Summary::new(&case, &model, &r);
        let b = s.bumps.clone().expect("bumps");
        let level = Level {
            size,
            layers,
            across,
            dof: r.num_equations,
            warpage: s.warpage_um["glass.top"],
            bump_mean: b.von_mises_mean,
            bump_max: b.von_mises_max,
            seconds: t.elapsed().as_secs_f64(),
        };
        eprintln!(
            "size {size} mm, {layers} layers, {across} across: {} DOF, warpage {:.6} um, bump mean {:.3} MPa, max {:.3} MPa, {:.1} s",
            level.dof, level.warpage, level.bump_mean, level.bump_max, level.seconds
        );
        levels.push(level);
    }
    levels
}

/// Observed order and Richardson estimate of three values on meshes
/// halved in size, when they are in the asymptotic range (differences of
/// one sign, shrinking).
pub fn observed(f: [f64; 3]) -> Option<(f64, f64)> {
    let (d1, d2) = (f[0] - f[1], f[1] - f[2]);
    if d1 == 0.0 || d2 == 0.0 || d1.signum() != d2.signum() || d1.abs() <= d2.abs() {
        return None;
    }
    let p = (d1 / d2).ln() / 2f64.ln();
    Some((p, f[2] + (f[2] - f[1]) / (2f64.powf(p) - 1.0)))
}
