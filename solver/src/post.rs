//! Post-processing, a function of the results it is handed (displacements,
//! stresses and volumes at the integration points): von Mises and principal
//! stresses, extrapolation to nodes averaged within each part only (stress
//! jumps across a material interface, so interface nodes get one value per
//! part), per-part extremes and group measures taken at integration points,
//! and the out-of-plane range of a face.

use crate::element::{reference_nodes, stiffness_rule};
use crate::points::QpField;
use mesher::{CellKind, Mesh, Shape};
use serde::Serialize;

/// Von Mises equivalent stress, MPa.
pub fn von_mises(s: &[f64; 6]) -> f64 {
    let [xx, yy, zz, xy, yz, xz] = *s;
    (0.5 * ((xx - yy).powi(2) + (yy - zz).powi(2) + (zz - xx).powi(2))
        + 3.0 * (xy * xy + yz * yz + xz * xz))
        .sqrt()
}

/// Principal stresses, MPa, in decreasing order (closed-form eigenvalues of
/// the symmetric 3x3 tensor).
pub fn principal(s: &[f64; 6]) -> [f64; 3] {
    let [xx, yy, zz, xy, yz, xz] = *s;
    let p1 = xy * xy + yz * yz + xz * xz;
    let q = (xx + yy + zz) / 3.0;
    let p2 = (xx - q).powi(2) + (yy - q).powi(2) + (zz - q).powi(2) + 2.0 * p1;
    let p = (p2 / 6.0).sqrt();
    if p < 1e-300 {
        return [q; 3];
    }
    let b = [
        (xx - q) / p,
        xy / p,
        xz / p,
        (yy - q) / p,
        yz / p,
        (zz - q) / p,
    ];
    let det_b = b[0] * (b[3] * b[5] - b[4] * b[4]) - b[1] * (b[1] * b[5] - b[4] * b[2])
        + b[2] * (b[1] * b[4] - b[3] * b[2]);
    let r = (det_b / 2.0).clamp(-1.0, 1.0);
    let phi = r.acos() / 3.0;
    let e1 = q + 2.0 * p * phi.cos();
    let e3 = q + 2.0 * p * (phi + 2.0 * std::f64::consts::PI / 3.0).cos();
    [e1, 3.0 * q - e1 - e3, e3]
}

/// Extrapolation matrix (nodes x points, row-major) of a kind: the
/// least-squares trilinear (hex) or linear (tet) fit to the point values,
/// evaluated at the nodes. Exact for 2x2x2 and 4-point rules.
pub fn extrapolation_matrix(kind: CellKind) -> Vec<f64> {
    let rule = stiffness_rule(kind);
    let shape = kind.shape();
    let basis = |x: &[f64; 3]| -> Vec<f64> {
        match shape {
            Shape::Tet10 => vec![1.0, x[0], x[1], x[2]],
            _ => vec![
                1.0,
                x[0],
                x[1],
                x[2],
                x[0] * x[1],
                x[1] * x[2],
                x[0] * x[2],
                x[0] * x[1] * x[2],
            ],
        }
    };
    let nq = rule.len();
    let p: Vec<Vec<f64>> = rule.points.iter().map(basis).collect();
    let m = p[0].len();
    // normal matrix PᵀP (m x m) and its inverse
    let ptp: Vec<f64> = (0..m * m)
        .map(|k| (0..nq).map(|q| p[q][k / m] * p[q][k % m]).sum())
        .collect();
    let inv = crate::dense::invert(m, &ptp);
    let nodes = reference_nodes(shape);
    let mut e = vec![0.0; nodes.len() * nq];
    for (a_node, xn) in nodes.iter().enumerate() {
        let bn = basis(xn);
        for q in 0..nq {
            // bnᵀ (PᵀP)⁻¹ p_q
            e[a_node * nq + q] = (0..m)
                .map(|i| bn[i] * (0..m).map(|j| inv[i * m + j] * p[q][j]).sum::<f64>())
                .sum();
        }
    }
    e
}

/// Output points: one copy of a node per part it belongs to, so that nodal
/// stresses are averaged within a part and stay discontinuous across parts.
#[derive(Clone, Debug)]
pub struct PartPoints {
    /// Mesh node of each output point.
    pub node: Vec<usize>,
    /// Part of each output point.
    pub part: Vec<usize>,
    /// Output-point connectivity of every cell, per block (same layout as the mesh).
    pub connectivity: Vec<Vec<usize>>,
}

