//! 20-node serendipity hexahedron on `[-1, 1]^3`.

use super::reference::ReferenceElement;

/// Serendipity hexahedron. Corners:
/// `N_a = (1 + ξξ_a)(1 + ηη_a)(1 + ζζ_a)(ξξ_a + ηη_a + ζζ_a − 2) / 8`;
/// mid-edge nodes (e.g. `ξ_a = 0`): `N_a = (1 − ξ²)(1 + ηη_a)(1 + ζζ_a) / 4`.
pub struct Hex20;

const NODES: [[f64; 3]; 20] = [
    [-1.0, -1.0, -1.0],
    [1.0, -1.0, -1.0],
    [1.0, 1.0, -1.0],
    [-1.0, 1.0, -1.0],
    [-1.0, -1.0, 1.0],
    [1.0, -1.0, 1.0],
    [1.0, 1.0, 1.0],
    [-1.0, 1.0, 1.0],
    [0.0, -1.0, -1.0],
    [1.0, 0.0, -1.0],
    [0.0, 1.0, -1.0],
    [-1.0, 0.0, -1.0],
    [0.0, -1.0, 1.0],
    [1.0, 0.0, 1.0],
    [0.0, 1.0, 1.0],
    [-1.0, 0.0, 1.0],
    [-1.0, -1.0, 0.0],
    [1.0, -1.0, 0.0],
    [1.0, 1.0, 0.0],
    [-1.0, 1.0, 0.0],
];

impl ReferenceElement for Hex20 {
    const NODES: usize = 20;

    fn reference_nodes() -> &'static [[f64; 3]] {
        &NODES
    }

    fn values_into(xi: [f64; 3], n: &mut [f64]) {
        for (a, p) in NODES.iter().enumerate() {
            n[a] = match edge_axis(p) {
                None => {
                    let f = [1.0 + xi[0] * p[0], 1.0 + xi[1] * p[1], 1.0 + xi[2] * p[2]];
                    0.125 * f[0] * f[1] * f[2] * (xi[0] * p[0] + xi[1] * p[1] + xi[2] * p[2] - 2.0)
                }
                Some(d) => {
                    let (e1, e2) = ((d + 1) % 3, (d + 2) % 3);
                    0.25 * (1.0 - xi[d] * xi[d]) * (1.0 + xi[e1] * p[e1]) * (1.0 + xi[e2] * p[e2])
                }
            };
        }
    }

    fn gradients_into(xi: [f64; 3], dn: &mut [[f64; 3]]) {
        for (a, p) in NODES.iter().enumerate() {
            dn[a] = match edge_axis(p) {
                None => {
                    let f = [1.0 + xi[0] * p[0], 1.0 + xi[1] * p[1], 1.0 + xi[2] * p[2]];
                    let s = xi[0] * p[0] + xi[1] * p[1] + xi[2] * p[2] - 2.0;
                    let mut g = [0.0; 3];
                    for d in 0..3 {
                        let (e1, e2) = ((d + 1) % 3, (d + 2) % 3);
                        g[d] = 0.125 * p[d] * f[e1] * f[e2] * (s + f[d]);
                    }
                    g
                }
                Some(d) => {
                    let (e1, e2) = ((d + 1) % 3, (d + 2) % 3);
                    let b = 1.0 - xi[d] * xi[d];
                    let (f1, f2) = (1.0 + xi[e1] * p[e1], 1.0 + xi[e2] * p[e2]);
                    let mut g = [0.0; 3];
                    g[d] = -0.5 * xi[d] * f1 * f2;
                    g[e1] = 0.25 * b * p[e1] * f2;
                    g[e2] = 0.25 * b * f1 * p[e2];
                    g
                }
            };
        }
    }
}

/// For a mid-edge node, the axis along which its coordinate is zero.
#[inline]
fn edge_axis(p: &[f64; 3]) -> Option<usize> {
    p.iter().position(|&c| c == 0.0)
}
