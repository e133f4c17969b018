//! Sagas: durable multi-step workflows with compensation.
//!
//! - [`definition`]: what a saga does, as written in `sagas/*.toml`: ordered
//!   steps, each a command to an aggregate with a compensating command, a
//!   timeout and a retry policy.
//! - [`SagaStore`] is the port keeping every saga's state and the history of
//!   its transitions (the embedded adapter keeps them in `sagas.db`).
//! - [`coordinator::SagaCoordinator`] drives sagas: it persists each
//!   transition before acting on it, so a saga interrupted by a crash resumes
//!   where it stopped, and it derives every command id from the saga id, the
//!   step and the phase, so a command sent again after a crash is recognised
//!   by the command pipeline and not applied twice.

pub mod coordinator;
pub mod definition;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use definition::SagaDefinition;

use super::principal::Principal;

/// Where a saga is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SagaStatus {
    /// Steps are being executed.
    Running,
    /// Every step succeeded.
    Completed,
    /// A step failed, timed out or the saga was cancelled: the completed
    /// steps are being compensated, newest first.
    Compensating,
    /// A step failed or timed out and every completed step was compensated.
    Compensated,
    /// A compensation failed after its retries: an operator must look (and
    /// may retry the saga).
    Failed,
    /// The saga was cancelled and every completed step was compensated.
    Cancelled,
}

impl SagaStatus {
    /// Statuses a saga never leaves on its own (FAILED leaves only by a retry).
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Compensated | Self::Failed | Self::Cancelled)
    }

    /// The stored name, e.g. `RUNNING`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "RUNNING",
            Self::Completed => "COMPLETED",
            Self::Compensating => "COMPENSATING",
            Self::Compensated => "COMPENSATED",
            Self::Failed => "FAILED",
            Self::Cancelled => "CANCELLED",
        }
    }

    /// The status a stored name denotes.
    pub fn parse(name: &str) -> Option<Self> {
        [Self::Running, Self::Completed, Self::Compensating, Self::Compensated, Self::Failed, Self::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// The caller a saga's commands run as: the principal that started it, or
/// the system principal for sagas started by an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaPrincipal {
    pub subject: String,
    /// The principal's tenant: the saga's aggregates live in its namespace.
    pub tenant: String,
    pub roles: Vec<String>,
    pub scopes: Vec<String>,
    pub authenticated: bool,
}

impl From<&Principal> for SagaPrincipal {
    fn from(p: &Principal) -> Self {
        Self {
            subject: p.subject.clone(),
            tenant: p.tenant.clone(),
            roles: p.roles.clone(),
            scopes: p.scopes.clone(),
            authenticated: p.authenticated,
        }
    }
}

impl From<&SagaPrincipal> for Principal {
    fn from(p: &SagaPrincipal) -> Self {
        Self {
            subject: p.subject.clone(),
            tenant: p.tenant.clone(),
            roles: p.roles.clone(),
            scopes: p.scopes.clone(),
            authenticated: p.authenticated,
        }
    }
}

/// One saga: its definition (as it was when the saga started, so a later
/// redefinition never changes a running saga), its data and where it is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Saga {
    pub saga_id: String,
    pub definition: SagaDefinition,
    /// The input: what the steps' jq programs read.
    pub data: Value,
    pub principal: SagaPrincipal,
    pub status: SagaStatus,
    /// Steps completed (RUNNING: the index of the next step).
    pub completed_steps: u32,
    /// While compensating: the steps still to consider, the next being
    /// `to_compensate - 1`. The step that was running when the saga failed
    /// is among them; it is compensated only if its command took effect.
    pub to_compensate: u32,
    /// Set by a cancel: the saga ends CANCELLED instead of COMPENSATED.
    pub cancelled: bool,
    /// Why the saga compensates or failed.
    pub error: Option<String>,
    /// Incremented by every stored transition; the number of the last one.
    pub version: u64,
    /// Unix milliseconds.
    pub created_at: i64,
    pub updated_at: i64,
}

