# Tests of data.nexus.events; run with `nexus policy test` (or `opa test policies`).
package nexus.events_test

import rego.v1

import data.nexus.events

writer := {"subject": "walt", "tenant": "acme", "roles": ["writer"], "scopes": [], "authenticated": true}

event(index, type, route, size, payload) := {
	"index": index,
	"id": sprintf("00000000-0000-0000-0000-%012d", [index]),
	"type": type,
	"content_type": "application/json",
	"size": size,
	"route": route,
	"payload": payload,
}

append(evts) := {"principal": writer, "stream": "acme/account-1", "tenant": "acme", "events": evts}

test_ordinary_events_pass if {
	count(events.deny) == 0 with input as append([
		event(0, "AccountOpened", "core", 120, {"owner": "alice", "password_hint": "x"}),
		event(1, "MoneyDeposited", "secondary", 80, {"amount": 10, "lines": [{"sku": "a"}]}),
	])
}

test_size_limit if {
	req := append([
		event(0, "AccountOpened", "core", 100, {}),
		event(1, "BigBlob", "core", 262145, null),
	])
	events.deny == {"event 1 (BigBlob): payload of 262145 bytes exceeds the limit of 262144 bytes"} with input as req
}

test_size_exactly_at_the_limit_passes if {
	count(events.deny) == 0 with input as append([event(0, "Blob", "core", 262144, null)])
}

test_forbidden_field_on_secondary_route_top_level if {
	req := append([event(3, "UserRegistered", "secondary", 90, {"name": "a", "password": "hunter2"})])
	events.deny == {"event 3 (UserRegistered): field password must not appear on secondary-route events"} with input as req
}

test_forbidden_field_nested_and_in_arrays if {
	req := append([event(0, "OrderPlaced", "secondary", 90, {"payer": {"cards": [{"Card_Number": "4111"}]}})])
	events.deny == {"event 0 (OrderPlaced): field card_number must not appear on secondary-route events"} with input as req
}

test_forbidden_field_allowed_on_core_route if {
	count(events.deny) == 0 with input as append([event(0, "UserRegistered", "core", 90, {"ssn": "123"})])
}

test_forbidden_value_is_not_a_field if {
	count(events.deny) == 0 with input as append([event(0, "Note", "secondary", 90, {"text": "password"})])
	count(events.deny) == 0 with input as append([event(0, "Note", "secondary", 90, {"text": "\"password\": x"})])
	count(events.deny) == 0 with input as append([event(0, "Note", "secondary", 90, {"tags": ["ssn", "card_number"]})])
}

test_forbidden_field_with_a_longer_name_is_fine if {
	count(events.deny) == 0 with input as append([event(0, "Note", "secondary", 90, {"password_hint": "x", "my_ssn": 1})])
}

test_every_offending_event_is_named if {
	req := append([
		event(0, "A", "secondary", 10, {"ssn": "1"}),
		event(1, "B", "core", 10, {}),
		event(2, "C", "secondary", 10, {"ssn": "2"}),
	])
	count(events.deny) == 2 with input as req
}

test_system_event_types_are_reserved if {
	events.deny == {"event 0 ($audit.Decision): event types starting with $ are reserved for the server"} with input as append([event(0, "$audit.Decision", "core", 10, {})])
}

test_non_json_payload if {
	count(events.deny) == 0 with input as append([event(0, "Blob", "secondary", 10, null)])
}
