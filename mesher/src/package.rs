//! Package geometry and its conforming structured hex mesh.
//!
//! A package is a list of parts, each a [`Region`]: a box (a layer or a
//! block) with optional rectangular openings, or an array of prisms (bumps,
//! plugs, balls). A cell of the tensor grid belongs to the first part, in
//! list order, whose region holds the cell's centre, so a fill (underfill,
//! ACF, transparent layer) is a box listed after what it surrounds. Grid
//! lines pass through every feature edge; between features the cells are
//! graded. Half and quarter models keep `x ≥ 0` (and `y ≥ 0`); the
//! geometry must be symmetric about those planes. Lengths in mm.

use crate::structured::{add_part_sets, grid_lines, mesh_grid, StructuredError};
use crate::{CellKind, Mesh};
use std::collections::BTreeMap;

/// An axis-aligned rectangle `[x0, x1] × [y0, y1]`, mm.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Rect {
    pub x: [f64; 2],
    pub y: [f64; 2],
}

impl Rect {
    fn contains(&self, p: [f64; 3]) -> bool {
        p[0] > self.x[0] && p[0] < self.x[1] && p[1] > self.y[0] && p[1] < self.y[1]
    }
}

/// The space a part occupies.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// A box `footprint × [z0, z1]` minus rectangular openings through it,
    /// plus solid `steps` (boxes `rect × [z0, z1]`: a stepped fillet).
    Box {
        footprint: Rect,
        z: [f64; 2],
        openings: Vec<Rect>,
        steps: Vec<(Rect, [f64; 2])>,
    },
    /// Prisms of the given footprints over `[z0, z1]` (one per bump).
    Prisms { footprints: Vec<Rect>, z: [f64; 2] },
}

fn inside(z: [f64; 2], p: [f64; 3]) -> bool {
    p[2] > z[0] && p[2] < z[1]
}

impl Region {
    /// The main z-range (the box's or the prisms'), mm.
    fn z(&self) -> [f64; 2] {
        match self {
            Region::Box { z, .. } | Region::Prisms { z, .. } => *z,
        }
    }

    /// Every z-coordinate that bounds the region, mm.
    fn z_features(&self) -> Vec<f64> {
        let mut f = self.z().to_vec();
        if let Region::Box { steps, .. } = self {
            f.extend(steps.iter().flat_map(|s| s.1));
        }
        f
    }

    /// Index of the prism holding `p` (0 for a box), if the region holds `p`.
    fn locate(&self, p: [f64; 3]) -> Option<usize> {
        match self {
            Region::Box {
                footprint,
                z,
                openings,
                steps,
            } => {
                let main = inside(*z, p)
                    && footprint.contains(p)
                    && !openings.iter().any(|o| o.contains(p));
                (main || steps.iter().any(|(r, sz)| inside(*sz, p) && r.contains(p))).then_some(0)
            }
            Region::Prisms { footprints, z } => {
                if inside(*z, p) {
                    footprints.iter().position(|f| f.contains(p))
                } else {
                    None
                }
            }
        }
    }

    /// Rectangles whose edges are grid features.
    fn rects(&self) -> Vec<Rect> {
        match self {
            Region::Box {
                footprint,
                openings,
                steps,
                ..
            } => std::iter::once(*footprint)
                .chain(openings.iter().copied())
                .chain(steps.iter().map(|s| s.0))
                .collect(),
            Region::Prisms { footprints, .. } => footprints.clone(),
        }
    }
}

/// A stepped fillet around a box `footprint × z` (mm): `width` wide, in
/// `steps` steps, each spanning the box's height plus an extension that
/// falls from `height` next to the box to `height / steps` at the outside —
/// below the box (`below = true`: underfill filling a gap and running down a
/// die's side) or above it. Returns the step boxes for [`Region::Box`].
pub fn fillet_steps(
    footprint: Rect,
    z: [f64; 2],
    width: f64,
    height: f64,
    steps: usize,
    below: bool,
) -> Vec<(Rect, [f64; 2])> {
    (1..=steps)
        .map(|k| {
            let grow = width * k as f64 / steps as f64;
            let h = height * (steps - k + 1) as f64 / steps as f64;
            let r = Rect {
                x: [footprint.x[0] - grow, footprint.x[1] + grow],
                y: [footprint.y[0] - grow, footprint.y[1] + grow],
            };
            (
                r,
                if below {
                    [z[0] - h, z[1]]
                } else {
                    [z[0], z[1] + h]
                },
            )
        })
        .collect()
}

