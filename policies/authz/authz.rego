# Authorization of every RPC (data.nexus.authz), decided in-process before the
# RPC runs. A call is allowed when `allow` is true and `deny` is empty; the
# messages in `deny` are sent back to the caller, so they say what was refused
# and why.
#
# Input (see docs/POLICIES.md):
#   {"service": "nexus.v1.EventStoreService", "method": "AppendToStream",
#    "principal": {"subject", "tenant", "roles", "scopes", "authenticated"},
#    "resource": {"tenant", "stream"?, "stream_prefix"?, "aggregate_type"?,
#                 "command_type"?, "subject"?, "projection"?, "consumer"?},
#    "correlation_id"?}
#
# Which role may call what is data (policies/authz/data.json, mounted at
# data.authz); the rules below add tenant isolation and system streams.
package nexus.authz

import rego.v1

default allow := false

# "Service/Method", the form used in data.authz.
call := sprintf("%s/%s", [input.service, input.method])

principal := input.principal

resource_tenant := object.get(input.resource, "tenant", "")

stream_prefix := object.get(input.resource, "stream_prefix", "")

# --- roles ------------------------------------------------------------------

# A permission is "Service/Method", "Service/*" or "*"; a role has its own
# permissions and those of the roles it inherits (one level).
allow if {
	some role in principal.roles
	some permission in permission_forms
	permission in data.authz.roles[role].permissions
}

allow if {
	some role in principal.roles
	some parent in data.authz.roles[role].inherits
	some permission in permission_forms
	permission in data.authz.roles[parent].permissions
}

permission_forms := [call, sprintf("%s/*", [input.service]), "*"]

is_admin if "admin" in principal.roles

# --- messages -----------------------------------------------------------------

who := sprintf("principal %s of tenant %s", [principal.subject, principal.tenant]) if principal.tenant != ""

who := sprintf("platform principal %s", [principal.subject]) if principal.tenant == ""

verb := data.authz.verbs[call]

verb := sprintf("call %s on", [input.method]) if not data.authz.verbs[call]

target := sprintf("stream %s", [input.resource.stream])

target := sprintf("streams under %s", [input.resource.stream_prefix]) if not input.resource.stream

target := sprintf("schema subject %s", [input.resource.subject]) if {
	not input.resource.stream
	not input.resource.stream_prefix
}

target := sprintf("projection %s", [input.resource.projection]) if {
	not input.resource.stream
	not input.resource.stream_prefix
	not input.resource.subject
	not input.resource.consumer
	input.resource.projection
}

target := sprintf("consumer %s", [input.resource.consumer]) if {
	not input.resource.stream
	not input.resource.stream_prefix
	not input.resource.subject
	not input.resource.projection
	input.resource.consumer
}

target := "resources" if {
	not input.resource.stream
	not input.resource.stream_prefix
	not input.resource.subject
	not input.resource.projection
	not input.resource.consumer
}

owner := sprintf("of tenant %s", [resource_tenant]) if resource_tenant != ""

owner := "shared by all tenants" if resource_tenant == ""

# --- tenant isolation -----------------------------------------------------------

# A principal bound to a tenant touches only that tenant's streams, documents
# and schemas. Platform principals (empty tenant) are not bound. Queue-path
# consumers receive every tenant's secondary events, so they belong to no
# tenant (resource tenant "") and only platform principals reach them.
deny contains msg if {
	principal.tenant != ""
	resource_tenant != principal.tenant
	not call in data.authz.unscoped
	not call in data.authz.read_all
	not shared_schema_read
	msg := sprintf("%s may not %s %s %s", [who, verb, target, owner])
}

# Shared schema subjects (no tenant prefix) are readable by every tenant.
shared_schema_read if {
	resource_tenant == ""
	input.resource.subject
	not input.resource.stream
	call in data.authz.shared_schema_reads
}

# Reading or subscribing to "all" streams is scoped by a stream prefix, which
# for a tenant's principal must lie inside its tenant.
deny contains msg if {
	principal.tenant != ""
	call in data.authz.read_all
	not startswith(stream_prefix, sprintf("%s/", [principal.tenant]))
	msg := sprintf(
		"%s may not %s %s: give a stream prefix under %s/",
		[who, verb, all_target, principal.tenant],
	)
}

all_target := sprintf("streams under %s", [stream_prefix]) if stream_prefix != ""

all_target := "all streams" if stream_prefix == ""

# --- system streams ($...) ------------------------------------------------------

system_stream if startswith(input.resource.stream, "$")

deny contains msg if {
	system_stream
	call in data.authz.stream_writes
	msg := sprintf("%s may not %s stream %s: system streams are written by the server only", [who, verb, input.resource.stream])
}

deny contains msg if {
	system_stream
	not call in data.authz.stream_writes
	not is_admin
	msg := sprintf("%s may not %s system stream %s: only admins may", [who, verb, input.resource.stream])
}

# The global log holds no system streams (the audit trail has a store of its
# own), so reading all of it is an ordinary read for platform principals; a
# prefix that names system streams is for admins.
deny contains msg if {
	call in data.authz.read_all
	not is_admin
	startswith(stream_prefix, "$")
	msg := sprintf("%s may not %s %s: system streams are for admins only", [who, verb, all_target])
}

# --- platform-wide operations -----------------------------------------------------

deny contains msg if {
	call in data.authz.platform_only
	principal.tenant != ""
	msg := sprintf("%s may not call %s: it affects every tenant, so only platform principals (no tenant) may", [who, call])
}
