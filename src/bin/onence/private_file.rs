//! Files only their owner may read: the secret files a profile names, and
//! the CLI's token cache.

use std::path::Path;

use crate::failure::Usage;

/// Refuses a file others may read (or write): it holds a secret, and a
/// secret kept where others read it is no longer one. Names the file and
/// the fix.
#[cfg(unix)]
pub fn check(path: &Path) -> Result<(), Usage> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|e| Usage(format!("{}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Usage(format!(
            "{} holds a secret but others may read it (mode {:o}); run chmod 600 on it",
            path.display(),
            mode & 0o777
        )));
    }
    Ok(())
}

/// On systems without Unix modes there is nothing to check.
#[cfg(not(unix))]
pub fn check(_: &Path) -> Result<(), Usage> {
    Ok(())
}
