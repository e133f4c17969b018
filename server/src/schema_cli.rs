//! `nexus schema check` and `nexus schema sync`: the schema catalog from the
//! command line.

use std::{path::PathBuf, process::ExitCode};

use anyhow::Context;
use nexus_sdk::proto::{
    self, PutSubjectRequest, RegisterSchemaVersionRequest, get_schema_version_request::Selector,
    schema_service_client::SchemaServiceClient,
};
use tonic::transport::Endpoint;

use crate::{
    api::schema::{data_format_to, subject_settings_to},
    auth::client::{AuthedChannel, ClientAuthArgs},
    core::schema::{
        Compatibility,
        catalog::{self, CatalogSubject},
        format::same_definition,
    },
};

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The schema catalog.
    #[arg(long, default_value = "schemas", value_name = "DIR")]
    pub dir: PathBuf,
    /// The mode of subjects whose subject.toml sets none (the registry's
    /// default).
    #[arg(long, default_value = "BACKWARD", value_name = "MODE")]
    pub default_compatibility: String,
    /// Also compare the files with the versions registered in this server
    /// (a registered version's file must not change).
    #[arg(long, value_name = "URL")]
    pub server: Option<String>,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

#[derive(Debug, clap::Args)]
pub struct SyncArgs {
    /// The schema catalog.
    #[arg(long, default_value = "schemas", value_name = "DIR")]
    pub dir: PathBuf,
    /// The server to register the catalog in.
    #[arg(long, default_value = "http://127.0.0.1:50051", value_name = "URL")]
    pub server: String,
    /// Report what the sync would change (subjects to create or update,
    /// versions to register) and change nothing; exit 1 on drift or an
    /// incompatible version, as the sync itself would.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub auth: ClientAuthArgs,
}

/// Loads and checks a catalog; prints every problem.
fn load_checked(dir: &std::path::Path, default_mode: Compatibility) -> Option<Vec<CatalogSubject>> {
    let (subjects, mut problems) = catalog::load(dir);
    problems.extend(catalog::check(&subjects, default_mode));
    if problems.is_empty() {
        return Some(subjects);
    }
    eprintln!("schema catalog {}: {} problem(s)", dir.display(), problems.len());
    for problem in &problems {
        eprintln!("  {problem}");
    }
    None
}

pub async fn check(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let default_mode: Compatibility = args.default_compatibility.parse().map_err(anyhow::Error::msg)?;
    let Some(subjects) = load_checked(&args.dir, default_mode) else { return Ok(ExitCode::FAILURE) };
    let versions: usize = subjects.iter().map(|s| s.versions.len()).sum();
    if let Some(server) = args.server {
        let mut client = connect(&server, &args.auth).await?;
        let mut drift = Vec::new();
        for subject in &subjects {
            for version in &subject.versions {
                if let Some(registered) = registered_definition(&mut client, &subject.name, version.number).await?
                    && !same_definition(subject.format, &registered, &version.definition)
                {
                    drift.push(format!(
                        "{}: differs from version {} registered in {server}; registered versions are \
                         immutable, add the change as the next version instead",
                        version.path.display(),
                        version.number
                    ));
                }
            }
        }
        if !drift.is_empty() {
            eprintln!("schema catalog {}: {} problem(s)", args.dir.display(), drift.len());
            for line in drift {
                eprintln!("  {line}");
            }
            return Ok(ExitCode::FAILURE);
        }
    }
    println!("schema catalog {}: {} subjects, {versions} versions, all compatible", args.dir.display(), subjects.len());
    Ok(ExitCode::SUCCESS)
}

