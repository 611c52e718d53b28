//! NAFEMS LE11, "solid cylinder/taper/sphere — temperature" (NAFEMS, The
//! Standard NAFEMS Benchmarks, TNSB rev. 3, 1990): an axisymmetric solid
//! whose inner boundary is a sphere of radius 1 m (from the equator A to
//! 45°) continued by a cylinder of radius 1/√2 m, and whose outer boundary
//! is a sphere of radius 1.4 m (equator B to 30°), a taper to radius 1 m at
//! z = 1.39 m and a cylinder of radius 1 m to z = 1.79 m. The faces z = 0
//! and z = 1.79 m are held axially; the temperature is T = r + z (°C, r
//! and z in m), stress-free at 0 °C; E = 210 GPa, ν = 0.3, α = 2.3e-4 /°C.
//! Target: σzz = −105 MPa at A (r = 1 m, z = 0).
//!
//! The quarter model is meshed by a structured grid in a parameter cube
//! `(s, t, h)` — through the wall, around the axis, along it — mapped onto
//! the exact geometry (a ruled surface between the inner and outer
//! profiles, revolved by 90°). Mid-edge nodes are mapped too, so quadratic
//! cells follow the curved boundaries. Coordinates in mm.

use materials::Material;
use mesher::structured::mesh_grid;
use mesher::CellKind;
use solver::model::{Model, Step};
use std::collections::BTreeMap;
use std::f64::consts::{FRAC_PI_2, FRAC_PI_4, PI};

/// The target stress at A, MPa.
pub const SIGMA_ZZ_A: f64 = -105.0;
/// Height of the body, m.
const HEIGHT: f64 = 1.79;

fn lerp(a: [f64; 2], b: [f64; 2], u: f64) -> [f64; 2] {
    [a[0] + (b[0] - a[0]) * u, a[1] + (b[1] - a[1]) * u]
}

fn polar(radius: f64, angle: f64) -> [f64; 2] {
    [radius * angle.cos(), radius * angle.sin()]
}

/// Inner profile `(r, z)` in m at `h ∈ [0, 4]` (four segments: sphere to
/// 22.5°, sphere to 45°, cylinder to mid-height, cylinder to the top).
fn inner(h: f64) -> [f64; 2] {
    let e = polar(1.0, FRAC_PI_4);
    let m = [e[0], 0.5 * (e[1] + HEIGHT)];
    let top = [e[0], HEIGHT];
    match h {
        h if h <= 1.0 => polar(1.0, PI / 8.0 * h),
        h if h <= 2.0 => polar(1.0, PI / 8.0 * h),
        h if h <= 3.0 => lerp(e, m, h - 2.0),
        h => lerp(m, top, h - 3.0),
    }
}

/// Outer profile `(r, z)` in m at `h ∈ [0, 4]` (sphere of 1.4 m to 30°,
/// taper to r = 1 m at z = 1.39 m in two halves, cylinder to the top).
fn outer(h: f64) -> [f64; 2] {
    let d = polar(1.4, PI / 6.0);
    let g = [1.0, 1.39];
    let f = lerp(d, g, 0.5);
    match h {
        h if h <= 1.0 => polar(1.4, PI / 6.0 * h),
        h if h <= 2.0 => lerp(d, f, h - 1.0),
        h if h <= 3.0 => lerp(f, g, h - 2.0),
        h => lerp(g, [1.0, HEIGHT], h - 3.0),
    }
}

/// The LE11 quarter model and the node at A.
pub struct Le11 {
    pub model: Model,
    /// Node at A (r = 1 m, z = 0, on the y = 0 plane).
    pub point_a: usize,
}

/// The quarter model with `through` cells across the wall, `per_segment`
/// along each of the four profile segments and `around` over the 90°.
/// `kind`: Hex20, Hex20R, Hex8, Hex8I or Tet10 (each hex of the grid split
/// into six).
pub fn le11(kind: CellKind, through: usize, per_segment: usize, around: usize) -> Le11 {
    let lines = [
        (0..=through).map(|i| i as f64 / through as f64).collect(),
        (0..=around).map(|i| i as f64 / around as f64).collect(),
        (0..=4 * per_segment)
            .map(|i| i as f64 / per_segment as f64)
            .collect(),
    ];
    let grid_kind = if kind == CellKind::Tet10 {
        CellKind::Hex8
    } else {
        kind
    };
    let grid = mesh_grid(&lines, grid_kind, &["LE11".to_string()], |_| Some(0)).expect("LE11 grid");
    let mut mesh = if kind == CellKind::Tet10 {
        mesher::tets::tetrahedralize(&grid)
    } else {
        grid
    };
    // boundary nodes from the parameter coordinates, then the mapping
    let near = |a: f64, b: f64| (a - b).abs() < 1e-9;
    let mut constraints = BTreeMap::new();
    let mut point_a = usize::MAX;
    for (v, p) in mesh.coordinates.iter_mut().enumerate() {
        let [s, t, h] = *p;
        if near(h, 0.0) || near(h, 4.0) {
            constraints.insert((v, 2), 0.0);
        }
        if near(t, 0.0) {
            constraints.insert((v, 1), 0.0);
        }
        if near(t, 1.0) {
            constraints.insert((v, 0), 0.0);
        }
        if near(s, 0.0) && near(t, 0.0) && near(h, 0.0) {
            point_a = v;
        }
        let rz = lerp(inner(h), outer(h), s);
        let theta = FRAC_PI_2 * t;
        *p = [
            1e3 * rz[0] * theta.cos(),
            1e3 * rz[0] * theta.sin(),
            1e3 * rz[1],
        ];
    }
    assert!(point_a != usize::MAX, "A is a grid node");
    let temperature = mesh
        .coordinates
        .iter()
        .map(|x| (x[0].hypot(x[1]) + x[2]) * 1e-3)
        .collect();
    let n = mesh.num_nodes();
    Le11 {
        model: Model {
            cell_material: vec![0; mesh.num_cells()],
            materials: vec![Material::isotropic("LE11", 210e3, 0.3, 2.3e-4)],
            thermal: Vec::new(),
            initial_temperature: vec![0.0; n],
            part_stress_free_temperature: Vec::new(),
            steps: vec![Step {
                name: "T = r + z".into(),
                time: 1.0,
                constraints,
                loads: BTreeMap::new(),
                temperature,
                increments: Default::default(),
                visco: false,
            }],
            mesh,
        },
        point_a,
    }
}

/// σzz at A (MPa): the integration-point stresses extrapolated to the
/// nodes and averaged over the cells at A.
pub fn sigma_zz_at_a(le: &Le11, stress: &solver::points::QpField) -> f64 {
    let mesh = &le.model.mesh;
    let points = solver::post::PartPoints::new(mesh);
    let nodal = points.average(mesh, stress);
    let k = points
        .node
        .iter()
        .position(|&v| v == le.point_a)
        .expect("A is an output point");
    nodal[k][2]
}
