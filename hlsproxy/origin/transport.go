package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultTimeout applies when a config leaves Timeout at zero.
const DefaultTimeout = 30 * time.Second

// errBodyLimit caps how much of an origin's error body is read (to find the S3 code).
const errBodyLimit = 4 << 10

// responseHeaders are copied from an origin answer besides x-amz-meta-* and configured ones.
var responseHeaders = []string{
	"Content-Type", "Content-Length", "Content-Range", "Accept-Ranges", "Etag", "Last-Modified",
	"Cache-Control", "Expires", "Content-Encoding", "Content-Disposition", "Content-Language",
}

// fetcher is the HTTP machinery shared by the S3 and HTTP origins: one transport, the
// header timeout, the idle body timeout and the status mapping.
type fetcher struct {
	name      string
	transport *http.Transport
	client    *http.Client
	timeout   time.Duration
	meta      []string // canonical names of configured metadata headers
	s3        bool     // parse S3 XML error codes
}

func newFetcher(name string, timeout time.Duration, meta []string, s3 bool) *fetcher {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	dialer := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	t := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          256,
		MaxIdleConnsPerHost:   64,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   timeout,
		ExpectContinueTimeout: time.Second,
		DisableCompression:    true, // bytes pass through as stored; ranges stay valid
	}
	f := &fetcher{name: name, transport: t, timeout: timeout, s3: s3}
	f.client = &http.Client{
		Transport:     t,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, h := range meta {
		if h = strings.TrimSpace(h); h != "" {
			f.meta = append(f.meta, textproto.CanonicalMIMEHeaderKey(h))
		}
	}
	return f
}

func (f *fetcher) close() error {
	f.transport.CloseIdleConnections()
	return nil
}

// buildFunc builds (and signs) the outgoing request bound to ctx.
type buildFunc func(ctx context.Context) (*http.Request, error)

// do runs one request: the origin timeout covers everything up to the response headers,
// then becomes an idle timeout between body reads.
func (f *fetcher) do(parent context.Context, method string, build buildFunc) (*Response, error) {
	return f.doWait(parent, method, 0, build)
}

// doWait is do for a request the origin may hold for hold (never less than
// the origin's timeout) before its response headers: an LL-HLS blocking
// reload; 0 is an ordinary request. A held request whose wait runs out
// after the origin received it is HoldExpired, not Timeout: the origin is
// doing what the client asked. One that never reached the origin (a dial
// or a handshake that hangs) is the origin's Timeout.
func (f *fetcher) doWait(parent context.Context, method string, hold time.Duration, build buildFunc) (*Response, error) {
	wait := max(hold, f.timeout)
	ctx, cancel := context.WithCancel(parent)
	var fired, sent atomic.Bool
	if hold > 0 {
		ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{WroteRequest: func(i httptrace.WroteRequestInfo) {
			sent.Store(i.Err == nil)
		}})
	}
	timer := time.AfterFunc(wait, func() { fired.Store(true); cancel() })
	fail := func(e *Error) (*Response, error) {
		timer.Stop()
		cancel()
		return nil, e
	}

	hreq, err := build(ctx)
	if err != nil {
		var oe *Error
		if errors.As(err, &oe) {
			return fail(oe)
		}
		e := transportError(f.name, parent, fired.Load(), err)
		return fail(e)
	}
	resp, err := f.client.Do(hreq)
	if !timer.Stop() || fired.Load() {
		if err == nil {
			resp.Body.Close()
		}
		if sent.Load() && parent.Err() == nil {
			return fail(&Error{Kind: HoldExpired, Origin: f.name, Err: fmt.Errorf("no answer within the blocking reload's hold (%s)", wait)})
		}
		return fail(transportError(f.name, parent, true, context.DeadlineExceeded))
	}
	if err != nil {
		return fail(transportError(f.name, parent, false, err))
	}

	if !answerStatus(resp.StatusCode) {
		code := ""
		if f.s3 && method != http.MethodHead {
			timer.Reset(f.timeout)
			code = s3ErrorCode(io.LimitReader(resp.Body, errBodyLimit))
		}
		resp.Body.Close()
		return fail(statusError(f.name, resp.StatusCode, code))
	}

	out := &Response{
		Origin:        f.name,
		StatusCode:    resp.StatusCode,
		Header:        f.copyHeaders(resp.Header),
		ContentLength: resp.ContentLength,
	}
	if method == http.MethodHead || resp.StatusCode == http.StatusNotModified {
		resp.Body.Close()
		cancel()
		return out, nil
	}
	out.Body = &body{
		rc: resp.Body, origin: f.name, remaining: resp.ContentLength,
		idle: f.timeout, timer: timer, fired: &fired, cancel: cancel, parent: parent,
	}
	return out, nil
}

func (f *fetcher) copyHeaders(src http.Header) http.Header {
	dst := make(http.Header, len(responseHeaders)+len(f.meta)+2)
	for _, k := range responseHeaders {
		if v := src[k]; len(v) > 0 {
			dst[k] = append([]string(nil), v...)
		}
	}
	for k, v := range src {
		if len(k) > len("X-Amz-Meta-") && strings.EqualFold(k[:len("X-Amz-Meta-")], "X-Amz-Meta-") {
			dst[k] = append([]string(nil), v...)
		}
	}
	for _, k := range f.meta {
		if v := src[k]; len(v) > 0 {
			dst[k] = append([]string(nil), v...)
		}
	}
	return dst
}

// forwardHeaders copies the forwarded request headers from src to dst.
func forwardHeaders(dst, src http.Header) {
	for _, k := range ForwardedHeaders {
		if v := src.Values(k); len(v) > 0 {
			dst[k] = append([]string(nil), v...)
		}
	}
}

// checkMethod validates the method, defaulting to GET.
func checkMethod(name, m string) (string, error) {
	switch m {
	case "", http.MethodGet:
		return http.MethodGet, nil
	case http.MethodHead:
		return http.MethodHead, nil
	}
	return "", invalidf(name, "method %q not supported", m)
}

// checkRequest validates a request before anything is sent: its method
// (normalised) and its key.
func checkRequest(name string, req *Request) (method string, err error) {
	if method, err = checkMethod(name, req.Method); err != nil {
		return "", err
	}
	if err := checkKey(req.Key); err != nil {
		return "", &Error{Kind: Invalid, Origin: name, Err: err}
	}
	return method, nil
}

// describe is used in error messages about configuration.
func describe(name string, err error) error { return fmt.Errorf("origin %s: %w", name, err) }
