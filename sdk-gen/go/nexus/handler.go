package nexus

// Remote command handlers: decide commands for Nexus from a Go process
// (HandlerService.Serve, see proto/nexus/v1/handler.proto and docs/HANDLERS.md).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
	"time"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/structpb"
)

// HandlerError is the rejection reason sent when a decide function returns
// an error that is not a *Rejected, or panics (the error is logged).
const HandlerError = "HANDLER_ERROR"

// DefaultHandlerReconnect is the backoff of [Handler.Run] between
// reconnections: 200 ms growing to 5 s, unbounded (MaxReconnects < 0), the
// count restarting with every successful registration.
var DefaultHandlerReconnect = RetryPolicy{InitialBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxReconnects: -1}

// Rejected is the error a decide function returns to refuse a command by a
// business rule. The caller of Execute gets FAILED_PRECONDITION with an
// ErrorInfo of Reason (UPPER_SNAKE_CASE) and Metadata.
type Rejected struct {
	Reason   string
	Message  string // defaults to Reason
	Metadata map[string]string
}

// Reject builds a *Rejected; kv are metadata key/value pairs, the values
// formatted with fmt.Sprint: Reject("INSUFFICIENT_STOCK", msg, "available", 3).
func Reject(reason, message string, kv ...any) *Rejected {
	r := &Rejected{Reason: reason, Message: message}
	for i := 0; i+1 < len(kv); i += 2 {
		if r.Metadata == nil {
			r.Metadata = map[string]string{}
		}
		r.Metadata[fmt.Sprint(kv[i])] = fmt.Sprint(kv[i+1])
	}
	return r
}

func (r *Rejected) Error() string {
	if r.Message == "" || r.Message == r.Reason {
		return "rejected: " + r.Reason
	}
	return "rejected: " + r.Reason + ": " + r.Message
}

// Event is an event a decide function returns: its type (one of
// Handler.EventTypes) and its data (JSON-like: maps, slices, strings,
// bools, numbers, nil).
type Event struct {
	Type string
	Data map[string]any
}

// Command is what a decide function gets besides the state.
type Command struct {
	// Type is the command type.
	Type string
	// Payload is the command's payload (numbers are float64: read whole
	// numbers with IntField).
	Payload map[string]any
	// Request is the whole DecideRequest (aggregate id, command id,
	// correlation id, deadline, events).
	Request *nexusv1.DecideRequest
}

// DecideFunc decides one command type: the events it produces (none: nothing
// happens), or a *Rejected. Any other error, or a panic, is answered with
// a rejection of reason HANDLER_ERROR.
type DecideFunc[S any] func(state S, cmd Command) ([]Event, error)

// Handler is a remote command handler for one aggregate type, with state
// type S. Fill it in, then call Run. It must not be changed while running.
type Handler[S any] struct {
	// AggregateType is for example "inventory-item" (not one an in-process
	// handler serves).
	AggregateType string
	// EventTypes lists every event type the decide functions may return
	// (the server refuses others; each needs a schema).
	EventTypes []string
	// Initial returns the state of a new aggregate (nil: S's zero value).
	// It is called for every request.
	Initial func() S
	// Evolve folds one event into the state; data is the event's JSON
	// decoded with encoding/json (numbers are float64). Nil: the state stays
	// Initial's.
	Evolve func(state S, eventType string, data map[string]any) S
	// Commands maps each command type to its decide function.
	Commands map[string]DecideFunc[S]
}

// HandlerOptions configure [Handler.Run].
type HandlerOptions struct {
	// Name is the instance name in the server's logs (default: the server's).
	Name string
	// MaxInFlight is how many requests the instance decides at once; 0 means 16.
	MaxInFlight int
	// Reconnect is the backoff between reconnections; the zero value means
	// DefaultHandlerReconnect. MaxReconnects bounds the consecutive failed
	// attempts (0 or negative: no bound, unlike subscriptions).
	Reconnect RetryPolicy
	// Logger receives the handler's logs (nil: slog.Default()).
	Logger *slog.Logger
	// OnRegistered, when set, is called each time the instance has
	// registered (after every reconnection too), with its instance id.
	OnRegistered func(instanceID string)
}

