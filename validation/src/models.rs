//! Reference models, in mm, MPa, °C.

use materials::Material;
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
        initial_temperature: vec![t_initial; n],
        part_stress_free_temperature: Vec::new(),
        steps: vec![Step {
            name: "cool".into(),
            time: 1.0,
            constraints: three_two_one(a, b, c),
            loads: BTreeMap::new(),
            temperature: vec![t_final; n],
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
