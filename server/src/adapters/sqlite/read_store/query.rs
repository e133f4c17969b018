//! Search: a [`SearchQuery`] turned into SQL over `rs_documents` and
//! `rs_text`.
//!
//! - Field paths are dotted (`owner.name`), each segment letters, digits,
//!   `_` or `-`; they become quoted JSON paths (`$."owner"."name"`) bound as
//!   parameters, never spliced into SQL.
//! - Filters look at the field's value or, when it is an array, at each of
//!   its elements (as OpenSearch does): `tags = "a"` matches `["a", "b"]`.
//!   Numbers compare numerically whatever their JSON form (`2`, `2.0`), and
//!   only with numbers; strings compare by bytes (code points) and only with
//!   strings; booleans equal only booleans (SQLite's `json_extract` turns
//!   `true` into `1`, so filters look at `json_each`'s `type`, not the
//!   value alone). `Equals null` matches a field that is missing, null, or an
//!   array without a non-null element. Objects and arrays as filter values
//!   are invalid.
//! - Text: each whitespace-separated word becomes a quoted FTS5 string, a
//!   trailing `*` a prefix query, and all must match; FTS5 syntax in user
//!   input is therefore literal text. Words without a letter or digit (which
//!   the tokenizer would drop anyway) are ignored.
//! - Sort: by `json_extract` of each field, missing values last in both
//!   directions (as OpenSearch), then the key. Values of different kinds
//!   order nulls, numbers (booleans as 0/1), then strings.
//! - Page tokens are keyset cursors: the last row's sort values and key,
//!   with a fingerprint of the query, base64url JSON. A page continues right
//!   after the last row shown, so writes between pages never make a page
//!   repeat or skip a document that stays in place (relevance sorting is the
//!   exception: scores shift as documents change).

use base64::Engine as _;
use rusqlite::{Transaction, types::Value as SqlValue};
use serde::{Deserialize, Serialize};
use serde_json::{Number, Value};
use sha2::{Digest, Sha256};

use super::{read_document, sqlite_error};
use crate::core::read_store::{FieldFilter, ReadStoreError, SearchPage, SearchQuery};

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 1000;

/// The quoted JSON path of a dotted field path.
pub(super) fn json_path(field: &str) -> Result<String, ReadStoreError> {
    let mut path = String::from("$");
    for segment in field.split('.') {
        let valid = !segment.is_empty() && segment.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !valid {
            return Err(ReadStoreError::InvalidQuery(format!(
                "invalid field path {field:?}: segments are letters, digits, '_' or '-' separated by '.'"
            )));
        }
        path.push_str(".\"");
        path.push_str(segment);
        path.push('"');
    }
    Ok(path)
}

/// The text a document contributes to full-text search: the values of its
/// text fields (strings, numbers, booleans, and those inside arrays and
/// objects), one per line.
pub(super) fn text_of(body: &Value, fields: &[String]) -> String {
    fn collect(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Null => {}
            Value::String(s) => out.push(s.clone()),
            Value::Number(n) => out.push(n.to_string()),
            Value::Bool(b) => out.push(b.to_string()),
            Value::Array(items) => items.iter().for_each(|v| collect(v, out)),
            Value::Object(members) => members.values().for_each(|v| collect(v, out)),
        }
    }
    let mut out = Vec::new();
    for field in fields {
        let found = field.split('.').try_fold(body, |value, segment| value.get(segment));
        if let Some(value) = found {
            collect(value, &mut out);
        }
    }
    out.join("\n")
}

/// The FTS5 query for user text, `None` when it has no searchable word.
pub(super) fn fts_query(text: &str) -> Option<String> {
    let mut terms = Vec::new();
    for word in text.split_whitespace() {
        let stem = word.trim_end_matches('*');
        let prefix = stem.len() < word.len();
        if !stem.chars().any(char::is_alphanumeric) {
            continue;
        }
        let stem: String = stem.chars().filter(|c| !c.is_control()).collect();
        let quoted = format!("\"{}\"", stem.replace('"', "\"\""));
        terms.push(if prefix { format!("{quoted}*") } else { quoted });
    }
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// SQL text with its positional parameters, built in textual order.
#[derive(Default)]
struct Sql {
    text: String,
    params: Vec<SqlValue>,
}

impl Sql {
    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, text: &str, value: SqlValue) {
        self.text.push_str(text);
        self.params.push(value);
    }
}

