package nexus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"example.invalid/nexus-go/nexus"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

func command(t *testing.T, id, commandType string, payload map[string]any) *nexusv1.ExecuteRequest {
	t.Helper()
	return must(nexus.NewCommand("account", id, commandType, payload))(t)
}

func data(t *testing.T, ev *nexusv1.RecordedEvent) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.GetData(), &m); err != nil {
		t.Fatalf("event %s data is not JSON: %v", ev.GetEventType(), err)
	}
	return m
}

func TestExecuteAndIdempotentRetry(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()

	open := command(t, id, "OpenAccount", map[string]any{"owner": "Ada", "initial_deposit": 100, "currency": "EUR"})
	resp := must(client.Execute(ctx, open))(t)
	if resp.GetStreamId() != "account-"+id {
		t.Errorf("stream id %q, want account-%s", resp.GetStreamId(), id)
	}
	if open.GetCommandId() == "" || resp.GetCommandId() != open.GetCommandId() {
		t.Errorf("command id: request %q, response %q; want one filled id", open.GetCommandId(), resp.GetCommandId())
	}
	if len(resp.GetEvents()) != 1 || resp.GetEvents()[0].GetEventType() != "AccountOpened" {
		t.Fatalf("events %v, want one AccountOpened", resp.GetEvents())
	}
	if resp.Revision == nil || resp.GetRevision() != 0 || resp.GetAlreadyExecuted() {
		t.Errorf("revision %v already_executed %v, want 0 false", resp.Revision, resp.GetAlreadyExecuted())
	}
	if d := data(t, resp.GetEvents()[0]); d["owner"] != "Ada" || d["initial_deposit"] != 100.0 || d["currency"] != "EUR" {
		t.Errorf("AccountOpened data %v", d)
	}

	corrCtx := nexus.WithCausationID(nexus.WithCorrelationID(ctx, "corr-"+id), "cause-"+id)
	deposit := command(t, id, "DepositMoney", map[string]any{"amount": 50})
	deposit.CommandId = "dep-" + id
	first := must(client.Execute(corrCtx, deposit))(t)
	if first.GetRevision() != 1 || len(first.GetEvents()) != 1 || first.GetAlreadyExecuted() {
		t.Fatalf("deposit: revision %d, %d events, already %v", first.GetRevision(), len(first.GetEvents()), first.GetAlreadyExecuted())
	}
	ev := first.GetEvents()[0]
	if d := data(t, ev); ev.GetEventType() != "MoneyDeposited" || d["amount"] != 50.0 || d["balance"] != 150.0 {
		t.Errorf("deposit event %s %v", ev.GetEventType(), d)
	}
	if first.GetCorrelationId() != "corr-"+id || ev.GetMetadata().GetCorrelationId() != "corr-"+id ||
		ev.GetMetadata().GetCausationId() != "cause-"+id {
		t.Errorf("correlation %q, event metadata %v", first.GetCorrelationId(), ev.GetMetadata())
	}

	again := must(client.Execute(corrCtx, deposit))(t)
	if !again.GetAlreadyExecuted() || again.GetRevision() != 1 || len(again.GetEvents()) != 1 ||
		again.GetEvents()[0].GetEventId() != ev.GetEventId() {
		t.Errorf("retry: already_executed %v revision %d events %v; want the first execution's event %s",
			again.GetAlreadyExecuted(), again.GetRevision(), again.GetEvents(), ev.GetEventId())
	}
	if events := must(client.ReadStreamEvents(ctx, "account-"+id))(t); len(events) != 2 {
		t.Errorf("stream holds %d events after the retry, want 2", len(events))
	}
}

