//! Protobuf schema parsing and evolution checks.
//!
//! A schema is `.proto` source text (proto2 or proto3), compiled with protox. It may import Google's well-known
//! types (`google/protobuf/*.proto`) and, through [`ProtoSchema::parse_with_dependencies`], other files given by
//! name, the way a schema registry resolves schema references.
//!
//! [`backward_changes`] mirrors the rules of Confluent Schema Registry's protobuf diff (`SchemaDiff`,
//! `MessageSchemaDiff`, `FieldSchemaDiff`, `EnumSchemaDiff` in confluentinc/schema-registry), so that a schema
//! history accepted there is accepted here:
//!
//! * messages and enums are matched by name within their scope, fields by number, enum constants by number;
//! * scalar types may change within a wire-compatible group: `int32`/`uint32`/`int64`/`uint64`/`bool` and every
//!   enum; `sint32`/`sint64`; `fixed32`/`sfixed32`; `fixed64`/`sfixed64`; `string`/`bytes`; `float` and `double`
//!   stand alone;
//! * a message-typed field keeps its type when the type's name relative to its package is unchanged; a type that
//!   comes from another file (a dependency or a well-known type) is compared field by field as well;
//! * oneof membership may change as long as no two fields that could both be set in old data end up in the same
//!   oneof;
//! * removing a field, an enum, an enum constant or a whole oneof, renaming, and adding optional fields are all
//!   compatible, as they are in Confluent's rules.
//!
//! Every change is computed internally, in Confluent's full vocabulary, and [`backward_changes`] keeps the
//! breaking ones.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use prost_reflect::{
    Cardinality, DescriptorPool, EnumDescriptor, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor,
};
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

use super::BreakingChange;

#[cfg(test)]
#[path = "protobuf_conformance.rs"]
pub(crate) mod conformance;

/// The name under which the schema's own source is compiled; error messages refer to it.
const SCHEMA_FILE: &str = "schema.proto";

/// The deepest nesting of braces, brackets, parentheses and angle brackets accepted in a source file, a guard
/// against recursion running out of stack on hostile input (protox itself limits message nesting to 32).
const MAX_NESTING: usize = 100;

/// Why a protobuf schema could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ProtoSchemaError {
    /// The source (or a dependency) is not valid protobuf; the message starts with `file:line:column` when protox
    /// knows where the problem is.
    #[error("invalid protobuf schema: {0}")]
    Invalid(String),
    /// An `import` names a file that is neither a given dependency nor a Google well-known type.
    #[error("protobuf import not found: {0}")]
    ImportNotFound(String),
    /// The source nests blocks deeper than the limit (100 levels), a guard against exhausting the stack.
    #[error("protobuf schema {file} nests blocks more than {limit} levels deep")]
    TooDeep {
        /// The file with the deep nesting.
        file: String,
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A dependency was given the name reserved for the schema itself.
    #[error("a dependency may not be named `{0}`: that name is used for the schema itself")]
    ReservedFileName(String),
    /// [`ProtoSchema::message`] was asked for a message the schema does not define.
    #[error("message `{0}` is not defined in the schema")]
    MessageNotFound(String),
    /// [`ProtoSchema::message`] was asked for the first message of a schema that defines none.
    #[error("the schema defines no message")]
    NoMessage,
}

impl From<protox::Error> for ProtoSchemaError {
    fn from(err: protox::Error) -> Self {
        // protox's Debug form is its readable one: `file:line:column: message`.
        let message = format!("{err:?}");
        if err.is_file_not_found() { Self::ImportNotFound(message) } else { Self::Invalid(message) }
    }
}

/// A parsed, self-contained `.proto` schema: the compiled file together with everything it imports.
#[derive(Debug, Clone)]
pub struct ProtoSchema {
    /// The schema's own file; its parent pool holds the file and all its imports.
    file: FileDescriptor,
}

impl ProtoSchema {
    /// Parses proto source text (proto2 or proto3), which may import `google/protobuf/*.proto` well-known types.
    pub fn parse(source: &str) -> Result<ProtoSchema, ProtoSchemaError> {
        Self::parse_with_dependencies(source, &[])
    }

    /// Parses proto source text whose imports may also name the given dependencies, as `(import path, source)`
    /// pairs (a registry's schema references). Dependencies take precedence over the well-known types; ones the
    /// schema does not import are ignored.
    pub fn parse_with_dependencies(
        source: &str,
        dependencies: &[(&str, &str)],
    ) -> Result<ProtoSchema, ProtoSchemaError> {
        check_nesting(SCHEMA_FILE, source)?;
        let mut files = HashMap::with_capacity(dependencies.len() + 1);
        for &(name, text) in dependencies {
            if name == SCHEMA_FILE {
                return Err(ProtoSchemaError::ReservedFileName(name.to_owned()));
            }
            check_nesting(name, text)?;
            files.insert(name.to_owned(), text.to_owned());
        }
        files.insert(SCHEMA_FILE.to_owned(), source.to_owned());

        let mut resolver = ChainFileResolver::new();
        resolver.add(SourceResolver { files });
        resolver.add(GoogleFileResolver::new());
        let mut compiler = protox::Compiler::with_file_resolver(resolver);
        compiler.open_file(SCHEMA_FILE)?;
        let file = compiler
            .descriptor_pool()
            .get_file_by_name(SCHEMA_FILE)
            .ok_or_else(|| ProtoSchemaError::Invalid(format!("{SCHEMA_FILE}: not compiled")))?;
        Ok(ProtoSchema { file })
    }

    /// The message a payload is validated against: the one named, or else the first top-level message in the file.
    ///
    /// A name may be fully qualified (`foo.Outer.Inner`, with or without a leading dot) or relative to the schema's
    /// package (`Outer.Inner`); only messages the schema itself defines are found, not imported ones.
    pub fn message(&self, name: Option<&str>) -> Result<MessageDescriptor, ProtoSchemaError> {
        match name {
            None => self.file.messages().next().ok_or(ProtoSchemaError::NoMessage),
            Some(name) => self.find_message(name).ok_or_else(|| ProtoSchemaError::MessageNotFound(name.to_owned())),
        }
    }

    /// The compiled schema file.
    pub fn file(&self) -> &FileDescriptor {
        &self.file
    }

    /// The descriptor pool holding the schema and everything it imports.
    pub fn pool(&self) -> &DescriptorPool {
        self.file.parent_pool()
    }