/// A named part of the package.
#[derive(Clone, Debug)]
pub struct PartGeometry {
    pub name: String,
    pub region: Region,
    /// Elements through this part's whole thickness when it differs from
    /// [`MeshControls::layers`] (e.g. 1 for a sub-micron film, whose node
    /// planes the tensor grid carries across the whole package).
    pub layers: Option<usize>,
}

/// Which part of a symmetric package is modelled.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Symmetry {
    Full,
    /// `x ≥ 0`, symmetric about the plane `x = 0`.
    Half,
    /// `x ≥ 0, y ≥ 0`, symmetric about `x = 0` and `y = 0`.
    Quarter,
}

/// Mesh controls.
#[derive(Clone, Debug)]
pub struct MeshControls {
    pub kind: CellKind,
    /// Target in-plane element size, mm.
    pub size: f64,
    /// Minimum elements through the thickness of every part (a part cut by
    /// other parts' faces shares them out over its slices), unless the part
    /// sets its own ([`PartGeometry::layers`]).
    pub layers: usize,
    /// Minimum elements across every prism (bump) footprint.
    pub across_prisms: usize,
    /// Largest size ratio of neighbouring cells in graded intervals (> 1).
    pub grading: f64,
    pub symmetry: Symmetry,
}

/// The meshed package: the mesh, with node sets `<PART>_TOP`,
/// `<PART>_BOTTOM`, `<PART>#k_TOP` / `<PART>#k_BOTTOM` (prism k's faces),
/// `<A>/<B>` (nodes shared by two parts: their interface) and the symmetry
/// planes `SYMMETRY_X` / `SYMMETRY_Y`, and cell sets `<PART>` and
/// `<PART>#k` (the cells of prism k).
pub fn mesh_package(parts: &[PartGeometry], c: &MeshControls) -> Result<Mesh, StructuredError> {
    package_grid(parts, c)?.mesh()
}

/// The tensor grid of a package, before any cell is made: its lines and
/// what it will hold ([`PackageGrid::size`]), so that a caller can refuse a
/// mesh that would not fit before it is built.
pub struct PackageGrid<'p> {
    parts: &'p [PartGeometry],
    kind: CellKind,
    clip: [bool; 2],
    /// Grid coordinates along x, y and z, mm.
    pub lines: [Vec<f64>; 3],
}

/// How large a mesh will be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GridSize {
    pub cells: usize,
    /// Nodes, estimated from the grid's nodes and the share of its cells
    /// that some part fills (exact for a full box).
    pub nodes: usize,
    pub kind: CellKind,
}

impl GridSize {
    /// Bytes the mesh takes while it is built (coordinates, node lookup,
    /// connectivity, parts and sets): an estimate.
    pub fn mesh_bytes(&self) -> u64 {
        (self.nodes as u64) * 96
            + (self.cells as u64) * (8 * self.kind.nodes_per_cell() as u64 + 48)
    }
}

