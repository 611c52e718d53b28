//! Per-cell values: maps reference shape-function data to a physical cell.
//!
//! Reference tabulation happens once per cell kind ([`CellValues::new`]);
//! [`CellValues::reinit`] then fills the Jacobian-dependent data for one cell
//! without allocating (Ferrite.jl's `CellValues`, deal.II's `FEValues`).

use crate::element::{stiffness_rule, tabulate, Hex8, ReferenceElement};
use crate::quadrature::QuadratureRule;
use mesher::{CellKind, Shape};

/// Error for a cell whose geometry maps the reference cell badly.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("non-positive Jacobian determinant {det_j:.3e} at integration point {point}: the cell is inverted or degenerate (check its node order)")]
pub struct JacobianError {
    pub point: usize,
    pub det_j: f64,
}

/// Shape-function data of one cell kind at the quadrature points of its rule.
#[derive(Clone, Debug)]
pub struct CellValues {
    pub shape: Shape,
    pub rule: QuadratureRule,
    nodes: usize,
    /// `N_a(ξ_q)`, entry `q * nodes + a`.
    n: Vec<f64>,
    /// `∂N_a/∂ξ(ξ_q)`, entry `q * nodes + a`.
    dn_ref: Vec<[f64; 3]>,
    /// `∂N_a/∂x` of the current cell, mm⁻¹, entry `q * nodes + a`.
    dndx: Vec<[f64; 3]>,
    /// `det J · w` of the current cell at each point, mm³.
    detj_w: Vec<f64>,
    /// `det J` at each point (dimensionless ratio of volumes, mm³ per reference volume).
    detj: Vec<f64>,
    /// Weights of the nodal temperatures at each point, entry `q * nodes + a`.
    temperature_weights: Vec<f64>,
}

impl CellValues {
    /// Values for `kind` with the rule its stiffness is integrated with.
    ///
    /// The temperature at an integration point follows CalculiX, so that
    /// identical decks give identical answers: C3D8 takes the mean of its
    /// nodal temperatures (a constant thermal strain, which a trilinear
    /// displacement field can match without parasitic stress), C3D20 the
    /// trilinear interpolation of its corner temperatures (thermal strain of
    /// the same order as the mechanical strain: the L2 projection of the
    /// 20-node field onto trilinears, CalculiX's `lintemp`); all others interpolate with
    /// their own shape functions.
    pub fn new(kind: CellKind) -> Self {
        let mut v = Self::with_rule(kind.shape(), stiffness_rule(kind));
        let (nq, nodes) = (v.rule.len(), v.nodes);
        match kind {
            CellKind::Hex8 | CellKind::Hex8I => v
                .temperature_weights
                .iter_mut()
                .for_each(|w| *w = 1.0 / 8.0),
            CellKind::Hex20 => {
                let projection = trilinear_projection_hex20();
                let mut corner = [0.0; 8];
                for q in 0..nq {
                    Hex8::values_into(v.rule.points[q], &mut corner);
                    for a in 0..nodes {
                        v.temperature_weights[q * nodes + a] =
                            (0..8).map(|c| corner[c] * projection[c * 20 + a]).sum();
                    }
                }
            }
            _ => {}
        }
        v
    }

    /// Values for `shape` at the points of `rule`.
    pub fn with_rule(shape: Shape, rule: QuadratureRule) -> Self {
        let (n, dn_ref) = tabulate(shape, &rule);
        let nodes = n.len() / rule.len();
        let nq = rule.len();
        CellValues {
            shape,
            rule,
            nodes,
            temperature_weights: n.clone(),
            n,
            dn_ref,
            dndx: vec![[0.0; 3]; nq * nodes],
            detj_w: vec![0.0; nq],
            detj: vec![0.0; nq],
        }
    }

    pub fn num_points(&self) -> usize {
        self.rule.len()
    }

    pub fn num_nodes(&self) -> usize {
        self.nodes
    }

    /// Shape values at point `q`.
    #[inline]
    pub fn n(&self, q: usize) -> &[f64] {
        &self.n[q * self.nodes..(q + 1) * self.nodes]
    }

    /// Weights that give the temperature at point `q` from the nodal ones.
    #[inline]
    pub fn temperature_weights(&self, q: usize) -> &[f64] {
        &self.temperature_weights[q * self.nodes..(q + 1) * self.nodes]
    }

    /// Physical gradients at point `q`, mm⁻¹.
    #[inline]
    pub fn dndx(&self, q: usize) -> &[[f64; 3]] {
        &self.dndx[q * self.nodes..(q + 1) * self.nodes]
    }

    /// `det J · w` at point `q`, mm³.
    #[inline]
    pub fn detj_w(&self, q: usize) -> f64 {
        self.detj_w[q]
    }

    /// `det J` at point `q`.
    #[inline]
    pub fn detj(&self, q: usize) -> f64 {
        self.detj[q]
    }

    /// Fills the physical data for a cell with node coordinates `x` (mm).
    #[track_caller]
    pub fn reinit(&mut self, x: &[[f64; 3]]) -> Result<(), JacobianError> {
        assert_eq!(
            x.len(),
            self.nodes,
            "cell has {} nodes, values expect {}",
            x.len(),
            self.nodes
        );
        for q in 0..self.rule.len() {
            let dn = &self.dn_ref[q * self.nodes..(q + 1) * self.nodes];
            let jac = jacobian(x, dn);
            let det = det3(&jac);
            if !(det > 0.0) {
                return Err(JacobianError {
                    point: q,
                    det_j: det,
                });
            }
            let inv = inverse3(&jac, det);
            self.detj[q] = det;
            self.detj_w[q] = det * self.rule.weights[q];
            let out = &mut self.dndx[q * self.nodes..(q + 1) * self.nodes];
            for (g, r) in out.iter_mut().zip(dn) {
                *g = apply_inverse_transpose(&inv, r);
            }
        }
        Ok(())
    }
}