    /// Looks a message up by full or package-relative name among the messages of the schema's own file.
    fn find_message(&self, name: &str) -> Option<MessageDescriptor> {
        let name = name.strip_prefix('.').unwrap_or(name);
        let package = self.file.package_name();
        let relative = (!package.is_empty()).then(|| format!("{package}.{name}"));
        [Some(name.to_owned()), relative]
            .into_iter()
            .flatten()
            .filter_map(|candidate| self.pool().get_message_by_name(&candidate))
            .find(|message| is_local(message) && !message.is_map_entry())
    }
}

/// Serves the schema and its dependencies from memory.
struct SourceResolver {
    /// Source text by import path.
    files: HashMap<String, String>,
}

impl FileResolver for SourceResolver {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        match self.files.get(name) {
            Some(source) => File::from_source(name, source),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Rejects source nesting blocks deeper than [`MAX_NESTING`]. Comments and string literals are skipped; the count
/// is of `{`, `[`, `(` and `<`, whichever closes them, which over-approximates real nesting.
fn check_nesting(file: &str, source: &str) -> Result<(), ProtoSchemaError> {
    let mut depth = 0usize;
    let mut chars = source.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                chars.by_ref().find(|&c| c == '\n');
            }
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut previous = '\0';
                chars.by_ref().find(|&c| std::mem::replace(&mut previous, c) == '*' && c == '/');
            }
            '"' | '\'' => skip_string(&mut chars, c),
            '{' | '[' | '(' | '<' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Err(ProtoSchemaError::TooDeep { file: file.to_owned(), limit: MAX_NESTING });
                }
            }
            '}' | ']' | ')' | '>' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

/// Consumes a string literal up to its closing `quote`, honouring backslash escapes.
fn skip_string(chars: &mut impl Iterator<Item = char>, quote: char) {
    let mut escaped = false;
    for c in chars {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == quote {
            return;
        }
    }
}

/// The changes from `original` to `update` that stop a reader using `update` from reading payloads written with
/// `original` (backward compatibility), in Confluent Schema Registry's vocabulary.
pub fn backward_changes(original: &ProtoSchema, update: &ProtoSchema) -> Vec<BreakingChange> {
    all_changes(original, update)
        .into_iter()
        .filter(|change| change.kind.is_breaking())
        .map(|change| BreakingChange::new(change.path, change.kind.name(), change.detail))
        .collect()
}

/// Every change from `original` to `update`, compatible or not.
fn all_changes(original: &ProtoSchema, update: &ProtoSchema) -> Vec<Change> {
    let mut differ = Differ::default();
    differ.compare_files(&original.file, &update.file);
    differ.changes
}

/// What changed, in Confluent's vocabulary (`Difference.Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ChangeKind {
    PackageChanged,
    MessageAdded,
    MessageRemoved,
    MessageMoved,
    EnumAdded,
    EnumRemoved,
    EnumConstAdded,
    EnumConstChanged,
    EnumConstRemoved,
    FieldAdded,
    FieldRemoved,
    FieldNameChanged,
    FieldKindChanged,
    FieldScalarKindChanged,
    FieldNamedTypeChanged,
    FieldNumericLabelChanged,
    FieldStringOrBytesLabelChanged,
    RequiredFieldAdded,
    RequiredFieldRemoved,
    OneofAdded,
    OneofRemoved,
    OneofFieldAdded,
    OneofFieldRemoved,
    OneofFieldMovedToTopLevel,
    MultipleFieldsMovedToOneof,
    FieldMovedToExistingOneof,
}

impl ChangeKind {
    /// The UPPER_SNAKE_CASE name Confluent uses.
    fn name(self) -> &'static str {
        match self {
            Self::PackageChanged => "PACKAGE_CHANGED",
            Self::MessageAdded => "MESSAGE_ADDED",
            Self::MessageRemoved => "MESSAGE_REMOVED",
            Self::MessageMoved => "MESSAGE_MOVED",
            Self::EnumAdded => "ENUM_ADDED",
            Self::EnumRemoved => "ENUM_REMOVED",
            Self::EnumConstAdded => "ENUM_CONST_ADDED",
            Self::EnumConstChanged => "ENUM_CONST_CHANGED",
            Self::EnumConstRemoved => "ENUM_CONST_REMOVED",
            Self::FieldAdded => "FIELD_ADDED",
            Self::FieldRemoved => "FIELD_REMOVED",
            Self::FieldNameChanged => "FIELD_NAME_CHANGED",
            Self::FieldKindChanged => "FIELD_KIND_CHANGED",
            Self::FieldScalarKindChanged => "FIELD_SCALAR_KIND_CHANGED",
            Self::FieldNamedTypeChanged => "FIELD_NAMED_TYPE_CHANGED",
            Self::FieldNumericLabelChanged => "FIELD_NUMERIC_LABEL_CHANGED",
            Self::FieldStringOrBytesLabelChanged => "FIELD_STRING_OR_BYTES_LABEL_CHANGED",
            Self::RequiredFieldAdded => "REQUIRED_FIELD_ADDED",
            Self::RequiredFieldRemoved => "REQUIRED_FIELD_REMOVED",
            Self::OneofAdded => "ONEOF_ADDED",
            Self::OneofRemoved => "ONEOF_REMOVED",
            Self::OneofFieldAdded => "ONEOF_FIELD_ADDED",
            Self::OneofFieldRemoved => "ONEOF_FIELD_REMOVED",
            Self::OneofFieldMovedToTopLevel => "ONEOF_FIELD_MOVED_TO_TOP_LEVEL",
            Self::MultipleFieldsMovedToOneof => "MULTIPLE_FIELDS_MOVED_TO_ONEOF",
            Self::FieldMovedToExistingOneof => "FIELD_MOVED_TO_EXISTING_ONEOF",
        }
    }

    /// Whether the change breaks backward compatibility: everything outside Confluent's `COMPATIBLE_CHANGES`.
    fn is_breaking(self) -> bool {
        matches!(
            self,
            Self::PackageChanged
                | Self::MessageRemoved
                | Self::FieldKindChanged
                | Self::FieldScalarKindChanged
                | Self::FieldNamedTypeChanged
                | Self::FieldNumericLabelChanged
                | Self::RequiredFieldAdded
                | Self::RequiredFieldRemoved
                | Self::OneofFieldRemoved
                | Self::MultipleFieldsMovedToOneof
                | Self::FieldMovedToExistingOneof
        )
    }
}

/// One change, compatible or not.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Change {
    kind: ChangeKind,
    /// `#/` followed by the message names, oneof name and field number leading to the change.
    path: String,
    detail: String,
}

