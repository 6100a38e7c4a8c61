//! Files and directories only their owner may read (SPEC §7 "Files").

use std::path::Path;

/// Creates `dir` (and missing parents) readable only by its owner (SPEC §7: 0700).
/// Existing directories are left as they are; the server tightens the data directory
/// itself.
pub fn create_private_dir(dir: &Path) -> Result<(), String> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(dir)
        .map_err(|err| format!("cannot create the data directory {}: {err}", dir.display()))
}
