//! Where a run's results go, the same for the CLI and the benches: a
//! recipe's fields as a `.vtu` per state (written on a thread of their own
//! while the recipe goes on) with the `.pvd` over time, its history
//! (`history.csv`, `history.json`, `history.png`), and the summary
//! (`summary.json`, `summary.csv`). Every file is written to a temporary
//! name and renamed, so an interrupted run leaves no truncated file.

use crate::case::{Case, CaseError};
use crate::recipe::{history_csv, history_json, HistoryRow, Recipe, RecipeOutput};
use crate::summary::Summary;
use solver::io::vtk::{write_pvd, VtuWriter};
use solver::model::Model;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The files of a recipe run in one folder, filled state by state.
pub struct RecipeFiles {
    out: PathBuf,
    case: String,
    watch: Vec<String>,
    writer: VtuWriter,
    /// `(time, file)` of every state's `.vtu`.
    collection: Vec<(f64, String)>,
    rows: Vec<HistoryRow>,
    /// The first state whose fields could not be handed to the writer.
    failure: Option<CaseError>,
    /// Wall time spent recording states and writing the files, s.
    seconds: f64,
}

impl RecipeFiles {
    /// Creates `out` (and its parents) for the recipe of `case` on `model`.
    pub fn create(
        out: &Path,
        case: &Case,
        model: &Model,
        recipe: &Recipe,
    ) -> Result<Self, CaseError> {
        std::fs::create_dir_all(out).map_err(|e| write_error(out, e))?;
        let mut m = model.clone();
        m.initial_temperature = vec![recipe.start; m.mesh.num_nodes()];
        Ok(RecipeFiles {
            out: out.to_path_buf(),
            case: case.name.clone(),
            watch: case.roles.watch.clone(),
            writer: VtuWriter::spawn(m),
            collection: Vec::new(),
            rows: Vec::new(),
            failure: None,
            seconds: 0.0,
        })
    }

    /// Records state `o`: its `.vtu` (queued), its place in the `.pvd` and
    /// its history row.
    pub fn record(&mut self, o: &RecipeOutput) {
        let clock = Instant::now();
        let file = format!("{}_{:03}.vtu", self.case, self.collection.len() + 1);
        let path = self.out.join(&file);
        if let Err(e) = self
            .writer
            .submit(path.clone(), o.result.clone(), o.cell_fields())
        {
            self.failure.get_or_insert(write_error(&path, e));
        }
        self.collection.push((o.time, file));
        self.rows.push(HistoryRow::new(o, &self.watch));
        self.seconds += clock.elapsed().as_secs_f64();
    }

    /// Waits for the fields, then writes the `.pvd` and the history.
    pub fn finish(self) -> Result<WrittenRecipe, CaseError> {
        let clock = Instant::now();
        // the writer's own failure names its file; a refused submission only
        // says that it stopped
        self.writer.finish().map_err(|e| CaseError::Write {
            file: "the fields".into(),
            message: e.to_string(),
        })?;
        if let Some(e) = self.failure {
            return Err(e);
        }
        check_finite(&self.out.join("history.json"), &self.rows)?;
        let pvd = self.out.join(format!("{}.pvd", self.case));
        write_pvd(&pvd, &self.collection).map_err(|e| write_error(&pvd, e))?;
        write_text(&self.out.join("history.csv"), &history_csv(&self.rows))?;
        write_text(&self.out.join("history.json"), &history_json(&self.rows))?;
        let png = self.out.join("history.png");
        crate::plot::history_png(&png, &self.case, &self.rows).map_err(|message| {
            CaseError::Write {
                file: png.display().to_string(),
                message,
            }
        })?;
        Ok(WrittenRecipe {
            pvd,
            rows: self.rows,
            seconds: self.seconds + clock.elapsed().as_secs_f64(),
        })
    }
}

/// What [`RecipeFiles::finish`] wrote.
pub struct WrittenRecipe {
    /// The ParaView collection of the states.
    pub pvd: PathBuf,
    pub rows: Vec<HistoryRow>,
    /// Wall time spent on the files, s (including the wait for the fields).
    pub seconds: f64,
}

/// Refuses to write `value` when a number in it is not finite: serialised
/// to JSON (where absent values are left out, never `null`), a `null` can
/// only be an infinity or a NaN. The error names the file and the key.
pub fn check_finite(file: &Path, value: &impl serde::Serialize) -> Result<(), CaseError> {
    fn find(v: &serde_json::Value, path: String) -> Option<String> {
        match v {
            serde_json::Value::Null => Some(path),
            serde_json::Value::Array(a) => a
                .iter()
                .enumerate()
                .find_map(|(i, x)| find(x, format!("{path}[{i}]"))),
            serde_json::Value::Object(m) => m.iter().find_map(|(k, x)| {
                find(
                    x,
                    if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    },
                )
            }),
            _ => None,
        }
    }
    let v = serde_json::to_value(value).map_err(|e| write_error(file, e))?;
    match find(&v, String::new()) {
        None => Ok(()),
        Some(key) => Err(CaseError::Write {
            file: file.display().to_string(),
            message: format!("{key} is not a finite number (infinity or NaN): the results overflowed; nothing was written"),
        }),
    }
}

/// Writes `summary.json` and `summary.csv` into `out`.
pub fn write_summary(out: &Path, summary: &Summary) -> Result<(), CaseError> {
    std::fs::create_dir_all(out).map_err(|e| write_error(out, e))?;
    check_finite(&out.join("summary.json"), summary)?;
    write_text(&out.join("summary.json"), &summary.to_json())?;
    write_text(&out.join("summary.csv"), &summary.to_csv())
}

/// Writes `text` to `path` atomically.
pub fn write_text(path: &Path, text: &str) -> Result<(), CaseError> {
    solver::io::write_atomically(path, |w| {
        use std::io::Write;
        w.write_all(text.as_bytes())
    })
    .map_err(|e| write_error(path, e))
}

fn write_error(path: &Path, e: impl std::fmt::Display) -> CaseError {
    CaseError::Write {
        file: path.display().to_string(),
        message: e.to_string(),
    }
}
