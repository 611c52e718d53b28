//! DOF numbering, the sparse pattern (built once), element colouring and
//! parallel assembly into it.
//!
//! The global matrix is stored as the upper triangle in compressed sparse
//! columns with 32-bit indices. Dirichlet conditions are eliminated: a
//! prescribed DOF gets no equation, and its value moves to the right-hand
//! side, element by element, so the matrix stays symmetric positive definite.
//!
//! Cells are coloured so that no two cells of one colour share a node; the
//! cells of a colour are assembled in parallel, colours one after another.
//! Every matrix entry is therefore summed in the same order whatever the
//! thread count, and results are reproducible to the last bit.

use mesher::Mesh;
use rayon::prelude::*;
use std::collections::BTreeMap;

/// Marks a DOF without an equation (prescribed, or its node has no cell).
pub const NO_EQUATION: u32 = u32::MAX;

/// Equation numbers of the DOFs, `per_node` per node, numbered
/// `per_node * node + component` (3 displacements, or 1 temperature).
#[derive(Clone, Debug)]
pub struct DofMap {
    /// DOFs per node: 3 for displacement, 1 for temperature.
    pub per_node: usize,
    /// Equation of each DOF, or [`NO_EQUATION`].
    pub equation: Vec<u32>,
    /// Prescribed displacement of each DOF without an equation, mm (0 for
    /// unknowns and for DOFs of nodes outside every cell).
    pub prescribed: Vec<f64>,
    pub num_equations: usize,
}

impl DofMap {
    /// Numbers the free DOFs node by node in `node_order`; `used[v]` says
    /// whether node `v` belongs to any cell; `constraints` maps
    /// `(node, direction)` to a prescribed displacement in mm.
    pub fn new(
        node_order: &[usize],
        used: &[bool],
        constraints: &BTreeMap<(usize, usize), f64>,
    ) -> Self {
        Self::with_components(3, node_order, used, constraints)
    }

    /// As [`DofMap::new`] with `per_node` DOFs per node (1 for a scalar
    /// field); `constraints` maps `(node, component)` to a prescribed value.
    pub fn with_components(
        per_node: usize,
        node_order: &[usize],
        used: &[bool],
        constraints: &BTreeMap<(usize, usize), f64>,
    ) -> Self {
        let n = used.len();
        let mut equation = vec![NO_EQUATION; per_node * n];
        let mut prescribed = vec![0.0; per_node * n];
        for (&(v, d), &value) in constraints {
            prescribed[per_node * v + d] = value;
        }
        let mut next = 0u32;
        for &v in node_order {
            if !used[v] {
                continue;
            }
            for d in 0..per_node {
                if !constraints.contains_key(&(v, d)) {
                    equation[per_node * v + d] = next;
                    next += 1;
                }
            }
        }
        DofMap {
            per_node,
            equation,
            prescribed,
            num_equations: next as usize,
        }
    }
}

/// Upper-triangular CSC sparsity pattern, 32-bit indices, rows sorted.
#[derive(Clone, Debug)]
pub struct Pattern {
    pub n: usize,
    pub col_ptr: Vec<u32>,
    pub row_idx: Vec<u32>,
}

impl Pattern {
    /// The pattern of the equations in `dofs` from the mesh's node adjacency.
    pub fn new(mesh_adjacency: (&[usize], &[usize]), dofs: &DofMap) -> Self {
        let (offsets, neighbours) = mesh_adjacency;
        let n = dofs.num_equations;
        // node that owns each equation
        let mut owner = vec![(0usize, 0usize); n];
        for (dof, &eq) in dofs.equation.iter().enumerate() {
            if eq != NO_EQUATION {
                owner[eq as usize] = (dof / dofs.per_node, dof % dofs.per_node);
            }
        }
        let columns: Vec<Vec<u32>> = (0..n)
            .into_par_iter()
            .map(|j| {
                let (v, _) = owner[j];
                let mut rows: Vec<u32> = neighbours[offsets[v]..offsets[v + 1]]
                    .iter()
                    .flat_map(|&w| {
                        (0..dofs.per_node).map(move |d| dofs.equation[dofs.per_node * w + d])
                    })
                    .filter(|&i| i != NO_EQUATION && i as usize <= j)
                    .collect();
                rows.sort_unstable();
                rows
            })
            .collect();
        let mut col_ptr = Vec::with_capacity(n + 1);
        col_ptr.push(0u32);
        let total: usize = columns.iter().map(Vec::len).sum();
        assert!(
            total < u32::MAX as usize,
            "matrix has more than 2^32 stored entries"
        );
        let mut row_idx = Vec::with_capacity(total);
        for c in columns {
            row_idx.extend_from_slice(&c);
            col_ptr.push(row_idx.len() as u32);
        }
        Pattern {
            n,
            col_ptr,
            row_idx,
        }
    }

