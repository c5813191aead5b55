package fleetcompat

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// Test secrets, reached through {env.NAME} placeholders as in real configs.
var env = map[string]string{
	"EDGE_OLD": "000102030405060708090a0b0c0d0e0f",
	"EDGE_NEW": "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
	"HLS_OLD":  "old-secret-0123456789abcdef",
	"HLS_NEW":  "new-secret-0123456789abcdef",
	"SALT_A":   "salt-a",
	"SALT_B":   "salt-b",
}

func resolve(s string) (string, error) {
	name, ok := strings.CutPrefix(s, "{env.")
	if !ok {
		return s, nil
	}
	v, ok := env[strings.TrimSuffix(name, "}")]
	if !ok {
		return "", fmt.Errorf("%s is not set", s)
	}
	return v, nil
}

// site is what one config holds, in the shape `caddy adapt` gives.
type site struct {
	edge, hls []string // placeholders
	salt      string
	mode      string
	timeout   string
	origin    map[string]any
}

func defaultSite() site {
	return site{edge: []string{"{env.EDGE_OLD}"}, hls: []string{"{env.HLS_OLD}"}, mode: "encrypt", timeout: "10s",
		origin: map[string]any{"url": "s3://media/", "endpoint": "http://127.0.0.1:7070", "access_key": "{env.A}"}}
}

func (s site) json(t *testing.T) []byte {
	t.Helper()
	edge := map[string]any{"handler": "edgeauth", "keys": s.edge}
	if s.salt != "" {
		edge["salt"] = s.salt
	}
	hls := map[string]any{"handler": "hls_proxy", "encryption": s.mode, "strip_prefix": "/hls", "timeout": s.timeout,
		"origins": []any{s.origin}}
	if len(s.hls) == 1 {
		hls["key_secret"] = s.hls[0]
	} else {
		hls["key_secrets"] = s.hls
	}
	cfg := map[string]any{"apps": map[string]any{"http": map[string]any{"servers": map[string]any{"srv0": map[string]any{
		"routes": []any{map[string]any{"handle": []any{map[string]any{"handler": "subroute", "routes": []any{
			map[string]any{"handle": []any{edge, hls}}}}}}}}}}}}
	b, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func compare(t *testing.T, a, b site) Report {
	t.Helper()
	rep, err := Compare([]string{"A", "B"}, [][]byte{a.json(t), b.json(t)}, resolve)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range append(rep.Problems, rep.Notes...) {
		for name, v := range env {
			if strings.Contains(m, v) {
				t.Fatalf("a message reveals %s: %q", name, m)
			}
		}
	}
	return rep
}

func TestIdenticalConfigsAreCompatible(t *testing.T) {
	if rep := compare(t, defaultSite(), defaultSite()); !rep.OK() || len(rep.Notes) != 0 {
		t.Fatalf("%+v", rep)
	}
}

func TestEachStepOfARotationIsCompatibleWithTheNext(t *testing.T) {
	steps := [][]string{{"OLD"}, {"OLD", "NEW"}, {"NEW", "OLD"}, {"NEW"}}
	for i := 0; i+1 < len(steps); i++ {
		a, b := defaultSite(), defaultSite()
		a.edge, a.hls = names("EDGE", steps[i]), names("HLS", steps[i])
		b.edge, b.hls = names("EDGE", steps[i+1]), names("HLS", steps[i+1])
		rep := compare(t, a, b)
		if !rep.OK() || len(rep.Notes) != 2 {
			t.Errorf("step %v beside step %v: %+v", steps[i], steps[i+1], rep)
		}
	}
}

func TestSkippingTheAddStepIsRefusedForKeysAndSecrets(t *testing.T) {
	a, b := defaultSite(), defaultSite()
	b.edge, b.hls = names("EDGE", []string{"NEW", "OLD"}), names("HLS", []string{"NEW", "OLD"})
	rep := compare(t, a, b)
	if len(rep.Problems) != 2 {
		t.Fatalf("[old] beside [new, old]: %+v", rep)
	}
	newHLS := segcrypt.SecretID([]byte(env["HLS_NEW"]))
	if !strings.Contains(rep.Problems[1], "B seals with "+newHLS+", which A does not hold") {
		t.Errorf("message %q does not say which side cannot open what", rep.Problems[1])
	}
	// The two rolls that skip a step altogether.
	b.edge, b.hls = names("EDGE", []string{"NEW"}), names("HLS", []string{"NEW"})
	if rep := compare(t, a, b); len(rep.Problems) != 2 {
		t.Fatalf("[old] beside [new]: %+v", rep)
	}
}

func TestSettingsThatTravelWithAViewMustMatch(t *testing.T) {
	for name, change := range map[string]func(*site){
		"salt":       func(s *site) { s.salt = "{env.SALT_B}" },
		"mode":       func(s *site) { s.mode = "reencrypt" },
		"origin url": func(s *site) { s.origin = map[string]any{"url": "s3://other/"} },
	} {
		b := defaultSite()
		change(&b)
		a := defaultSite()
		if name == "salt" {
			a.salt = "{env.SALT_A}"
		}
		if rep := compare(t, a, b); rep.OK() {
			t.Errorf("%s differs, yet compatible: %+v", name, rep)
		}
	}
}

func TestTuningAndCredentialsMayDiffer(t *testing.T) {
	b := defaultSite()
	b.timeout = "30s"
	b.origin = map[string]any{"url": "s3://media/", "endpoint": "http://127.0.0.1:7070", "access_key": "{env.OTHER}", "profile": "host-b"}
	if rep := compare(t, defaultSite(), b); !rep.OK() {
		t.Fatalf("%+v", rep)
	}
}

func TestDifferentSitesAreRefused(t *testing.T) {
	a := defaultSite().json(t)
	rep, err := Compare([]string{"A", "B"}, [][]byte{a, []byte(`{"apps":{}}`)}, resolve)
	if err != nil || rep.OK() {
		t.Fatalf("%+v, %v", rep, err)
	}
}

func TestAnUnresolvableSecretIsAnError(t *testing.T) {
	b := defaultSite()
	b.hls = []string{"{env.UNSET}"}
	if _, err := Compare([]string{"A", "B"}, [][]byte{defaultSite().json(t), b.json(t)}, resolve); err == nil || !strings.Contains(err.Error(), "B") {
		t.Fatalf("err = %v, want one naming config B", err)
	}
}

func TestAuthenticationProvidersAreFound(t *testing.T) {
	cfg := []byte(`{"apps":{"http":{"servers":{"s":{"routes":[{"handle":[{"handler":"authentication","providers":{"edgeauth":{"keys":["{env.EDGE_OLD}"]}}}]}]}}}}}`)
	other := []byte(strings.ReplaceAll(string(cfg), "EDGE_OLD", "EDGE_NEW"))
	rep, err := Compare([]string{"A", "B"}, [][]byte{cfg, other}, resolve)
	if err != nil || rep.OK() {
		t.Fatalf("providers with disjoint keys: %+v, %v", rep, err)
	}
}

func names(prefix string, which []string) []string {
	var out []string
	for _, w := range which {
		out = append(out, "{env."+prefix+"_"+w+"}")
	}
	return out
}
