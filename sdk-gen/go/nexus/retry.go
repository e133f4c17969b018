package nexus

import (
	"context"
	"math/rand/v2"
	"time"

	"google.golang.org/grpc/codes"
)

// RetryPolicy bounds the retries of the calls that are safe to retry: reads,
// appends (their event ids are filled once, before the first attempt, so the
// server deduplicates a repeated append) and Execute (always sent with a
// command_id, filled once if the request has none).
//
// An error is retried when [Retryable] says so: UNAVAILABLE always;
// RESOURCE_EXHAUSTED and ABORTED only when the server attached a RetryInfo.
// The wait before retry n (n = 1, 2, ...) is a random duration between half
// and all of min(MaxBackoff, InitialBackoff*2^(n-1)), and never less than the
// RetryInfo delay. The context's deadline bounds the whole, retries included.
type RetryPolicy struct {
	// MaxAttempts counts the first attempt: 1 disables retries; 0 means 6.
	MaxAttempts int
	// InitialBackoff is the base wait; 0 means 200 ms.
	InitialBackoff time.Duration
	// MaxBackoff caps the exponential part of a wait; 0 means 5 s.
	MaxBackoff time.Duration
	// MaxReconnects bounds the consecutive failed (re)connections of a
	// Subscription or Watch (the count restarts with every message
	// received); 0 means 20, a negative value means no bound. They wait as
	// retries do.
	MaxReconnects int
}

// DefaultRetryPolicy is used when Options.Retry is the zero value.
// Its retries wait 3 to 6 s in all, enough to ride out a server restart.
var DefaultRetryPolicy = RetryPolicy{MaxAttempts: 6, InitialBackoff: 200 * time.Millisecond, MaxBackoff: 5 * time.Second, MaxReconnects: 20}

func (p RetryPolicy) withDefaults() RetryPolicy {
	if p.MaxAttempts <= 0 {
		p.MaxAttempts = DefaultRetryPolicy.MaxAttempts
	}
	if p.InitialBackoff <= 0 {
		p.InitialBackoff = DefaultRetryPolicy.InitialBackoff
	}
	if p.MaxBackoff <= 0 {
		p.MaxBackoff = DefaultRetryPolicy.MaxBackoff
	}
	return p
}

// Retryable reports whether a failed call that is safe to repeat should be
// retried: UNAVAILABLE, or RESOURCE_EXHAUSTED / ABORTED carrying RetryInfo.
// (ABORTED with reason WRONG_EXPECTED_VERSION carries none: retrying it
// cannot succeed without reading the stream again.)
func Retryable(err error) bool {
	e, ok := AsError(err)
	if !ok {
		return false
	}
	switch e.Code {
	case codes.Unavailable:
		return true
	case codes.ResourceExhausted, codes.Aborted:
		return e.HasRetryInfo
	}
	return false
}

// delay is the wait before retry n (n >= 1) after err.
func (p RetryPolicy) delay(n int, err error) time.Duration {
	d := p.InitialBackoff
	for i := 1; i < n && d < p.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, p.MaxBackoff)
	d = d/2 + rand.N(d/2+1)
	if e, ok := AsError(err); ok && e.HasRetryInfo && e.RetryDelay > d {
		d = e.RetryDelay
	}
	return d
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// withRetry runs call until it succeeds, fails with an error that is not
// retryable, or the attempts are spent. Errors come back as *Error.
func withRetry[T any](ctx context.Context, p RetryPolicy, call func(context.Context) (T, error)) (T, error) {
	for attempt := 1; ; attempt++ {
		resp, err := call(ctx)
		if err == nil {
			return resp, nil
		}
		if attempt >= p.MaxAttempts || !Retryable(err) || ctx.Err() != nil {
			return resp, wrap(err)
		}
		if serr := sleep(ctx, p.delay(attempt, err)); serr != nil {
			return resp, wrap(err)
		}
	}
}
