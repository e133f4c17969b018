# Tests of data.nexus.authz; run with `nexus policy test` (or `opa test policies`).
package nexus.authz_test

import rego.v1

import data.nexus.authz

es := "nexus.v1.EventStoreService"

schemas := "nexus.v1.SchemaService"

commands := "nexus.v1.CommandService"

queries := "nexus.v1.QueryService"

principal(subject, tenant, roles) := {
	"subject": subject,
	"tenant": tenant,
	"roles": roles,
	"scopes": [],
	"authenticated": true,
}

alice_reader := principal("alice", "acme", ["reader"])

walt_writer := principal("walt", "acme", ["writer"])

ada_admin := principal("ada", "acme", ["admin"])

root := principal("root", "", ["admin"])

platform_reader := principal("pat", "", ["reader"])

nobody := principal("nobody", "acme", [])

request(service, method, who, resource) := {
	"service": service,
	"method": method,
	"principal": who,
	"resource": resource,
}

stream(id, tenant) := {"stream": id, "tenant": tenant}

allowed(req) if {
	authz.allow with input as req
	count(authz.deny) == 0 with input as req
}

# --- roles -------------------------------------------------------------------

test_reader_reads_own_tenant_stream if {
	allowed(request(es, "ReadStream", alice_reader, stream("acme/account-1", "acme")))
	allowed(request(es, "SubscribeStream", alice_reader, stream("acme/account-1", "acme")))
	allowed(request(es, "GetStreamMetadata", alice_reader, stream("acme/account-1", "acme")))
}

test_reader_cannot_append if {
	req := request(es, "AppendToStream", alice_reader, stream("acme/account-1", "acme"))
	not allowed(req)
	count(authz.deny) == 0 with input as req
	not authz.allow with input as req
}

test_reader_lists_aggregate_types_and_reads_schemas if {
	allowed(request(commands, "ListAggregateTypes", alice_reader, {"tenant": "acme"}))
	allowed(request(schemas, "GetSchemaVersion", alice_reader, {"subject": "acme/Invoice", "tenant": "acme"}))
	not allowed(request(schemas, "RegisterSchemaVersion", alice_reader, {"subject": "acme/Invoice", "tenant": "acme"}))
}

test_writer_appends_and_executes if {
	allowed(request(es, "AppendToStream", walt_writer, stream("acme/account-1", "acme")))
	allowed(request(commands, "Execute", walt_writer, {
		"stream": "acme/account-1", "tenant": "acme",
		"aggregate_type": "account", "command_type": "Deposit",
	}))
	allowed(request(es, "ReadStream", walt_writer, stream("acme/account-1", "acme")))
}

test_writer_cannot_delete_or_register_schemas if {
	not allowed(request(es, "DeleteStream", walt_writer, stream("acme/account-1", "acme")))
	not allowed(request(schemas, "RegisterSchemaVersion", walt_writer, {"subject": "acme/Invoice", "tenant": "acme"}))
	not allowed(request(schemas, "SetCompatibility", walt_writer, {"subject": "acme/Invoice", "tenant": "acme"}))
}

test_admin_deletes_and_registers_in_own_tenant if {
	allowed(request(es, "DeleteStream", ada_admin, stream("acme/account-1", "acme")))
	allowed(request(schemas, "RegisterSchemaVersion", ada_admin, {"subject": "acme/Invoice", "tenant": "acme"}))
	allowed(request(schemas, "SetCompatibility", ada_admin, {"subject": "acme/Invoice", "tenant": "acme"}))
}

test_principal_without_roles_is_refused if {
	req := request(es, "ReadStream", nobody, stream("acme/account-1", "acme"))
	not authz.allow with input as req
}

test_unknown_role_grants_nothing if {
	not allowed(request(es, "ReadStream", principal("x", "acme", ["superuser"]), stream("acme/a", "acme")))
}

# --- tenant isolation ------------------------------------------------------------

test_tenant_cannot_read_another_tenant if {
	req := request(es, "ReadStream", alice_reader, stream("globex/x", "globex"))
	not allowed(req)
	authz.deny == {"principal alice of tenant acme may not read stream globex/x of tenant globex"} with input as req
}

test_tenant_cannot_write_another_tenant if {
	req := request(es, "AppendToStream", walt_writer, stream("globex/x", "globex"))
	not allowed(req)
	"principal walt of tenant acme may not append to stream globex/x of tenant globex" in authz.deny with input as req
}

test_tenant_admin_is_still_bound_to_its_tenant if {
	not allowed(request(es, "DeleteStream", ada_admin, stream("globex/x", "globex")))
	not allowed(request(schemas, "RegisterSchemaVersion", ada_admin, {"subject": "globex/Invoice", "tenant": "globex"}))
}

