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
#
# Checked on the payload's compact JSON text, where every object key appears
# as "key": and a string value never does (quotes inside strings are
# escaped). This is what lets the policy compile to regorus's fast VM, which
# does not support walk(); the price is that the message names the field but
# not its path.
deny contains msg if {
	some event in input.events
	event.route == "secondary"
	text := lower(json.marshal(event.payload))
	some name in forbidden_fields
	contains(text, sprintf("\"%s\":", [name]))
	msg := sprintf("event %d (%s): field %s must not appear on secondary-route events", [event.index, event.type, name])
}

forbidden_fields := {lower(name) | some name in data.events.secondary_forbidden_fields}

# Event types starting with "$" belong to the server's own system events.
deny contains msg if {
	some event in input.events
	startswith(event.type, "$")
	msg := sprintf("event %d (%s): event types starting with $ are reserved for the server", [event.index, event.type])
}