impl PartPoints {
    pub fn new(mesh: &Mesh) -> Self {
        let mut first: Vec<Vec<(usize, usize)>> = vec![Vec::new(); mesh.num_nodes()];
        let (mut node, mut part) = (Vec::new(), Vec::new());
        let mut connectivity = Vec::with_capacity(mesh.blocks.len());
        let mut cell = 0;
        for block in &mesh.blocks {
            let mut conn = Vec::with_capacity(block.connectivity.len());
            for c in 0..block.len() {
                let p = mesh.cell_part[cell];
                for &v in block.cell(c) {
                    let point = match first[v].iter().find(|e| e.0 == p) {
                        Some(&(_, pt)) => pt,
                        None => {
                            node.push(v);
                            part.push(p);
                            first[v].push((p, node.len() - 1));
                            node.len() - 1
                        }
                    };
                    conn.push(point);
                }
                cell += 1;
            }
            connectivity.push(conn);
        }
        PartPoints {
            node,
            part,
            connectivity,
        }
    }

    pub fn len(&self) -> usize {
        self.node.len()
    }

    pub fn is_empty(&self) -> bool {
        self.node.is_empty()
    }

    /// Integration-point tensors extrapolated to the output points and
    /// averaged over the cells of the point's part.
    pub fn average(&self, mesh: &Mesh, field: &QpField) -> Vec<[f64; 6]> {
        let mut sum = vec![[0.0; 6]; self.len()];
        let mut count = vec![0u32; self.len()];
        let mut cell = 0;
        for (b, block) in mesh.blocks.iter().enumerate() {
            let e = extrapolation_matrix(block.kind);
            let n = block.kind.nodes_per_cell();
            for c in 0..block.len() {
                let vals = field.cell(cell);
                let nq = vals.len();
                for a in 0..n {
                    let pt = self.connectivity[b][c * n + a];
                    for (q, v) in vals.iter().enumerate() {
                        for k in 0..6 {
                            sum[pt][k] += e[a * nq + q] * v[k];
                        }
                    }
                    count[pt] += 1;
                }
                cell += 1;
            }
        }
        sum.iter()
            .zip(&count)
            .map(|(s, &c)| s.map(|v| v / c.max(1) as f64))
            .collect()
    }
}

/// Extremes of one part over its integration points, MPa.
#[derive(Clone, Debug)]
pub struct PartExtremes {
    pub part: String,
    pub von_mises_max: f64,
    pub max_principal: f64,
    pub min_principal: f64,
    /// User number of the element holding the von Mises maximum.
    pub von_mises_max_element: u64,
}

/// Per-part extremes at integration points, of the parts that have cells.
pub fn part_extremes(mesh: &Mesh, field: &QpField) -> Vec<PartExtremes> {
    let mut out: Vec<PartExtremes> = mesh
        .part_names
        .iter()
        .map(|p| PartExtremes {
            part: p.clone(),
            von_mises_max: 0.0,
            max_principal: f64::NEG_INFINITY,
            min_principal: f64::INFINITY,
            von_mises_max_element: 0,
        })
        .collect();
    for (cell, b, c) in mesh.cells() {
        let e = &mut out[mesh.cell_part[cell]];
        for s in field.cell(cell) {
            let vm = von_mises(s);
            if vm > e.von_mises_max {
                e.von_mises_max = vm;
                e.von_mises_max_element = mesh.blocks[b].cell_ids[c];
            }
            let p = principal(s);
            e.max_principal = e.max_principal.max(p[0]);
            e.min_principal = e.min_principal.min(p[2]);
        }
    }
    // a part with no cells (an empty set with a section) has no extremes
    out.retain(|e| e.min_principal <= e.max_principal);
    out
}

/// Stress measures of a group of cells, MPa.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct StressMeasures {
    pub von_mises_max: f64,
    /// Largest σzz (tension positive).
    pub peel_max: f64,
    /// Largest √(σxz² + σyz²).
    pub shear_max: f64,
    /// Volume-weighted mean von Mises (not singular at corners: the
    /// quantity to follow under mesh refinement).
    pub von_mises_mean: f64,
}

/// Stress measures over the integration points of the cells for which
/// `in_group(cell)` holds, with the points' volumes `volume` (mm³, laid out
/// like `stress`); `None` when the group has no volume, or a cell of it no
/// valid geometry.
pub fn stress_measures(
    mesh: &Mesh,
    stress: &QpField,
    volume: &[f64],
    in_group: impl Fn(usize) -> bool,
) -> Option<StressMeasures> {
    let mut m = StressMeasures {
        von_mises_max: 0.0,
        peel_max: f64::NEG_INFINITY,
        shear_max: 0.0,
        von_mises_mean: 0.0,
    };
    let (mut total, mut weighted) = (0.0, 0.0);
    for cell in (0..mesh.num_cells()).filter(|&c| in_group(c)) {
        let first = stress.offsets[cell];
        for (q, s) in stress.cell(cell).iter().enumerate() {
            let vm = von_mises(s);
            m.von_mises_max = m.von_mises_max.max(vm);
            m.peel_max = m.peel_max.max(s[2]);
            m.shear_max = m.shear_max.max((s[4] * s[4] + s[5] * s[5]).sqrt());
            total += volume[first + q];
            weighted += volume[first + q] * vm;
        }
    }
    (total > 0.0 && total.is_finite()).then(|| {
        m.von_mises_mean = weighted / total;
        m
    })
}

