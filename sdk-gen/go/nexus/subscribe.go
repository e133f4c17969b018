package nexus

import (
	"context"
	"errors"
	"io"
	"sync"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"google.golang.org/protobuf/proto"
)

// defaultMaxReconnects is used when RetryPolicy.MaxReconnects is 0.
const defaultMaxReconnects = 20 // keep in step with DefaultRetryPolicy

// resumer is a server stream that reopens itself after a disconnect:
// an UNAVAILABLE status, another retryable status (see Retryable), or the
// stream ending (io.EOF) while the caller has not cancelled it. open builds
// the request from the resume state the caller keeps.
type resumer[M any] struct {
	ctx      context.Context
	cancel   context.CancelFunc
	policy   RetryPolicy
	open     func(context.Context) (func() (M, error), error)
	recv     func() (M, error)
	stop     context.CancelFunc
	failures int

	mu         sync.Mutex
	reconnects int
}

func newResumer[M any](ctx context.Context, policy RetryPolicy, open func(context.Context) (func() (M, error), error)) *resumer[M] {
	ctx, cancel := context.WithCancel(ctx)
	return &resumer[M]{ctx: ctx, cancel: cancel, policy: policy, open: open}
}

// next returns the next message, reconnecting as needed.
func (r *resumer[M]) next() (M, error) {
	var zero M
	for {
		if r.recv == nil {
			sctx, stop := context.WithCancel(r.ctx)
			recv, err := r.open(sctx)
			if err != nil {
				stop()
				if err := r.failed(err); err != nil {
					return zero, err
				}
				continue
			}
			r.recv, r.stop = recv, stop
		}
		m, err := r.recv()
		if err != nil {
			r.stop()
			r.recv, r.stop = nil, nil
			if err := r.failed(err); err != nil {
				return zero, err
			}
			continue
		}
		r.failures = 0
		return m, nil
	}
}

// failed decides after err whether to reconnect (nil, after the backoff)
// or give up (the error to return).
func (r *resumer[M]) failed(err error) error {
	if cerr := r.ctx.Err(); cerr != nil {
		return cerr
	}
	if !errors.Is(err, io.EOF) && !Retryable(err) {
		return wrap(err)
	}
	r.failures++
	limit := r.policy.MaxReconnects
	if limit == 0 {
		limit = defaultMaxReconnects
	}
	if limit > 0 && r.failures > limit {
		return wrap(err)
	}
	if serr := sleep(r.ctx, r.policy.delay(r.failures, err)); serr != nil {
		return serr
	}
	r.mu.Lock()
	r.reconnects++
	r.mu.Unlock()
	return nil
}

func (r *resumer[M]) close() {
	r.cancel() // also cancels the open stream's context, a child of r.ctx
}

func (r *resumer[M]) reconnectCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.reconnects
}

// Subscription follows the global log (SubscribeAll) or one stream
// (SubscribeStream) and yields its events. It remembers where it is and,
// after a disconnect, resubscribes with backoff right after the last event
// (or SubscribeAll checkpoint) it received, so no event is lost or repeated.
// Recv must not be called concurrently; the accessors may be.
type Subscription struct {
	r *resumer[subMsg]

	mu       sync.Mutex
	token    string
	revision *uint64
	caughtUp bool
}

type subMsg struct {
	event    *nexusv1.RecordedEvent
	caughtUp *nexusv1.CaughtUp
	position *nexusv1.Position // a SubscribeAll checkpoint
}

// SubscribeAll subscribes to the global log. req.from says where to start
// (absent: the start); on every reconnect the helper sends
// from.after = the last position token received (event, checkpoint or
// caught-up marker) instead. The stream opens on the first Recv.
func (c *Client) SubscribeAll(ctx context.Context, req *nexusv1.SubscribeAllRequest) *Subscription {
	s := &Subscription{}
	base := proto.Clone(req).(*nexusv1.SubscribeAllRequest)
	s.r = newResumer(ctx, c.retry, func(ctx context.Context) (func() (subMsg, error), error) {
		r := proto.Clone(base).(*nexusv1.SubscribeAllRequest)
		if tok := s.LastToken(); tok != "" {
			r.From = &nexusv1.AllFrom{Kind: &nexusv1.AllFrom_After{After: tok}}
		}
		stream, err := c.events.SubscribeAll(ctx, r)
		if err != nil {
			return nil, err
		}
		return func() (subMsg, error) {
			m, err := stream.Recv()
			if err != nil {
				return subMsg{}, err
			}
			return subMsg{event: m.GetEvent(), caughtUp: m.GetCaughtUp(), position: m.GetCheckpoint().GetPosition()}, nil
		}, nil
	})
	return s
}

