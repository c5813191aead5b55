package testutil

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// This file is the raw HTTP/1.1 client of the attack and reliability suites:
// it sends a request head byte for byte as the test wrote it, so the
// request-target reaches the server without the cleaning or re-encoding Go's
// http client applies (dot segments, "//", %2e, NUL, bad UTF-8, odd methods
// and protocol versions all arrive as written).

// RequestHead returns an HTTP/1.1 request head as written: the request line
// "METHOD TARGET HTTP/1.1", a Host line when host is not "", each of lines
// (complete header lines without line ends, e.g. a raw "Cookie: a=b; c=d") in
// order, and the blank line that ends the head. Nothing is checked, cleaned or
// escaped.
func RequestHead(method, target, host string, lines ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\n", method, target)
	if host != "" {
		b.WriteString("Host: " + host + "\r\n")
	}
	for _, l := range lines {
		b.WriteString(l + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// RawResponse is one response as read by http.ReadResponse; Body holds at
// most the connection's MaxBody bytes.
type RawResponse struct {
	Status int
	Header http.Header
	Body   []byte
}

// RawConn is one keep-alive HTTP/1.1 connection to 127.0.0.1:Port, over TLS
// (any certificate, SNI localhost, ALPN http/1.1 only) or plain TCP. It dials
// on first use and again after the server closed it. A RawConn serves one
// goroutine at a time.
type RawConn struct {
	Port    int
	TLS     bool
	Timeout time.Duration // bound on one exchange (write and read); 20 s when zero
	MaxBody int64         // bytes of a body kept; 16 MiB when zero

	c  net.Conn
	br *bufio.Reader
}

func (k *RawConn) dial() error {
	addr := "127.0.0.1:" + strconv.Itoa(k.Port)
	d := &net.Dialer{Timeout: 5 * time.Second}
	var err error
	if k.TLS {
		k.c, err = tls.DialWithDialer(d, "tcp", addr, &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", //nolint:gosec // test CA
			NextProtos: []string{"http/1.1"}})
	} else {
		k.c, err = d.Dial("tcp", addr)
	}
	if err == nil {
		k.br = bufio.NewReaderSize(k.c, 64<<10)
	}
	return err
}

// Close closes the connection (the next RoundTrip dials again).
func (k *RawConn) Close() {
	if k.c != nil {
		k.c.Close()
		k.c = nil
	}
}

// RoundTrip writes head (a complete request head, as RequestHead builds; a
// body, if any, after it) and reads one response, parsed for the method head
// starts with. A reused connection that turns out closed is dialled again
// once; a fresh one is not. On an error the response holds what arrived
// (Status 0 when no status line did) and the connection is closed; it is also
// closed after a response that asks for it (Connection: close, HTTP/1.0).
func (k *RawConn) RoundTrip(head string) (RawResponse, error) {
	for attempt := 0; ; attempt++ {
		fresh := k.c == nil
		if fresh {
			if err := k.dial(); err != nil {
				return RawResponse{}, err
			}
		}
		timeout := k.Timeout
		if timeout == 0 {
			timeout = 20 * time.Second
		}
		_ = k.c.SetDeadline(time.Now().Add(timeout))
		res, err := k.exchange(head)
		if err == nil {
			return res, nil
		}
		k.Close()
		if fresh || attempt > 0 {
			return res, err
		}
	}
}

func (k *RawConn) exchange(head string) (RawResponse, error) {
	if _, err := io.WriteString(k.c, head); err != nil {
		return RawResponse{}, err
	}
	method, _, _ := strings.Cut(head, " ")
	resp, err := http.ReadResponse(k.br, &http.Request{Method: method})
	if err != nil {
		return RawResponse{}, err
	}
	limit := k.MaxBody
	if limit == 0 {
		limit = 16 << 20
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	resp.Body.Close()
	res := RawResponse{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if err == nil && resp.Close {
		k.Close()
	}
	return res, err
}