/// Checks `parts` and `c` and lays the tensor grid through every part's
/// features (see [`mesh_package`]).
pub fn package_grid<'p>(
    parts: &'p [PartGeometry],
    c: &MeshControls,
) -> Result<PackageGrid<'p>, StructuredError> {
    for p in parts {
        let z = p.region.z();
        let flat = p
            .region
            .rects()
            .iter()
            .any(|r| !(r.x[1] > r.x[0] && r.y[1] > r.y[0]));
        if !(z[1] > z[0]) || flat {
            return Err(StructuredError::EmptyBox(p.name.clone()));
        }
    }
    if !(c.size.is_finite() && c.size > 0.0) {
        return Err(StructuredError::BadSize);
    }
    if c.symmetry != Symmetry::Full {
        check_symmetric(parts, 0)?;
    }
    if c.symmetry == Symmetry::Quarter {
        check_symmetric(parts, 1)?;
    }
    let clip = [
        c.symmetry != Symmetry::Full,
        c.symmetry == Symmetry::Quarter,
    ];
    // x and y features, and the intervals lying inside some prism (fine)
    let mut feats: [Vec<f64>; 3] = Default::default();
    let mut fine: [Vec<[f64; 2]>; 2] = Default::default();
    for p in parts {
        for r in p.region.rects() {
            feats[0].extend(r.x);
            feats[1].extend(r.y);
            if matches!(p.region, Region::Prisms { .. }) {
                fine[0].push(r.x);
                fine[1].push(r.y);
            }
        }
        feats[2].extend(p.region.z_features());
    }
    for d in 0..2 {
        // a line on the plane of symmetry, also in full models, so that a
        // full mesh is exactly the mirror image of its half or quarter
        let spans_zero = feats[d].iter().any(|&v| v < 0.0) && feats[d].iter().any(|&v| v > 0.0);
        if clip[d] {
            feats[d].retain(|&v| v > 0.0);
        }
        if clip[d] || spans_zero {
            feats[d].push(0.0);
        }
    }
    let lines = [0, 1, 2].map(|d| {
        if d == 2 {
            // each part gets its `layers` cells through its whole thickness:
            // an interval takes its share of that in every part it cuts
            let z_ranges: Vec<([f64; 2], usize)> = parts
                .iter()
                .map(|p| (p.region.z(), p.layers.unwrap_or(c.layers)))
                .collect();
            grid_lines(&feats[2], c.size, None, |a, b| {
                z_ranges
                    .iter()
                    .filter(|(z, _)| a >= z[0] - 1e-12 && b <= z[1] + 1e-12)
                    .map(|(z, n)| (*n as f64 * (b - a) / (z[1] - z[0]) - 1e-9).ceil() as usize)
                    .max()
                    .unwrap_or(1)
                    .max(1)
            })
        } else {
            let fine = &fine[d];
            grid_lines(&feats[d], c.size, Some(c.grading), |a, b| {
                let m = 0.5 * (a + b);
                if fine.iter().any(|f| m > f[0] && m < f[1]) {
                    c.across_prisms
                } else {
                    1
                }
            })
        }
        .map_err(|e| e.on_axis(d))
    });
    let [x, y, z] = lines;
    let lines = [x?, y?, z?];
    let cells: f64 = lines
        .iter()
        .map(|l| l.len().saturating_sub(1) as f64)
        .product();
    if cells > crate::structured::MAX_CELLS as f64 {
        return Err(StructuredError::TooLarge(cells));
    }
    Ok(PackageGrid {
        parts,
        kind: c.kind,
        clip,
        lines,
    })
}

impl PackageGrid<'_> {
    fn classify(&self, x: [f64; 3]) -> Option<usize> {
        self.parts.iter().position(|p| p.region.locate(x).is_some())
    }

    /// The cells the mesh will have (one pass over the grid's cells, no
    /// allocation) and its nodes, estimated.
    pub fn size(&self) -> GridSize {
        let l = &self.lines;
        let n = [0, 1, 2].map(|d| l[d].len().saturating_sub(1));
        let centre = |d: usize, i: usize| 0.5 * (l[d][i] + l[d][i + 1]);
        let mut cells = 0usize;
        for k in 0..n[2] {
            for j in 0..n[1] {
                for i in 0..n[0] {
                    if self
                        .classify([centre(0, i), centre(1, j), centre(2, k)])
                        .is_some()
                    {
                        cells += 1;
                    }
                }
            }
        }
        let total = (n[0] * n[1] * n[2]).max(1) as f64;
        let grid_nodes = if self.kind.nodes_per_cell() == 20 {
            // corners and mid-edge nodes of the doubled grid
            let (a, b, c) = (n[0] as f64, n[1] as f64, n[2] as f64);
            (a + 1.0) * (b + 1.0) * (c + 1.0)
                + a * (b + 1.0) * (c + 1.0)
                + (a + 1.0) * b * (c + 1.0)
                + (a + 1.0) * (b + 1.0) * c
        } else {
            n.iter().map(|&m| m as f64 + 1.0).product()
        };
        GridSize {
            cells,
            nodes: (grid_nodes * cells as f64 / total).ceil() as usize,
            kind: self.kind,
        }
    }

    /// Builds the mesh with its part, face, interface and symmetry sets.
    pub fn mesh(&self) -> Result<Mesh, StructuredError> {
        let parts = self.parts;
        let names: Vec<String> = parts.iter().map(|p| p.name.clone()).collect();
        let mut mesh = mesh_grid(&self.lines, self.kind, &names, |x| self.classify(x))?;
        let z_ranges: Vec<(f64, f64)> = parts
            .iter()
            .map(|p| (p.region.z()[0], p.region.z()[1]))
            .collect();
        add_part_sets(&mut mesh, &z_ranges);
        add_prism_sets(&mut mesh, parts);
        add_interfaces(&mut mesh);
        add_symmetry_planes(&mut mesh, self.clip);
        Ok(mesh)
    }
}

