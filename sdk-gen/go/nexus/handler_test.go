package nexus_test

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"example.invalid/nexus-go/nexus"
	"google.golang.org/grpc/codes"
)

var quiet = slog.New(slog.DiscardHandler)

// instance counts what one handler instance decided.
type instance struct {
	decided, inFlight, maxInFlight atomic.Int64
}

func (in *instance) enter() func() {
	n := in.inFlight.Add(1)
	for {
		m := in.maxInFlight.Load()
		if n <= m || in.maxInFlight.CompareAndSwap(m, n) {
			break
		}
	}
	return func() { in.inFlight.Add(-1); in.decided.Add(1) }
}

// stockHandler is a small inventory handler for aggregateType (the
// inventory event types have schemas); every decision takes delay.
func stockHandler(aggregateType string, in *instance, delay time.Duration) *nexus.Handler[map[string]int64] {
	wrap := func(fn nexus.DecideFunc[map[string]int64]) nexus.DecideFunc[map[string]int64] {
		return func(s map[string]int64, cmd nexus.Command) ([]nexus.Event, error) {
			defer in.enter()()
			time.Sleep(delay)
			return fn(s, cmd)
		}
	}
	return &nexus.Handler[map[string]int64]{
		AggregateType: aggregateType,
		EventTypes:    []string{"StockAdded", "StockReserved", "ReservationReleased"},
		Initial:       func() map[string]int64 { return map[string]int64{} },
		Evolve: func(s map[string]int64, eventType string, data map[string]any) map[string]int64 {
			s["available"], _ = nexus.IntField(data, "available")
			s["events"]++
			return s
		},
		Commands: map[string]nexus.DecideFunc[map[string]int64]{
			"AddStock": wrap(func(s map[string]int64, cmd nexus.Command) ([]nexus.Event, error) {
				q, _ := nexus.IntField(cmd.Payload, "quantity")
				return []nexus.Event{{Type: "StockAdded", Data: map[string]any{"quantity": q, "available": s["available"] + q}}}, nil
			}),
			"Reserve": wrap(func(s map[string]int64, cmd nexus.Command) ([]nexus.Event, error) {
				q, _ := nexus.IntField(cmd.Payload, "quantity")
				rid, _ := nexus.StringField(cmd.Payload, "reservation_id")
				if q > s["available"] {
					return nil, nexus.Reject("INSUFFICIENT_STOCK", fmt.Sprintf("cannot reserve %d: %d available", q, s["available"]),
						"available", s["available"], "requested", q, "history", s["events"])
				}
				return []nexus.Event{{Type: "StockReserved", Data: map[string]any{"reservation_id": rid, "quantity": q, "available": s["available"] - q}}}, nil
			}),
			"Explode": wrap(func(map[string]int64, nexus.Command) ([]nexus.Event, error) {
				panic("boom")
			}),
		},
	}
}

// runInstance runs h until the test ends; it waits (at most 15 s) for the
// registration and checks at cleanup that Run returned nil on cancel.
func runInstance(t *testing.T, client *nexus.Client, h *nexus.Handler[map[string]int64], name string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	registered := make(chan string, 8)
	done := make(chan error, 1)
	go func() {
		done <- h.Run(ctx, client, nexus.HandlerOptions{Name: name, MaxInFlight: 2, Logger: quiet,
			OnRegistered: func(id string) { registered <- id }})
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s: Run returned %v after cancel, want nil", name, err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("%s: Run did not return within 10 s of cancel", name)
		}
	})
	select {
	case id := <-registered:
		if id == "" {
			t.Fatalf("%s: registered with an empty instance id", name)
		}
	case err := <-done:
		t.Fatalf("%s: Run ended before registering: %v", name, err)
	case <-time.After(15 * time.Second):
		t.Fatalf("%s: not registered within 15 s", name)
	}
}

func stockCommand(t *testing.T, typ, id, commandType string, payload map[string]any) *nexusv1.ExecuteRequest {
	t.Helper()
	return must(nexus.NewCommand(typ, id, commandType, payload))(t)
}

