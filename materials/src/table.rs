//! Temperature tables: rows of `K` values against temperature (°C),
//! interpolated linearly and held constant beyond the first and last rows
//! (as CalculiX does).

/// A table of `K` values against temperature, sorted by temperature.
#[derive(Clone, Debug, PartialEq)]
pub struct Table<const K: usize> {
    rows: Vec<(f64, [f64; K])>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TableError {
    #[error("a temperature table needs at least one row")]
    Empty,
    #[error("table temperatures must increase strictly; {0} C follows {1} C")]
    NotIncreasing(f64, f64),
    #[error("table value is not a finite number")]
    NotFinite,
}

impl<const K: usize> Table<K> {
    /// A table from `(temperature °C, values)` rows in increasing temperature.
    pub fn new(rows: Vec<(f64, [f64; K])>) -> Result<Self, TableError> {
        if rows.is_empty() {
            return Err(TableError::Empty);
        }
        if rows
            .iter()
            .any(|(t, v)| !t.is_finite() || v.iter().any(|x| !x.is_finite()))
        {
            return Err(TableError::NotFinite);
        }
        for w in rows.windows(2) {
            if w[1].0 <= w[0].0 {
                return Err(TableError::NotIncreasing(w[1].0, w[0].0));
            }
        }
        Ok(Table { rows })
    }

    /// A temperature-independent table.
    pub fn constant(values: [f64; K]) -> Self {
        Table {
            rows: vec![(0.0, values)],
        }
    }

    /// The tabulated temperatures, °C.
    pub fn temperatures(&self) -> impl Iterator<Item = f64> + '_ {
        self.rows.iter().map(|r| r.0)
    }

    pub fn rows(&self) -> &[(f64, [f64; K])] {
        &self.rows
    }

    /// Values at `temperature` (°C): linear between rows, constant outside.
    pub fn at(&self, temperature: f64) -> [f64; K] {
        let rows = &self.rows;
        if rows.len() == 1 || temperature <= rows[0].0 {
            return rows[0].1;
        }
        let last = rows.len() - 1;
        if temperature >= rows[last].0 {
            return rows[last].1;
        }
        let i = rows.partition_point(|r| r.0 <= temperature) - 1;
        let (t0, v0) = rows[i];
        let (t1, v1) = rows[i + 1];
        let s = (temperature - t0) / (t1 - t0);
        std::array::from_fn(|k| v0[k] + s * (v1[k] - v0[k]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interpolates_and_clamps() {
        let t = Table::new(vec![
            (0.0, [1.0, 10.0]),
            (100.0, [3.0, 10.0]),
            (200.0, [4.0, 0.0]),
        ])
        .unwrap();
        assert_eq!(t.at(-50.0), [1.0, 10.0]);
        assert_eq!(t.at(50.0), [2.0, 10.0]);
        assert_eq!(t.at(150.0), [3.5, 5.0]);
        assert_eq!(t.at(100.0), [3.0, 10.0]);
        assert_eq!(t.at(500.0), [4.0, 0.0]);
    }

    #[test]
    fn rejects_unsorted_and_empty() {
        assert_eq!(Table::<1>::new(vec![]), Err(TableError::Empty));
        assert!(matches!(
            Table::new(vec![(1.0, [0.0]), (1.0, [1.0])]),
            Err(TableError::NotIncreasing(..))
        ));
        assert_eq!(
            Table::new(vec![(f64::NAN, [0.0])]),
            Err(TableError::NotFinite)
        );
    }
}
