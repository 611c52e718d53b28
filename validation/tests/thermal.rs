//! Heat conduction against closed-form solutions and conservation.
//! Units: mm, s, °C, mW/(mm·°C), t/mm³, mJ/(t·°C).

use materials::Table;
use mesher::CellKind;
use solver::thermal::{Convection, ThermalProblem, TransientThermal};

use validation::models::{
    plane_nodes as face, slab_series, thermal_bar as bar, thermal_props as props, BAR_LENGTH as L,
};

/// Two materials in series between fixed end temperatures: the exact
/// profile is piecewise linear, with flux `q = ΔT / (a/k₁ + b/k₂)`;
/// quadratic elements reproduce it to round-off (tolerance 1e-9 °C).
#[test]
fn two_material_steady_conduction_is_piecewise_linear() {
    let mesh = bar(8, CellKind::Hex20);
    let (k1, k2) = (1.1, 148.0);
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![props(Table::constant([k1])), props(Table::constant([k2]))],
        cell_material: &mesh.cell_part,
    };
    let mut fixed = face(&mesh, 0.0, 200.0);
    fixed.extend(face(&mesh, L, 25.0));
    let t = TransientThermal::new(&problem)
        .steady(&vec![25.0; mesh.num_nodes()], &fixed, &[])
        .unwrap();
    let q = (200.0 - 25.0) / (L / 2.0 / k1 + L / 2.0 / k2);
    let t_mid = 200.0 - q * L / 2.0 / k1;
    for (v, x) in mesh.coordinates.iter().enumerate() {
        let exact = if x[0] <= L / 2.0 {
            200.0 - q * x[0] / k1
        } else {
            t_mid - q * (x[0] - L / 2.0) / k2
        };
        assert!(
            (t[v] - exact).abs() < 1e-9,
            "x = {}: {} vs {exact}",
            x[0],
            t[v]
        );
    }
}

/// `k(T) = k₀(1 + βT)`: the Kirchhoff variable `φ = T + βT²/2` is linear in
/// x, so `T(x) = (√(1 + 2βφ(x)) − 1)/β`. Picard iteration on k(T) with 40
/// quadratic elements: tolerance 1e-4 of the temperature difference.
#[test]
fn temperature_dependent_conductivity_matches_kirchhoff() {
    let mesh = bar(40, CellKind::Hex20);
    let (k0, beta) = (1.0, 4e-3);
    let k = Table::new(vec![(0.0, [k0]), (300.0, [k0 * (1.0 + beta * 300.0)])]).unwrap();
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![props(k.clone()), props(k)],
        cell_material: &mesh.cell_part,
    };
    let (t0, tl) = (250.0, 20.0);
    let mut fixed = face(&mesh, 0.0, t0);
    fixed.extend(face(&mesh, L, tl));
    let t = TransientThermal::new(&problem)
        .steady(&vec![20.0; mesh.num_nodes()], &fixed, &[])
        .unwrap();
    let phi = |t: f64| t + beta * t * t / 2.0;
    for (v, x) in mesh.coordinates.iter().enumerate() {
        let p = phi(t0) + (phi(tl) - phi(t0)) * x[0] / L;
        let exact = ((1.0 + 2.0 * beta * p).sqrt() - 1.0) / beta;
        assert!(
            (t[v] - exact).abs() < 1e-4 * (t0 - tl),
            "x = {}: {} vs {exact}",
            x[0],
            t[v]
        );
    }
}

/// A slab at `T_i` whose two faces are suddenly held at `T_s`:
/// `T = T_s + (T_i − T_s) Σ_{n odd} 4/(nπ) sin(nπx/L) exp(−n²π²αt/L²)`.
/// 40 quadratic elements, Δt = τ/400 (τ = L²/(π²α)); backward Euler is
/// first order, so the tolerance is 0.3 % of `T_s − T_i` at the mid-plane.
#[test]
fn suddenly_heated_slab_follows_the_series_solution() {
    let mesh = bar(40, CellKind::Hex20);
    let k = 1.1;
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![props(Table::constant([k])), props(Table::constant([k]))],
        cell_material: &mesh.cell_part,
    };
    let alpha = k / (2.38e-9 * 7.5e8);
    let tau = L * L / (std::f64::consts::PI.powi(2) * alpha);
    let (ti, ts) = (20.0, 120.0);
    let mut fixed = face(&mesh, 0.0, ts);
    fixed.extend(face(&mesh, L, ts));
    let series = |x: f64, t: f64| slab_series(x, t, L, tau, ti, ts);
    let mid: Vec<usize> = (0..mesh.num_nodes())
        .filter(|&v| (mesh.coordinates[v][0] - L / 2.0).abs() < 1e-12)
        .collect();
    let mut solver = TransientThermal::new(&problem);
    let mut t = vec![ti; mesh.num_nodes()];
    let dt = tau / 400.0;
    for step in 1..=800 {
        t = solver.step(&t, dt, &fixed, &[]).unwrap();
        if step % 200 == 0 {
            let time = step as f64 * dt;
            let exact = series(L / 2.0, time);
            let err = mid
                .iter()
                .map(|&v| (t[v] - exact).abs())
                .fold(0.0, f64::max);
            eprintln!(
                "t = {:.3} tau: mid-plane {:.4} C vs series {exact:.4} C",
                time / tau,
                t[mid[0]]
            );
            assert!(err < 3e-3 * (ts - ti), "t = {time}: error {err}");
        }
    }
}

