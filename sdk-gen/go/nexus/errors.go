package nexus

import (
	"errors"
	"fmt"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// FieldViolation is one google.rpc.BadRequest field violation.
type FieldViolation struct {
	Field       string
	Description string
}

// Error is an error status returned by the server, with its google.rpc
// details decoded. Every method of Client returns an *Error for a failed
// call; use errors.As or AsError to get it.
type Error struct {
	// Code is the gRPC status code.
	Code codes.Code
	// Message is the status message.
	Message string
	// Reason, Domain and Metadata come from google.rpc.ErrorInfo; Reason is
	// the stable machine-readable cause, e.g. "WRONG_EXPECTED_VERSION".
	Reason   string
	Domain   string
	Metadata map[string]string
	// FieldViolations come from google.rpc.BadRequest.
	FieldViolations []FieldViolation
	// RetryDelay comes from google.rpc.RetryInfo; HasRetryInfo says whether
	// the server sent one.
	RetryDelay   time.Duration
	HasRetryInfo bool
	status       *status.Status
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("nexus: %s: %s", e.Code, e.Message)
	if e.Reason != "" {
		msg += " (" + e.Reason + ")"
	}
	return msg
}

// GRPCStatus makes status.Code and status.FromError work on an *Error.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// Violation returns the description of the violation of field, if any.
func (e *Error) Violation(field string) (string, bool) {
	for _, v := range e.FieldViolations {
		if v.Field == field {
			return v.Description, true
		}
	}
	return "", false
}

// AsError decodes err into an *Error: it returns err itself if it already
// is (or wraps) one, decodes it if it carries a gRPC status, and otherwise
// returns false.
func AsError(err error) (*Error, bool) {
	if err == nil {
		return nil, false
	}
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	st, ok := status.FromError(err)
	if !ok {
		return nil, false
	}
	return fromStatus(st), true
}

// Reason is the ErrorInfo reason of err, or "" if it has none.
func Reason(err error) string {
	if e, ok := AsError(err); ok {
		return e.Reason
	}
	return ""
}

// Code is the gRPC code of err: codes.OK for nil, codes.Unknown for an
// error that carries no status.
func Code(err error) codes.Code {
	if err == nil {
		return codes.OK
	}
	if e, ok := AsError(err); ok {
		return e.Code
	}
	return codes.Unknown
}

func fromStatus(st *status.Status) *Error {
	e := &Error{Code: st.Code(), Message: st.Message(), status: st}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			e.Reason, e.Domain, e.Metadata = d.GetReason(), d.GetDomain(), d.GetMetadata()
		case *errdetails.BadRequest:
			for _, v := range d.GetFieldViolations() {
				e.FieldViolations = append(e.FieldViolations, FieldViolation{Field: v.GetField(), Description: v.GetDescription()})
			}
		case *errdetails.RetryInfo:
			e.HasRetryInfo = true
			e.RetryDelay = d.GetRetryDelay().AsDuration()
		}
	}
	return e
}

// wrap turns a status error into an *Error and leaves other errors as they are.
func wrap(err error) error {
	if e, ok := AsError(err); ok {
		return e
	}
	return err
}
