//! Search: a [`SearchQuery`] turned into an OpenSearch query over version
//! documents.
//!
//! Document bodies are stored but not indexed (`enabled: false`): their
//! field types differ from document to document, which one OpenSearch
//! mapping cannot hold. Instead each version carries its scalar values by
//! kind under fields named after the path, with `/` between segments so
//! that `a` and `a.b` never collide:
//!
//! - `fs.<path>`: strings (keyword), `fn.<path>`: numbers (double),
//!   `fb.<path>`: booleans, each the value at the path or the elements of
//!   an array there (not members of an object), as the embedded store;
//! - `nn`: the paths holding something other than null (`Equals null`
//!   matches a document whose path is not among them);
//! - `text`: the text fields' values (standard analyzer).
//!
//! Numbers compare numerically (`1` equals `1.0`), strings by code point
//! (keyword order), booleans only with booleans. Sorting orders numbers
//! before strings ascending (strings before numbers descending), missing
//! values last, then the key; booleans do not sort (they count as missing)
//! and an array sorts by its smallest (ascending) or largest element.
//! Page tokens are `search_after` values with a fingerprint of the query.
//! Pages by relevance are the exception: they continue at an offset
//! (`from`, so at most `index.max_result_window` matches deep, 10,000 by
//! default), because scores are floats that not every server reads back
//! exactly as it wrote them (osmem-server does not), which would make
//! `search_after` repeat a document.

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::core::read_store::{Document, FieldFilter, ReadStoreError, SearchPage, SearchQuery};

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;

/// The field name of a dotted path (`owner.name` → `owner/name`).
pub(super) fn field_name(field: &str) -> Result<String, ReadStoreError> {
    let valid = field.split('.').all(valid_segment);
    if !valid {
        return Err(ReadStoreError::InvalidQuery(format!(
            "invalid field path {field:?}: segments are letters, digits, '_' or '-' separated by '.'"
        )));
    }
    Ok(field.replace('.', "/"))
}

