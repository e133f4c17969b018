//! Structured logs. Every line written inside a gRPC call carries the
//! call's `trace_id`, `correlation_id` and `principal` (fields of the span
//! [`super::rpc`] opens): in `text` as the span's fields, in `json` as
//! top-level keys, so a log pipeline can join lines to traces and to the
//! events a command stored.
//!
//! Payloads and secrets are never logged: no log statement formats an
//! event's data or a request's body, and tokens only ever appear as
//! "missing" or "invalid" (tests/tests/observability.rs checks a server's
//! debug log for both).

use std::fmt;

use serde_json::{Map, Value};
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};
use tracing_subscriber::{
    fmt::{
        FmtContext, FormatEvent, FormatFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    layer::Context,
    registry::LookupSpan,
};

/// The span fields repeated on every log line of a call.
const REQUEST_FIELDS: [&str; 3] = ["trace_id", "correlation_id", "principal"];

/// A span's request fields, kept in its extensions.
#[derive(Debug, Default, Clone)]
struct RequestFields([Option<String>; 3]);

impl RequestFields {
    fn is_empty(&self) -> bool {
        self.0.iter().all(Option::is_none)
    }
}

impl Visit for RequestFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        if let Some(i) = REQUEST_FIELDS.iter().position(|name| *name == field.name()) {
            self.0[i] = Some(value.to_string());
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if let Some(i) = REQUEST_FIELDS.iter().position(|name| *name == field.name()) {
            self.0[i] = Some(format!("{value:?}").trim_matches('"').to_string());
        }
    }
}

/// Keeps the request fields of spans where [`JsonFormat`] finds them.
#[derive(Debug, Default)]
pub struct RequestFieldsLayer;

impl<S: Subscriber + for<'a> LookupSpan<'a>> tracing_subscriber::Layer<S> for RequestFieldsLayer {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let mut fields = RequestFields::default();
        attrs.record(&mut fields);
        if !fields.is_empty()
            && let Some(span) = ctx.span(id)
        {
            span.extensions_mut().insert(fields);
        }
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        match extensions.get_mut::<RequestFields>() {
            Some(fields) => values.record(fields),
            None => {
                let mut fields = RequestFields::default();
                values.record(&mut fields);
                if !fields.is_empty() {
                    extensions.insert(fields);
                }
            }
        }
    }
}

/// The span field formatter of JSON logs: spans' fields are not part of a
/// JSON line (the request fields come from [`RequestFieldsLayer`]), so
/// nothing is formatted when a span opens or records.
#[derive(Debug, Default)]
pub struct NoSpanFields;

impl<'writer> FormatFields<'writer> for NoSpanFields {
    fn format_fields<R: tracing_subscriber::field::RecordFields>(&self, _: Writer<'writer>, _: R) -> fmt::Result {
        Ok(())
    }

    fn add_fields(
        &self,
        _: &'writer mut tracing_subscriber::fmt::FormattedFields<Self>,
        _: &Record<'_>,
    ) -> fmt::Result {
        Ok(())
    }
}

/// One JSON object per line: `timestamp`, `level`, `target`, `message`,
/// the event's fields, `trace_id`, `correlation_id` and `principal` of the
/// enclosing call (when inside one), and `span`, the innermost span's name.
#[derive(Debug, Default)]
pub struct JsonFormat;

struct JsonFields<'a>(&'a mut Map<String, Value>);

impl Visit for JsonFields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_string(), Value::from(value));
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().to_string(), Value::from(value.to_string()));
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_string(), Value::from(format!("{value:?}")));
    }
}

impl<S, N> FormatEvent<S, N> for JsonFormat
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut line = Map::new();
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        line.insert("timestamp".into(), Value::from(timestamp));
        let metadata = event.metadata();
        line.insert("level".into(), Value::from(metadata.level().as_str()));
        line.insert("target".into(), Value::from(metadata.target()));
        event.record(&mut JsonFields(&mut line));
        if let Some(scope) = ctx.event_scope() {
            let mut found = RequestFields::default();
            let mut innermost = None;
            for span in scope {
                innermost.get_or_insert_with(|| span.name());
                if let Some(fields) = span.extensions().get::<RequestFields>() {
                    for (slot, value) in found.0.iter_mut().zip(&fields.0) {
                        if slot.is_none() {
                            slot.clone_from(value);
                        }
                    }
                }
            }
            for (name, value) in REQUEST_FIELDS.iter().zip(found.0) {
                if let Some(value) = value {
                    line.insert((*name).to_string(), Value::from(value));
                }
            }
            if let Some(span) = innermost {
                line.insert("span".into(), Value::from(span));
            }
        }
        writeln!(writer, "{}", Value::Object(line))
    }
}
