//! Saga definitions: `sagas/*.toml` or registered through the API.
//!
//! ```toml
//! name = "transfer"
//! [[steps]]
//! name = "withdraw"
//! timeout = "10s"
//! retry = { max_attempts = 3, initial_backoff = "100ms", max_backoff = "2s" }
//! [steps.command]
//! aggregate_type = "account"
//! aggregate_id = ".from"            # jq over the saga's data
//! command_type = "WithdrawMoney"
//! payload = "{amount: .amount}"     # jq over the saga's data
//! [steps.compensation]
//! aggregate_type = "account"
//! aggregate_id = ".from"
//! command_type = "DepositMoney"
//! payload = "{amount: .amount}"
//! ```

use std::{path::Path, time::Duration};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::core::jq::{compile_jq, json_kind, run_jq};

/// What a saga does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SagaDefinition {
    /// Letters, digits, '-' and '_'; at most 64 characters.
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// What starts a saga besides an explicit StartSaga call.
    #[serde(default)]
    pub trigger: Trigger,
    /// Executed in order; at least one.
    pub steps: Vec<StepDefinition>,
}

/// What starts a saga.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// An event of this type, appended after the trigger was defined,
    /// starts a saga whose input is
    /// `{event_id, event_type, stream_id, data}` (`data`: the event's JSON
    /// payload), run as the system principal in the event's tenant.
    #[serde(default)]
    pub event_type: Option<String>,
}

/// A command sent to an aggregate, built from the saga's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandTemplate {
    pub aggregate_type: String,
    /// jq program: the saga's data → the aggregate id (a string or a number).
    pub aggregate_id: String,
    pub command_type: String,
    /// jq program: the saga's data → the command's payload (an object).
    pub payload: String,
}

/// One step of a saga.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDefinition {
    /// Unique within the saga.
    pub name: String,
    /// The step's command.
    pub command: CommandTemplate,
    /// What undoes the step once it succeeded; none: nothing to undo.
    #[serde(default)]
    pub compensation: Option<CommandTemplate>,
    /// The step (all its attempts) must succeed within this, or the saga
    /// compensates.
    #[serde(default = "default_timeout", with = "humantime_serde")]
    pub timeout: Duration,
    #[serde(default)]
    pub retry: RetryPolicy,
    /// Waits this long before the first attempt, inside the timeout: paces a
    /// step, and lets tests hold a saga at a known point (a delay as long as
    /// the timeout makes the step time out without sending its command).
    #[serde(default, with = "humantime_serde")]
    pub delay: Duration,
    /// The outcome that means success: the step succeeds only if its command
    /// stored an event of this type (a command accepted without storing one
    /// fails the step, and the saga compensates). None: accepted is success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub success_event_type: Option<String>,
}

fn default_timeout() -> Duration {
    Duration::from_secs(30)
}

/// How transient failures (store unavailable, conflicts exhausted) are
/// retried: exponential backoff from `initial_backoff`, capped at
/// `max_backoff`. A business refusal is never retried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetryPolicy {
    /// Attempts in all, at least 1.
    #[serde(default = "default_attempts")]
    pub max_attempts: u32,
    #[serde(default = "default_initial_backoff", with = "humantime_serde")]
    pub initial_backoff: Duration,
    #[serde(default = "default_max_backoff", with = "humantime_serde")]
    pub max_backoff: Duration,
}

fn default_attempts() -> u32 {
    5
}

fn default_initial_backoff() -> Duration {
    Duration::from_millis(100)
}

fn default_max_backoff() -> Duration {
    Duration::from_secs(5)
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: default_attempts(),
            initial_backoff: default_initial_backoff(),
            max_backoff: default_max_backoff(),
        }
    }
}

impl RetryPolicy {
    /// The wait before attempt `attempt + 1` (attempts count from 1).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 2u32.saturating_pow(attempt.saturating_sub(1));
        self.initial_backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// Why a definition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("saga definition {name:?}: {field}: {message}")]
pub struct DefinitionError {
    pub name: String,
    /// The field at fault, e.g. `steps[1].payload`.
    pub field: String,
    pub message: String,
}

/// A command ready to send.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltCommand {
    pub aggregate_type: String,
    pub aggregate_id: String,
    pub command_type: String,
    pub payload: Value,
}

impl SagaDefinition {
    /// Reads a definition file.
    pub fn from_file(path: &Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)?;
        Ok(toml::from_str(&text)?)
    }

    /// Checks the definition: names, at least one step, jq programs that
    /// compile, positive timeouts and attempts.
    pub fn validate(&self) -> Result<(), DefinitionError> {
        let fail = |field: String, message: &str| DefinitionError {
            name: self.name.clone(),
            field,
            message: message.to_owned(),
        };
        if !valid_name(&self.name) {
            return Err(fail("name".into(), "must be 1 to 64 letters, digits, '-' or '_'"));
        }
        if self.steps.is_empty() {
            return Err(fail("steps".into(), "must hold at least one step"));
        }
        if self.trigger.event_type.as_deref().is_some_and(|t| t.is_empty() || t.chars().any(char::is_whitespace)) {
            return Err(fail("trigger.event_type".into(), "must be an event type"));
        }
        for (i, step) in self.steps.iter().enumerate() {
            let at = |field: &str| format!("steps[{i}].{field}");
            if !valid_name(&step.name) {
                return Err(fail(at("name"), "must be 1 to 64 letters, digits, '-' or '_'"));
            }
            if self.steps[..i].iter().any(|s| s.name == step.name) {
                return Err(fail(at("name"), "is used by an earlier step"));
            }
            if step.timeout.is_zero() {
                return Err(fail(at("timeout"), "must be positive"));
            }
            if step.success_event_type.as_deref().is_some_and(|t| t.is_empty() || t.chars().any(char::is_whitespace)) {
                return Err(fail(at("success_event_type"), "must be an event type"));
            }
            if step.retry.max_attempts == 0 {
                return Err(fail(at("retry.max_attempts"), "must be at least 1"));
            }
            check_template(&step.command, &at("command.")).map_err(|(field, message)| fail(field, &message))?;
            if let Some(compensation) = &step.compensation {
                check_template(compensation, &at("compensation.")).map_err(|(field, message)| fail(field, &message))?;
            }
        }
        Ok(())
    }
}

