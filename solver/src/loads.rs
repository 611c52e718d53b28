//! Surface loads: a uniform pressure on faces as consistent nodal forces,
//! `f_a = −p ∫ N_a n dA` (n the outward unit normal, p > 0 pushing in).
//! Units: p in MPa, areas mm², forces N.

use crate::element::face::{area_vector, cell_of, face_rule, face_shape, faces, FaceShape};
use mesher::Mesh;
use std::collections::BTreeMap;

/// Area (mm²) of the faces `(cell, face index)`.
pub fn faces_area(mesh: &Mesh, list: &[(usize, usize)]) -> f64 {
    list.iter()
        .map(|&(cell, k)| {
            face_vector(mesh, cell, k, |_, _| {})
                .iter()
                .map(|c| c * c)
                .sum::<f64>()
                .sqrt()
        })
        .sum()
}

/// Integrates `N_a (∂x/∂s × ∂x/∂t)` over one face, handing each node's
/// vector to `visit(node, vector)`; returns the total outward area vector.
fn face_vector(
    mesh: &Mesh,
    cell: usize,
    k: usize,
    mut visit: impl FnMut(usize, [f64; 3]),
) -> [f64; 3] {
    let (shape, nodes) = cell_of(mesh, cell);
    let local = faces(shape)[k];
    let x: Vec<[f64; 3]> = local.iter().map(|&a| mesh.coordinates[nodes[a]]).collect();
    let n = x.len();
    // outward: the face normal points away from the cell's centre
    let centre: [f64; 3] = std::array::from_fn(|d| {
        nodes.iter().map(|&v| mesh.coordinates[v][d]).sum::<f64>() / nodes.len() as f64
    });
    let fc: [f64; 3] = std::array::from_fn(|d| x.iter().map(|p| p[d]).sum::<f64>() / n as f64);
    let (mut shp, mut dn) = (vec![0.0; n], vec![[0.0; 2]; n]);
    let mut per_node = vec![[0.0; 3]; n];
    let mut total = [0.0; 3];
    let face = FaceShape::of(shape, k);
    for (s, w) in face_rule(face) {
        face_shape(face, s, &mut shp, &mut dn);
        let c = area_vector(&x, &dn);
        for i in 0..n {
            for d in 0..3 {
                per_node[i][d] += shp[i] * c[d] * w;
            }
        }
        for d in 0..3 {
            total[d] += c[d] * w;
        }
    }
    let sign = if (0..3).map(|d| total[d] * (fc[d] - centre[d])).sum::<f64>() < 0.0 {
        -1.0
    } else {
        1.0
    };
    for (i, v) in per_node.iter().enumerate() {
        visit(nodes[local[i]], v.map(|c| sign * c));
    }
    total.map(|c| sign * c)
}

/// Consistent nodal forces (N) of a uniform pressure `p` (MPa, positive
/// pushing into the body) on the faces `(cell, face index)`, added into
/// `loads` keyed by `(node, direction)`.
pub fn add_pressure(
    mesh: &Mesh,
    list: &[(usize, usize)],
    p: f64,
    loads: &mut BTreeMap<(usize, usize), f64>,
) {
    for &(cell, k) in list {
        face_vector(mesh, cell, k, |node, v| {
            for d in 0..3 {
                *loads.entry((node, d)).or_default() -= p * v[d];
            }
        });
    }
}