test_tenant_cannot_touch_shared_streams if {
	not allowed(request(es, "ReadStream", alice_reader, stream("platform-config", "")))
	not allowed(request(es, "AppendToStream", walt_writer, stream("platform-config", "")))
}

test_tenant_reads_shared_schemas_but_only_platform_admins_write_them if {
	shared := {"subject": "AccountOpened", "tenant": ""}
	allowed(request(schemas, "GetSchemaVersion", alice_reader, shared))
	allowed(request(schemas, "ListVersions", alice_reader, shared))
	not allowed(request(schemas, "RegisterSchemaVersion", ada_admin, shared))
	allowed(request(schemas, "RegisterSchemaVersion", root, shared))
}

test_read_all_needs_a_prefix_inside_the_tenant if {
	allowed(request(es, "ReadAll", alice_reader, {"stream_prefix": "acme/", "tenant": "acme"}))
	allowed(request(es, "SubscribeAll", alice_reader, {"stream_prefix": "acme/orders-", "tenant": "acme"}))
	not allowed(request(es, "ReadAll", alice_reader, {"tenant": ""}))
	not allowed(request(es, "ReadAll", alice_reader, {"stream_prefix": "globex/", "tenant": "globex"}))
	not allowed(request(es, "SubscribeAll", alice_reader, {"stream_prefix": "acme", "tenant": ""}))
}

test_read_all_message_names_the_tenant_prefix if {
	req := request(es, "ReadAll", alice_reader, {"stream_prefix": "globex/", "tenant": "globex"})
	"principal alice of tenant acme may not read streams under globex/: give a stream prefix under acme/" in authz.deny with input as req
}

test_platform_principal_spans_tenants if {
	allowed(request(es, "ReadStream", platform_reader, stream("acme/account-1", "acme")))
	allowed(request(es, "ReadStream", platform_reader, stream("globex/x", "globex")))
	allowed(request(es, "ReadAll", platform_reader, {"stream_prefix": "globex/", "tenant": "globex"}))
	not allowed(request(es, "AppendToStream", platform_reader, stream("globex/x", "globex")))
}

# --- system streams ------------------------------------------------------------------

test_nobody_writes_system_streams if {
	not allowed(request(es, "AppendToStream", root, stream("$audit", "")))
	not allowed(request(es, "DeleteStream", root, stream("$audit", "")))
	not allowed(request(es, "SetStreamMetadata", root, stream("$audit", "")))
	req := request(es, "AppendToStream", root, stream("$audit", ""))
	"platform principal root may not append to stream $audit: system streams are written by the server only" in authz.deny with input as req
}

test_only_admins_read_system_streams if {
	allowed(request(es, "ReadStream", root, stream("$audit", "")))
	not allowed(request(es, "ReadStream", platform_reader, stream("$audit", "")))
	req := request(es, "ReadStream", platform_reader, stream("$audit", ""))
	"platform principal pat may not read system stream $audit: only admins may" in authz.deny with input as req
}

test_read_all_without_prefix_is_for_platform_readers if {
	allowed(request(es, "ReadAll", root, {"tenant": ""}))
	allowed(request(es, "ReadAll", platform_reader, {"tenant": ""}))
	not allowed(request(es, "ReadAll", alice_reader, {"tenant": ""}))
	not allowed(request(es, "SubscribeAll", platform_reader, {"stream_prefix": "$aud", "tenant": "$aud"}))
	allowed(request(es, "SubscribeAll", platform_reader, {"stream_prefix": "orders-", "tenant": ""}))
}

# --- policy administration -----------------------------------------------------------

test_only_platform_admins_reload_policies if {
	allowed(request("nexus.v1.PolicyService", "ReloadPolicies", root, {"tenant": ""}))
	not allowed(request("nexus.v1.PolicyService", "ReloadPolicies", ada_admin, {"tenant": "acme"}))
	not allowed(request("nexus.v1.PolicyService", "ReloadPolicies", platform_reader, {"tenant": ""}))
}

test_generic_verb_for_methods_without_one if {
	req := request("nexus.v1.PolicyService", "ListDecisions", alice_reader, {"tenant": "globex"})
	"principal alice of tenant acme may not call ListDecisions on resources of tenant globex" in authz.deny with input as req
}

test_anonymous_development_principal_is_admin if {
	anonymous := {"subject": "anonymous", "tenant": "", "roles": ["admin"], "scopes": [], "authenticated": false}
	allowed(request(es, "AppendToStream", anonymous, stream("acme/account-1", "acme")))
	allowed(request(es, "DeleteStream", anonymous, stream("orders-1", "")))
}

