//! JSON Schema evolution checks.
//!
//! [`backward_changes`] answers one question: can a reader using the `update`
//! schema read every payload written with the `original` one? It follows the
//! rules of Confluent Schema Registry's JSON Schema diff
//! (`io.confluent.kafka.schemaregistry.json.diff`), so that subjects get the
//! verdicts users of that registry expect. It works in two steps:
//!
//! 1. Each (sub)schema is read into a `Shape`, split the way Confluent's
//!    schema loader splits it: one shape per type (`string`, `number`,
//!    `object`, ...), `enum`/`const`, `not`, and the `allOf`/`anyOf`/`oneOf`
//!    combinations. A schema mixing several of them (`{"type": "string",
//!    "enum": [..]}`) reads as a synthetic `allOf` of its parts, and a type
//!    array (`["string", "null"]`) as an `anyOf` of one shape per type.
//!    `$ref`s to the same document (`#/definitions/..`, `#/$defs/..`,
//!    anchors, `$id`s) are followed.
//! 2. The two shapes are compared recursively. Every difference found has a
//!    `Kind` that is either compatible (the update accepts at least as much)
//!    or breaking; only breaking ones are reported.
//!
//! Drafts 4, 6, 7, 2019-09 and 2020-12 are read, told apart by `$schema`
//! (draft 7 when absent, as in Confluent). Keywords whose meaning depends on
//! the draft (`items` next to `prefixItems`, `$ref` next to other keywords,
//! boolean `exclusiveMaximum`) follow the declared draft; keywords that exist
//! in one draft only (`dependentRequired`, `unevaluatedProperties`, ...) are
//! honoured whatever the declared draft.
//!
//! A few rules go beyond Confluent, where it ignores a keyword that clearly
//! narrows what a schema accepts (`patternProperties`, `propertyNames`,
//! `contains`, draft 4's boolean `exclusiveMaximum`); they are marked
//! "beyond Confluent". Cycles through `$ref` are cut, and a comparison that is
//! too deep or too large is stopped and reported as breaking rather than
//! exhausting the stack or the CPU.

use std::cell::{Cell, RefCell};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

use serde_json::{Map, Value};

use super::BreakingChange;

#[cfg(test)]
#[path = "json_conformance.rs"]
pub(crate) mod conformance;

/// Deepest nesting of schema comparisons before the check stops (reported as breaking).
const MAX_DEPTH: usize = 128;
/// Most schema comparisons a single check may make before it stops (reported as breaking).
const MAX_COMPARISONS: u32 = 100_000;
/// Most steps (`$ref` hops and facet splits) taken to reach one schema.
const MAX_LOAD_STEPS: usize = 64;
/// How deep a search for an `$id` or `$anchor` looks into a document.
const MAX_SEARCH_DEPTH: usize = 64;
/// How many JSON values a search for an `$id` or `$anchor` visits at most.
const MAX_SEARCH_VISITS: usize = 100_000;
/// How many values of an `enum` a detail lists before eliding the rest.
const MAX_LISTED_VALUES: usize = 10;

/// The changes from `original` to `update` that stop a reader using `update`
/// from reading payloads written with `original` (backward compatibility).
///
/// An empty list means the update is backward compatible. Paths are JSON
/// pointers into the schemas (`#/properties/amount/maxLength`), kinds follow
/// Confluent's vocabulary (`TYPE_CHANGED`, `REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL`,
/// ...). Never panics: values that are not schemas read as the empty schema,
/// `$ref`s that cannot be resolved compare by their text, and comparisons too
/// deep (`SCHEMA_TOO_DEEP`) or too large (`SCHEMA_TOO_COMPLEX`) are reported
/// as breaking.
pub fn backward_changes(original: &Value, update: &Value) -> Vec<BreakingChange> {
    let shared = Shared::new(original, update);
    let mut ctx = Ctx::new(&shared);
    compare(&mut ctx, Some(Handle::whole(Side::Original, original)), Some(Handle::whole(Side::Update, update)));
    let mut changes = ctx.changes;
    if shared.exhausted() {
        // Every comparison refused after the budget ran out reported it: report it once.
        changes.retain(|change| change.kind != Kind::SCHEMA_TOO_COMPLEX.name());
        changes.push(BreakingChange::new("#/", Kind::SCHEMA_TOO_COMPLEX.name(), too_complex_detail()));
    }
    // A limit hit while only trying alternatives leaves no change of its own: say why.
    if shared.too_deep.get() && !changes.iter().any(|change| change.kind == Kind::SCHEMA_TOO_DEEP.name()) {
        changes.push(BreakingChange::new("#/", Kind::SCHEMA_TOO_DEEP.name(), too_deep_detail()));
    }
    deduplicate(changes)
}

/// Drops repeated changes, keeping the first of each in order.
fn deduplicate(changes: Vec<BreakingChange>) -> Vec<BreakingChange> {
    let mut seen = HashSet::new();
    changes.into_iter().filter(|c| seen.insert((c.path.clone(), c.kind.clone(), c.detail.clone()))).collect()
}

fn too_deep_detail() -> String {
    format!("schemas nest deeper than {MAX_DEPTH} levels; the check stopped there, assuming the worst")
}

fn too_complex_detail() -> String {
    format!("comparing the schemas took more than {MAX_COMPARISONS} steps; the check stopped, assuming the worst")
}

// ---------------------------------------------------------------------------
// Kinds of change
// ---------------------------------------------------------------------------

/// Whether a kind of change keeps payloads written with the original readable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Compatible,
    Breaking,
}

/// Declares [`Kind`] from a table of `NAME: Verdict` rows.
macro_rules! kinds {
    ($($name:ident: $verdict:ident,)*) => {
        /// Every kind of change the comparison tells apart, named as in
        /// Confluent's `Difference.Type` (a few, beyond Confluent, are new).
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        enum Kind {
            $($name,)*
        }

        impl Kind {
            /// The UPPER_SNAKE_CASE name reported in [`BreakingChange::kind`].
            fn name(self) -> &'static str {
                match self {
                    $(Self::$name => stringify!($name),)*
                }
            }

            fn verdict(self) -> Verdict {
                match self {
                    $(Self::$name => Verdict::$verdict,)*
                }
            }
        }
    };
}

kinds! {
    SCHEMA_ADDED: Breaking,
    SCHEMA_REMOVED: Compatible,
    TYPE_CHANGED: Breaking,
    TYPE_EXTENDED: Compatible,
    TYPE_NARROWED: Breaking,

    MAX_LENGTH_ADDED: Breaking,
    MAX_LENGTH_REMOVED: Compatible,
    MAX_LENGTH_INCREASED: Compatible,
    MAX_LENGTH_DECREASED: Breaking,
    MIN_LENGTH_ADDED: Breaking,
    MIN_LENGTH_REMOVED: Compatible,
    MIN_LENGTH_INCREASED: Breaking,
    MIN_LENGTH_DECREASED: Compatible,
    PATTERN_ADDED: Breaking,
    PATTERN_REMOVED: Compatible,
    PATTERN_CHANGED: Breaking,

    MAXIMUM_ADDED: Breaking,
    MAXIMUM_REMOVED: Compatible,
    MAXIMUM_INCREASED: Compatible,
    MAXIMUM_DECREASED: Breaking,
    MINIMUM_ADDED: Breaking,
    MINIMUM_REMOVED: Compatible,
    MINIMUM_INCREASED: Breaking,
    MINIMUM_DECREASED: Compatible,
    EXCLUSIVE_MAXIMUM_ADDED: Breaking,
    EXCLUSIVE_MAXIMUM_REMOVED: Compatible,
    EXCLUSIVE_MAXIMUM_INCREASED: Compatible,
    EXCLUSIVE_MAXIMUM_DECREASED: Breaking,
    EXCLUSIVE_MINIMUM_ADDED: Breaking,
    EXCLUSIVE_MINIMUM_REMOVED: Compatible,
    EXCLUSIVE_MINIMUM_INCREASED: Breaking,
    EXCLUSIVE_MINIMUM_DECREASED: Compatible,
    MULTIPLE_OF_ADDED: Breaking,
    MULTIPLE_OF_REMOVED: Compatible,
    MULTIPLE_OF_EXPANDED: Breaking,
    MULTIPLE_OF_REDUCED: Compatible,
    MULTIPLE_OF_CHANGED: Breaking,

    REQUIRED_ATTRIBUTE_ADDED: Breaking,
    REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED: Compatible,
    REQUIRED_ATTRIBUTE_REMOVED: Compatible,
    MAX_PROPERTIES_ADDED: Breaking,
    MAX_PROPERTIES_REMOVED: Compatible,
    MAX_PROPERTIES_INCREASED: Compatible,
    MAX_PROPERTIES_DECREASED: Breaking,
    MIN_PROPERTIES_ADDED: Breaking,
    MIN_PROPERTIES_REMOVED: Compatible,
    MIN_PROPERTIES_INCREASED: Breaking,
    MIN_PROPERTIES_DECREASED: Compatible,
    ADDITIONAL_PROPERTIES_ADDED: Compatible,
    ADDITIONAL_PROPERTIES_REMOVED: Breaking,
    ADDITIONAL_PROPERTIES_EXTENDED: Compatible,
    ADDITIONAL_PROPERTIES_NARROWED: Breaking,
    DEPENDENCY_ARRAY_ADDED: Breaking,
    DEPENDENCY_ARRAY_REMOVED: Compatible,
    DEPENDENCY_ARRAY_EXTENDED: Breaking,
    DEPENDENCY_ARRAY_NARROWED: Compatible,
    DEPENDENCY_ARRAY_CHANGED: Breaking,
    DEPENDENCY_SCHEMA_ADDED: Breaking,
    DEPENDENCY_SCHEMA_REMOVED: Compatible,
    OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: Breaking,
    REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL: Breaking,
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL: Breaking,
    PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: Compatible,
    REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: Breaking,
    REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL: Compatible,
    OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL: Compatible,
    PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL: Compatible,
    PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: Compatible,
    PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL: Breaking,
    PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Compatible,
    PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Breaking,
    PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Compatible,
    PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Breaking,
    PROPERTY_NAMES_ADDED: Breaking,
    PROPERTY_NAMES_REMOVED: Compatible,

    MAX_ITEMS_ADDED: Breaking,
    MAX_ITEMS_REMOVED: Compatible,
    MAX_ITEMS_INCREASED: Compatible,
    MAX_ITEMS_DECREASED: Breaking,
    MIN_ITEMS_ADDED: Breaking,
    MIN_ITEMS_REMOVED: Compatible,
    MIN_ITEMS_INCREASED: Breaking,
    MIN_ITEMS_DECREASED: Compatible,
    UNIQUE_ITEMS_ADDED: Breaking,
    UNIQUE_ITEMS_REMOVED: Compatible,
    ADDITIONAL_ITEMS_ADDED: Compatible,
    ADDITIONAL_ITEMS_REMOVED: Breaking,
    ADDITIONAL_ITEMS_EXTENDED: Compatible,
    ADDITIONAL_ITEMS_NARROWED: Breaking,
    ITEM_ADDED_TO_OPEN_CONTENT_MODEL: Breaking,
    ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL: Compatible,
    ITEM_ADDED_TO_CLOSED_CONTENT_MODEL: Compatible,
    ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL: Compatible,
    ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL: Compatible,
    ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL: Breaking,
    ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Compatible,
    ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Breaking,
    ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Compatible,
    ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL: Breaking,
    CONTAINS_ADDED: Breaking,
    CONTAINS_REMOVED: Compatible,
    MAX_CONTAINS_ADDED: Breaking,
    MAX_CONTAINS_REMOVED: Compatible,
    MAX_CONTAINS_INCREASED: Compatible,
    MAX_CONTAINS_DECREASED: Breaking,
    MIN_CONTAINS_ADDED: Breaking,
    MIN_CONTAINS_REMOVED: Compatible,
    MIN_CONTAINS_INCREASED: Breaking,
    MIN_CONTAINS_DECREASED: Compatible,

    ENUM_ARRAY_EXTENDED: Compatible,
    ENUM_ARRAY_NARROWED: Breaking,
    ENUM_ARRAY_CHANGED: Breaking,

    COMBINED_TYPE_EXTENDED: Compatible,
    COMBINED_TYPE_CHANGED: Breaking,
    PRODUCT_TYPE_EXTENDED: Breaking,
    PRODUCT_TYPE_NARROWED: Compatible,
    SUM_TYPE_EXTENDED: Compatible,
    SUM_TYPE_NARROWED: Breaking,
    COMBINED_TYPE_SUBSCHEMAS_CHANGED: Breaking,
    NOT_TYPE_EXTENDED: Breaking,
    NOT_TYPE_NARROWED: Compatible,

    SCHEMA_TOO_DEEP: Breaking,
    SCHEMA_TOO_COMPLEX: Breaking,
}

/// The kinds a change of one numeric keyword (`maxLength`, `minimum`, ...) can be.
#[derive(Clone, Copy)]
struct LimitKinds {
    added: Kind,
    removed: Kind,
    increased: Kind,
    decreased: Kind,
}

// ---------------------------------------------------------------------------
// Documents and handles
// ---------------------------------------------------------------------------

/// Which of the two schemas a value belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Side {
    Original,
    Update,
}