/// The wire-compatible groups of scalar types (Confluent's `ScalarKind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ScalarGroup {
    /// Varints read as one another: `int32`, `int64`, `uint32`, `uint64`, `bool` and enums.
    GeneralNumber,
    /// Zigzag varints: `sint32`, `sint64`.
    SignedNumber,
    /// Length-delimited text or bytes.
    StringOrBytes,
    Fixed32,
    Fixed64,
    Float,
    Double,
}

/// The explicit label of a field as written in the source; implicit (proto3 singular, oneof member) is `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    Optional,
    Required,
    Repeated,
}

impl Label {
    /// The keyword as written in `.proto` source.
    fn keyword(self) -> &'static str {
        match self {
            Self::Optional => "optional",
            Self::Required => "required",
            Self::Repeated => "repeated",
        }
    }
}

/// What a field holds, as far as compatibility is concerned.
enum FieldType {
    /// A scalar or enum, with the name of its type for messages.
    Scalar { group: ScalarGroup, name: String },
    /// A `map<K, V>`, as its entry's key and value fields.
    Map { key: FieldDescriptor, value: FieldDescriptor },
    /// A message (or group).
    Message(MessageDescriptor),
}

impl FieldType {
    fn of(field: &FieldDescriptor) -> Self {
        match field.kind() {
            Kind::Message(entry) if field.is_map() => match (entry.get_field(1), entry.get_field(2)) {
                (Some(key), Some(value)) => Self::Map { key, value },
                _ => Self::Message(entry),
            },
            Kind::Message(message) => Self::Message(message),
            Kind::Enum(enumeration) => {
                Self::Scalar { group: ScalarGroup::GeneralNumber, name: enumeration.full_name().to_owned() }
            }
            scalar => Self::Scalar { group: scalar_group(&scalar), name: scalar_name(&scalar).to_owned() },
        }
    }

    /// Confluent's `Kind`: scalar (enums included), map or message.
    fn category(&self) -> &'static str {
        match self {
            Self::Scalar { .. } => "scalar",
            Self::Map { .. } => "map",
            Self::Message(_) => "message",
        }
    }

    /// The type as a person would write it.
    fn describe(&self) -> String {
        match self {
            Self::Scalar { name, .. } => name.clone(),
            Self::Map { key, value } => {
                format!("map<{}, {}>", Self::of(key).describe(), Self::of(value).describe())
            }
            Self::Message(message) => message.full_name().to_owned(),
        }
    }
}

/// The wire-compatible group of a non-message, non-enum kind.
fn scalar_group(kind: &Kind) -> ScalarGroup {
    match kind {
        Kind::Sint32 | Kind::Sint64 => ScalarGroup::SignedNumber,
        Kind::String | Kind::Bytes => ScalarGroup::StringOrBytes,
        Kind::Fixed32 | Kind::Sfixed32 => ScalarGroup::Fixed32,
        Kind::Fixed64 | Kind::Sfixed64 => ScalarGroup::Fixed64,
        Kind::Float => ScalarGroup::Float,
        Kind::Double => ScalarGroup::Double,
        _ => ScalarGroup::GeneralNumber,
    }
}

/// The `.proto` keyword of a scalar kind.
fn scalar_name(kind: &Kind) -> &'static str {
    match kind {
        Kind::Double => "double",
        Kind::Float => "float",
        Kind::Int32 => "int32",
        Kind::Int64 => "int64",
        Kind::Uint32 => "uint32",
        Kind::Uint64 => "uint64",
        Kind::Sint32 => "sint32",
        Kind::Sint64 => "sint64",
        Kind::Fixed32 => "fixed32",
        Kind::Fixed64 => "fixed64",
        Kind::Sfixed32 => "sfixed32",
        Kind::Sfixed64 => "sfixed64",
        Kind::Bool => "bool",
        Kind::String => "string",
        Kind::Bytes => "bytes",
        Kind::Message(_) => "message",
        Kind::Enum(_) => "enum",
    }
}

/// The label written in the source, as Confluent's parser (Square Wire) sees it.
fn label(field: &FieldDescriptor) -> Option<Label> {
    match field.cardinality() {
        Cardinality::Repeated => Some(Label::Repeated),
        Cardinality::Required => Some(Label::Required),
        Cardinality::Optional if field.field_descriptor_proto().proto3_optional() => Some(Label::Optional),
        Cardinality::Optional if real_oneof(field).is_some() => None,
        Cardinality::Optional => {
            let file = field.parent_file();
            matches!(file.file_descriptor_proto().syntax(), "" | "proto2").then_some(Label::Optional)
        }
    }
}

/// The oneof a field belongs to, if it is a real one (not the synthetic oneof of a proto3 `optional`).
fn real_oneof(field: &FieldDescriptor) -> Option<String> {
    field.containing_oneof().filter(|oneof| !oneof.is_synthetic()).map(|oneof| oneof.name().to_owned())
}

/// Whether a message is defined in the schema's own file rather than an imported one.
fn is_local(message: &MessageDescriptor) -> bool {
    message.parent_file().name() == SCHEMA_FILE
}

/// A message's name relative to its package (`Outer.Inner`), which Confluent compares field types by.
fn local_name(message: &MessageDescriptor) -> &str {
    let full = message.full_name();
    let package = message.package_name();
    if package.is_empty() {
        full
    } else {
        full.strip_prefix(package).and_then(|rest| rest.strip_prefix('.')).unwrap_or(full)
    }
}

/// A field for messages: "field `name` (3)".
fn field_label(field: &FieldDescriptor) -> String {
    format!("field `{}` ({})", field.name(), field.number())
}

/// The messages and enums declared directly in one scope (a file or a message), by name.
struct Scope {
    /// Messages with their index among the scope's messages (map entries left out, as in source).
    messages: BTreeMap<String, (usize, MessageDescriptor)>,
    enums: BTreeMap<String, EnumDescriptor>,
}

impl Scope {
    fn new(messages: impl Iterator<Item = MessageDescriptor>, enums: impl Iterator<Item = EnumDescriptor>) -> Self {
        let messages = messages
            .filter(|message| !message.is_map_entry())
            .enumerate()
            .map(|(index, message)| (message.name().to_owned(), (index, message)))
            .collect();
        let enums = enums.map(|enumeration| (enumeration.name().to_owned(), enumeration)).collect();
        Self { messages, enums }
    }

    fn of_file(file: &FileDescriptor) -> Self {
        Self::new(file.messages(), file.enums())
    }

    fn of_message(message: &MessageDescriptor) -> Self {
        Self::new(message.child_messages(), message.child_enums())
    }
}