/// Checks that every part is its own mirror image about the plane
/// `axis = 0` (x: 0, y: 1): boxes, openings, fillet steps and prism sets.
fn check_symmetric(parts: &[PartGeometry], axis: usize) -> Result<(), StructuredError> {
    let tol = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
    let span = |r: &Rect| if axis == 0 { r.x } else { r.y };
    let other = |r: &Rect| if axis == 0 { r.y } else { r.x };
    let mirrored = |r: &Rect, set: &[Rect]| {
        set.iter().any(|q| {
            tol(span(q)[0], -span(r)[1])
                && tol(span(q)[1], -span(r)[0])
                && tol(other(q)[0], other(r)[0])
                && tol(other(q)[1], other(r)[1])
        })
    };
    for p in parts {
        let ok = match &p.region {
            Region::Box {
                footprint,
                openings,
                steps,
                ..
            } => {
                mirrored(footprint, &[*footprint])
                    && openings.iter().all(|o| mirrored(o, openings))
                    && steps
                        .iter()
                        .all(|(r, z)| steps.iter().any(|(q, zq)| zq == z && mirrored(r, &[*q])))
            }
            Region::Prisms { footprints, .. } => footprints.iter().all(|f| mirrored(f, footprints)),
        };
        if !ok {
            return Err(StructuredError::NotSymmetric(
                p.name.clone(),
                if axis == 0 { 'x' } else { 'y' },
            ));
        }
    }
    Ok(())
}

/// Cell sets `<PART>#k` of every prism, and node sets `<PART>#k_TOP` /
/// `<PART>#k_BOTTOM` of its top and bottom faces (its interfaces).
fn add_prism_sets(mesh: &mut Mesh, parts: &[PartGeometry]) {
    let block = &mesh.blocks[0];
    let n = block.kind.nodes_per_cell();
    let mut cells: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut faces: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for c in 0..block.len() {
        let part = &parts[mesh.cell_part[c]];
        let Region::Prisms { z, .. } = part.region else {
            continue;
        };
        let nodes = &block.connectivity[c * n..(c + 1) * n];
        let centre: [f64; 3] = std::array::from_fn(|d| {
            nodes[..8]
                .iter()
                .map(|&v| mesh.coordinates[v][d])
                .sum::<f64>()
                / 8.0
        });
        let Some(k) = part.region.locate(centre) else {
            continue;
        };
        let name = format!("{}#{k}", part.name.to_ascii_uppercase());
        cells.entry(name.clone()).or_default().push(c);
        let tol = 1e-9 * (z[1] - z[0]);
        for &v in nodes {
            let zv = mesh.coordinates[v][2];
            if (zv - z[1]).abs() <= tol {
                faces.entry(format!("{name}_TOP")).or_default().push(v);
            } else if (zv - z[0]).abs() <= tol {
                faces.entry(format!("{name}_BOTTOM")).or_default().push(v);
            }
        }
    }
    for set in faces.values_mut() {
        set.sort_unstable();
        set.dedup();
    }
    mesh.cell_sets.extend(cells);
    mesh.node_sets.extend(faces);
}

/// Node sets `<A>/<B>` of the nodes shared by the cells of two parts.
fn add_interfaces(mesh: &mut Mesh) {
    let block = &mesh.blocks[0];
    let n = block.kind.nodes_per_cell();
    let mut parts_of: Vec<u64> = vec![0; mesh.num_nodes()];
    for c in 0..block.len() {
        let bit = 1u64 << (mesh.cell_part[c] % 64);
        for &v in &block.connectivity[c * n..(c + 1) * n] {
            parts_of[v] |= bit;
        }
    }
    let np = mesh.part_names.len().min(64);
    for a in 0..np {
        for b in a + 1..np {
            let mask = (1u64 << a) | (1u64 << b);
            let set: Vec<usize> = (0..parts_of.len())
                .filter(|&v| parts_of[v] & mask == mask)
                .collect();
            if !set.is_empty() {
                let name = format!(
                    "{}/{}",
                    mesh.part_names[a].to_ascii_uppercase(),
                    mesh.part_names[b].to_ascii_uppercase()
                );
                mesh.node_sets.insert(name, set);
            }
        }
    }
}

