//! Reference models, in mm, MPa, °C.

use materials::library::ThermalProperties;
use materials::Material;
use materials::Table;
use mesher::structured::{mesh_boxes, BoxPart, Density};
use mesher::{CellKind, Mesh};
use solver::model::{Model, Step};
use std::collections::BTreeMap;

/// Borosilicate display glass: E = 73.6 GPa, ν = 0.23, α = 3.2 ppm/K.
pub fn glass() -> Material {
    Material::isotropic("GLASS", 73.6e3, 0.23, 3.2e-6)
}

/// Anisotropic conductive film (cured epoxy), typical datasheet values:
/// E = 2.5 GPa, ν = 0.35, α = 60 ppm/K.
pub fn acf() -> Material {
    Material::isotropic("ACF", 2.5e3, 0.35, 60e-6)
}

/// Silicon, isotropic approximation: E = 130 GPa, ν = 0.28, α = 2.6 ppm/K.
pub fn silicon() -> Material {
    Material::isotropic("SILICON", 130e3, 0.28, 2.6e-6)
}

/// Suppresses rigid-body motion with the 3-2-1 rule on three nodes of a
/// face: `a` fixed in x, y, z; `b` (along x from `a`) in y, z; `c` in z.
pub fn three_two_one(a: usize, b: usize, c: usize) -> BTreeMap<(usize, usize), f64> {
    let mut bc = BTreeMap::new();
    for d in 0..3 {
        bc.insert((a, d), 0.0);
    }
    bc.insert((b, 1), 0.0);
    bc.insert((b, 2), 0.0);
    bc.insert((c, 2), 0.0);
    bc
}

/// The node of `set` nearest to `point`.
pub fn nearest_node(mesh: &Mesh, set: &[usize], point: [f64; 3]) -> usize {
    let d2 = |v: usize| {
        (0..3)
            .map(|d| (mesh.coordinates[v][d] - point[d]).powi(2))
            .sum::<f64>()
    };
    *set.iter()
        .min_by(|&&a, &&b| d2(a).total_cmp(&d2(b)))
        .expect("non-empty set")
}

/// A model of stacked boxes, one material per part, stress-free at
/// `t_initial`, with one step at uniform `t_final`, held 3-2-1 on the top
/// face of the first part. `CellKind::Tet10` splits the hex grid into
/// conforming 10-node tetrahedra.
pub fn layered_model(
    parts: &[(BoxPart, Material)],
    density: &Density,
    kind: CellKind,
    t_initial: f64,
    t_final: f64,
) -> Model {
    let boxes: Vec<BoxPart> = parts.iter().map(|p| p.0.clone()).collect();
    // Tet10: the Hex8 grid, each hex split into six conforming tetrahedra
    let mesh = if kind == CellKind::Tet10 {
        mesher::tets::tetrahedralize(
            &mesh_boxes(&boxes, density, CellKind::Hex8).expect("valid boxes"),
        )
    } else {
        mesh_boxes(&boxes, density, kind).expect("valid boxes")
    };
    let top = &mesh.node_sets[&format!("{}_TOP", boxes[0].name.to_ascii_uppercase())];
    let (lo, hi) = (boxes[0].min, boxes[0].max);
    let a = nearest_node(&mesh, top, [lo[0], lo[1], hi[2]]);
    let b = nearest_node(&mesh, top, [hi[0], lo[1], hi[2]]);
    let c = nearest_node(&mesh, top, [lo[0], hi[1], hi[2]]);
    let n = mesh.num_nodes();
    Model {
        cell_material: mesh.cell_part.clone(),
        materials: parts.iter().map(|p| p.1.clone()).collect(),
        thermal: Vec::new(),
        initial_temperature: vec![t_initial; n],
        part_stress_free_temperature: Vec::new(),
        steps: vec![Step {
            name: "cool".into(),
            time: 1.0,
            constraints: three_two_one(a, b, c),
            loads: BTreeMap::new(),
            temperature: vec![t_final; n],
            increments: Default::default(),
            visco: false,
        }],
        mesh,
    }
}

