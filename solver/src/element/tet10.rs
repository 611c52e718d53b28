//! 10-node quadratic tetrahedron on the unit tetrahedron.

use super::reference::ReferenceElement;

/// Quadratic tetrahedron in barycentric coordinates
/// `L = (1 − ξ − η − ζ, ξ, η, ζ)`: corners `N = L(2L − 1)`, mid-edge
/// nodes `N = 4 L_i L_j`. Edges in Abaqus order 1-2, 2-3, 3-1, 1-4, 2-4, 3-4.
pub struct Tet10;

const NODES: [[f64; 3]; 10] = [
    [0.0, 0.0, 0.0],
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
    [0.5, 0.0, 0.0],
    [0.5, 0.5, 0.0],
    [0.0, 0.5, 0.0],
    [0.0, 0.0, 0.5],
    [0.5, 0.0, 0.5],
    [0.0, 0.5, 0.5],
];

/// Corner pairs of the mid-edge nodes 5..10 (zero-based corners).
const EDGES: [(usize, usize); 6] = [(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)];

/// Barycentric coordinates and their constant gradients.
fn barycentric(xi: [f64; 3]) -> [f64; 4] {
    [1.0 - xi[0] - xi[1] - xi[2], xi[0], xi[1], xi[2]]
}

const DL: [[f64; 3]; 4] = [
    [-1.0, -1.0, -1.0],
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
];

impl ReferenceElement for Tet10 {
    const NODES: usize = 10;

    fn reference_nodes() -> &'static [[f64; 3]] {
        &NODES
    }

    fn values_into(xi: [f64; 3], n: &mut [f64]) {
        let l = barycentric(xi);
        for c in 0..4 {
            n[c] = l[c] * (2.0 * l[c] - 1.0);
        }
        for (e, &(i, j)) in EDGES.iter().enumerate() {
            n[4 + e] = 4.0 * l[i] * l[j];
        }
    }

    fn gradients_into(xi: [f64; 3], dn: &mut [[f64; 3]]) {
        let l = barycentric(xi);
        for c in 0..4 {
            let f = 4.0 * l[c] - 1.0;
            dn[c] = [f * DL[c][0], f * DL[c][1], f * DL[c][2]];
        }
        for (e, &(i, j)) in EDGES.iter().enumerate() {
            dn[4 + e] = std::array::from_fn(|d| 4.0 * (DL[i][d] * l[j] + l[i] * DL[j][d]));
        }
    }
}
