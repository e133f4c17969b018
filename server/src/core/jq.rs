//! jq programs, run with [jaq](https://github.com/01mf02/jaq) and its
//! standard library: shared by upcasters and projections.

use jaq_core::compile::Undefined;
use jaq_core::load::{self, Arena, File, Loader};
use jaq_core::{Compiler, Ctx, Vars};
use jaq_json::{Num, Val};
use serde::Deserialize;
use serde_json::{Number, Value};

/// What jaq filters run on: JSON values, with only the lookup table as global data.
pub(crate) type JqData = jaq_core::data::JustLut<Val>;

/// A compiled jq program. It holds no values, only terms and native function pointers, so it is `Send + Sync`.
pub(crate) type JqFilter = jaq_core::Filter<JqData>;

/// Standard filters an upcaster may not use: their result depends on when (`now`) or where (`env`, which would also
/// leak the server's environment into payloads) the upcast runs.
pub(crate) const EXCLUDED_FILTERS: &[&str] = &["now", "env"];

/// Deepest nesting accepted in a jq program's output, the same limit `serde_json` applies when parsing.
pub(crate) const MAX_OUTPUT_DEPTH: usize = 128;

/// Longest jaq error text kept in a message (error values may embed a whole payload).
pub(crate) const MAX_DETAIL_CHARS: usize = 300;

/// Parses and compiles `expr` against the jaq core, std and JSON libraries (module imports are not supported).
pub(crate) fn compile_jq(expr: &str) -> Result<JqFilter, String> {
    let fail = |detail: String| format!("jq expression {expr:?} does not compile: {detail}");
    let arena = Arena::default();
    let defs = jaq_core::defs().chain(jaq_std::defs()).chain(jaq_json::defs());
    let modules = Loader::new(defs)
        .load(&arena, File { code: expr, path: () })
        .map_err(|errors| fail(join(errors.iter().flat_map(|(file, error)| describe_load_error(file.code, error)))))?;
    let funs = jaq_core::funs()
        .chain(jaq_std::funs())
        .chain(jaq_json::funs())
        .filter(|(name, _, _)| !EXCLUDED_FILTERS.contains(name));
    Compiler::default()
        .with_funs(funs)
        .compile(modules)
        .map_err(|errors| fail(join(errors.iter().flat_map(|(_, undefined)| undefined.iter().map(describe_undefined)))))
}

/// Joins messages with "; ".
fn join(messages: impl Iterator<Item = String>) -> String {
    messages.collect::<Vec<_>>().join("; ")
}

/// jaq's lex and parse errors, with the byte offset where they occur in `code`.
fn describe_load_error(code: &str, error: &load::Error<&str>) -> Vec<String> {
    match error {
        load::Error::Io(errors) => {
            errors.iter().map(|(path, message)| format!("cannot load {path:?}: {message}")).collect()
        }
        load::Error::Lex(errors) => {
            errors.iter().map(|(expected, rest)| format!("expected {}{}", expected.as_str(), at(code, rest))).collect()
        }
        load::Error::Parse(errors) => errors
            .iter()
            .map(|(expected, found)| match *found {
                "" => format!("expected {}, found end of input", expected.as_str()),
                _ => format!("expected {}, found {found:?}{}", expected.as_str(), at(code, found)),
            })
            .collect(),
    }
}

/// " at byte N" when `part` is a slice of `code` (as jaq's error spans are), else nothing.
fn at(code: &str, part: &str) -> String {
    let offset = (part.as_ptr() as usize).checked_sub(code.as_ptr() as usize).filter(|&offset| offset <= code.len());
    offset.map(|offset| format!(" at byte {offset}")).unwrap_or_default()
}

/// jaq's compile errors: names that are not defined.
fn describe_undefined((name, undefined): &(&str, Undefined)) -> String {
    let message = match undefined {
        Undefined::Filter(arity) => format!("undefined filter `{name}/{arity}`"),
        other => format!("undefined {} `{name}`", other.as_str()),
    };
    match EXCLUDED_FILTERS.contains(name) {
        true => format!("{message} (not available to upcasters: their result must not depend on time or environment)"),
        false => message,
    }
}

