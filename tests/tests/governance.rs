//! `nexus governance check` as CI runs it: the repository passes, and a
//! manifest breaking the rules fails with one line per violation.

use std::process::Command;

use nexus_e2e::{find_binary, workspace_root};

fn governance(args: &[&str]) -> std::process::Output {
    Command::new(find_binary())
        .args(["governance", "check", "--repo"])
        .arg(workspace_root())
        .args(args)
        .output()
        .expect("run nexus governance check")
}

#[test]
fn the_repository_passes_and_a_violating_manifest_fails() {
    let passed = governance(&["--print-manifest"]);
    let stdout = String::from_utf8_lossy(&passed.stdout);
    assert!(passed.status.success(), "the repository must pass: {}{}", stdout, String::from_utf8_lossy(&passed.stderr));
    assert!(stdout.contains("governance check passed"), "{stdout}");

    // The derived manifest, broken three ways.
    let json_end = stdout.rfind("governance check passed").expect("verdict line");
    let mut manifest: serde_json::Value = serde_json::from_str(&stdout[..json_end]).expect("printed manifest");
    manifest["handlers"][0]["event_types"].as_array_mut().expect("event types").push("AccountFrozen".into());
    manifest["rpcs"].as_array_mut().expect("rpcs").push(serde_json::json!({
        "service": "nexus.v1.EventStoreService", "method": "RewriteEvent", "effect": "MODIFY_EVENTS", "temporal": false
    }));
    manifest["modules"].as_array_mut().expect("modules").push(serde_json::json!({
        "name": "core::projection", "file": "core/projection.rs", "uses": ["core::model", "core::command"]
    }));
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("manifest.json");
    std::fs::write(&path, manifest.to_string()).expect("write manifest");

    let failed = governance(&["--manifest", path.to_str().expect("utf-8 path")]);
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert_eq!(failed.status.code(), Some(1), "a violating manifest fails: {stderr}");
    assert!(stderr.contains("3 violation(s)"), "{stderr}");
    assert!(stderr.contains("aggregate account can emit AccountFrozen"), "{stderr}");
    assert!(stderr.contains("RPC nexus.v1.EventStoreService/RewriteEvent has effect MODIFY_EVENTS"), "{stderr}");
    assert!(
        stderr.contains("query-side module core::projection (core/projection.rs) uses command-side core::command"),
        "{stderr}"
    );
}
