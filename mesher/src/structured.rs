//! Structured hexahedral meshes of stacked boxes.
//!
//! A tensor-product grid whose lines pass through every box face is
//! subdivided to a target element size; each grid cell belongs to the first
//! box containing its centre, cells in no box are dropped. The result is
//! conforming by construction. Lengths in mm.

use crate::{CellBlock, CellKind, Mesh, Shape};

/// An axis-aligned box that becomes a part.
#[derive(Clone, Debug)]
pub struct BoxPart {
    pub name: String,
    /// Lower corner, mm.
    pub min: [f64; 3],
    /// Upper corner, mm.
    pub max: [f64; 3],
}

/// Mesh density controls.
#[derive(Clone, Debug)]
pub struct Density {
    /// Target element edge length per axis, mm.
    pub size: [f64; 3],
    /// Minimum number of elements across every interval between grid features.
    pub min_divisions: usize,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum StructuredError {
    #[error("part {0}: its box has zero or negative extent")]
    EmptyBox(String),
    #[error("the element size must be positive and finite")]
    BadSize,
    #[error("the mesh would have {0:.3e} cells; refuse above {max} (coarsen mesh.size, mesh.layers or mesh.across_bumps)", max = MAX_CELLS)]
    TooLarge(f64),
    #[error("{axis}: the grid would have {lines:.3e} lines along this axis; refuse above {max} (coarsen mesh.size, mesh.layers or mesh.across_bumps)", max = MAX_LINES)]
    TooManyLines { axis: char, lines: f64 },
    #[error("part {0} is not symmetric about the plane {1} = 0, so a half or quarter model would be wrong; use symmetry = \"full\"")]
    NotSymmetric(String, char),
}

/// Corner offsets of a hex in the doubled index space (Abaqus order),
/// then the 12 mid-edge offsets of a 20-node hex.
const HEX20_OFFSETS: [[usize; 3]; 20] = [
    [0, 0, 0],
    [2, 0, 0],
    [2, 2, 0],
    [0, 2, 0],
    [0, 0, 2],
    [2, 0, 2],
    [2, 2, 2],
    [0, 2, 2],
    [1, 0, 0],
    [2, 1, 0],
    [1, 2, 0],
    [0, 1, 0],
    [1, 0, 2],
    [2, 1, 2],
    [1, 2, 2],
    [0, 1, 2],
    [0, 0, 1],
    [2, 0, 1],
    [2, 2, 1],
    [0, 2, 1],
];

/// Grid coordinates along one axis: every box face, each interval split
/// into `max(min_divisions, ceil(length / size))` equal parts.
fn axis_lines(
    parts: &[BoxPart],
    axis: usize,
    size: f64,
    min_div: usize,
) -> Result<Vec<f64>, StructuredError> {
    let feats: Vec<f64> = parts
        .iter()
        .flat_map(|p| [p.min[axis], p.max[axis]])
        .collect();
    grid_lines(&feats, size, None, |_, _| min_div).map_err(|e| e.on_axis(axis))
}

impl StructuredError {
    /// The error with its axis (0, 1, 2: x, y, z) named.
    pub fn on_axis(self, axis: usize) -> Self {
        match self {
            StructuredError::TooManyLines { lines, .. } => StructuredError::TooManyLines {
                axis: ['x', 'y', 'z'][axis.min(2)],
                lines,
            },
            e => e,
        }
    }
}

/// Sorted, de-duplicated feature coordinates (mm).
pub fn unique_features(features: &[f64]) -> Vec<f64> {
    let mut f = features.to_vec();
    f.sort_by(f64::total_cmp);
    let span = (f.last().copied().unwrap_or(0.0) - f.first().copied().unwrap_or(0.0))
        .abs()
        .max(1e-30);
    f.dedup_by(|a, b| (*a - *b).abs() <= 1e-9 * span);
    f
}

/// Most grid lines along one axis (a 1 mm package at 1 nm cells: refused
/// before anything is allocated).
pub const MAX_LINES: usize = 1_000_000;

/// Most cells of a tensor-grid mesh.
pub const MAX_CELLS: usize = 50_000_000;

/// Grid lines through every feature coordinate. Each interval `[a, b]`
/// between features gets at least `min_div(a, b)` cells of at most `size`;
/// with `grading = Some(r)` a long interval next to short ones grows its
/// cells geometrically (ratio ≤ r) from its neighbours' cell size up to
/// `size`, instead of jumping.
pub fn grid_lines(
    features: &[f64],
    size: f64,
    grading: Option<f64>,
    min_div: impl Fn(f64, f64) -> usize,
) -> Result<Vec<f64>, StructuredError> {
    let f = unique_features(features);
    if f.len() < 2 {
        return Ok(f);
    }
    // the count first, in floating point: an absurd size or division count
    // must be refused here, not overflow or allocate (graded intervals add
    // at most 400 cells of ramps each)
    let count: f64 = f
        .windows(2)
        .map(|w| {
            let n = ((w[1] - w[0]) / size)
                .ceil()
                .max(min_div(w[0], w[1]) as f64);
            n + if grading.is_some() { 400.0 } else { 0.0 }
        })
        .sum();
    if !(count <= MAX_LINES as f64) {
        return Err(StructuredError::TooManyLines {
            axis: '?',
            lines: count,
        });
    }
    // natural cell size of every interval
    let natural: Vec<f64> = f
        .windows(2)
        .map(|w| {
            let len = w[1] - w[0];
            let n = ((len / size).ceil() as usize)
                .max(min_div(w[0], w[1]))
                .max(1);
            len / n as f64
        })
        .collect();
    let mut lines = vec![f[0]];
    for (i, w) in f.windows(2).enumerate() {
        let len = w[1] - w[0];
        let left = if i > 0 { natural[i - 1] } else { natural[i] };
        let right = if i + 1 < natural.len() {
            natural[i + 1]
        } else {
            natural[i]
        };
        let sizes = match grading {
            Some(r) if r > 1.0 => graded_sizes(len, natural[i], left, right, r),
            _ => vec![natural[i]; (len / natural[i]).round().max(1.0) as usize],
        };
        let total: f64 = sizes.iter().sum();
        let mut x = w[0];
        for (k, s) in sizes.iter().enumerate() {
            x += s * len / total;
            lines.push(if k + 1 == sizes.len() { w[1] } else { x });
        }
    }
    Ok(lines)
}

/// Cell sizes filling `len`: growing by `ratio` from `left` and from
/// `right` up to `target`, uniform (≤ `target`) in between.
fn graded_sizes(len: f64, target: f64, left: f64, right: f64, ratio: f64) -> Vec<f64> {
    let ramp = |start: f64| -> Vec<f64> {
        let mut v = Vec::new();
        let mut s = start * ratio;
        while s < target && v.len() < 200 {
            v.push(s);
            s *= ratio;
        }
        v
    };
    let (l, r) = (ramp(left), ramp(right));
    let used: f64 = l.iter().chain(&r).sum();
    if used >= len {
        let n = (len / target.min(left.max(right))).ceil().max(1.0) as usize;
        return vec![len / n as f64; n];
    }
    let n_mid = ((len - used) / target).ceil() as usize;
    let mut sizes = l;
    if n_mid > 0 {
        sizes.extend(std::iter::repeat_n((len - used) / n_mid as f64, n_mid));
    }
    sizes.extend(r.into_iter().rev());
    sizes
}

/// Builds a mesh of kind `kind` on the tensor grid `lines`: `classify`
/// gives each cell (by its centre, mm) a part index, or `None` to drop it.
/// Part names come from `part_names`.
pub fn mesh_grid(
    lines: &[Vec<f64>; 3],
    kind: CellKind,
    part_names: &[String],
    classify: impl Fn([f64; 3]) -> Option<usize>,
) -> Result<Mesh, StructuredError> {
    assert!(
        kind.shape() != Shape::Tet10,
        "structured meshes are hexahedral"
    );
    let nc = [lines[0].len() - 1, lines[1].len() - 1, lines[2].len() - 1];
    let total = nc[0] as f64 * nc[1] as f64 * nc[2] as f64;
    if total > MAX_CELLS as f64 {
        return Err(StructuredError::TooLarge(total));
    }
    let centre = |d: usize, i: usize| 0.5 * (lines[d][i] + lines[d][i + 1]);
    // nodes in the doubled index space (odd index = mid-edge position)
    let quadratic = kind.shape() == Shape::Hex20;
    let nn = [2 * nc[0] + 1, 2 * nc[1] + 1, 2 * nc[2] + 1];
    let coord = |d: usize, i: usize| {
        if i % 2 == 0 {
            lines[d][i / 2]
        } else {
            centre(d, i / 2)
        }
    };
    let mut node_of: std::collections::HashMap<usize, usize> = std::collections::HashMap::new();
    let mut mesh = Mesh::default();
    let mut block = CellBlock::new(kind);
    let offsets: &[[usize; 3]] = if quadratic {
        &HEX20_OFFSETS
    } else {
        &HEX20_OFFSETS[..8]
    };
    let mut cell_parts = Vec::new();
    for k in 0..nc[2] {
        for j in 0..nc[1] {
            for i in 0..nc[0] {
                let Some(p) = classify([centre(0, i), centre(1, j), centre(2, k)]) else {
                    continue;
                };
                for o in offsets {
                    let idx = [2 * i + o[0], 2 * j + o[1], 2 * k + o[2]];
                    let key = idx[0] + nn[0] * (idx[1] + nn[1] * idx[2]);
                    let next = mesh.coordinates.len();
                    let v = *node_of.entry(key).or_insert(next);
                    if v == next {
                        mesh.coordinates.push([
                            coord(0, idx[0]),
                            coord(1, idx[1]),
                            coord(2, idx[2]),
                        ]);
                        mesh.node_ids.push(v as u64 + 1);
                    }
                    block.connectivity.push(v);
                }
                block.cell_ids.push(block.cell_ids.len() as u64 + 1);
                cell_parts.push(p);
            }
        }
    }
    mesh.part_names = part_names.to_vec();
    mesh.cell_part = cell_parts;
    mesh.blocks.push(block);
    Ok(mesh)
}

/// Meshes the boxes with cells of `kind`. Parts keep the order of `parts`;
/// node sets `<NAME>_TOP` / `<NAME>_BOTTOM` hold the nodes of each part's
/// faces at its largest / smallest z, and cell sets `<NAME>` its cells.
pub fn mesh_boxes(
    parts: &[BoxPart],
    density: &Density,
    kind: CellKind,
) -> Result<Mesh, StructuredError> {
    for p in parts {
        if (0..3).any(|d| !(p.max[d] > p.min[d])) {
            return Err(StructuredError::EmptyBox(p.name.clone()));
        }
    }
    if density.size.iter().any(|s| !(s.is_finite() && *s > 0.0)) {
        return Err(StructuredError::BadSize);
    }
    let lines = [0, 1, 2].map(|d| axis_lines(parts, d, density.size[d], density.min_divisions));
    let [x, y, z] = lines;
    let lines = [x?, y?, z?];
    let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
    let mut mesh = mesh_grid(&lines, kind, &names, |c| {
        parts
            .iter()
            .position(|p| (0..3).all(|d| c[d] > p.min[d] && c[d] < p.max[d]))
    })?;
    let z_ranges: Vec<(f64, f64)> = parts.iter().map(|p| (p.min[2], p.max[2])).collect();
    add_part_sets(&mut mesh, &z_ranges);
    Ok(mesh)
}

/// Cell sets per part, and node sets `<PART>_TOP` / `<PART>_BOTTOM` of the
/// nodes of each part's cells lying on its top / bottom plane
/// (`z_ranges[p]`, mm).
pub fn add_part_sets(mesh: &mut Mesh, z_ranges: &[(f64, f64)]) {
    let block = &mesh.blocks[0];
    let n = block.kind.nodes_per_cell();
    for (p, name) in mesh.part_names.iter().enumerate() {
        let (zmin, zmax) = z_ranges[p];
        let cells: Vec<usize> = (0..block.len())
            .filter(|&c| mesh.cell_part[c] == p)
            .collect();
        let tol = 1e-9 * (zmax - zmin).abs().max(1e-12);
        let mut top = Vec::new();
        let mut bottom = Vec::new();
        for &c in &cells {
            for &v in &block.connectivity[c * n..(c + 1) * n] {
                let z = mesh.coordinates[v][2];
                if (z - zmax).abs() <= tol {
                    top.push(v);
                }
                if (z - zmin).abs() <= tol {
                    bottom.push(v);
                }
            }
        }
        for s in [&mut top, &mut bottom] {
            s.sort_unstable();
            s.dedup();
        }
        let name = name.to_ascii_uppercase();
        mesh.node_sets.insert(format!("{name}_TOP"), top);
        mesh.node_sets.insert(format!("{name}_BOTTOM"), bottom);
        mesh.cell_sets.insert(name, cells);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack() -> Vec<BoxPart> {
        vec![
            BoxPart {
                name: "glass".into(),
                min: [-5.0, -5.0, 0.33],
                max: [5.0, 5.0, 0.83],
            },
            BoxPart {
                name: "acf".into(),
                min: [-2.5, -2.5, 0.3],
                max: [2.5, 2.5, 0.33],
            },
            BoxPart {
                name: "chip".into(),
                min: [-2.5, -2.5, 0.0],
                max: [2.5, 2.5, 0.3],
            },
        ]
    }

    #[test]
    fn grid_snaps_to_every_feature_and_drops_empty_cells() {
        let d = Density {
            size: [1.0, 1.0, 1.0],
            min_divisions: 2,
        };
        let mesh = mesh_boxes(&stack(), &d, CellKind::Hex8).unwrap();
        // x lines: -5..-2.5 (3 div), -2.5..2.5 (5), 2.5..5 (3) -> 11 cells; z: 2 per layer
        // glass: 11x11x2; acf, chip: 5x5x2 each
        assert_eq!(mesh.num_cells(), 11 * 11 * 2 + 2 * 5 * 5 * 2);
        let count = |p| mesh.cell_part.iter().filter(|&&q| q == p).count();
        assert_eq!((count(0), count(1), count(2)), (242, 50, 50));
        assert_eq!(mesh.node_sets["GLASS_TOP"].len(), 12 * 12);
        assert_eq!(mesh.node_sets["CHIP_TOP"].len(), 6 * 6);
    }

    #[test]
    fn hex20_nodes_are_shared_between_cells() {
        let parts = [BoxPart {
            name: "a".into(),
            min: [0.0; 3],
            max: [2.0, 1.0, 1.0],
        }];
        let d = Density {
            size: [1.0; 3],
            min_divisions: 1,
        };
        let mesh = mesh_boxes(&parts, &d, CellKind::Hex20R).unwrap();
        // two hex20 sharing a face: 20 + 20 - 8 shared = 32 nodes
        assert_eq!(mesh.num_nodes(), 32);
    }

    #[test]
    fn rejects_empty_boxes() {
        let parts = [BoxPart {
            name: "flat".into(),
            min: [0.0; 3],
            max: [1.0, 1.0, 0.0],
        }];
        let d = Density {
            size: [1.0; 3],
            min_divisions: 1,
        };
        assert_eq!(
            mesh_boxes(&parts, &d, CellKind::Hex8).unwrap_err(),
            StructuredError::EmptyBox("flat".into())
        );
    }
}
