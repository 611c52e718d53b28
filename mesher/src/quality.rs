//! The quality report of a mesh: per part, cells, the largest aspect ratio,
//! the smallest scaled Jacobian and the cells through the thickness, with
//! warnings where a part has too few layers to bend.

use crate::{CellKind, Mesh};
use std::collections::BTreeMap;

/// Mesh quality of one part.
#[derive(Clone, Debug)]
pub struct PartQuality {
    pub name: String,
    pub cells: usize,
    /// Largest ratio of the longest to the shortest corner edge of a cell.
    pub max_aspect_ratio: f64,
    /// Smallest scaled Jacobian (det of the unit edge vectors at a corner;
    /// 1 for a rectangular box, ≤ 0 for an inverted cell).
    pub min_scaled_jacobian: f64,
    /// Fewest cells through the part's thickness at any position.
    pub min_layers: usize,
}

/// The quality report of a package mesh.
#[derive(Clone, Debug)]
pub struct QualityReport {
    pub parts: Vec<PartQuality>,
    pub nodes: usize,
    pub cells: usize,
    pub warnings: Vec<String>,
    /// The same findings for parts whose layer count the case sets itself
    /// (a film meshed with one layer on purpose): reported, not warned.
    pub notes: Vec<String>,
}

/// Cells a layer needs through its thickness for bending with `kind`.
pub fn layers_needed(kind: CellKind) -> usize {
    match kind {
        CellKind::Hex8 => 4,
        _ => 2,
    }
}

/// Aspect ratio, scaled Jacobian and layer counts per part.
pub fn quality(mesh: &Mesh) -> QualityReport {
    quality_with(mesh, &[])
}

/// [`quality`], where the parts named in `chosen` have the layer count the
/// case asked for: too few layers for bending there is a note, not a
/// warning.
pub fn quality_with(mesh: &Mesh, chosen: &[String]) -> QualityReport {
    let block = &mesh.blocks[0];
    let n = block.kind.nodes_per_cell();
    // the three edges at each corner
    const EDGES: [(usize, usize); 12] = crate::HEX_EDGES;
    const CORNER: [[usize; 3]; 8] = [
        [1, 3, 4],
        [2, 0, 5],
        [3, 1, 6],
        [0, 2, 7],
        [7, 5, 0],
        [4, 6, 1],
        [5, 7, 2],
        [6, 4, 3],
    ];
    let mut parts: Vec<PartQuality> = mesh
        .part_names
        .iter()
        .map(|p| PartQuality {
            name: p.clone(),
            cells: 0,
            max_aspect_ratio: 1.0,
            min_scaled_jacobian: 1.0,
            min_layers: usize::MAX,
        })
        .collect();
    let mut columns: BTreeMap<(usize, i64, i64), usize> = BTreeMap::new();
    for c in 0..block.len() {
        let x: Vec<[f64; 3]> = block.connectivity[c * n..c * n + 8]
            .iter()
            .map(|&v| mesh.coordinates[v])
            .collect();
        let len = |a: usize, b: usize| {
            (0..3)
                .map(|d| (x[a][d] - x[b][d]).powi(2))
                .sum::<f64>()
                .sqrt()
        };
        let (lo, hi) = EDGES
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), &(a, b)| {
                (lo.min(len(a, b)), hi.max(len(a, b)))
            });
        let mut sj = f64::INFINITY;
        for (k, e) in CORNER.iter().enumerate() {
            let u: Vec<[f64; 3]> = e
                .iter()
                .map(|&o| std::array::from_fn(|d| (x[o][d] - x[k][d]) / len(k, o)))
                .collect();
            let det = u[0][0] * (u[1][1] * u[2][2] - u[1][2] * u[2][1])
                - u[0][1] * (u[1][0] * u[2][2] - u[1][2] * u[2][0])
                + u[0][2] * (u[1][0] * u[2][1] - u[1][1] * u[2][0]);
            sj = sj.min(det);
        }
        let q = &mut parts[mesh.cell_part[c]];
        q.cells += 1;
        q.max_aspect_ratio = q.max_aspect_ratio.max(hi / lo);
        q.min_scaled_jacobian = q.min_scaled_jacobian.min(sj);
        // count cells per (part, x, y) column, keyed on the centre in nm
        let cx = (x.iter().map(|p| p[0]).sum::<f64>() * 125.0).round() as i64;
        let cy = (x.iter().map(|p| p[1]).sum::<f64>() * 125.0).round() as i64;
        *columns.entry((mesh.cell_part[c], cx, cy)).or_default() += 1;
    }
    for ((p, ..), count) in columns {
        parts[p].min_layers = parts[p].min_layers.min(count);
    }
    let need = layers_needed(block.kind);
    let (mut warnings, mut notes) = (Vec::new(), Vec::new());
    for q in parts.iter().filter(|q| q.cells > 0 && q.min_layers < need) {
        let text = format!(
            "part {}: {} element(s) through its thickness; {} needs at least {need} for bending",
            q.name,
            q.min_layers,
            block.kind.abaqus_name()
        );
        if chosen.contains(&q.name) {
            notes.push(format!("{text} (the part's own `layers`)"));
        } else {
            warnings.push(text);
        }
    }
    QualityReport {
        parts,
        nodes: mesh.num_nodes(),
        cells: mesh.num_cells(),
        warnings,
        notes,
    }
}

impl std::fmt::Display for QualityReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} nodes, {} cells", self.nodes, self.cells)?;
        writeln!(
            f,
            "{:<24} {:>8} {:>12} {:>12} {:>8}",
            "part", "cells", "max aspect", "min scaled J", "layers"
        )?;
        for q in &self.parts {
            writeln!(
                f,
                "{:<24} {:>8} {:>12.2} {:>12.4} {:>8}",
                q.name,
                q.cells,
                q.max_aspect_ratio,
                q.min_scaled_jacobian,
                if q.cells > 0 { q.min_layers } else { 0 }
            )?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        for w in &self.notes {
            writeln!(f, "note: {w}")?;
        }
        Ok(())
    }
}
