//! The shipped cases in quick mode (C3D8I, one element per layer and bump):
//! each parses, meshes and solves with finite results, and the physics
//! points the way the materials say. Quarter symmetry reproduces the full
//! model. References: linearity/superposition arguments stated per test,
//! and the full model for the symmetric one.

use cases::summary::Summary;
use cases::Case;
use materials::{Expansion, ExpansionTable, Table};
use mesher::package::Symmetry;
use solver::analysis::{StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::Model;
use std::path::PathBuf;

const CASES: [&str; 4] = [
    "cog_flipchip",
    "pcb_acf",
    "csp_transparent",
    "wlp_paste_plugs",
];

fn quick(name: &str) -> Case {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(format!("../cases/{name}.toml"));
    Case::from_file(&path)
        .unwrap_or_else(|e| panic!("{e}"))
        .quick()
}

fn solve(case: &Case) -> (Model, StepResult, Summary) {
    let model = case.model().unwrap_or_else(|e| panic!("{e}"));
    let r = StaticAnalysis::new(&model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
    let s = Summary::new(case, &model, &r);
    (model, r, s)
}

#[test]
fn every_shipped_case_runs_in_quick_mode() {
    for name in CASES {
        let case = quick(name);
        let (_, r, s) = solve(&case);
        assert!(
            r.displacement.iter().flatten().all(|v| v.is_finite()),
            "{name}"
        );
        assert!(
            !s.warpage_um.is_empty() && s.warpage_um.values().all(|w| w.is_finite() && *w > 0.0),
            "{name}: {s:?}"
        );
        assert!(
            s.die_max_principal_mpa.is_some_and(f64::is_finite),
            "{name}"
        );
        // cooling a CTE-mismatched stack leaves it stressed but far from
        // absurd: every part below 2 GPa von Mises (elastic bumps run high)
        assert!(
            s.parts
                .iter()
                .all(|p| p.von_mises_max > 0.0 && p.von_mises_max < 2000.0),
            "{name}: {:?}",
            s.parts
        );
        eprintln!("{s}");
    }
}

/// Scales a material's expansion coefficients by `f`.
fn scale_cte(case: &mut Case, material: &str, f: f64) {
    let m = case
        .library
        .materials
        .iter_mut()
        .find(|m| m.material.name == material)
        .unwrap();
    let exp = m.material.expansion.as_mut().unwrap();
    let scaled = match &exp.alpha {
        ExpansionTable::Isotropic(t) => ExpansionTable::Isotropic(
            Table::new(
                t.rows()
                    .iter()
                    .map(|(temp, [a])| (*temp, [a * f]))
                    .collect(),
            )
            .unwrap(),
        ),
        ExpansionTable::Orthotropic(t) => ExpansionTable::Orthotropic(
            Table::new(
                t.rows()
                    .iter()
                    .map(|(temp, a)| (*temp, a.map(|x| x * f)))
                    .collect(),
            )
            .unwrap(),
        ),
    };
    *exp = Expansion {
        reference_temperature: exp.reference_temperature,
        alpha: scaled,
    };
}

/// The ACF's shrinkage loads the bumps: a higher ACF CTE gives a higher
/// (volume-mean) bump von Mises stress and a higher ACF stress.
#[test]
fn bump_stress_rises_with_the_acf_cte() {
    let base = quick("pcb_acf");
    let (.., s0) = solve(&base);
    let mut hot = base.clone();
    scale_cte(&mut hot, "acf_epoxy", 1.5);
    let (.., s1) = solve(&hot);
    let (b0, b1) = (s0.bumps.unwrap(), s1.bumps.unwrap());
    eprintln!(
        "bump mean von Mises {:.2} -> {:.2} MPa",
        b0.von_mises_mean, b1.von_mises_mean
    );
    assert!(b1.von_mises_mean > b0.von_mises_mean);
    assert!(s1.adhesives["acf"].von_mises_max > s0.adhesives["acf"].von_mises_max);
}

/// Bimetal direction: on cooling, a die that shrinks more pulls the glass's
/// bottom shorter, so the glass top bows up in the middle relative to its
/// corner. By superposition, raising the die's CTE must raise
/// `u_z(centre) − u_z(corner)` of the glass top.
#[test]
fn glass_bows_the_way_the_die_cte_says() {
    let bow = |case: &Case| {
        let (model, r, _) = solve(case);
        let top = &model.mesh.node_sets["GLASS_TOP"];
        let at = |x: f64, y: f64| {
            let v = *top
                .iter()
                .min_by(|&&a, &&b| {
                    let d = |v: usize| {
                        (model.mesh.coordinates[v][0] - x).powi(2)
                            + (model.mesh.coordinates[v][1] - y).powi(2)
                    };
                    d(a).total_cmp(&d(b))
                })
                .unwrap();
            r.displacement[v][2]
        };
        at(0.0, 0.0) - at(4.0, 4.0)
    };
    let base = quick("cog_flipchip");
    let b0 = bow(&base);
    let mut high = base.clone();
    scale_cte(&mut high, "silicon", 4.0);
    let b1 = bow(&high);
    eprintln!("glass-top centre minus corner: {b0:.4e} mm (Si), {b1:.4e} mm (die CTE x4)");
    assert!(b1 > b0);
}

/// The quarter model (symmetry conditions on x = 0 and y = 0) gives the
/// full model's warpage and bump stresses to 1e-6 relative.
#[test]
fn quarter_model_equals_the_full_model() {
    let quarter = quick("cog_flipchip");
    let mut full = quarter.clone();
    full.controls.symmetry = Symmetry::Full;
    let (mq, _, sq) = solve(&quarter);
    let (mf, _, sf) = solve(&full);
    assert_eq!(mf.mesh.num_cells(), 4 * mq.mesh.num_cells());
    for (face, wq) in &sq.warpage_um {
        let wf = sf.warpage_um[face];
        eprintln!("{face}: quarter {wq:.9} um, full {wf:.9} um");
        assert!((wq - wf).abs() <= 1e-6 * wf.abs(), "{face}: {wq} vs {wf}");
    }
    let (bq, bf) = (sq.bumps.unwrap(), sf.bumps.unwrap());
    for (a, b) in [
        (bq.von_mises_max, bf.von_mises_max),
        (bq.von_mises_mean, bf.von_mises_mean),
        (bq.peel_max, bf.peel_max),
    ] {
        assert!((a - b).abs() <= 1e-6 * b.abs(), "bump stress {a} vs {b}");
    }
}