/// The JSON Schema dialect of a document, from its `$schema`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Draft {
    Draft4,
    Draft6,
    Draft7,
    Draft2019,
    Draft2020,
}

impl Draft {
    /// The draft `root` declares; draft 7 (Confluent's default) when it declares none we know.
    fn of(root: &Value) -> Self {
        let uri = root.get("$schema").and_then(Value::as_str).unwrap_or_default();
        if uri.contains("draft-04") {
            Self::Draft4
        } else if uri.contains("draft-06") {
            Self::Draft6
        } else if uri.contains("2019-09") {
            Self::Draft2019
        } else if uri.contains("2020-12") {
            Self::Draft2020
        } else {
            Self::Draft7
        }
    }
}

/// One of the two schema documents being compared.
struct Doc<'a> {
    root: &'a Value,
    draft: Draft,
}

/// The `allOf`/`anyOf`/`oneOf` criterion of a combination.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Criterion {
    All,
    Any,
    One,
}

impl Criterion {
    const ALL: [Self; 3] = [Self::All, Self::Any, Self::One];

    fn keyword(self) -> &'static str {
        match self {
            Self::All => "allOf",
            Self::Any => "anyOf",
            Self::One => "oneOf",
        }
    }
}

/// The primitive types of the `type` keyword.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum TypeName {
    String,
    Integer,
    Number,
    Boolean,
    Null,
    Array,
    Object,
}

impl TypeName {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "string" => Self::String,
            "integer" => Self::Integer,
            "number" => Self::Number,
            "boolean" => Self::Boolean,
            "null" => Self::Null,
            "array" => Self::Array,
            "object" => Self::Object,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Integer => "integer",
            Self::Number => "number",
            Self::Boolean => "boolean",
            Self::Null => "null",
            Self::Array => "array",
            Self::Object => "object",
        }
    }

    /// The family of keywords a schema of this type takes in (and no other shape reads).
    fn keywords(self) -> Option<KeywordFamily> {
        match self {
            Self::String => Some(KeywordFamily::String),
            Self::Integer | Self::Number => Some(KeywordFamily::Number),
            Self::Array => Some(KeywordFamily::Array),
            Self::Object => Some(KeywordFamily::Object),
            Self::Boolean | Self::Null => None,
        }
    }
}

/// Keywords that constrain one type; a schema using them without `type` gets a shape for that type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum KeywordFamily {
    Array,
    Object,
    Number,
    String,
}

impl KeywordFamily {
    const ALL: [Self; 4] = [Self::Array, Self::Object, Self::Number, Self::String];

    fn keywords(self, draft: Draft) -> &'static [&'static str] {
        match self {
            Self::Array => &[
                "items",
                "additionalItems",
                "minItems",
                "maxItems",
                "uniqueItems",
                "contains",
                "prefixItems",
                "unevaluatedItems",
                "minContains",
                "maxContains",
            ],
            Self::Object => &[
                "properties",
                "required",
                "minProperties",
                "maxProperties",
                "dependencies",
                "patternProperties",
                "additionalProperties",
                "propertyNames",
                "dependentRequired",
                "dependentSchemas",
                "unevaluatedProperties",
            ],
            Self::Number => &["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"],
            // `format` only makes a string schema before 2019-09, where it became an annotation.
            Self::String if draft <= Draft::Draft7 => &["minLength", "maxLength", "pattern", "format"],
            Self::String => &["minLength", "maxLength", "pattern"],
        }
    }

    fn type_name(self) -> TypeName {
        match self {
            Self::Array => TypeName::Array,
            Self::Object => TypeName::Object,
            Self::Number => TypeName::Number,
            Self::String => TypeName::String,
        }
    }
}

/// Which part of a schema object a [`Handle`] stands for.
///
/// A schema object that mixes several shapes is read as the `allOf` of its
/// parts; each part is the same JSON object seen through one facet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Facet {
    /// The whole schema.
    Whole,
    /// Its `$ref` (2019-09 and later, where `$ref` sits beside other keywords).
    Ref,
    Enum,
    Const,
    Combinator(Criterion),
    Not,
    /// One declared type, with the keywords of that type.
    Type(TypeName),
    /// A `type` array: the `anyOf` of one [`Facet::Type`] per entry.
    TypeUnion,
    /// Keywords of one type used without declaring that type.
    Keywords(KeywordFamily),
    /// `if`/`then`/`else`, which (like Confluent) the comparison does not look into.
    Conditional,
}

/// A schema not yet read: a JSON value of one side, seen through a facet.
#[derive(Debug, Clone, Copy)]
struct Handle<'a> {
    side: Side,
    value: &'a Value,
    facet: Facet,
}

impl<'a> Handle<'a> {
    fn whole(side: Side, value: &'a Value) -> Self {
        Self { side, value, facet: Facet::Whole }
    }

    fn identity(&self) -> Identity {
        Identity { side: self.side, address: std::ptr::from_ref(self.value).addr(), facet: self.facet }
    }

    /// Whether the schema declares a `default` (which makes a newly required property harmless).
    fn has_default(&self) -> bool {
        self.value.get("default").is_some()
    }
}

/// Which schema a [`Handle`] points at, for telling a schema met again through a `$ref` cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Identity {
    side: Side,
    address: usize,
    facet: Facet,
}

// ---------------------------------------------------------------------------
// Shapes
// ---------------------------------------------------------------------------

/// A schema read, with `$ref`s followed.
struct Node<'a> {
    /// The schema the shape was read from, after following `$ref`s.
    handle: Handle<'a>,
    shape: Shape<'a>,
}

/// What a schema accepts, in the split Confluent's comparison works on.
enum Shape<'a> {
    /// `{}` or a schema with no validating keyword: accepts anything.
    Empty,
    /// `true`: accepts anything.
    True,
    /// `false`: accepts nothing.
    False,
    Null,
    Boolean,
    /// `if`/`then`/`else`, not compared further.
    Conditional,
    String(StringRules<'a>),
    Number(NumberRules),
    Object(ObjectRules<'a>),
    Array(ArrayRules<'a>),
    /// `enum`, or `const` as a one-value enum.
    Enum(EnumRules<'a>),
    Not(Handle<'a>),
    Combined(Combination<'a>),
    /// A `$ref` that does not resolve within its document, kept by its text.
    Unresolved(&'a str),
}

impl Shape<'_> {
    fn accepts_anything(&self) -> bool {
        matches!(self, Self::Empty | Self::True)
    }

    fn same_class(&self, other: &Self) -> bool {
        std::mem::discriminant(self) == std::mem::discriminant(other)
    }

    /// A short name of the shape for details ("string", "anyOf", ...).
    fn describe(&self) -> String {
        match self {
            Self::Empty | Self::True => "any value".to_owned(),
            Self::False => "no value (false)".to_owned(),
            Self::Null => "null".to_owned(),
            Self::Boolean => "boolean".to_owned(),
            Self::Conditional => "if/then/else".to_owned(),
            Self::String(_) => "string".to_owned(),
            Self::Number(rules) if rules.integer => "integer".to_owned(),
            Self::Number(_) => "number".to_owned(),
            Self::Object(_) => "object".to_owned(),
            Self::Array(_) => "array".to_owned(),
            Self::Enum(rules) => format!("{} {}", rules.keyword, list_values(&canonical_set(&rules.values))),
            Self::Not(_) => "not".to_owned(),
            Self::Combined(combination) => combination.describe(),
            Self::Unresolved(reference) => format!("unresolvable $ref '{reference}'"),
        }
    }
}

struct StringRules<'a> {
    min_length: Option<f64>,
    max_length: Option<f64>,
    pattern: Option<&'a str>,
}

struct NumberRules {
    minimum: Option<f64>,
    maximum: Option<f64>,
    exclusive_minimum: Option<f64>,
    exclusive_maximum: Option<f64>,
    multiple_of: Option<f64>,
    /// `type: integer` rather than `number`.
    integer: bool,
}

/// Whether values beyond the listed properties or items are allowed, and how.
#[derive(Clone, Copy)]
struct Additional<'a> {
    /// The keyword it was read from, for paths.
    keyword: &'static str,
    /// `false` when `additionalProperties`/`additionalItems` is `false`.
    permits: bool,
    /// The schema extra values must match; `None` when they may be anything.
    schema: Option<Handle<'a>>,
}

impl Additional<'_> {
    /// Extra values are allowed and unconstrained.
    fn is_open(&self) -> bool {
        self.permits && self.schema.is_none()
    }
}

/// `dependencies` / `dependentRequired` entry: when `property` is present, so must `requires` be.
struct PropertyDependency<'a> {
    keyword: &'static str,
    property: &'a str,
    requires: Vec<&'a str>,
}

/// `dependencies` / `dependentSchemas` entry: when `property` is present, the object must match `schema`.
struct SchemaDependency<'a> {
    keyword: &'static str,
    property: &'a str,
    schema: Handle<'a>,
}

struct ObjectRules<'a> {
    properties: Vec<(&'a str, Handle<'a>)>,
    required: Vec<&'a str>,
    pattern_properties: Vec<(&'a str, Handle<'a>)>,
    additional: Additional<'a>,
    property_dependencies: Vec<PropertyDependency<'a>>,
    schema_dependencies: Vec<SchemaDependency<'a>>,
    property_names: Option<Handle<'a>>,
    min_properties: Option<f64>,
    max_properties: Option<f64>,
}

impl<'a> ObjectRules<'a> {
    fn property(&self, name: &str) -> Option<Handle<'a>> {
        self.properties.iter().find(|(key, _)| *key == name).map(|(_, schema)| *schema)
    }

    fn pattern_property(&self, pattern: &str) -> Option<Handle<'a>> {
        self.pattern_properties.iter().find(|(key, _)| *key == pattern).map(|(_, schema)| *schema)
    }

    fn requires(&self, name: &str) -> bool {
        self.required.contains(&name)
    }

    /// Any property may be added with any value (Confluent's "open content model").
    fn is_open(&self) -> bool {
        self.pattern_properties.is_empty() && self.additional.is_open()
    }
}

struct ArrayRules<'a> {
    /// One schema for every item (`items` as a schema).
    items: Option<Handle<'a>>,
    /// Positional item schemas (`items` as an array, or `prefixItems`).
    tuple: Vec<Handle<'a>>,
    /// `items` or `prefixItems`, for paths.
    tuple_keyword: &'static str,
    /// Items past the tuple.
    additional: Additional<'a>,
    contains: Option<Handle<'a>>,
    min_items: Option<f64>,
    max_items: Option<f64>,
    min_contains: Option<f64>,
    max_contains: Option<f64>,
    unique_items: bool,
}

struct EnumRules<'a> {
    /// `enum` or `const`, for paths.
    keyword: &'static str,
    values: Vec<&'a Value>,
}

struct Combination<'a> {
    criterion: Criterion,
    subschemas: Vec<Handle<'a>>,
}

impl Combination<'_> {
    /// "string or null" for a type array, else the criterion ("anyOf").
    fn describe(&self) -> String {
        let names: Option<Vec<&str>> = self
            .subschemas
            .iter()
            .map(|handle| match handle.facet {
                Facet::Type(name) => Some(name.name()),
                _ => None,
            })
            .collect();
        match names {
            Some(names) if !names.is_empty() => names.join(" or "),
            _ => self.criterion.keyword().to_owned(),
        }
    }
}

// ---------------------------------------------------------------------------
// Reading schemas
// ---------------------------------------------------------------------------

/// What one step of reading a handle gives: a shape, or another handle to read.
enum Step<'a> {
    Done(Shape<'a>),
    Follow(Handle<'a>),
}

/// State shared by a whole check: the documents and its limits.
struct Shared<'a> {
    original: Doc<'a>,
    update: Doc<'a>,
    /// Schema comparisons made so far (see [`MAX_COMPARISONS`]).
    comparisons: Cell<u32>,
    /// Set once a comparison was refused for lack of budget.
    refused: Cell<bool>,
    /// Set once a comparison was refused for being too deep.
    too_deep: Cell<bool>,
    /// Compiled `patternProperties` regexes, `None` for invalid ones.
    patterns: RefCell<HashMap<String, Option<jsonschema::Validator>>>,
    /// Exact verdicts of pairs of schemas already compared: without them, combinations of
    /// subschemas sharing `$ref`s would be compared over and over, exponentially.
    verdicts: RefCell<HashMap<(Identity, Identity), bool>>,
}

impl<'a> Shared<'a> {
    fn new(original: &'a Value, update: &'a Value) -> Self {
        Self {
            original: Doc { root: original, draft: Draft::of(original) },
            update: Doc { root: update, draft: Draft::of(update) },
            comparisons: Cell::new(0),
            refused: Cell::new(false),
            too_deep: Cell::new(false),
            patterns: RefCell::new(HashMap::new()),
            verdicts: RefCell::new(HashMap::new()),
        }
    }