/// The chip-on-glass layered block: glass 10 x 10 x 0.5 mm on ACF 30 µm on
/// Si 5 x 5 x 0.3 mm, stress-free at 180 °C, cooled to 25 °C, 3-2-1 supports
/// on the glass top face. `size` is the target element edge (mm) in plane;
/// through the thickness each layer gets at least `layers` elements.
pub fn cog_block(size: f64, layers: usize, kind: CellKind) -> Model {
    let parts = [
        (
            BoxPart {
                name: "glass".into(),
                min: [-5.0, -5.0, 0.33],
                max: [5.0, 5.0, 0.83],
            },
            glass(),
        ),
        (
            BoxPart {
                name: "acf".into(),
                min: [-2.5, -2.5, 0.30],
                max: [2.5, 2.5, 0.33],
            },
            acf(),
        ),
        (
            BoxPart {
                name: "chip".into(),
                min: [-2.5, -2.5, 0.0],
                max: [2.5, 2.5, 0.30],
            },
            silicon(),
        ),
    ];
    let density = Density {
        size: [size, size, 0.5 * size],
        min_divisions: layers,
    };
    layered_model(&parts, &density, kind, 180.0, 25.0)
}

/// Warpage over a node set: max − min of the z displacement, mm.
pub fn warpage(displacement: &[[f64; 3]], set: &[usize]) -> f64 {
    let (lo, hi) = set
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(displacement[v][2]), hi.max(displacement[v][2]))
        });
    hi - lo
}

/// A strip `length` mm long and 1 mm wide of stacked layers `(name,
/// thickness mm, E MPa, α 1/K)`, listed from the bottom, each its own part
/// of an isotropic material with ν = 0 (plane sections, no width effect).
/// Returned top layer first, the order [`layered_model`] holds by.
pub fn strip_stack(layers: &[(&str, f64, f64, f64)], length: f64) -> Vec<(BoxPart, Material)> {
    let mut z = 0.0;
    let mut parts: Vec<(BoxPart, Material)> = layers
        .iter()
        .map(|&(name, t, e, a)| {
            let b = BoxPart {
                name: name.into(),
                min: [0.0, 0.0, z],
                max: [length, 1.0, z + t],
            };
            z += t;
            (b, Material::isotropic(name, e, 0.0, a))
        })
        .collect();
    parts.reverse();
    parts
}

/// A strip of length 20 mm and width 1 mm: `top` (thickness t1) on
/// `bottom` (t2), with 0.25 mm cells and two elements through each layer.
pub fn bilayer(
    kind: CellKind,
    (t1, t2): (f64, f64),
    top: Material,
    bottom: Material,
    t_initial: f64,
    t_final: f64,
) -> Model {
    let parts = [
        (
            BoxPart {
                name: "top".into(),
                min: [0.0, 0.0, t2],
                max: [20.0, 1.0, t1 + t2],
            },
            top,
        ),
        (
            BoxPart {
                name: "bottom".into(),
                min: [0.0, 0.0, 0.0],
                max: [20.0, 1.0, t2],
            },
            bottom,
        ),
    ];
    layered_model(
        &parts,
        &Density {
            size: [0.25, 0.5, 1.0],
            min_divisions: 2,
        },
        kind,
        t_initial,
        t_final,
    )
}

/// Curvature w'' (1/mm) of the interface centre line of a `bilayer` strip,
/// from a least-squares parabola over its middle half.
pub fn interface_curvature(model: &Model, r: &solver::analysis::StepResult, t2: f64) -> f64 {
    line_curvature(model, r, [0.5, t2], 10.0, 5.0)
}

/// Curvature w'' (1/mm) along the line of nodes at `(y, z) = at` (mm),
/// from a least-squares parabola of u_z over `|x − centre| ≤ half` (mm).
pub fn line_curvature(
    model: &Model,
    r: &solver::analysis::StepResult,
    at: [f64; 2],
    centre: f64,
    half: f64,
) -> f64 {
    let pts: Vec<(f64, f64)> = model
        .mesh
        .coordinates
        .iter()
        .enumerate()
        .filter(|(_, x)| {
            (x[1] - at[0]).abs() < 1e-9
                && (x[2] - at[1]).abs() < 1e-9
                && (x[0] - centre).abs() <= half
        })
        .map(|(v, x)| (x[0] - centre, r.displacement[v][2]))
        .collect();
    2.0 * quadratic_fit(&pts)[2]
}

