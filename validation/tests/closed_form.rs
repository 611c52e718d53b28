//! Thermo-elastic results against closed-form solutions, and the solver's
//! own invariants (thread-count determinism, direct = iterative).

use materials::{Elastic, Expansion, ExpansionTable, Material, Table};
use mesher::structured::{BoxPart, Density};
use mesher::CellKind;
use solver::analysis::{StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::Model;
use std::collections::BTreeMap;
use validation::models::{
    bilayer, cog_block, interface_curvature, layered_model, timoshenko_curvature,
};

fn solve(model: &Model, choice: SolverChoice) -> StepResult {
    StaticAnalysis::new(model, choice)
        .solve_step(&model.steps[0])
        .expect("solves")
}

fn iso(name: &str, e: f64, nu: f64, alpha: f64) -> Material {
    Material::isotropic(name, e, nu, alpha)
}

/// Free thermal expansion of a three-part body whose parts share α but not
/// E or ν: zero stress and `u = α ΔT (x − x_A)` exactly (A: the fully held
/// node of the 3-2-1 supports). Tolerance: round-off (1e-9 of max |u|;
/// stresses below 1e-7 MPa).
#[test]
fn free_expansion_of_a_multi_part_body_is_stress_free() {
    let alpha = 7e-6;
    for kind in [
        CellKind::Hex8,
        CellKind::Hex8I,
        CellKind::Hex20,
        CellKind::Hex20R,
    ] {
        let parts = [
            (
                BoxPart {
                    name: "a".into(),
                    min: [0.0, 0.0, 1.0],
                    max: [2.0, 1.0, 1.5],
                },
                iso("A", 70e3, 0.22, alpha),
            ),
            (
                BoxPart {
                    name: "b".into(),
                    min: [0.5, 0.0, 0.5],
                    max: [1.5, 1.0, 1.0],
                },
                iso("B", 2.5e3, 0.35, alpha),
            ),
            (
                BoxPart {
                    name: "c".into(),
                    min: [0.0, 0.0, 0.0],
                    max: [2.0, 1.0, 0.5],
                },
                iso("C", 130e3, 0.28, alpha),
            ),
        ];
        let model = layered_model(
            &parts,
            &Density {
                size: [0.25, 0.25, 0.25],
                min_divisions: 2,
            },
            kind,
            180.0,
            25.0,
        );
        let r = solve(&model, SolverChoice::Direct);
        let a = model.steps[0]
            .constraints
            .iter()
            .find(|(&(_, d), _)| d == 0)
            .map(|(&(v, _), _)| v)
            .unwrap();
        let xa = model.mesh.coordinates[a];
        let dt: f64 = 25.0 - 180.0;
        let umax = alpha * dt.abs() * 3.0;
        for (v, x) in model.mesh.coordinates.iter().enumerate() {
            for d in 0..3 {
                let exact = alpha * dt * (x[d] - xa[d]);
                assert!(
                    (r.displacement[v][d] - exact).abs() < 1e-9 * umax,
                    "{kind:?} node {v}"
                );
            }
        }
        let smax = r
            .stress
            .data
            .iter()
            .flatten()
            .fold(0.0f64, |m, s| m.max(s.abs()));
        assert!(
            smax < 1e-7,
            "{kind:?}: a free body carries stress {smax} MPa"
        );
    }
}

/// A block on rollers on all six faces cannot expand: `ε = 0`, so every
/// normal stress is `−E α ΔT / (1 − 2ν)` and the shears vanish.
/// Tolerance 1e-9 relative.
#[test]
fn fully_constrained_block_carries_the_hydrostatic_thermal_stress() {
    let (e, nu, alpha) = (130e3, 0.28, 2.6e-6);
    for kind in [
        CellKind::Hex8,
        CellKind::Hex8I,
        CellKind::Hex20,
        CellKind::Hex20R,
        CellKind::Tet10,
    ] {
        let parts = [(
            BoxPart {
                name: "block".into(),
                min: [0.0; 3],
                max: [1.0, 2.0, 0.5],
            },
            iso("SI", e, nu, alpha),
        )];
        let mut model = layered_model(
            &parts,
            &Density {
                size: [0.25; 3],
                min_divisions: 2,
            },
            kind,
            180.0,
            25.0,
        );
        let hi = [1.0, 2.0, 0.5];
        let mut rollers = BTreeMap::new();
        for (v, x) in model.mesh.coordinates.iter().enumerate() {
            for d in 0..3 {
                if x[d].abs() < 1e-12 || (x[d] - hi[d]).abs() < 1e-12 {
                    rollers.insert((v, d), 0.0);
                }
            }
        }
        model.steps[0].constraints = rollers;
        let r = solve(&model, SolverChoice::Direct);
        let exact = -e * alpha * (25.0 - 180.0) / (1.0 - 2.0 * nu);
        for s in &r.stress.data {
            for d in 0..3 {
                assert!(
                    (s[d] - exact).abs() < 1e-9 * exact.abs(),
                    "{kind:?}: σ = {s:?}, expected {exact}"
                );
                assert!(s[d + 3].abs() < 1e-9 * exact.abs(), "{kind:?}: shear {s:?}");
            }
        }
    }
}

/// Timoshenko (1925), "Analysis of bi-metal thermostats", J. Opt. Soc. Am.
/// 11, 233: curvature of a bimetal strip under a uniform temperature change,
/// `κ = 6 Δα ΔT (1+m)² / (h [3(1+m)² + (1+mn)(m² + 1/(mn))])`,
/// `m = t₁/t₂`, `n = E₁/E₂`, `h = t₁ + t₂`. With ν = 0 the 3D strip is the
/// beam of the formula. Measured: the second derivative of the centre-line
/// deflection fitted over the middle half of the strip. Tolerance 1 %, two
/// elements through each layer.
#[test]
fn bimetal_strip_curvature_matches_timoshenko() {
    let (t1, t2): (f64, f64) = (0.3, 0.2); // top (1), bottom (2), mm
    let (e1, e2) = (200e3, 70e3);
    let (a1, a2) = (5e-6, 23e-6);
    let dt = 100.0;
    let kappa = timoshenko_curvature((t1, t2), (e1, e2), (a2 - a1) * dt);
    for kind in [CellKind::Hex20R, CellKind::Hex8I, CellKind::Hex20] {
        let model = bilayer(
            kind,
            (t1, t2),
            iso("TOP", e1, 0.0, a1),
            iso("BOTTOM", e2, 0.0, a2),
            20.0,
            20.0 + dt,
        );
        let r = solve(&model, SolverChoice::Direct);
        // the higher-α bottom grows longer and is the convex side: the centre sags
        let measured = interface_curvature(&model, &r, t2);
        let err = (measured - kappa) / kappa;
        eprintln!(
            "{kind:?}: curvature {measured:.6e} /mm vs Timoshenko {kappa:.6e} /mm ({:+.3} %)",
            100.0 * err
        );
        assert!(
            err.abs() < 0.01,
            "{kind:?}: curvature off by {:.3} %",
            100.0 * err
        );
    }
}

/// Per-part stress-free temperatures: two layers of one material (ν = 0),
/// the top stress-free at 20 °C and the bottom at 120 °C, both at 20 °C,
/// are a bimetal whose mismatch strain is α (120 − 20) (the bottom is the
/// one that shrank): Timoshenko's curvature with `Δα ΔT` replaced by that
/// strain and `n = 1`. Tolerance 1 %.
#[test]
fn per_part_stress_free_temperatures_bend_like_a_bimetal() {
    let (t1, t2): (f64, f64) = (0.3, 0.2);
    let (e, a) = (100e3, 10e-6);
    let mismatch = a * (120.0 - 20.0);
    let (m, h) = (t1 / t2, t1 + t2);
    let kappa = 6.0 * mismatch * (1.0 + m).powi(2)
        / (h * (3.0 * (1.0 + m).powi(2) + (1.0 + m) * (m * m + 1.0 / m)));
    let mut model = bilayer(
        CellKind::Hex20R,
        (t1, t2),
        iso("M", e, 0.0, a),
        iso("M", e, 0.0, a),
        20.0,
        20.0,
    );
    model.part_stress_free_temperature = vec![None, Some(120.0)];
    let r = solve(&model, SolverChoice::Direct);
    // the bottom shrank: it is the concave side, the centre rises
    let measured = -interface_curvature(&model, &r, t2);
    let err = (measured - kappa) / kappa;
    eprintln!(
        "curvature {measured:.6e} /mm vs {kappa:.6e} /mm ({:+.3} %)",
        100.0 * err
    );
    assert!(err.abs() < 0.01, "off by {:.3} %", 100.0 * err);
}

/// An orthotropic block with a different CTE per axis expands freely:
/// `u_i = α_i ΔT (x_i − x_A,i)`, zero stress. Tolerance: round-off.
#[test]
fn orthotropic_block_expands_freely_per_axis() {
    let alpha = [14e-6, 17e-6, 60e-6];
    let fr4 = Material {
        name: "FR4".into(),
        elastic: Elastic::Orthotropic(Table::constant([
            22e3, 20e3, 9e3, 0.14, 0.3, 0.28, 4.5e3, 3.2e3, 3.0e3,
        ])),
        expansion: Some(Expansion {
            reference_temperature: 20.0,
            alpha: ExpansionTable::Orthotropic(Table::constant(alpha)),
        }),
        plastic: None,
        viscoelastic: None,
        elastic_equivalent: None,
    };
    for kind in [CellKind::Hex8, CellKind::Hex20R] {
        let parts = [(
            BoxPart {
                name: "pcb".into(),
                min: [0.0; 3],
                max: [3.0, 2.0, 0.8],
            },
            fr4.clone(),
        )];
        let model = layered_model(
            &parts,
            &Density {
                size: [0.5; 3],
                min_divisions: 2,
            },
            kind,
            200.0,
            25.0,
        );
        let r = solve(&model, SolverChoice::Direct);
        let a = model.steps[0]
            .constraints
            .keys()
            .find(|&&(_, d)| d == 0)
            .unwrap()
            .0;
        let xa = model.mesh.coordinates[a];
        for (v, x) in model.mesh.coordinates.iter().enumerate() {
            for d in 0..3 {
                let exact = alpha[d] * (25.0 - 200.0) * (x[d] - xa[d]);
                assert!(
                    (r.displacement[v][d] - exact).abs() < 1e-14 + 1e-10 * exact.abs().max(1e-3),
                    "{kind:?} node {v} dir {d}"
                );
            }
        }
        assert!(r.stress.data.iter().flatten().all(|s| s.abs() < 1e-7));
    }
}

/// The same input gives the same numbers on 1 and 2 threads: bit-identical
/// for assembly, stress recovery and CG (coloured assembly, fixed-order
/// reductions), and to round-off (ε times the condition number, 1e-9 of
/// max |u|) for the direct solve, whose parallel supernodal factorisation
/// (faer) sums some updates in a thread- and timing-dependent order.
#[test]
fn results_do_not_depend_on_the_thread_count() {
    let model = cog_block(0.5, 2, CellKind::Hex20R);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            (
                solve(&model, SolverChoice::Direct),
                solve(&model, SolverChoice::Iterative),
            )
        })
    };
    let (d1, i1) = run(1);
    let (d2, i2) = run(2);
    let umax = d1
        .displacement
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = d1
        .displacement
        .iter()
        .flatten()
        .zip(d2.displacement.iter().flatten())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    eprintln!(
        "direct: max |Δu| between 1 and 2 threads = {:.3e} of max |u|",
        diff / umax
    );
    // round-off of this system: machine epsilon (1.1e-16) times its
    // condition number, of order 1e7 for these stiffness contrasts and
    // aspect ratios (Jacobi-CG needs ~6000 iterations), bounds the
    // difference at ~1e-9; measured 2e-14 to 2e-11 depending on timing
    assert!(
        diff <= 1e-9 * umax,
        "direct solve differs between 1 and 2 threads by {diff:e}"
    );
    assert_eq!(
        i1.displacement, i2.displacement,
        "CG differs between 1 and 2 threads"
    );
    assert_eq!(
        i1.stress.data, i2.stress.data,
        "stress recovery differs between 1 and 2 threads"
    );
    assert_eq!(i1.stats.iterations, i2.stats.iterations);
}