    fn doc(&self, side: Side) -> &Doc<'a> {
        match side {
            Side::Original => &self.original,
            Side::Update => &self.update,
        }
    }

    /// Counts one more comparison; `false` when the budget is spent.
    fn take_comparison(&self) -> bool {
        let made = self.comparisons.get();
        if made >= MAX_COMPARISONS {
            self.refused.set(true);
            return false;
        }
        self.comparisons.set(made + 1);
        true
    }

    fn exhausted(&self) -> bool {
        self.refused.get()
    }

    /// The remembered verdict of a pair of schemas, if any.
    fn verdict(&self, original: Handle<'a>, update: Handle<'a>) -> Option<bool> {
        let verdicts = self.verdicts.try_borrow().ok()?;
        verdicts.get(&(original.identity(), update.identity())).copied()
    }

    fn remember(&self, original: Handle<'a>, update: Handle<'a>, compatible: bool) {
        if let Ok(mut verdicts) = self.verdicts.try_borrow_mut() {
            verdicts.insert((original.identity(), update.identity()), compatible);
        }
    }

    /// Whether the ECMA-262 regex `pattern` matches somewhere in `text` (as `patternProperties` does).
    /// Invalid patterns match nothing.
    fn pattern_matches(&self, pattern: &str, text: &str) -> bool {
        let compile = || jsonschema::validator_for(&serde_json::json!({ "pattern": pattern })).ok();
        let text = Value::String(text.to_owned());
        match self.patterns.try_borrow_mut() {
            Ok(mut cache) => {
                cache.entry(pattern.to_owned()).or_insert_with(compile).as_ref().is_some_and(|v| v.is_valid(&text))
            }
            Err(_) => compile().is_some_and(|v| v.is_valid(&text)),
        }
    }

    /// Reads the schema `handle` points at, following `$ref`s.
    fn load(&self, handle: Handle<'a>) -> Node<'a> {
        let mut current = handle;
        for _ in 0..MAX_LOAD_STEPS {
            match self.step(current) {
                Step::Done(shape) => return Node { handle: current, shape },
                Step::Follow(next) => current = next,
            }
        }
        Node { handle: current, shape: Shape::Unresolved("(a $ref chain that never reaches a schema)") }
    }

    fn step(&self, handle: Handle<'a>) -> Step<'a> {
        let draft = self.doc(handle.side).draft;
        match (handle.facet, handle.value) {
            (Facet::Whole, Value::Bool(true)) => Step::Done(Shape::True),
            (Facet::Whole, Value::Bool(false)) => Step::Done(Shape::False),
            (Facet::Whole, Value::Object(map)) => {
                // Up to draft 7, `$ref` replaces the whole schema and its siblings are ignored.
                if draft <= Draft::Draft7
                    && let Some(reference) = map.get("$ref").and_then(Value::as_str)
                {
                    return self.follow(handle.side, reference);
                }
                let facets = facets(handle, map, draft);
                if facets.is_empty() {
                    return Step::Done(Shape::Empty);
                }
                if let [only] = facets.as_slice() {
                    return Step::Follow(*only);
                }
                Step::Done(Shape::Combined(Combination { criterion: Criterion::All, subschemas: facets }))
            }
            (Facet::Ref, Value::Object(map)) => match map.get("$ref").and_then(Value::as_str) {
                Some(reference) => self.follow(handle.side, reference),
                None => Step::Done(Shape::Empty),
            },
            (_, Value::Object(map)) => Step::Done(read_facet(handle, map, draft)),
            // Not a schema at all: read it as the empty schema.
            _ => Step::Done(Shape::Empty),
        }
    }

    fn follow(&self, side: Side, reference: &'a str) -> Step<'a> {
        match resolve_ref(self.doc(side).root, reference) {
            Some(target) => Step::Follow(Handle::whole(side, target)),
            None => Step::Done(Shape::Unresolved(reference)),
        }
    }
}

/// The parts of a schema object, in the order Confluent's loader finds them.
fn facets<'a>(handle: Handle<'a>, map: &'a Map<String, Value>, draft: Draft) -> Vec<Handle<'a>> {
    let mut found = Vec::new();
    let mut add = |facet| found.push(Handle { facet, ..handle });
    if draft >= Draft::Draft2019 && map.get("$ref").is_some_and(Value::is_string) {
        add(Facet::Ref);
    }
    if map.get("enum").is_some_and(Value::is_array) {
        add(Facet::Enum);
    }
    for criterion in Criterion::ALL {
        if map.get(criterion.keyword()).is_some_and(Value::is_array) {
            add(Facet::Combinator(criterion));
        }
    }
    if map.contains_key("not") {
        add(Facet::Not);
    }
    if draft != Draft::Draft4 && map.contains_key("const") {
        add(Facet::Const);
    }
    let mut taken = Vec::new();
    match map.get("type") {
        Some(Value::String(name)) => {
            if let Some(name) = TypeName::parse(name) {
                add(Facet::Type(name));
                taken.extend(name.keywords());
            }
        }
        Some(Value::Array(names)) => {
            let names: Vec<TypeName> = names.iter().filter_map(Value::as_str).filter_map(TypeName::parse).collect();
            if !names.is_empty() {
                add(Facet::TypeUnion);
                taken.extend(names.iter().filter_map(|name| name.keywords()));
            }
        }
        _ => {}
    }
    for family in KeywordFamily::ALL {
        if !taken.contains(&family) && family.keywords(draft).iter().any(|keyword| map.contains_key(*keyword)) {
            add(Facet::Keywords(family));
        }
    }
    if draft >= Draft::Draft7 && ["if", "then", "else"].iter().any(|keyword| map.contains_key(*keyword)) {
        add(Facet::Conditional);
    }
    found
}

/// Reads one facet of a schema object.
fn read_facet<'a>(handle: Handle<'a>, map: &'a Map<String, Value>, draft: Draft) -> Shape<'a> {
    let side = handle.side;
    match handle.facet {
        Facet::Enum => Shape::Enum(EnumRules {
            keyword: "enum",
            values: map.get("enum").and_then(Value::as_array).map(|values| values.iter().collect()).unwrap_or_default(),
        }),
        Facet::Const => match map.get("const") {
            Some(value) => Shape::Enum(EnumRules { keyword: "const", values: vec![value] }),
            None => Shape::Empty,
        },
        Facet::Combinator(criterion) => Shape::Combined(Combination {
            criterion,
            subschemas: map
                .get(criterion.keyword())
                .and_then(Value::as_array)
                .map(|schemas| schemas.iter().map(|schema| Handle::whole(side, schema)).collect())
                .unwrap_or_default(),
        }),
        Facet::Not => match map.get("not") {
            Some(schema) => Shape::Not(Handle::whole(side, schema)),
            None => Shape::Empty,
        },
        Facet::Type(name) => typed_shape(side, map, draft, name, true),
        Facet::TypeUnion => {
            Shape::Combined(Combination { criterion: Criterion::Any, subschemas: type_union(handle, map) })
        }
        Facet::Keywords(family) => typed_shape(side, map, draft, family.type_name(), false),
        Facet::Conditional => Shape::Conditional,
        Facet::Whole | Facet::Ref => Shape::Empty,
    }
}

/// One [`Facet::Type`] per distinct known name of a `type` array.
fn type_union<'a>(handle: Handle<'a>, map: &'a Map<String, Value>) -> Vec<Handle<'a>> {
    let mut names = Vec::new();
    for name in map.get("type").and_then(Value::as_array).into_iter().flatten() {
        if let Some(name) = name.as_str().and_then(TypeName::parse)
            && !names.contains(&name)
        {
            names.push(name);
        }
    }
    names.into_iter().map(|name| Handle { facet: Facet::Type(name), ..handle }).collect()
}

/// The shape of one type, with the keywords of that type. `declared` tells `type: integer` from
/// number keywords used without a type.
fn typed_shape<'a>(side: Side, map: &'a Map<String, Value>, draft: Draft, name: TypeName, declared: bool) -> Shape<'a> {
    match name {
        TypeName::String => Shape::String(StringRules {
            min_length: number(map, "minLength"),
            max_length: number(map, "maxLength"),
            pattern: map.get("pattern").and_then(Value::as_str),
        }),
        TypeName::Integer => Shape::Number(number_rules(map, declared)),
        TypeName::Number => Shape::Number(number_rules(map, false)),
        TypeName::Boolean => Shape::Boolean,
        TypeName::Null => Shape::Null,
        TypeName::Array => Shape::Array(array_rules(side, map, draft)),
        TypeName::Object => Shape::Object(object_rules(side, map)),
    }
}

/// A finite number under `key`.
fn number(map: &Map<String, Value>, key: &str) -> Option<f64> {
    map.get(key).and_then(Value::as_f64).filter(|n| n.is_finite())
}

fn number_rules(map: &Map<String, Value>, integer: bool) -> NumberRules {
    let mut rules = NumberRules {
        minimum: number(map, "minimum"),
        maximum: number(map, "maximum"),
        exclusive_minimum: number(map, "exclusiveMinimum"),
        exclusive_maximum: number(map, "exclusiveMaximum"),
        multiple_of: number(map, "multipleOf").filter(|n| *n != 0.0),
        integer,
    };
    // Draft 4 spells an exclusive bound as a flag on the inclusive one (beyond Confluent, which
    // ignores the flag): read `maximum: 10, exclusiveMaximum: true` as `exclusiveMaximum: 10`.
    if map.get("exclusiveMaximum") == Some(&Value::Bool(true)) {
        rules.exclusive_maximum = rules.maximum.take();
    }
    if map.get("exclusiveMinimum") == Some(&Value::Bool(true)) {
        rules.exclusive_minimum = rules.minimum.take();
    }
    rules
}

/// Keywords that never restrict what a schema accepts.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "id",
    "$anchor",
    "$dynamicAnchor",
    "$recursiveAnchor",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
];

/// `true`, `{}`, or a schema with nothing but annotations.
fn accepts_anything(schema: &Value) -> bool {
    match schema {
        Value::Bool(accepts) => *accepts,
        Value::Object(map) => map.keys().all(|key| ANNOTATIONS.contains(&key.as_str())),
        _ => false,
    }
}

/// Reads `additionalProperties`/`additionalItems` (`primary`), or the `unevaluated*` keyword
/// (`fallback`) in its absence; both absent means extra values are allowed and unconstrained.
fn additional<'a>(
    side: Side,
    map: &'a Map<String, Value>,
    primary: &'static str,
    fallback: &'static str,
) -> Additional<'a> {
    let open = Additional { keyword: primary, permits: true, schema: None };
    let Some((keyword, schema)) = [primary, fallback].into_iter().find_map(|k| map.get(k).map(|v| (k, v))) else {
        return open;
    };
    match schema {
        Value::Bool(permits) => Additional { keyword, permits: *permits, schema: None },
        Value::Object(_) if accepts_anything(schema) => Additional { keyword, ..open },
        Value::Object(_) => Additional { keyword, permits: true, schema: Some(Handle::whole(side, schema)) },
        _ => open,
    }
}

fn object_rules<'a>(side: Side, map: &'a Map<String, Value>) -> ObjectRules<'a> {
    let schemas = |keyword: &str| -> Vec<(&'a str, Handle<'a>)> {
        let entries = map.get(keyword).and_then(Value::as_object).into_iter().flatten();
        entries.map(|(key, schema)| (key.as_str(), Handle::whole(side, schema))).collect()
    };
    let mut rules = ObjectRules {
        properties: schemas("properties"),
        required: strings(map.get("required")),
        pattern_properties: schemas("patternProperties"),
        additional: additional(side, map, "additionalProperties", "unevaluatedProperties"),
        property_dependencies: Vec::new(),
        schema_dependencies: Vec::new(),
        property_names: map.get("propertyNames").map(|schema| Handle::whole(side, schema)),
        min_properties: number(map, "minProperties"),
        max_properties: number(map, "maxProperties"),
    };
    for keyword in ["dependencies", "dependentRequired", "dependentSchemas"] {
        for (property, dependency) in map.get(keyword).and_then(Value::as_object).into_iter().flatten() {
            read_dependency(&mut rules, side, keyword, property, dependency);
        }
    }
    rules
}

/// Records one dependency, unless the property already has one of that form.
fn read_dependency<'a>(
    rules: &mut ObjectRules<'a>,
    side: Side,
    keyword: &'static str,
    property: &'a str,
    dependency: &'a Value,
) {
    let is_list = dependency.is_array() && keyword != "dependentSchemas";
    let is_schema = (dependency.is_object() || dependency.is_boolean()) && keyword != "dependentRequired";
    if is_list && rules.property_dependencies.iter().all(|d| d.property != property) {
        let requires = strings(Some(dependency));
        if !requires.is_empty() {
            rules.property_dependencies.push(PropertyDependency { keyword, property, requires });
        }
    } else if is_schema && rules.schema_dependencies.iter().all(|d| d.property != property) {
        let schema = Handle::whole(side, dependency);
        rules.schema_dependencies.push(SchemaDependency { keyword, property, schema });
    }
}

/// The strings of a JSON array (other entries skipped).
fn strings(value: Option<&Value>) -> Vec<&str> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect()
}

