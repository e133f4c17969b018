//! Account balances: a projection of the bank example's events
//! (`AccountOpened`, `MoneyDeposited`, `MoneyWithdrawn`) kept in memory and
//! printed as they change, resuming from a file checkpoint.
//!
//! ```sh
//! cargo run -p nexus-sdk --example balance_projection -- --server http://127.0.0.1:50051 \
//!     --checkpoint /tmp/balances.checkpoint
//! ```
//!
//! The balances live in memory, so a restarted process that resumed after
//! its checkpoint would have forgotten the accounts it saw before. The
//! example therefore also saves the balances to `<checkpoint>.balances.json`
//! in `apply`, before the worker saves the checkpoint, and loads them at
//! start. Applying an event again (after a crash between the two writes) is
//! harmless: each event carries the account's balance after it, and apply
//! sets it rather than adding to it. A real read model would keep the
//! position in its own database, in the same transaction as the update.
//!
//! Options: `--server URL` (default http://127.0.0.1:50051), `--checkpoint
//! FILE` (default ./balances.checkpoint), `--token JWT`. Ctrl-C stops it and
//! prints the table.

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{Arc, Mutex},
};

use nexus_sdk::{BearerToken, Client, FileCheckpoint, ProjectionWorker, json::event_data, proto::RecordedEvent};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Account {
    owner: String,
    currency: String,
    balance: i64,
}

#[derive(Deserialize)]
struct AccountOpened {
    owner: String,
    currency: String,
    initial_deposit: i64,
}

/// `MoneyDeposited` and `MoneyWithdrawn`: the amount and the balance after.
#[derive(Deserialize)]
struct BalanceChanged {
    amount: i64,
    balance: i64,
}

type Balances = BTreeMap<String, Account>;

/// The account id of a stream such as `account-acc-1`.
fn account_id(stream_id: &str) -> &str {
    stream_id.strip_prefix("account-").unwrap_or(stream_id)
}

/// Applies one event to the balances; returns a line describing it.
fn apply(balances: &mut Balances, event: &RecordedEvent) -> Result<Option<String>, serde_json::Error> {
    let id = account_id(&event.stream_id).to_owned();
    let change = match event.event_type.as_str() {
        "AccountOpened" => {
            let opened: AccountOpened = event_data(event)?;
            balances.insert(
                id.clone(),
                Account { owner: opened.owner, currency: opened.currency, balance: opened.initial_deposit },
            );
            "opened".to_owned()
        }
        "MoneyDeposited" | "MoneyWithdrawn" => {
            let changed: BalanceChanged = event_data(event)?;
            balances.entry(id.clone()).or_default().balance = changed.balance;
            let sign = if event.event_type == "MoneyDeposited" { '+' } else { '-' };
            format!("{sign}{}", changed.amount)
        }
        _ => return Ok(None), // a longer type matching a prefix of the filter
    };
    let account = &balances[&id];
    Ok(Some(format!("{id:<16} {:<12} {:>10} {:<3}  ({change})", account.owner, account.balance, account.currency)))
}

fn print_table(balances: &Balances) {
    println!("{:<16} {:<12} {:>10}", "account", "owner", "balance");
    for (id, account) in balances {
        println!("{id:<16} {:<12} {:>10} {}", account.owner, account.balance, account.currency);
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new("info")).init();
    let mut server = "http://127.0.0.1:50051".to_owned();
    let mut checkpoint = PathBuf::from("balances.checkpoint");
    let mut token = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
        match arg.as_str() {
            "--server" => server = value,
            "--checkpoint" => checkpoint = value.into(),
            "--token" => token = Some(value),
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    if !server.contains("://") {
        server = format!("http://{server}");
    }

    let state_file = PathBuf::from(format!("{}.balances.json", checkpoint.display()));
    let balances: Balances = match std::fs::read(&state_file) {
        Ok(bytes) => serde_json::from_slice(&bytes)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Balances::new(),
        Err(e) => return Err(e.into()),
    };
    let balances = Arc::new(Mutex::new(balances));

    let client = Client::connect_lazy(&server)?.with_token(BearerToken::optional(token.as_deref())?);
    let worker = ProjectionWorker::new(client, FileCheckpoint::new(&checkpoint)).event_types([
        "AccountOpened",
        "MoneyDeposited",
        "MoneyWithdrawn",
    ]);
    println!("projecting balances from {server}, checkpoint {}; Ctrl-C stops", checkpoint.display());
    let shared = Arc::clone(&balances);
    let result = worker
        .run_until(
            move |event: RecordedEvent| {
                let balances = Arc::clone(&shared);
                let state_file = state_file.clone();
                async move {
                    let (line, snapshot) = {
                        let mut balances = balances.lock().unwrap_or_else(|e| e.into_inner());
                        (apply(&mut balances, &event)?, serde_json::to_vec_pretty(&*balances)?)
                    };
                    if let Some(line) = line {
                        println!("{line}");
                        // Written before the worker saves the checkpoint.
                        let temporary = state_file.with_extension("json.tmp");
                        tokio::fs::write(&temporary, snapshot).await?;
                        tokio::fs::rename(&temporary, &state_file).await?;
                    }
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(())
                }
            },
            async {
                let _ = tokio::signal::ctrl_c().await;
            },
        )
        .await;
    print_table(&balances.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(result?)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn recorded(stream_id: &str, event_type: &str, data: serde_json::Value) -> RecordedEvent {
        RecordedEvent {
            stream_id: stream_id.into(),
            event_type: event_type.into(),
            data: serde_json::to_vec(&data).expect("json"),
            ..Default::default()
        }
    }

    #[test]
    fn balances_follow_the_events_and_reapplying_is_harmless() {
        let mut balances = Balances::new();
        let opened =
            recorded("account-a1", "AccountOpened", json!({"owner": "Ada", "currency": "EUR", "initial_deposit": 5}));
        let deposited = recorded("account-a1", "MoneyDeposited", json!({"amount": 10, "balance": 15}));
        let withdrawn = recorded("account-a1", "MoneyWithdrawn", json!({"amount": 4, "balance": 11}));
        for event in [&opened, &deposited, &withdrawn, &withdrawn] {
            apply(&mut balances, event).expect("apply");
        }
        assert_eq!(balances["a1"].balance, 11);
        assert_eq!(balances["a1"].owner, "Ada");
        assert_eq!(apply(&mut balances, &recorded("account-a1", "MoneyDepositedLater", json!({}))).expect("ok"), None);
    }
}
