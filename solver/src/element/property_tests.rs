//! One property suite run on every element kind. The test names come from
//! the kind the macro is given, so a name cannot drift from what it tests.
//!
//! References: exact identities (partition of unity, Kronecker property,
//! finite-difference gradients), closed-form volumes, rigid-body motions
//! (zero strain) and the patch test (a linear displacement field prescribed
//! on the boundary of a patch of distorted cells is reproduced exactly, with
//! constant stress `D ε`).

use super::reference_nodes;
use crate::analysis::StaticAnalysis;
use crate::linear::SolverChoice;
use crate::mechanics::CellWorkspace;
use crate::model::{Model, Step};
use crate::values::CellValues;
use materials::Material;
use mesher::structured::{mesh_boxes, BoxPart, Density};
use mesher::{CellKind, Mesh, Shape};
use std::collections::BTreeMap;

/// Reference points where identities are checked (inside every reference cell).
fn sample_points(shape: Shape) -> Vec<[f64; 3]> {
    match shape {
        Shape::Tet10 => vec![
            [0.1, 0.2, 0.3],
            [0.25, 0.25, 0.25],
            [0.6, 0.1, 0.05],
            [0.0, 0.0, 0.0],
        ],
        _ => vec![
            [0.1, -0.3, 0.7],
            [0.0, 0.0, 0.0],
            [-0.9, 0.8, -0.2],
            [1.0, 1.0, 1.0],
        ],
    }
}

fn eval(shape: Shape, xi: [f64; 3]) -> (Vec<f64>, Vec<[f64; 3]>) {
    let rule = crate::quadrature::QuadratureRule {
        points: vec![xi],
        weights: vec![1.0],
    };
    super::tabulate(shape, &rule)
}

/// A distorted cell of `kind`: reference nodes through a smooth, orientation
/// preserving map (mm).
fn distorted_cell(kind: CellKind) -> Vec<[f64; 3]> {
    reference_nodes(kind.shape())
        .iter()
        .map(|p| {
            [
                1.3 * p[0] + 0.1 * p[1] + 0.05 * p[0] * p[1] + 2.0,
                0.9 * p[1] - 0.08 * p[2] + 0.04 * p[1] * p[2],
                0.7 * p[2] + 0.06 * p[0] + 0.03 * p[0] * p[2] * p[1] - 1.0,
            ]
        })
        .collect()
}

fn partition_of_unity(kind: CellKind) {
    for xi in sample_points(kind.shape()) {
        let (n, dn) = eval(kind.shape(), xi);
        assert!((n.iter().sum::<f64>() - 1.0).abs() < 1e-14);
        for d in 0..3 {
            assert!(dn.iter().map(|g| g[d]).sum::<f64>().abs() < 1e-13);
        }
    }
}

fn kronecker_property(kind: CellKind) {
    let nodes = reference_nodes(kind.shape());
    for (b, xb) in nodes.iter().enumerate() {
        let (n, _) = eval(kind.shape(), *xb);
        for (a, v) in n.iter().enumerate() {
            assert!(
                (v - if a == b { 1.0 } else { 0.0 }).abs() < 1e-14,
                "N_{a}(x_{b}) = {v}"
            );
        }
    }
}

fn gradients_match_finite_differences(kind: CellKind) {
    let h = 1e-6;
    for xi in sample_points(kind.shape()) {
        let (_, dn) = eval(kind.shape(), xi);
        for d in 0..3 {
            let (mut p, mut m) = (xi, xi);
            p[d] += h;
            m[d] -= h;
            let (np, _) = eval(kind.shape(), p);
            let (nm, _) = eval(kind.shape(), m);
            for a in 0..dn.len() {
                let fd = (np[a] - nm[a]) / (2.0 * h);
                assert!(
                    (fd - dn[a][d]).abs() < 1e-8,
                    "node {a} dir {d}: {fd} vs {}",
                    dn[a][d]
                );
            }
        }
    }
}

