package examples

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2/caddyconfig"

	_ "github.com/caddyserver/caddy/v2/modules/standard"
	_ "github.com/mediagate/caddy-mediagate" // every mediagate module
)

// The Caddyfile→JSON golden pairs hold in process too (as caddy-l4 checks its
// examples): this half of the contract needs no built binary. The filename is
// the one `caddy adapt` in this directory passes (file_server hides it).
func TestEveryCaddyfileAdaptsInProcessToItsCommittedJSON(t *testing.T) {
	adapter := caddyconfig.GetAdapter("caddyfile")
	for _, cf := range caddyfiles(t) {
		base := filepath.Base(cf)
		src, err := os.ReadFile(cf)
		if err != nil {
			t.Fatal(err)
		}
		want, err := os.ReadFile(strings.TrimSuffix(cf, ".Caddyfile") + ".json")
		if err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		got, _, err := adapter.Adapt(src, map[string]any{"filename": "./" + base})
		if err != nil {
			t.Errorf("%s: %v", base, err)
			continue
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, got, "", "\t"); err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(pretty.String()) != strings.TrimSpace(string(want)) {
			t.Errorf("%s adapts in process to JSON other than the committed .json:\n%s", base, pretty.String())
		}
	}
}
