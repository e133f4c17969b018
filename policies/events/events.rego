# Rules on every event before it is stored (data.nexus.events), checked after
# schema validation. One decision covers a whole append: any message in `deny`
# rejects the append and nothing is written. Every message names the event's
# index in the append and its type.
#
# Input (see docs/POLICIES.md):
#   {"principal": {...}, "stream": "acme/account-1", "tenant": "acme",
#    "events": [{"index", "id", "type", "content_type", "size", "route",
#                "schema_subject"?, "schema_version"?, "payload"}]}
#
# Limits are data (policies/events/data.json, mounted at data.events).
package nexus.events

import rego.v1

# Payload size limit, in bytes.
deny contains msg if {
	some event in input.events
	event.size > data.events.max_payload_bytes
	msg := sprintf(
		"event %d (%s): payload of %d bytes exceeds the limit of %d bytes",
		[event.index, event.type, event.size, data.events.max_payload_bytes],
	)
}

# Events on the secondary route leave the store (to other systems), so they
# must not carry sensitive fields: no object key anywhere in the payload, at
# any depth, may be one of the forbidden names (compared case-insensitively).
deny contains msg if {
	some event in input.events
	event.route == "secondary"
	mentions_forbidden_name(event.payload)
	walk(event.payload, [path, _])
	count(path) > 0
	key := path[count(path) - 1]
	is_string(key)
	lower(key) in forbidden_fields
	msg := sprintf(
		"event %d (%s): field %s (at payload.%s) must not appear on secondary-route events",
		[event.index, event.type, key, concat(".", [sprintf("%v", [p]) | some p in path])],
	)
}

forbidden_fields := {lower(name) | some name in data.events.secondary_forbidden_fields}

# A cheap test first: walking every node of every payload is what costs, so
# only payloads whose JSON text contains a forbidden name in quotes are
# walked. It never misses one: a key equal to a forbidden name (ignoring
# case) always appears quoted in the lowercased text.
mentions_forbidden_name(payload) if {
	text := lower(json.marshal(payload))
	some name in forbidden_fields
	contains(text, sprintf("\"%s\"", [name]))
}

# Event types starting with "$" belong to the server's own system events.
deny contains msg if {
	some event in input.events
	startswith(event.type, "$")
	msg := sprintf("event %d (%s): event types starting with $ are reserved for the server", [event.index, event.type])
}