func TestReadStream(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()
	must(client.Execute(ctx, command(t, id, "OpenAccount", map[string]any{"owner": "Bob", "initial_deposit": 10})))(t)
	must(client.Execute(ctx, command(t, id, "DepositMoney", map[string]any{"amount": 90})))(t)
	must(client.Execute(ctx, command(t, id, "WithdrawMoney", map[string]any{"amount": 30})))(t)

	events := must(client.ReadStreamEvents(ctx, "account-"+id))(t)
	want := []struct {
		typ    string
		fields map[string]any
	}{
		{"AccountOpened", map[string]any{"owner": "Bob", "initial_deposit": 10.0, "currency": "EUR"}},
		{"MoneyDeposited", map[string]any{"amount": 90.0, "balance": 100.0}},
		{"MoneyWithdrawn", map[string]any{"amount": 30.0, "balance": 70.0}},
	}
	if len(events) != len(want) {
		t.Fatalf("read %d events, want %d", len(events), len(want))
	}
	var lastPos uint64
	for i, ev := range events {
		if ev.GetEventType() != want[i].typ || ev.GetStreamRevision() != uint64(i) || ev.GetStreamId() != "account-"+id {
			t.Errorf("event %d: %s rev %d stream %s", i, ev.GetEventType(), ev.GetStreamRevision(), ev.GetStreamId())
		}
		if gp := ev.GetPosition().GetGlobalPosition(); gp <= lastPos || ev.GetPosition().GetToken() == "" {
			t.Errorf("event %d: position %v not after %d", i, ev.GetPosition(), lastPos)
		} else {
			lastPos = gp
		}
		d := data(t, ev)
		for k, v := range want[i].fields {
			if d[k] != v {
				t.Errorf("event %d (%s): %s = %v, want %v", i, ev.GetEventType(), k, d[k], v)
			}
		}
	}

	// Paging: one event per page, via next_revision.
	page := must(client.ReadStream(ctx, &nexusv1.ReadStreamRequest{StreamId: "account-" + id, PageSize: 1}))(t)
	if len(page.GetEvents()) != 1 || page.NextRevision == nil || page.GetNextRevision() != 1 || page.GetCurrentRevision() != 2 {
		t.Errorf("first page: %d events, next %v, current %d", len(page.GetEvents()), page.NextRevision, page.GetCurrentRevision())
	}

	// Appends fill event ids once, so sending the same request again is
	// deduplicated by the server.
	ev, err := nexus.JSONEvent("MoneyDeposited", map[string]int{"amount": 5, "balance": 5})
	if err != nil {
		t.Fatal(err)
	}
	req := &nexusv1.AppendToStreamRequest{StreamId: "ledger-" + id, ExpectedRevision: nexus.NoStream(), Events: []*nexusv1.ProposedEvent{ev}}
	a1 := must(client.AppendToStream(ctx, req))(t)
	if ev.GetEventId() == "" || a1.GetAlreadyAppended() {
		t.Fatalf("append: event id %q already %v", ev.GetEventId(), a1.GetAlreadyAppended())
	}
	a2 := must(client.AppendToStream(ctx, req))(t)
	if !a2.GetAlreadyAppended() || a2.GetCurrentRevision() != 0 {
		t.Errorf("repeated append: already %v revision %d", a2.GetAlreadyAppended(), a2.GetCurrentRevision())
	}
}

// recvAll runs Recv in a goroutine and sends what it returns.
func recvAll(sub *nexus.Subscription) <-chan any {
	ch := make(chan any, 100)
	go func() {
		defer close(ch)
		for {
			ev, err := sub.Recv()
			if err != nil {
				ch <- err
				return
			}
			ch <- ev
		}
	}()
	return ch
}

// collect waits (at most 30 s) until got holds n events.
func collect(t *testing.T, name string, ch <-chan any, got []*nexusv1.RecordedEvent, n int) []*nexusv1.RecordedEvent {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for len(got) < n {
		select {
		case m, ok := <-ch:
			if !ok {
				t.Fatalf("%s: subscription ended after %d events", name, len(got))
			}
			if err, isErr := m.(error); isErr {
				t.Fatalf("%s: subscription failed after %d events: %v", name, len(got), err)
			}
			got = append(got, m.(*nexusv1.RecordedEvent))
		case <-timeout:
			t.Fatalf("%s: %d events after 30 s, want %d", name, len(got), n)
		}
	}
	return got
}

