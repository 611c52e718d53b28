//! The one sparse matrix type of the solvers: compressed rows with 32-bit
//! column indices, built from the assembled upper triangle (both triangles
//! then stored) or by the multigrid's products. Every product sums each row
//! in a fixed order, so results do not depend on the thread count.

use crate::assembly::Pattern;
use rayon::prelude::*;

/// A general sparse matrix in compressed rows with 32-bit column indices.
#[derive(Clone, Debug, Default)]
pub struct Csr {
    pub nrows: usize,
    pub ncols: usize,
    pub row_ptr: Vec<usize>,
    pub col_idx: Vec<u32>,
    pub values: Vec<f64>,
}

/// Rows per parallel task in the sparse products.
pub(crate) const ROWS_PER_TASK: usize = 512;

impl Csr {
    /// Expands an upper-triangular CSC matrix to the full symmetric CSR one.
    pub fn from_upper(pattern: &Pattern, values: &[f64]) -> Self {
        let n = pattern.n;
        let mut count = vec![0usize; n + 1];
        for j in 0..n {
            for k in pattern.col_ptr[j] as usize..pattern.col_ptr[j + 1] as usize {
                let i = pattern.row_idx[k] as usize;
                // upper entry (i, j) lives in CSR row i; its mirror in row j
                count[i + 1] += 1;
                if i != j {
                    count[j + 1] += 1;
                }
            }
        }
        for i in 0..n {
            count[i + 1] += count[i];
        }
        let mut fill = count.clone();
        let nnz = count[n];
        let mut col_idx = vec![0u32; nnz];
        let mut vals = vec![0.0; nnz];
        // Column-major traversal writes each CSR row in increasing column order.
        for j in 0..n {
            for k in pattern.col_ptr[j] as usize..pattern.col_ptr[j + 1] as usize {
                let i = pattern.row_idx[k] as usize;
                col_idx[fill[i]] = j as u32;
                vals[fill[i]] = values[k];
                fill[i] += 1;
                if i != j {
                    col_idx[fill[j]] = i as u32;
                    vals[fill[j]] = values[k];
                    fill[j] += 1;
                }
            }
        }
        Csr {
            nrows: n,
            ncols: n,
            row_ptr: count,
            col_idx,
            values: vals,
        }
    }

    pub fn nnz(&self) -> usize {
        self.values.len()
    }

    pub fn row(&self, i: usize) -> (&[u32], &[f64]) {
        let (s, e) = (self.row_ptr[i], self.row_ptr[i + 1]);
        (&self.col_idx[s..e], &self.values[s..e])
    }

    /// `y = A x`, parallel over rows, each row summed in a fixed order.
    pub fn mul_into(&self, x: &[f64], y: &mut [f64]) {
        y.par_iter_mut()
            .with_min_len(256)
            .enumerate()
            .for_each(|(i, yi)| {
                let (c, v) = self.row(i);
                *yi = c.iter().zip(v).map(|(&j, &a)| a * x[j as usize]).sum();
            });
    }

    /// `y += A x`.
    pub fn mul_add_into(&self, x: &[f64], y: &mut [f64]) {
        y.par_iter_mut()
            .with_min_len(256)
            .enumerate()
            .for_each(|(i, yi)| {
                let (c, v) = self.row(i);
                *yi += c
                    .iter()
                    .zip(v)
                    .map(|(&j, &a)| a * x[j as usize])
                    .sum::<f64>();
            });
    }

    pub fn diagonal(&self) -> Vec<f64> {
        (0..self.nrows)
            .into_par_iter()
            .map(|i| {
                let (c, v) = self.row(i);
                c.iter()
                    .zip(v)
                    .find(|(&j, _)| j as usize == i)
                    .map_or(0.0, |(_, &a)| a)
            })
            .collect()
    }

    /// `Aᵀ` (counting sort: rows of the result in increasing column order).
    pub fn transpose(&self) -> Csr {
        let mut ptr = vec![0usize; self.ncols + 1];
        for &j in &self.col_idx {
            ptr[j as usize + 1] += 1;
        }
        for j in 0..self.ncols {
            ptr[j + 1] += ptr[j];
        }
        let mut fill = ptr.clone();
        let mut col_idx = vec![0u32; self.nnz()];
        let mut values = vec![0.0; self.nnz()];
        for i in 0..self.nrows {
            let (c, v) = self.row(i);
            for (&j, &a) in c.iter().zip(v) {
                let k = &mut fill[j as usize];
                col_idx[*k] = i as u32;
                values[*k] = a;
                *k += 1;
            }
        }
        Csr {
            nrows: self.ncols,
            ncols: self.nrows,
            row_ptr: ptr,
            col_idx,
            values,
        }
    }

    /// `A B`, parallel over blocks of rows; each output entry is summed in
    /// the order of `A`'s row, then `B`'s rows, so the result is the same
    /// whatever the thread count. Columns of each row come out sorted.
    pub fn matmul(&self, b: &Csr) -> Csr {
        assert_eq!(self.ncols, b.nrows);
        let tasks = self.nrows.div_ceil(ROWS_PER_TASK);
        let parts: Vec<(Vec<usize>, Vec<u32>, Vec<f64>)> = (0..tasks)
            .into_par_iter()
            .map_init(
                || (vec![0.0f64; b.ncols], vec![u32::MAX; b.ncols]),
                |(acc, mark), t| {
                    let rows = t * ROWS_PER_TASK..((t + 1) * ROWS_PER_TASK).min(self.nrows);
                    let mut lens = Vec::with_capacity(rows.len());
                    let mut cols = Vec::new();
                    let mut vals = Vec::new();
                    let mut touched: Vec<u32> = Vec::new();
                    for i in rows {
                        touched.clear();
                        let (ca, va) = self.row(i);
                        for (&k, &a) in ca.iter().zip(va) {
                            let (cb, vb) = b.row(k as usize);
                            for (&j, &bv) in cb.iter().zip(vb) {
                                let ju = j as usize;
                                if mark[ju] != i as u32 {
                                    mark[ju] = i as u32;
                                    acc[ju] = 0.0;
                                    touched.push(j);
                                }
                                acc[ju] += a * bv;
                            }
                        }
                        touched.sort_unstable();
                        lens.push(touched.len());
                        for &j in &touched {
                            cols.push(j);
                            vals.push(acc[j as usize]);
                        }
                    }
                    (lens, cols, vals)
                },
            )
            .collect();
        let nnz: usize = parts.iter().map(|p| p.1.len()).sum();
        let mut row_ptr = Vec::with_capacity(self.nrows + 1);
        row_ptr.push(0);
        let mut col_idx = Vec::with_capacity(nnz);
        let mut values = Vec::with_capacity(nnz);
        for (lens, cols, vals) in parts {
            for l in lens {
                row_ptr.push(row_ptr.last().unwrap() + l);
            }
            col_idx.extend_from_slice(&cols);
            values.extend_from_slice(&vals);
        }
        Csr {
            nrows: self.nrows,
            ncols: b.ncols,
            row_ptr,
            col_idx,
            values,
        }
    }
}
