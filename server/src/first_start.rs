//! Files the server owns on disk: the master key and the first PAT (both mode 0600).

use std::io::Write;
use std::path::Path;

use mailroom_core::private_files::create_private_dir;
use mailroom_core::secrets::MasterKey;

/// Creates the directory of `file` and proves it is writable, so that a bad data
/// directory fails at start with one clear line instead of later.
pub fn ensure_writable_dir(file: &Path) -> Result<(), String> {
    let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) else {
        return Ok(());
    };
    create_private_dir(dir)?;
    let probe = dir.join(format!(".mailroom-write-test-{}", std::process::id()));
    std::fs::write(&probe, b"")
        .and_then(|_| std::fs::remove_file(&probe))
        .map_err(|err| {
            format!(
                "the data directory {} is not writable: {err}",
                dir.display()
            )
        })
}

/// Mailroom's data directory (`MAILROOM_DATA_DIR`) is created, or tightened, to 0700:
/// it holds the database, the master key and the first PAT.
pub fn secure_data_dir(dir: &Path) -> Result<(), String> {
    create_private_dir(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(|err| {
            format!(
                "cannot restrict the data directory {} to its owner: {err}",
                dir.display()
            )
        })?;
    }
    Ok(())
}

/// Writes a secret file readable only by its owner.
pub fn write_secret_file(path: &Path, contents: &str) -> Result<(), String> {
    ensure_writable_dir(path)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options
        .open(path)
        .map_err(|err| format!("cannot write {}: {err}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // `mode` only applies to new files; an existing file is tightened too.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    file.write_all(contents.as_bytes())
        .and_then(|_| file.sync_all())
        .map_err(|err| format!("cannot write {}: {err}", path.display()))
}

/// The configured key, else the one in `path`, else a new one saved to `path`.
pub fn load_or_create_master_key(
    configured: Option<MasterKey>,
    path: &Path,
) -> Result<MasterKey, String> {
    if let Some(key) = configured {
        return Ok(key);
    }
    match std::fs::read_to_string(path) {
        Ok(text) => MasterKey::parse(&text).map_err(|why| format!("{}: {why}", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let key = MasterKey::generate();
            write_secret_file(path, &format!("{}\n", key.to_hex()))?;
            Ok(key)
        }
        Err(err) => Err(format!("cannot read {}: {err}", path.display())),
    }
}

/// Who claims this process's mails: the id in `<data dir>/instance.id` (made on
/// first start), held under an exclusive file lock for as long as the process runs.
/// Claims under the locked id are from an earlier run of this data directory, which
/// has stopped, and may be handed back at once. A process that finds the id held by
/// another live one claims under a fresh id of its own, so it hands back nothing.
pub struct Instance {
    pub id: String,
    /// The lock lives as long as this value (the kernel drops it with the process,
    /// also on SIGKILL).
    _lock: Option<std::fs::File>,
}

pub fn claim_instance_id(path: &Path) -> Result<Instance, String> {
    let id = match std::fs::read_to_string(path) {
        Ok(text) if !text.trim().is_empty() => text.trim().to_owned(),
        Ok(_) => return Err(format!("{} is empty", path.display())),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
            let id = format!("{:032x}", rand::random::<u128>());
            write_secret_file(path, &format!("{id}\n"))?;
            id
        }
        Err(err) => return Err(format!("cannot read {}: {err}", path.display())),
    };
    let file = std::fs::File::open(path)
        .map_err(|err| format!("cannot open {}: {err}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Instance {
            id,
            _lock: Some(file),
        }),
        // A second process on the same data directory (tests, or a copied one): its
        // claims must never be taken for a dead run's.
        Err(std::fs::TryLockError::WouldBlock) => Ok(Instance {
            id: format!("{id}-{:016x}", rand::random::<u64>()),
            _lock: None,
        }),
        Err(std::fs::TryLockError::Error(err)) => {
            Err(format!("cannot lock {}: {err}", path.display()))
        }
    }
}