func TestSubscriptionsResumeAcrossRestarts(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()
	stream := "account-" + id
	hb := durationpb.New(200 * time.Millisecond)
	all := client.SubscribeAll(ctx, &nexusv1.SubscribeAllRequest{
		Filter: &nexusv1.EventFilter{StreamPrefixes: []string{stream}}, HeartbeatInterval: hb,
	})
	defer all.Close()
	one := client.SubscribeStream(ctx, &nexusv1.SubscribeStreamRequest{StreamId: stream, HeartbeatInterval: hb})
	defer one.Close()
	allCh, oneCh := recvAll(all), recvAll(one)
	var gotAll, gotOne []*nexusv1.RecordedEvent

	deposit := func() {
		t.Helper()
		must(client.Execute(ctx, command(t, id, "DepositMoney", map[string]any{"amount": 1})))(t)
	}
	must(client.Execute(ctx, command(t, id, "OpenAccount", map[string]any{"owner": "Cy"})))(t)
	deposit()
	deposit()
	gotAll = collect(t, "SubscribeAll", allCh, gotAll, 3)
	gotOne = collect(t, "SubscribeStream", oneCh, gotOne, 3)

	srv.restart(t, true) // kill -9
	deposit()
	deposit()
	gotAll = collect(t, "SubscribeAll", allCh, gotAll, 5)
	gotOne = collect(t, "SubscribeStream", oneCh, gotOne, 5)

	srv.restart(t, false) // graceful: subscriptions end with UNAVAILABLE
	deposit()
	deposit()
	// One more after the ones we count: a repeated event would arrive
	// before it, so receiving exactly 8 in order proves there is none.
	deposit()
	gotAll = collect(t, "SubscribeAll", allCh, gotAll, 8)
	gotOne = collect(t, "SubscribeStream", oneCh, gotOne, 8)

	stored := must(client.ReadStreamEvents(ctx, stream))(t)
	if len(stored) != 8 {
		t.Fatalf("stream holds %d events, want 8", len(stored))
	}
	for name, got := range map[string][]*nexusv1.RecordedEvent{"SubscribeAll": gotAll, "SubscribeStream": gotOne} {
		for i, ev := range got {
			if ev.GetEventId() != stored[i].GetEventId() || ev.GetStreamRevision() != uint64(i) {
				t.Errorf("%s: event %d is %s rev %d, want %s rev %d", name, i, ev.GetEventId(), ev.GetStreamRevision(), stored[i].GetEventId(), i)
			}
		}
	}
	if all.Reconnects() < 2 || one.Reconnects() < 2 {
		t.Errorf("reconnects: SubscribeAll %d, SubscribeStream %d; want at least 2 each", all.Reconnects(), one.Reconnects())
	}
	if all.LastToken() != stored[7].GetPosition().GetToken() {
		t.Errorf("last token %q, want %q", all.LastToken(), stored[7].GetPosition().GetToken())
	}
}

func TestWatchDocuments(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()
	key := "account-" + id
	must(client.Execute(ctx, command(t, id, "OpenAccount", map[string]any{"owner": "Dee", "initial_deposit": 100})))(t)

	watch := client.WatchDocuments(ctx, &nexusv1.WatchDocumentsRequest{Projection: "account-balance", Keys: []string{key}})
	defer watch.Close()
	// waitBalance reads the watch until the document has balance want.
	// It returns the version of that document.
	// A resumed watch continues with Live and the next change: snapshot
	// documents (Current) come only first or after a Reset.
	var lastVersion uint64
	live, resets := false, 0
	waitBalance := func(want float64, sendDeposit func()) {
		t.Helper()
		sent := false
		for {
			ev, err := watch.Recv() // bounded by ctx
			if err != nil {
				t.Fatalf("watch: %v (waiting for balance %v)", err, want)
			}
			var doc *nexusv1.Document
			switch k := ev.GetKind().(type) {
			case *nexusv1.WatchEvent_Current_:
				if live {
					t.Fatalf("snapshot document after Live without Reset: the watch did not resume")
				}
				doc = k.Current.GetDocument()
			case *nexusv1.WatchEvent_Live_:
				live = true // also sent again, alone, on a resume
			case *nexusv1.WatchEvent_Change_:
				if k.Change.GetKind() != nexusv1.WatchEvent_Change_KIND_UPSERT || k.Change.GetKey() != key {
					t.Fatalf("unexpected change %v", k.Change)
				}
				doc = k.Change.GetDocument()
			case *nexusv1.WatchEvent_Reset_:
				lastVersion, live = 0, false
				resets++
			}
			if ev.GetWatchPosition() == "" {
				t.Errorf("watch event %v without watch_position", ev)
			}
			if doc != nil {
				if doc.GetVersion() <= lastVersion {
					t.Fatalf("document version %d repeated (last %d)", doc.GetVersion(), lastVersion)
				}
				lastVersion = doc.GetVersion()
				body := doc.GetBody().AsMap()
				if body["owner"] != "Dee" {
					t.Errorf("document %v", body)
				}
				if body["balance"] == want {
					return
				}
			}
			if !sent && (ev.GetLive() != nil || doc != nil) && sendDeposit != nil {
				sendDeposit()
				sent = true
			}
		}
	}
	deposit := func() {
		must(client.Execute(ctx, command(t, id, "DepositMoney", map[string]any{"amount": 25})))(t)
	}
	waitBalance(125, deposit)
	if watch.Position() == "" {
		t.Fatal("no watch position remembered")
	}

	srv.restart(t, false)
	deposit()
	waitBalance(150, nil)
	if resets > 0 {
		t.Logf("the server answered the resume with Reset %d time(s)", resets)
	}
	if watch.Reconnects() < 1 {
		t.Errorf("watch reconnects %d, want at least 1", watch.Reconnects())
	}
}

