//! 8-node trilinear hexahedron on `[-1, 1]^3`.

use super::reference::ReferenceElement;

/// Trilinear hexahedron: `N_a = (1 + ξ ξ_a)(1 + η η_a)(1 + ζ ζ_a) / 8`.
pub struct Hex8;

const NODES: [[f64; 3]; 8] = [
    [-1.0, -1.0, -1.0],
    [1.0, -1.0, -1.0],
    [1.0, 1.0, -1.0],
    [-1.0, 1.0, -1.0],
    [-1.0, -1.0, 1.0],
    [1.0, -1.0, 1.0],
    [1.0, 1.0, 1.0],
    [-1.0, 1.0, 1.0],
];

impl ReferenceElement for Hex8 {
    const NODES: usize = 8;

    fn reference_nodes() -> &'static [[f64; 3]] {
        &NODES
    }

    fn values_into(xi: [f64; 3], n: &mut [f64]) {
        for (a, p) in NODES.iter().enumerate() {
            n[a] = 0.125 * (1.0 + xi[0] * p[0]) * (1.0 + xi[1] * p[1]) * (1.0 + xi[2] * p[2]);
        }
    }

    fn gradients_into(xi: [f64; 3], dn: &mut [[f64; 3]]) {
        for (a, p) in NODES.iter().enumerate() {
            let f = [1.0 + xi[0] * p[0], 1.0 + xi[1] * p[1], 1.0 + xi[2] * p[2]];
            dn[a] = [
                0.125 * p[0] * f[1] * f[2],
                0.125 * p[1] * f[0] * f[2],
                0.125 * p[2] * f[0] * f[1],
            ];
        }
    }
}