/// One value of a keyset cursor, exactly as SQLite returned it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum CursorValue {
    #[serde(rename = "n")]
    Null,
    #[serde(rename = "i")]
    Integer(i64),
    /// The bits of an `f64`, so it survives JSON exactly.
    #[serde(rename = "r")]
    Real(u64),
    #[serde(rename = "t")]
    Text(String),
}

impl CursorValue {
    fn from_sql(value: SqlValue) -> Result<Self, ReadStoreError> {
        Ok(match value {
            SqlValue::Null => CursorValue::Null,
            SqlValue::Integer(i) => CursorValue::Integer(i),
            SqlValue::Real(r) => CursorValue::Real(r.to_bits()),
            SqlValue::Text(t) => CursorValue::Text(t),
            SqlValue::Blob(_) => return Err(ReadStoreError::Internal("unexpected blob sort value".into())),
        })
    }

    fn to_sql(&self) -> SqlValue {
        match self {
            CursorValue::Null => SqlValue::Null,
            CursorValue::Integer(i) => SqlValue::Integer(*i),
            CursorValue::Real(bits) => SqlValue::Real(f64::from_bits(*bits)),
            CursorValue::Text(t) => SqlValue::Text(t.clone()),
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct PageToken {
    /// Fingerprint of the query the token belongs to.
    q: String,
    /// Sort values of the last document shown.
    v: Vec<CursorValue>,
    /// Key of the last document shown.
    k: String,
}

/// How results are ordered, before the key.
enum Order {
    Fields(Vec<(String, bool)>),
    Relevance,
}

/// A validated search, ready to run on a snapshot.
pub(super) struct Plan {
    text: Option<String>,
    /// `WHERE` conditions after the index, with their parameters.
    filters: Sql,
    keys: Option<String>,
    order: Order,
    page_size: usize,
    fingerprint: String,
    after: Option<PageToken>,
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
        let text = query.text.as_deref().and_then(fts_query);
        let mut filters = Sql::default();
        for filter in &query.filters {
            filters.push(" AND ");
            filter_sql(filter, &mut filters)?;
        }
        let keys = if query.keys.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&query.keys).map_err(super::internal)?)
        };
        let order = match (&text, query.sort.is_empty()) {
            (Some(_), true) => Order::Relevance,
            _ => Order::Fields(
                query.sort.iter().map(|s| Ok((json_path(&s.field)?, s.descending))).collect::<Result<_, _>>()?,
            ),
        };
        let fingerprint = {
            let shape = format!("{:?}|{:?}|{:?}|{:?}", query.text, query.filters, query.keys, query.sort);
            let digest = Sha256::digest(shape.as_bytes());
            digest[..8].iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let after = match &query.page_token {
            None => None,
            Some(token) => {
                let token = decode_token(token)?;
                let columns = match &order {
                    Order::Fields(fields) => fields.len(),
                    Order::Relevance => 1,
                };
                if token.q != fingerprint || token.v.len() != columns {
                    return Err(ReadStoreError::InvalidQuery("the page token belongs to another query".into()));
                }
                Some(token)
            }
        };
        Ok(Self { text, filters, keys, order, page_size, fingerprint, after })
    }

    /// The matching documents of index `idx` (with the sort columns `s0`…),
    /// before paging.
    fn matches(&self, idx: i64) -> Sql {
        let mut sql = Sql::default();
        sql.push("SELECT d.doc_key AS doc_key, d.body, d.version, d.position_token, d.position_global, d.updated_at");
        match &self.order {
            Order::Fields(fields) => {
                for (i, (path, _)) in fields.iter().enumerate() {
                    sql.bind(", json_extract(d.body, ?)", SqlValue::Text(path.clone()));
                    sql.push(&format!(" AS s{i}"));
                }
            }
            Order::Relevance => sql.push(", bm25(rs_text) AS s0"),
        }
        match &self.text {
            Some(text) => {
                sql.push(" FROM rs_text JOIN rs_documents d ON d.doc = rs_text.rowid");
                sql.bind(" WHERE rs_text MATCH ?", SqlValue::Text(text.clone()));
                sql.bind(" AND d.idx = ?", SqlValue::Integer(idx));
            }
            None => sql.bind(" FROM rs_documents d WHERE d.idx = ?", SqlValue::Integer(idx)),
        }
        sql.push(&self.filters.text);
        sql.params.extend(self.filters.params.iter().cloned());
        if let Some(keys) = &self.keys {
            sql.bind(" AND d.doc_key IN (SELECT value FROM json_each(?))", SqlValue::Text(keys.clone()));
        }
        sql
    }