/// A message's fields by number, with the oneof each belongs to.
struct Fields {
    by_number: BTreeMap<u32, FieldDescriptor>,
    oneof_of: HashMap<u32, String>,
    /// Real oneofs by name, with their members' numbers.
    oneofs: BTreeMap<String, Vec<u32>>,
}

impl Fields {
    fn of(message: &MessageDescriptor) -> Self {
        let mut fields = Fields { by_number: BTreeMap::new(), oneof_of: HashMap::new(), oneofs: BTreeMap::new() };
        for oneof in message.oneofs().filter(|oneof| !oneof.is_synthetic()) {
            fields.oneofs.insert(oneof.name().to_owned(), Vec::new());
        }
        for field in message.fields() {
            if let Some(oneof) = real_oneof(&field) {
                fields.oneofs.entry(oneof.clone()).or_default().push(field.number());
                fields.oneof_of.insert(field.number(), oneof);
            }
            fields.by_number.insert(field.number(), field);
        }
        fields
    }
}

/// Walks two schemas side by side, collecting changes (Confluent's `Context`).
#[derive(Default)]
struct Differ {
    /// Path segments of the element being compared.
    path: Vec<String>,
    changes: Vec<Change>,
    /// Original messages being compared right now, so recursive types are compared once.
    in_progress: HashSet<String>,
    /// Whether an imported message pair (original, update full names) was found incompatible.
    verdicts: HashMap<(String, String), bool>,
}

impl Differ {
    /// Records a change at the current path.
    fn push(&mut self, kind: ChangeKind, detail: String) {
        let path = format!("#/{}", self.path.join("/"));
        self.changes.push(Change { kind, path, detail });
    }

    /// Runs `f` one path segment deeper.
    fn scoped<R>(&mut self, segment: &str, f: impl FnOnce(&mut Self) -> R) -> R {
        self.path.push(segment.to_owned());
        let result = f(self);
        self.path.pop();
        result
    }

    /// Records a change one path segment deeper.
    fn push_at(&mut self, segment: &str, kind: ChangeKind, detail: String) {
        self.scoped(segment, |differ| differ.push(kind, detail));
    }

    fn compare_files(&mut self, original: &FileDescriptor, update: &FileDescriptor) {
        let (old, new) = (original.package_name(), update.package_name());
        if old != new {
            let shown = |package: &str| if package.is_empty() { "(none)".to_owned() } else { format!("`{package}`") };
            self.push(ChangeKind::PackageChanged, format!("package changed from {} to {}", shown(old), shown(new)));
        }
        self.compare_scopes(&Scope::of_file(original), &Scope::of_file(update));
    }

    /// Compares the messages and enums of two scopes by name (`SchemaDiff.compareTypeElements`).
    fn compare_scopes(&mut self, original: &Scope, update: &Scope) {
        let names: BTreeSet<&String> = original.messages.keys().chain(update.messages.keys()).collect();
        for name in names {
            self.scoped(name, |differ| match (original.messages.get(name), update.messages.get(name)) {
                (Some(_), None) => differ.push(ChangeKind::MessageRemoved, format!("message `{name}` was removed")),
                (None, Some(_)) => differ.push(ChangeKind::MessageAdded, format!("message `{name}` was added")),
                (Some((old_index, old)), Some((new_index, new))) => {
                    differ.compare_messages(old, new);
                    if old_index != new_index {
                        let detail = format!("message `{name}` moved from position {old_index} to {new_index}");
                        differ.push(ChangeKind::MessageMoved, detail);
                    }
                }
                (None, None) => {}
            });
        }
        let names: BTreeSet<&String> = original.enums.keys().chain(update.enums.keys()).collect();
        for name in names {
            self.scoped(name, |differ| match (original.enums.get(name), update.enums.get(name)) {
                (Some(_), None) => differ.push(ChangeKind::EnumRemoved, format!("enum `{name}` was removed")),
                (None, Some(_)) => differ.push(ChangeKind::EnumAdded, format!("enum `{name}` was added")),
                (Some(old), Some(new)) => differ.compare_enums(old, new),
                (None, None) => {}
            });
        }
    }

    /// Compares enum constants by number (`EnumSchemaDiff`); every such change is compatible.
    fn compare_enums(&mut self, original: &EnumDescriptor, update: &EnumDescriptor) {
        let constants = |enumeration: &EnumDescriptor| -> BTreeMap<i32, String> {
            enumeration.values().map(|value| (value.number(), value.name().to_owned())).collect()
        };
        let (old, new) = (constants(original), constants(update));
        let numbers: BTreeSet<i32> = old.keys().chain(new.keys()).copied().collect();
        for number in numbers {
            let segment = number.to_string();
            match (old.get(&number), new.get(&number)) {
                (Some(name), None) => {
                    self.push_at(&segment, ChangeKind::EnumConstRemoved, format!("enum constant `{name}` was removed"))
                }
                (None, Some(name)) => {
                    self.push_at(&segment, ChangeKind::EnumConstAdded, format!("enum constant `{name}` was added"))
                }
                (Some(old_name), Some(new_name)) if old_name != new_name => {
                    let detail = format!("enum constant {number} renamed from `{old_name}` to `{new_name}`");
                    self.push_at(&segment, ChangeKind::EnumConstChanged, detail);
                }
                _ => {}
            }
        }
    }

    /// Compares two messages with the same name: their fields, then their nested types (`MessageSchemaDiff`).
    fn compare_messages(&mut self, original: &MessageDescriptor, update: &MessageDescriptor) {
        if !self.in_progress.insert(original.full_name().to_owned()) {
            return;
        }
        self.compare_fields(&Fields::of(original), &Fields::of(update));
        self.compare_scopes(&Scope::of_message(original), &Scope::of_message(update));
        self.in_progress.remove(original.full_name());
    }

    /// Compares fields by number across the whole message, whatever oneof they sit in.
    fn compare_fields(&mut self, original: &Fields, update: &Fields) {
        self.check_new_exclusivity(original, update);
        let names: BTreeSet<&String> = original.oneofs.keys().chain(update.oneofs.keys()).collect();
        for name in names {
            match (original.oneofs.contains_key(name), update.oneofs.contains_key(name)) {
                (true, false) => self.push_at(name, ChangeKind::OneofRemoved, format!("oneof `{name}` was removed")),
                (false, true) => self.push_at(name, ChangeKind::OneofAdded, format!("oneof `{name}` was added")),
                _ => {}
            }
        }
        let deleted = deleted_oneofs(original, update);
        let numbers: BTreeSet<u32> = original.by_number.keys().chain(update.by_number.keys()).copied().collect();
        for number in numbers {
            match (original.by_number.get(&number), update.by_number.get(&number)) {
                (Some(old), None) => self.field_removed(old, original.oneof_of.get(&number), &deleted),
                (None, Some(new)) => self.field_added(new, update.oneof_of.get(&number)),
                (Some(old), Some(new)) => {
                    self.field_kept(old, new, original.oneof_of.get(&number), update.oneof_of.get(&number))
                }
                (None, None) => {}
            }
        }
    }