/// Plasticity of a group of cells: equivalent plastic strain and plastic
/// work density, largest at an integration point and volume-weighted mean.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PlasticMeasures {
    pub equivalent_plastic_strain_max: f64,
    pub equivalent_plastic_strain_mean: f64,
    /// Plastic work per unit volume, MJ/m³ (= MPa).
    pub plastic_work_density_max: f64,
    pub plastic_work_density_mean: f64,
}

/// Plastic measures over the integration points of the cells for which
/// `in_group(cell)` holds: `equivalent` and `work` per point laid out like
/// `offsets` (a [`QpField`]'s), with the points' volumes (mm³); `None` when
/// the group has no volume.
pub fn plastic_measures(
    mesh: &Mesh,
    offsets: &[usize],
    equivalent: &[f64],
    work: &[f64],
    volume: &[f64],
    in_group: impl Fn(usize) -> bool,
) -> Option<PlasticMeasures> {
    let mut m = PlasticMeasures {
        equivalent_plastic_strain_max: 0.0,
        equivalent_plastic_strain_mean: 0.0,
        plastic_work_density_max: 0.0,
        plastic_work_density_mean: 0.0,
    };
    let (mut total, mut e_sum, mut w_sum) = (0.0, 0.0, 0.0);
    for cell in (0..mesh.num_cells()).filter(|&c| in_group(c)) {
        for i in offsets[cell]..offsets[cell + 1] {
            m.equivalent_plastic_strain_max = m.equivalent_plastic_strain_max.max(equivalent[i]);
            m.plastic_work_density_max = m.plastic_work_density_max.max(work[i]);
            total += volume[i];
            e_sum += volume[i] * equivalent[i];
            w_sum += volume[i] * work[i];
        }
    }
    (total > 0.0 && total.is_finite()).then(|| {
        m.equivalent_plastic_strain_mean = e_sum / total;
        m.plastic_work_density_mean = w_sum / total;
        m
    })
}

/// Lowest and highest out-of-plane displacement `u_z` (mm) over `nodes`.
pub fn out_of_plane_range(displacement: &[[f64; 3]], nodes: &[usize]) -> (f64, f64) {
    nodes
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(displacement[v][2]), hi.max(displacement[v][2]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_stresses_of_a_rotated_tensor() {
        // σ = diag(3, 1, -2) rotated by 30° about z
        let (c, s) = (30f64.to_radians().cos(), 30f64.to_radians().sin());
        let (a, b) = (3.0, 1.0);
        let t = [
            a * c * c + b * s * s,
            a * s * s + b * c * c,
            -2.0,
            (a - b) * c * s,
            0.0,
            0.0,
        ];
        let p = principal(&t);
        for (x, y) in p.iter().zip([3.0, 1.0, -2.0]) {
            assert!((x - y).abs() < 1e-12, "{p:?}");
        }
        // von Mises is invariant under rotation
        assert!((von_mises(&t) - von_mises(&[3.0, 1.0, -2.0, 0.0, 0.0, 0.0])).abs() < 1e-12);
    }

    #[test]
    fn uniaxial_von_mises_equals_the_stress() {
        assert!((von_mises(&[100.0, 0.0, 0.0, 0.0, 0.0, 0.0]) - 100.0).abs() < 1e-12);
        assert!((von_mises(&[0.0, 0.0, 0.0, 10.0, 0.0, 0.0]) - 10.0 * 3f64.sqrt()).abs() < 1e-12);
    }

    #[test]
    fn extrapolation_reproduces_linear_fields() {
        for kind in [
            CellKind::Hex8,
            CellKind::Hex20,
            CellKind::Hex20R,
            CellKind::Tet10,
        ] {
            let rule = stiffness_rule(kind);
            let e = extrapolation_matrix(kind);
            let f = |x: &[f64; 3]| 1.0 + 2.0 * x[0] - x[1] + 0.5 * x[2];
            let vals: Vec<f64> = rule.points.iter().map(f).collect();
            for (a, xn) in reference_nodes(kind.shape()).iter().enumerate() {
                let v: f64 = (0..rule.len())
                    .map(|q| e[a * rule.len() + q] * vals[q])
                    .sum();
                assert!(
                    (v - f(xn)).abs() < 1e-12,
                    "{kind:?} node {a}: {v} vs {}",
                    f(xn)
                );
            }
        }
    }
}
