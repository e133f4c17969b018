// Package nexus is a small client layer over the generated Nexus gRPC stubs
// (package example.invalid/nexus-go/gen/nexus/v1).
//
// The generated clients do the wire work. This package adds what every user
// would otherwise write: connecting (plaintext or TLS, bearer token, default
// deadlines), correlation and causation ids, typed errors decoded from the
// google.rpc.Status details, retries of calls that are safe to retry, and
// subscription and watch helpers that resume after a disconnect without
// losing or repeating anything.
//
// Calls this package does not wrap are available on the generated clients
// returned by [Client.Commands], [Client.EventStore], [Client.Queries] and
// [Client.Conn]; they carry the token, the default deadline and the
// correlation headers too, but are not retried and return plain gRPC status
// errors (decode them with [AsError]).
package nexus

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"time"

	nexusv1 "example.invalid/nexus-go/gen/nexus/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
)

// DefaultTimeout is the deadline given to a unary call (each attempt) whose
// context has none, when Options.Timeout is zero.
const DefaultTimeout = 30 * time.Second

// Options configure [Connect]. The zero value connects in plaintext with no
// token, DefaultTimeout and DefaultRetryPolicy.
type Options struct {
	// Token, when set, is sent as "authorization: Bearer <Token>" on every call.
	Token string
	// TLS connects with TLS. CAFile or CAPEM (PEM certificates) replace the
	// system roots; either implies TLS. ServerName overrides the name checked
	// in the server certificate.
	TLS        bool
	CAFile     string
	CAPEM      []byte
	ServerName string
	// TLSConfig, when set, is used as is (for mutual TLS and the like) and
	// overrides the fields above.
	TLSConfig *tls.Config
	// Timeout is the deadline of a unary call attempt whose context has no
	// deadline; 0 means DefaultTimeout, a negative value means none.
	// Streaming calls (subscriptions, watches) get no default deadline.
	Timeout time.Duration
	// Retry is the retry policy of the calls this package retries; the zero
	// value means DefaultRetryPolicy.
	Retry RetryPolicy
	// DialOptions are appended to the package's own dial options.
	DialOptions []grpc.DialOption
}

// Client is a Nexus client. It is safe for concurrent use; Close it when done.
type Client struct {
	conn     *grpc.ClientConn
	commands nexusv1.CommandServiceClient
	events   nexusv1.EventStoreServiceClient
	queries  nexusv1.QueryServiceClient
	retry    RetryPolicy
}

// Connect creates a client for target ("host:port", or any gRPC target
// such as "dns:///nexus.example.com:443"). Like grpc.NewClient it does not
// wait for the connection: the first call connects.
func Connect(target string, opts Options) (*Client, error) {
	creds, err := transportCredentials(opts)
	if err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	dial := []grpc.DialOption{
		grpc.WithTransportCredentials(creds),
		grpc.WithChainUnaryInterceptor(unaryInterceptor(opts.Token, timeout)),
		grpc.WithChainStreamInterceptor(streamInterceptor(opts.Token)),
		// Reconnect quickly after a server restart: gRPC's default connection
		// backoff grows to two minutes, during which calls fail at once;
		// with at most ~2.4 s, the default retries outlast it.
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 100 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: 2 * time.Second},
			MinConnectTimeout: 5 * time.Second,
		}),
	}
	dial = append(dial, opts.DialOptions...)
	conn, err := grpc.NewClient(target, dial...)
	if err != nil {
		return nil, fmt.Errorf("nexus: connect %s: %w", target, err)
	}
	return &Client{
		conn:     conn,
		commands: nexusv1.NewCommandServiceClient(conn),
		events:   nexusv1.NewEventStoreServiceClient(conn),
		queries:  nexusv1.NewQueryServiceClient(conn),
		retry:    opts.Retry.withDefaults(),
	}, nil
}

func transportCredentials(opts Options) (credentials.TransportCredentials, error) {
	if opts.TLSConfig != nil {
		return credentials.NewTLS(opts.TLSConfig), nil
	}
	pem := opts.CAPEM
	if opts.CAFile != "" {
		b, err := os.ReadFile(opts.CAFile)
		if err != nil {
			return nil, fmt.Errorf("nexus: read CA file: %w", err)
		}
		pem = append(append([]byte{}, pem...), b...)
	}
	if !opts.TLS && len(pem) == 0 {
		return insecure.NewCredentials(), nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, ServerName: opts.ServerName}
	if len(pem) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, errors.New("nexus: no certificate found in the CA PEM")
		}
		cfg.RootCAs = pool
	}
	return credentials.NewTLS(cfg), nil
}

// Close closes the connection.
func (c *Client) Close() error { return c.conn.Close() }

// Conn is the underlying connection, for generated clients of other
// services (nexusv1.NewSchemaServiceClient(c.Conn()) and so on).
func (c *Client) Conn() *grpc.ClientConn { return c.conn }

// Commands is the generated CommandService client.
func (c *Client) Commands() nexusv1.CommandServiceClient { return c.commands }

// EventStore is the generated EventStoreService client.
func (c *Client) EventStore() nexusv1.EventStoreServiceClient { return c.events }

// Queries is the generated QueryService client.
func (c *Client) Queries() nexusv1.QueryServiceClient { return c.queries }

type ctxKey int

const (
	correlationKey ctxKey = iota
	causationKey
)

// WithCorrelationID returns a context whose calls carry this correlation id:
// as the x-correlation-id header on every call, in ExecuteRequest.correlation_id
// when the request leaves it empty, and in the metadata of appended events
// that have none.
func WithCorrelationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, correlationKey, id)
}

// WithCausationID is WithCorrelationID for the causation id
// (x-causation-id, ExecuteRequest.causation_id, event metadata).
func WithCausationID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, causationKey, id)
}

// CorrelationID is the correlation id set with WithCorrelationID, or "".
func CorrelationID(ctx context.Context) string {
	s, _ := ctx.Value(correlationKey).(string)
	return s
}

// CausationID is the causation id set with WithCausationID, or "".
func CausationID(ctx context.Context) string {
	s, _ := ctx.Value(causationKey).(string)
	return s
}

func outgoing(ctx context.Context, token string) context.Context {
	var kv []string
	if token != "" {
		kv = append(kv, "authorization", "Bearer "+token)
	}
	if id := CorrelationID(ctx); id != "" {
		kv = append(kv, "x-correlation-id", id)
	}
	if id := CausationID(ctx); id != "" {
		kv = append(kv, "x-causation-id", id)
	}
	if len(kv) == 0 {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, kv...)
}

func unaryInterceptor(token string, timeout time.Duration) grpc.UnaryClientInterceptor {
	return func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if _, ok := ctx.Deadline(); !ok && timeout > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, timeout)
			defer cancel()
		}
		return invoker(outgoing(ctx, token), method, req, reply, cc, opts...)
	}
}

func streamInterceptor(token string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
		return streamer(outgoing(ctx, token), desc, cc, method, opts...)
	}
}

// Invoke and NewStream make a Client a grpc.ClientConnInterface (with its
// token, default deadline and correlation headers), so generated clients
// and [Handler.Run] accept it directly.
func (c *Client) Invoke(ctx context.Context, method string, args, reply any, opts ...grpc.CallOption) error {
	return c.conn.Invoke(ctx, method, args, reply, opts...)
}

// NewStream: see Invoke.
func (c *Client) NewStream(ctx context.Context, desc *grpc.StreamDesc, method string, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return c.conn.NewStream(ctx, desc, method, opts...)
}