fn array_rules<'a>(side: Side, map: &'a Map<String, Value>, draft: Draft) -> ArrayRules<'a> {
    let handles = |schemas: &'a [Value]| schemas.iter().map(|schema| Handle::whole(side, schema)).collect();
    let mut rules = ArrayRules {
        items: None,
        tuple: Vec::new(),
        tuple_keyword: "items",
        additional: additional(side, map, "additionalItems", "unevaluatedItems"),
        contains: map.get("contains").map(|schema| Handle::whole(side, schema)),
        min_items: number(map, "minItems"),
        max_items: number(map, "maxItems"),
        min_contains: number(map, "minContains"),
        max_contains: number(map, "maxContains"),
        unique_items: map.get("uniqueItems") == Some(&Value::Bool(true)),
    };
    let items = map.get("items");
    if let Some(prefix) = map.get("prefixItems").and_then(Value::as_array) {
        // 2020-12: `prefixItems` is the tuple and `items` applies past it.
        rules.tuple = handles(prefix);
        rules.tuple_keyword = "prefixItems";
        rules.additional = additional(side, map, "items", "unevaluatedItems");
    } else if let Some(Value::Array(tuple)) = items {
        rules.tuple = handles(tuple);
    } else if draft >= Draft::Draft2020 && matches!(items, Some(Value::Bool(_))) {
        // 2020-12 `items: false` with no tuple: no item at all may follow the (empty) tuple.
        rules.additional = additional(side, map, "items", "unevaluatedItems");
    } else {
        rules.items = items.map(|schema| Handle::whole(side, schema));
    }
    rules
}

// ---------------------------------------------------------------------------
// Resolving `$ref`
// ---------------------------------------------------------------------------

/// Keywords whose values are data, not schemas (not searched for `$id`s and anchors).
const DATA_KEYWORDS: &[&str] = &["enum", "const", "default", "examples"];

/// The schema a `$ref` points at within `root`: a JSON pointer (`#/$defs/a`), an anchor (`#a`),
/// or an `$id` used in the document (`other.json#/x`). `None` when it is not in this document.
fn resolve_ref<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let (base, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let scope = if base.is_empty() { root } else { find_schema(root, |map| has_id(map, base))? };
    let fragment = percent_decode(fragment);
    if fragment.is_empty() {
        Some(scope)
    } else if fragment.starts_with('/') {
        scope.pointer(&fragment)
    } else {
        find_schema(scope, |map| is_anchor(map, &fragment))
    }
}

/// Whether a schema's `$id` (`id` in draft 4) is `base`, or ends with it as a relative reference.
fn has_id(map: &Map<String, Value>, base: &str) -> bool {
    ["$id", "id"].iter().filter_map(|key| map.get(*key).and_then(Value::as_str)).any(|id| {
        let id = id.trim_end_matches('#');
        id == base || id.strip_suffix(base).is_some_and(|prefix| prefix.ends_with('/'))
    })
}

/// Whether a schema declares the plain-name fragment `name` (`$anchor`, or `$id: "#name"` before 2019-09).
fn is_anchor(map: &Map<String, Value>, name: &str) -> bool {
    let declares = |key: &str, expected: &str| map.get(key).and_then(Value::as_str) == Some(expected);
    let hashed = format!("#{name}");
    declares("$anchor", name) || declares("$dynamicAnchor", name) || declares("$id", &hashed) || declares("id", &hashed)
}

/// The first schema object in `root` (breadth first, bounded) for which `wanted` holds.
fn find_schema(root: &Value, wanted: impl Fn(&Map<String, Value>) -> bool) -> Option<&Value> {
    let mut queue = std::collections::VecDeque::from([(root, 0_usize)]);
    let mut visits = 0;
    while let Some((value, depth)) = queue.pop_front() {
        visits += 1;
        if visits > MAX_SEARCH_VISITS {
            return None;
        }
        match value {
            Value::Object(map) => {
                if wanted(map) {
                    return Some(value);
                }
                if depth < MAX_SEARCH_DEPTH {
                    let children = map.iter().filter(|(key, _)| !DATA_KEYWORDS.contains(&key.as_str()));
                    queue.extend(children.map(|(_, child)| (child, depth + 1)));
                }
            }
            Value::Array(items) if depth < MAX_SEARCH_DEPTH => queue.extend(items.iter().map(|item| (item, depth + 1))),
            _ => {}
        }
    }
    None
}

/// Decodes `%XX` escapes of a URI fragment; malformed escapes are kept as written.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        let escaped = (byte == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                i += 3;
            }
            None => {
                decoded.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

// ---------------------------------------------------------------------------
// Comparison context
// ---------------------------------------------------------------------------

/// Where the comparison is and what it found (Confluent's `Context`).
struct Ctx<'s, 'a> {
    shared: &'s Shared<'a>,
    /// JSON pointer tokens from the schema root to the keyword being compared.
    path: Vec<String>,
    /// Original schemas whose keywords are being compared further up (Confluent's cycle guard).
    entered: Vec<Identity>,
    /// Pairs of schemas being compared further up; its length is the depth.
    pairs: Vec<(Identity, Identity)>,
    /// Breaking changes found so far (compatible ones are not kept).
    changes: Vec<BreakingChange>,
    /// What the findings rest on, for deciding whether a verdict may be remembered.
    caveats: Caveats,
}

/// Whether a comparison's verdict depended on more than the two schemas.
///
/// The comparison is monotone: a sub-comparison that says "compatible" too soon can only make
/// the verdict more compatible, one that says "breaking" too soon only more breaking. So a
/// compatible verdict is exact unless it assumed something, and a breaking one unless it hit a
/// limit; exact verdicts are remembered (see [`Shared::verdicts`]).
#[derive(Debug, Clone, Copy, Default)]
struct Caveats {
    /// A `$ref` cycle was cut, assuming what is compared further up is compatible.
    assumed: bool,
    /// A depth or size limit cut a comparison short, assuming it breaking.
    limited: bool,
}

impl Caveats {
    fn merge(&mut self, other: Self) {
        self.assumed |= other.assumed;
        self.limited |= other.limited;
    }

    /// Whether a verdict reached under these caveats is exact.
    fn exact(self, compatible: bool) -> bool {
        if compatible { !self.assumed } else { !self.limited }
    }
}

impl<'s, 'a> Ctx<'s, 'a> {
    fn new(shared: &'s Shared<'a>) -> Self {
        Self {
            shared,
            path: Vec::new(),
            entered: Vec::new(),
            pairs: Vec::new(),
            changes: Vec::new(),
            caveats: Caveats::default(),
        }
    }

    /// A fresh context at the same place, for a comparison whose findings may be dropped.
    fn sub(&self) -> Self {
        Self {
            shared: self.shared,
            path: self.path.clone(),
            entered: self.entered.clone(),
            pairs: self.pairs.clone(),
            changes: Vec::new(),
            caveats: Caveats::default(),
        }
    }

    fn is_compatible(&self) -> bool {
        self.changes.is_empty()
    }

    /// Takes over a sub-context's findings.
    fn absorb(&mut self, other: Self) {
        self.caveats.merge(other.caveats);
        self.changes.extend(other.changes);
    }

    /// Records a change at the current path; compatible ones are dropped.
    fn add(&mut self, kind: Kind, detail: impl Into<String>) {
        if kind.verdict() == Verdict::Breaking {
            let path = format!("#/{}", self.path.join("/"));
            self.changes.push(BreakingChange::new(path, kind.name(), detail));
        }
    }

    /// Records a change at the current path extended by `token`.
    fn add_at(&mut self, token: &str, kind: Kind, detail: impl Into<String>) {
        self.at(token, |ctx| ctx.add(kind, detail));
    }

    /// Runs `f` with `token` appended to the path.
    fn at<R>(&mut self, token: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(token.to_owned());
        let result = f(self);
        self.path.pop();
        result
    }

    fn load(&self, handle: Handle<'a>) -> Node<'a> {
        self.shared.load(handle)
    }

    /// Whether a reader using `update` reads everything `original` accepts, comparing on the side
    /// and keeping only the verdict.
    fn reads(&mut self, original: Handle<'a>, update: Handle<'a>) -> bool {
        if let Some(compatible) = self.shared.verdict(original, update) {
            return compatible;
        }
        let mut sub = self.sub();
        compare_schemas(&mut sub, original, update);
        self.caveats.merge(sub.caveats);
        sub.is_compatible()
    }

    /// Compares in a sub-context and keeps its findings; returns whether it was compatible.
    fn reads_recording(&mut self, original: Handle<'a>, update: Handle<'a>) -> bool {
        let mut sub = self.sub();
        compare_schemas(&mut sub, original, update);
        let compatible = sub.is_compatible();
        self.absorb(sub);
        compatible
    }
}

/// Escapes a key as a JSON pointer token.
fn token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

// ---------------------------------------------------------------------------
// Comparing schemas (Confluent's SchemaDiff)
// ---------------------------------------------------------------------------

/// Compares two optional schemas (a keyword present on one side only).
fn compare<'a>(ctx: &mut Ctx<'_, 'a>, original: Option<Handle<'a>>, update: Option<Handle<'a>>) {
    match (original, update) {
        (None, None) => {}
        (Some(_), None) => ctx.add(Kind::SCHEMA_REMOVED, "the schema was removed"),
        (None, Some(update)) => {
            // Adding `true` or `{}` constrains nothing (Confluent reports it anyway).
            if !ctx.load(update).shape.accepts_anything() {
                ctx.add(
                    Kind::SCHEMA_ADDED,
                    "a schema was added where the original had none, so values it accepted may be rejected",
                );
            }
        }
        (Some(original), Some(update)) => compare_schemas(ctx, original, update),
    }
}

/// Compares two schemas: whether `update` reads every value `original` accepts. Remembers the
/// verdict when it is exact, and skips pairs known to be compatible (they record nothing).
fn compare_schemas<'a>(ctx: &mut Ctx<'_, 'a>, original: Handle<'a>, update: Handle<'a>) {
    if ctx.shared.verdict(original, update) == Some(true) {
        return;
    }
    let outer = std::mem::take(&mut ctx.caveats);
    let found = ctx.changes.len();
    compare_loaded(ctx, original, update);
    let compatible = ctx.changes.len() == found;
    if ctx.caveats.exact(compatible) {
        ctx.shared.remember(original, update, compatible);
    }
    ctx.caveats.merge(outer);
}

fn compare_loaded<'a>(ctx: &mut Ctx<'_, 'a>, original: Handle<'a>, update: Handle<'a>) {
    if !ctx.shared.take_comparison() {
        ctx.caveats.limited = true;
        ctx.add(Kind::SCHEMA_TOO_COMPLEX, too_complex_detail());
        return;
    }
    if ctx.pairs.len() >= MAX_DEPTH {
        ctx.caveats.limited = true;
        ctx.shared.too_deep.set(true);
        ctx.add(Kind::SCHEMA_TOO_DEEP, too_deep_detail());
        return;
    }
    let original = ctx.load(original);
    let update = ctx.load(update);
    let pair = (original.handle.identity(), update.handle.identity());
    // Met again through a `$ref` cycle: what is left is being compared further up.
    if ctx.pairs.contains(&pair) {
        ctx.caveats.assumed = true;
        return;
    }
    ctx.pairs.push(pair);
    compare_nodes(ctx, &original, &update);
    ctx.pairs.pop();
}

fn compare_nodes<'a>(ctx: &mut Ctx<'_, 'a>, original: &Node<'a>, update: &Node<'a>) {
    if compare_with_combination(ctx, original, update) {
        return;
    }
    if !original.shape.same_class(&update.shape) {
        // Nothing was valid under `false`, and anything is valid under `{}`/`true`.
        if !matches!(original.shape, Shape::False) && !update.shape.accepts_anything() {
            let detail = format!("type changed from {} to {}", original.shape.describe(), update.shape.describe());
            ctx.add(Kind::TYPE_CHANGED, detail);
        }
        return;
    }
    let identity = original.handle.identity();
    if ctx.entered.contains(&identity) {
        ctx.caveats.assumed = true;
        return;
    }
    ctx.entered.push(identity);
    match (&original.shape, &update.shape) {
        (Shape::String(o), Shape::String(u)) => compare_strings(ctx, o, u),
        (Shape::Number(o), Shape::Number(u)) => compare_numbers(ctx, o, u),
        (Shape::Enum(o), Shape::Enum(u)) => compare_enums(ctx, o, u),
        (Shape::Combined(o), Shape::Combined(u)) => compare_combinations(ctx, o, u),
        (Shape::Not(o), Shape::Not(u)) => compare_nots(ctx, *o, *u),
        (Shape::Object(o), Shape::Object(u)) => compare_objects(ctx, o, u),
        (Shape::Array(o), Shape::Array(u)) => compare_arrays(ctx, o, u),
        (Shape::Unresolved(o), Shape::Unresolved(u)) if o != u => {
            ctx.add(Kind::TYPE_CHANGED, format!("unresolvable $ref changed from '{o}' to '{u}'"));
        }
        _ => {}
    }
    ctx.entered.pop();
}

/// A plain schema against a combination: compatible when it matches one branch the right way.
/// Returns `true` when that settled the comparison.
fn compare_with_combination<'a>(ctx: &mut Ctx<'_, 'a>, original: &Node<'a>, update: &Node<'a>) -> bool {
    match (&original.shape, &update.shape) {
        (Shape::Combined(_), Shape::Combined(_)) => false,
        (_, Shape::Combined(combination)) => widened_to_combination(ctx, original.handle, combination),
        (Shape::Combined(combination), _) => narrowed_from_combination(ctx, combination, update.handle),
        _ => false,
    }
}

