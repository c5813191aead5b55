package hlsproxy

import (
	"reflect"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

func TestKeySecretWithSeveralValuesFillsTheRotationList(t *testing.T) {
	for src, want := range map[string]Handler{
		"hls_proxy {\n origin s3://b\n key_secret {env.NEW}\n}":                 {KeySecret: "{env.NEW}"},
		"hls_proxy {\n origin s3://b\n key_secret {env.NEW} {file./run/old}\n}": {KeySecrets: []string{"{env.NEW}", "{file./run/old}"}},
		"hls_proxy {\n origin s3://b\n key_secret {env.A} {env.B} {env.C}\n}":   {KeySecrets: []string{"{env.A}", "{env.B}", "{env.C}"}},
	} {
		var h Handler
		if err := h.UnmarshalCaddyfile(caddyfile.NewTestDispenser(src)); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if h.KeySecret != want.KeySecret || !reflect.DeepEqual(h.KeySecrets, want.KeySecrets) {
			t.Errorf("%s: key_secret %q, key_secrets %q", src, h.KeySecret, h.KeySecrets)
		}
	}
}

func provisioned(t *testing.T, h Handler) (*Handler, error) {
	t.Helper()
	ctx, cancel := caddy.NewContext(caddy.Context{Context: t.Context()})
	t.Cleanup(cancel)
	if h.Origins == nil {
		h.Origins = []OriginConfig{{URL: "https://dam.example.com"}}
	}
	err := h.Provision(ctx)
	t.Cleanup(func() { _ = h.Cleanup() })
	return &h, err
}

func TestProvisionResolvesEveryKeySecretInOrder(t *testing.T) {
	newS, oldS := "new-secret-0123456789abcdef", "old-secret-0123456789abcdef"
	t.Setenv("MG_NEW_SECRET", newS)
	t.Setenv("MG_OLD_SECRET", oldS)
	h, err := provisioned(t, Handler{Encryption: "encrypt", KeySecrets: []string{"{env.MG_NEW_SECRET}", "{env.MG_OLD_SECRET}"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{segcrypt.SecretID([]byte(newS)), segcrypt.SecretID([]byte(oldS))}
	if got := h.secrets.IDs(); !reflect.DeepEqual(got, want) {
		t.Fatalf("keyring ids %v, want %v (new first)", got, want)
	}
	if h.rewriter.Secrets != h.secrets {
		t.Fatal("the rewriter does not seal with the handler's keyring")
	}
}

func TestProvisionRefusesABadKeySecretList(t *testing.T) {
	t.Setenv("MG_GOOD_SECRET", "good-secret-0123456789abcdef")
	t.Setenv("MG_SHORT_SECRET", "short")
	for name, tc := range map[string]struct {
		h    Handler
		want string
	}{
		"both fields":       {Handler{Encryption: "encrypt", KeySecret: "{env.MG_GOOD_SECRET}", KeySecrets: []string{"{env.MG_GOOD_SECRET}"}}, "exclusive"},
		"short older":       {Handler{Encryption: "encrypt", KeySecrets: []string{"{env.MG_GOOD_SECRET}", "{env.MG_SHORT_SECRET}"}}, "secret 2"},
		"unset older":       {Handler{Encryption: "encrypt", KeySecrets: []string{"{env.MG_GOOD_SECRET}", "{env.MG_UNSET_FOR_TEST}"}}, "key_secret 2"},
		"short single":      {Handler{Encryption: "decrypt", KeySecret: "{env.MG_SHORT_SECRET}"}, "too short"},
		"encrypt, no value": {Handler{Encryption: "encrypt"}, "needs key_secret"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := provisioned(t, tc.h)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Provision = %v, want an error about %q", err, tc.want)
			}
		})
	}
}
