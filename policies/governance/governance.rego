# Architecture rules, evaluated in CI by `nexus governance check` over a
# manifest the binary derives from the repository and its own registrations
# (server/src/governance_cli.rs documents every field). The check passes when
# `deny` is empty; each message names what broke which rule.
#
# Input:
#   {"handlers": [{"aggregate_type", "command_types", "event_types"}],
#    "subjects": [{"name", "compatibility", "versions", "problems",
#                  "pairs": [{"version", "against", "backward", "forward"}]}],
#    "rpcs":     [{"service", "method", "effect", "temporal"}],
#    "modules":  [{"name", "file", "uses"}],
#    "rate_limits": {"<service>/<method>": <calls per minute per principal>}}
#
# Which modules are query- or command-side, and which RPCs are the documented
# stream delete/truncate, is data (policies/governance/data.json).
package nexus.governance

import rego.v1

subject_names := {s.name | some s in input.subjects}

# --- 1. every event type a handler can emit has a registered schema ---------

deny contains msg if {
	some handler in input.handlers
	some event_type in handler.event_types
	not event_type in subject_names
	msg := sprintf("aggregate %s can emit %s, but the schema catalog has no subject %s (add schemas/%s/v1.json)", [handler.aggregate_type, event_type, event_type, event_type])
}

# --- 2. every subject's versions obey its compatibility mode ---------------

deny contains msg if {
	some subject in input.subjects
	some problem in subject.problems
	msg := sprintf("schema %s: %s", [subject.name, problem])
}

# The pairs a mode covers: the version just before (plain modes) or every
# earlier version (_ALL modes).
covers(mode, pair) if {
	not endswith(mode, "_ALL")
	pair.against == pair.version - 1
}

covers(mode, _) if endswith(mode, "_ALL")

checks_backward(mode) if startswith(mode, "BACKWARD")

checks_backward(mode) if startswith(mode, "FULL")

checks_forward(mode) if startswith(mode, "FORWARD")

checks_forward(mode) if startswith(mode, "FULL")

deny contains msg if {
	some subject in input.subjects
	checks_backward(subject.compatibility)
	some pair in subject.pairs
	covers(subject.compatibility, pair)
	some change in pair.backward
	msg := sprintf("schema %s v%d is not %s compatible with v%d: %s", [subject.name, pair.version, subject.compatibility, pair.against, change])
}

deny contains msg if {
	some subject in input.subjects
	checks_forward(subject.compatibility)
	some pair in subject.pairs
	covers(subject.compatibility, pair)
	some change in pair.forward
	msg := sprintf("schema %s v%d is not %s compatible with v%d (forward): %s", [subject.name, pair.version, subject.compatibility, pair.against, change])
}

deny contains msg if {
	some subject in input.subjects
	subject.compatibility == "DISABLED"
	count(subject.versions) > 1
	msg := sprintf("schema %s has compatibility DISABLED but %d versions", [subject.name, count(subject.versions)])
}

# --- 3. no RPC modifies or deletes stored events, except the documented ----
# --- stream delete/truncate ---------------------------------------------------

rpc_name(rpc) := sprintf("%s/%s", [rpc.service, rpc.method])

deny contains msg if {
	some rpc in input.rpcs
	not rpc.effect in data.governance.effects
	msg := sprintf("RPC %s has effect %s; every RPC must be annotated (nexus.v1.rpc) with one of %v, and none may modify stored events", [rpc_name(rpc), rpc.effect, data.governance.effects])
}

deny contains msg if {
	some rpc in input.rpcs
	rpc.effect == "STREAM_LIFECYCLE"
	not rpc_name(rpc) in data.governance.stream_lifecycle_rpcs
	msg := sprintf("RPC %s deletes or truncates stream data but is not one of the documented stream lifecycle RPCs %v", [rpc_name(rpc), data.governance.stream_lifecycle_rpcs])
}

# --- 4. query-side components read only through the read store and ---------
# --- subscriptions, never through command handlers --------------------------

in_area(module, areas) if {
	some area in areas
	module == area
}

in_area(module, areas) if {
	some area in areas
	startswith(module, concat("", [area, "::"]))
}

deny contains msg if {
	some module in input.modules
	in_area(module.name, data.governance.query_side)
	some used in module.uses
	in_area(used, data.governance.command_side)
	msg := sprintf("query-side module %s (%s) uses command-side %s; read models must read through the read store and subscriptions", [module.name, module.file, used])
}

# --- 5. temporal queries are rate-limited ------------------------------------

deny contains msg if {
	some rpc in input.rpcs
	rpc.temporal
	not input.rate_limits[rpc_name(rpc)] > 0
	msg := sprintf("temporal query %s has no rate limit", [rpc_name(rpc)])
}
