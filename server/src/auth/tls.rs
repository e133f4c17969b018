//! TLS and mutual TLS on the gRPC listener (rustls through tonic).
//!
//! The PEM files are parsed here first, so that a wrong file gives an error
//! naming it rather than a generic TLS failure.

use std::path::Path;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tonic::transport::{Certificate, Identity, ServerTlsConfig};

use crate::config::TlsConfig;

/// How long a client has to finish the TLS handshake.
const HANDSHAKE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A TLS file that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{path}: {detail}")]
pub struct TlsFileError {
    path: String,
    detail: String,
}

fn file_error(path: &Path, detail: impl Into<String>) -> TlsFileError {
    TlsFileError { path: path.display().to_string(), detail: detail.into() }
}

/// Reads a PEM file holding at least one certificate.
pub fn read_certificates(path: &Path) -> Result<Vec<u8>, TlsFileError> {
    let pem = std::fs::read(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
    let certs: Result<Vec<CertificateDer<'_>>, _> = CertificateDer::pem_slice_iter(&pem).collect();
    match certs {
        Ok(certs) if !certs.is_empty() => Ok(pem),
        Ok(_) => Err(file_error(path, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)")),
        Err(e) => Err(file_error(path, format!("bad PEM: {e}"))),
    }
}

/// Reads a PEM file holding a private key.
pub fn read_private_key(path: &Path) -> Result<Vec<u8>, TlsFileError> {
    let pem = std::fs::read(path).map_err(|e| file_error(path, format!("cannot read: {e}")))?;
    PrivateKeyDer::from_pem_slice(&pem)
        .map_err(|e| file_error(path, format!("holds no usable PEM private key (PKCS#8, PKCS#1 or SEC1): {e}")))?;
    Ok(pem)
}

/// The listener's TLS configuration, or `None` when TLS is off.
pub fn server_config(config: &TlsConfig) -> Result<Option<ServerTlsConfig>, TlsFileError> {
    let (Some(cert_file), Some(key_file)) = (&config.cert_file, &config.key_file) else {
        return Ok(None);
    };
    // tonic builds the listener's rustls config with the process's default
    // provider, which rustls cannot choose itself once a dependency (the
    // opensearch crate's reqwest) compiles in aws-lc-rs beside ring.
    // Installing fails only when one is installed already, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let identity = Identity::from_pem(read_certificates(cert_file)?, read_private_key(key_file)?);
    let mut tls = ServerTlsConfig::new().identity(identity).timeout(HANDSHAKE_TIMEOUT);
    if let Some(ca_file) = &config.client_ca_file {
        // Required, not optional: a client without a certificate signed by
        // this CA fails the handshake.
        tls = tls.client_ca_root(Certificate::from_pem(read_certificates(ca_file)?)).client_auth_optional(false);
    }
    Ok(Some(tls))
}
