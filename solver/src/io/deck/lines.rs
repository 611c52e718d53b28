//! A deck's source lines (with `*INCLUDE` followed) grouped into keyword
//! cards, and the readers of their data fields.

use super::error::DeckError;
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// One source line.
#[derive(Clone, Debug)]
pub(super) struct Line {
    pub(super) file: Rc<PathBuf>,
    pub(super) number: usize,
    pub(super) text: String,
}

/// A keyword card: the keyword line, its parameters and its data lines.
#[derive(Debug)]
pub(super) struct Card {
    pub(super) keyword: String,
    pub(super) params: Vec<(String, Option<String>)>,
    pub(super) head: Line,
    pub(super) data: Vec<Line>,
}

impl Card {
    pub(super) fn param(&self, key: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, v)| v.as_deref())
    }

    pub(super) fn has(&self, key: &str) -> bool {
        self.params.iter().any(|(k, _)| k == key)
    }

    /// Refuses data lines under a keyword that takes none.
    pub(super) fn no_data(&self) -> Result<(), DeckError> {
        match self.data.first() {
            None => Ok(()),
            Some(line) => Err(err_at(
                line,
                format!(
                    "*{} takes no data lines, found '{}'",
                    self.keyword,
                    line.text.trim().chars().take(60).collect::<String>()
                ),
            )),
        }
    }

    pub(super) fn err(&self, message: impl Into<String>) -> DeckError {
        err_at(&self.head, format!("*{}: {}", self.keyword, message.into()))
    }

    pub(super) fn required(&self, key: &str) -> Result<&str, DeckError> {
        self.param(key)
            .ok_or_else(|| self.err(format!("missing required parameter {key}=")))
    }

    /// Rejects parameters outside `allowed`.
    pub(super) fn only(&self, allowed: &[&str]) -> Result<(), DeckError> {
        match self
            .params
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((k, _)) => Err(self.err(format!(
                "parameter {k} is not supported (supported: {})",
                if allowed.is_empty() {
                    "none".to_string()
                } else {
                    allowed.join(", ")
                }
            ))),
            None => Ok(()),
        }
    }
}

pub(super) fn err_at(line: &Line, message: String) -> DeckError {
    DeckError {
        file: (*line.file).clone(),
        line: line.number,
        message,
    }
}

pub(super) fn load_lines(
    path: &Path,
    out: &mut Vec<Line>,
    depth: usize,
    from: Option<&Line>,
) -> Result<(), DeckError> {
    let fail = |message: String| match from {
        Some(l) => err_at(l, message),
        None => DeckError {
            file: path.to_path_buf(),
            line: 0,
            message,
        },
    };
    if depth > 16 {
        return Err(fail("*INCLUDE nested more than 16 deep".into()));
    }
    let bytes =
        std::fs::read(path).map_err(|e| fail(format!("cannot read {}: {e}", path.display())))?;
    let file = Rc::new(path.to_path_buf());
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        let line = Line {
            file: file.clone(),
            number: i + 1,
            text: decode(raw).map_err(|column| DeckError {
                file: path.to_path_buf(),
                line: i + 1,
                message: format!("byte {column} of the line is not UTF-8 text (save the deck as UTF-8 or ASCII; comments, `**…`, may hold any bytes)"),
            })?,
        };
        let t = line.text.as_str();
        let upper = t.trim_start().to_ascii_uppercase();
        if upper.starts_with("*INCLUDE") {
            let input = t
                .split(',')
                .skip(1)
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("INPUT"))
                .map(|(_, v)| v.trim().trim_matches('"').to_string())
                .ok_or_else(|| {
                    err_at(&line, "*INCLUDE: missing required parameter INPUT=".into())
                })?;
            let target = path.parent().unwrap_or(Path::new(".")).join(input);
            load_lines(&target, out, depth + 1, Some(&line))?;
        } else {
            out.push(line);
        }
    }
    Ok(())
}

/// A line's text: UTF-8, or a `**` comment in any encoding (free text,
/// decoded lossily); `Err` with the 1-based byte of the first invalid
/// sequence otherwise.
fn decode(raw: &[u8]) -> Result<String, usize> {
    match std::str::from_utf8(raw) {
        Ok(t) => Ok(t.to_string()),
        Err(_) if raw.trim_ascii_start().starts_with(b"**") => {
            Ok(String::from_utf8_lossy(raw).into_owned())
        }
        Err(e) => Err(e.valid_up_to() + 1),
    }
}

/// Groups lines into cards, dropping blank lines and `**` comments.
pub(super) fn cards(lines: Vec<Line>) -> Result<Vec<Card>, DeckError> {
    let mut cards: Vec<Card> = Vec::new();
    for line in lines {
        let t = line.text.trim();
        if t.is_empty() || t.starts_with("**") {
            continue;
        }
        if let Some(rest) = t.strip_prefix('*') {
            let mut parts = rest.split(',');
            let keyword = parts.next().unwrap_or("").trim().to_ascii_uppercase();
            let keyword = keyword.split_whitespace().collect::<Vec<_>>().join(" ");
            let params = parts
                .filter(|p| !p.trim().is_empty())
                .map(|p| match p.split_once('=') {
                    Some((k, v)) => (k.trim().to_ascii_uppercase(), Some(v.trim().to_string())),
                    None => (p.trim().to_ascii_uppercase(), None),
                })
                .collect();
            cards.push(Card {
                keyword,
                params,
                head: line,
                data: Vec::new(),
            });
        } else {
            match cards.last_mut() {
                Some(c) => c.data.push(line),
                None => return Err(err_at(&line, "data line before the first keyword".into())),
            }
        }
    }
    Ok(cards)
}

/// Splits a data line into trimmed fields (a trailing comma adds none).
pub(super) fn fields(line: &Line) -> Vec<&str> {
    let t = line.text.trim().trim_end_matches(',');
    t.split(',').map(str::trim).collect()
}

pub(super) fn number(line: &Line, field: &str, what: &str) -> Result<f64, DeckError> {
    let v: f64 = field.replace(['d', 'D'], "e").parse().map_err(|_| {
        err_at(
            line,
            format!("expected a number for {what}, found '{field}'"),
        )
    })?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(err_at(
            line,
            format!("{what} must be finite, found '{field}'"),
        ))
    }
}

pub(super) fn integer(line: &Line, field: &str, what: &str) -> Result<i64, DeckError> {
    field.parse().map_err(|_| {
        err_at(
            line,
            format!("expected an integer for {what}, found '{field}'"),
        )
    })
}
