//! A certificate served from PEM files and replaced without a restart:
//! each handshake takes the pair in force, [`ServerTls::reload`] (on
//! SIGHUP) reads the files again, and [`ServerTls::watch`] does when they
//! change, as a renewal (Let's Encrypt's every 60–90 days) does. A new
//! pair that does not load, or whose key does not match, is refused with
//! a log line naming the file, and the old one stays.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;

/// How often [`ServerTls::watch`] looks at the files.
pub const WATCH_INTERVAL: Duration = Duration::from_secs(2);

/// The files of the pair, and the pair in force.
pub struct ServerTls {
    cert: PathBuf,
    key: PathBuf,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
    /// The files' bytes last read (loaded or refused), so that a change is
    /// noticed once.
    seen: Mutex<(Vec<u8>, Vec<u8>)>,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("cert", &self.cert)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Loads the PEM certificate chain at `cert` and its private key at
    /// `key`; the error names the file that is wrong.
    pub fn load(cert: impl AsRef<Path>, key: impl AsRef<Path>) -> Result<Arc<ServerTls>, String> {
        let provider = crate::transport::tls_provider::provider();
        let (cert, key) = (cert.as_ref().to_path_buf(), key.as_ref().to_path_buf());
        let bytes = read_pair(&cert, &key)?;
        let pair = certified(&cert, &key, &bytes, &provider)?;
        Ok(Arc::new(ServerTls {
            cert,
            key,
            provider,
            current: RwLock::new(Arc::new(pair)),
            seen: Mutex::new(bytes),
        }))
    }

    /// Reads the files again and puts the pair in force; on an error the
    /// old pair stays, and the error names the file.
    pub fn reload(&self) -> Result<(), String> {
        let bytes = read_pair(&self.cert, &self.key)?;
        *self.seen.lock().unwrap_or_else(|e| e.into_inner()) = bytes.clone();
        let pair = certified(&self.cert, &self.key, &bytes, &self.provider)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(pair);
        Ok(())
    }

    /// Reloads whenever the files' contents change, every [`WATCH_INTERVAL`],
    /// until the returned task is aborted; a pair that does not load is
    /// logged once and the old one kept.
    pub fn watch(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let tls = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(WATCH_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                // Mid-renewal a file can be missing for a moment.
                let Ok(now) = read_pair(&tls.cert, &tls.key) else {
                    continue;
                };
                if *tls.seen.lock().unwrap_or_else(|e| e.into_inner()) != now {
                    tls.log(tls.reload());
                }
            }
        })
    }

    /// Logs what a reload did.
    pub fn log(&self, outcome: Result<(), String>) {
        match outcome {
            Ok(()) => {
                tracing::info!(cert = %self.cert.display(), "TLS certificate (re)loaded")
            }
            Err(e) => {
                tracing::warn!(error = %e, "the new TLS certificate was refused; the old one stays")
            }
        }
    }

    /// The rustls settings that serve the pair in force (HTTP/1.1).
    pub(crate) fn server_config(self: &Arc<Self>) -> Arc<rustls::ServerConfig> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map(|b| b.with_no_client_auth())
            .unwrap_or_else(|_| rustls::ServerConfig::builder().with_no_client_auth())
            .with_cert_resolver(self.clone());
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl ResolvesServerCert for ServerTls {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(
            self.current
                .read()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        )
    }
}

fn read_pair(cert: &Path, key: &Path) -> Result<(Vec<u8>, Vec<u8>), String> {
    let read = |path: &Path, what: &str| {
        std::fs::read(path).map_err(|e| format!("TLS {what} {}: {e}", path.display()))
    };
    Ok((read(cert, "certificate")?, read(key, "key")?))
}

fn certified(
    cert: &Path,
    key: &Path,
    (cert_pem, key_pem): &(Vec<u8>, Vec<u8>),
    provider: &CryptoProvider,
) -> Result<CertifiedKey, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("TLS certificate {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(format!(
            "TLS certificate {}: no certificate in it",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("TLS key {}: {e}", key.display()))?;
    let signer = provider
        .key_provider
        .load_private_key(private)
        .map_err(|e| format!("TLS key {}: {e}", key.display()))?;
    let pair = CertifiedKey::new(chain, signer);
    pair.keys_match().map_err(|e| {
        format!(
            "TLS key {} does not belong to certificate {}: {e}",
            key.display(),
            cert.display()
        )
    })?;
    Ok(pair)
}
