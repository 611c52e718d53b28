//! Per-cell values: maps reference shape-function data to a physical cell.
//!
//! Reference tabulation happens once per cell kind ([`CellValues::new`]);
//! [`CellValues::reinit`] then fills the Jacobian-dependent data for one cell
//! without allocating (Ferrite.jl's `CellValues`, deal.II's `FEValues`).

use crate::element::{stiffness_rule, tabulate};
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
}

impl CellValues {
    /// Values for `kind` with the rule its stiffness is integrated with.
    pub fn new(kind: CellKind) -> Self {
        Self::with_rule(kind.shape(), stiffness_rule(kind))
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
        assert_eq!(x.len(), self.nodes, "cell has {} nodes, values expect {}", x.len(), self.nodes);
        for q in 0..self.rule.len() {
            let dn = &self.dn_ref[q * self.nodes..(q + 1) * self.nodes];
            let jac = jacobian(x, dn);
            let det = det3(&jac);
            if !(det > 0.0) {
                return Err(JacobianError { point: q, det_j: det });
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
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
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