    /// Flags update oneofs that gather fields which old data could set together: fields from more than one
    /// original oneof, or original top-level fields (each its own group). New fields don't count.
    fn check_new_exclusivity(&mut self, original: &Fields, update: &Fields) {
        for (name, members) in &update.oneofs {
            let mut groups = BTreeSet::new();
            let mut moved_in = 0;
            for number in members {
                if let Some(oneof) = original.oneof_of.get(number) {
                    groups.insert(format!("oneof {oneof}"));
                } else if original.by_number.contains_key(number) {
                    groups.insert(format!("field {number}"));
                    moved_in += 1;
                }
            }
            if groups.len() > 1 {
                let sources = groups.into_iter().collect::<Vec<_>>().join(", ");
                let (kind, detail) = if moved_in > 1 {
                    (ChangeKind::MultipleFieldsMovedToOneof, format!("oneof `{name}` now holds {sources}"))
                } else {
                    (ChangeKind::FieldMovedToExistingOneof, format!("oneof `{name}` now holds {sources}"))
                };
                self.push_at(name, kind, format!("{detail}, which old data could set together"));
            }
        }
    }

    fn field_removed(&mut self, old: &FieldDescriptor, oneof: Option<&String>, deleted: &HashSet<&String>) {
        let number = old.number().to_string();
        match oneof {
            Some(oneof) if deleted.contains(oneof) => {}
            Some(oneof) => self.scoped(oneof, |differ| {
                let detail = format!("{} was removed from oneof `{oneof}`", field_label(old));
                differ.push_at(&number, ChangeKind::OneofFieldRemoved, detail);
            }),
            None if old.is_required() => {
                let detail = format!("required {} was removed", field_label(old));
                self.push_at(&number, ChangeKind::RequiredFieldRemoved, detail);
            }
            None => self.push_at(&number, ChangeKind::FieldRemoved, format!("{} was removed", field_label(old))),
        }
    }

    fn field_added(&mut self, new: &FieldDescriptor, oneof: Option<&String>) {
        let number = new.number().to_string();
        match oneof {
            Some(oneof) => self.scoped(oneof, |differ| {
                let detail = format!("{} was added to oneof `{oneof}`", field_label(new));
                differ.push_at(&number, ChangeKind::OneofFieldAdded, detail);
            }),
            None if new.is_required() => {
                let detail = format!("required {} was added", field_label(new));
                self.push_at(&number, ChangeKind::RequiredFieldAdded, detail);
            }
            None => self.push_at(&number, ChangeKind::FieldAdded, format!("{} was added", field_label(new))),
        }
    }

    /// A field number present in both: note a move out of a oneof, then compare the field where it now is.
    fn field_kept(&mut self, old: &FieldDescriptor, new: &FieldDescriptor, from: Option<&String>, to: Option<&String>) {
        let number = new.number().to_string();
        if let (Some(from), None) = (from, to) {
            let detail = format!("{} moved out of oneof `{from}` to the top level", field_label(new));
            self.push_at(&number, ChangeKind::OneofFieldMovedToTopLevel, detail);
        }
        match to {
            Some(oneof) => self.scoped(oneof, |differ| differ.scoped(&number, |differ| differ.compare_field(old, new))),
            None => self.scoped(&number, |differ| differ.compare_field(old, new)),
        }
    }

    /// Compares one field's name, label and type (`FieldSchemaDiff`).
    fn compare_field(&mut self, old: &FieldDescriptor, new: &FieldDescriptor) {
        if old.name() != new.name() {
            let detail = format!("field {} renamed from `{}` to `{}`", old.number(), old.name(), new.name());
            self.push(ChangeKind::FieldNameChanged, detail);
        }
        let labels = (label(old), label(new));
        self.compare_types(&field_label(new), &FieldType::of(old), &FieldType::of(new), labels);
    }

    /// Compares two field types; `subject` names the field (or map key or value) for messages.
    fn compare_types(
        &mut self,
        subject: &str,
        old: &FieldType,
        new: &FieldType,
        labels: (Option<Label>, Option<Label>),
    ) {
        match (old, new) {
            (FieldType::Scalar { group: old_group, .. }, FieldType::Scalar { group: new_group, .. }) => {
                if old_group != new_group {
                    let detail = format!(
                        "{subject} changed type from {} to {}, which are not wire-compatible",
                        old.describe(),
                        new.describe()
                    );
                    self.push(ChangeKind::FieldScalarKindChanged, detail);
                } else if let (Some(old_label), Some(new_label)) = labels
                    && old_label != new_label
                {
                    self.label_changed(subject, *old_group, old_label, new_label);
                }
            }
            (FieldType::Map { key: old_key, value: old_value }, FieldType::Map { key: new_key, value: new_value }) => {
                let (key_subject, value_subject) = (format!("the key of {subject}"), format!("the value of {subject}"));
                self.compare_types(&key_subject, &FieldType::of(old_key), &FieldType::of(new_key), (None, None));
                self.compare_types(&value_subject, &FieldType::of(old_value), &FieldType::of(new_value), (None, None));
            }
            (FieldType::Message(old_message), FieldType::Message(new_message)) => {
                self.compare_message_types(subject, old_message, new_message);
            }
            _ => {
                let detail = format!(
                    "{subject} changed from {} type {} to {} type {}",
                    old.category(),
                    old.describe(),
                    new.category(),
                    new.describe()
                );
                self.push(ChangeKind::FieldKindChanged, detail);
            }
        }
    }

    /// A scalar field changed between optional, required and repeated.
    fn label_changed(&mut self, subject: &str, group: ScalarGroup, old: Label, new: Label) {
        let detail = format!("{subject} changed label from {} to {}", old.keyword(), new.keyword());
        let kind = if group == ScalarGroup::StringOrBytes {
            ChangeKind::FieldStringOrBytesLabelChanged
        } else {
            ChangeKind::FieldNumericLabelChanged
        };
        self.push(kind, detail);
    }