/// Node sets of the symmetry planes `x = 0` and `y = 0` of a clipped model.
fn add_symmetry_planes(mesh: &mut Mesh, clip: [bool; 2]) {
    for (d, name) in [(0, "SYMMETRY_X"), (1, "SYMMETRY_Y")] {
        if clip[d] {
            let set: Vec<usize> = (0..mesh.num_nodes())
                .filter(|&v| mesh.coordinates[v][d].abs() < 1e-12)
                .collect();
            mesh.node_sets.insert(name.into(), set);
        }
    }
}

/// Footprints of a bump array: `pitch` apart, `size` wide (mm), inside
/// `area` (the array's outer rectangle, bumps touching its edges). `rows`
/// = `None` fills the area (area array); `Some(r)` keeps the outermost `r`
/// rows along every edge (perimeter layout).
pub fn bump_footprints(area: Rect, pitch: f64, size: [f64; 2], rows: Option<usize>) -> Vec<Rect> {
    let count = |span: f64, w: f64| ((span - w) / pitch + 1e-9).floor() as usize + 1;
    let (nx, ny) = (
        count(area.x[1] - area.x[0], size[0]),
        count(area.y[1] - area.y[0], size[1]),
    );
    // centre the array in the area
    let x0 = 0.5 * (area.x[0] + area.x[1]) - 0.5 * ((nx - 1) as f64 * pitch);
    let y0 = 0.5 * (area.y[0] + area.y[1]) - 0.5 * ((ny - 1) as f64 * pitch);
    let mut out = Vec::new();
    for j in 0..ny {
        for i in 0..nx {
            let keep = match rows {
                None => true,
                Some(r) => i < r || j < r || i + r >= nx || j + r >= ny,
            };
            if keep {
                let (cx, cy) = (x0 + i as f64 * pitch, y0 + j as f64 * pitch);
                out.push(Rect {
                    x: [cx - 0.5 * size[0], cx + 0.5 * size[0]],
                    y: [cy - 0.5 * size[1], cy + 0.5 * size[1]],
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::quality::{quality, quality_with};

    fn rect(x0: f64, x1: f64, y0: f64, y1: f64) -> Rect {
        Rect {
            x: [x0, x1],
            y: [y0, y1],
        }
    }

    fn flipchip(symmetry: Symmetry, rows: usize, pitch: f64) -> (Vec<PartGeometry>, MeshControls) {
        let bumps = bump_footprints(rect(-2.5, 2.5, -2.5, 2.5), pitch, [0.04, 0.04], Some(rows));
        let parts = vec![
            PartGeometry {
                name: "glass".into(),
                region: Region::Box {
                    footprint: rect(-4.0, 4.0, -4.0, 4.0),
                    z: [0.33, 0.83],
                    openings: vec![],
                    steps: vec![],
                },
                layers: None,
            },
            PartGeometry {
                name: "bumps".into(),
                region: Region::Prisms {
                    footprints: bumps,
                    z: [0.3, 0.33],
                },
                layers: None,
            },
            PartGeometry {
                name: "fill".into(),
                region: Region::Box {
                    footprint: rect(-2.6, 2.6, -2.6, 2.6),
                    z: [0.3, 0.33],
                    openings: vec![rect(-2.2, 2.2, -2.2, 2.2)],
                    steps: vec![],
                },
                layers: None,
            },
            PartGeometry {
                name: "chip".into(),
                region: Region::Box {
                    footprint: rect(-2.5, 2.5, -2.5, 2.5),
                    z: [0.0, 0.3],
                    openings: vec![],
                    steps: vec![],
                },
                layers: None,
            },
        ];
        let c = MeshControls {
            kind: CellKind::Hex8I,
            size: 0.25,
            layers: 2,
            across_prisms: 2,
            grading: 1.5,
            symmetry,
        };
        (parts, c)
    }

    #[test]
    fn perimeter_array_counts_bumps() {
        // 5 mm area, 0.1 mm pitch, 0.04 mm bumps: 50 per side; 2 rows
        let b = bump_footprints(rect(-2.5, 2.5, -2.5, 2.5), 0.1, [0.04, 0.04], Some(2));
        assert_eq!(b.len(), 50 * 50 - 46 * 46);
        let full = bump_footprints(rect(0.0, 1.0, 0.0, 1.0), 0.25, [0.1, 0.1], None);
        assert_eq!(full.len(), 16);
    }

    #[test]
    fn hundreds_of_bumps_mesh_quickly_with_quarter_symmetry() {
        // 2 x 60 bumps per side at 80 um pitch on a 5 mm die
        let (parts, c) = flipchip(Symmetry::Quarter, 2, 0.08);
        let t = std::time::Instant::now();
        let mesh = mesh_package(&parts, &c).unwrap();
        let secs = t.elapsed().as_secs_f64();
        let bumps = mesh
            .cell_sets
            .keys()
            .filter(|k| k.starts_with("BUMPS#"))
            .count();
        assert!(bumps > 100, "{bumps} bumps meshed");
        assert!(mesh.node_sets["SYMMETRY_X"].len() > 10 && mesh.node_sets["SYMMETRY_Y"].len() > 10);
        assert!(mesh.coordinates.iter().all(|x| x[0] >= 0.0 && x[1] >= 0.0));
        eprintln!(
            "{} cells, {} nodes in {secs:.2} s",
            mesh.num_cells(),
            mesh.num_nodes()
        );
        let q = quality(&mesh);
        assert!(q.parts.iter().all(|p| p.min_scaled_jacobian > 0.999), "{q}");
    }

    #[test]
    fn quarter_model_is_a_quarter_of_the_full_one() {
        let (parts, c) = flipchip(Symmetry::Full, 1, 0.25);
        let full = mesh_package(&parts, &c).unwrap();
        let (parts, c) = flipchip(Symmetry::Quarter, 1, 0.25);
        let quarter = mesh_package(&parts, &c).unwrap();
        assert_eq!(full.num_cells(), 4 * quarter.num_cells());
        // every bump is in some prism set, in both
        let bump_cells = |m: &Mesh| {
            m.cell_sets
                .iter()
                .filter(|(k, _)| k.starts_with("BUMPS#"))
                .map(|(_, v)| v.len())
                .sum::<usize>()
        };
        assert_eq!(bump_cells(&full), full.cell_sets["BUMPS"].len());
        assert_eq!(bump_cells(&full), 4 * bump_cells(&quarter));
        assert!(
            full.node_sets.contains_key("BUMPS/CHIP") && full.node_sets.contains_key("GLASS/BUMPS")
        );
    }

    #[test]
    fn a_stepped_fillet_wraps_the_part_below() {
        let core = rect(-1.0, 1.0, -1.0, 1.0);
        let steps = fillet_steps(core, [0.3, 0.33], 0.2, 0.2, 2, true);
        let close = |a: (Rect, [f64; 2]), b: (Rect, [f64; 2])| {
            let (u, v) = ([a.0.x, a.0.y, a.1].concat(), [b.0.x, b.0.y, b.1].concat());
            u.iter().zip(&v).all(|(p, q)| (p - q).abs() < 1e-12)
        };
        assert!(
            close(steps[0], (rect(-1.1, 1.1, -1.1, 1.1), [0.1, 0.33])),
            "{steps:?}"
        );
        assert!(
            close(steps[1], (rect(-1.2, 1.2, -1.2, 1.2), [0.2, 0.33])),
            "{steps:?}"
        );
        let region = Region::Box {
            footprint: core,
            z: [0.3, 0.33],
            openings: vec![],
            steps,
        };
        assert_eq!(region.locate([1.05, 0.0, 0.15]), Some(0)); // first step, low
        assert_eq!(region.locate([1.15, 0.0, 0.15]), None); // second step is shorter
        assert_eq!(region.locate([1.15, 0.0, 0.25]), Some(0));
        assert_eq!(region.locate([1.15, 0.0, 0.32]), Some(0)); // the gap outside the box: filled
        assert_eq!(region.locate([0.0, 0.0, 0.2]), Some(0)); // under the core too: earlier parts (the die) claim it first
    }

    #[test]
    fn an_asymmetric_package_refuses_symmetry() {
        let (mut parts, c) = flipchip(Symmetry::Quarter, 1, 0.25);
        if let Region::Box { footprint, .. } = &mut parts[0].region {
            footprint.y[1] = 4.5; // glass longer on one side
        }
        assert_eq!(
            mesh_package(&parts, &c).unwrap_err(),
            StructuredError::NotSymmetric("glass".into(), 'y')
        );
        let half = MeshControls {
            symmetry: Symmetry::Half,
            ..c.clone()
        };
        assert!(
            mesh_package(&parts, &half).is_ok(),
            "symmetric about x = 0 still"
        );
    }

    #[test]
    fn grading_limits_the_size_jump() {
        let lines = grid_lines(&[0.0, 0.01, 2.0], 0.5, Some(1.5), |_, _| 1).unwrap();
        let sizes: Vec<f64> = lines.windows(2).map(|w| w[1] - w[0]).collect();
        for w in sizes.windows(2) {
            assert!(
                w[1] / w[0] < 1.5 * 1.05 && w[0] / w[1] < 1.5 * 1.05 || w[1] <= 0.5,
                "{sizes:?}"
            );
        }
        assert!(sizes.iter().all(|&s| s <= 0.5 + 1e-12));
        assert!((lines.last().unwrap() - 2.0).abs() < 1e-15 && lines.contains(&0.01));
    }

    /// A part's own `layers` sets its cells through the thickness; the
    /// others keep the controls' count, and a part sharing an interval with
    /// a finer one gets the finer share there (counted per column).
    #[test]
    fn part_layers_override_the_controls() {
        let (mut parts, c) = flipchip(Symmetry::Quarter, 1, 0.25);
        let layers_of = |parts: &[PartGeometry]| {
            let q = quality(&mesh_package(parts, &c).unwrap());
            let get = |n: &str| q.parts.iter().find(|p| p.name == n).unwrap().min_layers;
            (get("glass"), get("chip"), get("bumps"), get("fill"))
        };
        assert_eq!(layers_of(&parts), (2, 2, 2, 2));
        parts[3].layers = Some(5); // chip
        parts[0].layers = Some(4); // glass
        parts[1].layers = Some(1); // bumps
        parts[2].layers = Some(1); // fill
        assert_eq!(layers_of(&parts), (4, 5, 1, 1));
        parts[1].layers = Some(3); // the fill shares the bumps' interval
        assert_eq!(layers_of(&parts), (4, 5, 3, 3));
        // the element size still bounds a thick part's cells: 0.5 mm of
        // glass at 0.25 mm keeps 2
        parts[0].layers = Some(1);
        assert_eq!(layers_of(&parts).0, 2);
    }

    #[test]
    fn quality_warns_about_thin_layers() {
        let (parts, mut c) = flipchip(Symmetry::Quarter, 1, 0.25);
        c.layers = 1;
        c.kind = CellKind::Hex8;
        let mesh = mesh_package(&parts, &c).unwrap();
        let q = quality(&mesh);
        assert!(
            q.warnings
                .iter()
                .any(|w| w.contains("glass") && w.contains("needs at least 4")),
            "{q}"
        );
        // a part whose layers the case chose gets a note instead
        let q = quality_with(&mesh, &["glass".to_string()]);
        assert!(!q.warnings.iter().any(|w| w.contains("glass")), "{q}");
        assert!(q.notes.iter().any(|w| w.contains("glass")), "{q}");
        assert!(q.warnings.iter().any(|w| w.contains("chip")), "{q}");
    }

    /// An absurd cell size or division count is refused from the counts,
    /// before a line is allocated, naming the axis.
    #[test]
    fn absurd_grids_are_refused_before_allocation() {
        let err = grid_lines(&[0.0, 8.0], 1e-30, Some(1.5), |_, _| 1).unwrap_err();
        assert!(matches!(err, StructuredError::TooManyLines { lines, .. } if lines > 1e30));
        let err = grid_lines(&[0.0, 1.0], 0.5, None, |_, _| 1_000_000_000).unwrap_err();
        assert!(matches!(
            err.on_axis(2),
            StructuredError::TooManyLines { axis: 'z', .. }
        ));
        assert_eq!(
            grid_lines(&[0.0, 1.0], 0.25, None, |_, _| 1).unwrap().len(),
            5
        );
    }
}