# --- projections (QueryService) ---------------------------------------------------

# Documents of every tenant share a projection; the server gives a tenant's
# principal only its own tenant's documents, so calls are about its tenant.
projection(name, tenant) := {"projection": name, "tenant": tenant}

test_readers_read_search_and_watch_projections if {
	every method in ["GetDocument", "Search", "WatchDocuments", "WatchQuery", "GetProjectionStatus"] {
		allowed(request(queries, method, alice_reader, projection("accounts", "acme")))
		allowed(request(queries, method, platform_reader, projection("accounts", "")))
	}
	allowed(request(queries, "ListProjections", alice_reader, {"tenant": "acme"}))
	not allowed(request(queries, "GetDocument", nobody, projection("accounts", "acme")))
}

test_readers_and_writers_do_not_administer_projections if {
	every method in ["RegisterProjection", "RebuildProjection", "ListParkedEvents"] {
		not allowed(request(queries, method, alice_reader, projection("accounts", "acme")))
		not allowed(request(queries, method, walt_writer, projection("accounts", "acme")))
		not allowed(request(queries, method, platform_reader, projection("accounts", "")))
	}
}

test_only_platform_admins_register_and_rebuild_projections if {
	allowed(request(queries, "RegisterProjection", root, projection("accounts", "")))
	allowed(request(queries, "RebuildProjection", root, projection("accounts", "")))
	req := request(queries, "RegisterProjection", ada_admin, projection("accounts", "acme"))
	not allowed(req)
	msg := "principal ada of tenant acme may not call nexus.v1.QueryService/RegisterProjection: it affects every tenant, so only platform principals (no tenant) may"
	msg in authz.deny with input as req
	not allowed(request(queries, "RebuildProjection", ada_admin, projection("accounts", "acme")))
}

test_tenant_admins_list_parked_events if {
	allowed(request(queries, "ListParkedEvents", ada_admin, projection("accounts", "acme")))
	allowed(request(queries, "ListParkedEvents", root, projection("accounts", "")))
}

test_projection_calls_about_another_tenant_are_refused if {
	req := request(queries, "Search", alice_reader, projection("accounts", "globex"))
	not allowed(req)
	"principal alice of tenant acme may not search projection accounts of tenant globex" in authz.deny with input as req
}

# --- temporal queries (TemporalQueryService) ----------------------------------------

temporal := "nexus.v1.TemporalQueryService"

test_readers_query_the_past_of_their_own_tenant if {
	allowed(request(temporal, "GetAggregateStateAt", alice_reader, object.union(stream("acme/account-1", "acme"), {"aggregate_type": "account"})))
	allowed(request(temporal, "ReadStreamBetween", alice_reader, stream("acme/account-1", "acme")))
	allowed(request(temporal, "GetDocumentAt", alice_reader, projection("account-balance", "acme")))
	allowed(request(temporal, "ReadStreamBetween", walt_writer, stream("acme/account-1", "acme")))
	allowed(request(temporal, "GetDocumentAt", platform_reader, projection("account-balance", "")))
	allowed(request(temporal, "GetAggregateStateAt", root, stream("globex/account-9", "globex")))
}

test_temporal_queries_need_a_role if {
	every method in ["GetAggregateStateAt", "ReadStreamBetween"] {
		not allowed(request(temporal, method, nobody, stream("acme/account-1", "acme")))
	}
	not allowed(request(temporal, "GetDocumentAt", nobody, projection("account-balance", "acme")))
}

test_temporal_queries_stay_inside_the_tenant if {
	req := request(temporal, "ReadStreamBetween", alice_reader, stream("globex/account-1", "globex"))
	not allowed(req)
	"principal alice of tenant acme may not read a window of time of stream globex/account-1 of tenant globex" in authz.deny with input as req
	not allowed(request(temporal, "GetAggregateStateAt", ada_admin, stream("globex/account-1", "globex")))
	not allowed(request(temporal, "GetDocumentAt", alice_reader, projection("account-balance", "globex")))
	not allowed(request(temporal, "ReadStreamBetween", alice_reader, stream("account-1", "")))
}

# --- the queue path (QueueService) ----------------------------------------------------

queue := "nexus.v1.QueueService"

billing := {"consumer": "billing", "tenant": ""}

platform_writer := principal("wes", "", ["writer"])

test_platform_readers_inspect_consumers_and_dead_letters if {
	allowed(request(queue, "ListConsumers", platform_reader, {"tenant": ""}))
	allowed(request(queue, "GetConsumer", platform_reader, billing))
	allowed(request(queue, "ListDeadLetters", platform_reader, billing))
	allowed(request(queue, "GetDeadLetter", platform_reader, billing))
}