// Fold returns the state after events (RecordedEvents with JSON data).
func (h *Handler[S]) Fold(events []*nexusv1.RecordedEvent) (S, error) {
	var state S
	if h.Initial != nil {
		state = h.Initial()
	}
	if h.Evolve == nil {
		return state, nil
	}
	for _, e := range events {
		var data map[string]any
		if len(e.GetData()) > 0 {
			if err := json.Unmarshal(e.GetData(), &data); err != nil {
				return state, fmt.Errorf("event %s (revision %d) data is not a JSON object: %w", e.GetEventType(), e.GetStreamRevision(), err)
			}
		}
		state = h.Evolve(state, e.GetEventType(), data)
	}
	return state, nil
}

// Decide answers one DecideRequest (what Run does for each): it folds the
// events, calls the command's decide function and encodes its outcome.
func (h *Handler[S]) Decide(req *nexusv1.DecideRequest) *nexusv1.DecideResult {
	return h.decide(req, slog.Default())
}

func (h *Handler[S]) decide(req *nexusv1.DecideRequest, log *slog.Logger) (result *nexusv1.DecideResult) {
	result = &nexusv1.DecideResult{RequestId: req.GetRequestId()}
	defer func() {
		if p := recover(); p != nil {
			log.Error("decide function panicked", "panic", p, "command_type", req.GetCommandType(),
				"aggregate_id", req.GetAggregateId(), "request_id", req.GetRequestId(), "stack", string(debug.Stack()))
			result.Outcome = handlerError(fmt.Errorf("panic: %v", p), "panic")
		}
	}()
	events, err := h.run(req)
	var rejected *Rejected
	switch {
	case err == nil:
		result.Outcome = &nexusv1.DecideResult_Events{Events: &nexusv1.DecidedEvents{Events: events}}
	case errors.As(err, &rejected):
		msg := rejected.Message
		if msg == "" {
			msg = rejected.Reason
		}
		result.Outcome = &nexusv1.DecideResult_Rejection{Rejection: &nexusv1.Rejection{
			Reason: rejected.Reason, Message: msg, Metadata: rejected.Metadata,
		}}
	default:
		log.Error("decide failed", "error", err, "command_type", req.GetCommandType(),
			"aggregate_id", req.GetAggregateId(), "request_id", req.GetRequestId())
		result.Outcome = handlerError(err, fmt.Sprintf("%T", err))
	}
	return result
}

func (h *Handler[S]) run(req *nexusv1.DecideRequest) ([]*nexusv1.DecidedEvent, error) {
	fn, ok := h.Commands[req.GetCommandType()]
	if !ok || fn == nil {
		return nil, Reject("UNKNOWN_COMMAND", fmt.Sprintf("no decide function for %q", req.GetCommandType()))
	}
	state, err := h.Fold(req.GetEvents())
	if err != nil {
		return nil, err
	}
	payload := req.GetPayload().AsMap()
	events, err := fn(state, Command{Type: req.GetCommandType(), Payload: payload, Request: req})
	if err != nil {
		return nil, err
	}
	out := make([]*nexusv1.DecidedEvent, 0, len(events))
	for _, e := range events {
		if !slices.Contains(h.EventTypes, e.Type) {
			return nil, fmt.Errorf("event type %q is not among the handler's EventTypes %v", e.Type, h.EventTypes)
		}
		data, err := structpb.NewStruct(e.Data)
		if err != nil {
			return nil, fmt.Errorf("%s data: %w", e.Type, err)
		}
		out = append(out, &nexusv1.DecidedEvent{EventType: e.Type, Data: data})
	}
	return out, nil
}

func handlerError(err error, kind string) *nexusv1.DecideResult_Rejection {
	msg := err.Error()
	if len(msg) > 1000 {
		msg = msg[:1000]
	}
	return &nexusv1.DecideResult_Rejection{Rejection: &nexusv1.Rejection{
		Reason: HandlerError, Message: msg, Metadata: map[string]string{"error": kind},
	}}
}

