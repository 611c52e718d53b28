//! Splits a Hex8 mesh into conforming 10-node tetrahedra.
//!
//! Every hex is cut into six tetrahedra around its diagonal 1-7 (Abaqus
//! numbering), so neighbouring hexes of a structured grid cut their shared
//! face along the same diagonal. Mid-edge nodes are shared by all tetrahedra
//! on an edge; node sets gain the mid-edge nodes of edges lying in them.

use crate::{CellBlock, CellKind, Mesh};
use std::collections::{BTreeSet, HashMap};

/// The six tetrahedra of a hex around its 0-6 diagonal (zero-based corners).
const SPLIT: [[usize; 4]; 6] = [
    [0, 1, 2, 6],
    [0, 2, 3, 6],
    [0, 3, 7, 6],
    [0, 7, 4, 6],
    [0, 4, 5, 6],
    [0, 5, 1, 6],
];

/// Corner pairs of the six Tet10 edges, in Abaqus order.
const EDGES: [(usize, usize); 6] = [(0, 1), (1, 2), (2, 0), (0, 3), (1, 3), (2, 3)];

fn signed_volume(x: &[[f64; 3]], t: &[usize; 4]) -> f64 {
    let d = |i: usize| std::array::from_fn::<f64, 3, _>(|k| x[t[i]][k] - x[t[0]][k]);
    let (a, b, c) = (d(1), d(2), d(3));
    a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0])
        + a[2] * (b[0] * c[1] - b[1] * c[0])
}

/// A Tet10 mesh of the same parts and node sets as the Hex8 mesh `hex`.
///
/// # Panics
/// If `hex` has cells that are not Hex8 or Hex8I.
pub fn tetrahedralize(hex: &Mesh) -> Mesh {
    let mut mesh = Mesh {
        coordinates: hex.coordinates.clone(),
        node_ids: hex.node_ids.clone(),
        part_names: hex.part_names.clone(),
        ..Default::default()
    };
    let mut block = CellBlock::new(CellKind::Tet10);
    let mut mid: HashMap<(usize, usize), usize> = HashMap::new();
    let mut next_id = hex.node_ids.iter().max().copied().unwrap_or(0) + 1;
    for (cell, b, c) in hex.cells() {
        let src = &hex.blocks[b];
        assert!(
            matches!(src.kind, CellKind::Hex8 | CellKind::Hex8I),
            "tetrahedralize needs hex8 cells"
        );
        let corners = src.cell(c);
        for t in SPLIT {
            let mut tet = t.map(|k| corners[k]);
            if signed_volume(&mesh.coordinates, &tet) < 0.0 {
                tet.swap(1, 2);
            }
            block.connectivity.extend_from_slice(&tet);
            for (i, j) in EDGES {
                let key = (tet[i].min(tet[j]), tet[i].max(tet[j]));
                let v = *mid.entry(key).or_insert_with(|| {
                    let (p, q) = (mesh.coordinates[key.0], mesh.coordinates[key.1]);
                    mesh.coordinates
                        .push(std::array::from_fn(|k| 0.5 * (p[k] + q[k])));
                    mesh.node_ids.push(next_id);
                    next_id += 1;
                    mesh.coordinates.len() - 1
                });
                block.connectivity.push(v);
            }
            block.cell_ids.push(block.cell_ids.len() as u64 + 1);
            mesh.cell_part.push(hex.cell_part[cell]);
        }
    }
    mesh.blocks.push(block);
    for (name, nodes) in &hex.node_sets {
        let inside: BTreeSet<usize> = nodes.iter().copied().collect();
        let mut set = inside.clone();
        set.extend(
            mid.iter()
                .filter(|((a, b), _)| inside.contains(a) && inside.contains(b))
                .map(|(_, &m)| m),
        );
        mesh.node_sets
            .insert(name.clone(), set.into_iter().collect());
    }
    for (name, cells) in &hex.cell_sets {
        mesh.cell_sets.insert(
            name.clone(),
            cells.iter().flat_map(|&c| 6 * c..6 * c + 6).collect(),
        );
    }
    mesh
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::structured::{mesh_boxes, BoxPart, Density};

    #[test]
    fn split_preserves_volume_and_conforms() {
        let parts = [BoxPart {
            name: "a".into(),
            min: [0.0; 3],
            max: [2.0, 1.0, 1.5],
        }];
        let hex = mesh_boxes(
            &parts,
            &Density {
                size: [0.5; 3],
                min_divisions: 1,
            },
            CellKind::Hex8,
        )
        .unwrap();
        let tet = tetrahedralize(&hex);
        let vol: f64 = (0..tet.num_cells())
            .map(|c| {
                signed_volume(
                    &tet.coordinates,
                    &tet.blocks[0].cell(c)[..4].try_into().unwrap(),
                ) / 6.0
            })
            .sum();
        assert!((vol - 3.0).abs() < 1e-12);
        // Euler characteristic of a ball: V - E + F - C = 1, with corner vertices
        // and edges (each edge has exactly one mid-node).
        let corners: BTreeSet<usize> = (0..tet.num_cells())
            .flat_map(|c| tet.blocks[0].cell(c)[..4].to_vec())
            .collect();
        let edges = tet.num_nodes() - hex.num_nodes();
        let mut faces = BTreeSet::new();
        for c in 0..tet.num_cells() {
            let t = &tet.blocks[0].cell(c)[..4];
            for skip in 0..4 {
                let mut f: Vec<usize> = (0..4).filter(|&k| k != skip).map(|k| t[k]).collect();
                f.sort();
                faces.insert(f);
            }
        }
        let chi = corners.len() as i64 - edges as i64 + faces.len() as i64 - tet.num_cells() as i64;
        assert_eq!(chi, 1, "a conforming tetrahedralisation of a box");
    }
}