    pub fn nnz(&self) -> usize {
        self.row_idx.len()
    }

    /// Position of entry `(row, col)` (`row ≤ col`) in the value array.
    #[inline]
    pub fn position(&self, row: u32, col: u32) -> usize {
        let (s, e) = (
            self.col_ptr[col as usize] as usize,
            self.col_ptr[col as usize + 1] as usize,
        );
        let k = self.row_idx[s..e].partition_point(|&r| r < row);
        debug_assert!(
            s + k < e && self.row_idx[s + k] == row,
            "entry ({row},{col}) not in pattern"
        );
        s + k
    }
}

/// Cells grouped into colours; no two cells of a colour share a node.
#[derive(Clone, Debug)]
pub struct Coloring {
    /// Global cell indices of each colour.
    pub colors: Vec<Vec<usize>>,
}

impl Coloring {
    /// Greedy colouring in cell order (deterministic): each cell takes the
    /// lowest colour not yet used at any of its nodes.
    pub fn new(mesh: &Mesh) -> Self {
        let n = mesh.num_nodes();
        let mut words = 1; // 64 colours per word of the per-node bitset
        let mut node_bits: Vec<u64> = vec![0; n];
        let mut used: Vec<u64> = Vec::new();
        let mut colors: Vec<Vec<usize>> = Vec::new();
        for (cell, b, c) in mesh.cells() {
            let nodes = mesh.blocks[b].cell(c);
            used.clear();
            used.resize(words, 0);
            for &v in nodes {
                for w in 0..words {
                    used[w] |= node_bits[v * words + w];
                }
            }
            let color = match used.iter().position(|&u| u != u64::MAX) {
                Some(w) => 64 * w + (!used[w]).trailing_zeros() as usize,
                None => {
                    // grow the bitset by one word per node
                    let mut grown = vec![0u64; n * (words + 1)];
                    for v in 0..n {
                        grown[v * (words + 1)..v * (words + 1) + words]
                            .copy_from_slice(&node_bits[v * words..(v + 1) * words]);
                    }
                    node_bits = grown;
                    words += 1;
                    64 * (words - 1)
                }
            };
            if color >= colors.len() {
                colors.resize(color + 1, Vec::new());
            }
            colors[color].push(cell);
            for &v in nodes {
                node_bits[v * words + color / 64] |= 1 << (color % 64);
            }
        }
        Coloring { colors }
    }
}

/// A raw pointer shared by the threads assembling one colour.
///
/// Safe use: within a colour no two cells share a node, so no two cells
/// touch the same matrix entry or right-hand-side entry.
#[derive(Copy, Clone)]
pub(crate) struct SharedMut(*mut f64);
unsafe impl Send for SharedMut {}
unsafe impl Sync for SharedMut {}

impl SharedMut {
    pub(crate) fn new(s: &mut [f64]) -> Self {
        SharedMut(s.as_mut_ptr())
    }
    /// # Safety
    /// `i` in bounds, and no other thread accesses index `i` concurrently.
    #[inline]
    pub(crate) unsafe fn add(self, i: usize, v: f64) {
        *self.0.add(i) += v;
    }
}

/// Scatters one element's matrix (row-major, node-major DOFs) and load into
/// the global upper-triangular values and right-hand side, moving prescribed
/// displacements to the right-hand side (`f_i −= K_ic ū_c`).
///
/// # Safety
/// Only one thread at a time may scatter a cell sharing nodes with this one.
pub(crate) unsafe fn scatter(
    nodes: &[usize],
    ke: &[f64],
    fe: &[f64],
    dofs: &DofMap,
    pattern: &Pattern,
    values: SharedMut,
    rhs: SharedMut,
) {
    let p = dofs.per_node;
    let m = p * nodes.len();
    let eq = |k: usize| dofs.equation[p * nodes[k / p] + k % p];
    for i in 0..m {
        let ei = eq(i);
        if ei == NO_EQUATION {
            continue;
        }
        let mut f = fe[i];
        for j in 0..m {
            let ej = eq(j);
            let k = ke[i * m + j];
            if ej == NO_EQUATION {
                f -= k * dofs.prescribed[p * nodes[j / p] + j % p];
            } else if ei <= ej {
                values.add(pattern.position(ei, ej), k);
            }
        }
        rhs.add(ei as usize, f);
    }
}