func TestRemoteHandler(t *testing.T) {
	client, ctx := setup(t)
	typ := "go-stock-" + nexus.NewID()[:8]
	a, b := &instance{}, &instance{}
	runInstance(t, client, stockHandler(typ, a, 0), "go-a")

	id := nexus.NewID()
	first := must(client.Execute(ctx, stockCommand(t, typ, id, "AddStock", map[string]any{"quantity": 5})))(t)
	if len(first.GetEvents()) != 1 || first.GetEvents()[0].GetEventType() != "StockAdded" || first.GetRevision() != 0 {
		t.Fatalf("AddStock: events %v revision %d, want one StockAdded at 0", first.GetEvents(), first.GetRevision())
	}
	if d := data(t, first.GetEvents()[0]); d["quantity"] != 5.0 || d["available"] != 5.0 {
		t.Errorf("StockAdded data %v, want quantity 5 available 5", d)
	}
	// The second decision sees the first event folded into the state.
	second := must(client.Execute(ctx, stockCommand(t, typ, id, "AddStock", map[string]any{"quantity": 3})))(t)
	if d := data(t, second.GetEvents()[0]); d["available"] != 8.0 || second.GetRevision() != 1 {
		t.Errorf("second StockAdded data %v revision %d, want available 8 at 1", d, second.GetRevision())
	}
	reserved := must(client.Execute(ctx, stockCommand(t, typ, id, "Reserve", map[string]any{"reservation_id": "r1", "quantity": 6})))(t)
	if d := data(t, reserved.GetEvents()[0]); reserved.GetEvents()[0].GetEventType() != "StockReserved" || d["available"] != 2.0 || d["reservation_id"] != "r1" {
		t.Errorf("Reserve: %s %v, want StockReserved available 2", reserved.GetEvents()[0].GetEventType(), d)
	}

	// A rejection reaches the caller as FAILED_PRECONDITION with its reason and metadata.
	_, err := client.Execute(ctx, stockCommand(t, typ, id, "Reserve", map[string]any{"reservation_id": "r2", "quantity": 5}))
	e, ok := nexus.AsError(err)
	if !ok || e.Code != codes.FailedPrecondition || e.Reason != "INSUFFICIENT_STOCK" {
		t.Fatalf("over-reserve: %v, want FAILED_PRECONDITION INSUFFICIENT_STOCK", err)
	}
	if want := map[string]string{"available": "2", "requested": "5", "history": "3"}; !subset(want, e.Metadata) {
		t.Errorf("rejection metadata %v, want at least %v", e.Metadata, want)
	}
	// A panic is answered HANDLER_ERROR and the instance goes on.
	if _, err := client.Execute(ctx, stockCommand(t, typ, id, "Explode", nil)); nexus.Code(err) != codes.FailedPrecondition || nexus.Reason(err) != nexus.HandlerError {
		t.Errorf("panicking decide: %v, want FAILED_PRECONDITION %s", err, nexus.HandlerError)
	}

	events := must(client.ReadStreamEvents(ctx, first.GetStreamId()))(t)
	var types []string
	for _, ev := range events {
		types = append(types, ev.GetEventType())
	}
	if fmt.Sprint(types) != "[StockAdded StockAdded StockReserved]" {
		t.Errorf("stream %s holds %v, want [StockAdded StockAdded StockReserved] (nothing for the rejections)", first.GetStreamId(), types)
	}

	// Two instances share the load; neither decides more than 2 at once.
	runInstance(t, client, stockHandler(typ, b, 150*time.Millisecond), "go-b")
	before := a.decided.Load()
	var wg sync.WaitGroup
	errs := make(chan error, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req := must(nexus.NewCommand(typ, fmt.Sprintf("%s-%d", id, i), "AddStock", map[string]any{"quantity": i + 1}))(t)
			resp, err := client.Execute(ctx, req)
			if err == nil && (len(resp.GetEvents()) != 1 || resp.GetRevision() != 0) {
				err = fmt.Errorf("item %d: events %v revision %d", i, resp.GetEvents(), resp.GetRevision())
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent AddStock: %v", err)
	}
	da, db := a.decided.Load()-before, b.decided.Load()
	if da == 0 || db == 0 || da+db < 10 {
		t.Errorf("instances decided %d and %d of 10 commands, want both some", da, db)
	}
	if ma, mb := a.maxInFlight.Load(), b.maxInFlight.Load(); ma > 2 || mb > 2 {
		t.Errorf("decisions at once: %d and %d, want at most MaxInFlight 2", ma, mb)
	}
}

func subset(want, got map[string]string) bool {
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}
