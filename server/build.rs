//! Compiles `proto/` (the trimmed ZITADEL definitions) with protox, a pure-Rust
//! `.proto` compiler (no protoc download), into tonic servers and clients, and keeps
//! the descriptor set for server reflection and the wire-compatibility check.

use std::path::{Path, PathBuf};

use prost::Message;

fn proto_files(dir: &Path, root: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            proto_files(&path, root, found)?;
        } else if path.extension().is_some_and(|e| e == "proto") {
            found.push(path.strip_prefix(root).unwrap_or(&path).to_owned());
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from("../proto");
    println!("cargo:rerun-if-changed=../proto");
    let mut files = Vec::new();
    proto_files(&root, &root, &mut files)?;
    files.sort();
    let descriptors = protox::compile(&files, [&root])?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?);
    std::fs::write(out.join("descriptors.bin"), descriptors.encode_to_vec())?;
    tonic_prost_build::configure()
        .build_server(true)
        .build_client(true)
        .build_transport(false)
        .include_file("protos.rs")
        .compile_fds(descriptors)?;
    Ok(())
}
