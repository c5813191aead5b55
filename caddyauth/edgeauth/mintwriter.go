package edgeauth

import (
	"io"
	"net/http"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

// mintWriter holds back the session cookie until the status of the answer
// is known: decide runs once, on the first final status (1xx interim
// answers are passed through), before the headers leave.
type mintWriter struct {
	*caddyhttp.ResponseWriterWrapper
	decide  func(hdr http.Header, status int)
	decided bool
}

func newMintWriter(w http.ResponseWriter, decide func(http.Header, int)) *mintWriter {
	return &mintWriter{ResponseWriterWrapper: &caddyhttp.ResponseWriterWrapper{ResponseWriter: w}, decide: decide}
}

func (m *mintWriter) WriteHeader(status int) {
	if !m.decided && status >= 200 {
		m.decided = true
		m.decide(m.Header(), status)
	}
	m.ResponseWriterWrapper.WriteHeader(status)
}

func (m *mintWriter) Write(b []byte) (int, error) {
	if !m.decided {
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriterWrapper.Write(b)
}

// ReadFrom keeps the wrapped writer's fast path without skipping decide.
func (m *mintWriter) ReadFrom(r io.Reader) (int64, error) {
	if !m.decided {
		m.WriteHeader(http.StatusOK)
	}
	return m.ResponseWriterWrapper.ReadFrom(r)
}

// Interface guards
var (
	_ http.ResponseWriter = (*mintWriter)(nil)
	_ io.ReaderFrom       = (*mintWriter)(nil)
)
