//! The deck reader on arbitrary text, and the solver on what it accepts
//! when the model is small: any outcome but a panic, an abort or a hang.
#![no_main]
use libfuzzer_sys::fuzz_target;
use solver::analysis::StaticAnalysis;
use solver::io::deck::parse_deck;
use solver::linear::SolverChoice;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(deck) = parse_deck(text, std::path::Path::new("fuzz.inp")) else {
        return;
    };
    if deck.model.mesh.num_nodes() > 5_000 {
        return;
    }
    solver::memory::set_budget(1 << 30);
    let mut analysis = StaticAnalysis::new(&deck.model, SolverChoice::Direct);
    for step in &deck.model.steps {
        if analysis.solve_step(step).is_err() {
            break;
        }
    }
});
