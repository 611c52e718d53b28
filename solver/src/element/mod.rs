//! Reference elements: shape functions, their reference derivatives and node
//! positions, one file per shape. Node ordering is Abaqus/CalculiX's.

pub mod face;
mod hex20;
mod hex8;
mod reference;
mod tet10;

pub use hex20::Hex20;
pub use hex8::Hex8;
pub use reference::ReferenceElement;
pub use tet10::Tet10;

use crate::quadrature::{hex_gauss, tet_4point, QuadratureRule};
use mesher::{CellKind, Shape};

/// The quadrature rule a cell kind integrates its stiffness with
/// (CalculiX's choice for each element type).
pub fn stiffness_rule(kind: CellKind) -> QuadratureRule {
    match kind {
        CellKind::Hex8 | CellKind::Hex8I | CellKind::Hex20R => hex_gauss(2),
        CellKind::Hex20 => hex_gauss(3),
        CellKind::Tet10 => tet_4point(),
    }
}

/// Shape values and reference gradients of `shape` at every point of `rule`,
/// flattened point-major: entry `q * nodes + a`.
pub fn tabulate(shape: Shape, rule: &QuadratureRule) -> (Vec<f64>, Vec<[f64; 3]>) {
    fn tab<E: ReferenceElement>(rule: &QuadratureRule) -> (Vec<f64>, Vec<[f64; 3]>) {
        let mut n = vec![0.0; rule.len() * E::NODES];
        let mut dn = vec![[0.0; 3]; rule.len() * E::NODES];
        for (q, xi) in rule.points.iter().enumerate() {
            E::values_into(*xi, &mut n[q * E::NODES..(q + 1) * E::NODES]);
            E::gradients_into(*xi, &mut dn[q * E::NODES..(q + 1) * E::NODES]);
        }
        (n, dn)
    }
    match shape {
        Shape::Hex8 => tab::<Hex8>(rule),
        Shape::Hex20 => tab::<Hex20>(rule),
        Shape::Tet10 => tab::<Tet10>(rule),
    }
}

/// Reference node coordinates of a shape.
pub fn reference_nodes(shape: Shape) -> &'static [[f64; 3]] {
    match shape {
        Shape::Hex8 => Hex8::reference_nodes(),
        Shape::Hex20 => Hex20::reference_nodes(),
        Shape::Tet10 => Tet10::reference_nodes(),
    }
}

#[cfg(test)]
mod property_tests;