fn valid_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 64 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

fn check_template(template: &CommandTemplate, prefix: &str) -> Result<(), (String, String)> {
    if template.aggregate_type.is_empty() {
        return Err((format!("{prefix}aggregate_type"), "must not be empty".into()));
    }
    if template.command_type.is_empty() {
        return Err((format!("{prefix}command_type"), "must not be empty".into()));
    }
    compile_jq(&template.aggregate_id).map_err(|e| (format!("{prefix}aggregate_id"), e))?;
    compile_jq(&template.payload).map_err(|e| (format!("{prefix}payload"), e))?;
    Ok(())
}

impl CommandTemplate {
    /// The command for `data`: runs the aggregate id and payload programs.
    pub fn build(&self, data: &Value) -> Result<BuiltCommand, String> {
        let id_filter = compile_jq(&self.aggregate_id)?;
        let aggregate_id = match run_jq(&id_filter, data.clone())? {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            other => return Err(format!("aggregate_id gave {}, not a string or number", json_kind(&other))),
        };
        let payload_filter = compile_jq(&self.payload)?;
        let payload = run_jq(&payload_filter, data.clone())?;
        if !payload.is_object() {
            return Err(format!("payload gave {}, not an object", json_kind(&payload)));
        }
        Ok(BuiltCommand {
            aggregate_type: self.aggregate_type.clone(),
            aggregate_id,
            command_type: self.command_type.clone(),
            payload,
        })
    }
}

/// Reads every `*.toml` definition in a folder (sorted by file name) and
/// checks each.
pub fn load_folder(dir: &Path) -> anyhow::Result<Vec<SagaDefinition>> {
    let mut out = Vec::new();
    for path in crate::core::files::toml_files(dir)? {
        let definition = SagaDefinition::from_file(&path)
            .map_err(|e| anyhow::anyhow!("cannot read saga definition {}: {e}", path.display()))?;
        definition.validate().map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        out.push(definition);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn transfer() -> SagaDefinition {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sagas");
        load_folder(&dir).expect("the shipped sagas").into_iter().find(|d| d.name == "transfer").expect("transfer")
    }

    #[test]
    fn the_shipped_transfer_builds_its_commands_from_the_data() {
        let definition = transfer();
        let data = json!({"from": "a", "to": 7, "amount": 25});
        let withdraw = definition.steps[0].command.build(&data).expect("built");
        assert_eq!(
            withdraw,
            BuiltCommand {
                aggregate_type: "account".into(),
                aggregate_id: "a".into(),
                command_type: "WithdrawMoney".into(),
                payload: json!({"amount": 25}),
            }
        );
        let refund = definition.steps[0].compensation.as_ref().expect("compensated").build(&data).expect("built");
        assert_eq!((refund.aggregate_id.as_str(), refund.command_type.as_str()), ("a", "DepositMoney"));
        assert_eq!(definition.steps[1].command.build(&data).expect("built").aggregate_id, "7");
    }

    #[test]
    fn bad_definitions_name_the_field_at_fault() {
        let mut definition = transfer();
        definition.steps[1].command.payload = "{amount: .amount".into();
        assert_eq!(definition.validate().expect_err("refused").field, "steps[1].command.payload");
        let mut definition = transfer();
        definition.steps[1].name = definition.steps[0].name.clone();
        assert_eq!(definition.validate().expect_err("refused").field, "steps[1].name");
        let mut definition = transfer();
        definition.steps[0].retry.max_attempts = 0;
        assert_eq!(definition.validate().expect_err("refused").field, "steps[0].retry.max_attempts");
        let mut definition = transfer();
        definition.trigger.event_type = Some(String::new());
        assert_eq!(definition.validate().expect_err("refused").field, "trigger.event_type");
        let mut definition = transfer();
        definition.steps.clear();
        assert_eq!(definition.validate().expect_err("refused").field, "steps");
    }

    #[test]
    fn a_payload_that_is_not_an_object_is_an_error() {
        let template = CommandTemplate {
            aggregate_type: "account".into(),
            aggregate_id: ".id".into(),
            command_type: "DepositMoney".into(),
            payload: ".amount".into(),
        };
        let error = template.build(&json!({"id": "a", "amount": 1})).expect_err("refused");
        assert!(error.contains("not an object"), "{error}");
        let error = template.build(&json!({"id": null})).expect_err("refused");
        assert!(error.contains("not a string or number"), "{error}");
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let retry = RetryPolicy {
            max_attempts: 9,
            initial_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_millis(350),
        };
        let waits: Vec<_> = (1..=4).map(|a| retry.backoff(a).as_millis()).collect();
        assert_eq!(waits, [100, 200, 350, 350]);
    }
}
