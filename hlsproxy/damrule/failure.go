package damrule

import (
	"context"
	"errors"
	"fmt"
	"net"
)

// Failure reasons (the metric's reason label and the log's).
const (
	ReasonTimeout     = "timeout"     // no answer within the timeout
	ReasonUnreachable = "unreachable" // connection or transport error
	ReasonStatus      = "status"      // a non-2xx answer
	ReasonMalformed   = "malformed"   // a 2xx answer that says neither true nor false
)

// Failure is why the endpoint gave no decision; the asset is then protected.
type Failure struct {
	Reason string
	Err    error
}

func (f *Failure) Error() string { return fmt.Sprintf("asset rule %s: %v", f.Reason, f.Err) }
func (f *Failure) Unwrap() error { return f.Err }

// transportFailure classifies an error of http.Client.Do.
func transportFailure(err error) *Failure {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout() {
		return &Failure{Reason: ReasonTimeout, Err: err}
	}
	return &Failure{Reason: ReasonUnreachable, Err: err}
}