/// What happened in one transition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TransitionKind {
    /// The saga was created.
    Started,
    /// A step's command is about to be sent (attempt numbers from 1).
    StepStarted,
    StepSucceeded,
    /// A step's attempt failed and will be retried.
    StepRetrying,
    /// A step failed for good (refused, timed out or out of retries).
    StepFailed,
    /// A cancel was accepted.
    CancelRequested,
    /// A compensating command is about to be sent.
    CompensationStarted,
    CompensationSucceeded,
    CompensationRetrying,
    /// A compensation failed for good: the saga is FAILED.
    CompensationFailed,
    /// The step's command never took effect, so there is nothing to undo.
    CompensationSkipped,
    /// An operator retried a FAILED saga.
    Retried,
    /// The saga reached a final status.
    Finished,
}

/// One entry of a saga's history, stored before the coordinator acts on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SagaTransition {
    pub saga_id: String,
    /// The saga's version after this transition (1 for `Started`).
    pub version: u64,
    pub kind: TransitionKind,
    /// The saga's status after the transition.
    pub status: SagaStatus,
    /// The step concerned, if any.
    pub step: Option<u32>,
    pub attempt: u32,
    pub error: Option<String>,
    /// Unix milliseconds.
    pub at: i64,
}

/// Which sagas a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SagaFilter {
    pub status: Option<SagaStatus>,
    pub definition: Option<String>,
    /// Only sagas of this tenant (`None`: any).
    pub tenant: Option<String>,
}

/// One page of sagas, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SagaPage {
    pub sagas: Vec<Saga>,
    /// Pass as `after` for the next page; `None` at the end.
    pub next: Option<String>,
}

/// Errors of the [`SagaStore`] port.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SagaStoreError {
    /// A saga with this id exists already.
    #[error("saga {0} already exists")]
    AlreadyExists(String),
    /// The saga is not at the expected version (another writer got there).
    #[error("saga {saga_id} is not at version {expected}")]
    Conflict { saga_id: String, expected: u64 },
    #[error("saga {0} not found")]
    NotFound(String),
    #[error("saga store unavailable: {0}")]
    Unavailable(String),
    #[error("saga store failure: {0}")]
    Internal(String),
}

/// Where sagas and their history live. Every implementation must pass the
/// conformance suite in `crate::conformance::saga_store`.
#[async_trait]
pub trait SagaStore: Send + Sync + 'static {
    /// Stores a new saga (at version 1) with its `Started` transition,
    /// atomically and durably. [`SagaStoreError::AlreadyExists`] if the id is
    /// taken, and then nothing is written.
    async fn create(&self, saga: &Saga, started: &SagaTransition) -> Result<(), SagaStoreError>;

    /// Replaces a saga whose stored version is `saga.version - 1` and
    /// appends `transition` (whose version is `saga.version`), atomically
    /// and durably: when it returns `Ok`, both survive a crash.
    /// [`SagaStoreError::Conflict`] if the stored version differs,
    /// [`SagaStoreError::NotFound`] if there is no such saga; then nothing
    /// is written.
    async fn update(&self, saga: &Saga, transition: &SagaTransition) -> Result<(), SagaStoreError>;

    /// One saga.
    async fn get(&self, saga_id: &str) -> Result<Option<Saga>, SagaStoreError>;

    /// A saga's transitions in order (empty for an unknown saga).
    async fn history(&self, saga_id: &str) -> Result<Vec<SagaTransition>, SagaStoreError>;

    /// Sagas matching `filter`, ordered by creation (then id), starting
    /// after the saga id `after`, at most `limit`.
    async fn list(&self, filter: &SagaFilter, after: Option<&str>, limit: usize) -> Result<SagaPage, SagaStoreError>;

    /// Every saga RUNNING or COMPENSATING: what the coordinator resumes at
    /// start.
    async fn active(&self) -> Result<Vec<Saga>, SagaStoreError>;

    /// Stores (or replaces) a definition registered through the API.
    async fn put_definition(&self, definition: &SagaDefinition) -> Result<(), SagaStoreError>;

    /// Every definition registered through the API, by name.
    async fn definitions(&self) -> Result<Vec<SagaDefinition>, SagaStoreError>;

    /// The position token of the event store up to which event triggers
    /// have started their sagas; `None` before the first is stored.
    async fn trigger_position(&self) -> Result<Option<String>, SagaStoreError>;

    /// Stores the trigger position durably (replacing the previous one).
    async fn set_trigger_position(&self, token: &str) -> Result<(), SagaStoreError>;
}

/// Unix milliseconds now.
pub(crate) fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
