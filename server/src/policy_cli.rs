//! `nexus policy test`: the Rego tests of a policy directory, reported like
//! `opa test`.

use std::{path::PathBuf, process::ExitCode, time::Duration};

use crate::core::policy::testing::{Outcome, TestResult, run_tests};

#[derive(Debug, clap::Args)]
pub struct TestArgs {
    /// The policy directory: every `test_*` rule of its `*_test.rego` files
    /// runs with its policies and data.
    #[arg(long, default_value = "policies", value_name = "DIR")]
    pub dir: PathBuf,
    /// Print every test, not only those that failed.
    #[arg(long, short = 'v')]
    pub verbose: bool,
}

/// Runs the tests; exit code 1 when one fails or the directory does not load.
pub fn test(args: TestArgs) -> ExitCode {
    let run = match run_tests(&args.dir) {
        Ok(run) => run,
        Err(error) => {
            eprintln!("policies in {} do not load: {error}", args.dir.display());
            if let crate::core::policy::PolicyError::Parse { detail, .. } = &error {
                eprintln!("{detail}");
            }
            return ExitCode::FAILURE;
        }
    };
    let mut file = None;
    for result in &run.results {
        if !(args.verbose || result.outcome != Outcome::Pass) {
            continue;
        }
        if file != Some(&result.file) {
            println!("{}:", args.dir.join(&result.file).display());
            file = Some(&result.file);
        }
        println!("{}", line(result));
    }
    let total = run.results.len();
    let passed = run.passed();
    if total == 0 {
        println!("no tests found in {}", args.dir.display());
        return ExitCode::FAILURE;
    }
    println!("{}", "-".repeat(80));
    if passed == total {
        println!("PASS: {passed}/{total}");
        ExitCode::SUCCESS
    } else {
        if passed > 0 {
            println!("PASS: {passed}/{total}");
        }
        println!("FAIL: {}/{total}", total - passed);
        ExitCode::FAILURE
    }
}

fn line(result: &TestResult) -> String {
    let took = duration(result.duration);
    match &result.outcome {
        Outcome::Pass => format!("{}: PASS ({took})", result.name),
        Outcome::Fail => format!("{}: FAIL ({took})", result.name),
        Outcome::Error(error) => {
            format!("{}: ERROR ({took})\n  {}", result.name, error.trim().replace('\n', "\n  "))
        }
    }
}

fn duration(d: Duration) -> String {
    if d < Duration::from_millis(1) {
        format!("{}µs", d.as_micros())
    } else {
        format!("{:.1}ms", d.as_secs_f64() * 1e3)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    const POLICY: &str =
        "package nexus.authz\n\nimport rego.v1\n\ndefault allow := false\n\nallow if input.method == \"ReadStream\"\n";

    fn run(test_rego: &str, policy: &str) -> ExitCode {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("authz")).unwrap();
        std::fs::write(dir.path().join("authz/authz.rego"), policy).unwrap();
        std::fs::write(dir.path().join("authz/authz_test.rego"), test_rego).unwrap();
        test(TestArgs { dir: dir.path().to_path_buf(), verbose: true })
    }

    const HEAD: &str = "package nexus.authz_test\n\nimport rego.v1\n\nimport data.nexus.authz\n\n";

    #[test]
    fn passing_tests_exit_zero() {
        let rego = format!("{HEAD}test_reads if authz.allow with input as {{\"method\": \"ReadStream\"}}\n");
        assert_eq!(run(&rego, POLICY), ExitCode::SUCCESS);
    }

    #[test]
    fn a_deliberately_failing_test_fails_the_run() {
        let rego = format!(
            "{HEAD}test_reads if authz.allow with input as {{\"method\": \"ReadStream\"}}\n\n\
             test_deletes if authz.allow with input as {{\"method\": \"DeleteStream\"}}\n"
        );
        assert_eq!(run(&rego, POLICY), ExitCode::FAILURE);
    }

    #[test]
    fn a_policy_that_does_not_load_fails_the_run() {
        let rego = format!("{HEAD}test_reads if authz.allow\n");
        assert_eq!(run(&rego, "package nexus.authz\n\nallow if {\n"), ExitCode::FAILURE);
    }

    #[test]
    fn no_tests_fails_the_run() {
        assert_eq!(run(HEAD, POLICY), ExitCode::FAILURE);
    }
}
