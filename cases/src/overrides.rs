//! Reading a case file as a user runs it: `--set key.path=value` overrides
//! applied to the TOML tree first, then a `[[variant]]`'s `drop` and `set`.

use crate::case::{Case, CaseError};
use materials::toml_reader::TomlReader;
use std::path::Path;
use toml::Value;

/// Applies one `key.path=value` override to a case's TOML tree. Tables are
/// walked by key; `[[part]]` and `[[material]]` entries by their `name`
/// (`part.glass.material=soda_lime_glass`). The value is read as TOML when
/// it is valid TOML (`3`, `1.5`, `"25 C"`, `["0 mm", "1 mm"]`), else taken
/// as a string (`150 C`), so shells need no extra quoting. The last key may
/// be new; everything before it must exist.
pub fn apply_override(doc: &mut toml::Table, assignment: &str) -> Result<(), String> {
    let (path, raw) = assignment.split_once('=').ok_or("expected KEY=VALUE")?;
    let keys: Vec<&str> = path.trim().split('.').collect();
    if keys.iter().any(|k| k.is_empty()) {
        return Err(format!("'{path}' is not a key path"));
    }
    let value: Value = match format!("v = {}", raw.trim()).parse::<toml::Table>() {
        Ok(mut t) => t.remove("v").expect("parsed"),
        Err(_) => Value::String(raw.trim().to_string()),
    };
    let mut table = doc;
    let mut i = 0;
    while i + 1 < keys.len() {
        let key = keys[i];
        let next = table
            .get_mut(key)
            .ok_or_else(|| format!("no '{}' in the case", keys[..=i].join(".")))?;
        table = match next {
            Value::Table(t) => t,
            Value::Array(entries) => {
                let name = keys[i + 1];
                i += 1;
                let entry = entries
                    .iter_mut()
                    .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
                    .ok_or_else(|| format!("no [[{key}]] named '{name}'"))?;
                entry
                    .as_table_mut()
                    .ok_or_else(|| format!("[[{key}]] '{name}' is not a table"))?
            }
            _ => {
                return Err(format!(
                    "'{}' is a value, not a table",
                    keys[..=i].join(".")
                ))
            }
        };
        i += 1;
    }
    if i >= keys.len() {
        return Err(format!("'{path}' names an entry, not a key inside it"));
    }
    table.insert(keys[keys.len() - 1].to_string(), value);
    Ok(())
}

impl Case {
    /// Reads a case file.
    pub fn from_file(path: &Path) -> Result<Case, CaseError> {
        Self::from_file_with(path, &[])
    }

    /// Reads a case file with `key.path=value` overrides applied first
    /// (see [`apply_override`]).
    pub fn from_file_with(path: &Path, overrides: &[String]) -> Result<Case, CaseError> {
        Self::from_file_variant(path, overrides, None)
    }

    fn read_doc(path: &Path) -> Result<toml::Table, CaseError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| CaseError::Io(format!("cannot read {}: {e}", path.display())))?;
        let file = path.display().to_string();
        text.parse()
            .map_err(|e: toml::de::Error| TomlReader::new(&file).err("TOML", e.to_string()).into())
    }

    /// The names of the case file's `[[variant]]` entries (none for most
    /// cases), after the `--set` `overrides`; each a valid file name, none
    /// twice.
    pub fn variant_names(path: &Path, overrides: &[String]) -> Result<Vec<String>, CaseError> {
        let mut doc = Self::read_doc(path)?;
        let file = path.display().to_string();
        let r = TomlReader::new(&file);
        for o in overrides {
            apply_override(&mut doc, o).map_err(|m| r.err(&format!("--set {o}"), m))?;
        }
        let Some(v) = doc.get("variant") else {
            return Ok(Vec::new());
        };
        let list = v
            .as_array()
            .ok_or_else(|| r.err("variant", "expected [[variant]] entries"))?;
        list.iter()
            .enumerate()
            .map(|(i, e)| {
                let t = e
                    .as_table()
                    .ok_or_else(|| r.err(&format!("variant[{i}]"), "expected a table"))?;
                r.only(
                    &format!("variant[{i}]"),
                    t,
                    &["name", "description", "set", "drop"],
                )?;
                let name = r.string(&format!("variant[{i}]"), t, "name")?;
                r.file_name(&format!("variant[{i}].name"), &name)?;
                Ok(name)
            })
            .collect::<Result<Vec<String>, CaseError>>()
            .and_then(|names| {
                match names
                    .iter()
                    .enumerate()
                    .find(|(i, n)| names[..*i].contains(n))
                {
                    Some((i, n)) => Err(r
                        .err(
                            &format!("variant[{i}].name"),
                            format!("'{n}' names two variants"),
                        )
                        .into()),
                    None => Ok(names),
                }
            })
    }

    /// Reads a case file with `key.path=value` overrides applied first and
    /// then, when `variant` names one of its `[[variant]]` entries, that
    /// variant's `drop` (parts taken out of the model) and `set` overrides.
    pub fn from_file_variant(
        path: &Path,
        overrides: &[String],
        variant: Option<&str>,
    ) -> Result<Case, CaseError> {
        let file = path.display().to_string();
        let r = TomlReader::new(&file);
        let mut doc = Self::read_doc(path)?;
        for o in overrides {
            apply_override(&mut doc, o).map_err(|m| r.err(&format!("--set {o}"), m))?;
        }
        if let Some(name) = variant {
            apply_variant(&r, &mut doc, name)?;
        }
        Self::from_table(doc, &file, path.parent())
    }
}

/// Applies the `[[variant]]` named `name` to `doc`: its `drop` (parts taken
/// out) and then its `set` overrides.
fn apply_variant(r: &TomlReader<'_>, doc: &mut toml::Table, name: &str) -> Result<(), CaseError> {
    let entry = doc
        .get("variant")
        .and_then(Value::as_array)
        .and_then(|l| {
            l.iter()
                .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        })
        .cloned()
        .ok_or_else(|| r.err("variant", format!("no [[variant]] named '{name}'")))?;
    let place = format!("variant '{name}'");
    let strings = |key: &str| -> Result<Vec<String>, CaseError> {
        let bad = || r.err(&format!("{place}.{key}"), "expected a list of strings");
        match entry.get(key) {
            None => Ok(Vec::new()),
            Some(Value::Array(a)) => a
                .iter()
                .map(|x| x.as_str().map(str::to_string).ok_or_else(|| bad().into()))
                .collect(),
            Some(_) => Err(bad().into()),
        }
    };
    for part in strings("drop")? {
        let parts = doc
            .get_mut("part")
            .and_then(Value::as_array_mut)
            .ok_or_else(|| r.err(&place, "the case has no [[part]] entries"))?;
        let before = parts.len();
        parts.retain(|p| p.get("name").and_then(Value::as_str) != Some(part.as_str()));
        if parts.len() == before {
            return Err(r
                .err(&format!("{place}.drop"), format!("no part named '{part}'"))
                .into());
        }
    }
    for o in strings("set")? {
        apply_override(doc, &o).map_err(|m| r.err(&format!("{place}.set '{o}'"), m))?;
    }
    Ok(())
}