func TestTypedErrors(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()
	stream := "ledger-" + id
	ev := must(nexus.JSONEvent("MoneyDeposited", map[string]int{"amount": 5, "balance": 5}))(t)
	must(client.Append(ctx, stream, nexus.NoStream(), ev))(t)

	// Wrong expected revision.
	ev2 := must(nexus.JSONEvent("MoneyDeposited", map[string]int{"amount": 5, "balance": 10}))(t)
	_, err := client.Append(ctx, stream, nexus.Exact(7), ev2)
	var e *nexus.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not a *nexus.Error", err, err)
	}
	if e.Code != codes.Aborted || e.Reason != "WRONG_EXPECTED_VERSION" || e.Domain != "nexus" ||
		e.Metadata["actual_revision"] != "0" || e.Metadata["stream_id"] != stream || e.Metadata["expected_revision"] == "" {
		t.Errorf("got %v, reason %q, domain %q, metadata %v", e, e.Reason, e.Domain, e.Metadata)
	}
	if status.Code(err) != codes.Aborted || nexus.Code(err) != codes.Aborted || nexus.Reason(err) != "WRONG_EXPECTED_VERSION" {
		t.Errorf("status.Code %v, nexus.Code %v, nexus.Reason %q", status.Code(err), nexus.Code(err), nexus.Reason(err))
	}
	if nexus.Retryable(err) {
		t.Error("WRONG_EXPECTED_VERSION must not be retryable")
	}

	// The same through Execute with an expected revision.
	must(client.Execute(ctx, command(t, id, "OpenAccount", map[string]any{"owner": "Eve"})))(t)
	dep := command(t, id, "DepositMoney", map[string]any{"amount": 1})
	dep.ExpectedRevision = nexus.Exact(3)
	_, err = client.Execute(ctx, dep)
	if e, ok := nexus.AsError(err); !ok || e.Code != codes.Aborted || e.Reason != "WRONG_EXPECTED_VERSION" || e.Metadata["actual_revision"] != "0" {
		t.Errorf("execute with a wrong expected revision: %v (metadata %v)", err, metadataOf(err))
	}

	// A business rule.
	_, err = client.Execute(ctx, command(t, id, "WithdrawMoney", map[string]any{"amount": 1000}))
	if e, ok := nexus.AsError(err); !ok || e.Code != codes.FailedPrecondition || e.Reason != "INSUFFICIENT_FUNDS" || e.Metadata["balance"] != "0" {
		t.Errorf("overdraft: %v (metadata %v)", err, metadataOf(err))
	}

	// A schema violation: amount must be a positive integer, balance is
	// required, no other properties.
	bad := must(nexus.JSONEvent("MoneyDeposited", map[string]any{"amount": -3, "note": "x"}))(t)
	_, err = client.Append(ctx, stream, nil, bad)
	e, ok := nexus.AsError(err)
	if !ok || e.Code != codes.InvalidArgument || e.Reason != "SCHEMA_VIOLATION" {
		t.Fatalf("schema violation: %v", err)
	}
	if len(e.FieldViolations) == 0 {
		t.Fatalf("schema violation without field violations: %v", e)
	}
	for _, v := range e.FieldViolations {
		if v.Field == "" || v.Description == "" {
			t.Errorf("empty field violation %+v", v)
		}
	}
	if _, found := e.Violation("events[0].data"); !found {
		t.Errorf("schema violations %+v, want one for events[0].data", e.FieldViolations)
	}
	if n := len(must(client.ReadStreamEvents(ctx, stream))(t)); n != 1 {
		t.Errorf("stream holds %d events after the refused append, want 1", n)
	}

	// A malformed command names its field.
	_, err = client.Execute(ctx, command(t, id, "DepositMoney", map[string]any{"amont": 1}))
	if e, ok := nexus.AsError(err); !ok || e.Code != codes.InvalidArgument {
		t.Errorf("malformed command: %v", err)
	} else if _, found := e.Violation("payload.amont"); !found {
		t.Errorf("malformed command: violations %v, want one for payload.amont", e.FieldViolations)
	}
}

