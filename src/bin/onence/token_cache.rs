//! The token cache: one file per account (base URL and client id) in the
//! state directory, so that a shell loop of `onence` runs shares one token
//! instead of minting one per run (1NCE allows 600 token requests a minute
//! per IP, and each token is some 3,000 characters).
//!
//! The file holds the token and its times, never the client secret. It is
//! made readable by its owner only, written whole to a new file and renamed
//! into place (two runs at once never leave half a file), and a file that
//! others may read is refused by name. The library's session decides when
//! the token is used, renewed, or dropped after the API refused it.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use onence::config::{StoredToken, TokenStore};
use onence::Secret;
use serde::{Deserialize, Serialize};

use crate::failure::Usage;
use crate::private_file;
use crate::state;

/// The largest cache file read: a token is some 3,000 characters.
const MAX_FILE: u64 = 64 * 1024;

/// One account's cached token.
#[derive(Debug)]
pub struct TokenCache {
    path: PathBuf,
    base_url: String,
    client_id: String,
}

/// The file's content.
#[derive(Serialize, Deserialize)]
struct Entry {
    base_url: String,
    client_id: String,
    access_token: Secret,
    /// Seconds since the Unix epoch.
    renew_at: u64,
    expires_at: u64,
}

impl TokenCache {
    /// The cache of the account at `base_url` with `client_id`, in the
    /// state directory. Refuses a cache file others may read, naming it.
    pub fn open(base_url: &str, client_id: &str) -> Result<TokenCache, Usage> {
        let key = state::key([base_url, client_id]);
        let path = state::dir().join("tokens").join(format!("{key:016x}.json"));
        if path.exists() {
            private_file::check(&path)?;
        }
        Ok(TokenCache {
            path,
            base_url: base_url.to_string(),
            client_id: client_id.to_string(),
        })
    }

    fn read(&self) -> Option<Entry> {
        // A file that became readable by others since `open` is not trusted.
        private_file::check(&self.path).ok()?;
        let mut text = String::new();
        std::fs::File::open(&self.path)
            .ok()?
            .take(MAX_FILE)
            .read_to_string(&mut text)
            .ok()?;
        let entry: Entry = serde_json::from_str(&text).ok()?;
        // Another account's file under the same key (a hash collision) is not ours.
        (entry.base_url == self.base_url && entry.client_id == self.client_id).then_some(entry)
    }

    /// Writes `entry` to a new file only its owner may read, then renames
    /// it over the old one.
    fn write(&self, entry: &Entry) -> std::io::Result<()> {
        let dir = self.path.parent().unwrap_or(Path::new("."));
        create_private_dir(dir)?;
        let name = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("token");
        let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let written = (|| {
            let _ = std::fs::remove_file(&temporary);
            let mut file = private_new_file(&temporary)?;
            file.write_all(&serde_json::to_vec(entry).map_err(std::io::Error::other)?)?;
            file.sync_all()?;
            std::fs::rename(&temporary, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }
}

impl TokenStore for TokenCache {
    fn load(&self) -> Option<StoredToken> {
        let entry = self.read()?;
        let at = |secs: u64| UNIX_EPOCH.checked_add(Duration::from_secs(secs));
        Some(StoredToken::new(
            entry.access_token,
            at(entry.renew_at)?,
            at(entry.expires_at)?,
        ))
    }

    fn save(&self, token: &StoredToken) {
        let secs = |t: SystemTime| t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
        let entry = Entry {
            base_url: self.base_url.clone(),
            client_id: self.client_id.clone(),
            access_token: token.access_token().clone(),
            renew_at: secs(token.renew_at()),
            expires_at: secs(token.expires_at()),
        };
        if let Err(e) = self.write(&entry) {
            tracing::debug!(path = %self.path.display(), error = %e, "cannot keep the token");
        }
    }

    fn forget(&self, token: &StoredToken) {
        if self
            .read()
            .is_some_and(|entry| entry.access_token == *token.access_token())
        {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(unix)]
fn private_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_new_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
}
