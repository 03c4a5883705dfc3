//! The one rustls crypto provider every TLS connection of the crate uses:
//! the API client's (through reqwest) and our servers'. Exactly one is
//! chosen: ring when the `rustls-ring` feature is on, aws-lc-rs (the
//! default feature `rustls-aws-lc-rs`) otherwise. A provider the process
//! installed itself comes first.

/// Makes ring the process's default provider, with `rustls-ring`, so that
/// reqwest (built without a provider of its own) finds it. Installing
/// twice, or after the process installed one, keeps the first.
pub(crate) fn install() {
    #[cfg(feature = "rustls-ring")]
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The provider our servers' TLS uses.
#[cfg(feature = "server")]
pub(crate) fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    install();
    if let Some(installed) = rustls::crypto::CryptoProvider::get_default() {
        return installed.clone();
    }
    #[cfg(feature = "rustls-aws-lc-rs")]
    let chosen = rustls::crypto::aws_lc_rs::default_provider();
    #[cfg(not(feature = "rustls-aws-lc-rs"))]
    let chosen = rustls::crypto::ring::default_provider();
    std::sync::Arc::new(chosen)
}