    /// Message-typed fields keep their type when its package-relative name is unchanged. A type from another file
    /// is compared member by member too (in its own path), and an incompatible one changes the field's type.
    fn compare_message_types(&mut self, subject: &str, old: &MessageDescriptor, new: &MessageDescriptor) {
        let (old_name, new_name) = (local_name(old), local_name(new));
        if old_name != new_name {
            let detail = format!("{subject} changed type from {} to {}", old.full_name(), new.full_name());
            self.push(ChangeKind::FieldNamedTypeChanged, detail);
        } else if !(is_local(old) && is_local(new)) && self.referenced_type_breaks(old, new) {
            let detail = format!("{subject} has type {old_name}, which changed incompatibly");
            self.push(ChangeKind::FieldNamedTypeChanged, detail);
        }
    }

    /// Compares a message type defined outside the schema file (in either version) at its own path, once per pair.
    fn referenced_type_breaks(&mut self, old: &MessageDescriptor, new: &MessageDescriptor) -> bool {
        let key = (old.full_name().to_owned(), new.full_name().to_owned());
        if let Some(&breaks) = self.verdicts.get(&key) {
            return breaks;
        }
        if self.in_progress.contains(old.full_name()) {
            return false;
        }
        let path = std::mem::replace(&mut self.path, local_name(old).split('.').map(str::to_owned).collect());
        let start = self.changes.len();
        self.compare_messages(old, new);
        let breaks = self.changes[start..].iter().any(|change| change.kind.is_breaking());
        self.path = path;
        self.verdicts.insert(key, breaks);
        breaks
    }
}

