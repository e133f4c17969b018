//! `nexus.v1.QueryService`: documents, search, watches and projection
//! administration over the projection engine.
//!
//! Tenant isolation: projections span tenants (the shipped ones key
//! documents by stream id, and a tenant's streams are `<tenant>/…`), so a
//! principal bound to a tenant is given only documents whose key starts
//! with `"<tenant>/"`: other documents are not found, do not match a search
//! and are never watched. Parked events are filtered by stream likewise.

use std::{collections::BTreeSet, pin::Pin, sync::Arc, time::Duration};

use futures::Stream;
use nexus_sdk::{json, proto};
use tokio_stream::{StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::{
    ApiState,
    authz::{Call, service::QUERY},
    convert, principal,
    status::{invalid, invalid_position, invalid_query},
};
use crate::core::{
    error::FieldViolation,
    model::Position,
    policy::tenant_of,
    principal::Principal,
    projection::{
        OnError, ProjectionDefinition,
        engine::{EngineError, GenerationStatus, ProjectionEngine, ProjectionState, ProjectionStatus},
        watch::{self, ChangeKind, Selection, WatchError, WatchItem, WatchMessage, WatchPosition, WatchRequest},
    },
    read_store::{Document, FieldFilter, IndexId, ReadStoreError, SearchQuery, SortField},
};

type ResponseStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Read-your-writes wait when the request gives none.
const DEFAULT_WAIT: Duration = Duration::from_secs(5);
/// Longest read-your-writes wait a request may ask for.
const MAX_WAIT: Duration = Duration::from_secs(60);
const MAX_SEARCH_PAGE: u32 = 1000;
const DEFAULT_PARKED: u32 = 100;
const MAX_PARKED: u32 = 1000;
const MAX_FILTERS: usize = 32;
const MAX_SORT: usize = 8;
const MAX_KEY_BYTES: usize = 512;
const MAX_TEXT_BYTES: usize = 1024;

pub struct QueryApi {
    state: Arc<ApiState>,
    engine: Arc<ProjectionEngine>,
}

impl QueryApi {
    pub fn new(state: Arc<ApiState>, engine: Arc<ProjectionEngine>) -> Self {
        Self { state, engine }
    }

    /// Waits until the projection has applied everything up to the
    /// request's position (read-your-writes). The position is the event
    /// store's: its token is resolved by the store, which gives its numeric
    /// global position; a position with only `global_position` is taken as
    /// given.
    async fn consistency(&self, projection: &str, wait: Option<Wait>) -> Result<(), Status> {
        let Some(Wait { position, timeout }) = wait else { return Ok(()) };
        Ok(self.engine.wait_for(projection, &position, timeout).await?)
    }

    /// Checks a request's consistency field.
    fn wait(
        &self,
        consistency: Option<proto::Consistency>,
        violations: &mut Vec<FieldViolation>,
    ) -> Result<Option<Wait>, Status> {
        let Some(consistency) = consistency else { return Ok(None) };
        let timeout = match consistency.timeout {
            None => DEFAULT_WAIT,
            Some(t) => match Duration::try_from(t) {
                Ok(d) if !d.is_zero() && d <= MAX_WAIT => d,
                _ => {
                    violations.push(FieldViolation::new("consistency.timeout", "must be more than 0 and at most 60s"));
                    DEFAULT_WAIT
                }
            },
        };
        let Some(position) = consistency.position else { return Ok(None) };
        let position = if position.token.is_empty() {
            match position.global_position {
                Some(global) => Position { token: String::new(), global: Some(global) },
                None => return Ok(None),
            }
        } else {
            self.state
                .store
                .resolve_position(&position.token)
                .map_err(|e| invalid_position(e.to_string(), position.token.clone(), "consistency.position.token"))?
        };
        Ok(Some(Wait { position, timeout }))
    }

    /// Runs a read against the serving index; a read that loses a race
    /// with a blue/green switch (the index dropped under it) is run again
    /// against the new one.
    async fn on_serving<T, F, Fut>(&self, projection: &str, read: F) -> Result<T, EngineError>
    where
        F: Fn(IndexId) -> Fut,
        Fut: Future<Output = Result<T, ReadStoreError>>,
    {
        let mut attempts = 0;
        loop {
            let index = self.engine.serving_index(projection)?;
            match read(index.clone()).await {
                Err(ReadStoreError::IndexNotFound(_))
                    if attempts < 2 && self.engine.serving_index(projection)? != index =>
                {
                    attempts += 1;
                }
                other => return Ok(other?),
            }
        }
    }
}

struct Wait {
    position: Position,
    timeout: Duration,
}

fn check(violations: Vec<FieldViolation>) -> Result<(), Status> {
    if violations.is_empty() { Ok(()) } else { Err(invalid(violations)) }
}

/// The key prefix a principal's documents have, if it is bound to a tenant.
fn tenant_prefix(principal: &Principal) -> Option<String> {
    (!principal.tenant.is_empty()).then(|| format!("{}/", principal.tenant))
}

fn visible(prefix: Option<&str>, key: &str) -> bool {
    prefix.is_none_or(|p| key.starts_with(p))
}

fn projection_name(field: &str, name: &str, violations: &mut Vec<FieldViolation>) {
    if name.is_empty() {
        violations.push(FieldViolation::new(field, "is required"));
    } else if name.len() > 64 {
        violations.push(FieldViolation::new(field, "must be at most 64 characters"));
    }
}

fn key(field: &str, key: &str, violations: &mut Vec<FieldViolation>) {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        violations.push(FieldViolation::new(field, format!("must be 1 to {MAX_KEY_BYTES} bytes")));
    }
}

