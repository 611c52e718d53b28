//! The reference-element interface every shape implements.

/// A reference element: `N` shape functions on a reference cell.
pub trait ReferenceElement {
    /// Number of nodes (and shape functions).
    const NODES: usize;
    /// Reference coordinates of the nodes, in node order.
    fn reference_nodes() -> &'static [[f64; 3]];
    /// Shape function values at `xi` into `n` (length `NODES`).
    fn values_into(xi: [f64; 3], n: &mut [f64]);
    /// Reference gradients `∂N_a/∂ξ` at `xi` into `dn` (length `NODES`).
    fn gradients_into(xi: [f64; 3], dn: &mut [[f64; 3]]);
}
