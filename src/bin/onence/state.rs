//! Where the CLI keeps what outlives one run: bulk jobs' journals and the
//! token cache.

use std::path::{Path, PathBuf};

/// `$ONENCE_STATE_DIR`, else the platform's state directory
/// (`$XDG_STATE_HOME/onence`, by default `~/.local/state/onence`), else its
/// local data directory. Never the temporary directory: a reboot empties
/// it, and a resumed top-up job would then send billed chunks again.
pub fn dir() -> PathBuf {
    match std::env::var_os("ONENCE_STATE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => platform_dir(),
    }
}

/// The platform's place for state that must outlive a reboot.
pub fn platform_dir() -> PathBuf {
    let dirs = directories::ProjectDirs::from("", "", "onence");
    dirs.as_ref()
        .and_then(|d| d.state_dir().map(Path::to_path_buf))
        .or_else(|| dirs.as_ref().map(|d| d.data_local_dir().to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(".onence-state"))
}

/// A stable 64-bit key of `parts` (FNV-1a over each part and a newline),
/// for file names that must be the same in every run and on every build
/// (the standard library's hasher promises neither).
pub fn key<'a>(parts: impl IntoIterator<Item = &'a str>) -> u64 {
    parts
        .into_iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, part| {
            part.bytes()
                .chain([b'\n'])
                .fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// State outlives a reboot: never under the temporary directory, which
    /// a reboot empties (a resumed top-up would then bill chunks again).
    #[test]
    fn state_is_kept_where_a_reboot_leaves_it() {
        let dir = platform_dir();
        assert!(!dir.starts_with(std::env::temp_dir()), "{}", dir.display());
    }

    /// The key tells its parts apart, and how they are split.
    #[test]
    fn keys_differ_with_their_parts() {
        assert_eq!(key(["a", "b"]), key(["a", "b"]));
        assert_ne!(key(["a", "b"]), key(["b", "a"]));
        assert_ne!(key(["ab"]), key(["a", "b"]));
    }
}
