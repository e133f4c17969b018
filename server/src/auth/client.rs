//! How the `nexus` subcommands that call a server (`bench`, `schema
//! check/sync --server`) present a token and speak TLS.

use std::path::PathBuf;

use anyhow::Context;
use nexus_sdk::BearerToken;
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint, Identity},
};

use super::tls::{read_certificates, read_private_key};

/// A channel that sends the bearer token (if any) with every call.
pub type AuthedChannel = InterceptedService<Channel, BearerToken>;

/// Credentials and TLS options of a client subcommand.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ClientAuthArgs {
    /// Bearer token (JWT) sent with every call, for a server in auth mode
    /// `jwt` (see `nexus auth token`).
    #[arg(long, env = "NEXUS_TOKEN", value_name = "JWT", hide_env_values = true)]
    pub token: Option<String>,
    /// PEM CA certificate to trust for an `https://` server (default: none,
    /// so give it for TLS).
    #[arg(long, value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
    /// PEM client certificate, for a server that requires mutual TLS.
    #[arg(long, value_name = "FILE", requires = "key_file")]
    pub cert_file: Option<PathBuf>,
    /// PEM private key of --cert-file.
    #[arg(long, value_name = "FILE", requires = "cert_file")]
    pub key_file: Option<PathBuf>,
}

impl ClientAuthArgs {
    /// The interceptor adding the token.
    pub fn interceptor(&self) -> anyhow::Result<BearerToken> {
        BearerToken::optional(self.token.as_deref()).context("invalid --token / NEXUS_TOKEN")
    }

    /// Applies the TLS options to an endpoint. An `https://` URL needs
    /// `--ca-file`; TLS options with an `http://` URL are an error rather
    /// than silently unused.
    pub fn configure(&self, endpoint: Endpoint) -> anyhow::Result<Endpoint> {
        let https = endpoint.uri().scheme_str() == Some("https");
        let wants_tls = self.ca_file.is_some() || self.cert_file.is_some();
        if !https {
            anyhow::ensure!(!wants_tls, "--ca-file/--cert-file need an https:// server URL");
            return Ok(endpoint);
        }
        let ca_file =
            self.ca_file.as_ref().context("an https:// server needs --ca-file (the CA that signed its certificate)")?;
        let mut tls = ClientTlsConfig::new().ca_certificate(Certificate::from_pem(read_certificates(ca_file)?));
        if let (Some(cert), Some(key)) = (&self.cert_file, &self.key_file) {
            tls = tls.identity(Identity::from_pem(read_certificates(cert)?, read_private_key(key)?));
        }
        endpoint.tls_config(tls).context("invalid TLS configuration")
    }
}