test_consuming_settles_messages_so_it_needs_a_writer if {
	not allowed(request(queue, "Consume", platform_reader, billing))
	allowed(request(queue, "Consume", platform_writer, billing))
}

test_only_admins_manage_consumers_and_dead_letters if {
	every method in ["CreateConsumer", "DeleteConsumer", "RedriveDeadLetters", "PurgeDeadLetters"] {
		not allowed(request(queue, method, platform_writer, billing))
		allowed(request(queue, method, root, billing))
	}
}

test_consumers_carry_every_tenant_so_tenant_principals_stay_out if {
	not allowed(request(queue, "GetConsumer", alice_reader, billing))
	not allowed(request(queue, "Consume", walt_writer, billing))
	not allowed(request(queue, "PurgeDeadLetters", ada_admin, billing))
	not allowed(request(queue, "ListConsumers", alice_reader, {"tenant": ""}))
	req := request(queue, "Consume", walt_writer, billing)
	authz.deny == {"principal walt of tenant acme may not consume the queue of consumer billing shared by all tenants"} with input as req
}

# --- snapshots (SnapshotService) ----------------------------------------------------

snapshots := "nexus.v1.SnapshotService"

test_readers_read_their_tenants_snapshots if {
	allowed(request(snapshots, "GetSnapshot", alice_reader, stream("acme/account-1", "acme")))
	allowed(request(snapshots, "ListSnapshots", alice_reader, stream("acme/account-1", "acme")))
	not allowed(request(snapshots, "CreateSnapshot", alice_reader, stream("acme/account-1", "acme")))
}

test_writers_take_snapshots_but_only_admins_delete_them if {
	allowed(request(snapshots, "CreateSnapshot", walt_writer, stream("acme/account-1", "acme")))
	not allowed(request(snapshots, "DeleteSnapshots", walt_writer, stream("acme/account-1", "acme")))
	allowed(request(snapshots, "DeleteSnapshots", ada_admin, stream("acme/account-1", "acme")))
}

test_snapshots_of_another_tenant_are_refused if {
	req := request(snapshots, "GetSnapshot", alice_reader, stream("globex/account-1", "globex"))
	not allowed(req)
	"principal alice of tenant acme may not read the snapshots of stream globex/account-1 of tenant globex" in authz.deny with input as req
	not allowed(request(snapshots, "DeleteSnapshots", ada_admin, stream("globex/account-1", "globex")))
}

test_snapshot_policies_are_read_by_all_and_set_by_platform_admins if {
	allowed(request(snapshots, "GetSnapshotPolicy", alice_reader, {"tenant": ""}))
	allowed(request(snapshots, "GetSnapshotStats", alice_reader, {"tenant": ""}))
	not allowed(request(snapshots, "SetSnapshotPolicy", ada_admin, {"tenant": ""}))
	not allowed(request(snapshots, "SetSnapshotPolicy", platform_reader, {"tenant": ""}))
	allowed(request(snapshots, "SetSnapshotPolicy", root, {"tenant": ""}))
}

# --- sagas (SagaService) ------------------------------------------------------------

sagas := "nexus.v1.SagaService"

acme := {"tenant": "acme"}

test_readers_follow_sagas_and_writers_start_and_cancel_them if {
	every method in ["GetSaga", "ListSagas", "WatchSaga", "ListSagaDefinitions"] {
		allowed(request(sagas, method, alice_reader, acme))
	}
	not allowed(request(sagas, "StartSaga", alice_reader, acme))
	not allowed(request(sagas, "CancelSaga", alice_reader, acme))
	allowed(request(sagas, "StartSaga", walt_writer, acme))
	allowed(request(sagas, "CancelSaga", walt_writer, acme))
}

test_only_admins_retry_failed_sagas if {
	not allowed(request(sagas, "RetrySaga", walt_writer, acme))
	allowed(request(sagas, "RetrySaga", ada_admin, acme))
}

test_sagas_of_another_tenant_are_refused if {
	req := request(sagas, "CancelSaga", walt_writer, {"tenant": "globex"})
	not allowed(req)
	"principal walt of tenant acme may not cancel the sagas of resources of tenant globex" in authz.deny with input as req
}

test_saga_definitions_are_registered_by_platform_admins_only if {
	not allowed(request(sagas, "RegisterSagaDefinition", ada_admin, acme))
	not allowed(request(sagas, "RegisterSagaDefinition", platform_writer, {"tenant": ""}))
	allowed(request(sagas, "RegisterSagaDefinition", root, {"tenant": ""}))
}
