//! Heat conduction against closed forms.

use super::entry::Entry;
use mesher::CellKind;
use std::time::Instant;
use validation::models::{self};

/// Heat conduction: a suddenly heated slab against its Fourier series at
/// the mid-plane (t = τ/2, τ, 2τ), and two materials in series against the
/// exact interface temperature.
pub(crate) fn thermal() -> Vec<Entry> {
    use materials::Table;
    use models::{plane_nodes, slab_series, thermal_bar, thermal_props, BAR_LENGTH as L};
    use solver::thermal::{ThermalProblem, TransientThermal};
    let mut out = Vec::new();
    let mesh = thermal_bar(40, CellKind::Hex20);
    let k = 1.1;
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![
            thermal_props(Table::constant([k])),
            thermal_props(Table::constant([k])),
        ],
        cell_material: &mesh.cell_part,
    };
    let diffusivity = k / (2.38e-9 * 7.5e8);
    let tau = L * L / (std::f64::consts::PI.powi(2) * diffusivity);
    let (ti, ts) = (20.0, 120.0);
    let mut fixed = plane_nodes(&mesh, 0.0, ts);
    fixed.extend(plane_nodes(&mesh, L, ts));
    let mid = (0..mesh.num_nodes())
        .find(|&v| (mesh.coordinates[v][0] - L / 2.0).abs() < 1e-12)
        .expect("a mid-plane node");
    let mut solver = TransientThermal::new(&problem);
    let mut t = vec![ti; mesh.num_nodes()];
    let dt = tau / 400.0;
    let clock = Instant::now();
    for step in 1..=800 {
        t = solver.step(&t, dt, &fixed, &[]).expect("slab step");
        if step % 200 == 0 {
            let time = step as f64 * dt;
            // judged on the rise above the initial temperature
            out.push(Entry::new(
                &format!(
                    "Suddenly heated slab, 40 C3D20 along, Δt = τ/400, t = {:.1} τ",
                    time / tau
                ),
                "mid-plane temperature rise",
                "°C",
                t[mid] - ti,
                slab_series(L / 2.0, time, L, tau, ti, ts) - ti,
                Some(0.01),
                "Carslaw & Jaeger, Conduction of Heat in Solids (1959), §3.3: Fourier series",
                "1 % of the rise: backward Euler is first order in time (Δt = τ/400)",
                mesh.num_nodes(),
                clock.elapsed().as_secs_f64(),
            ));
        }
    }
    let mesh = thermal_bar(8, CellKind::Hex20);
    let (k1, k2) = (1.1, 148.0);
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![
            thermal_props(Table::constant([k1])),
            thermal_props(Table::constant([k2])),
        ],
        cell_material: &mesh.cell_part,
    };
    let mut fixed = plane_nodes(&mesh, 0.0, 200.0);
    fixed.extend(plane_nodes(&mesh, L, 25.0));
    let t = TransientThermal::new(&problem)
        .steady(&vec![25.0; mesh.num_nodes()], &fixed, &[])
        .expect("steady");
    let q = (200.0 - 25.0) / (L / 2.0 / k1 + L / 2.0 / k2);
    let interface = (0..mesh.num_nodes())
        .find(|&v| (mesh.coordinates[v][0] - L / 2.0).abs() < 1e-12)
        .expect("an interface node");
    out.push(Entry::new(
        "Glass / silicon-like conductors in series (k 1.1 and 148 mW/(mm·K)), 8 C3D20",
        "interface temperature",
        "°C",
        t[interface],
        200.0 - q * L / 2.0 / k1,
        Some(1e-9),
        "exact: piecewise-linear profile, q = ΔT/(a/k₁ + b/k₂)",
        "round-off: quadratic elements contain the exact linear profile",
        mesh.num_nodes(),
        0.0,
    ));
    out
}
