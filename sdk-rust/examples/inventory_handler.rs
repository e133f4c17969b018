//! Inventory reservations: a remote command handler for the aggregate type
//! `inventory-item`, the Rust twin of examples/inventory/handler.py (same
//! commands, rules, rejection reasons and event data, so the schemas in
//! schemas/StockAdded, StockReserved and ReservationReleased accept it).
//!
//! ```sh
//! cargo run -p nexus-sdk --example inventory_handler -- --server http://127.0.0.1:50051 --name inv-1
//! ```
//!
//! Options: `--server URL` (default http://127.0.0.1:50051; a bare
//! host:port gets http://), `--name NAME`, `--token JWT` (HandlerService.Serve
//! needs admin), `--max-in-flight N` (default 16), `-v` (log every decided
//! request). Ctrl-C stops it.

use std::collections::{HashMap, HashSet};

use nexus_sdk::{BearerToken, Client, Handler, HandlerWorker, NewEvent, Rejection, handler::Decision};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

/// The state of one inventory item, folded from its events.
#[derive(Debug, Default)]
struct Item {
    /// Unreserved units.
    available: i64,
    /// Open reservations: id -> quantity.
    reservations: HashMap<String, i64>,
    /// Reservation ids that were released.
    released: HashSet<String>,
}

/// The events, as stored: `{"type": ..., "data": {...}}` for the fold, and
/// the data alone (`Serialize` of the variant's fields) when deciding.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
enum ItemEvent {
    StockAdded { quantity: i64, available: i64 },
    StockReserved { reservation_id: String, quantity: i64, available: i64 },
    ReservationReleased { reservation_id: String, quantity: i64, available: i64 },
}

impl ItemEvent {
    /// The event to send: its type and its data object.
    fn into_new_event(self) -> Result<NewEvent, Rejection> {
        let Json::Object(mut tagged) = serde_json::to_value(self)? else { unreachable!("a tagged enum is an object") };
        let event_type = tagged.remove("type").and_then(|t| t.as_str().map(str::to_owned)).unwrap_or_default();
        NewEvent::new(event_type, tagged.remove("data").unwrap_or_default())
    }
}

fn evolve(state: &mut Item, event: ItemEvent) {
    match event {
        ItemEvent::StockAdded { available, .. } => state.available = available,
        ItemEvent::StockReserved { reservation_id, quantity, available } => {
            state.available = available;
            state.reservations.insert(reservation_id, quantity);
        }
        ItemEvent::ReservationReleased { reservation_id, available, .. } => {
            state.available = available;
            state.reservations.remove(&reservation_id);
            state.released.insert(reservation_id);
        }
    }
}

/// `quantity`: a positive whole number.
fn positive(command: &Json) -> Result<i64, Rejection> {
    command
        .get("quantity")
        .and_then(Json::as_i64)
        .filter(|q| *q > 0)
        .ok_or_else(|| Rejection::new("INVALID_QUANTITY", "quantity must be a positive whole number"))
}

/// `reservation_id`: a non-empty string.
fn reservation_id(command: &Json) -> Result<String, Rejection> {
    command
        .get("reservation_id")
        .and_then(Json::as_str)
        .filter(|id| !id.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| Rejection::new("INVALID_RESERVATION_ID", "reservation_id must be a non-empty string"))
}

fn add_stock(state: &Item, command: Json) -> Decision {
    let quantity = positive(&command)?;
    Ok(vec![ItemEvent::StockAdded { quantity, available: state.available + quantity }.into_new_event()?])
}

fn reserve(state: &Item, command: Json) -> Decision {
    let (reservation_id, quantity) = (reservation_id(&command)?, positive(&command)?);
    if state.reservations.contains_key(&reservation_id) || state.released.contains(&reservation_id) {
        return Ok(vec![]); // already reserved under this id: nothing happens again
    }
    if quantity > state.available {
        return Err(Rejection::new(
            "INSUFFICIENT_STOCK",
            format!("cannot reserve {quantity}: {} available", state.available),
        )
        .with("available", state.available)
        .with("requested", quantity));
    }
    let available = state.available - quantity;
    Ok(vec![ItemEvent::StockReserved { reservation_id, quantity, available }.into_new_event()?])
}

fn release(state: &Item, command: Json) -> Decision {
    let reservation_id = reservation_id(&command)?;
    if state.released.contains(&reservation_id) {
        return Ok(vec![]); // already released
    }
    let Some(&quantity) = state.reservations.get(&reservation_id) else {
        return Err(Rejection::new("RESERVATION_NOT_FOUND", format!("no reservation '{reservation_id}'"))
            .with("reservation_id", &reservation_id));
    };
    let available = state.available + quantity;
    Ok(vec![ItemEvent::ReservationReleased { reservation_id, quantity, available }.into_new_event()?])
}

fn inventory_item() -> Handler<Item> {
    Handler::<Item>::new("inventory-item")
        .event_types(["StockAdded", "StockReserved", "ReservationReleased"])
        .evolve(evolve)
        .command("AddStock", add_stock)
        .command("Reserve", reserve)
        .command("Release", release)
}