func metadataOf(err error) map[string]string {
	if e, ok := nexus.AsError(err); ok {
		return e.Metadata
	}
	return nil
}

// The retry rule, on statuses built here (no server involved).
func TestRetryableRule(t *testing.T) {
	withRetryInfo := func(c codes.Code) error {
		st, err := status.New(c, "x").WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(2 * time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		return st.Err()
	}
	cases := []struct {
		err  error
		want bool
	}{
		{status.Error(codes.Unavailable, "down"), true},
		{status.Error(codes.Aborted, "conflict"), false},
		{status.Error(codes.ResourceExhausted, "quota"), false},
		{withRetryInfo(codes.Aborted), true},
		{withRetryInfo(codes.ResourceExhausted), true},
		{withRetryInfo(codes.InvalidArgument), false},
		{status.Error(codes.DeadlineExceeded, "slow"), false},
		{context.Canceled, false},
		{fmt.Errorf("wrapped: %w", status.Error(codes.Unavailable, "down")), true},
	}
	for _, c := range cases {
		if got := nexus.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
	if e, _ := nexus.AsError(withRetryInfo(codes.Aborted)); e.RetryDelay != 2*time.Second || !e.HasRetryInfo {
		t.Errorf("retry delay %v (%v), want 2s", e.RetryDelay, e.HasRetryInfo)
	}
}

// A call made while the server is down is retried until it is back, and
// the retried Execute is applied once.
func TestRetriesRideOutRestart(t *testing.T) {
	client, ctx := setup(t)
	id := nexus.NewID()
	must(client.Execute(ctx, command(t, id, "OpenAccount", map[string]any{"owner": "Fay"})))(t)

	// A client that counts failed attempts and retries for long enough.
	failed := make(chan error, 1000)
	count := grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		err := invoker(ctx, method, req, reply, cc, opts...)
		if err != nil {
			failed <- err
		}
		return err
	})
	patient, err := nexus.Connect(srv.addr, nexus.Options{
		Retry:       nexus.RetryPolicy{MaxAttempts: 200, InitialBackoff: 50 * time.Millisecond, MaxBackoff: 200 * time.Millisecond},
		DialOptions: []grpc.DialOption{count},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer patient.Close()

	srv.kill()
	type result struct {
		resp *nexusv1.ExecuteResponse
		err  error
	}
	done := make(chan result, 1)
	deposit := command(t, id, "DepositMoney", map[string]any{"amount": 7})
	go func() {
		resp, err := patient.Execute(ctx, deposit)
		done <- result{resp, err}
	}()
	select { // the server is down: the first attempt fails
	case err := <-failed:
		if nexus.Code(err) != codes.Unavailable {
			t.Fatalf("attempt against a stopped server: %v", err)
		}
	case r := <-done:
		t.Fatalf("Execute returned while the server was down: %v", r.err)
	case <-ctx.Done():
		t.Fatal("no failed attempt while the server was down")
	}
	if err := srv.start(); err != nil {
		t.Fatalf("restart nexus: %v", err)
	}
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("Execute did not return after the restart")
	}
	if r.err != nil {
		t.Fatalf("Execute across the restart: %v", r.err)
	}
	if r.resp.GetRevision() != 1 || r.resp.GetAlreadyExecuted() {
		t.Errorf("revision %d already %v, want 1 false", r.resp.GetRevision(), r.resp.GetAlreadyExecuted())
	}
	if n := len(must(client.ReadStreamEvents(ctx, "account-"+id))(t)); n != 2 {
		t.Errorf("stream holds %d events, want 2", n)
	}
}