/// CG (relative residual 1e-10) and the direct Cholesky agree on the
/// chip-on-glass block to 1e-7 of the largest displacement.
#[test]
fn iterative_and_direct_solutions_agree() {
    let model = cog_block(0.5, 2, CellKind::Hex20R);
    let d = solve(&model, SolverChoice::Direct);
    let i = solve(&model, SolverChoice::Iterative);
    let umax = d
        .displacement
        .iter()
        .flatten()
        .fold(0.0f64, |m, v| m.max(v.abs()));
    let diff = d
        .displacement
        .iter()
        .flatten()
        .zip(i.displacement.iter().flatten())
        .fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
    eprintln!(
        "CG: {} iterations, max |Δu| / max |u| = {:.3e}",
        i.stats.iterations,
        diff / umax
    );
    assert!(diff < 1e-7 * umax);
}

/// A block on frictionless rollers (u_x = 0 on x = 0, u_y = 0 on y = 0,
/// u_z = 0 on z = 0) under a uniform pressure p on its top face is in
/// uniaxial compression: σzz = −p, all else zero, and the nodal forces add
/// up to p·A. Tolerance 1e-9 relative.
#[test]
fn pressure_on_a_block_gives_uniaxial_compression() {
    let p = 3.5;
    for kind in [CellKind::Hex20R, CellKind::Tet10] {
        let parts = [(
            BoxPart {
                name: "block".into(),
                min: [0.0; 3],
                max: [1.0, 2.0, 0.5],
            },
            iso("S", 130e3, 0.28, 2.6e-6),
        )];
        let mut model = layered_model(
            &parts,
            &Density {
                size: [0.25; 3],
                min_divisions: 2,
            },
            kind,
            25.0,
            25.0,
        );
        let mut rollers = BTreeMap::new();
        for (v, x) in model.mesh.coordinates.iter().enumerate() {
            for d in 0..3 {
                if x[d].abs() < 1e-12 {
                    rollers.insert((v, d), 0.0);
                }
            }
        }
        model.steps[0].constraints = rollers;
        let top = model.mesh.node_sets["BLOCK_TOP"].clone();
        let faces = solver::element::face::faces_on(&model.mesh, &top);
        assert!((solver::loads::faces_area(&model.mesh, &faces) - 2.0).abs() < 1e-12);
        let mut loads = BTreeMap::new();
        solver::loads::add_pressure(&model.mesh, &faces, p, &mut loads);
        let fz: f64 = loads
            .iter()
            .filter(|((_, d), _)| *d == 2)
            .map(|(_, f)| f)
            .sum();
        assert!((fz + p * 2.0).abs() < 1e-12, "{kind:?}: resultant {fz} N");
        model.steps[0].loads = loads;
        let r = solve(&model, SolverChoice::Direct);
        for s in &r.stress.data {
            assert!((s[2] + p).abs() < 1e-9 * p, "{kind:?}: σ = {s:?}");
            for k in [0, 1, 3, 4, 5] {
                assert!(s[k].abs() < 1e-9 * p, "{kind:?}: σ = {s:?}");
            }
        }
    }
}