/// Original oneofs missing from the update none of whose members survive anywhere: deleting a whole oneof is
/// compatible, like deleting a field.
fn deleted_oneofs<'a>(original: &'a Fields, update: &Fields) -> HashSet<&'a String> {
    original
        .oneofs
        .iter()
        .filter(|(name, members)| {
            !update.oneofs.contains_key(*name) && !members.iter().any(|number| update.by_number.contains_key(number))
        })
        .map(|(name, _)| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Parses a schema that must be valid.
    fn schema(source: &str) -> ProtoSchema {
        match ProtoSchema::parse(source) {
            Ok(schema) => schema,
            Err(err) => panic!("schema should parse: {err}\n{source}"),
        }
    }

    /// The breaking changes between two sources, as `KIND path`.
    fn breaking(original: &str, update: &str) -> Vec<String> {
        backward_changes(&schema(original), &schema(update))
            .into_iter()
            .map(|change| format!("{} {}", change.kind, change.path))
            .collect()
    }

    /// Every change between two sources, as `KIND path`.
    fn all(original: &str, update: &str) -> Vec<String> {
        all_changes(&schema(original), &schema(update))
            .into_iter()
            .map(|change| format!("{} {}", change.kind.name(), change.path))
            .collect()
    }

    fn proto3(body: &str) -> String {
        format!("syntax = \"proto3\";\n{body}")
    }

    #[test]
    fn parses_proto3_with_well_known_imports() {
        let parsed = schema(&proto3(
            "package shop.v1;\nimport \"google/protobuf/timestamp.proto\";\n\
             message Order { string id = 1; google.protobuf.Timestamp placed_at = 2; }",
        ));
        let order = parsed.message(None).expect("first message");
        assert_eq!(order.full_name(), "shop.v1.Order");
        assert!(order.get_field_by_name("placed_at").is_some());
    }

    #[test]
    fn parses_proto2() {
        let parsed =
            schema("syntax = \"proto2\";\nmessage Legacy { required int32 id = 1; optional string note = 2; }");
        let legacy = parsed.message(None).expect("first message");
        assert!(legacy.get_field(1).is_some_and(|field| field.is_required()));
    }

    #[test]
    fn parse_errors_carry_line_and_column() {
        let err = ProtoSchema::parse("syntax = \"proto3\";\nmessage A {\n  strin x = 1;\n}").expect_err("invalid");
        let message = err.to_string();
        assert!(matches!(err, ProtoSchemaError::Invalid(_)), "{err:?}");
        assert!(message.contains("schema.proto:3:"), "{message}");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = ProtoSchema::parse("syntax = \"proto3\";\nmessage A {\n  string x = ;\n}").expect_err("invalid");
        assert!(err.to_string().contains("schema.proto:3:"), "{err}");
    }

    #[test]
    fn unknown_import_is_reported() {
        let err = ProtoSchema::parse("syntax = \"proto3\";\nimport \"missing.proto\";\nmessage A {}").expect_err("no");
        assert!(matches!(err, ProtoSchemaError::ImportNotFound(_)), "{err:?}");
        assert!(err.to_string().contains("missing.proto"), "{err}");
    }

    #[test]
    fn dependencies_resolve_imports_and_cannot_take_the_schema_name() {
        let dependency = "syntax = \"proto3\";\npackage common;\nmessage Money { int64 cents = 1; }";
        let source = "syntax = \"proto3\";\nimport \"common.proto\";\nmessage Pay { common.Money amount = 1; }";
        let parsed = ProtoSchema::parse_with_dependencies(source, &[("common.proto", dependency)]).expect("parses");
        assert_eq!(parsed.message(Some("Pay")).expect("Pay").full_name(), "Pay");
        let err = ProtoSchema::parse_with_dependencies(source, &[(SCHEMA_FILE, dependency)]).expect_err("reserved");
        assert!(matches!(err, ProtoSchemaError::ReservedFileName(_)), "{err:?}");
    }

    #[test]
    fn message_lookup_by_full_relative_or_default_name() {
        let parsed = schema(&proto3("package foo;\nmessage A { message B {} }\nmessage C {}"));
        assert_eq!(parsed.message(None).expect("first").full_name(), "foo.A");
        assert_eq!(parsed.message(Some("C")).expect("relative").full_name(), "foo.C");
        assert_eq!(parsed.message(Some("A.B")).expect("nested").full_name(), "foo.A.B");
        assert_eq!(parsed.message(Some(".foo.A.B")).expect("absolute").full_name(), "foo.A.B");
        assert!(matches!(parsed.message(Some("Nope")), Err(ProtoSchemaError::MessageNotFound(_))));
        assert!(matches!(schema(&proto3("enum E { X = 0; }")).message(None), Err(ProtoSchemaError::NoMessage)));
    }

    #[test]
    fn imported_messages_are_not_the_schema_message() {
        let parsed = schema(&proto3("import \"google/protobuf/empty.proto\";\nmessage A {}"));
        assert!(parsed.message(Some("google.protobuf.Empty")).is_err());
    }

    #[test]
    fn hostile_input_errors_instead_of_panicking() {
        let deep = format!("syntax = \"proto3\";\n{}{}", "message M {".repeat(5000), "}".repeat(5000));
        assert!(matches!(ProtoSchema::parse(&deep), Err(ProtoSchemaError::TooDeep { .. })));
        let option = format!("syntax = \"proto3\";\noption (x) = {}1{};", "{a:".repeat(5000), "}".repeat(5000));
        assert!(ProtoSchema::parse(&option).is_err());
        for input in ["", "\u{0}", "syntax = \"proto4\";", "message { }", "\"unterminated", "/* open", "}}}}", "<<<"] {
            let _ = ProtoSchema::parse(input);
        }
    }

    #[test]
    fn braces_inside_strings_and_comments_do_not_count_as_nesting() {
        let noise = "{".repeat(MAX_NESTING + 10);
        let source = format!(
            "syntax = \"proto3\";\n// {noise}\n/* {noise} */\nmessage A {{ string s = 1 [json_name = \"{noise}\"]; }}"
        );
        schema(&source);
    }

    #[test]
    fn identical_schemas_have_no_changes() {
        let source = proto3("package p;\nmessage A { int32 x = 1; map<string, A> m = 2; oneof o { string s = 3; } }");
        assert!(all(&source, &source).is_empty());
    }

    #[test]
    fn package_change_breaks() {
        assert_eq!(
            breaking(
                &proto3("package a;\nmessage M { int32 x = 1; }"),
                &proto3("package b;\nmessage M { int32 x = 1; }")
            ),
            ["PACKAGE_CHANGED #/"]
        );
    }

    #[test]
    fn removed_message_breaks_but_added_and_moved_ones_do_not() {
        let original = proto3("message A { int32 x = 1; }\nmessage B { int32 y = 1; }");
        assert_eq!(breaking(&original, &proto3("message A { int32 x = 1; }")), ["MESSAGE_REMOVED #/B"]);
        let reordered = proto3("message C {}\nmessage B { int32 y = 1; }\nmessage A { int32 x = 1; }");
        assert!(breaking(&original, &reordered).is_empty());
        assert_eq!(all(&original, &reordered), ["MESSAGE_MOVED #/A", "MESSAGE_ADDED #/C"]);
    }

    #[test]
    fn nested_message_removal_has_nested_path() {
        let original = proto3("message A { message Inner { int32 x = 1; } }");
        assert_eq!(breaking(&original, &proto3("message A { }")), ["MESSAGE_REMOVED #/A/Inner"]);
    }

    #[test]
    fn scalar_groups_are_compatible_within_and_breaking_across() {
        let groups = [
            &["int32", "int64", "uint32", "uint64", "bool"][..],
            &["sint32", "sint64"],
            &["fixed32", "sfixed32"],
            &["fixed64", "sfixed64"],
            &["string", "bytes"],
            &["float"],
            &["double"],
        ];
        for (i, group) in groups.iter().enumerate() {
            for (j, other) in groups.iter().enumerate() {
                for old in *group {
                    for new in *other {
                        let changes = breaking(
                            &proto3(&format!("message M {{ {old} f = 1; }}")),
                            &proto3(&format!("message M {{ {new} f = 1; }}")),
                        );
                        if i == j {
                            assert!(changes.is_empty(), "{old} -> {new}: {changes:?}");
                        } else {
                            assert_eq!(changes, ["FIELD_SCALAR_KIND_CHANGED #/M/1"], "{old} -> {new}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn enums_count_as_general_numbers() {
        let with_enum = proto3("enum E { A = 0; }\nmessage M { E f = 1; }");
        assert!(breaking(&proto3("message M { uint64 f = 1; }"), &with_enum).is_empty());
        assert_eq!(breaking(&proto3("message M { sint32 f = 1; }"), &with_enum), ["FIELD_SCALAR_KIND_CHANGED #/M/1"]);
    }

    #[test]
    fn scalar_to_message_changes_kind() {
        let original = proto3("message M { int32 f = 1; }");
        let update = proto3("message M { N f = 1; }\nmessage N {}");
        assert_eq!(breaking(&original, &update), ["FIELD_KIND_CHANGED #/M/1"]);
        let map = proto3("message M { map<string, int32> f = 1; }");
        assert_eq!(breaking(&update, &map), ["FIELD_KIND_CHANGED #/M/1", "MESSAGE_REMOVED #/N"]);
    }

    #[test]
    fn message_type_is_compared_by_package_relative_name() {
        let original = proto3("message M { A f = 1; }\nmessage A {}\nmessage B {}");
        let update = proto3("message M { B f = 1; }\nmessage A {}\nmessage B {}");
        assert_eq!(breaking(&original, &update), ["FIELD_NAMED_TYPE_CHANGED #/M/1"]);
    }

    #[test]
    fn map_values_are_compared() {
        let original = proto3("message M { map<string, int32> f = 1; }");
        assert!(breaking(&original, &proto3("message M { map<string, int64> f = 1; }")).is_empty());
        assert_eq!(
            breaking(&original, &proto3("message M { map<string, double> f = 1; }")),
            ["FIELD_SCALAR_KIND_CHANGED #/M/1"]
        );
    }

    #[test]
    fn numeric_label_change_breaks_but_string_and_message_ones_do_not() {
        let change = |ty: &str| {
            breaking(
                &proto3(&format!("message M {{ optional {ty} f = 1; message S {{}} }}")),
                &proto3(&format!("message M {{ repeated {ty} f = 1; message S {{}} }}")),
            )
        };
        assert_eq!(change("int32"), ["FIELD_NUMERIC_LABEL_CHANGED #/M/1"]);
        assert_eq!(change("double"), ["FIELD_NUMERIC_LABEL_CHANGED #/M/1"]);
        assert!(change("string").is_empty());
        assert!(change("S").is_empty());
    }

    #[test]
    fn proto2_label_change_detail_keeps_the_field_name() {
        let original = "syntax = \"proto2\";\nmessage M { optional int32 itemCount = 1; }";
        let update = "syntax = \"proto2\";\nmessage M { repeated int32 itemCount = 1; }";
        let changes = backward_changes(&schema(original), &schema(update));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].kind, "FIELD_NUMERIC_LABEL_CHANGED");
        assert_eq!(changes[0].detail, "field `itemCount` (1) changed label from optional to repeated");
    }

    #[test]
    fn implicit_proto3_label_is_not_compared() {
        assert!(
            breaking(&proto3("message M { int32 f = 1; }"), &proto3("message M { repeated int32 f = 1; }")).is_empty()
        );
    }

    #[test]
    fn required_fields_added_or_removed_break() {
        let original = "syntax = \"proto2\";\nmessage M { optional int32 a = 1; required int32 b = 2; }";
        let update = "syntax = \"proto2\";\nmessage M { optional int32 a = 1; required int32 c = 3; }";
        assert_eq!(breaking(original, update), ["REQUIRED_FIELD_REMOVED #/M/2", "REQUIRED_FIELD_ADDED #/M/3"]);
    }

    #[test]
    fn optional_fields_may_come_and_go() {
        let original = proto3("message M { int32 a = 1; string b = 2; }");
        let update = proto3("message M { int32 a = 1; bytes c = 3; }");
        assert!(breaking(&original, &update).is_empty());
        assert_eq!(all(&original, &update), ["FIELD_REMOVED #/M/2", "FIELD_ADDED #/M/3"]);
    }

    #[test]
    fn renames_are_compatible() {
        let original = proto3("message M { int32 a = 1; }\nenum E { X = 0; Y = 1; }");
        let update = proto3("message M { int32 b = 1; }\nenum E { X = 0; Z = 1; }");
        assert!(breaking(&original, &update).is_empty());
        assert_eq!(all(&original, &update), ["FIELD_NAME_CHANGED #/M/1", "ENUM_CONST_CHANGED #/E/1"]);
    }

    #[test]
    fn enum_constant_removal_is_compatible_as_in_confluent() {
        let original = proto3("enum E { X = 0; Y = 1; }\nmessage M { E e = 1; }");
        let update = proto3("enum E { X = 0; }\nmessage M { E e = 1; }");
        assert!(breaking(&original, &update).is_empty());
        assert_eq!(all(&original, &update), ["ENUM_CONST_REMOVED #/E/1"]);
    }

    #[test]
    fn two_top_level_fields_into_one_oneof_break() {
        let original = proto3("message M { int32 a = 1; int32 b = 2; }");
        let update = proto3("message M { oneof o { int32 a = 1; int32 b = 2; } }");
        assert_eq!(breaking(&original, &update), ["MULTIPLE_FIELDS_MOVED_TO_ONEOF #/M/o"]);
    }

    #[test]
    fn one_field_into_a_new_oneof_is_compatible() {
        let original = proto3("message M { int32 a = 1; int32 b = 2; }");
        let update = proto3("message M { int32 a = 1; oneof o { int32 b = 2; string c = 3; } }");
        assert!(breaking(&original, &update).is_empty());
        assert_eq!(all(&original, &update), ["ONEOF_ADDED #/M/o", "ONEOF_FIELD_ADDED #/M/o/3"]);
    }

    #[test]
    fn field_joining_an_existing_oneof_breaks() {
        let original = proto3("message M { int32 a = 1; oneof o { int32 b = 2; } }");
        let update = proto3("message M { oneof o { int32 a = 1; int32 b = 2; } }");
        assert_eq!(breaking(&original, &update), ["FIELD_MOVED_TO_EXISTING_ONEOF #/M/o"]);
    }

    #[test]
    fn oneof_member_removal_breaks_but_whole_oneof_removal_does_not() {
        let original = proto3("message M { oneof o { int32 a = 1; int32 b = 2; } }");
        assert_eq!(
            breaking(&original, &proto3("message M { oneof o { int32 a = 1; } }")),
            ["ONEOF_FIELD_REMOVED #/M/o/2"]
        );
        assert_eq!(
            breaking(&original, &proto3("message M { oneof p { int32 a = 1; } }")),
            ["ONEOF_FIELD_REMOVED #/M/o/2"]
        );
        assert!(breaking(&original, &proto3("message M { }")).is_empty());
    }

    #[test]
    fn type_changes_are_seen_through_oneof_moves() {
        let original = proto3("message M { oneof o { int32 a = 1; int32 b = 2; } }");
        let update = proto3("message M { oneof o { int32 a = 1; } string b = 2; }");
        assert_eq!(breaking(&original, &update), ["FIELD_SCALAR_KIND_CHANGED #/M/2"]);
        assert_eq!(
            all(&original, &update),
            ["ONEOF_FIELD_MOVED_TO_TOP_LEVEL #/M/2", "FIELD_SCALAR_KIND_CHANGED #/M/2"]
        );
        let renamed = proto3("message M { oneof p { int32 a = 1; float b = 2; } }");
        assert_eq!(breaking(&original, &renamed), ["FIELD_SCALAR_KIND_CHANGED #/M/p/2"]);
    }

    #[test]
    fn proto3_optional_is_not_a_oneof() {
        let original = proto3("message M { optional int32 a = 1; optional int32 b = 2; }");
        assert!(all(&original, &original).is_empty());
        let update = proto3("message M { int32 a = 1; optional int32 b = 2; }");
        assert!(breaking(&original, &update).is_empty());
    }

    #[test]
    fn imported_types_are_compared_member_by_member() {
        let v1 = "syntax = \"proto3\";\npackage lib;\nmessage Home { int32 id = 1; Home parent = 2; }";
        let v2 = "syntax = \"proto3\";\npackage lib;\nmessage Home { string id = 1; Home parent = 2; }";
        let source =
            "syntax = \"proto3\";\nimport \"lib.proto\";\nmessage M { lib.Home home = 1; lib.Home other = 2; }";
        let parse = |dependency| ProtoSchema::parse_with_dependencies(source, &[("lib.proto", dependency)]);
        let (original, update) = (parse(v1).expect("v1"), parse(v2).expect("v2"));
        let kinds: Vec<String> = backward_changes(&original, &update)
            .iter()
            .map(|change| format!("{} {}", change.kind, change.path))
            .collect();
        assert_eq!(
            kinds,
            ["FIELD_SCALAR_KIND_CHANGED #/Home/1", "FIELD_NAMED_TYPE_CHANGED #/M/1", "FIELD_NAMED_TYPE_CHANGED #/M/2"]
        );
        assert!(backward_changes(&original, &parse(v1).expect("v1 again")).is_empty());
    }

    #[test]
    fn recursive_well_known_types_terminate() {
        let source = proto3("import \"google/protobuf/struct.proto\";\nmessage M { google.protobuf.Struct s = 1; }");
        assert!(all(&source, &source).is_empty());
    }

    #[test]
    fn breaking_changes_have_readable_details() {
        let changes = backward_changes(
            &schema(&proto3("message M { int32 count = 1; }")),
            &schema(&proto3("message M { string count = 1; }")),
        );
        assert_eq!(changes.len(), 1);
        assert_eq!(
            changes[0].detail,
            "field `count` (1) changed type from int32 to string, which are not wire-compatible"
        );
    }
}