/// A dotted path of letters, digits, '_' and '-'.
fn field_path(field: &str, path: &str, violations: &mut Vec<FieldViolation>) {
    let ok = !path.is_empty()
        && path.len() <= 256
        && path
            .split('.')
            .all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'));
    if !ok {
        violations.push(FieldViolation::new(field, "must be a dotted field path such as owner.name"));
    }
}

fn text(field: &str, text: String, violations: &mut Vec<FieldViolation>) -> Option<String> {
    if text.len() > MAX_TEXT_BYTES {
        violations.push(FieldViolation::new(field, format!("must be at most {MAX_TEXT_BYTES} bytes")));
    }
    (!text.trim().is_empty()).then_some(text)
}

/// A value compared with a field: a number, string, boolean or null.
fn scalar(field: String, value: prost_types::Value, violations: &mut Vec<FieldViolation>) -> serde_json::Value {
    let value = json::value_to_json(value);
    if value.is_array() || value.is_object() {
        violations.push(FieldViolation::new(field, "must be a number, a string, a boolean or null"));
    }
    value
}

fn filters(filters: Vec<proto::FieldFilter>, violations: &mut Vec<FieldViolation>) -> Vec<FieldFilter> {
    use proto::field_filter::Condition;
    if filters.len() > MAX_FILTERS {
        violations.push(FieldViolation::new("filters", format!("must hold at most {MAX_FILTERS} filters")));
        return Vec::new();
    }
    let mut out = Vec::new();
    for (i, filter) in filters.into_iter().enumerate() {
        let name = |part: &str| format!("filters[{i}].{part}");
        field_path(&name("field"), &filter.field, violations);
        let field = filter.field;
        match filter.condition {
            None => violations.push(FieldViolation::new(name("condition"), "must be one of equals, range, in")),
            Some(Condition::Equals(value)) => {
                let value = scalar(name("equals"), value, violations);
                out.push(FieldFilter::Equals { field, value });
            }
            Some(Condition::In(list)) => {
                if list.values.is_empty() || list.values.len() > 1000 {
                    violations.push(FieldViolation::new(name("in"), "must hold 1 to 1000 values"));
                }
                let values = list
                    .values
                    .into_iter()
                    .enumerate()
                    .map(|(j, v)| scalar(name(&format!("in[{j}]")), v, violations))
                    .collect();
                out.push(FieldFilter::In { field, values });
            }
            Some(Condition::Range(range)) => {
                // Bounds are numbers or strings, all of one kind.
                let mut kinds = BTreeSet::new();
                let mut bound = |part: &str, value: Option<prost_types::Value>| {
                    let value = json::value_to_json(value?);
                    match &value {
                        serde_json::Value::Number(_) => kinds.insert("number"),
                        serde_json::Value::String(_) => kinds.insert("string"),
                        _ => {
                            violations.push(FieldViolation::new(
                                name(&format!("range.{part}")),
                                "must be a number or a string",
                            ));
                            false
                        }
                    };
                    Some(value)
                };
                let (gt, gte, lt, lte) =
                    (bound("gt", range.gt), bound("gte", range.gte), bound("lt", range.lt), bound("lte", range.lte));
                if gt.is_none() && gte.is_none() && lt.is_none() && lte.is_none() {
                    violations.push(FieldViolation::new(name("range"), "must set at least one bound"));
                }
                if kinds.len() > 1 {
                    violations.push(FieldViolation::new(name("range"), "bounds must all be numbers or all strings"));
                }
                out.push(FieldFilter::Range { field, gt, gte, lt, lte });
            }
        }
    }
    out
}

