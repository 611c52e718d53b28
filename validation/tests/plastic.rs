//! Plasticity through the whole analysis (increments, Newton iterations,
//! history) against closed forms: a bar held between rigid walls, cooled
//! through yield and heated back, in uniaxial stress (the lateral faces
//! free); and Newton's convergence on a plastic model.

use materials::plastic::{Hardening, Plasticity};
use materials::Material;
use mesher::structured::{mesh_boxes, BoxPart, Density};
use mesher::CellKind;
use solver::analysis::StaticAnalysis;
use solver::linear::SolverChoice;
use solver::model::{Increments, Model, Step};
use std::collections::BTreeMap;

const E: f64 = 200e3;
const NU: f64 = 0.3;
const ALPHA: f64 = 1.5e-5;
const SY: f64 = 100.0;
const H: f64 = 20e3;

/// A 4 x 1 x 1 mm bar of `kind` cells between walls at x = 0 and x = 4
/// (u_x = 0 there), the faces y = 0 and z = 0 held in their normal
/// direction (no rigid motion, uniaxial stress), stress-free at 20 °C.
fn bar(kind: CellKind, hardening: Hardening) -> Model {
    let parts = [BoxPart {
        name: "bar".into(),
        min: [0.0, 0.0, 0.0],
        max: [4.0, 1.0, 1.0],
    }];
    let density = Density {
        size: [1.0, 0.5, 0.5],
        min_divisions: 1,
    };
    let mesh = mesh_boxes(&parts, &density, kind).unwrap();
    let mut material = Material::isotropic("steel", E, NU, ALPHA);
    material.plastic =
        Some(Plasticity::constant(hardening, vec![(0.0, SY), (1.0, SY + H)]).unwrap());
    let mut bc = BTreeMap::new();
    for (v, x) in mesh.coordinates.iter().enumerate() {
        if x[0].abs() < 1e-9 || (x[0] - 4.0).abs() < 1e-9 {
            bc.insert((v, 0), 0.0);
        }
        if x[1].abs() < 1e-9 {
            bc.insert((v, 1), 0.0);
        }
        if x[2].abs() < 1e-9 {
            bc.insert((v, 2), 0.0);
        }
    }
    let n = mesh.num_nodes();
    let step = |name: &str, t: f64, time: f64| Step {
        name: name.into(),
        time,
        constraints: bc.clone(),
        loads: BTreeMap::new(),
        temperature: vec![t; n],
        increments: Increments {
            initial: 0.1,
            min: 1e-5,
            fixed: true,
        },
    };
    Model {
        cell_material: vec![0; mesh.num_cells()],
        materials: vec![material],
        thermal: Vec::new(),
        initial_temperature: vec![20.0; n],
        part_stress_free_temperature: Vec::new(),
        // cool by 100 K (mechanical strain 1.5e-3, twice first yield's),
        // then heat back by 200 K
        steps: vec![step("cool", -80.0, 1.0), step("heat", 120.0, 2.0)],
        mesh,
    }
}

/// The uniaxial stress of the bar for a mechanical strain path (tension
/// positive): elastic to ±σ_y, then with the tangent `E_t = E H/(E + H)`;
/// after the reversal elastic to −σ_max (isotropic) or σ_max − 2σ_y
/// (kinematic), then hardening again.
fn closed_form(hardening: Hardening, strain_max: f64, strain_end: f64) -> (f64, f64) {
    let et = E * H / (E + H);
    let s_max = SY + et * (strain_max - SY / E);
    let reverse = match hardening {
        Hardening::Isotropic => -s_max,
        Hardening::Kinematic => s_max - 2.0 * SY,
    };
    let e_reverse = strain_max - (s_max - reverse) / E;
    let s_end = if strain_end >= e_reverse {
        s_max - E * (strain_max - strain_end)
    } else {
        reverse - et * (e_reverse - strain_end)
    };
    (s_max, s_end)
}

/// Every cell kind, both hardening kinds: σ_xx at every point equals the
/// closed form after the cool-down and after the heat-up, within 1e-6 of
/// σ_y (the return map is exact for linear hardening and the state is
/// homogeneous); the other stresses vanish.
#[test]
fn bar_between_walls_cooled_and_heated_through_yield() {
    for kind in [
        CellKind::Hex8,
        CellKind::Hex8I,
        CellKind::Hex20,
        CellKind::Hex20R,
    ] {
        for hardening in [Hardening::Isotropic, Hardening::Kinematic] {
            let model = bar(kind, hardening);
            let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
            let cool = a.solve_step(&model.steps[0]).unwrap();
            let heat = a.solve_step(&model.steps[1]).unwrap();
            // the walls hold the length: mechanical strain −α ΔT
            let (s_max, s_end) = closed_form(hardening, ALPHA * 100.0, -ALPHA * 100.0);
            for (r, exact) in [(&cool, s_max), (&heat, s_end)] {
                for s in &r.stress.data {
                    assert!(
                        (s[0] - exact).abs() < 1e-6 * SY,
                        "{kind:?} {hardening:?} {}: σxx {} vs {exact}",
                        r.name,
                        s[0]
                    );
                    for k in 1..6 {
                        assert!(
                            s[k].abs() < 1e-6 * SY,
                            "{kind:?} {}: σ[{k}] = {}",
                            r.name,
                            s[k]
                        );
                    }
                }
                let n = r.newton.as_ref().unwrap();
                assert!(
                    n.iterations.iter().all(|&i| i <= 6),
                    "{kind:?}: {:?}",
                    n.iterations
                );
            }
        }
    }
}

/// Newton converges quadratically on a plastic model: the bar with a
/// multilinear hardening curve and a temperature falling along it, so that
/// it yields unevenly, in one increment; once the relative residuals are
/// below 1e-2 each is below ten times the square of the previous one.
#[test]
fn newton_converges_quadratically() {
    let mut model = bar(CellKind::Hex20, Hardening::Isotropic);
    model.materials[0].plastic = Some(
        Plasticity::constant(
            Hardening::Isotropic,
            vec![(0.0, SY), (0.001, 130.0), (0.004, 160.0), (0.02, 180.0)],
        )
        .unwrap(),
    );
    let coords = model.mesh.coordinates.clone();
    model.steps[0].temperature = coords.iter().map(|x| -20.0 - 40.0 * x[0]).collect();
    model.steps[0].increments = Increments {
        initial: 1.0,
        min: 1e-5,
        fixed: true,
    };
    let mut a = StaticAnalysis::new(&model, SolverChoice::Direct);
    let r = a.solve_step(&model.steps[0]).unwrap();
    let n = r.newton.as_ref().unwrap();
    let res = &n.residuals;
    assert!(n.plastic_points > 0, "it yields");
    assert!(res.len() >= 3, "{res:?}");
    let mut checked = 0;
    for w in res.windows(2) {
        if w[0] < 1e-2 && w[1] > 1e-15 {
            assert!(w[1] < 10.0 * w[0] * w[0], "not quadratic: {res:?}");
            checked += 1;
        }
    }
    assert!(checked >= 2, "residuals {res:?}");
}