struct Options {
    server: String,
    name: String,
    token: Option<String>,
    max_in_flight: u32,
    verbose: bool,
}

fn options() -> Result<Options, String> {
    let mut options = Options {
        server: "http://127.0.0.1:50051".into(),
        name: String::new(),
        token: None,
        max_in_flight: 16,
        verbose: false,
    };
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--server" => options.server = value()?,
            "--name" => options.name = value()?,
            "--token" => options.token = Some(value()?),
            "--max-in-flight" => {
                options.max_in_flight = value()?.parse().map_err(|e| format!("--max-in-flight: {e}"))?
            }
            "-v" | "--verbose" => options.verbose = true,
            "-h" | "--help" => {
                return Err("usage: inventory_handler [--server URL] [--name NAME] [--token JWT] \
                            [--max-in-flight N] [-v]"
                    .into());
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if !options.server.contains("://") {
        options.server = format!("http://{}", options.server);
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let options = options()?;
    let filter = if options.verbose { "info,nexus_sdk=debug" } else { "info" };
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::new(filter)).init();

    let client = Client::connect_lazy(&options.server)?.with_token(BearerToken::optional(options.token.as_deref())?);
    let mut worker = HandlerWorker::new(client, inventory_item()).max_in_flight(options.max_in_flight);
    if !options.name.is_empty() {
        worker = worker.instance_name(options.name);
    }
    tracing::info!(server = %options.server, "serving inventory-item; Ctrl-C stops");
    worker
        .run_until(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use nexus_sdk::{
        json::json_to_struct,
        proto::{DecideRequest, RecordedEvent},
    };
    use serde_json::json;

    use super::*;

    fn decide(command_type: &str, payload: Json, history: &[NewEvent]) -> Decision {
        let events = history
            .iter()
            .enumerate()
            .map(|(i, e)| RecordedEvent {
                stream_revision: i as u64,
                event_type: e.event_type.clone(),
                data: serde_json::to_vec(&e.data).expect("json"),
                ..Default::default()
            })
            .collect();
        let request = DecideRequest {
            command_type: command_type.into(),
            payload: json_to_struct(payload),
            events,
            ..Default::default()
        };
        inventory_item().decide(&request)
    }

    fn event(event_type: &str, data: Json) -> NewEvent {
        NewEvent { event_type: event_type.into(), data }
    }

    #[test]
    fn reservations_follow_the_python_rules() {
        let mut history = decide("AddStock", json!({"quantity": 10}), &[]).expect("added");
        assert_eq!(history, [event("StockAdded", json!({"quantity": 10, "available": 10}))]);

        let reserved = decide("Reserve", json!({"reservation_id": "order-1", "quantity": 3}), &history).expect("ok");
        assert_eq!(
            reserved,
            [event("StockReserved", json!({"reservation_id": "order-1", "quantity": 3, "available": 7}))]
        );
        history.extend(reserved);

        let again = decide("Reserve", json!({"reservation_id": "order-1", "quantity": 3}), &history);
        assert_eq!(again, Ok(vec![]), "idempotent per reservation id");

        let refused = decide("Reserve", json!({"reservation_id": "order-2", "quantity": 50}), &history).expect_err("x");
        assert_eq!(refused.reason, "INSUFFICIENT_STOCK");
        assert_eq!(refused.message, "cannot reserve 50: 7 available");
        assert_eq!((refused.metadata["available"].as_str(), refused.metadata["requested"].as_str()), ("7", "50"));

        let released = decide("Release", json!({"reservation_id": "order-1"}), &history).expect("released");
        assert_eq!(
            released,
            [event("ReservationReleased", json!({"reservation_id": "order-1", "quantity": 3, "available": 10}))]
        );
        history.extend(released);
        assert_eq!(decide("Release", json!({"reservation_id": "order-1"}), &history), Ok(vec![]));
        assert_eq!(
            decide("Reserve", json!({"reservation_id": "order-1", "quantity": 1}), &history),
            Ok(vec![]),
            "a released id is not reserved again"
        );

        let missing = decide("Release", json!({"reservation_id": "nope"}), &history).expect_err("x");
        assert_eq!(missing.reason, "RESERVATION_NOT_FOUND");
        assert_eq!(missing.metadata["reservation_id"], "nope");
    }

    #[test]
    fn invalid_payloads_are_refused() {
        for quantity in [json!(0), json!(-2), json!(1.5), json!("3"), json!(null)] {
            let refused = decide("AddStock", json!({"quantity": quantity}), &[]).expect_err("invalid");
            assert_eq!(refused.reason, "INVALID_QUANTITY", "{quantity}");
        }
        let refused = decide("Reserve", json!({"reservation_id": "", "quantity": 1}), &[]).expect_err("x");
        assert_eq!(refused.reason, "INVALID_RESERVATION_ID");
        let refused = decide("Release", json!({}), &[]).expect_err("x");
        assert_eq!(refused.reason, "INVALID_RESERVATION_ID");
    }
}
