package edgeauth

import (
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/modules/standard"
)

// The directive order is registered, so a Caddyfile needs no `order`
// option: edgeauth runs before basic_auth and every terminal handler,
// whatever order the site block lists them in.
func TestDirectiveOrderWithoutOrderOption(t *testing.T) {
	adapter := caddyconfig.GetAdapter("caddyfile")
	cfg, warnings, err := adapter.Adapt([]byte(`:8080 {
		file_server
		respond /r "hi"
		reverse_proxy /p/* localhost:9
		basic_auth /b/* {
			u $2a$14$Zkx19XLiW6VYouLHR5NmfOFU0z2GTNmpkT/5qqR7hx4IjWJPDhjvG
		}
		edgeauth {
			key `+keyA+`
		}
		header X-A b
	}`), nil)
	if err != nil {
		t.Fatalf("adapt: %v (%v)", err, warnings)
	}
	js := string(cfg)
	at := func(handler string) int {
		i := strings.Index(js, `"handler":"`+handler+`"`)
		if i < 0 {
			t.Fatalf("handler %s not in %s", handler, js)
		}
		return i
	}
	edge := at("edgeauth")
	if h := at("headers"); h > edge {
		t.Errorf("header runs after edgeauth")
	}
	for _, later := range []string{"authentication", "static_response", "reverse_proxy", "file_server"} {
		if at(later) < edge {
			t.Errorf("%s runs before edgeauth", later)
		}
	}
}