fn sort(sort: Vec<proto::SortField>, violations: &mut Vec<FieldViolation>) -> Vec<SortField> {
    if sort.len() > MAX_SORT {
        violations.push(FieldViolation::new("sort", format!("must hold at most {MAX_SORT} fields")));
    }
    sort.into_iter()
        .take(MAX_SORT)
        .enumerate()
        .map(|(i, s)| {
            field_path(&format!("sort[{i}].field"), &s.field, violations);
            SortField { field: s.field, descending: s.descending }
        })
        .collect()
}

fn resume_after(token: &str) -> Result<Option<WatchPosition>, Status> {
    if token.is_empty() { Ok(None) } else { Ok(Some(WatchPosition::parse(token)?)) }
}

fn definition(
    definition: Option<proto::ProjectionDefinition>,
    violations: &mut Vec<FieldViolation>,
) -> ProjectionDefinition {
    let d = definition.unwrap_or_default();
    if d.name.is_empty() {
        violations.push(FieldViolation::new("definition.name", "is required"));
    }
    let on_error = match d.on_error.as_str() {
        "" | "park" => OnError::Park,
        "stop" => OnError::Stop,
        _ => {
            violations.push(FieldViolation::new("definition.on_error", "must be \"park\" or \"stop\""));
            OnError::Park
        }
    };
    ProjectionDefinition {
        name: d.name,
        event_types: d.event_types,
        stream_prefixes: d.stream_prefixes,
        key: d.key,
        fold: d.fold,
        text_fields: d.text_fields,
        on_error,
    }
}

// ---- core → proto ---------------------------------------------------------------

pub(super) fn document(d: Document) -> proto::Document {
    proto::Document {
        key: d.key,
        body: json::json_to_struct(d.body),
        version: d.version,
        position: Some(convert::position(d.position)),
        updated_time: Some(convert::timestamp(d.updated_at_micros)),
    }
}

fn progress(g: GenerationStatus) -> proto::ProjectionProgress {
    proto::ProjectionProgress {
        generation: g.generation,
        position: g.position.map(convert::position),
        events_processed: g.events,
        lag_events: g.lag_events,
        lag_millis: g.lag_millis,
        parked_events: g.parked,
    }
}

/// A projection's status. Its last error names the event and stream it
/// failed on, which may be another tenant's: a tenant-bound principal is
/// not given it.
fn projection_status(s: ProjectionStatus, tenant_bound: bool) -> proto::ProjectionStatus {
    let state = match s.state {
        ProjectionState::Running => proto::ProjectionState::Running,
        ProjectionState::Stopped => proto::ProjectionState::Stopped,
    };
    proto::ProjectionStatus {
        name: s.name,
        state: state as i32,
        serving: Some(progress(s.serving)),
        rebuilding: s.rebuilding.map(progress),
        last_error: if tenant_bound { String::new() } else { s.last_error.unwrap_or_default() },
        source: s.source,
        event_types: s.event_types,
    }
}

fn watch_event(message: WatchMessage) -> proto::WatchEvent {
    use proto::watch_event::{self as w, Kind};
    let kind = match message.item {
        WatchItem::Current(d) => Kind::Current(w::Current { document: Some(document(d)) }),
        WatchItem::Live => Kind::Live(w::Live {}),
        WatchItem::Reset => Kind::Reset(w::Reset {}),
        WatchItem::Change { kind, key, document: d, position } => Kind::Change(w::Change {
            kind: match kind {
                ChangeKind::Upsert => w::change::Kind::Upsert,
                ChangeKind::Delete => w::change::Kind::Delete,
            } as i32,
            key,
            document: d.map(document),
            position: Some(convert::position(position)),
        }),
    };
    proto::WatchEvent { kind: Some(kind), watch_position: message.position.token() }
}

impl QueryApi {
    async fn watch(
        &self,
        request: WatchRequest,
    ) -> Result<impl Stream<Item = Result<proto::WatchEvent, Status>> + use<>, WatchError> {
        let feed = watch::Feed::of(&self.engine, &request.projection)?;
        let rx = watch::start(feed, request, self.state.shutdown.clone()).await?;
        let open = crate::core::metrics::OpenStream::open("watch");
        Ok(ReceiverStream::new(rx).map(move |item| {
            let _counted = &open;
            item.map(watch_event).map_err(Status::from)
        }))
    }
}

