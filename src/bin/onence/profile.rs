//! Profiles: several 1NCE accounts in one configuration file, chosen with
//! `--profile NAME` or `ONENCE_PROFILE`, instead of swapping variables.
//!
//! ```toml
//! # ~/.config/onence/config.toml (or $ONENCE_CONFIG)
//! [profiles.production]
//! client_id = "1234567_api-user"
//!
//! [profiles.staging]
//! client_id = "7654321_api-user"
//! base_url = "https://staging.example/management-api"
//! secret = "…"   # only in a file no one else can read (mode 0600)
//! token_cache = false   # ask for a new token on every run
//! ```
//!
//! A chosen profile's values win over flags and environment variables (one
//! account's client id never meets another's secret); what it lacks comes
//! from them. The secret comes from the profile, else `ONENCE_CLIENT_SECRET`,
//! else a prompt.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::failure::Usage;

/// One account's settings.
#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// The API user's client id.
    pub client_id: Option<String>,
    /// The API's base URL.
    pub base_url: Option<String>,
    /// The client secret (refused unless the file is private to its owner).
    pub secret: Option<String>,
    /// Whether runs share a token kept in the state directory (default true).
    pub token_cache: Option<bool>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Profile")
            .field("client_id", &self.client_id)
            .field("base_url", &self.base_url)
            .field(
                "secret",
                &self.secret.as_ref().map(|_| onence::mcp::REDACTED),
            )
            .field("token_cache", &self.token_cache)
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// The configuration file: `$ONENCE_CONFIG`, or `config.toml` in the
/// platform's configuration directory (`~/.config/onence` on Linux).
pub fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ONENCE_CONFIG").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "onence").map(|d| d.config_dir().join("config.toml"))
}

/// The configuration file's profiles, read and parsed.
fn read_file() -> Result<(PathBuf, File), Usage> {
    let path = path().ok_or_else(|| Usage("no configuration directory on this system".into()))?;
    let text = std::fs::read_to_string(&path)
        .map_err(|e| Usage(format!("profiles: cannot read {}: {e}", path.display())))?;
    let file: File =
        toml::from_str(&text).map_err(|e| Usage(format!("{}: {e}", path.display())))?;
    Ok((path, file))
}

/// The profile named `name`; `None` when no profile was asked for.
pub fn load(name: Option<&str>) -> Result<Option<Profile>, Usage> {
    let Some(name) = name else {
        return Ok(None);
    };
    let (path, mut file) = read_file()?;
    let profile = file.profiles.remove(name).ok_or_else(|| {
        let names: Vec<&String> = file.profiles.keys().collect();
        Usage(format!(
            "{} has no profile {name:?} (it has {names:?})",
            path.display()
        ))
    })?;
    if profile.secret.is_some() {
        crate::private_file::check(&path)?;
    }
    Ok(Some(profile))
}

/// The names of every profile in the configuration file, sorted.
pub fn names() -> Result<Vec<String>, Usage> {
    let (path, file) = read_file()?;
    if file.profiles.is_empty() {
        return Err(Usage(format!("{} has no profiles", path.display())));
    }
    Ok(file.profiles.into_keys().collect())
}
