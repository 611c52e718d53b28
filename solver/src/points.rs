//! Values at the integration points of every cell: a Voigt tensor per point
//! (stresses, eigenstrains), laid out cell after cell.

/// A Voigt tensor at every integration point of every cell.
#[derive(Clone, Debug, Default)]
pub struct QpField {
    /// Start of each cell's points in `data` (length cells + 1).
    pub offsets: Vec<usize>,
    pub data: Vec<[f64; 6]>,
}

impl QpField {
    pub fn cell(&self, cell: usize) -> &[[f64; 6]] {
        &self.data[self.offsets[cell]..self.offsets[cell + 1]]
    }
}
