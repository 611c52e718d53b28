//! Meshes for pkgstress: node coordinates, cell blocks of one kind each, the
//! part of every cell, and named node and cell sets.
//!
//! The mesher knows geometry only: no material, no load. Coordinates are in mm.
//! Node and cell numbers from the input (deck numbers) are kept beside the
//! zero-based indices used internally, so results can be reported in the
//! user's numbering.

pub mod package;
pub mod quality;
pub mod structured;
pub mod tets;

use std::collections::BTreeMap;

/// The kind of every cell in one block.
///
/// The node ordering of each kind is the Abaqus/CalculiX one, which for these
/// kinds is also VTK's (`VTK_HEXAHEDRON`, `VTK_QUADRATIC_HEXAHEDRON`,
/// `VTK_QUADRATIC_TETRA`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CellKind {
    /// 8-node hexahedron, full 2x2x2 integration (C3D8).
    Hex8,
    /// 8-node hexahedron with incompatible modes (C3D8I).
    Hex8I,
    /// 20-node serendipity hexahedron, full 3x3x3 integration (C3D20).
    Hex20,
    /// 20-node serendipity hexahedron, reduced 2x2x2 integration (C3D20R).
    Hex20R,
    /// 10-node quadratic tetrahedron (C3D10).
    Tet10,
}

/// The reference shape of a cell kind (what its shape functions are).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Shape {
    Hex8,
    Hex20,
    Tet10,
}

impl CellKind {
    /// Every kind, in declaration order (`kind as usize` indexes it).
    pub const ALL: [CellKind; 5] = [
        CellKind::Hex8,
        CellKind::Hex8I,
        CellKind::Hex20,
        CellKind::Hex20R,
        CellKind::Tet10,
    ];
    /// Number of kinds: the length of a per-kind table.
    pub const COUNT: usize = Self::ALL.len();

    /// Number of nodes of one cell.
    pub const fn nodes_per_cell(self) -> usize {
        match self {
            CellKind::Hex8 | CellKind::Hex8I => 8,
            CellKind::Hex20 | CellKind::Hex20R => 20,
            CellKind::Tet10 => 10,
        }
    }

    /// Geometric shape of the kind.
    pub const fn shape(self) -> Shape {
        match self {
            CellKind::Hex8 | CellKind::Hex8I => Shape::Hex8,
            CellKind::Hex20 | CellKind::Hex20R => Shape::Hex20,
            CellKind::Tet10 => Shape::Tet10,
        }
    }

    /// The Abaqus/CalculiX element type name.
    pub const fn abaqus_name(self) -> &'static str {
        match self {
            CellKind::Hex8 => "C3D8",
            CellKind::Hex8I => "C3D8I",
            CellKind::Hex20 => "C3D20",
            CellKind::Hex20R => "C3D20R",
            CellKind::Tet10 => "C3D10",
        }
    }

    /// Parses an Abaqus/CalculiX element type name (case-insensitive).
    pub fn from_abaqus_name(name: &str) -> Option<CellKind> {
        match name.trim().to_ascii_uppercase().as_str() {
            "C3D8" => Some(CellKind::Hex8),
            "C3D8I" => Some(CellKind::Hex8I),
            "C3D20" => Some(CellKind::Hex20),
            "C3D20R" => Some(CellKind::Hex20R),
            "C3D10" => Some(CellKind::Tet10),
            _ => None,
        }
    }

    /// The VTK cell type number.
    pub const fn vtk_type(self) -> u8 {
        match self.shape() {
            Shape::Hex8 => 12,
            Shape::Hex20 => 25,
            Shape::Tet10 => 24,
        }
    }
}

/// The 12 edges of a hexahedron as corner pairs, in the Abaqus/CalculiX
/// order of the Hex20 mid-edge nodes 9-20 (zero-based corners).
pub const HEX_EDGES: [(usize, usize); 12] = [
    (0, 1),
    (1, 2),
    (2, 3),
    (3, 0),
    (4, 5),
    (5, 6),
    (6, 7),
    (7, 4),
    (0, 4),
    (1, 5),
    (2, 6),
    (3, 7),
];

/// Cells of one kind, stored flat: cell `c` has nodes
/// `connectivity[c * n .. (c + 1) * n]` with `n = kind.nodes_per_cell()`.
#[derive(Clone, Debug)]
pub struct CellBlock {
    pub kind: CellKind,
    /// Zero-based node indices, `nodes_per_cell` per cell.
    pub connectivity: Vec<usize>,
    /// The user's cell numbers (deck element numbers), one per cell.
    pub cell_ids: Vec<u64>,
}

impl CellBlock {
    pub fn new(kind: CellKind) -> Self {
        CellBlock {
            kind,
            connectivity: Vec::new(),
            cell_ids: Vec::new(),
        }
    }

    /// Number of cells in the block.
    pub fn len(&self) -> usize {
        self.cell_ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cell_ids.is_empty()
    }

    /// The nodes of cell `c`.
    #[inline]
    pub fn cell(&self, c: usize) -> &[usize] {
        let n = self.kind.nodes_per_cell();
        &self.connectivity[c * n..(c + 1) * n]
    }
}

