//! Coarsening: the near-null space, strength of connection between node
//! blocks, aggregation, and the tentative prolongator.

use crate::assembly::{DofMap, NO_EQUATION};
use crate::linear::csr::{Csr, ROWS_PER_TASK};
use rayon::prelude::*;

/// Vectors the operator (nearly) annihilates away from the supports — the
/// rigid-body modes of a displacement field, the constant of a temperature
/// field — with the node block of every equation.
#[derive(Clone, Debug, Default)]
pub struct NearNullSpace {
    /// Number of vectors (6 for 3D displacements, 1 for a scalar field).
    pub dim: usize,
    /// `dim` values per equation, row-major (dimensionless: coordinates are
    /// centred and scaled by the model's extent).
    pub modes: Vec<f64>,
    /// Equations of node block `b` are `block_ptr[b]..block_ptr[b + 1]`.
    pub block_ptr: Vec<usize>,
}

impl NearNullSpace {
    /// The equations of `dofs` grouped by node (the numbering keeps a node's
    /// equations together), with the rigid-body modes about the centroid
    /// for 3 DOFs per node, or the constant for 1. `coordinates` in mm.
    pub fn from_dofs(dofs: &DofMap, coordinates: &[[f64; 3]]) -> Self {
        let n = dofs.num_equations;
        let per = dofs.per_node;
        let mut owner = vec![(0usize, 0usize); n];
        for (dof, &eq) in dofs.equation.iter().enumerate() {
            if eq != NO_EQUATION {
                owner[eq as usize] = (dof / per, dof % per);
            }
        }
        let mut block_ptr = vec![0];
        for eq in 1..n {
            if owner[eq].0 != owner[eq - 1].0 {
                block_ptr.push(eq);
            }
        }
        if n > 0 {
            block_ptr.push(n);
        }
        if per == 1 {
            return NearNullSpace {
                dim: 1,
                modes: vec![1.0; n],
                block_ptr,
            };
        }
        // centre and scale so that the rotations are O(1) like the translations
        let mut lo = [f64::INFINITY; 3];
        let mut hi = [f64::NEG_INFINITY; 3];
        for &(v, _) in &owner {
            for k in 0..3 {
                lo[k] = lo[k].min(coordinates[v][k]);
                hi[k] = hi[k].max(coordinates[v][k]);
            }
        }
        let centre: [f64; 3] = std::array::from_fn(|k| 0.5 * (lo[k] + hi[k]));
        let extent = (0..3).map(|k| hi[k] - lo[k]).fold(0.0f64, f64::max);
        let scale = if extent > 0.0 { 2.0 / extent } else { 1.0 };
        let mut modes = vec![0.0; 6 * n];
        for (eq, &(v, d)) in owner.iter().enumerate() {
            let x: [f64; 3] = std::array::from_fn(|k| (coordinates[v][k] - centre[k]) * scale);
            let m = &mut modes[6 * eq..6 * eq + 6];
            m[d] = 1.0;
            // rotations about x, y, z: ω × x
            let rot = [[0.0, -x[2], x[1]], [x[2], 0.0, -x[0]], [-x[1], x[0], 0.0]];
            for r in 0..3 {
                m[3 + r] = rot[r][d];
            }
        }
        NearNullSpace {
            dim: 6,
            modes,
            block_ptr,
        }
    }

    /// One block per equation with the constant vector (no geometry).
    pub fn scalar(n: usize) -> Self {
        NearNullSpace {
            dim: 1,
            modes: vec![1.0; n],
            block_ptr: (0..=n).collect(),
        }
    }
}