/// `original` became a branch of an `anyOf`/`oneOf` (or a one-branch combination).
fn widened_to_combination<'a>(ctx: &mut Ctx<'_, 'a>, original: Handle<'a>, update: &Combination<'a>) -> bool {
    if let [only] = update.subschemas.as_slice() {
        return ctx.reads(original, *only);
    }
    if update.criterion == Criterion::All {
        return false;
    }
    for &branch in &update.subschemas {
        if ctx.shared.exhausted() {
            return false;
        }
        if ctx.reads(original, branch) {
            ctx.add(Kind::SUM_TYPE_EXTENDED, format!("the schema became a branch of a {}", update.criterion.keyword()));
            return true;
        }
    }
    false
}

/// An `allOf` (or a one-branch combination) became one of its branches.
fn narrowed_from_combination<'a>(ctx: &mut Ctx<'_, 'a>, original: &Combination<'a>, update: Handle<'a>) -> bool {
    if let [only] = original.subschemas.as_slice() {
        return ctx.reads(*only, update);
    }
    if original.criterion != Criterion::All {
        return false;
    }
    for &branch in &original.subschemas {
        if ctx.shared.exhausted() {
            return false;
        }
        if ctx.reads(branch, update) {
            ctx.add(Kind::PRODUCT_TYPE_NARROWED, "the allOf was reduced to one of its subschemas");
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------
// Strings, numbers, enums (StringSchemaDiff, NumberSchemaDiff, EnumSchemaDiff)
// ---------------------------------------------------------------------------

/// Compares a numeric keyword present on either side.
fn compare_limit(ctx: &mut Ctx<'_, '_>, keyword: &str, original: Option<f64>, update: Option<f64>, kinds: LimitKinds) {
    let (kind, detail) = match (original, update) {
        (None, Some(u)) => (kinds.added, format!("{keyword} {} was added", show(u))),
        (Some(o), None) => (kinds.removed, format!("{keyword} {} was removed", show(o))),
        (Some(o), Some(u)) => match o.partial_cmp(&u) {
            Some(Ordering::Less) => (kinds.increased, format!("{keyword} increased from {} to {}", show(o), show(u))),
            Some(Ordering::Greater) => {
                (kinds.decreased, format!("{keyword} decreased from {} to {}", show(o), show(u)))
            }
            _ => return,
        },
        (None, None) => return,
    };
    ctx.add_at(keyword, kind, detail);
}

/// The [`LimitKinds`] of a keyword, by the prefix of its kinds' names.
macro_rules! limit {
    ($added:ident, $removed:ident, $increased:ident, $decreased:ident) => {
        LimitKinds {
            added: Kind::$added,
            removed: Kind::$removed,
            increased: Kind::$increased,
            decreased: Kind::$decreased,
        }
    };
}

fn compare_strings(ctx: &mut Ctx<'_, '_>, original: &StringRules<'_>, update: &StringRules<'_>) {
    let max_length = limit!(MAX_LENGTH_ADDED, MAX_LENGTH_REMOVED, MAX_LENGTH_INCREASED, MAX_LENGTH_DECREASED);
    let min_length = limit!(MIN_LENGTH_ADDED, MIN_LENGTH_REMOVED, MIN_LENGTH_INCREASED, MIN_LENGTH_DECREASED);
    compare_limit(ctx, "maxLength", original.max_length, update.max_length, max_length);
    compare_limit(ctx, "minLength", original.min_length, update.min_length, min_length);
    match (original.pattern, update.pattern) {
        (None, Some(u)) => ctx.add_at("pattern", Kind::PATTERN_ADDED, format!("pattern '{u}' was added")),
        (Some(o), None) => ctx.add_at("pattern", Kind::PATTERN_REMOVED, format!("pattern '{o}' was removed")),
        (Some(o), Some(u)) if o != u => {
            ctx.add_at("pattern", Kind::PATTERN_CHANGED, format!("pattern changed from '{o}' to '{u}'"));
        }
        _ => {}
    }
}

fn compare_numbers(ctx: &mut Ctx<'_, '_>, original: &NumberRules, update: &NumberRules) {
    let maximum = limit!(MAXIMUM_ADDED, MAXIMUM_REMOVED, MAXIMUM_INCREASED, MAXIMUM_DECREASED);
    let minimum = limit!(MINIMUM_ADDED, MINIMUM_REMOVED, MINIMUM_INCREASED, MINIMUM_DECREASED);
    let exclusive_maximum = limit!(
        EXCLUSIVE_MAXIMUM_ADDED,
        EXCLUSIVE_MAXIMUM_REMOVED,
        EXCLUSIVE_MAXIMUM_INCREASED,
        EXCLUSIVE_MAXIMUM_DECREASED
    );
    let exclusive_minimum = limit!(
        EXCLUSIVE_MINIMUM_ADDED,
        EXCLUSIVE_MINIMUM_REMOVED,
        EXCLUSIVE_MINIMUM_INCREASED,
        EXCLUSIVE_MINIMUM_DECREASED
    );
    compare_limit(ctx, "maximum", original.maximum, update.maximum, maximum);
    compare_limit(ctx, "minimum", original.minimum, update.minimum, minimum);
    compare_limit(ctx, "exclusiveMaximum", original.exclusive_maximum, update.exclusive_maximum, exclusive_maximum);
    compare_limit(ctx, "exclusiveMinimum", original.exclusive_minimum, update.exclusive_minimum, exclusive_minimum);
    compare_multiple_of(ctx, original.multiple_of, update.multiple_of);
    match (original.integer, update.integer) {
        (true, false) => ctx.add(Kind::TYPE_EXTENDED, "type widened from integer to number"),
        (false, true) => ctx.add(Kind::TYPE_NARROWED, "type narrowed from number to integer"),
        _ => {}
    }
}

/// `multipleOf`: compatible only when the new divisor divides the old one.
fn compare_multiple_of(ctx: &mut Ctx<'_, '_>, original: Option<f64>, update: Option<f64>) {
    let (kind, detail) = match (original, update) {
        (None, Some(u)) => (Kind::MULTIPLE_OF_ADDED, format!("multipleOf {} was added", show(u))),
        (Some(o), None) => (Kind::MULTIPLE_OF_REMOVED, format!("multipleOf {} was removed", show(o))),
        (Some(o), Some(u)) if o == u => return,
        (Some(o), Some(u)) => {
            let detail = format!("multipleOf changed from {} to {}", show(o), show(u));
            if is_multiple(u, o) {
                (Kind::MULTIPLE_OF_EXPANDED, detail)
            } else if is_multiple(o, u) {
                (Kind::MULTIPLE_OF_REDUCED, detail)
            } else {
                (Kind::MULTIPLE_OF_CHANGED, detail)
            }
        }
        (None, None) => return,
    };
    ctx.add_at("multipleOf", kind, detail);
}

/// Whether `value` is an integer multiple of `divisor` (within floating point error).
fn is_multiple(value: f64, divisor: f64) -> bool {
    if divisor == 0.0 {
        return false;
    }
    let ratio = value / divisor;
    ratio.is_finite() && (ratio - ratio.round()).abs() <= 1e-9 * ratio.abs().max(1.0)
}

/// Enums compare as sets: the update must allow every value the original allowed.
fn compare_enums(ctx: &mut Ctx<'_, '_>, original: &EnumRules<'_>, update: &EnumRules<'_>) {
    let before = canonical_set(&original.values);
    let after = canonical_set(&update.values);
    if before == after {
        return;
    }
    let dropped: Vec<String> = before.iter().filter(|value| !after.contains(*value)).cloned().collect();
    let (kind, detail) = if dropped.is_empty() {
        (Kind::ENUM_ARRAY_EXTENDED, format!("{} extended", update.keyword))
    } else {
        let changed = if before.is_superset(&after) { "narrowed" } else { "changed" };
        let detail = format!(
            "{} {changed} from {} to {}; no longer allowed: {}",
            update.keyword,
            list_values(&before),
            list_values(&after),
            list_values(&dropped.into_iter().collect())
        );
        let kind = if changed == "narrowed" { Kind::ENUM_ARRAY_NARROWED } else { Kind::ENUM_ARRAY_CHANGED };
        (kind, detail)
    };
    ctx.add_at(update.keyword, kind, detail);
}

// ---------------------------------------------------------------------------
// Combinations and `not` (CombinedSchemaDiff, NotSchemaDiff)
// ---------------------------------------------------------------------------

/// Two combinations: every subschema on the smaller side must pair with a compatible one on the
/// other (a maximum matching), and the criterion and the number of subschemas may only change in
/// ways that accept more.
fn compare_combinations<'a>(ctx: &mut Ctx<'_, 'a>, original: &Combination<'a>, update: &Combination<'a>) {
    if !compare_criteria(ctx, original, update) {
        return;
    }
    let originals = distinct(&original.subschemas);
    let updates = distinct(&update.subschemas);
    let counts = format!("from {} to {} subschemas", originals.len(), updates.len());
    match originals.len().cmp(&updates.len()) {
        Ordering::Less if update.criterion == Criterion::All => {
            ctx.add(Kind::PRODUCT_TYPE_EXTENDED, format!("allOf grew {counts}: values must now match more schemas"));
        }
        Ordering::Less => ctx.add(Kind::SUM_TYPE_EXTENDED, format!("{} grew {counts}", update.criterion.keyword())),
        Ordering::Greater if original.criterion == Criterion::All => {
            ctx.add(Kind::PRODUCT_TYPE_NARROWED, format!("allOf shrank {counts}"));
        }
        Ordering::Greater => {
            let detail = format!(
                "{} shrank {counts}: values matching a dropped branch are rejected",
                original.criterion.keyword()
            );
            ctx.add(Kind::SUM_TYPE_NARROWED, detail);
        }
        Ordering::Equal => {}
    }
    let mut edges = vec![Vec::new(); originals.len()];
    for (i, (&from, targets)) in originals.iter().zip(&mut edges).enumerate() {
        ctx.at(&format!("{}/{i}", original.criterion.keyword()), |ctx| {
            for (j, &to) in updates.iter().enumerate() {
                if ctx.shared.exhausted() {
                    return;
                }
                if ctx.reads(from, to) {
                    targets.push(j);
                }
            }
        });
    }
    if maximum_matching(&edges, updates.len()) < originals.len().min(updates.len()) {
        let detail = unpaired_detail(ctx, &originals, &updates, &edges, original.criterion);
        ctx.add(Kind::COMBINED_TYPE_SUBSCHEMAS_CHANGED, detail);
    }
}

/// Says which subschemas of the side that must be fully paired found no compatible partner.
fn unpaired_detail<'a>(
    ctx: &Ctx<'_, 'a>,
    originals: &[Handle<'a>],
    updates: &[Handle<'a>],
    edges: &[Vec<usize>],
    criterion: Criterion,
) -> String {
    let describe = |handle: &Handle<'a>| ctx.load(*handle).shape.describe();
    let lonely: Vec<String> = if originals.len() <= updates.len() {
        originals.iter().zip(edges).filter(|(_, targets)| targets.is_empty()).map(|(h, _)| describe(h)).collect()
    } else {
        let paired = |j: usize| edges.iter().any(|targets| targets.contains(&j));
        updates.iter().enumerate().filter(|(j, _)| !paired(*j)).map(|(_, h)| describe(h)).collect()
    };
    let keyword = criterion.keyword();
    match (lonely.is_empty(), originals.len() <= updates.len()) {
        (true, _) => {
            format!("the subschemas of the {keyword} changed: they cannot all be paired with compatible counterparts")
        }
        (false, true) => format!(
            "the subschemas of the {keyword} changed: nothing in the update accepts what the original's [{}] accepted",
            lonely.join(", ")
        ),
        (false, false) => format!(
            "the subschemas of the {keyword} changed: the update's [{}] accepts none of the original's subschemas",
            lonely.join(", ")
        ),
    }
}

/// Compares the criteria; `false` when they changed incompatibly (nothing more to compare).
fn compare_criteria(ctx: &mut Ctx<'_, '_>, original: &Combination<'_>, update: &Combination<'_>) -> bool {
    let (from, to) = (original.criterion, update.criterion);
    if from == to {
        return true;
    }
    let single_original = original.subschemas.len() == 1;
    let single_update = update.subschemas.len() == 1;
    let widened = to == Criterion::Any
        || (single_original && single_update)
        || (single_original && to == Criterion::One)
        || (single_update && from == Criterion::All);
    let detail = format!("combination changed from {} to {}", from.keyword(), to.keyword());
    if widened {
        ctx.add(Kind::COMBINED_TYPE_EXTENDED, detail);
    } else {
        ctx.add(Kind::COMBINED_TYPE_CHANGED, detail);
    }
    widened
}

/// The subschemas without repeats (structurally equal ones count once).
fn distinct<'a>(subschemas: &[Handle<'a>]) -> Vec<Handle<'a>> {
    let mut seen = HashSet::new();
    subschemas.iter().filter(|handle| seen.insert((handle.facet, canonical(handle.value)))).copied().collect()
}

/// The size of a maximum matching of a bipartite graph (`edges[left]` lists its right neighbours).
fn maximum_matching(edges: &[Vec<usize>], right: usize) -> usize {
    let mut owner: Vec<Option<usize>> = vec![None; right];
    let mut matched = 0;
    for left in 0..edges.len() {
        let mut seen = vec![false; right];
        if augment(left, edges, &mut seen, &mut owner) {
            matched += 1;
        }
    }
    matched
}

