//! Server configuration: defaults → `nexus.toml` → `NEXUS_*` environment
//! variables (`__` separates nested keys) → command-line flags, then one
//! [`Config::validate`].

use std::{
    net::SocketAddr,
    path::{Path, PathBuf},
    time::Duration,
};

use figment::{
    Figment,
    providers::{Env, Format, Serialized, Toml},
};
use serde::{Deserialize, Serialize};

use crate::{adapters::sqlite::SqliteEventStoreConfig, core::schema::Compatibility};

/// Everything `nexus serve` can be told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address of the gRPC listener. Loopback by default.
    pub listen: SocketAddr,
    /// Directory holding the embedded backends' files.
    pub data_dir: PathBuf,
    /// Logging.
    pub log: LogConfig,
    /// Which event store to use, and its settings.
    pub event_store: EventStoreConfig,
    /// The command pipeline.
    pub commands: CommandsConfig,
    /// Request limits.
    pub limits: LimitsConfig,
    /// Schema governance.
    pub schemas: SchemasConfig,
    /// Rego policies (authorization of every RPC, rules on every event).
    pub policies: PoliciesConfig,
    /// How long a graceful shutdown waits for in-flight requests.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 50051)),
            data_dir: PathBuf::from("nexus-data"),
            log: LogConfig::default(),
            event_store: EventStoreConfig::default(),
            commands: CommandsConfig::default(),
            limits: LimitsConfig::default(),
            schemas: SchemasConfig::default(),
            policies: PoliciesConfig::default(),
            shutdown_grace: Duration::from_secs(10),
        }
    }
}

/// Log output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// `text` for people, `json` for log pipelines.
    pub format: LogFormat,
    /// A tracing filter such as `info` or `nexus_server=debug,info`;
    /// `RUST_LOG` wins when set.
    pub filter: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self { format: LogFormat::Text, filter: "info".into() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    Text,
    Json,
}

/// The event store backend, chosen by `backend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "backend", rename_all = "snake_case")]
pub enum EventStoreConfig {
    /// SQLite in `data_dir` (the default).
    Embedded(SqliteEventStoreConfig),
}

impl Default for EventStoreConfig {
    fn default() -> Self {
        EventStoreConfig::Embedded(SqliteEventStoreConfig::default())
    }
}

/// The command pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CommandsConfig {
    /// Re-decisions after a concurrent write before a command gives up.
    pub max_conflict_retries: u32,
    /// Serve the example bank-account domain (aggregate type `account`).
    pub example_domain: bool,
}

impl Default for CommandsConfig {
    fn default() -> Self {
        Self { max_conflict_retries: 8, example_domain: true }
    }
}

/// Schema governance: the registry and how events are checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SchemasConfig {
    /// The schema catalog (one folder per event type) registered at start.
    /// A missing folder is skipped with a warning; an incompatible change in
    /// it stops the server from starting.
    pub dir: Option<PathBuf>,
    /// Store events whose type has no registered schema, unchecked. Off by
    /// default: every event must match a registered schema.
    pub allow_unregistered: bool,
    /// The compatibility mode of subjects that set none (until changed
    /// through SchemaService.SetCompatibility).
    pub default_compatibility: Compatibility,
    /// How long subject settings are cached before they are read again
    /// (changes made through this server apply at once).
    #[serde(with = "humantime_serde")]
    pub cache_ttl: Duration,
}

impl Default for SchemasConfig {
    fn default() -> Self {
        Self {
            dir: Some(PathBuf::from("schemas")),
            allow_unregistered: false,
            default_compatibility: Compatibility::Backward,
            cache_ttl: Duration::from_secs(5),
        }
    }
}

/// Rego policies, evaluated in-process (see docs/POLICIES.md).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PoliciesConfig {
    /// The policy directory, relative to the working directory: every
    /// `*.rego` in it (tests excluded) and every `*.json` data file, loaded at
    /// start. A policy that does not parse stops the server from starting.
    pub dir: PathBuf,
    /// Reload when the files change (checked every second). A broken change
    /// is logged and the previous policies stay active.
    pub watch: bool,
}

impl Default for PoliciesConfig {
    fn default() -> Self {
        Self { dir: PathBuf::from("policies"), watch: true }
    }
}