/// Timoshenko's bimetal curvature (1/mm; J. Opt. Soc. Am. 11 (1925) 233):
/// `κ = 6 Δε (1+m)² / (h [3(1+m)² + (1+mn)(m² + 1/(mn))])`, `m = t₁/t₂`,
/// `n = E₁/E₂`, `h = t₁ + t₂`, with layer 1 on top and `Δε = (α₂ − α₁)ΔT`
/// the bottom's excess thermal strain (positive: the bottom grows longer,
/// w'' > 0).
pub fn timoshenko_curvature((t1, t2): (f64, f64), (e1, e2): (f64, f64), mismatch: f64) -> f64 {
    let (m, n, h) = (t1 / t2, e1 / e2, t1 + t2);
    6.0 * mismatch * (1.0 + m).powi(2)
        / (h * (3.0 * (1.0 + m).powi(2) + (1.0 + m * n) * (m * m + 1.0 / (m * n))))
}

/// Least-squares coefficients `[c0, c1, c2]` of `y ≈ c0 + c1 x + c2 x²`.
pub fn quadratic_fit(pts: &[(f64, f64)]) -> [f64; 3] {
    let mut a = [[0.0; 3]; 3];
    let mut b = [0.0; 3];
    for &(x, y) in pts {
        let p = [1.0, x, x * x];
        for i in 0..3 {
            b[i] += p[i] * y;
            for j in 0..3 {
                a[i][j] += p[i] * p[j];
            }
        }
    }
    let flat: Vec<f64> = a.iter().flatten().copied().collect();
    let inv = solver::dense::invert(3, &flat);
    std::array::from_fn(|i| (0..3).map(|j| inv[i * 3 + j] * b[j]).sum())
}

/// Length of [`thermal_bar`], mm.
pub const BAR_LENGTH: f64 = 2.0;

/// Borosilicate-like heat properties with conductivity `k` (mW/(mm·°C)).
pub fn thermal_props(k: Table<1>) -> Option<ThermalProperties> {
    // borosilicate-like: ρ = 2380 kg/m³, c = 750 J/(kg K)
    Some(ThermalProperties {
        conductivity: k,
        density: Table::constant([2.38e-9]),
        specific_heat: Table::constant([7.5e8]),
    })
}

/// A bar `[0, L] × [0, 0.2] × [0, 0.2]` mm, `n` cells along x, split into
/// two parts at x = L/2.
pub fn thermal_bar(n: usize, kind: CellKind) -> Mesh {
    let parts = [
        BoxPart {
            name: "left".into(),
            min: [0.0, 0.0, 0.0],
            max: [BAR_LENGTH / 2.0, 0.2, 0.2],
        },
        BoxPart {
            name: "right".into(),
            min: [BAR_LENGTH / 2.0, 0.0, 0.0],
            max: [BAR_LENGTH, 0.2, 0.2],
        },
    ];
    mesh_boxes(
        &parts,
        &Density {
            size: [BAR_LENGTH / n as f64, 0.2, 0.2],
            min_divisions: 1,
        },
        kind,
    )
    .unwrap()
}

/// Nodes on the plane x = `x`, with temperature `t`.
pub fn plane_nodes(mesh: &Mesh, x: f64, t: f64) -> BTreeMap<usize, f64> {
    (0..mesh.num_nodes())
        .filter(|&v| (mesh.coordinates[v][0] - x).abs() < 1e-12)
        .map(|v| (v, t))
        .collect()
}

/// Fourier series of a slab of thickness `l` (mm) at `ti` (°C) whose two
/// faces are held at `ts` from t = 0: the temperature at `x` (mm) and time
/// `t` (s), `τ = l²/(π²α)` (s); 200 odd terms.
pub fn slab_series(x: f64, t: f64, l: f64, tau: f64, ti: f64, ts: f64) -> f64 {
    let s: f64 = (0..200)
        .map(|m| {
            let n = (2 * m + 1) as f64;
            4.0 / (n * std::f64::consts::PI)
                * (n * std::f64::consts::PI * x / l).sin()
                * (-n * n * t / tau).exp()
        })
        .sum();
    ts + (ti - ts) * s
}