/// Kuhn's augmenting path search from `left`; the recursion is bounded by the number of
/// right vertices, each visited once per search.
fn augment(left: usize, edges: &[Vec<usize>], seen: &mut [bool], owner: &mut [Option<usize>]) -> bool {
    for &right in edges.get(left).into_iter().flatten() {
        let Some(visited) = seen.get_mut(right) else { continue };
        if *visited {
            continue;
        }
        *visited = true;
        let current = owner.get(right).copied().flatten();
        let free = match current {
            None => true,
            Some(other) => augment(other, edges, seen, owner),
        };
        if free && let Some(slot) = owner.get_mut(right) {
            *slot = Some(left);
            return true;
        }
    }
    false
}

/// `not`: the update's excluded schema must read the original's (compared in reverse).
fn compare_nots<'a>(ctx: &mut Ctx<'_, 'a>, original: Handle<'a>, update: Handle<'a>) {
    ctx.at("not", |ctx| {
        if ctx.reads(update, original) {
            ctx.add(Kind::NOT_TYPE_NARROWED, "the schema under 'not' excludes fewer values");
        } else {
            ctx.add(Kind::NOT_TYPE_EXTENDED, "the schema under 'not' now excludes values the original accepted");
        }
    });
}

// ---------------------------------------------------------------------------
// Objects (ObjectSchemaDiff)
// ---------------------------------------------------------------------------

fn compare_objects<'a>(ctx: &mut Ctx<'_, 'a>, original: &ObjectRules<'a>, update: &ObjectRules<'a>) {
    compare_required(ctx, original, update);
    compare_properties(ctx, original, update);
    compare_pattern_properties(ctx, original, update);
    compare_dependencies(ctx, original, update);
    compare_additional(ctx, &original.additional, &update.additional, ADDITIONAL_PROPERTIES);
    compare_property_names(ctx, original.property_names, update.property_names);
    let max = limit!(MAX_PROPERTIES_ADDED, MAX_PROPERTIES_REMOVED, MAX_PROPERTIES_INCREASED, MAX_PROPERTIES_DECREASED);
    let min = limit!(MIN_PROPERTIES_ADDED, MIN_PROPERTIES_REMOVED, MIN_PROPERTIES_INCREASED, MIN_PROPERTIES_DECREASED);
    compare_limit(ctx, "maxProperties", original.max_properties, update.max_properties, max);
    compare_limit(ctx, "minProperties", original.min_properties, update.min_properties, min);
}

/// Properties declared on both sides that became (or stopped being) required.
fn compare_required<'a>(ctx: &mut Ctx<'_, 'a>, original: &ObjectRules<'a>, update: &ObjectRules<'a>) {
    ctx.at("required", |ctx| {
        for &(name, _) in &original.properties {
            let Some(schema) = update.property(name) else { continue };
            match (original.requires(name), update.requires(name)) {
                (true, false) => {
                    ctx.add_at(
                        &token(name),
                        Kind::REQUIRED_ATTRIBUTE_REMOVED,
                        format!("'{name}' is no longer required"),
                    );
                }
                (false, true) if schema.has_default() => {
                    let detail = format!("'{name}' became required, with a default");
                    ctx.add_at(&token(name), Kind::REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED, detail);
                }
                (false, true) => {
                    let detail = format!("'{name}' became required and has no default; data without it is rejected");
                    ctx.add_at(&token(name), Kind::REQUIRED_ATTRIBUTE_ADDED, detail);
                }
                _ => {}
            }
        }
    });
}

fn compare_properties<'a>(ctx: &mut Ctx<'_, 'a>, original: &ObjectRules<'a>, update: &ObjectRules<'a>) {
    ctx.at("properties", |ctx| {
        for &(name, before) in &original.properties {
            ctx.at(&token(name), |ctx| match update.property(name) {
                Some(after) => compare_schemas(ctx, before, after),
                None => property_removed(ctx, name, before, update),
            });
        }
        for &(name, after) in &update.properties {
            if original.property(name).is_none() {
                ctx.at(&token(name), |ctx| property_added(ctx, name, after, original, update));
            }
        }
    });
}

/// The schema a partially open object gives an undeclared property: the first matching
/// `patternProperties` entry, else `additionalProperties`.
fn undeclared_property_schema<'a>(ctx: &Ctx<'_, 'a>, rules: &ObjectRules<'a>, name: &str) -> Option<Handle<'a>> {
    let by_pattern = rules.pattern_properties.iter().find(|(pattern, _)| ctx.shared.pattern_matches(pattern, name));
    by_pattern.map(|(_, schema)| *schema).or(rules.additional.schema)
}

/// A property of the original is gone from the update: its values must now be accepted as
/// undeclared properties.
fn property_removed<'a>(ctx: &mut Ctx<'_, 'a>, name: &str, before: Handle<'a>, update: &ObjectRules<'a>) {
    if update.is_open() {
        ctx.add(Kind::PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, format!("property '{name}' was removed"));
    } else if let Some(schema) = undeclared_property_schema(ctx, update, name) {
        if ctx.reads_recording(before, schema) {
            let detail =
                format!("property '{name}' was removed; its values are still accepted as an undeclared property");
            ctx.add(Kind::PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        } else {
            let detail = format!(
                "property '{name}' was removed and the schema the update gives undeclared properties rejects its values"
            );
            ctx.add(Kind::PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        }
    } else if matches!(ctx.load(before).shape, Shape::False) {
        ctx.add(
            Kind::PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL,
            format!("forbidden property '{name}' was removed"),
        );
    } else {
        let detail = format!(
            "property '{name}' was removed but the update does not allow additional properties, so data with it is rejected"
        );
        ctx.add(Kind::PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, detail);
    }
}

/// A property is new in the update: the values the original allowed under that name must
/// still be accepted, and it must not be required without a default.
fn property_added<'a>(
    ctx: &mut Ctx<'_, 'a>,
    name: &str,
    after: Handle<'a>,
    original: &ObjectRules<'a>,
    update: &ObjectRules<'a>,
) {
    if original.is_open() {
        property_added_to_open(ctx, name, after, update);
        return;
    }
    if let Some(schema) = undeclared_property_schema(ctx, original, name) {
        if ctx.reads_recording(schema, after) {
            let detail = format!("property '{name}' was added, accepting what the original allowed under that name");
            ctx.add(Kind::PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        } else {
            let detail = format!(
                "property '{name}' was added with a schema that rejects values the original allowed under that name"
            );
            ctx.add(Kind::PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        }
    }
    if !update.requires(name) {
        ctx.add(Kind::OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, format!("optional property '{name}' was added"));
    } else if after.has_default() {
        let detail = format!("required property '{name}' was added, with a default");
        ctx.add(Kind::REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL, detail);
    } else {
        let detail =
            format!("required property '{name}' was added without a default; data written with the original lacks it");
        ctx.add(Kind::REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL, detail);
    }
}

/// A property is new but the original accepted any property with any value: only a schema
/// accepting anything keeps that (Confluent 8's split of the kind by `required`).
fn property_added_to_open<'a>(ctx: &mut Ctx<'_, 'a>, name: &str, after: Handle<'a>, update: &ObjectRules<'a>) {
    if ctx.load(after).shape.accepts_anything() {
        let detail = format!("property '{name}' was added with a schema accepting anything");
        ctx.add(Kind::PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, detail);
        return;
    }
    let detail = format!(
        "property '{name}' was added with a constraining schema, but the original accepted any value under that name"
    );
    let kind = if !update.requires(name) {
        Kind::OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
    } else if after.has_default() {
        Kind::REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_OPEN_CONTENT_MODEL
    } else {
        Kind::REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL
    };
    ctx.add(kind, detail);
}

/// `patternProperties` (beyond Confluent, which only uses them to cover added or removed
/// properties): schemas under the same pattern are compared, and a pattern added or removed is
/// judged like a property against the other side's `additionalProperties`.
fn compare_pattern_properties<'a>(ctx: &mut Ctx<'_, 'a>, original: &ObjectRules<'a>, update: &ObjectRules<'a>) {
    ctx.at("patternProperties", |ctx| {
        for &(pattern, before) in &original.pattern_properties {
            ctx.at(&token(pattern), |ctx| match update.pattern_property(pattern) {
                Some(after) => compare_schemas(ctx, before, after),
                None => pattern_removed(ctx, pattern, before, &update.additional),
            });
        }
        for &(pattern, after) in &update.pattern_properties {
            if original.pattern_property(pattern).is_none() {
                ctx.at(&token(pattern), |ctx| pattern_added(ctx, pattern, after, &original.additional));
            }
        }
    });
}

fn pattern_removed<'a>(ctx: &mut Ctx<'_, 'a>, pattern: &str, before: Handle<'a>, update: &Additional<'a>) {
    if update.is_open() {
        ctx.add(Kind::PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL, format!("patternProperties '{pattern}' was removed"));
    } else if let Some(schema) = update.schema {
        if !ctx.reads_recording(before, schema) {
            let detail = format!(
                "patternProperties '{pattern}' was removed and the update's additionalProperties rejects values it allowed"
            );
            ctx.add(Kind::PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        }
    } else if !matches!(ctx.load(before).shape, Shape::False) {
        let detail = format!(
            "patternProperties '{pattern}' was removed but the update does not allow additional properties, so data with such properties is rejected"
        );
        ctx.add(Kind::PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL, detail);
    }
}

fn pattern_added<'a>(ctx: &mut Ctx<'_, 'a>, pattern: &str, after: Handle<'a>, original: &Additional<'a>) {
    if original.is_open() {
        if !ctx.load(after).shape.accepts_anything() {
            let detail = format!(
                "patternProperties '{pattern}' was added with a constraining schema, but the original accepted any such property"
            );
            ctx.add(Kind::OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL, detail);
        }
    } else if let Some(schema) = original.schema
        && !ctx.reads_recording(schema, after)
    {
        let detail = format!(
            "patternProperties '{pattern}' was added, rejecting values the original's additionalProperties allowed"
        );
        ctx.add(Kind::PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
    }
}

fn compare_dependencies<'a>(ctx: &mut Ctx<'_, 'a>, original: &ObjectRules<'a>, update: &ObjectRules<'a>) {
    let find =
        |rules: &'_ ObjectRules<'a>, name: &str| rules.property_dependencies.iter().position(|d| d.property == name);
    for before in &original.property_dependencies {
        let after = find(update, before.property).and_then(|i| update.property_dependencies.get(i));
        let keyword = after.map_or(before.keyword, |after| after.keyword);
        ctx.at(keyword, |ctx| ctx.at(&token(before.property), |ctx| compare_property_dependency(ctx, before, after)));
    }
    for after in &update.property_dependencies {
        if find(original, after.property).is_none() {
            let detail = format!(
                "when '{}' is present, {} must now be present too",
                after.property,
                list_names(&after.requires)
            );
            ctx.at(after.keyword, |ctx| ctx.add_at(&token(after.property), Kind::DEPENDENCY_ARRAY_ADDED, detail));
        }
    }
    for before in &original.schema_dependencies {
        let after = update.schema_dependencies.iter().find(|d| d.property == before.property);
        let keyword = after.map_or(before.keyword, |after| after.keyword);
        ctx.at(keyword, |ctx| {
            ctx.at(&token(before.property), |ctx| match after {
                Some(after) => compare_schemas(ctx, before.schema, after.schema),
                None => ctx.add(
                    Kind::DEPENDENCY_SCHEMA_REMOVED,
                    format!("dependent schema of '{}' was removed", before.property),
                ),
            });
        });
    }
    for after in &update.schema_dependencies {
        if original.schema_dependencies.iter().all(|d| d.property != after.property) {
            let detail = format!("when '{}' is present, the object must now match a dependent schema", after.property);
            ctx.at(after.keyword, |ctx| ctx.add_at(&token(after.property), Kind::DEPENDENCY_SCHEMA_ADDED, detail));
        }
    }
}

fn compare_property_dependency(
    ctx: &mut Ctx<'_, '_>,
    before: &PropertyDependency<'_>,
    after: Option<&PropertyDependency<'_>>,
) {
    let Some(after) = after else {
        ctx.add(Kind::DEPENDENCY_ARRAY_REMOVED, format!("the dependency of '{}' was removed", before.property));
        return;
    };
    let old: HashSet<&str> = before.requires.iter().copied().collect();
    let new: HashSet<&str> = after.requires.iter().copied().collect();
    if old == new {
        return;
    }
    let detail = format!(
        "when '{}' is present, {} must be present instead of {}",
        before.property,
        list_names(&after.requires),
        list_names(&before.requires)
    );
    let kind = if new.is_superset(&old) {
        Kind::DEPENDENCY_ARRAY_EXTENDED
    } else if old.is_superset(&new) {
        Kind::DEPENDENCY_ARRAY_NARROWED
    } else {
        Kind::DEPENDENCY_ARRAY_CHANGED
    };
    ctx.add(kind, detail);
}

/// `propertyNames` (beyond Confluent): adding one restricts which keys are accepted.
fn compare_property_names<'a>(ctx: &mut Ctx<'_, 'a>, original: Option<Handle<'a>>, update: Option<Handle<'a>>) {
    ctx.at("propertyNames", |ctx| match (original, update) {
        (Some(before), Some(after)) => compare_schemas(ctx, before, after),
        (Some(_), None) => ctx.add(Kind::PROPERTY_NAMES_REMOVED, "propertyNames was removed"),
        (None, Some(after)) if !ctx.load(after).shape.accepts_anything() => {
            ctx.add(Kind::PROPERTY_NAMES_ADDED, "propertyNames was added: keys the original accepted may be rejected");
        }
        _ => {}
    });
}

