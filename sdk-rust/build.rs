//! Compiles ../proto with protox (no system protoc) and generates the prost
//! messages and tonic clients (plus servers with the `server` feature).

use std::{env, path::PathBuf};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let proto_root = manifest_dir.join("../proto");
    println!("cargo:rerun-if-changed={}", proto_root.display());

    let files = [
        "nexus/v1/event.proto",
        "nexus/v1/event_store.proto",
        "nexus/v1/command.proto",
        "nexus/v1/schema.proto",
        "nexus/v1/policy.proto",
        "nexus/v1/query.proto",
        "nexus/v1/temporal.proto",
        "nexus/v1/queue.proto",
        "nexus/v1/snapshot.proto",
        "nexus/v1/saga.proto",
        "nexus/v1/handler.proto",
    ];
    let mut compiler = protox::Compiler::new([&proto_root])?;
    compiler.include_imports(true).include_source_info(true).open_files(files)?;
    let fds = compiler.file_descriptor_set();

    // tonic's reflection service needs the encoded descriptor set; the
    // codegen below does not write it (see ../shared/TOOLING.md). Encoded by
    // protox itself, so custom options such as (nexus.v1.rpc) survive
    // (prost_types drops extension fields when re-encoding).
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    std::fs::write(out_dir.join("nexus_descriptor.bin"), compiler.encode_file_descriptor_set())?;

    tonic_prost_build::configure()
        .build_server(env::var_os("CARGO_FEATURE_SERVER").is_some())
        .build_client(true)
        .compile_fds(fds)?;
    Ok(())
}