/// Strong block graph: for each block, the strongly coupled other blocks.
pub(super) fn strength(a: &Csr, block_ptr: &[usize]) -> (Vec<usize>, Vec<u32>, Vec<f32>) {
    let nb = block_ptr.len() - 1;
    let mut block_of = vec![0u32; a.nrows];
    for b in 0..nb {
        block_of[block_ptr[b]..block_ptr[b + 1]].fill(b as u32);
    }
    // squared Frobenius norms of the block rows against every other block
    let tasks = nb.div_ceil(ROWS_PER_TASK);
    let rows: Vec<Vec<(u32, f64)>> = (0..tasks)
        .into_par_iter()
        .map_init(
            || (vec![0.0f64; nb], vec![u32::MAX; nb]),
            |(acc, mark), t| {
                let mut out = Vec::new();
                for bi in t * ROWS_PER_TASK..((t + 1) * ROWS_PER_TASK).min(nb) {
                    let mut touched = Vec::new();
                    for i in block_ptr[bi]..block_ptr[bi + 1] {
                        let (c, v) = a.row(i);
                        for (&j, &x) in c.iter().zip(v) {
                            let bj = block_of[j as usize] as usize;
                            if mark[bj] != bi as u32 {
                                mark[bj] = bi as u32;
                                acc[bj] = 0.0;
                                touched.push(bj as u32);
                            }
                            acc[bj] += x * x;
                        }
                    }
                    touched.sort_unstable();
                    out.push(touched.iter().map(|&bj| (bj, acc[bj as usize])).collect());
                }
                out
            },
        )
        .flatten()
        .collect();
    let diag: Vec<f64> = rows
        .iter()
        .enumerate()
        .map(|(b, r)| {
            r.iter()
                .find(|(j, _)| *j as usize == b)
                .map_or(0.0, |(_, v)| v.sqrt())
        })
        .collect();
    let mut ptr = vec![0usize];
    let mut adj = Vec::new();
    let mut st = Vec::new();
    for (b, r) in rows.iter().enumerate() {
        for &(j, v) in r {
            let j = j as usize;
            if j != b {
                adj.push(j as u32);
                st.push((v.sqrt() / (diag[b] * diag[j]).sqrt()) as f32);
            }
        }
        ptr.push(adj.len());
    }
    (ptr, adj, st)
}

/// The couplings of at least `theta`.
pub(super) fn filter(
    strong: &(Vec<usize>, Vec<u32>, Vec<f32>),
    theta: f64,
) -> (Vec<usize>, Vec<u32>) {
    let (ptr, adj, s) = strong;
    let mut p = vec![0usize];
    let mut a = Vec::new();
    for b in 0..ptr.len() - 1 {
        for k in ptr[b]..ptr[b + 1] {
            if s[k] as f64 >= theta {
                a.push(adj[k]);
            }
        }
        p.push(a.len());
    }
    (p, a)
}

const UNASSIGNED: u32 = u32::MAX;

/// Aggregates of the strong graph (Vaněk's three passes); returns the
/// aggregate of every block and the number of aggregates.
pub(super) fn aggregate(ptr: &[usize], adj: &[u32]) -> (Vec<u32>, usize) {
    let nb = ptr.len() - 1;
    let mut agg = vec![UNASSIGNED; nb];
    let mut count = 0u32;
    let nbrs = |b: usize| &adj[ptr[b]..ptr[b + 1]];
    // 1. roots whose strong neighbourhood is entirely free
    for b in 0..nb {
        if agg[b] != UNASSIGNED || nbrs(b).is_empty() {
            continue;
        }
        if nbrs(b).iter().all(|&j| agg[j as usize] == UNASSIGNED) {
            agg[b] = count;
            for &j in nbrs(b) {
                agg[j as usize] = count;
            }
            count += 1;
        }
    }
    // 2. leftovers join the neighbouring aggregate they see most often
    let pass1 = agg.clone();
    for b in 0..nb {
        if agg[b] != UNASSIGNED {
            continue;
        }
        let mut best: Option<(usize, u32)> = None;
        let mut seen: Vec<(u32, usize)> = Vec::new();
        for &j in nbrs(b) {
            let a = pass1[j as usize];
            if a == UNASSIGNED {
                continue;
            }
            match seen.iter_mut().find(|(x, _)| *x == a) {
                Some(e) => e.1 += 1,
                None => seen.push((a, 1)),
            }
        }
        for &(a, c) in &seen {
            if best.is_none_or(|(bc, ba)| c > bc || (c == bc && a < ba)) {
                best = Some((c, a));
            }
        }
        if let Some((_, a)) = best {
            agg[b] = a;
        }
    }
    // 3. what is left forms aggregates with its free neighbours
    for b in 0..nb {
        if agg[b] != UNASSIGNED {
            continue;
        }
        agg[b] = count;
        for &j in nbrs(b) {
            if agg[j as usize] == UNASSIGNED {
                agg[j as usize] = count;
            }
        }
        count += 1;
    }
    (agg, count as usize)
}