/// Volume by quadrature of a cell whose top corners are raised by different
/// heights: exact value `area × mean height` for a bilinear top (hex), and
/// `|det| / 6` for a straight-edged tetrahedron.
fn exact_volume_of_distorted_cell(kind: CellKind) {
    let mut values = CellValues::new(kind);
    let (x, exact): (Vec<[f64; 3]>, f64) = match kind.shape() {
        Shape::Tet10 => {
            let c = [
                [0.1, 0.0, 0.2],
                [1.2, 0.1, 0.0],
                [0.2, 0.9, 0.1],
                [0.3, 0.2, 1.4],
            ];
            let edges = [(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)];
            let mut x = c.to_vec();
            x.extend(
                edges
                    .iter()
                    .map(|&(i, j)| std::array::from_fn(|k| 0.5 * (c[i][k] + c[j][k]))),
            );
            let d = |i: usize| std::array::from_fn::<f64, 3, _>(|k| c[i][k] - c[0][k]);
            let (a, b, e) = (d(1), d(2), d(3));
            let det = a[0] * (b[1] * e[2] - b[2] * e[1]) - a[1] * (b[0] * e[2] - b[2] * e[0])
                + a[2] * (b[0] * e[1] - b[1] * e[0]);
            (x, det.abs() / 6.0)
        }
        _ => {
            // unit square base, top corner heights h(±1, ±1), bilinear top surface
            let height = |p: &[f64; 3]| 1.0 + 0.3 * p[0] - 0.2 * p[1] + 0.1 * p[0] * p[1];
            let x = reference_nodes(kind.shape())
                .iter()
                .map(|p| {
                    [
                        0.5 * (p[0] + 1.0),
                        0.5 * (p[1] + 1.0),
                        0.5 * (p[2] + 1.0) * height(p),
                    ]
                })
                .collect();
            (x, 1.0) // mean of the four corner heights
        }
    };
    values.reinit(&x).unwrap();
    let vol: f64 = (0..values.num_points()).map(|q| values.detj_w(q)).sum();
    assert!(
        (vol - exact).abs() < 1e-13 * exact,
        "volume {vol} vs {exact}"
    );
}

fn rigid_body_motions_give_zero_strain(kind: CellKind) {
    let mut w = CellWorkspace::new(kind);
    w.x = distorted_cell(kind);
    // translation plus an infinitesimal rotation ω × x; uniform temperature,
    // so the incompatible modes of C3D8I stay at zero amplitude
    let (t, r) = ([0.3, -0.2, 0.7], [0.01, -0.02, 0.015]);
    let moved: Vec<[f64; 3]> =
        w.x.iter()
            .map(|p| {
                [
                    t[0] + r[1] * p[2] - r[2] * p[1],
                    t[1] + r[2] * p[0] - r[0] * p[2],
                    t[2] + r[0] * p[1] - r[1] * p[0],
                ]
            })
            .collect();
    let nodes: Vec<usize> = (0..moved.len()).collect();
    w.gather_displacement(&nodes, &moved);
    w.strains(&Material::isotropic("steel", 210e3, 0.3, 1.2e-5))
        .unwrap();
    for e in &w.eps {
        assert!(e.iter().all(|v| v.abs() < 1e-14), "strain {e:?}");
    }
}

/// Corner pairs of the mid-edge nodes of the quadratic kinds (Abaqus order).
fn mid_edges(shape: Shape) -> &'static [(usize, usize)] {
    match shape {
        Shape::Hex8 => &[],
        Shape::Hex20 => &mesher::HEX_EDGES,
        Shape::Tet10 => &[(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)],
    }
}

/// A 3x3x3 patch of the unit cube whose interior corner nodes are moved by a
/// smooth map that fixes the boundary; mid-edge nodes sit at the midpoints of
/// the moved corners (straight edges, as the patch test prescribes).
fn patch_mesh(kind: CellKind) -> Mesh {
    let parts = [BoxPart {
        name: "patch".into(),
        min: [0.0; 3],
        max: [1.0; 3],
    }];
    let density = Density {
        size: [1.0 / 3.0; 3],
        min_divisions: 1,
    };
    let base = if kind == CellKind::Tet10 {
        CellKind::Hex8
    } else {
        kind
    };
    let mut mesh = mesh_boxes(&parts, &density, base).unwrap();
    if kind == CellKind::Tet10 {
        mesh = mesher::tets::tetrahedralize(&mesh);
    }
    for x in &mut mesh.coordinates {
        let s = (std::f64::consts::PI * x[0]).sin()
            * (std::f64::consts::PI * x[1]).sin()
            * (std::f64::consts::PI * x[2]).sin();
        x[0] += 0.06 * s;
        x[1] -= 0.05 * s;
        x[2] += 0.04 * s * (1.0 + x[0]);
    }
    let block = &mesh.blocks[0];
    let corners = if kind.shape() == Shape::Tet10 { 4 } else { 8 };
    for c in 0..block.len() {
        let nodes = block.cell(c);
        for (k, &(i, j)) in mid_edges(kind.shape()).iter().enumerate() {
            let (a, b) = (mesh.coordinates[nodes[i]], mesh.coordinates[nodes[j]]);
            mesh.coordinates[nodes[corners + k]] = std::array::from_fn(|d| 0.5 * (a[d] + b[d]));
        }
    }
    mesh
}