/// The kinds and wording of `additionalProperties` / `additionalItems` changes.
struct AdditionalKinds {
    what: &'static str,
    added: Kind,
    removed: Kind,
    extended: Kind,
    narrowed: Kind,
}

const ADDITIONAL_PROPERTIES: AdditionalKinds = AdditionalKinds {
    what: "additional properties",
    added: Kind::ADDITIONAL_PROPERTIES_ADDED,
    removed: Kind::ADDITIONAL_PROPERTIES_REMOVED,
    extended: Kind::ADDITIONAL_PROPERTIES_EXTENDED,
    narrowed: Kind::ADDITIONAL_PROPERTIES_NARROWED,
};

const ADDITIONAL_ITEMS: AdditionalKinds = AdditionalKinds {
    what: "additional items",
    added: Kind::ADDITIONAL_ITEMS_ADDED,
    removed: Kind::ADDITIONAL_ITEMS_REMOVED,
    extended: Kind::ADDITIONAL_ITEMS_EXTENDED,
    narrowed: Kind::ADDITIONAL_ITEMS_NARROWED,
};

/// Whether, and how, values beyond the declared ones may appear.
fn compare_additional<'a>(
    ctx: &mut Ctx<'_, 'a>,
    original: &Additional<'a>,
    update: &Additional<'a>,
    kinds: AdditionalKinds,
) {
    let what = kinds.what;
    ctx.at(update.keyword, |ctx| {
        if original.permits != update.permits {
            if update.permits {
                ctx.add(kinds.added, format!("{what} are now allowed"));
            } else {
                ctx.add(kinds.removed, format!("{what} are no longer allowed"));
            }
            return;
        }
        match (original.schema, update.schema) {
            (None, Some(_)) if original.permits => {
                ctx.add(kinds.narrowed, format!("{what}, previously unconstrained, must now match a schema"));
            }
            (Some(_), None) => ctx.add(kinds.extended, format!("{what} are no longer constrained")),
            (Some(before), Some(after)) => compare_schemas(ctx, before, after),
            _ => {}
        }
    });
}

// ---------------------------------------------------------------------------
// Arrays (ArraySchemaDiff)
// ---------------------------------------------------------------------------

fn compare_arrays<'a>(ctx: &mut Ctx<'_, 'a>, original: &ArrayRules<'a>, update: &ArrayRules<'a>) {
    ctx.at("items", |ctx| compare(ctx, original.items, update.items));
    compare_tuples(ctx, original, update);
    compare_additional(ctx, &original.additional, &update.additional, ADDITIONAL_ITEMS);
    compare_contains(ctx, original.contains, update.contains);
    let max = limit!(MAX_ITEMS_ADDED, MAX_ITEMS_REMOVED, MAX_ITEMS_INCREASED, MAX_ITEMS_DECREASED);
    let min = limit!(MIN_ITEMS_ADDED, MIN_ITEMS_REMOVED, MIN_ITEMS_INCREASED, MIN_ITEMS_DECREASED);
    compare_limit(ctx, "maxItems", original.max_items, update.max_items, max);
    compare_limit(ctx, "minItems", original.min_items, update.min_items, min);
    match (original.unique_items, update.unique_items) {
        (true, false) => ctx.add_at("uniqueItems", Kind::UNIQUE_ITEMS_REMOVED, "uniqueItems was removed"),
        (false, true) => {
            ctx.add_at(
                "uniqueItems",
                Kind::UNIQUE_ITEMS_ADDED,
                "uniqueItems was added: arrays with repeated items are rejected",
            );
        }
        _ => {}
    }
    let max = limit!(MAX_CONTAINS_ADDED, MAX_CONTAINS_REMOVED, MAX_CONTAINS_INCREASED, MAX_CONTAINS_DECREASED);
    let min = limit!(MIN_CONTAINS_ADDED, MIN_CONTAINS_REMOVED, MIN_CONTAINS_INCREASED, MIN_CONTAINS_DECREASED);
    compare_limit(ctx, "maxContains", original.max_contains, update.max_contains, max);
    compare_limit(ctx, "minContains", original.min_contains, update.min_contains, min);
}

/// Positional item schemas, compared position by position; extra positions are judged against
/// the other side's `additionalItems`.
fn compare_tuples<'a>(ctx: &mut Ctx<'_, 'a>, original: &ArrayRules<'a>, update: &ArrayRules<'a>) {
    let length = original.tuple.len().max(update.tuple.len());
    for index in 0..length {
        let (before, after) = (original.tuple.get(index).copied(), update.tuple.get(index).copied());
        let keyword = if after.is_some() { update.tuple_keyword } else { original.tuple_keyword };
        ctx.at(&format!("{keyword}/{index}"), |ctx| match (before, after) {
            (Some(before), Some(after)) => compare_schemas(ctx, before, after),
            (Some(before), None) => item_removed(ctx, index, before, update),
            (None, Some(after)) => item_added(ctx, index, after, original),
            (None, None) => {}
        });
    }
}

/// A tuple position of the original is gone: its items now fall under the update's `additionalItems`.
fn item_removed<'a>(ctx: &mut Ctx<'_, 'a>, index: usize, before: Handle<'a>, update: &ArrayRules<'a>) {
    if update.additional.is_open() {
        ctx.add(Kind::ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL, format!("the schema of item {index} was removed"));
    } else if let Some(schema) = update.additional.schema {
        if ctx.reads_recording(before, schema) {
            let detail =
                format!("the schema of item {index} was removed; the update's additional items schema accepts it");
            ctx.add(Kind::ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        } else {
            let detail = format!(
                "the schema of item {index} was removed and the update's additional items schema rejects its values"
            );
            ctx.add(Kind::ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        }
    } else if matches!(ctx.load(before).shape, Shape::False) {
        ctx.add(Kind::ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL, format!("forbidden item {index} was removed"));
    } else {
        let detail = format!(
            "the schema of item {index} was removed but the update allows no additional items, so arrays that long are rejected"
        );
        ctx.add(Kind::ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL, detail);
    }
}

/// A tuple position is new: what the original accepted there must still be accepted.
fn item_added<'a>(ctx: &mut Ctx<'_, 'a>, index: usize, after: Handle<'a>, original: &ArrayRules<'a>) {
    if original.additional.is_open() {
        if ctx.load(after).shape.accepts_anything() {
            let detail = format!("item {index} was given a schema accepting anything");
            ctx.add(Kind::ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL, detail);
        } else {
            let detail =
                format!("item {index} was given a constraining schema, but the original accepted any value there");
            ctx.add(Kind::ITEM_ADDED_TO_OPEN_CONTENT_MODEL, detail);
        }
    } else if let Some(schema) = original.additional.schema {
        if ctx.reads_recording(schema, after) {
            let detail = format!("item {index} was given a schema accepting what the original allowed there");
            ctx.add(Kind::ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        } else {
            let detail = format!("item {index} was given a schema that rejects values the original allowed there");
            ctx.add(Kind::ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL, detail);
        }
    } else {
        ctx.add(Kind::ITEM_ADDED_TO_CLOSED_CONTENT_MODEL, format!("item {index} was added"));
    }
}

/// `contains` (beyond Confluent): adding one requires a matching item the original did not.
fn compare_contains<'a>(ctx: &mut Ctx<'_, 'a>, original: Option<Handle<'a>>, update: Option<Handle<'a>>) {
    ctx.at("contains", |ctx| match (original, update) {
        (Some(before), Some(after)) => compare_schemas(ctx, before, after),
        (Some(_), None) => ctx.add(Kind::CONTAINS_REMOVED, "contains was removed"),
        (None, Some(_)) => {
            ctx.add(Kind::CONTAINS_ADDED, "contains was added: arrays without a matching item are rejected")
        }
        (None, None) => {}
    });
}

// ---------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------

/// A number as written in a schema (`10`, not `10.0`).
fn show(number: f64) -> String {
    if number.fract() == 0.0 && number.abs() < 1e15 { format!("{}", number as i64) } else { format!("{number}") }
}

/// Property names as `['a', 'b']`.
fn list_names(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("'{name}'")).collect();
    format!("[{}]", quoted.join(", "))
}

/// Canonical JSON texts as `[a, b, ...]`, sorted, eliding all but the first few.
fn list_values(values: &HashSet<String>) -> String {
    let mut sorted: Vec<&String> = values.iter().collect();
    sorted.sort();
    let mut listed: Vec<&str> = sorted.iter().take(MAX_LISTED_VALUES).map(|value| value.as_str()).collect();
    if sorted.len() > MAX_LISTED_VALUES {
        listed.push("...");
    }
    format!("[{}]", listed.join(", "))
}

fn canonical_set(values: &[&Value]) -> HashSet<String> {
    values.iter().map(|value| canonical(value)).collect()
}

/// A JSON text that is the same for equal values: object keys sorted, integral numbers without
/// a fraction. Deeply nested values are cut short.
fn canonical(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out, 0);
    out
}

fn write_canonical(value: &Value, out: &mut String, depth: usize) {
    if depth > MAX_SEARCH_DEPTH {
        out.push_str("...");
        return;
    }
    match value {
        Value::Number(number) => match number.as_f64() {
            Some(float) if float.fract() == 0.0 && float.abs() < 1e15 => out.push_str(&show(float)),
            _ => out.push_str(&number.to_string()),
        },
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out, depth + 1);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(item, out, depth + 1);
            }
            out.push('}');
        }
        other => out.push_str(&other.to_string()),
    }
}

#[cfg(test)]
mod tests {

    use serde_json::{Map, Value, json};

    use super::backward_changes;

    /// The `(kind, path)` of each breaking change from `original` to `update`.
    fn breaks(original: &Value, update: &Value) -> Vec<(String, String)> {
        backward_changes(original, update).into_iter().map(|change| (change.kind, change.path)).collect()
    }

    fn change(kind: &str, path: &str) -> (String, String) {
        (kind.to_owned(), path.to_owned())
    }

    fn object(properties: Value) -> Value {
        json!({ "type": "object", "properties": properties })
    }

    fn closed(properties: Value) -> Value {
        json!({ "type": "object", "properties": properties, "additionalProperties": false })
    }

    #[test]
    fn widening_changes_are_compatible() {
        let cases = [
            (json!({"type": "string"}), json!({"type": ["string", "null"]})),
            (json!({"type": "integer"}), json!({"type": "number"})),
            (json!({"type": "string", "maxLength": 5}), json!({"type": "string", "maxLength": 8})),
            (json!({"enum": ["a", "b"]}), json!({"enum": ["b", "a", "c"]})),
            (json!({"const": "a"}), json!({"enum": ["a", "b"]})),
            (json!({"type": "number", "multipleOf": 0.5}), json!({"type": "number", "multipleOf": 0.25})),
            (
                closed(json!({"a": {"type": "string"}})),
                closed(json!({"a": {"type": "string"}, "b": {"type": "number"}})),
            ),
            (json!({"type": "string"}), json!({"oneOf": [{"type": "number"}, {"type": "string"}]})),
            (
                json!({"anyOf": [{"type": "string"}, {"type": "number"}]}),
                json!({"anyOf": [{"type": "number"}, {"type": "boolean"}, {"type": "string"}]}),
            ),
            (json!({"type": "string"}), json!(true)),
            (json!(false), json!({"type": "string"})),
        ];
        for (original, update) in cases {
            assert_eq!(breaks(&original, &update), vec![], "{original} -> {update}");
        }
    }

