package origin

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"
)

func TestHTTPOriginSendsTheRequestQueryAfterItsOwn(t *testing.T) {
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.RawQuery }))
	defer srv.Close()
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL + "/media?tenant=a", Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	resp, err := o.Fetch(context.Background(), &Request{Key: "live/index.m3u8", Query: url.Values{"_HLS_msn": {"7"}, "_HLS_part": {"1"}}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got != "tenant=a&_HLS_msn=7&_HLS_part=1" {
		t.Errorf("origin saw query %q", got)
	}
}

// A blocking reload may be held past the origin timeout by Hold, and no longer.
func TestHoldExtendsTheWaitForResponseHeadersOnly(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d, _ := time.ParseDuration(r.URL.Query().Get("sleep"))
		time.Sleep(d)
	}))
	defer srv.Close()
	o, err := NewHTTP(HTTPConfig{BaseURL: srv.URL, Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	fetch := func(sleep string, hold time.Duration) error {
		resp, err := o.Fetch(context.Background(), &Request{Key: "p.m3u8", Query: url.Values{"sleep": {sleep}}, Hold: hold})
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	if err := fetch("400ms", 0); KindOf(err) != Timeout {
		t.Errorf("without a hold, 400 ms past a 200 ms timeout: %v, want a timeout", err)
	}
	if err := fetch("400ms", time.Second); err != nil {
		t.Errorf("held 400 ms within a 1 s hold: %v", err)
	}
	if err := fetch("600ms", 400*time.Millisecond); KindOf(err) != HoldExpired {
		t.Errorf("600 ms past a 400 ms hold: %v, want the hold expired (not the origin's timeout)", err)
	}
	if err := fetch("100ms", 50*time.Millisecond); err != nil {
		t.Errorf("a hold shorter than the timeout must not shorten it: %v", err)
	}
}