/// Runs a jq program that must yield exactly one JSON value.
pub(crate) fn run_jq(filter: &JqFilter, payload: Value) -> Result<Value, String> {
    let input = Val::deserialize(payload).map_err(|e| format!("cannot hand the payload to jq: {e}"))?;
    let ctx = Ctx::<JqData>::new(&filter.lut, Vars::new([]));
    // Only the first two outputs are ever computed, so a program yielding an endless stream still stops here.
    let mut outputs = filter.id.run((ctx, input)).map(|output| output.map_err(describe_exception));
    let first = outputs.next().ok_or("the jq program produced no value (it must produce exactly one)")??;
    match outputs.next() {
        None => val_to_json(&first, 0),
        Some(Err(message)) => Err(message),
        Some(Ok(_)) => Err("the jq program produced more than one value (it must produce exactly one)".to_owned()),
    }
}

/// Describes a jaq exception. `halt` is reported like an error, never turned into a process exit (which is what
/// `jaq_core::unwrap_valr` would do).
pub(crate) fn describe_exception(exception: jaq_core::Exn<'_, Val>) -> String {
    match exception.get_err() {
        Ok(error) => match error.into_val() {
            Val::TStr(text) => format!("the jq program raised an error: {}", bounded(&String::from_utf8_lossy(&text))),
            value => format!("the jq program raised an error: {}", bounded(&value.to_string())),
        },
        Err(exception) => match exception.get_halt() {
            Ok(code) => format!("the jq program called halt (exit code {code})"),
            Err(_) => "the jq program ended with an unexpected control-flow exception".to_owned(),
        },
    }
}

/// `text`, cut to [`MAX_DETAIL_CHARS`] characters.
pub(crate) fn bounded(text: &str) -> String {
    match text.char_indices().nth(MAX_DETAIL_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Converts a jq output to JSON, refusing what JSON cannot hold (byte strings, non-string keys, NaN, ±Infinity,
/// integers beyond 64 bits). Invalid UTF-8 in text strings becomes U+FFFD, as jaq itself prints it.
pub(crate) fn val_to_json(val: &Val, depth: usize) -> Result<Value, String> {
    if depth > MAX_OUTPUT_DEPTH {
        return Err(format!("the jq program's output nests deeper than {MAX_OUTPUT_DEPTH} levels"));
    }
    Ok(match val {
        Val::Null => Value::Null,
        Val::Bool(b) => Value::Bool(*b),
        Val::Num(n) => Value::Number(num_to_json(n)?),
        Val::TStr(text) => Value::String(String::from_utf8_lossy(text).into_owned()),
        Val::BStr(_) => return Err("the jq program's output contains a byte string, which JSON cannot hold".to_owned()),
        Val::Arr(items) => {
            Value::Array(items.iter().map(|item| val_to_json(item, depth + 1)).collect::<Result<_, _>>()?)
        }
        Val::Obj(members) => {
            Value::Object(members.iter().map(|(k, v)| member_to_json(k, v, depth)).collect::<Result<_, _>>()?)
        }
    })
}

/// Converts one object member; JSON keys must be strings.
fn member_to_json(key: &Val, value: &Val, depth: usize) -> Result<(String, Value), String> {
    match key {
        Val::TStr(text) => Ok((String::from_utf8_lossy(text).into_owned(), val_to_json(value, depth + 1)?)),
        other => Err(format!(
            "the jq program's output has an object key that is not a string: {}",
            bounded(&other.to_string())
        )),
    }
}

/// Converts a jaq number to a JSON number.
fn num_to_json(n: &Num) -> Result<Number, String> {
    let out_of_range = || format!("the jq program's output has a number JSON cannot hold: {n}");
    match n {
        Num::Int(i) => i64::try_from(*i).map(Number::from).map_err(|_| out_of_range()),
        Num::BigInt(_) => {
            let digits = n.to_string();
            let as_i64 = digits.parse::<i64>().map(Number::from);
            as_i64.or_else(|_| digits.parse::<u64>().map(Number::from)).map_err(|_| out_of_range())
        }
        Num::Float(f) => Number::from_f64(*f).ok_or_else(out_of_range),
        // Decimal literals of the program, such as `1.5`.
        Num::Dec(text) => text.parse::<f64>().ok().and_then(Number::from_f64).ok_or_else(out_of_range),
    }
}

/// A JSON value's type with its article, for messages ("an object").
pub(crate) fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