    #[test]
    fn property_type_change_names_path_and_types() {
        let changes = backward_changes(
            &object(json!({"amount": {"type": "integer"}})),
            &object(json!({"amount": {"type": "string"}})),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!((changes[0].kind.as_str(), changes[0].path.as_str()), ("TYPE_CHANGED", "#/properties/amount"));
        assert_eq!(changes[0].detail, "type changed from integer to string");
    }

    #[test]
    fn required_property_added_to_a_closed_object_breaks_unless_it_has_a_default() {
        let original = closed(json!({"a": {"type": "string"}}));
        let mut update = closed(json!({"a": {"type": "string"}, "b": {"type": "string"}}));
        update["required"] = json!(["b"]);
        assert_eq!(
            breaks(&original, &update),
            vec![change("REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL", "#/properties/b")]
        );
        update["properties"]["b"]["default"] = json!("x");
        assert_eq!(breaks(&original, &update), vec![]);
    }

    #[test]
    fn existing_property_becoming_required_breaks() {
        let original = object(json!({"a": {"type": "string"}}));
        let mut update = original.clone();
        update["required"] = json!(["a"]);
        assert_eq!(breaks(&original, &update), vec![change("REQUIRED_ATTRIBUTE_ADDED", "#/required/a")]);
        assert_eq!(breaks(&update, &original), vec![]);
    }

    #[test]
    fn property_removed_from_a_closed_object_breaks() {
        let original = closed(json!({"a": {"type": "string"}, "b/c": {"type": "string"}}));
        let update = closed(json!({"a": {"type": "string"}}));
        assert_eq!(
            breaks(&original, &update),
            vec![change("PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/properties/b~1c")]
        );
    }

    #[test]
    fn property_added_to_an_open_object_breaks() {
        let original = object(json!({"a": {"type": "string"}}));
        let update = object(json!({"a": {"type": "string"}, "b": {"type": "number"}}));
        assert_eq!(
            breaks(&original, &update),
            vec![change("OPTIONAL_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b")]
        );
        let mut required = update.clone();
        required["required"] = json!(["b"]);
        assert_eq!(
            breaks(&original, &required),
            vec![change("REQUIRED_PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL", "#/properties/b")]
        );
    }

    #[test]
    fn string_and_number_constraints() {
        let name = |schema: Value| object(json!({ "name": schema }));
        assert_eq!(
            breaks(&name(json!({"type": "string"})), &name(json!({"type": "string", "maxLength": 10}))),
            vec![change("MAX_LENGTH_ADDED", "#/properties/name/maxLength")]
        );
        assert_eq!(
            breaks(
                &name(json!({"type": "string", "pattern": "^a"})),
                &name(json!({"type": "string", "pattern": "^b"}))
            ),
            vec![change("PATTERN_CHANGED", "#/properties/name/pattern")]
        );
        assert_eq!(
            breaks(&json!({"type": "number", "minimum": 1}), &json!({"type": "number", "minimum": 2})),
            vec![change("MINIMUM_INCREASED", "#/minimum")]
        );
        assert_eq!(
            breaks(&json!({"type": "number", "multipleOf": 0.25}), &json!({"type": "number", "multipleOf": 0.5})),
            vec![change("MULTIPLE_OF_EXPANDED", "#/multipleOf")]
        );
        assert_eq!(
            breaks(&json!({"type": "number"}), &json!({"type": "integer"})),
            vec![change("TYPE_NARROWED", "#/")]
        );
    }

    #[test]
    fn draft4_boolean_exclusive_maximum_counts() {
        let draft4 = "http://json-schema.org/draft-04/schema#";
        let original = json!({"$schema": draft4, "type": "number", "maximum": 10});
        let update = json!({"$schema": draft4, "type": "number", "maximum": 10, "exclusiveMaximum": true});
        assert_eq!(breaks(&original, &update), vec![change("EXCLUSIVE_MAXIMUM_ADDED", "#/exclusiveMaximum")]);
    }

    #[test]
    fn enum_narrowed_lists_the_dropped_values() {
        let changes = backward_changes(
            &object(json!({"status": {"enum": ["a", "b", "c"]}})),
            &object(json!({"status": {"enum": ["a", "b"]}})),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].kind.as_str(), changes[0].path.as_str()),
            ("ENUM_ARRAY_NARROWED", "#/properties/status/enum")
        );
        assert!(changes[0].detail.ends_with("no longer allowed: [\"c\"]"), "{}", changes[0].detail);
    }

    #[test]
    fn dropping_null_from_a_type_union_breaks() {
        let changes = backward_changes(
            &object(json!({"note": {"type": ["string", "null"]}})),
            &object(json!({"note": {"type": "string"}})),
        );
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!((changes[0].kind.as_str(), changes[0].path.as_str()), ("TYPE_CHANGED", "#/properties/note"));
        assert_eq!(changes[0].detail, "type changed from string or null to string");
    }

    #[test]
    fn narrowing_one_type_of_a_union_names_it() {
        let note = |max: u64| object(json!({"note": {"type": ["string", "null"], "maxLength": max}}));
        let changes = backward_changes(&note(5), &note(3));
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(
            (changes[0].kind.as_str(), changes[0].path.as_str()),
            ("COMBINED_TYPE_SUBSCHEMAS_CHANGED", "#/properties/note")
        );
        assert!(changes[0].detail.ends_with("accepts what the original's [string] accepted"), "{}", changes[0].detail);
        assert_eq!(breaks(&note(3), &note(5)), vec![]);
    }

    #[test]
    fn combinations_pair_their_subschemas() {
        let one_of = |schemas: Value| json!({ "oneOf": schemas });
        assert_eq!(
            breaks(&one_of(json!([{"type": "string"}, {"type": "number"}])), &one_of(json!([{"type": "string"}]))),
            vec![change("SUM_TYPE_NARROWED", "#/")]
        );
        assert_eq!(
            breaks(&json!({"allOf": [{"type": "string"}]}), &json!({"allOf": [{"type": "string"}, {"maxLength": 3}]})),
            vec![change("PRODUCT_TYPE_EXTENDED", "#/")]
        );
        assert_eq!(
            breaks(
                &one_of(json!([{"type": "string"}, {"type": "number"}])),
                &one_of(json!([{"type": "string"}, {"type": "boolean"}]))
            ),
            vec![change("COMBINED_TYPE_SUBSCHEMAS_CHANGED", "#/")]
        );
    }

    #[test]
    fn refs_are_followed_and_cycles_cut() {
        let list = |schema: &str, defs: &str, value: &str| {
            let mut root = json!({
                "$ref": format!("#/{defs}/node"),
                defs: {"node": {"type": "object", "properties": {
                    "value": {"type": value},
                    "next": {"$ref": format!("#/{defs}/node")}
                }}}
            });
            if !schema.is_empty() {
                root["$schema"] = json!(schema);
            }
            root
        };
        for (schema, defs) in [("", "definitions"), ("https://json-schema.org/draft/2020-12/schema", "$defs")] {
            let original = list(schema, defs, "integer");
            assert_eq!(breaks(&original, &original.clone()), vec![]);
            assert_eq!(breaks(&original, &list(schema, defs, "number")), vec![]);
            assert_eq!(
                breaks(&original, &list(schema, defs, "string")),
                vec![change("TYPE_CHANGED", "#/properties/value")]
            );
        }
        let anchored = json!({"$defs": {"a": {"$anchor": "name", "type": "string"}}, "$ref": "#name"});
        assert_eq!(breaks(&json!({"type": "string"}), &anchored), vec![]);
        let looping = json!({"$ref": "#"});
        assert_eq!(breaks(&looping, &looping.clone()), vec![]);
        let elsewhere = json!({"$ref": "https://example.com/other.json"});
        assert_eq!(breaks(&elsewhere, &elsewhere.clone()), vec![]);
        assert_eq!(breaks(&elsewhere, &json!({"$ref": "other.json"})), vec![change("TYPE_CHANGED", "#/")]);
    }

    #[test]
    fn tuples_in_draft7_and_2020_12() {
        let draft7 = |item: &str| json!({"type": "array", "items": [{"type": item}], "additionalItems": false});
        assert_eq!(breaks(&draft7("string"), &draft7("number")), vec![change("TYPE_CHANGED", "#/items/0")]);
        let modern = |items: Value| json!({"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "array", "prefixItems": items, "items": false});
        let original = modern(json!([{"type": "string"}, {"type": "integer"}]));
        assert_eq!(
            breaks(&original, &modern(json!([{"type": "string"}]))),
            vec![change("ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL", "#/prefixItems/1")]
        );
        assert_eq!(
            breaks(&original, &modern(json!([{"type": "string"}, {"type": "number"}, {"type": "null"}]))),
            vec![]
        );
    }

    #[test]
    fn dependencies_of_every_draft() {
        let modern = |dependent: Value| {
            json!({"$schema": "https://json-schema.org/draft/2020-12/schema",
                   "properties": {"a": {}, "b": {}}, "dependentRequired": dependent})
        };
        assert_eq!(
            breaks(&modern(json!({})), &modern(json!({"a": ["b"]}))),
            vec![change("DEPENDENCY_ARRAY_ADDED", "#/dependentRequired/a")]
        );
        assert_eq!(breaks(&modern(json!({"a": ["b"]})), &modern(json!({}))), vec![]);
        let draft7 = |dependencies: Value| json!({"properties": {"a": {}}, "dependencies": dependencies});
        assert_eq!(
            breaks(
                &draft7(json!({"a": {"required": ["b"]}})),
                &draft7(json!({"a": {"required": ["b"], "maxProperties": 2}}))
            ),
            vec![change("MAX_PROPERTIES_ADDED", "#/dependencies/a/maxProperties")]
        );
    }

    #[test]
    fn pattern_properties_and_property_names_are_compared() {
        let patterned = |schema: Value| json!({"type": "object", "patternProperties": {"^x_": schema}});
        assert_eq!(
            breaks(&patterned(json!({"type": "string"})), &patterned(json!({"type": "number"}))),
            vec![change("TYPE_CHANGED", "#/patternProperties/^x_")]
        );
        assert_eq!(
            breaks(&json!({"type": "object"}), &json!({"type": "object", "propertyNames": {"maxLength": 3}})),
            vec![change("PROPERTY_NAMES_ADDED", "#/propertyNames")]
        );
    }

    /// Values that are not sensible schemas, to compare with one another.
    fn odd_schemas() -> Vec<Value> {
        vec![
            json!(null),
            json!(1),
            json!("string"),
            json!([]),
            json!([{"type": "string"}]),
            json!({}),
            json!(true),
            json!(false),
            json!({"type": 5}),
            json!({"type": ["nope", 3]}),
            json!({"type": []}),
            json!({"properties": 3, "required": [1, null], "dependencies": {"a": 5, "b": [1]}}),
            json!({"items": "x", "prefixItems": 3, "additionalItems": 7}),
            json!({"enum": 3, "const": null, "not": 1}),
            json!({"allOf": {}, "anyOf": [], "oneOf": [1, "x"]}),
            json!({"$ref": 5}),
            json!({"$ref": "#/nope/%zz/~2"}),
            json!({"$ref": "#", "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string"}),
            json!({"$schema": 5, "multipleOf": 0, "maximum": 1e308, "minimum": -1e308}),
            json!({"properties": {"ab": {"type": "string"}}, "patternProperties": {"[": {}}, "additionalProperties": false}),
            json!({"properties": {"ab": {"type": "number"}, "c": {}}, "patternProperties": {"(?<=a)b": {"type": "string"}}}),
            json!({"type": "array", "items": [true, false, {}], "additionalItems": {"type": "string"}}),
            json!({"if": {"type": "string"}, "then": {"minLength": 1}, "else": false}),
        ]
    }

    #[test]
    fn never_panics_on_odd_input() {
        let schemas = odd_schemas();
        for original in &schemas {
            for update in &schemas {
                let _ = backward_changes(original, update);
            }
        }
    }

    /// `levels` schemas nested in one another by `wrap`, built by hand (`json!` would copy the
    /// whole value at every level).
    fn nested(levels: usize, wrap: impl Fn(Value) -> Map<String, Value>) -> Value {
        let mut schema = json!({"type": "string"});
        for _ in 0..levels {
            schema = Value::Object(wrap(schema));
        }
        schema
    }

    /// A one-keyword schema object.
    fn one(key: &str, value: Value) -> Map<String, Value> {
        Map::from_iter([(key.to_owned(), value)])
    }

    #[test]
    fn deep_schemas_stop_at_the_depth_limit() {
        type Wrap = fn(Value) -> Map<String, Value>;
        let nestings: [Wrap; 5] = [
            |inner| one("items", inner),
            |inner| one("properties", Value::Object(one("a", inner))),
            |inner| one("anyOf", Value::Array(vec![inner, json!({"type": "null"})])),
            |inner| one("not", inner),
            |inner| one("allOf", Value::Array(vec![inner])),
        ];
        for (i, wrap) in nestings.into_iter().enumerate() {
            let schema = nested(400, wrap);
            let kinds: Vec<String> = backward_changes(&schema, &schema).into_iter().map(|c| c.kind).collect();
            assert!(kinds.contains(&"SCHEMA_TOO_DEEP".to_owned()), "nesting {i}: {kinds:?}");
        }
    }

    #[test]
    fn shared_refs_in_nested_unions_are_compared_once() {
        // Twelve levels of six-way unions over the level below: 6^24 paths, few distinct pairs.
        let levels = |leaf: &str| {
            let mut definitions = Map::new();
            definitions.insert("l0".to_owned(), json!({"type": leaf}));
            for level in 1..=12 {
                let below = format!("#/definitions/l{}", level - 1);
                let branches: Vec<Value> = (0..6).map(|i| json!({"$ref": below, "title": i})).collect();
                definitions.insert(format!("l{level}"), json!({"anyOf": branches}));
            }
            json!({"definitions": definitions, "$ref": "#/definitions/l12"})
        };
        // Without memoisation this would not finish; the results are what is asserted.
        assert_eq!(breaks(&levels("integer"), &levels("number")), vec![]);
        let kinds: Vec<(String, String)> = breaks(&levels("integer"), &levels("string"));
        assert_eq!(kinds, vec![change("COMBINED_TYPE_SUBSCHEMAS_CHANGED", "#/")]);
    }

    #[test]
    fn too_many_comparisons_stop_at_the_budget() {
        // Two unions of 600 distinct objects: 360 000 pairs to try, more than the budget allows.
        let union = |offset: usize| {
            let branches: Vec<Value> = (0..600)
                .map(|i| json!({"type": "object", "required": [format!("p{}", i + offset)], "properties": {format!("p{}", i + offset): {"type": "string"}}}))
                .collect();
            json!({ "anyOf": branches })
        };
        let kinds: Vec<String> = backward_changes(&union(0), &union(1000)).into_iter().map(|c| c.kind).collect();
        assert!(kinds.contains(&"SCHEMA_TOO_COMPLEX".to_owned()), "{kinds:?}");
    }
}
