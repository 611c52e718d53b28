//! Reading TOML data files (the material library, case files) with errors
//! that name the file and the key path, and quantities that carry units.

use crate::units::{parse_quantity, Dimension};
use crate::Table;
use toml::Value;

/// An error in a TOML data file, with the place (key path) it concerns.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {place}: {message}")]
pub struct TomlError {
    pub file: String,
    pub place: String,
    pub message: String,
}

/// Longest name accepted by [`TomlReader::file_name`].
pub const MAX_NAME: usize = 100;

/// Walks a TOML tree, naming the place (file, then key path) in every error.
pub struct TomlReader<'a> {
    file: &'a str,
}

impl<'a> TomlReader<'a> {
    pub fn new(file: &'a str) -> Self {
        TomlReader { file }
    }

    pub fn err(&self, place: &str, message: impl Into<String>) -> TomlError {
        TomlError {
            file: self.file.to_string(),
            place: place.to_string(),
            message: message.into(),
        }
    }

    pub fn scalar(&self, place: &str, v: &Value, dim: Dimension) -> Result<f64, TomlError> {
        let r = match v {
            Value::String(s) => parse_quantity(s, dim),
            Value::Float(x) => parse_quantity(&x.to_string(), dim),
            Value::Integer(i) => parse_quantity(&i.to_string(), dim),
            other => {
                return Err(self.err(
                    place,
                    format!("expected {}, found {}", dim.example(), other.type_str()),
                ))
            }
        };
        r.map_err(|e| self.err(place, e.to_string()))
    }

    /// A constant or a table `[[T, v1, v2, …], …]` of `K` values.
    pub fn table<const K: usize>(
        &self,
        place: &str,
        v: &Value,
        dim: Dimension,
    ) -> Result<Table<K>, TomlError> {
        match v {
            Value::Array(rows) => {
                let mut out = Vec::with_capacity(rows.len());
                for (i, row) in rows.iter().enumerate() {
                    let p = format!("{place}[{i}]");
                    let cells = row
                        .as_array()
                        .ok_or_else(|| self.err(&p, "expected a row [temperature, value…]"))?;
                    if cells.len() != K + 1 {
                        return Err(self.err(
                            &p,
                            format!(
                                "expected a temperature and {K} value(s), found {} entries",
                                cells.len()
                            ),
                        ));
                    }
                    let t = self.scalar(&p, &cells[0], Dimension::Temperature)?;
                    let vals: Result<Vec<f64>, _> =
                        cells[1..].iter().map(|c| self.scalar(&p, c, dim)).collect();
                    out.push((t, vals?.try_into().expect("K values")));
                }
                Table::new(out).map_err(|e| self.err(place, e.to_string()))
            }
            _ if K == 1 => Ok(Table::constant(std::array::from_fn(|_| 0.0))
                .map_first(self.scalar(place, v, dim)?)),
            _ => Err(self.err(
                place,
                format!("expected a table of rows [temperature, {K} values]"),
            )),
        }
    }

    pub fn field<'v>(
        &self,
        place: &str,
        t: &'v toml::Table,
        key: &str,
    ) -> Result<&'v Value, TomlError> {
        t.get(key)
            .ok_or_else(|| self.err(place, format!("missing key '{key}'")))
    }

    pub fn string(&self, place: &str, t: &toml::Table, key: &str) -> Result<String, TomlError> {
        match self.field(place, t, key)? {
            Value::String(s) => Ok(s.clone()),
            other => Err(self.err(
                &format!("{place}.{key}"),
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    }

    /// The string at `key`, `None` when absent; any other type is an error
    /// (a `symmetry = true` must not silently mean the default).
    pub fn optional_string<'v>(
        &self,
        place: &str,
        t: &'v toml::Table,
        key: &str,
    ) -> Result<Option<&'v str>, TomlError> {
        match t.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(other) => Err(self.err(
                &format!("{place}.{key}"),
                format!("expected a string, found {}", other.type_str()),
            )),
        }
    }

    /// A name that becomes part of file names (a case's, a variant's):
    /// letters, digits, `_`, `-` and `.`, not starting with `.`, at most
    /// [`MAX_NAME`] characters, so it can name no folder, no hidden file and
    /// no place outside the output folder.
    pub fn file_name(&self, place: &str, name: &str) -> Result<(), TomlError> {
        let ok = !name.is_empty()
            && name.len() <= MAX_NAME
            && !name.starts_with('.')
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if ok {
            Ok(())
        } else {
            Err(self.err(
                place,
                format!(
                    "'{}': the name becomes part of file names: use letters, digits, '_', '-' and '.' (not first), at most {MAX_NAME} characters",
                    name.chars().take(40).collect::<String>()
                ),
            ))
        }
    }

    pub fn only(&self, place: &str, t: &toml::Table, allowed: &[&str]) -> Result<(), TomlError> {
        match t.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(
                place,
                format!(
                    "unknown key '{k}' (expected one of: {})",
                    allowed.join(", ")
                ),
            )),
            None => Ok(()),
        }
    }
}

impl<const K: usize> Table<K> {
    /// Replaces the first value of a one-row table (helper for constants).
    pub(crate) fn map_first(mut self, v: f64) -> Self {
        let mut rows = self.rows().to_vec();
        rows[0].1[0] = v;
        self = Table::new(rows).expect("one finite row");
        self
    }
}
