//! Phase timings of the direct solver on the chip-on-glass block (a
//! diagnostic): METIS settings against fill and flops, faer's AMD for
//! comparison, the real stiffness through the analysis driver, and numeric
//! factorisation on 1 and 2 threads.
//! `cargo run --release -p benches --bin phase -- <in-plane size mm>`
use faer::sparse::linalg::cholesky::{factorize_symbolic_cholesky, SymmetricOrdering};
use mesher::CellKind;
use solver::assembly::{DofMap, Pattern};
use solver::linear::{DirectCholesky, LinearSolver};
use std::time::Instant;
fn main() {
    let h: f64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.5);
    let model = validation::models::cog_block(h, 2, CellKind::Hex20R);
    let adj = model.mesh.node_adjacency();
    let t = Instant::now();
    let order = solver::ordering::nested_dissection(&adj.0, &adj.1);
    println!("metis {:.3} s", t.elapsed().as_secs_f64());
    let dofs = DofMap::new(&order, &model.used_nodes(), &model.steps[0].constraints);
    let p = Pattern::new((&adj.0, &adj.1), &dofs);
    let t = Instant::now();
    let mut d = DirectCholesky::analyse(&p).unwrap();
    println!(
        "{} DOF, nnz(A upper) {}, symbolic {:.3} s, factor nnz {} ({:.2} GB)",
        p.n,
        p.nnz(),
        t.elapsed().as_secs_f64(),
        d.factor_nnz(),
        d.factor_nnz() as f64 * 8e-9
    );
    println!("factor flops {:.3e}", d.factor_flops().unwrap_or(0.0));
    metis_settings(&model, &adj);
    amd_fill(&model, &adj);
    let mut vals = vec![-0.01; p.nnz()];
    for j in 0..p.n {
        vals[p.col_ptr[j + 1] as usize - 1] = 1000.0;
    }
    real_matrix(&model);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        pool.install(|| {
            let t = Instant::now();
            d.factorize(&p, &vals).unwrap();
            let f = t.elapsed().as_secs_f64();
            let mut rhs = vec![1.0; p.n];
            let t = Instant::now();
            d.solve(&mut rhs).unwrap();
            println!(
                "{threads} thread(s): numeric {f:.3} s, solve {:.3} s",
                t.elapsed().as_secs_f64()
            );
        });
    }
}

type Adjacency = (Vec<usize>, Vec<usize>);

/// Fill and flops of the factor for four METIS settings.
fn metis_settings(model: &solver::model::Model, adj: &Adjacency) {
    for (seps, iters) in [(1, 10), (3, 10), (5, 20), (10, 30)] {
        let t = Instant::now();
        let o = solver::ordering::nested_dissection_with(
            &adj.0,
            &adj.1,
            &solver::ordering::NdOptions {
                separators: seps,
                iterations: iters,
                ccorder: false,
            },
        );
        let secs = t.elapsed().as_secs_f64();
        let dm = DofMap::new(&o, &model.used_nodes(), &model.steps[0].constraints);
        let pm = Pattern::new((&adj.0, &adj.1), &dm);
        let dd = DirectCholesky::analyse(&pm).unwrap();
        println!(
            "NSEPS {seps} NITER {iters}: metis {secs:.2} s, factor nnz {}, flops {:.3e}",
            dd.factor_nnz(),
            dd.factor_flops().unwrap_or(0.0)
        );
    }
}

/// faer's AMD on the natural order, for comparison.
fn amd_fill(model: &solver::model::Model, adj: &Adjacency) {
    let natural: Vec<usize> = (0..model.mesh.num_nodes()).collect();
    let dn = DofMap::new(&natural, &model.used_nodes(), &model.steps[0].constraints);
    let pn = Pattern::new((&adj.0, &adj.1), &dn);
    let sym = faer::sparse::SymbolicSparseColMatRef::new_checked(
        pn.n,
        pn.n,
        &pn.col_ptr,
        None,
        &pn.row_idx,
    );
    let amd = factorize_symbolic_cholesky(
        sym,
        faer::Side::Upper,
        SymmetricOrdering::Amd,
        Default::default(),
    )
    .unwrap();
    println!("faer AMD factor nnz {}", amd.len_val());
}

/// The real stiffness through the analysis driver, in the global pool and
/// in a 2-thread one.
fn real_matrix(model: &solver::model::Model) {
    let t = Instant::now();
    let r = solver::analysis::StaticAnalysis::new(model, solver::linear::SolverChoice::Direct)
        .solve_step(&model.steps[0])
        .unwrap();
    println!(
        "real matrix, global pool: assembly {:.3} s, solve {:.3} s, total {:.3} s",
        r.assembly_seconds,
        r.solve_seconds,
        t.elapsed().as_secs_f64()
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    pool.install(|| {
        let r = solver::analysis::StaticAnalysis::new(model, solver::linear::SolverChoice::Direct)
            .solve_step(&model.steps[0])
            .unwrap();
        println!(
            "real matrix, 2-thread pool: assembly {:.3} s, solve {:.3} s",
            r.assembly_seconds, r.solve_seconds
        );
    });
}