pub async fn sync(args: SyncArgs) -> anyhow::Result<ExitCode> {
    let mut client = connect(&args.server, &args.auth).await?;
    // A dry run checks the catalog's own chain of versions under the
    // server's default mode, as registering would; a real sync leaves that
    // to the server, which checks every version it registers.
    let default_mode = if args.dry_run {
        let response = client
            .get_compatibility(proto::GetCompatibilityRequest { subject: String::new() })
            .await
            .map_err(|s| anyhow::anyhow!("{}: {}", args.server, s.message()))?
            .into_inner();
        crate::api::schema::compatibility_from(response.effective_compatibility, "compatibility")
            .map_err(|s| anyhow::anyhow!("{}: {}", args.server, s.message()))?
            .unwrap_or(Compatibility::Backward)
    } else {
        Compatibility::None
    };
    let Some(subjects) = load_checked(&args.dir, default_mode) else { return Ok(ExitCode::FAILURE) };
    // Compare every file with what is registered under its number before
    // registering anything: registered versions are immutable.
    let mut present = std::collections::HashSet::new();
    let mut drift = Vec::new();
    let mut registered_subjects = std::collections::HashMap::new();
    for subject in &subjects {
        let registered = match client.get_subject(proto::GetSubjectRequest { name: subject.name.clone() }).await {
            Ok(response) => response.into_inner().subject,
            Err(status) if status.code() == tonic::Code::NotFound => None,
            Err(status) => anyhow::bail!("{}: {}", args.server, status.message()),
        };
        let last_version = registered.as_ref().map_or(0, |s| s.last_version);
        registered_subjects.insert(subject.name.clone(), registered);
        for version in &subject.versions {
            match registered_definition(&mut client, &subject.name, version.number).await? {
                Some(definition) if same_definition(subject.format, &definition, &version.definition) => {
                    present.insert((subject.name.clone(), version.number));
                }
                Some(_) => drift.push(format!(
                    "{}: differs from version {} of {} already registered; registered versions are immutable: \
                     restore the file and add the change as the next version",
                    version.path.display(),
                    version.number,
                    subject.name
                )),
                None if version.number <= last_version => drift.push(format!(
                    "{}: version {} of {} was deleted from the registry; it cannot be registered again",
                    version.path.display(),
                    version.number,
                    subject.name
                )),
                None => {}
            }
        }
    }
    if !drift.is_empty() {
        eprintln!("schema catalog {}: {} problem(s); nothing was registered", args.dir.display(), drift.len());
        for line in drift {
            eprintln!("  {line}");
        }
        return Ok(ExitCode::FAILURE);
    }
    if args.dry_run {
        return dry_run(&mut client, &args, &subjects, &registered_subjects, &present).await;
    }
    let (mut registered, mut unchanged) = (0, 0);
    for subject in &subjects {
        client
            .put_subject(PutSubjectRequest {
                subject: Some(subject_settings_to(
                    subject.name.clone(),
                    subject.format,
                    subject.compatibility,
                    subject.config.clone(),
                )),
            })
            .await
            .map_err(|s| anyhow::anyhow!("{}: {}", subject.dir.join(catalog::SUBJECT_FILE).display(), s.message()))?;
        for version in &subject.versions {
            if present.contains(&(subject.name.clone(), version.number)) {
                unchanged += 1;
                continue;
            }
            let request = RegisterSchemaVersionRequest {
                subject: subject.name.clone(),
                data_format: data_format_to(subject.format) as i32,
                definition: version.definition.clone(),
                metadata: [("source".to_string(), format!("v{}", version.number))].into(),
            };
            let response = match client.register_schema_version(request).await {
                Ok(response) => response.into_inner(),
                Err(status) => {
                    eprintln!("{}: {}", version.path.display(), status.message());
                    for change in describe_precondition_failures(&status) {
                        eprintln!("  {change}");
                    }
                    return Ok(ExitCode::FAILURE);
                }
            };
            let number = response.version.map_or(0, |v| v.version);
            if number != version.number {
                eprintln!(
                    "{}: registered as version {number} of {}, not {}: the server and the catalog disagree",
                    version.path.display(),
                    subject.name,
                    version.number
                );
                return Ok(ExitCode::FAILURE);
            }
            if response.created { registered += 1 } else { unchanged += 1 }
        }
    }
    println!(
        "synced {} subjects to {}: {registered} versions registered, {unchanged} already there",
        subjects.len(),
        args.server
    );
    Ok(ExitCode::SUCCESS)
}