#[tonic::async_trait]
impl proto::query_service_server::QueryService for QueryApi {
    async fn get_document(
        &self,
        request: Request<proto::GetDocumentRequest>,
    ) -> Result<Response<proto::GetDocumentResponse>, Status> {
        let prefix = tenant_prefix(&principal(&request));
        let call = Call::new(&request, QUERY, "GetDocument");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        key("key", &request.key, &mut violations);
        let wait = self.wait(request.consistency, &mut violations)?;
        check(violations)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        self.consistency(&request.projection, wait).await?;
        let store = self.engine.read_store();
        let key = &request.key;
        let found = self.on_serving(&request.projection, |index| async move { store.get(&index, key).await }).await?;
        match found.filter(|d| visible(prefix.as_deref(), &d.key)) {
            Some(d) => Ok(Response::new(proto::GetDocumentResponse { document: Some(document(d)) })),
            None => Err(super::status::status(
                tonic::Code::NotFound,
                format!("projection {} has no document {:?}", request.projection, request.key),
                "DOCUMENT_NOT_FOUND",
                super::status::meta([("projection", request.projection), ("key", request.key)]),
                &[],
            )),
        }
    }

    async fn search(&self, request: Request<proto::SearchRequest>) -> Result<Response<proto::SearchResponse>, Status> {
        let key_prefix = tenant_prefix(&principal(&request));
        let call = Call::new(&request, QUERY, "Search");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        let text = text("text", request.text, &mut violations);
        let filters = filters(request.filters, &mut violations);
        let sort = sort(request.sort, &mut violations);
        if request.page_size > MAX_SEARCH_PAGE {
            violations.push(FieldViolation::new("page_size", format!("must be at most {MAX_SEARCH_PAGE}")));
        }
        let wait = self.wait(request.consistency, &mut violations)?;
        check(violations)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        self.consistency(&request.projection, wait).await?;
        let has_token = !request.page_token.is_empty();
        let query = SearchQuery {
            text: text.clone(),
            filters,
            keys: Vec::new(),
            key_prefix,
            sort,
            page_size: request.page_size as usize,
            page_token: has_token.then_some(request.page_token),
        };
        let store = self.engine.read_store();
        let page = self.on_serving(&request.projection, |index| {
            let query = &query;
            async move { store.search(&index, query).await }
        });
        let page = match page.await {
            Ok(page) => page,
            Err(EngineError::Store(ReadStoreError::InvalidQuery(detail))) => {
                // Filters and sort fields were checked above: what the store
                // refuses is the text or the page token.
                let mut fields = Vec::new();
                if text.is_some() {
                    fields.push("text");
                }
                if has_token {
                    fields.push("page_token");
                }
                return Err(invalid_query(detail, &fields));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Response::new(proto::SearchResponse {
            documents: page.documents.into_iter().map(document).collect(),
            next_page_token: page.next_page_token.unwrap_or_default(),
            total: page.total,
        }))
    }

    async fn list_projections(
        &self,
        request: Request<proto::ListProjectionsRequest>,
    ) -> Result<Response<proto::ListProjectionsResponse>, Status> {
        let tenant_bound = !principal(&request).tenant.is_empty();
        let _ = self.state.guard.authorize(&Call::new(&request, QUERY, "ListProjections").own_tenant()).await?;
        let projections = self.engine.list().await.into_iter().map(|s| projection_status(s, tenant_bound)).collect();
        Ok(Response::new(proto::ListProjectionsResponse { projections }))
    }

    async fn get_projection_status(
        &self,
        request: Request<proto::GetProjectionStatusRequest>,
    ) -> Result<Response<proto::GetProjectionStatusResponse>, Status> {
        let tenant_bound = !principal(&request).tenant.is_empty();
        let call = Call::new(&request, QUERY, "GetProjectionStatus");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        check(violations)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        let status = self.engine.status(&request.projection).await?;
        Ok(Response::new(proto::GetProjectionStatusResponse { status: Some(projection_status(status, tenant_bound)) }))
    }

    async fn register_projection(
        &self,
        request: Request<proto::RegisterProjectionRequest>,
    ) -> Result<Response<proto::RegisterProjectionResponse>, Status> {
        let call = Call::new(&request, QUERY, "RegisterProjection");
        let request = request.into_inner();
        let mut violations = Vec::new();
        let definition = definition(request.definition, &mut violations);
        check(violations)?;
        let permit = self.state.guard.authorize(&call.projection(&definition.name)).await?;
        let engine = &self.engine;
        let status = permit.write(async { Ok(engine.register(definition).await?) }).await?;
        Ok(Response::new(proto::RegisterProjectionResponse { status: Some(projection_status(status, false)) }))
    }

    async fn rebuild_projection(
        &self,
        request: Request<proto::RebuildProjectionRequest>,
    ) -> Result<Response<proto::RebuildProjectionResponse>, Status> {
        let call = Call::new(&request, QUERY, "RebuildProjection");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        check(violations)?;
        let permit = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        let engine = &self.engine;
        let status = permit.write(async { Ok(engine.rebuild(&request.projection).await?) }).await?;
        Ok(Response::new(proto::RebuildProjectionResponse { status: Some(projection_status(status, false)) }))
    }

    async fn list_parked_events(
        &self,
        request: Request<proto::ListParkedEventsRequest>,
    ) -> Result<Response<proto::ListParkedEventsResponse>, Status> {
        let tenant = principal(&request).tenant;
        let call = Call::new(&request, QUERY, "ListParkedEvents");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        if request.limit > MAX_PARKED {
            violations.push(FieldViolation::new("limit", format!("must be at most {MAX_PARKED}")));
        }
        check(violations)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        let limit = if request.limit == 0 { DEFAULT_PARKED } else { request.limit } as usize;
        let store = self.engine.read_store();
        let parked =
            self.on_serving(&request.projection, |index| async move { store.parked(&index, limit).await }).await?;
        let parked_events = parked
            .into_iter()
            .filter(|p| tenant.is_empty() || tenant_of(&p.stream_id) == tenant)
            .map(|p| proto::ParkedEvent {
                event_id: p.event_id.to_string(),
                stream_id: p.stream_id,
                stream_revision: p.revision,
                event_type: p.event_type,
                position: Some(convert::position(p.position)),
                error: p.error,
                parked_time: Some(convert::timestamp(p.parked_at_micros)),
            })
            .collect();
        Ok(Response::new(proto::ListParkedEventsResponse { parked_events }))
    }

    type WatchDocumentsStream = ResponseStream<proto::WatchDocumentsResponse>;

    async fn watch_documents(
        &self,
        request: Request<proto::WatchDocumentsRequest>,
    ) -> Result<Response<Self::WatchDocumentsStream>, Status> {
        let key_prefix = tenant_prefix(&principal(&request));
        let call = Call::new(&request, QUERY, "WatchDocuments");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        if request.keys.is_empty() || request.keys.len() > watch::MAX_WATCHED_KEYS {
            violations.push(FieldViolation::new("keys", format!("must hold 1 to {} keys", watch::MAX_WATCHED_KEYS)));
        }
        for (i, k) in request.keys.iter().enumerate() {
            key(&format!("keys[{i}]"), k, &mut violations);
        }
        check(violations)?;
        let resume_after = resume_after(&request.resume_after)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        let keys: BTreeSet<String> = request.keys.into_iter().collect();
        let stream = self
            .watch(WatchRequest {
                projection: request.projection,
                selection: Selection::Keys(keys),
                key_prefix,
                resume_after,
            })
            .await
            .map_err(Status::from)?
            .map(|event| Ok(proto::WatchDocumentsResponse { event: Some(event?) }));
        Ok(Response::new(Box::pin(stream)))
    }

    type WatchQueryStream = ResponseStream<proto::WatchQueryResponse>;

    async fn watch_query(
        &self,
        request: Request<proto::WatchQueryRequest>,
    ) -> Result<Response<Self::WatchQueryStream>, Status> {
        let key_prefix = tenant_prefix(&principal(&request));
        let call = Call::new(&request, QUERY, "WatchQuery");
        let request = request.into_inner();
        let mut violations = Vec::new();
        projection_name("projection", &request.projection, &mut violations);
        let text = text("text", request.text, &mut violations);
        let filters = filters(request.filters, &mut violations);
        check(violations)?;
        let resume_after = resume_after(&request.resume_after)?;
        let _ = self.state.guard.authorize(&call.projection(&request.projection)).await?;
        let watch = self
            .watch(WatchRequest {
                projection: request.projection,
                selection: Selection::Query { text, filters },
                key_prefix,
                resume_after,
            })
            .await;
        let stream = match watch {
            Ok(stream) => stream,
            // Filters were checked above: what the store refuses is the text.
            Err(WatchError::Engine(EngineError::Store(ReadStoreError::InvalidQuery(detail)))) => {
                return Err(invalid_query(detail, &["text"]));
            }
            Err(e) => return Err(e.into()),
        }
        .map(|event| Ok(proto::WatchQueryResponse { event: Some(event?) }));
        Ok(Response::new(Box::pin(stream)))
    }
}