// IntField returns m[key] as an integer when it is a whole number (a
// float64 from JSON or a Struct, within ±2^53, or a Go integer).
func IntField(m map[string]any, key string) (int64, bool) {
	switch v := m[key].(type) {
	case float64:
		if v == math.Trunc(v) && math.Abs(v) <= 1<<53 {
			return int64(v), true
		}
	case int:
		return int64(v), true
	case int64:
		return v, true
	case json.Number:
		i, err := v.Int64()
		return i, err == nil
	}
	return 0, false
}

// StringField returns m[key] when it is a string.
func StringField(m map[string]any, key string) (string, bool) {
	s, ok := m[key].(string)
	return s, ok
}

// errSilent: the stream looks dead (no message for three heartbeat
// intervals, or an unexpected first message): reconnect.
var errSilent = errors.New("nexus: handler stream silent")

// fatal codes: another attempt will not fix them; Run returns them.
func fatal(c codes.Code) bool {
	switch c {
	case codes.InvalidArgument, codes.FailedPrecondition, codes.AlreadyExists, codes.NotFound,
		codes.PermissionDenied, codes.Unauthenticated, codes.Unimplemented:
		return true
	}
	return false
}

// Run registers an instance of the handler with the server behind conn (a
// *Client, or any grpc.ClientConnInterface such as client.Conn()) and
// answers decide requests until ctx is cancelled; then it returns nil.
//
// It decides up to opts.MaxInFlight requests at once, each in its own
// goroutine, while one goroutine writes results and heartbeats (at least
// every third of the server's heartbeat interval). When the stream breaks or
// the server ends it, Run reconnects with opts.Reconnect backoff and
// registers again; requests in flight are then lost and the server sends
// them to another instance. Run returns an *Error when the registration is
// refused (INVALID_ARGUMENT, FAILED_PRECONDITION, PERMISSION_DENIED,
// UNAUTHENTICATED, ...) or the reconnections run out.
func (h *Handler[S]) Run(ctx context.Context, conn grpc.ClientConnInterface, opts HandlerOptions) error {
	if len(h.Commands) == 0 {
		return errors.New("nexus: the handler has no command")
	}
	if opts.MaxInFlight <= 0 {
		opts.MaxInFlight = 16
	}
	policy := opts.Reconnect
	if policy == (RetryPolicy{}) {
		policy = DefaultHandlerReconnect
	}
	policy = policy.withDefaults()
	if policy.MaxReconnects == 0 {
		policy.MaxReconnects = -1
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	commandTypes := make([]string, 0, len(h.Commands))
	for c := range h.Commands {
		commandTypes = append(commandTypes, c)
	}
	sort.Strings(commandTypes)
	reg := &nexusv1.HandlerRegistration{
		AggregateType: h.AggregateType, CommandTypes: commandTypes, EventTypes: h.EventTypes,
		InstanceName: opts.Name, MaxInFlight: uint32(min(opts.MaxInFlight, math.MaxUint32)),
	}
	client := nexusv1.NewHandlerServiceClient(conn)
	failures := 0
	for {
		registered, err := h.session(ctx, client, reg, opts, log)
		if ctx.Err() != nil {
			return nil
		}
		if e, ok := AsError(err); ok && fatal(e.Code) {
			return e
		}
		if registered {
			failures = 0
		}
		failures++
		if policy.MaxReconnects >= 0 && failures > policy.MaxReconnects {
			if err == nil {
				return &Error{Code: codes.Unavailable, Message: "the handler stream keeps ending"}
			}
			return wrap(err)
		}
		if err == nil {
			log.Warn("the server ended the handler stream; reconnecting", "aggregate_type", h.AggregateType)
		} else {
			log.Warn("handler stream failed; reconnecting", "aggregate_type", h.AggregateType, "error", err)
		}
		if sleep(ctx, policy.delay(failures, err)) != nil {
			return nil
		}
	}
}

type recvd struct {
	msg *nexusv1.ServeResponse
	err error
}

// session runs one Serve stream. It returns whether the instance
// registered, and nil when the server ended the stream.
func (h *Handler[S]) session(ctx context.Context, client nexusv1.HandlerServiceClient, reg *nexusv1.HandlerRegistration, opts HandlerOptions, log *slog.Logger) (bool, error) {
	sctx, cancel := context.WithCancel(ctx)
	// Waits for the reader and the writer; decide goroutines are not waited
	// for (they end when their decide function returns).
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	stream, err := client.Serve(sctx)
	if err != nil {
		return false, err
	}
	// A failed Send (io.EOF) means the call ended: Recv tells how.
	_ = stream.Send(&nexusv1.ServeRequest{Message: &nexusv1.ServeRequest_Register{Register: reg}})
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	registered := first.GetRegistered()
	if registered == nil {
		return false, fmt.Errorf("%w: the server answered the registration with %T", errSilent, first.GetMessage())
	}
	interval := max(time.Duration(registered.GetHeartbeatIntervalMillis())*time.Millisecond, 50*time.Millisecond)
	if registered.GetHeartbeatIntervalMillis() == 0 {
		interval = 5 * time.Second
	}
	log.Info("registered", "aggregate_type", reg.GetAggregateType(), "instance_id", registered.GetInstanceId(),
		"name", reg.GetInstanceName(), "heartbeat_interval", interval)
	if opts.OnRegistered != nil {
		opts.OnRegistered(registered.GetInstanceId())
	}

	outbox := make(chan *nexusv1.ServeRequest, opts.MaxInFlight)
	writeErr := make(chan error, 1)
	received := make(chan recvd)
	slots := make(chan struct{}, opts.MaxInFlight)

	wg.Add(2)
	go func() { // the only writer: results as they come, heartbeats when idle
		defer wg.Done()
		heartbeat := &nexusv1.ServeRequest{Message: &nexusv1.ServeRequest_Heartbeat{Heartbeat: &nexusv1.Heartbeat{}}}
		every := interval / 3
		timer := time.NewTimer(every)
		defer timer.Stop()
		for {
			var msg *nexusv1.ServeRequest
			select {
			case <-sctx.Done():
				return
			case msg = <-outbox:
			case <-timer.C:
				msg = heartbeat
			}
			if err := stream.Send(msg); err != nil {
				writeErr <- err
				return
			}
			timer.Reset(every) // Go 1.23+ timers: no stale tick after Reset
		}
	}()
	go func() { // the only reader
		defer wg.Done()
		for {
			msg, err := stream.Recv()
			select {
			case received <- recvd{msg, err}:
			case <-sctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()

	silence := time.NewTimer(3 * interval)
	defer silence.Stop()
	for {
		select {
		case <-ctx.Done():
			return true, ctx.Err()
		case <-silence.C:
			return true, fmt.Errorf("%w: no message from the server for %s", errSilent, 3*interval)
		case err := <-writeErr:
			if !errors.Is(err, io.EOF) {
				return true, err
			}
			// The call ended: the reader tells how (bounded by the silence timer).
		case r := <-received:
			if errors.Is(r.err, io.EOF) {
				return true, nil
			}
			if r.err != nil {
				return true, r.err
			}
			silence.Reset(3 * interval)
			req := r.msg.GetDecide()
			if req == nil {
				continue // a heartbeat
			}
			go func() {
				select {
				case slots <- struct{}{}:
				case <-sctx.Done():
					return
				}
				result := h.decide(req, log)
				<-slots
				log.Debug("decided", "command_type", req.GetCommandType(), "aggregate_id", req.GetAggregateId(),
					"command_id", req.GetCommandId(), "request_id", req.GetRequestId(), "rejected", result.GetRejection().GetReason())
				select {
				case outbox <- &nexusv1.ServeRequest{Message: &nexusv1.ServeRequest_Result{Result: result}}:
				case <-sctx.Done():
				}
			}()
		}
	}
}