    pub(super) fn run(&self, tx: &Transaction<'_>, idx: i64) -> Result<SearchPage, ReadStoreError> {
        let matches = self.matches(idx);
        let total: i64 = tx
            .prepare_cached(&format!("SELECT COUNT(*) FROM ({})", matches.text))
            .map_err(sqlite_error)?
            .query_row(rusqlite::params_from_iter(matches.params.iter()), |r| r.get(0))
            .map_err(sqlite_error)?;

        let mut sql = Sql::default();
        sql.push("SELECT * FROM (");
        sql.push(&matches.text);
        sql.params.extend(matches.params);
        sql.push(")");
        let directions: Vec<bool> = match &self.order {
            Order::Fields(fields) => fields.iter().map(|(_, descending)| *descending).collect(),
            Order::Relevance => vec![false],
        };
        if let Some(after) = &self.after {
            sql.push(" WHERE ");
            keyset(&mut sql, &directions, after, 0);
        }
        sql.push(" ORDER BY ");
        for (i, descending) in directions.iter().enumerate() {
            sql.push(&format!("s{i} {} NULLS LAST, ", if *descending { "DESC" } else { "ASC" }));
        }
        sql.bind("doc_key ASC LIMIT ?", SqlValue::Integer(self.page_size as i64 + 1));

        let mut stmt = tx.prepare_cached(&sql.text).map_err(sqlite_error)?;
        let columns = directions.len();
        let rows = stmt
            .query_map(rusqlite::params_from_iter(sql.params.iter()), |r| {
                let sort = (0..columns).map(|i| r.get::<_, SqlValue>(6 + i)).collect::<Result<Vec<_>, _>>()?;
                Ok((read_document(r)?, sort))
            })
            .map_err(sqlite_error)?;
        let mut documents = Vec::with_capacity(self.page_size);
        let mut last_sort = Vec::new();
        let mut more = false;
        for row in rows {
            let (row, sort) = row.map_err(sqlite_error)?;
            if documents.len() == self.page_size {
                more = true;
                break;
            }
            documents.push(row.into_document()?);
            last_sort = sort;
        }
        let next_page_token = match (more, documents.last()) {
            (true, Some(last)) => Some(encode_token(&PageToken {
                q: self.fingerprint.clone(),
                v: last_sort.into_iter().map(CursorValue::from_sql).collect::<Result<_, _>>()?,
                k: last.key.clone(),
            })?),
            _ => None,
        };
        Ok(SearchPage { documents, next_page_token, total: total as u64 })
    }
}

/// Rows strictly after the cursor in the order `s0…, doc_key`, with nulls
/// last in both directions.
fn keyset(sql: &mut Sql, directions: &[bool], after: &PageToken, i: usize) {
    let Some(descending) = directions.get(i) else {
        sql.bind("doc_key > ?", SqlValue::Text(after.k.clone()));
        return;
    };
    let column = format!("s{i}");
    let value = after.v[i].to_sql();
    sql.push("(");
    if value == SqlValue::Null {
        // Nothing sorts after a null but other nulls.
        sql.push(&format!("{column} IS NULL AND "));
    } else {
        let op = if *descending { "<" } else { ">" };
        sql.bind(&format!("{column} {op} ? OR {column} IS NULL OR ({column} = ?"), value.clone());
        sql.params.push(value);
        sql.push(" AND ");
    }
    keyset(sql, directions, after, i + 1);
    if after.v[i] != CursorValue::Null {
        sql.push(")");
    }
    sql.push(")");
}

fn encode_token(token: &PageToken) -> Result<String, ReadStoreError> {
    let json = serde_json::to_vec(token).map_err(super::internal)?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json))
}

fn decode_token(token: &str) -> Result<PageToken, ReadStoreError> {
    let bad = || ReadStoreError::InvalidQuery("invalid page token".into());
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(token).map_err(|_| bad())?;
    serde_json::from_slice(&json).map_err(|_| bad())
}