/// A mesh: nodes (mm), cell blocks, a part per cell and named sets.
///
/// Cells are numbered globally block after block: the global index of cell
/// `c` of block `b` is `block_offset(b) + c`.
#[derive(Clone, Debug, Default)]
pub struct Mesh {
    /// Node coordinates, mm.
    pub coordinates: Vec<[f64; 3]>,
    /// The user's node numbers, one per node.
    pub node_ids: Vec<u64>,
    pub blocks: Vec<CellBlock>,
    /// Part index of every cell (global cell index).
    pub cell_part: Vec<usize>,
    /// Part names; `cell_part` indexes this.
    pub part_names: Vec<String>,
    /// Named node sets (zero-based node indices, sorted, unique).
    pub node_sets: BTreeMap<String, Vec<usize>>,
    /// Named cell sets (global cell indices, sorted, unique).
    pub cell_sets: BTreeMap<String, Vec<usize>>,
}

impl Mesh {
    pub fn num_nodes(&self) -> usize {
        self.coordinates.len()
    }

    pub fn num_cells(&self) -> usize {
        self.blocks.iter().map(CellBlock::len).sum()
    }

    /// Global index of the first cell of block `b`.
    pub fn block_offset(&self, b: usize) -> usize {
        self.blocks[..b].iter().map(CellBlock::len).sum()
    }

    /// Iterates `(global cell index, block index, local index)` over all cells.
    pub fn cells(&self) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
        let mut offset = 0;
        self.blocks.iter().enumerate().flat_map(move |(b, block)| {
            let start = offset;
            offset += block.len();
            (0..block.len()).map(move |c| (start + c, b, c))
        })
    }

    /// Nodes of the cell with global index `cell`.
    pub fn cell_nodes(&self, cell: usize) -> &[usize] {
        let mut offset = 0;
        for block in &self.blocks {
            if cell < offset + block.len() {
                return block.cell(cell - offset);
            }
            offset += block.len();
        }
        panic!("cell index {cell} out of range");
    }

    /// Adds a part name if new and returns its index.
    pub fn part_index(&mut self, name: &str) -> usize {
        match self.part_names.iter().position(|p| p == name) {
            Some(i) => i,
            None => {
                self.part_names.push(name.to_string());
                self.part_names.len() - 1
            }
        }
    }

    /// Axis-aligned bounding box `(min, max)`, mm.
    pub fn bounding_box(&self) -> ([f64; 3], [f64; 3]) {
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for x in &self.coordinates {
            for d in 0..3 {
                lo[d] = lo[d].min(x[d]);
                hi[d] = hi[d].max(x[d]);
            }
        }
        (lo, hi)
    }

    /// Node-to-node adjacency through shared cells, as CSR (`offsets`,
    /// `neighbours`); each node's list is sorted and includes the node itself.
    pub fn node_adjacency(&self) -> (Vec<usize>, Vec<usize>) {
        let n = self.num_nodes();
        // node -> cells (CSR)
        let mut count = vec![0usize; n + 1];
        for block in &self.blocks {
            for &v in &block.connectivity {
                count[v + 1] += 1;
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let mut node_cells = vec![(0usize, 0usize); count[n]];
        for (b, block) in self.blocks.iter().enumerate() {
            for c in 0..block.len() {
                for &v in block.cell(c) {
                    node_cells[fill[v]] = (b, c);
                    fill[v] += 1;
                }
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0);
        let mut neighbours = Vec::new();
        let mut scratch = Vec::new();
        for v in 0..n {
            scratch.clear();
            scratch.push(v);
            for &(b, c) in &node_cells[count[v]..count[v + 1]] {
                scratch.extend_from_slice(self.blocks[b].cell(c));
            }
            scratch.sort_unstable();
            scratch.dedup();
            neighbours.extend_from_slice(&scratch);
            offsets.push(neighbours.len());
        }
        (offsets, neighbours)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_hexes() -> Mesh {
        let mut mesh = Mesh::default();
        for k in 0..2 {
            for j in 0..2 {
                for i in 0..3 {
                    mesh.coordinates.push([i as f64, j as f64, k as f64]);
                    mesh.node_ids.push(mesh.node_ids.len() as u64 + 1);
                }
            }
        }
        let id = |i: usize, j: usize, k: usize| i + 3 * j + 6 * k;
        let mut block = CellBlock::new(CellKind::Hex8);
        for i in 0..2 {
            block.connectivity.extend([
                id(i, 0, 0),
                id(i + 1, 0, 0),
                id(i + 1, 1, 0),
                id(i, 1, 0),
                id(i, 0, 1),
                id(i + 1, 0, 1),
                id(i + 1, 1, 1),
                id(i, 1, 1),
            ]);
            block.cell_ids.push(i as u64 + 1);
        }
        mesh.blocks.push(block);
        mesh.cell_part = vec![0, 0];
        mesh.part_names.push("all".into());
        mesh
    }

    #[test]
    fn adjacency_counts_shared_cells() {
        let mesh = two_hexes();
        let (off, nb) = mesh.node_adjacency();
        // A corner node of one hex touches the 8 nodes of that hex.
        assert_eq!(off[1] - off[0], 8);
        // A node on the shared face touches all 12 nodes.
        assert_eq!(off[2] - off[1], 12);
        assert!(nb[off[1]..off[2]].windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn cell_iteration_is_global() {
        let mesh = two_hexes();
        let all: Vec<_> = mesh.cells().collect();
        assert_eq!(all, vec![(0, 0, 0), (1, 0, 1)]);
        assert_eq!(mesh.cell_nodes(1)[0], 1);
        assert_eq!(mesh.bounding_box(), ([0.0; 3], [2.0, 1.0, 1.0]));
    }
}
