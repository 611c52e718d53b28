//! Incompatible (bubble) modes of the C3D8I hexahedron.
//!
//! Three internal modes `φ_k = 1 − ξ_k²` are added to the trilinear field
//! and condensed statically per cell. Their gradients use the Jacobian at the
//! cell centre and are scaled by `det J₀ / det J` (Taylor, Beresford & Wilson,
//! 1976), so that `∫ ∇φ dV = 0` for any cell shape and the patch test passes.

use crate::element::{Hex8, ReferenceElement};
use crate::values::{apply_inverse_transpose, det3, inverse3, jacobian, CellValues};

/// Number of incompatible modes.
pub const MODES: usize = 3;

/// Physical gradients (mm⁻¹) of the three modes at every quadrature point of
/// `values` (already `reinit` for the cell with coordinates `x`), written to
/// `out[q * 3 + k]`.
pub fn mode_gradients_into(values: &CellValues, x: &[[f64; 3]], out: &mut [[f64; 3]]) {
    let mut dn0 = [[0.0; 3]; 8];
    Hex8::gradients_into([0.0; 3], &mut dn0);
    let j0 = jacobian(x, &dn0);
    let det0 = det3(&j0);
    let inv0 = inverse3(&j0, det0);
    for q in 0..values.num_points() {
        let xi = values.rule.points[q];
        let scale = det0 / values.detj(q);
        for k in 0..MODES {
            let mut g = [0.0; 3];
            g[k] = -2.0 * xi[k];
            let p = apply_inverse_transpose(&inv0, &g);
            out[q * MODES + k] = [p[0] * scale, p[1] * scale, p[2] * scale];
        }
    }
}