/// Request limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsConfig {
    /// Most events in one append.
    pub max_events_per_append: usize,
    /// Largest event payload, in bytes.
    pub max_event_bytes: usize,
    /// Largest gRPC message, in bytes.
    pub max_message_bytes: usize,
    /// Largest page of a read.
    pub max_page_size: u32,
}

impl Default for LimitsConfig {
    fn default() -> Self {
        Self {
            max_events_per_append: 10_000,
            max_event_bytes: 1024 * 1024,
            max_message_bytes: 32 * 1024 * 1024,
            max_page_size: 4096,
        }
    }
}

/// Top-level keys, so that unrelated `NEXUS_*` variables are not mistaken
/// for configuration.
const TOP_LEVEL_KEYS: &[&str] =
    &["listen", "data_dir", "log", "event_store", "commands", "limits", "schemas", "policies", "shutdown_grace"];

/// Errors of loading configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Layers defaults, the TOML file (if any), `NEXUS_*` variables and the
    /// given overrides (typically from flags), then validates.
    ///
    /// `file` is required to exist when given; otherwise `./nexus.toml` is
    /// read if present.
    pub fn load(file: Option<&Path>, overrides: Figment) -> Result<Config, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        match file {
            Some(path) if !path.exists() => return Err(ConfigError::MissingFile(path.to_path_buf())),
            Some(path) => figment = figment.merge(Toml::file(path)),
            None if Path::new("nexus.toml").exists() => figment = figment.merge(Toml::file("nexus.toml")),
            None => {}
        }
        let env = Env::prefixed("NEXUS_")
            .filter(|key| {
                let key = key.as_str().to_ascii_lowercase();
                TOP_LEVEL_KEYS.iter().any(|k| key.split("__").next() == Some(*k))
            })
            .split("__");
        let config: Config =
            figment.merge(env).merge(overrides).extract().map_err(|e| ConfigError::Invalid(e.to_string()))?;
        config.validate()?;
        Ok(config)
    }

    /// Checks what types cannot.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.data_dir.as_os_str().is_empty() {
            return invalid("data_dir must not be empty");
        }
        let EventStoreConfig::Embedded(store) = &self.event_store;
        if store.max_batch_events == 0 || store.queue_capacity == 0 {
            return invalid("event_store.max_batch_events and event_store.queue_capacity must be positive");
        }
        if self.limits.max_events_per_append == 0 || self.limits.max_event_bytes == 0 || self.limits.max_page_size == 0
        {
            return invalid("limits must be positive");
        }
        if self.policies.dir.as_os_str().is_empty() {
            return invalid("policies.dir must not be empty");
        }
        if self.limits.max_message_bytes < self.limits.max_event_bytes {
            return invalid("limits.max_message_bytes must be at least limits.max_event_bytes");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::result_large_err)] // figment::Jail's closures return figment::Error

    use figment::Jail;

    use super::*;

    #[test]
    fn layers_apply_in_order_and_unknown_env_is_ignored() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "nexus.toml",
                "listen = \"127.0.0.1:6000\"\ndata_dir = \"from-file\"\n[event_store]\ndurability = \"relaxed\"\n",
            )?;
            jail.set_env("NEXUS_DATA_DIR", "from-env");
            jail.set_env("NEXUS_COMMANDS__MAX_CONFLICT_RETRIES", "3");
            jail.set_env("NEXUS_BIN", "/not/config");
            jail.set_env("NEXUS_POLICIES__WATCH", "false");
            let flags = Figment::from(Serialized::globals(serde_json::json!({ "listen": "127.0.0.1:7000" })));
            let config = Config::load(None, flags).expect("loads");
            assert_eq!(config.listen, SocketAddr::from(([127, 0, 0, 1], 7000)));
            assert_eq!(config.data_dir, PathBuf::from("from-env"));
            assert_eq!(config.commands.max_conflict_retries, 3);
            assert_eq!(config.policies, PoliciesConfig { dir: PathBuf::from("policies"), watch: false });
            let EventStoreConfig::Embedded(store) = &config.event_store;
            assert_eq!(store.durability, crate::adapters::sqlite::Durability::Relaxed);
            Ok(())
        });
    }

    #[test]
    fn typos_in_the_file_are_errors() {
        Jail::expect_with(|jail| {
            jail.create_file("nexus.toml", "lisen = \"127.0.0.1:6000\"\n")?;
            let error = Config::load(None, Figment::new()).expect_err("typo rejected");
            assert!(error.to_string().contains("lisen"), "{error}");
            Ok(())
        });
    }
}
