package nexus.governance_test

import rego.v1

import data.nexus.governance

good := {
	"handlers": [{"aggregate_type": "account", "command_types": ["OpenAccount"], "event_types": ["AccountOpened"]}],
	"subjects": [{
		"name": "AccountOpened", "compatibility": "BACKWARD", "versions": [1, 2, 3], "problems": [],
		"pairs": [
			{"version": 2, "against": 1, "backward": [], "forward": ["field x added as required"]},
			{"version": 3, "against": 1, "backward": ["field y removed"], "forward": []},
			{"version": 3, "against": 2, "backward": [], "forward": []},
		],
	}],
	"rpcs": [
		{"service": "nexus.v1.EventStoreService", "method": "AppendToStream", "effect": "APPEND", "temporal": false},
		{"service": "nexus.v1.EventStoreService", "method": "DeleteStream", "effect": "STREAM_LIFECYCLE", "temporal": false},
		{"service": "nexus.v1.QueryService", "method": "GetStateAt", "effect": "READ", "temporal": true},
	],
	"modules": [
		{"name": "core::subscription", "file": "core/subscription.rs", "uses": ["core::model", "core::ports"]},
		{"name": "core::command", "file": "core/command.rs", "uses": ["core::aggregate", "core::ports"]},
	],
	"rate_limits": {"nexus.v1.QueryService/GetStateAt": 20},
}

test_a_good_manifest_passes if {
	count(governance.deny) == 0 with input as good
}

test_an_emitted_event_type_without_schema_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/handlers/0/event_types/-", "value": "AccountFrozen"}])
	some msg in governance.deny with input as bad
	contains(msg, "can emit AccountFrozen")
}

test_backward_checks_only_the_previous_version if {
	# v3 breaks v1, but BACKWARD compares with v2 only: allowed.
	count(governance.deny) == 0 with input as good
}

test_backward_all_checks_every_earlier_version if {
	bad := json.patch(good, [{"op": "replace", "path": "/subjects/0/compatibility", "value": "BACKWARD_ALL"}])
	some msg in governance.deny with input as bad
	contains(msg, "v3 is not BACKWARD_ALL compatible with v1: field y removed")
}

test_forward_checks_the_other_direction if {
	bad := json.patch(good, [{"op": "replace", "path": "/subjects/0/compatibility", "value": "FORWARD"}])
	some msg in governance.deny with input as bad
	contains(msg, "v2 is not FORWARD compatible with v1 (forward)")
}

test_full_all_checks_both_directions_everywhere if {
	bad := json.patch(good, [{"op": "replace", "path": "/subjects/0/compatibility", "value": "FULL_ALL"}])
	denies := governance.deny with input as bad
	count(denies) == 2
}

test_none_accepts_anything if {
	ok := json.patch(good, [{"op": "replace", "path": "/subjects/0/compatibility", "value": "NONE"}])
	count(governance.deny) == 0 with input as ok
}

test_disabled_allows_one_version_only if {
	bad := json.patch(good, [{"op": "replace", "path": "/subjects/0/compatibility", "value": "DISABLED"}])
	some msg in governance.deny with input as bad
	contains(msg, "DISABLED but 3 versions")
}

test_a_definition_that_does_not_parse_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/subjects/0/problems/-", "value": "v2.json: not JSON"}])
	some msg in governance.deny with input as bad
	contains(msg, "schema AccountOpened: v2.json: not JSON")
}

test_an_rpc_that_modifies_events_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/rpcs/-", "value": {"service": "nexus.v1.EventStoreService", "method": "RewriteEvent", "effect": "MODIFY_EVENTS", "temporal": false}}])
	some msg in governance.deny with input as bad
	contains(msg, "RPC nexus.v1.EventStoreService/RewriteEvent has effect MODIFY_EVENTS")
}

test_an_unannotated_rpc_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/rpcs/-", "value": {"service": "nexus.v1.X", "method": "Y", "effect": "UNSPECIFIED", "temporal": false}}])
	some msg in governance.deny with input as bad
	contains(msg, "nexus.v1.X/Y has effect UNSPECIFIED")
}

test_an_undocumented_stream_deletion_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/rpcs/-", "value": {"service": "nexus.v1.EventStoreService", "method": "PurgeAll", "effect": "STREAM_LIFECYCLE", "temporal": false}}])
	some msg in governance.deny with input as bad
	contains(msg, "PurgeAll deletes or truncates stream data")
}

test_a_query_module_using_command_handlers_fails if {
	bad := json.patch(good, [{"op": "add", "path": "/modules/-", "value": {"name": "core::projection::balances", "file": "core/projection/balances.rs", "uses": ["core::model", "core::command"]}}])
	some msg in governance.deny with input as bad
	contains(msg, "query-side module core::projection::balances")
}

test_a_command_module_may_use_command_modules if {
	count(governance.deny) == 0 with input as good
}

test_a_temporal_query_without_rate_limit_fails if {
	bad := json.patch(good, [{"op": "remove", "path": "/rate_limits/nexus.v1.QueryService~1GetStateAt"}])
	some msg in governance.deny with input as bad
	contains(msg, "temporal query nexus.v1.QueryService/GetStateAt has no rate limit")
}