/// `sync --dry-run` after the drift check: what would be created, updated
/// and registered, each new version checked by the server's
/// CheckCompatibility (against what is registered now, under the subject's
/// mode on the server).
async fn dry_run(
    client: &mut SchemaServiceClient<AuthedChannel>,
    args: &SyncArgs,
    subjects: &[CatalogSubject],
    registered: &std::collections::HashMap<String, Option<proto::Subject>>,
    present: &std::collections::HashSet<(String, u32)>,
) -> anyhow::Result<ExitCode> {
    let (mut plan, mut problems) = (Vec::new(), Vec::new());
    let mut unchanged = 0;
    for subject in subjects {
        let wanted =
            subject_settings_to(subject.name.clone(), subject.format, subject.compatibility, subject.config.clone());
        let current = registered.get(&subject.name).cloned().flatten();
        let last_version = current.as_ref().map_or(0, |s| s.last_version);
        match current {
            None => plan.push(format!("create subject {}", subject.name)),
            Some(current) => {
                let comparable =
                    proto::Subject { effective_compatibility: 0, last_version: 0, latest_version: 0, ..current };
                if comparable != wanted {
                    plan.push(format!(
                        "update subject {} from {}",
                        subject.name,
                        subject.dir.join(catalog::SUBJECT_FILE).display()
                    ));
                }
            }
        }
        let mut next = last_version;
        let mut first_new = true;
        for version in &subject.versions {
            if present.contains(&(subject.name.clone(), version.number)) {
                unchanged += 1;
                continue;
            }
            next += 1;
            if version.number != next {
                problems.push(format!(
                    "{}: would be registered as version {next} of {}, not {}: the server and the catalog disagree",
                    version.path.display(),
                    subject.name,
                    version.number
                ));
                continue;
            }
            // The first new version is checked against the server; the ones
            // after it against the catalog's versions before them (done by
            // the catalog check above).
            if first_new {
                first_new = false;
                let request = proto::CheckCompatibilityRequest {
                    subject: subject.name.clone(),
                    data_format: data_format_to(subject.format) as i32,
                    definition: version.definition.clone(),
                };
                let report = client
                    .check_compatibility(request)
                    .await
                    .map_err(|s| anyhow::anyhow!("{}: {}", version.path.display(), s.message()))?
                    .into_inner();
                if !report.compatible {
                    let mut line = format!(
                        "{}: incompatible with version {} of {} registered in {} under {:?}",
                        version.path.display(),
                        last_version,
                        subject.name,
                        args.server,
                        proto::Compatibility::try_from(report.compatibility).unwrap_or_default()
                    );
                    for change in &report.breaking_changes {
                        line.push_str(&format!(
                            "\n    {} against version {}: {} {}",
                            change.direction, change.version, change.kind, change.detail
                        ));
                    }
                    problems.push(line);
                    continue;
                }
            }
            plan.push(format!("register {} version {} from {}", subject.name, version.number, version.path.display()));
        }
    }
    for line in &plan {
        println!("would {line}");
    }
    if !problems.is_empty() {
        eprintln!(
            "schema catalog {}: {} problem(s); nothing was registered (dry run)",
            args.dir.display(),
            problems.len()
        );
        for line in problems {
            eprintln!("  {line}");
        }
        return Ok(ExitCode::FAILURE);
    }
    println!(
        "dry run against {}: {} subjects, {} change(s), {unchanged} versions already there; nothing was changed",
        args.server,
        subjects.len(),
        plan.len()
    );
    Ok(ExitCode::SUCCESS)
}

/// The definition registered as `version` of `subject`, if any.
async fn registered_definition(
    client: &mut SchemaServiceClient<AuthedChannel>,
    subject: &str,
    version: u32,
) -> anyhow::Result<Option<String>> {
    let request = proto::GetSchemaVersionRequest {
        selector: Some(Selector::SubjectVersion(proto::SubjectVersion { subject: subject.to_string(), version })),
    };
    match client.get_schema_version(request).await {
        Ok(response) => Ok(response.into_inner().version.map(|v| v.definition)),
        Err(status) if status.code() == tonic::Code::NotFound => Ok(None),
        Err(status) => anyhow::bail!("{}", status.message()),
    }
}

async fn connect(server: &str, auth: &ClientAuthArgs) -> anyhow::Result<SchemaServiceClient<AuthedChannel>> {
    let endpoint = auth.configure(Endpoint::from_shared(server.to_string()).context("invalid server URL")?)?;
    let channel =
        endpoint.connect().await.with_context(|| format!("cannot connect to {server} (is `nexus serve` running?)"))?;
    Ok(SchemaServiceClient::with_interceptor(channel, auth.interceptor()?))
}

fn describe_precondition_failures(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    status
        .get_details_precondition_failure()
        .map(|failure| {
            failure.violations.into_iter().map(|v| format!("{} {}: {}", v.r#type, v.subject, v.description)).collect()
        })
        .unwrap_or_default()
}
