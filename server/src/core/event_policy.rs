//! The input of the event policy (`nexus.events`), built the same way for
//! appends and for the events a command produces.

use super::{
    model::ProposedEvent,
    policy::{EventInput, EventRoute, EventsInput, PayloadRoutes},
    principal::Principal,
    schema::{Route, format::is_json, governance::Governed},
};

use super::policy::tenant_of;

/// The `nexus.events` input for one append. `governed` is what schema
/// validation returned for these events (it holds the payloads it parsed, so
/// they are not parsed twice).
pub fn events_input(
    principal: &Principal,
    stream: &str,
    events: &[ProposedEvent],
    governed: Vec<Governed>,
    payload_routes: PayloadRoutes,
) -> EventsInput {
    let mut governed = governed.into_iter();
    let events = events
        .iter()
        .enumerate()
        .map(|(i, e)| {
            let Governed { route, payload } = governed.next().unwrap_or_default();
            let route = match route {
                Route::Core => EventRoute::Core,
                Route::Secondary => EventRoute::Secondary,
            };
            // Only the payloads the policy reads (its data says which routes).
            let payload = if payload_routes.includes(route) {
                payload
                    .or_else(|| is_json(&e.content_type).then(|| serde_json::from_slice(&e.data).ok()).flatten())
                    .unwrap_or(serde_json::Value::Null)
            } else {
                serde_json::Value::Null
            };
            EventInput {
                index: i as u32,
                id: e.event_id.to_string(),
                event_type: e.event_type.clone(),
                content_type: e.content_type.clone(),
                size: e.data.len(),
                route,
                schema_subject: e.schema_id.map(|_| e.event_type.clone()),
                schema_version: (e.schema_version > 0).then_some(e.schema_version),
                payload,
            }
        })
        .collect();
    EventsInput {
        principal: principal.clone(),
        stream: stream.to_string(),
        tenant: tenant_of(stream).to_string(),
        events,
    }
}