fn valid_segment(segment: &str) -> bool {
    !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// A body's scalar values by kind and path, as stored for queries.
pub(super) struct Flattened {
    pub strings: Value,
    pub numbers: Value,
    pub booleans: Value,
    pub non_null: Vec<String>,
}

impl Flattened {
    pub(super) fn of(body: &Value) -> Self {
        let mut out = Self {
            strings: Value::Object(Map::new()),
            numbers: Value::Object(Map::new()),
            booleans: Value::Object(Map::new()),
            non_null: Vec::new(),
        };
        if let Value::Object(members) = body {
            for (name, value) in members {
                if valid_segment(name) {
                    out.walk(name.clone(), value);
                }
            }
        }
        out
    }

    fn walk(&mut self, path: String, value: &Value) {
        match value {
            Value::Null => {}
            Value::Object(members) => {
                if members.values().any(|v| !v.is_null()) {
                    self.non_null.push(path.replace('/', "."));
                }
                for (name, value) in members {
                    if valid_segment(name) {
                        self.walk(format!("{path}/{name}"), value);
                    }
                }
            }
            Value::Array(items) => {
                if items.iter().any(|v| !v.is_null()) {
                    self.non_null.push(path.replace('/', "."));
                }
                for item in items {
                    self.scalar(&path, item);
                }
            }
            scalar => {
                self.non_null.push(path.replace('/', "."));
                self.scalar(&path, scalar);
            }
        }
    }

    fn scalar(&mut self, path: &str, value: &Value) {
        let (target, value) = match value {
            Value::String(_) => (&mut self.strings, value.clone()),
            Value::Number(n) => (&mut self.numbers, json!(n.as_f64().unwrap_or(f64::NAN))),
            Value::Bool(_) => (&mut self.booleans, value.clone()),
            _ => return,
        };
        let Value::Object(map) = target else { return };
        match map.entry(path.to_string()).or_insert_with(|| json!([])) {
            Value::Array(values) => values.push(value),
            _ => unreachable!("always arrays"),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PageToken {
    /// Fingerprint of the query the token belongs to.
    q: String,
    /// `search_after` values of the last document shown.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    a: Vec<Value>,
    /// Or (relevance order) the offset of the next page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    o: Option<usize>,
}

/// Where a page starts.
enum After {
    Values(Vec<Value>),
    Offset(usize),
}

/// A validated search.
pub(super) struct Plan {
    /// Conditions besides visibility.
    filters: Vec<Value>,
    text: Option<Value>,
    sort: Vec<Value>,
    page_size: usize,
    fingerprint: String,
    relevance: bool,
    after: Option<After>,
}

impl Plan {
    pub(super) fn new(query: &SearchQuery) -> Result<Self, ReadStoreError> {
        let page_size = match query.page_size {
            0 => DEFAULT_PAGE_SIZE,
            n if n > MAX_PAGE_SIZE => {
                return Err(ReadStoreError::InvalidQuery(format!("page size {n} is above {MAX_PAGE_SIZE}")));
            }
            n => n,
        };
        let text = query.text.as_deref().and_then(text_query);
        let mut filters = query.filters.iter().map(filter).collect::<Result<Vec<_>, _>>()?;
        if !query.keys.is_empty() {
            filters.push(json!({ "terms": { "key": query.keys } }));
        }
        if let Some(prefix) = query.key_prefix.as_deref().filter(|p| !p.is_empty()) {
            filters.push(json!({ "prefix": { "key": { "value": prefix } } }));
        }
        let mut sort = Vec::new();
        for field in &query.sort {
            let name = field_name(&field.field)?;
            let (order, numbers, strings) = if field.descending { ("desc", 1, 0) } else { ("asc", 0, 1) };
            let mut pair = [Value::Null, Value::Null];
            pair[numbers] =
                json!({ format!("fn.{name}"): { "order": order, "missing": "_last", "unmapped_type": "double" } });
            pair[strings] =
                json!({ format!("fs.{name}"): { "order": order, "missing": "_last", "unmapped_type": "keyword" } });
            sort.extend(pair);
        }
        let relevance = query.sort.is_empty() && text.is_some();
        if relevance {
            sort.push(json!({ "_score": "desc" }));
        }
        sort.push(json!({ "key": "asc" }));
        let fingerprint = {
            let shape = format!(
                "{:?}|{:?}|{:?}|{:?}|{:?}",
                query.text, query.filters, query.keys, query.sort, query.key_prefix
            );
            let digest = Sha256::digest(shape.as_bytes());
            digest[..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let after = match &query.page_token {
            None => None,
            Some(token) => {
                let token = decode_token(token)?;
                let other = || ReadStoreError::InvalidQuery("the page token belongs to another query".into());
                if token.q != fingerprint {
                    return Err(other());
                }
                match (relevance, token.o) {
                    (true, Some(offset)) => Some(After::Offset(offset)),
                    (false, None) if token.a.len() == sort.len() => Some(After::Values(token.a)),
                    _ => return Err(other()),
                }
            }
        };
        Ok(Self { filters, text, sort, page_size, fingerprint, relevance, after })
    }

    /// The search request, with `visible` (filters of the versions a
    /// snapshot sees) added.
    pub(super) fn body(&self, visible: Value) -> Value {
        let mut filter = match visible {
            Value::Array(v) => v,
            other => vec![other],
        };
        filter.extend(self.filters.iter().cloned());
        let mut query = json!({ "bool": { "filter": filter } });
        if let Some(text) = &self.text {
            query["bool"]["must"] = text.clone();
        }
        let mut body = json!({
            "query": query,
            "sort": self.sort,
            "size": self.page_size + 1,
            "track_total_hits": true,
            "_source": { "includes": ["key", "body", "version", "position", "updated_at"] },
        });
        match &self.after {
            Some(After::Values(values)) => body["search_after"] = json!(values),
            Some(After::Offset(offset)) => body["from"] = json!(offset),
            None => {}
        }
        body
    }

    /// The page in a search answer.
    pub(super) fn page(&self, found: &Value) -> Result<SearchPage, ReadStoreError> {
        let total = found.pointer("/hits/total/value").and_then(Value::as_u64).unwrap_or(0);
        let hits = found.pointer("/hits/hits").and_then(Value::as_array).cloned().unwrap_or_default();
        let more = hits.len() > self.page_size;
        let mut documents: Vec<Document> = Vec::with_capacity(self.page_size);
        let mut last_sort = None;
        for hit in hits.into_iter().take(self.page_size) {
            let source = hit.get("_source").cloned().unwrap_or_default();
            documents.push(super::version_document(&source)?);
            last_sort = hit.get("sort").cloned();
        }
        let next_page_token = match (more, last_sort) {
            (true, _) if self.relevance => {
                let offset = match &self.after {
                    Some(After::Offset(offset)) => *offset,
                    _ => 0,
                };
                let o = Some(offset + self.page_size);
                Some(encode_token(&PageToken { q: self.fingerprint.clone(), a: Vec::new(), o })?)
            }
            (true, Some(Value::Array(a))) => {
                Some(encode_token(&PageToken { q: self.fingerprint.clone(), a, o: None })?)
            }
            (true, _) => return Err(ReadStoreError::Internal("OpenSearch returned hits without sort values".into())),
            _ => None,
        };
        Ok(SearchPage { documents, next_page_token, total })
    }
}

/// The query for user text, `None` when it has no searchable word. Every
/// word must match; a trailing `*` makes the word's last part a prefix.
/// Words are analysed as text, never parsed as query syntax.
fn text_query(text: &str) -> Option<Value> {
    let mut musts = Vec::new();
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let word: String = word.chars().filter(|c| !c.is_control()).collect();
        let stem = word.trim_end_matches('*');
        if !stem.chars().any(char::is_alphanumeric) {
            continue;
        }
        if stem.len() == word.len() {
            words.push(stem.to_string());
            continue;
        }
        let mut parts: Vec<String> =
            stem.split(|c: char| !c.is_alphanumeric()).filter(|p| !p.is_empty()).map(str::to_lowercase).collect();
        let last = parts.pop().expect("a stem with an alphanumeric character has a part");
        words.extend(parts);
        musts.push(json!({ "prefix": { "text": { "value": last } } }));
    }
    if !words.is_empty() {
        musts.push(json!({ "match": { "text": { "query": words.join(" "), "operator": "and" } } }));
    }
    (!musts.is_empty()).then(|| json!(musts))
}

/// The query of one filter.
fn filter(filter: &FieldFilter) -> Result<Value, ReadStoreError> {
    match filter {
        FieldFilter::Equals { field, value } => any_of(field, std::slice::from_ref(value)),
        FieldFilter::In { field, values } => any_of(field, values),
        FieldFilter::Range { field, gt, gte, lt, lte } => {
            let name = field_name(field)?;
            let mut kind = None;
            let mut bounds = Map::new();
            for (op, bound) in [("gt", gt), ("gte", gte), ("lt", lt), ("lte", lte)] {
                let Some(bound) = bound else { continue };
                let bound_kind = match bound {
                    Value::Number(_) => "fn",
                    Value::String(_) => "fs",
                    other => {
                        return Err(ReadStoreError::InvalidQuery(format!(
                            "range bounds on {field} must be numbers or strings, not {other}"
                        )));
                    }
                };
                if kind.is_some_and(|k| k != bound_kind) {
                    return Err(ReadStoreError::InvalidQuery(format!(
                        "range bounds on {field} mix numbers and strings"
                    )));
                }
                kind = Some(bound_kind);
                bounds.insert(op.to_string(), bound.clone());
            }
            Ok(match kind {
                Some(kind) => json!({ "range": { format!("{kind}.{name}"): bounds } }),
                // No bounds: any scalar value.
                None => json!({ "bool": { "should": [
                    { "exists": { "field": format!("fs.{name}") } },
                    { "exists": { "field": format!("fn.{name}") } },
                    { "exists": { "field": format!("fb.{name}") } },
                ], "minimum_should_match": 1 } }),
            })
        }
    }
}

/// The field (or one of its elements) equals one of `values`.
fn any_of(field: &str, values: &[Value]) -> Result<Value, ReadStoreError> {
    let name = field_name(field)?;
    let mut alternatives = Vec::new();
    for value in values {
        alternatives.push(match value {
            Value::String(_) => json!({ "term": { format!("fs.{name}"): value } }),
            Value::Number(n) => json!({ "term": { format!("fn.{name}"): n.as_f64() } }),
            Value::Bool(_) => json!({ "term": { format!("fb.{name}"): value } }),
            // Missing, null, or an array (or object) without a non-null value.
            Value::Null => json!({ "bool": { "must_not": [{ "term": { "nn": field } }] } }),
            _ => {
                return Err(ReadStoreError::InvalidQuery(format!(
                    "values compared with {field} must be strings, numbers, booleans or null"
                )));
            }
        });
    }
    if alternatives.is_empty() {
        return Ok(json!({ "match_none": {} }));
    }
    Ok(json!({ "bool": { "should": alternatives, "minimum_should_match": 1 } }))
}

fn encode_token(token: &PageToken) -> Result<String, ReadStoreError> {
    let json = serde_json::to_vec(token).map_err(|e| ReadStoreError::Internal(e.to_string()))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

fn decode_token(token: &str) -> Result<PageToken, ReadStoreError> {
    let bad = || ReadStoreError::InvalidQuery("invalid page token".into());
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    serde_json::from_slice(&json).map_err(|_| bad())
}

#[cfg(test)]
mod unit {
    use serde_json::json;

    use super::*;

    #[test]
    fn values_are_filed_by_kind_and_path() {
        let body = json!({
            "n": 1, "s": "x", "b": true, "tags": ["a", 2, null], "owner": { "name": "ana", "gone": null },
            "empty": [], "nothing": null, "bad key": 1,
        });
        let f = Flattened::of(&body);
        assert_eq!(f.strings, json!({ "s": ["x"], "tags": ["a"], "owner/name": ["ana"] }));
        assert_eq!(f.numbers, json!({ "n": [1.0], "tags": [2.0] }));
        assert_eq!(f.booleans, json!({ "b": [true] }));
        let mut non_null = f.non_null.clone();
        non_null.sort();
        assert_eq!(non_null, ["b", "n", "owner", "owner.name", "s", "tags"]);
    }

    #[test]
    fn text_words_are_never_query_syntax() {
        assert_eq!(text_query("  * -- "), None);
        assert_eq!(
            text_query("Rock AND semi-fin*"),
            Some(json!([
                { "prefix": { "text": { "value": "fin" } } },
                { "match": { "text": { "query": "Rock AND semi", "operator": "and" } } },
            ]))
        );
    }
}
