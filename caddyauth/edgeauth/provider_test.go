package edgeauth

import (
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/reqstate"
)

func TestProviderAuthenticate(t *testing.T) {
	p := &Provider{Config{Keys: []string{keyA}}}
	p.now = func() time.Time { return fixedNow }
	if err := p.provision(zap.NewNop()); err != nil {
		t.Fatal(err)
	}
	tok := mint(t, edgetoken.Options{ACLs: []string{"/hls/*"}, ID: "sess-42", Data: "d"})

	r, _, vars := prepare(httptest.NewRequest("GET", "/hls/x.ts?__token__="+tok+"&a=1", nil), "")
	user, ok, err := p.Authenticate(httptest.NewRecorder(), r)
	if err != nil || !ok {
		t.Fatalf("Authenticate = %v, %v", ok, err)
	}
	if user.ID != "sess-42" || user.Metadata["data"] != "d" || user.Metadata["exp"] != "1700000300" ||
		user.Metadata["acl"] != "/hls/*" {
		t.Errorf("user %+v", user)
	}
	if a := reqstate.Auth(r); a == nil || a.Token != tok || vars[VarSource] != SourceQuery || r.URL.RawQuery != "a=1" {
		t.Errorf("vars %v, query %q", vars, r.URL.RawQuery)
	}

	r, repl, _ := prepare(httptest.NewRequest("GET", "/other/x.ts?__token__="+tok, nil), "")
	user, ok, err = p.Authenticate(httptest.NewRecorder(), r)
	if err != nil || ok || user.ID != "" {
		t.Fatalf("wrong ACL: %+v, %v, %v", user, ok, err)
	}
	if reason, _ := repl.GetString(PlaceholderReason); reason != edgetoken.ReasonACLMismatch {
		t.Errorf("reason %q", reason)
	}
}
