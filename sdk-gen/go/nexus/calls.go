package nexus

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"google.golang.org/protobuf/types/known/emptypb"
	"google.golang.org/protobuf/types/known/structpb"
)

// NewID returns a random (version 4) UUID in canonical form, as used for
// command and event ids.
func NewID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("nexus: crypto/rand failed: " + err.Error())
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// NewCommand builds an ExecuteRequest with a JSON-like payload (maps,
// slices, strings, bools, numbers; integers must fit in 2^53).
func NewCommand(aggregateType, aggregateID, commandType string, payload map[string]any) (*nexusv1.ExecuteRequest, error) {
	s, err := structpb.NewStruct(payload)
	if err != nil {
		return nil, fmt.Errorf("nexus: command payload: %w", err)
	}
	return &nexusv1.ExecuteRequest{AggregateType: aggregateType, AggregateId: aggregateID, CommandType: commandType, Payload: s}, nil
}

// Execute executes a command. Before the first attempt it fills, when
// empty, command_id with a new id (so a retry is deduplicated by the
// server: the retried call answers already_executed) and correlation_id /
// causation_id from the context (WithCorrelationID, WithCausationID). The
// request is modified in place, so the caller sees the ids sent; send the
// same request again to retry it yourself.
func (c *Client) Execute(ctx context.Context, req *nexusv1.ExecuteRequest) (*nexusv1.ExecuteResponse, error) {
	if req.CommandId == "" {
		req.CommandId = NewID()
	}
	if req.CorrelationId == "" {
		req.CorrelationId = CorrelationID(ctx)
	}
	if req.CausationId == "" {
		req.CausationId = CausationID(ctx)
	}
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.ExecuteResponse, error) {
		return c.commands.Execute(ctx, req)
	})
}

// ListAggregateTypes lists the aggregate types and their commands (retried).
func (c *Client) ListAggregateTypes(ctx context.Context) (*nexusv1.ListAggregateTypesResponse, error) {
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.ListAggregateTypesResponse, error) {
		return c.commands.ListAggregateTypes(ctx, &nexusv1.ListAggregateTypesRequest{})
	})
}

// JSONEvent builds a ProposedEvent whose data is data encoded as JSON. Its
// event id is left empty for AppendToStream to fill.
func JSONEvent(eventType string, data any) (*nexusv1.ProposedEvent, error) {
	b, err := json.Marshal(data)
	if err != nil {
		return nil, fmt.Errorf("nexus: event data: %w", err)
	}
	return &nexusv1.ProposedEvent{EventType: eventType, ContentType: "application/json", Data: b}, nil
}

// Any, NoStream, StreamExists and Exact build ExpectedRevision values.
func Any() *nexusv1.ExpectedRevision {
	return &nexusv1.ExpectedRevision{Kind: &nexusv1.ExpectedRevision_Any{Any: &emptypb.Empty{}}}
}

// NoStream expects the stream not to exist.
func NoStream() *nexusv1.ExpectedRevision {
	return &nexusv1.ExpectedRevision{Kind: &nexusv1.ExpectedRevision_NoStream{NoStream: &emptypb.Empty{}}}
}

// StreamExists expects the stream to hold at least one event.
func StreamExists() *nexusv1.ExpectedRevision {
	return &nexusv1.ExpectedRevision{Kind: &nexusv1.ExpectedRevision_StreamExists{StreamExists: &emptypb.Empty{}}}
}

// Exact expects the stream's last event to have revision rev.
func Exact(rev uint64) *nexusv1.ExpectedRevision {
	return &nexusv1.ExpectedRevision{Kind: &nexusv1.ExpectedRevision_Exact{Exact: rev}}
}

// AppendToStream appends events to a stream. Before the first attempt it
// gives every event without an event_id a new one (in place, so the caller
// sees them), and events without correlation / causation ids those of the
// context. A retry therefore sends the same ids and the server stores the
// events once (already_appended on the repeat).
func (c *Client) AppendToStream(ctx context.Context, req *nexusv1.AppendToStreamRequest) (*nexusv1.AppendToStreamResponse, error) {
	corr, caus := CorrelationID(ctx), CausationID(ctx)
	for _, ev := range req.Events {
		if ev.EventId == "" {
			ev.EventId = NewID()
		}
		if corr == "" && caus == "" {
			continue
		}
		if ev.Metadata == nil {
			ev.Metadata = &nexusv1.EventMetadata{}
		}
		if ev.Metadata.CorrelationId == "" {
			ev.Metadata.CorrelationId = corr
		}
		if ev.Metadata.CausationId == "" {
			ev.Metadata.CausationId = caus
		}
	}
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.AppendToStreamResponse, error) {
		return c.events.AppendToStream(ctx, req)
	})
}

// Append is AppendToStream for a stream id, an expectation (nil: any) and events.
func (c *Client) Append(ctx context.Context, streamID string, expected *nexusv1.ExpectedRevision, events ...*nexusv1.ProposedEvent) (*nexusv1.AppendToStreamResponse, error) {
	return c.AppendToStream(ctx, &nexusv1.AppendToStreamRequest{StreamId: streamID, ExpectedRevision: expected, Events: events})
}

// ReadStream reads one page of a stream (retried).
func (c *Client) ReadStream(ctx context.Context, req *nexusv1.ReadStreamRequest) (*nexusv1.ReadStreamResponse, error) {
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.ReadStreamResponse, error) {
		return c.events.ReadStream(ctx, req)
	})
}

// ReadStreamEvents reads a whole stream forwards, page by page.
func (c *Client) ReadStreamEvents(ctx context.Context, streamID string) ([]*nexusv1.RecordedEvent, error) {
	var all []*nexusv1.RecordedEvent
	req := &nexusv1.ReadStreamRequest{StreamId: streamID, PageSize: 1000}
	for {
		page, err := c.ReadStream(ctx, req)
		if err != nil {
			return all, err
		}
		all = append(all, page.Events...)
		if page.NextRevision == nil || len(page.Events) == 0 {
			return all, nil
		}
		next := page.GetNextRevision()
		req.FromRevision = &next
	}
}

// ReadAll reads one page of the global log (retried).
func (c *Client) ReadAll(ctx context.Context, req *nexusv1.ReadAllRequest) (*nexusv1.ReadAllResponse, error) {
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.ReadAllResponse, error) {
		return c.events.ReadAll(ctx, req)
	})
}

// GetDocument reads one projected document (retried).
func (c *Client) GetDocument(ctx context.Context, req *nexusv1.GetDocumentRequest) (*nexusv1.GetDocumentResponse, error) {
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.GetDocumentResponse, error) {
		return c.queries.GetDocument(ctx, req)
	})
}

// Search searches a projection's documents (retried).
func (c *Client) Search(ctx context.Context, req *nexusv1.SearchRequest) (*nexusv1.SearchResponse, error) {
	return withRetry(ctx, c.retry, func(ctx context.Context) (*nexusv1.SearchResponse, error) {
		return c.queries.Search(ctx, req)
	})
}
