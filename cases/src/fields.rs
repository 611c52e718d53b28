//! Readers of the case format's generic fields (ranges, rectangles, tables,
//! counts), with the key path in every error.

use materials::toml_reader::{TomlError, TomlReader};
use materials::units::Dimension;
use mesher::package::Rect;
use toml::Value;

pub(crate) fn rect(r: &TomlReader<'_>, place: &str, t: &toml::Table) -> Result<Rect, TomlError> {
    Ok(Rect {
        x: pair(
            r,
            &format!("{place}.x"),
            r.field(place, t, "x")?,
            Dimension::Length,
        )?,
        y: pair(
            r,
            &format!("{place}.y"),
            r.field(place, t, "y")?,
            Dimension::Length,
        )?,
    })
}

/// `[low, high]` of two quantities, low < high.
pub(crate) fn pair(
    r: &TomlReader<'_>,
    place: &str,
    v: &Value,
    dim: Dimension,
) -> Result<[f64; 2], TomlError> {
    let a = v.as_array().filter(|a| a.len() == 2).ok_or_else(|| {
        r.err(
            place,
            format!("expected [low, high], two of {}", dim.example()),
        )
    })?;
    let lo = r.scalar(&format!("{place}[0]"), &a[0], dim)?;
    let hi = r.scalar(&format!("{place}[1]"), &a[1], dim)?;
    if !(hi > lo) {
        return Err(r.err(
            place,
            format!("the second value must exceed the first ({lo} vs {hi} in internal units)"),
        ));
    }
    Ok([lo, hi])
}

pub(crate) fn table<'v>(
    r: &TomlReader<'_>,
    place: &str,
    v: &'v Value,
) -> Result<&'v toml::Table, TomlError> {
    v.as_table().ok_or_else(|| r.err(place, "expected a table"))
}

pub(crate) fn integer(
    r: &TomlReader<'_>,
    place: &str,
    t: &toml::Table,
    key: &str,
    default: usize,
    min: usize,
) -> Result<usize, TomlError> {
    match t.get(key) {
        None => Ok(default),
        Some(Value::Integer(i)) if *i >= min as i64 => Ok(*i as usize),
        Some(_) => Err(r.err(
            &format!("{place}.{key}"),
            format!("expected a whole number of at least {min}"),
        )),
    }
}
