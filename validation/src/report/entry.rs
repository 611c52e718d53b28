//! One line of the report, and the number formats of the report.

use serde::Serialize;
use solver::analysis::{StaticAnalysis, StepResult};
use solver::linear::SolverChoice;
use solver::model::Model;
use std::time::Instant;

/// One line of the report.
#[derive(Serialize)]
pub(crate) struct Entry {
    pub(crate) case: String,
    pub(crate) quantity: String,
    pub(crate) unit: String,
    pub(crate) computed: f64,
    pub(crate) reference: f64,
    /// Relative tolerance, decided before the run; `None`: reported only
    /// (a member of a refinement series whose finest member is judged).
    pub(crate) tolerance: Option<f64>,
    /// The tolerance is absolute, in the entry's unit (for a reference of 0).
    pub(crate) absolute: bool,
    pub(crate) source: String,
    /// Why this tolerance (or why not judged), and notes.
    pub(crate) reason: String,
    pub(crate) dof: usize,
    pub(crate) seconds: f64,
    pub(crate) pass: Option<bool>,
}

impl Entry {
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn new(
        case: &str,
        quantity: &str,
        unit: &str,
        computed: f64,
        reference: f64,
        tolerance: Option<f64>,
        source: &str,
        reason: &str,
        dof: usize,
        seconds: f64,
    ) -> Self {
        let pass = tolerance
            .map(|t| computed.is_finite() && (computed - reference).abs() <= t * reference.abs());
        Entry {
            case: case.into(),
            quantity: quantity.into(),
            unit: unit.into(),
            computed,
            reference,
            tolerance,
            absolute: false,
            source: source.into(),
            reason: reason.into(),
            dof,
            seconds,
            pass,
        }
    }
}

impl Entry {
    /// An entry judged by `|computed − reference| ≤ tolerance` in its unit.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn absolute(
        case: &str,
        quantity: &str,
        unit: &str,
        computed: f64,
        reference: f64,
        tolerance: f64,
        source: &str,
        reason: &str,
        dof: usize,
        seconds: f64,
    ) -> Self {
        let mut e = Entry::new(
            case, quantity, unit, computed, reference, None, source, reason, dof, seconds,
        );
        e.tolerance = Some(tolerance);
        e.absolute = true;
        e.pass = Some(computed.is_finite() && (computed - reference).abs() <= tolerance);
        e
    }
}

pub(crate) fn solve(model: &Model) -> (StepResult, f64) {
    let t = Instant::now();
    let r = StaticAnalysis::new(model, SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap_or_else(|e| panic!("{e}"));
    (r, t.elapsed().as_secs_f64())
}

/// Seven significant digits.
pub(crate) fn number(v: f64) -> String {
    if v != 0.0 && (v.abs() < 1e-2 || v.abs() >= 1e6) {
        format!("{v:.6e}")
    } else {
        let digits = (6 - v.abs().log10().floor() as i32).max(0) as usize;
        format!("{v:.digits$}")
    }
}

/// A relative quantity: in % down to 0.1 %, then as a power of ten.
pub(crate) fn relative(r: f64) -> String {
    if r.abs() >= 1e-3 {
        format!("{:.1} %", 100.0 * r)
    } else {
        format!("{r:.1e}")
    }
}

/// The signed relative difference of `computed` from `reference`.
pub(crate) fn signed(computed: f64, reference: f64) -> String {
    let d = (computed - reference) / reference.abs();
    if d == 0.0 {
        "equal to all printed digits".into()
    } else if d.abs() >= 1e-3 {
        format!("{:+.2} %", 100.0 * d)
    } else {
        format!("{d:+.1e}")
    }
}
