package origin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// HTTPConfig configures a plain HTTP(S) origin (a DAM, another CDN, a file server).
type HTTPConfig struct {
	// BaseURL is the URL objects live under: BaseURL + "/" + escaped key. User info
	// becomes basic auth and a query string is appended to every request; neither
	// appears in Name().
	BaseURL string
	// Timeout: as S3Config.Timeout.
	Timeout time.Duration
	// Header holds extra request headers (e.g. Authorization for the DAM). Never logged.
	Header http.Header
	// MetadataHeaders are extra response headers copied into Response.Header.
	MetadataHeaders []string
	// Name overrides the display name.
	Name string
}

type httpOrigin struct {
	*fetcher
	base   url.URL // path and raw path without trailing slash
	header http.Header
	prefix string
}

// NewHTTP creates a plain HTTP(S) origin.
func NewHTTP(c HTTPConfig) (Origin, error) {
	u, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("origin: invalid base URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return nil, errors.New("origin: base URL must be http(s)://host[/path]")
	}
	if u.Fragment != "" {
		return nil, errors.New("origin: base URL must not have a fragment")
	}
	display := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	name := c.Name
	if name == "" {
		name = strings.TrimSuffix(display.String(), "/")
	}
	base := *u
	base.Path = strings.TrimRight(u.Path, "/")
	base.RawPath = strings.TrimRight(u.EscapedPath(), "/")
	if base.RawPath == base.Path {
		base.RawPath = ""
	}
	o := &httpOrigin{
		fetcher: newFetcher(name, c.Timeout, c.MetadataHeaders, false),
		base:    base,
		header:  c.Header.Clone(),
		prefix:  strings.ToLower(u.Scheme+"://"+u.Host) + base.EscapedPath() + "/",
	}
	return o, nil
}

func (o *httpOrigin) Name() string          { return o.name }
func (o *httpOrigin) URLPrefixes() []string { return []string{o.prefix} }
func (o *httpOrigin) Close() error          { return o.close() }

// joinQuery appends extra to the base URL's own query.
func joinQuery(base, extra string) string {
	if base == "" {
		return extra
	}
	return base + "&" + extra
}

// Fetch GETs or HEADs BaseURL + "/" + escaped key.
func (o *httpOrigin) Fetch(ctx context.Context, req *Request) (*Response, error) {
	method, err := checkRequest(o.name, req)
	if err != nil {
		return nil, err
	}
	return o.doWait(ctx, method, req.Hold, func(ctx context.Context) (*http.Request, error) {
		u := o.base
		u.Path = o.base.Path + "/" + req.Key
		u.RawPath = o.base.EscapedPath() + "/" + EscapeKey(req.Key)
		if len(req.Query) > 0 {
			u.RawQuery = joinQuery(u.RawQuery, req.Query.Encode())
		}
		hreq, err := http.NewRequestWithContext(ctx, method, "", nil)
		if err != nil {
			return nil, err
		}
		hreq.URL, hreq.Host = &u, u.Host
		for k, v := range o.header {
			hreq.Header[k] = append([]string(nil), v...)
		}
		forwardHeaders(hreq.Header, req.Header)
		return hreq, nil
	})
}
