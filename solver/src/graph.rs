//! What every analysis of a mesh needs once, whatever it solves for: the
//! node graph, its nested-dissection order (the equation numbering), the
//! cell colouring of the parallel assembly, where each cell lives, and which
//! nodes carry cells. A recipe builds it once and lends it to the heat
//! conduction and to the thermo-elastic analyses (and to their births'
//! sub-analyses), so nested dissection runs once per model.

use crate::assembly::Coloring;
use crate::ordering::nested_dissection;
use mesher::Mesh;

/// The graph of a mesh and what follows from it alone (see the module).
#[derive(Clone, Debug)]
pub struct MeshGraph {
    /// Node adjacency in CSR form `(offsets, neighbours)`, each node listing
    /// itself and every node it shares a cell with, sorted.
    pub adjacency: (Vec<usize>, Vec<usize>),
    /// Nodes in METIS nested-dissection order: equations are numbered node
    /// by node in this order, so the Cholesky factor needs no permutation.
    pub node_order: Vec<usize>,
    /// Whether each node belongs to at least one cell.
    pub used: Vec<bool>,
    /// Cells grouped so that no two cells of a colour share a node.
    pub coloring: Coloring,
    /// `(block, index in block)` of every global cell.
    pub locate: Vec<(usize, usize)>,
}

impl MeshGraph {
    pub fn new(mesh: &Mesh) -> Self {
        let adjacency = mesh.node_adjacency();
        let node_order = nested_dissection(&adjacency.0, &adjacency.1);
        let mut used = vec![false; mesh.num_nodes()];
        for block in &mesh.blocks {
            for &v in &block.connectivity {
                used[v] = true;
            }
        }
        MeshGraph {
            node_order,
            used,
            coloring: Coloring::new(mesh),
            locate: mesh.cells().map(|(_, b, c)| (b, c)).collect(),
            adjacency,
        }
    }
}