/// Conservation: heat stored in the bar equals the heat that flowed in
/// through the held face minus what convected out of the far face, step by
/// step (insulated elsewhere), to round-off.
#[test]
fn heat_stored_equals_heat_supplied() {
    let mesh = bar(10, CellKind::Hex8);
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![
            props(Table::constant([1.1])),
            props(Table::constant([148.0])),
        ],
        cell_material: &mesh.cell_part,
    };
    let fixed = face(&mesh, 0.0, 200.0);
    // the far end convects to 25 C
    let far: Vec<usize> = face(&mesh, L, 0.0).into_keys().collect();
    let conv = [Convection::on_nodes(&mesh, &far, 0.05, 25.0)];
    let mut solver = TransientThermal::new(&problem);
    let t0 = vec![25.0; mesh.num_nodes()];
    let mut t = t0.clone();
    let (mut supplied, mut convected) = (0.0, 0.0);
    for _ in 0..50 {
        let next = solver.step(&t, 0.02, &fixed, &conv).unwrap();
        // heat rate at every node from conduction and capacity; at the held
        // nodes it is the heat flowing in, and summed over all nodes it is
        // what the convection faces take out
        let r = solver.nodal_heat_rate(&next, &t, 0.02).unwrap();
        supplied += 0.02 * fixed.keys().map(|&v| r[v]).sum::<f64>();
        convected += 0.02 * solver.convective_heat_rate(&next, &conv);
        t = next;
    }
    let stored = solver.stored_heat(&t, &t0).unwrap();
    eprintln!("stored {stored:.6e} mJ = supplied {supplied:.6e} mJ - convected {convected:.6e} mJ");
    assert!(stored > 0.0 && convected > 0.0);
    assert!((stored - (supplied - convected)).abs() < 1e-9 * stored);
}

/// A bar held at T₀ at x = 0 and convecting (film h) to T_∞ at x = L: in
/// the steady state the profile is linear with
/// `T(L) = T_∞ + (T₀ − T_∞)/(1 + hL/k)`, and the heat convected equals
/// `h A (T(L) − T_∞)`. Linear elements are exact (tolerance 1e-9).
#[test]
fn convection_at_the_end_of_a_bar() {
    let mesh = bar(10, CellKind::Hex8);
    let k = 1.1;
    let problem = ThermalProblem {
        mesh: &mesh,
        properties: vec![props(Table::constant([k])), props(Table::constant([k]))],
        cell_material: &mesh.cell_part,
    };
    let (t0, tinf, h) = (200.0, 25.0, 0.05);
    let fixed = face(&mesh, 0.0, t0);
    let far: Vec<usize> = face(&mesh, L, 0.0).into_keys().collect();
    let conv = [Convection::on_nodes(&mesh, &far, h, tinf)];
    assert_eq!(conv[0].faces.len(), 1, "one exterior face at x = L");
    let mut solver = TransientThermal::new(&problem);
    let t = solver
        .steady(&vec![tinf; mesh.num_nodes()], &fixed, &conv)
        .unwrap();
    let tl = tinf + (t0 - tinf) / (1.0 + h * L / k);
    for (v, x) in mesh.coordinates.iter().enumerate() {
        let exact = t0 + (tl - t0) * x[0] / L;
        assert!(
            (t[v] - exact).abs() < 1e-9,
            "x = {}: {} vs {exact}",
            x[0],
            t[v]
        );
    }
    let q = solver.convective_heat_rate(&t, &conv);
    assert!((q - h * 0.04 * (tl - tinf)).abs() < 1e-12, "convected {q}");
}
