//! Running the Rego tests of a policy directory, like `opa test`: every rule
//! named `test_*` in a `*_test.rego` file, evaluated with the directory's
//! policies and data; a test passes when its rule is `true`.

use std::{
    path::Path,
    time::{Duration, Instant},
};

use regorus::unstable::{Expr, Rule, RuleHead};

use super::{
    PolicyError,
    source::{self, FileKind},
};

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Pass,
    /// The rule was false or undefined.
    Fail,
    /// The evaluation failed (e.g. a runtime error in Rego).
    Error(String),
}

/// One test's result.
#[derive(Debug, Clone)]
pub struct TestResult {
    /// The test file, relative to the policy directory.
    pub file: String,
    /// Full rule path, e.g. `data.nexus.authz_test.test_reader_reads`.
    pub name: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

/// Every test of a directory, in file order then source order.
#[derive(Debug, Clone, Default)]
pub struct TestRun {
    pub results: Vec<TestResult>,
}

impl TestRun {
    pub fn passed(&self) -> usize {
        self.results.iter().filter(|r| r.outcome == Outcome::Pass).count()
    }

    pub fn all_passed(&self) -> bool {
        self.passed() == self.results.len()
    }
}

/// Loads `dir` with its tests and runs every `test_*` rule of its
/// `*_test.rego` files. Errors when the directory does not load.
pub fn run_tests(dir: &Path) -> Result<TestRun, PolicyError> {
    let files = source::read_dir(dir)?;
    let built = source::build(&files, true)?;
    let mut engine = built.engine;
    let test_files: Vec<&str> = files.iter().filter(|f| f.kind == FileKind::Test).map(|f| f.rel.as_str()).collect();

    // (file, rule path) of every test rule, once each (a rule may have several
    // definitions), in source order.
    let mut tests: Vec<(String, String)> = Vec::new();
    for module in engine.get_modules() {
        let file = module.package.span.source.get_path().clone();
        if !test_files.contains(&file.as_str()) {
            continue;
        }
        let package = module.package.refr.span().text().to_owned();
        for rule in &module.policy {
            let head = match rule.as_ref() {
                Rule::Spec { head: RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. }, .. } => refr,
                _ => continue,
            };
            let Expr::Var { span, .. } = head.as_ref() else { continue };
            let name = span.text();
            if !name.starts_with("test_") {
                continue;
            }
            let path = format!("data.{package}.{name}");
            if !tests.iter().any(|(_, p)| *p == path) {
                tests.push((file.clone(), path));
            }
        }
    }

    let mut run = TestRun::default();
    for (file, name) in tests {
        let started = Instant::now();
        let outcome = match engine.eval_rule(name.clone()) {
            Ok(regorus::Value::Bool(true)) => Outcome::Pass,
            Ok(_) => Outcome::Fail,
            Err(error) => Outcome::Error(format!("{error:#}")),
        };
        run.results.push(TestResult { file, name, outcome, duration: started.elapsed() });
    }
    Ok(run)
}