// SubscribeStream subscribes to one stream. req.from says where to start
// (absent: its first event); on every reconnect after an event the helper
// sends from.after_revision = the last revision received. (Started at
// "end", a subscription that is cut before its first event resumes at
// "end" again: events written meanwhile are not delivered.)
func (c *Client) SubscribeStream(ctx context.Context, req *nexusv1.SubscribeStreamRequest) *Subscription {
	s := &Subscription{}
	base := proto.Clone(req).(*nexusv1.SubscribeStreamRequest)
	s.r = newResumer(ctx, c.retry, func(ctx context.Context) (func() (subMsg, error), error) {
		r := proto.Clone(base).(*nexusv1.SubscribeStreamRequest)
		if rev, ok := s.LastRevision(); ok {
			r.From = &nexusv1.StreamFrom{Kind: &nexusv1.StreamFrom_AfterRevision{AfterRevision: rev}}
		}
		stream, err := c.events.SubscribeStream(ctx, r)
		if err != nil {
			return nil, err
		}
		return func() (subMsg, error) {
			m, err := stream.Recv()
			if err != nil {
				return subMsg{}, err
			}
			return subMsg{event: m.GetEvent(), caughtUp: m.GetCaughtUp()}, nil
		}, nil
	})
	return s
}

// Recv returns the next event. It reconnects as needed and returns an
// error only when the subscription cannot go on: a status that is not a
// disconnect (as an *Error), more consecutive failed reconnects than
// RetryPolicy.MaxReconnects, or the context cancelled / Close called
// (the context's error).
func (s *Subscription) Recv() (*nexusv1.RecordedEvent, error) {
	for {
		m, err := s.r.next()
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		switch {
		case m.event != nil:
			if tok := m.event.GetPosition().GetToken(); tok != "" {
				s.token = tok
			}
			rev := m.event.GetStreamRevision()
			s.revision = &rev
		case m.caughtUp != nil:
			s.caughtUp = true
			if tok := m.caughtUp.GetPosition().GetToken(); tok != "" {
				s.token = tok
			}
		case m.position != nil:
			if tok := m.position.GetToken(); tok != "" {
				s.token = tok
			}
		}
		s.mu.Unlock()
		if m.event != nil {
			return m.event, nil
		}
	}
}

// LastToken is the position token the subscription would resume after: that
// of the last event, checkpoint or caught-up marker received ("" before any).
func (s *Subscription) LastToken() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.token
}

// LastRevision is the stream revision of the last event received.
func (s *Subscription) LastRevision() (uint64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.revision == nil {
		return 0, false
	}
	return *s.revision, true
}

// CaughtUp reports whether the subscription has delivered the history and
// gone live (at least once).
func (s *Subscription) CaughtUp() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caughtUp
}

// Reconnects counts the times the subscription reopened its stream.
func (s *Subscription) Reconnects() int { return s.r.reconnectCount() }

// Close stops the subscription; a blocked Recv returns context.Canceled.
func (s *Subscription) Close() { s.r.close() }

// Watch follows projection documents (WatchDocuments). It yields every
// WatchEvent (Current, Live, Change, Reset) and, after a disconnect,
// resumes with resume_after = the watch_position of the last message, so
// changes are neither lost nor repeated; the resumed stream starts with
// Live (no Current). When the server cannot resume from there it sends
// Reset followed by a fresh snapshot: drop what you hold.
// Recv must not be called concurrently; the accessors may be.
type Watch struct {
	r        *resumer[*nexusv1.WatchEvent]
	mu       sync.Mutex
	position string
}

// WatchDocuments watches documents by key. req.resume_after, if set, is the
// starting point; the stream opens on the first Recv.
func (c *Client) WatchDocuments(ctx context.Context, req *nexusv1.WatchDocumentsRequest) *Watch {
	w := &Watch{position: req.GetResumeAfter()}
	base := proto.Clone(req).(*nexusv1.WatchDocumentsRequest)
	w.r = newResumer(ctx, c.retry, func(ctx context.Context) (func() (*nexusv1.WatchEvent, error), error) {
		r := proto.Clone(base).(*nexusv1.WatchDocumentsRequest)
		r.ResumeAfter = w.Position()
		stream, err := c.queries.WatchDocuments(ctx, r)
		if err != nil {
			return nil, err
		}
		return func() (*nexusv1.WatchEvent, error) {
			m, err := stream.Recv()
			if err != nil {
				return nil, err
			}
			return m.GetEvent(), nil
		}, nil
	})
	return w
}

// Recv returns the next watch event; errors as for Subscription.Recv.
func (w *Watch) Recv() (*nexusv1.WatchEvent, error) {
	for {
		ev, err := w.r.next()
		if err != nil {
			return nil, err
		}
		if ev == nil {
			continue
		}
		if p := ev.GetWatchPosition(); p != "" {
			w.mu.Lock()
			w.position = p
			w.mu.Unlock()
		}
		return ev, nil
	}
}

// Position is the watch position the watch would resume after.
func (w *Watch) Position() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.position
}

// Reconnects counts the times the watch reopened its stream.
func (w *Watch) Reconnects() int { return w.r.reconnectCount() }

// Close stops the watch; a blocked Recv returns context.Canceled.
func (w *Watch) Close() { w.r.close() }