/// Appends the SQL condition of one filter.
fn filter_sql(filter: &FieldFilter, sql: &mut Sql) -> Result<(), ReadStoreError> {
    match filter {
        FieldFilter::Equals { field, value } => in_sql(field, std::slice::from_ref(value), sql),
        FieldFilter::In { field, values } => in_sql(field, values, sql),
        FieldFilter::Range { field, gt, gte, lt, lte } => {
            let path = json_path(field)?;
            let bounds = [(">", gt), (">=", gte), ("<", lt), ("<=", lte)];
            let mut kind = None;
            let mut conditions = Sql::default();
            for (op, bound) in bounds {
                let Some(bound) = bound else { continue };
                let (bound_kind, value) = match bound {
                    Value::Number(n) => ("number", number(n)),
                    Value::String(s) => ("string", SqlValue::Text(s.clone())),
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
                conditions.bind(&format!(" AND j.atom {op} ?"), value);
            }
            let types = match kind {
                Some("number") => "('integer', 'real')",
                Some(_) => "('text')",
                // No bounds: any scalar value.
                None => "('integer', 'real', 'text', 'true', 'false')",
            };
            sql.bind("EXISTS (SELECT 1 FROM json_each(d.body, ?) j WHERE ", SqlValue::Text(path));
            sql.push(ELEMENT);
            sql.push(&format!(" AND j.type IN {types}"));
            sql.push(&conditions.text);
            sql.params.extend(conditions.params);
            sql.push(")");
            Ok(())
        }
    }
}

/// `j` is the value itself or an element of it when it is an array (not a
/// member of an object).
const ELEMENT: &str = "(j.key IS NULL OR typeof(j.key) = 'integer')";

/// The field (or one of its elements) equals one of `values`.
fn in_sql(field: &str, values: &[Value], sql: &mut Sql) -> Result<(), ReadStoreError> {
    let path = json_path(field)?;
    let (mut strings, mut numbers) = (Vec::new(), Vec::new());
    let (mut t, mut f, mut null) = (false, false, false);
    for value in values {
        match value {
            Value::String(_) => strings.push(value),
            Value::Number(_) => numbers.push(value),
            Value::Bool(true) => t = true,
            Value::Bool(false) => f = true,
            Value::Null => null = true,
            _ => {
                return Err(ReadStoreError::InvalidQuery(format!(
                    "values compared with {field} must be strings, numbers, booleans or null"
                )));
            }
        }
    }
    let mut alternatives = Sql::default();
    let or = |alternatives: &mut Sql| {
        if !alternatives.text.is_empty() {
            alternatives.push(" OR ");
        }
    };
    for (list, types) in [(&strings, "('text')"), (&numbers, "('integer', 'real')")] {
        if !list.is_empty() {
            or(&mut alternatives);
            let json = serde_json::to_string(list).map_err(super::internal)?;
            alternatives.bind(
                &format!("(j.type IN {types} AND j.atom IN (SELECT value FROM json_each(?)))"),
                SqlValue::Text(json),
            );
        }
    }
    for (wanted, name) in [(t, "true"), (f, "false")] {
        if wanted {
            or(&mut alternatives);
            alternatives.push(&format!("j.type = '{name}'"));
        }
    }
    sql.push("(");
    if alternatives.text.is_empty() {
        sql.push("0");
    } else {
        sql.bind("EXISTS (SELECT 1 FROM json_each(d.body, ?) j WHERE ", SqlValue::Text(path.clone()));
        sql.push(ELEMENT);
        sql.push(" AND (");
        sql.push(&alternatives.text);
        sql.params.extend(alternatives.params);
        sql.push("))");
    }
    if null {
        // Missing, null, or an array (or object) without a non-null value.
        sql.bind(" OR NOT EXISTS (SELECT 1 FROM json_each(d.body, ?) j WHERE j.type <> 'null')", SqlValue::Text(path));
    }
    sql.push(")");
    Ok(())
}

/// A JSON number as SQLite compares it (integers beyond `i64` become reals,
/// as `json_extract` makes them).
fn number(n: &Number) -> SqlValue {
    match n.as_i64() {
        Some(i) => SqlValue::Integer(i),
        None => SqlValue::Real(n.as_f64().unwrap_or(f64::NAN)),
    }
}