/// Tentative prolongator and coarse near-null space: per aggregate, the
/// modes on its equations orthonormalised by modified Gram-Schmidt
/// (twice, for stability), dependent ones dropped.
pub(super) fn tentative(
    nns: &NearNullSpace,
    agg: &[u32],
    num_agg: usize,
    n: usize,
) -> (Csr, NearNullSpace) {
    let dim = nns.dim;
    let nb = nns.block_ptr.len() - 1;
    // blocks of each aggregate, in increasing order
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); num_agg];
    for b in 0..nb {
        members[agg[b] as usize].push(b);
    }
    struct Local {
        rows: Vec<usize>,
        q: Vec<f64>, // rows.len() x k, row-major
        r: Vec<f64>, // k x dim
        k: usize,
    }
    let locals: Vec<Local> = members
        .par_iter()
        .map(|blocks| {
            let rows: Vec<usize> = blocks
                .iter()
                .flat_map(|&b| nns.block_ptr[b]..nns.block_ptr[b + 1])
                .collect();
            let m = rows.len();
            // columns of B restricted to the aggregate
            let mut cols: Vec<Vec<f64>> = (0..dim)
                .map(|c| rows.iter().map(|&i| nns.modes[i * dim + c]).collect())
                .collect();
            let mut kept: Vec<Vec<f64>> = Vec::new();
            let mut r = vec![0.0; dim * dim]; // r[kept_index * dim + c]
            for (c, col) in cols.iter_mut().enumerate() {
                let norm0 = col.iter().map(|x| x * x).sum::<f64>().sqrt();
                for _ in 0..2 {
                    for (k, q) in kept.iter().enumerate() {
                        let h: f64 = q.iter().zip(col.iter()).map(|(a, b)| a * b).sum();
                        r[k * dim + c] += h;
                        col.iter_mut().zip(q).for_each(|(x, qv)| *x -= h * qv);
                    }
                }
                let norm = col.iter().map(|x| x * x).sum::<f64>().sqrt();
                if norm > 1e-8 * norm0.max(f64::MIN_POSITIVE) && kept.len() < m {
                    r[kept.len() * dim + c] = norm;
                    kept.push(col.iter().map(|x| x / norm).collect());
                }
            }
            let k = kept.len();
            let mut q = vec![0.0; m * k];
            for (j, col) in kept.iter().enumerate() {
                for i in 0..m {
                    q[i * k + j] = col[i];
                }
            }
            r.truncate(k * dim);
            Local { rows, q, r, k }
        })
        .collect();
    // coarse numbering: aggregates in order, their kept modes consecutive
    let mut coarse_ptr = vec![0usize];
    for l in &locals {
        coarse_ptr.push(coarse_ptr.last().unwrap() + l.k);
    }
    let nc = *coarse_ptr.last().unwrap();
    let mut row_len = vec![0usize; n];
    for l in &locals {
        for &i in &l.rows {
            row_len[i] = l.k;
        }
    }
    let mut row_ptr = vec![0usize; n + 1];
    for i in 0..n {
        row_ptr[i + 1] = row_ptr[i] + row_len[i];
    }
    let mut col_idx = vec![0u32; row_ptr[n]];
    let mut values = vec![0.0; row_ptr[n]];
    let mut modes = vec![0.0; nc * dim];
    for (a, l) in locals.iter().enumerate() {
        for (li, &i) in l.rows.iter().enumerate() {
            for j in 0..l.k {
                col_idx[row_ptr[i] + j] = (coarse_ptr[a] + j) as u32;
                values[row_ptr[i] + j] = l.q[li * l.k + j];
            }
        }
        modes[coarse_ptr[a] * dim..coarse_ptr[a + 1] * dim].copy_from_slice(&l.r);
    }
    (
        Csr {
            nrows: n,
            ncols: nc,
            row_ptr,
            col_idx,
            values,
        },
        NearNullSpace {
            dim,
            modes,
            block_ptr: coarse_ptr,
        },
    )
}
