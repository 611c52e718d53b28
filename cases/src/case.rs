//! A parsed case: the package's parts, materials, mesh controls, supports,
//! temperatures, reported roles and recipe, and the error type of the crate.

use crate::part::{CasePart, FaceRef};
use crate::recipe::format::Recipe;
use materials::library::Library;
use materials::toml_reader::TomlError;
use mesher::package::MeshControls;

/// An error in a case file (file, key path, message) or in what it describes.
#[derive(Debug, thiserror::Error)]
pub enum CaseError {
    #[error(transparent)]
    Toml(#[from] TomlError),
    #[error("{0}")]
    Io(String),
    #[error("{file}: meshing failed: {message}")]
    Mesh { file: String, message: String },
    #[error("{file}: recipe failed: {message}")]
    Recipe { file: String, message: String },
    /// An output file that could not be written.
    #[error("writing {file}: {message}")]
    Write { file: String, message: String },
}

/// How the package is held.
#[derive(Clone, Debug, PartialEq)]
pub enum Supports {
    /// Rigid-body motion suppressed by three nodes of a face (3-2-1); the
    /// package deforms freely.
    ThreeTwoOne(FaceRef),
    /// Every node of a face fixed.
    Fixed(FaceRef),
    /// A flat bonding stage under a face: no motion normal to it.
    Stage(FaceRef),
}

/// Which parts the summary reports as what.
#[derive(Clone, Debug, Default)]
pub struct Roles {
    /// Faces whose warpage is reported.
    pub warpage: Vec<FaceRef>,
    /// Bump parts (max von Mises, peel, shear; volume-mean von Mises).
    pub bumps: Vec<String>,
    /// Adhesive parts: ACF, underfill, transparent layer.
    pub adhesives: Vec<String>,
    /// The die (max first principal stress).
    pub die: Option<String>,
    /// Parts whose peak stresses over a recipe are reported (and compared
    /// across variants), e.g. a functional polymer layer.
    pub watch: Vec<String>,
}

/// A parsed case.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: String,
    pub description: String,
    pub file: String,
    pub parts: Vec<CasePart>,
    pub library: Library,
    pub controls: MeshControls,
    /// Stress-free (bonding) temperature, °C.
    pub stress_free: f64,
    /// Room temperature at the end of the cool-down, °C.
    pub room: f64,
    pub supports: Supports,
    pub roles: Roles,
    /// The bonding recipe (`[process]`), if the case has one.
    pub process: Option<Recipe>,
}