/// The cell's own shape functions evaluated at its corner nodes, to check a
/// cell's geometry where integration points do not look: a cell whose
/// nodes are listed in the wrong order, or whose mid-side nodes are out of
/// place, can have a positive Jacobian at every integration point and still
/// fold over at a corner.
#[derive(Clone, Debug)]
pub struct CornerCheck(CellValues);

impl CornerCheck {
    pub fn new(shape: Shape) -> Self {
        let corners = match shape {
            Shape::Tet10 => 4,
            _ => 8,
        };
        let points = crate::element::reference_nodes(shape)[..corners].to_vec();
        let weights = vec![1.0; corners];
        CornerCheck(CellValues::with_rule(
            shape,
            QuadratureRule { points, weights },
        ))
    }

    /// `Err` with the first corner (its local node number) where the
    /// Jacobian determinant of the cell with nodes `x` (mm) is not positive.
    pub fn check(&mut self, x: &[[f64; 3]]) -> Result<(), JacobianError> {
        self.0.reinit(x)
    }
}

/// The 8 x 20 matrix (row-major) mapping the 20 nodal values of a Hex20
/// field to the corner values of its L2 projection onto trilinear functions.
/// The projection equals the trilinear interpolant of the field at the
/// 2x2x2 Gauss points, which is how it is computed here.
fn trilinear_projection_hex20() -> Vec<f64> {
    let rule = crate::quadrature::hex_gauss(2);
    let mut a = vec![0.0; 64];
    let mut q20 = vec![0.0; 8 * 20];
    for (p, xi) in rule.points.iter().enumerate() {
        Hex8::values_into(*xi, &mut a[p * 8..(p + 1) * 8]);
        crate::element::Hex20::values_into(*xi, &mut q20[p * 20..(p + 1) * 20]);
    }
    let inv = crate::dense::invert(8, &a);
    let mut out = vec![0.0; 8 * 20];
    for c in 0..8 {
        for n in 0..20 {
            out[c * 20 + n] = (0..8).map(|p| inv[c * 8 + p] * q20[p * 20 + n]).sum();
        }
    }
    out
}

/// Jacobian `J[i][j] = ∂x_i/∂ξ_j = Σ_a x_a,i ∂N_a/∂ξ_j`.
#[inline]
pub fn jacobian(x: &[[f64; 3]], dn: &[[f64; 3]]) -> [[f64; 3]; 3] {
    let mut j = [[0.0; 3]; 3];
    for (xa, ga) in x.iter().zip(dn) {
        for i in 0..3 {
            for k in 0..3 {
                j[i][k] += xa[i] * ga[k];
            }
        }
    }
    j
}

#[inline]
pub fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Inverse of a 3x3 matrix with known determinant.
#[inline]
pub fn inverse3(m: &[[f64; 3]; 3], det: f64) -> [[f64; 3]; 3] {
    let mut inv = [[0.0; 3]; 3];
    for i in 0..3 {
        for j in 0..3 {
            let (i1, i2) = ((i + 1) % 3, (i + 2) % 3);
            let (j1, j2) = ((j + 1) % 3, (j + 2) % 3);
            inv[j][i] = (m[i1][j1] * m[i2][j2] - m[i1][j2] * m[i2][j1]) / det;
        }
    }
    inv
}

/// `∂N/∂x_i = Σ_j (J⁻¹)_{ji} ∂N/∂ξ_j`.
#[inline]
pub fn apply_inverse_transpose(inv: &[[f64; 3]; 3], g: &[f64; 3]) -> [f64; 3] {
    std::array::from_fn(|i| inv[0][i] * g[0] + inv[1][i] * g[1] + inv[2][i] * g[2])
}

#[cfg(test)]
mod corner_tests {
    use super::*;
    use crate::element::reference_nodes;

    /// A C3D20 whose corners 2 and 3 are swapped but whose mid-side nodes
    /// are kept: its Jacobian is positive at every integration point of
    /// both rules, yet it folds at a corner, which the corner check sees;
    /// the regular and a sheared cell pass.
    #[test]
    fn garbled_hex20_is_caught_at_a_corner() {
        let refs = reference_nodes(Shape::Hex20);
        let regular: Vec<[f64; 3]> = refs
            .iter()
            .map(|p| [p[0] + 1.0, 2.0 * p[1], p[2]])
            .collect();
        let sheared: Vec<[f64; 3]> = refs
            .iter()
            .map(|p| [p[0] + 0.4 * p[2], p[1], p[2]])
            .collect();
        let mut garbled = regular.clone();
        garbled.swap(1, 2);
        let mut check = CornerCheck::new(Shape::Hex20);
        assert!(check.check(&regular).is_ok());
        assert!(check.check(&sheared).is_ok());
        assert!(check.check(&garbled).is_err());
        // what the integration points alone say
        let mut full = CellValues::new(CellKind::Hex20);
        let mut reduced = CellValues::new(CellKind::Hex20R);
        assert!(full.reinit(&garbled).is_ok() && reduced.reinit(&garbled).is_ok());
    }
}