fn patch_test(kind: CellKind) {
    let mesh = patch_mesh(kind);
    let grad = [
        [1e-3, 2e-4, -3e-4],
        [5e-4, -8e-4, 1e-4],
        [-2e-4, 3e-4, 6e-4],
    ];
    let linear = |x: &[f64; 3]| -> [f64; 3] {
        std::array::from_fn(|i| 1e-3 + (0..3).map(|j| grad[i][j] * x[j]).sum::<f64>())
    };
    let on_boundary = |x: &[f64; 3]| {
        x.iter()
            .any(|&c| c.abs() < 1e-12 || (c - 1.0).abs() < 1e-12)
    };
    let mut constraints = BTreeMap::new();
    for (v, x) in mesh.coordinates.iter().enumerate() {
        if on_boundary(x) {
            for (d, u) in linear(x).iter().enumerate() {
                constraints.insert((v, d), *u);
            }
        }
    }
    let n = mesh.num_nodes();
    let material = Material::isotropic("steel", 210e3, 0.3, 1.2e-5);
    let d = material.stiffness(20.0);
    let model = Model {
        cell_material: vec![0; mesh.num_cells()],
        materials: vec![material],
        thermal: Vec::new(),
        initial_temperature: vec![20.0; n],
        part_stress_free_temperature: Vec::new(),
        steps: vec![Step {
            name: "patch".into(),
            time: 1.0,
            constraints,
            loads: BTreeMap::new(),
            temperature: vec![20.0; n],
            increments: Default::default(),
            visco: false,
        }],
        mesh,
    };
    let result = StaticAnalysis::new(&model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
    for (v, x) in model.mesh.coordinates.iter().enumerate() {
        let exact = linear(x);
        for k in 0..3 {
            assert!(
                (result.displacement[v][k] - exact[k]).abs() < 1e-12,
                "node {v}: {:?} vs {exact:?}",
                result.displacement[v]
            );
        }
    }
    let eps = [
        grad[0][0],
        grad[1][1],
        grad[2][2],
        grad[0][1] + grad[1][0],
        grad[1][2] + grad[2][1],
        grad[0][2] + grad[2][0],
    ];
    let sigma: [f64; 6] = std::array::from_fn(|r| (0..6).map(|c| d[r][c] * eps[c]).sum());
    for s in &result.stress.data {
        for k in 0..6 {
            assert!(
                (s[k] - sigma[k]).abs() < 1e-9 * 300.0,
                "stress {s:?} vs {sigma:?}"
            );
        }
    }
}

macro_rules! element_suite {
    ($($name:ident => $kind:expr),* $(,)?) => {$(
        mod $name {
            use super::*;
            #[test] fn partition_of_unity() { super::partition_of_unity($kind) }
            #[test] fn kronecker_property() { super::kronecker_property($kind) }
            #[test] fn gradients_match_finite_differences() { super::gradients_match_finite_differences($kind) }
            #[test] fn exact_volume_of_distorted_cell() { super::exact_volume_of_distorted_cell($kind) }
            #[test] fn rigid_body_motions_give_zero_strain() { super::rigid_body_motions_give_zero_strain($kind) }
            #[test] fn patch_test() { super::patch_test($kind) }
        }
    )*};
}

element_suite! {
    c3d8 => CellKind::Hex8,
    c3d8i => CellKind::Hex8I,
    c3d20 => CellKind::Hex20,
    c3d20r => CellKind::Hex20R,
    c3d10 => CellKind::Tet10,
}
