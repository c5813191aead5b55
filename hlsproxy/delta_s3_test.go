package hlsproxy

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// Delta updates the proxy builds for S3 (issue 25): _HLS_skip=YES is
// answered with EXT-X-SKIP, and the delta goes through the rewrite of the
// full playlist — tokenize, the crypto modes' key lines and sealed
// contexts — so its URIs are exactly the full playlist's.

const deltaViewerToken = "delta-viewer-token"

// startDeltaS3 serves the S3 LL packager's rendition (twelve complete
// segments listed: the first six can be skipped) under mode with tokenize;
// a request with ?tok= counts as that query token's holder.
func startDeltaS3(t *testing.T, mode string) (*testutil.S3LLPackager, string) {
	vgw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{"media"}})
	p := &testutil.S3LLPackager{VGW: vgw, Bucket: "media", Key: "live/index.m3u8", Window: 12}
	for range 4*14 + 2 {
		p.Publish(t)
	}
	h := provisionedLive(t, &Handler{Origins: []OriginConfig{{URL: "s3://media", Endpoint: vgw.Endpoint,
		AccessKey: vgw.Access, SecretKey: vgw.Secret}}, StripPrefix: "/hls", Encryption: mode, Tokenize: true,
		KeySecret: "live-test-key-secret-0123456789", KeyPath: "/keys"})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = r.WithContext(context.WithValue(r.Context(), caddyhttp.VarsCtxKey, map[string]any{}))
		if tok := r.URL.Query().Get("tok"); tok != "" {
			reqstate.SetAuth(r, &authz.Auth{Authenticated: true, Source: authz.Query, Scope: []string{"/hls/live/*", "/keys/live/*"},
				Param: "tok", Token: tok})
		}
		if err := h.ServeHTTP(w, r, nil); err != nil {
			var he caddyhttp.HandlerError
			errors.As(err, &he)
			w.WriteHeader(max(he.StatusCode, 500))
		}
	}))
	t.Cleanup(srv.Close)
	return p, srv.URL + "/hls/live/index.m3u8"
}

// uriOf matches URI lines and URI attributes.
var uriOf = regexp.MustCompile(`(?m)^([^#\r\n][^\r\n]*)$|URI="([^"]*)"`)

func playlistURIs(body string) []string {
	var out []string
	for _, m := range uriOf.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1]+m[2])
	}
	return out
}

func TestS3DeltaUpdateIsEXTXSKIPWithTheFullPlaylistsURIsInEveryMode(t *testing.T) {
	for _, mode := range []string{"passthrough", "decrypt", "encrypt", "reencrypt"} {
		t.Run(mode, func(t *testing.T) {
			_, u := startDeltaS3(t, mode)
			st, delta := testutil.GetBody(t, u+"?_HLS_skip=YES&tok="+deltaViewerToken)
			fst, full := testutil.GetBody(t, u+"?tok="+deltaViewerToken)
			if st != 200 || fst != 200 || !strings.Contains(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n") {
				t.Fatalf("delta %d, full %d; want EXT-X-SKIP of 6 segments:\n%s", st, fst, delta)
			}
			if !strings.Contains(delta, "CAN-SKIP-UNTIL=12") || !strings.Contains(full, "CAN-SKIP-UNTIL=12") {
				t.Errorf("the proxy builds deltas: CAN-SKIP-UNTIL is advertised:\n%s", full)
			}
			fullURIs := map[string]bool{}
			for _, x := range playlistURIs(full) {
				fullURIs[x] = true
			}
			uris := playlistURIs(delta)
			if len(uris) < 6 {
				t.Fatalf("the delta lists %d URIs:\n%s", len(uris), delta)
			}
			for _, x := range uris {
				if !strings.Contains(x, "tok="+deltaViewerToken) {
					t.Errorf("a delta URI without the viewer's token: %q", x)
				}
				if !fullURIs[x] {
					t.Errorf("the delta's URI %q is not one of the full playlist's (one rewrite for both)", x)
				}
				if mode != "passthrough" && !strings.HasPrefix(x, "/keys/") && !strings.Contains(x, delivery.CtxParam+"=") {
					t.Errorf("%s: a segment URI without its sealed context: %q", mode, x)
				}
			}
			for s := 2; s < 8; s++ {
				if strings.Contains(delta, fmt.Sprintf("seg%d.ts", s)) {
					t.Errorf("skipped segment %d is listed:\n%s", s, delta)
				}
			}
			if mode == "encrypt" || mode == "reencrypt" {
				if !strings.Contains(delta, "#EXT-X-KEY:METHOD=AES-128,URI=\"/keys/") {
					t.Errorf("%s: the derived key line is in the delta:\n%s", mode, delta)
				}
			}
			seg := uris[len(uris)-1]
			for _, x := range uris {
				if strings.Contains(x, "seg") {
					seg = x
				}
			}
			if s, _ := testutil.GetBody(t, strings.TrimSuffix(u, "index.m3u8")+seg); s != 200 {
				t.Errorf("%s: a delta segment answers %d", seg, s)
			}
		})
	}
}

func TestS3HeldReloadWithSkipIsAnsweredWithADeltaWhenThePartAppears(t *testing.T) {
	p, u := startDeltaS3(t, "passthrough")
	msn, part := p.Done, p.Parts
	go func() { time.Sleep(300 * time.Millisecond); p.Publish(t) }()
	st, body := testutil.GetBody(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d&_HLS_skip=YES&tok=%s", u, msn, part, deltaViewerToken))
	if st != 200 || !strings.Contains(body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=") ||
		!strings.Contains(body, fmt.Sprintf(`part%d.%d.ts?tok=%s"`, msn, part, deltaViewerToken)) {
		t.Fatalf("held delta: %d, want EXT-X-SKIP and the new part, tokenized:\n%s", st, body)
	}
	// v2 without CAN-SKIP-DATERANGES is answered as YES.
	if st, body := testutil.GetBody(t, u+"?_HLS_skip=v2&tok=x"); st != 200 || !strings.Contains(body, "#EXT-X-SKIP:SKIPPED-SEGMENTS=6\n") {
		t.Errorf("v2: %d\n%s", st, body)
	}
}
