// Package examples checks the example configurations in this directory against the real
// bin/caddy (make build): every X.Caddyfile adapts and validates, its adapted JSON equals the
// committed X.json, it is `caddy fmt` clean, no JSON holds a literal secret, and the JSON-only
// examples validate. Regenerate the .json files with UPDATE_EXAMPLES=1 go test ./caddyfile-examples/.
package examples

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"testing"
)

// dummyEnv is what the examples read at provision time: validation resolves {env.*} secrets.
var dummyEnv = []string{
	"EDGEAUTH_KEY=000102030405060708090a0b0c0d0e0f",
	"HLS_KEY_SECRET=0123456789abcdef0123456789abcdef",
	"EDGEAUTH_KEY_OLD=0f0e0d0c0b0a09080706050403020100",
	"HLS_KEY_SECRET_OLD=fedcba9876543210fedcba9876543210",
	"AWS_ACCESS_KEY_ID=dummy-access",
	"AWS_SECRET_ACCESS_KEY=dummy-secret",
	"MINIO_ACCESS_KEY=dummy-minio-access",
	"MINIO_SECRET_KEY=dummy-minio-secret",
	"DEMO_S3_ACCESS_KEY=dummy-demo-access",
	"DEMO_S3_SECRET_KEY=dummy-demo-secret",
}

// secretFields are JSON keys whose values must be placeholders, never literal secrets.
var secretFields = map[string]bool{
	"keys": true, "key_secret": true, "key_secrets": true, "access_key": true, "secret_key": true,
	"session_token": true, "salt": true,
}

func dir(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate caddyfile-examples")
	}
	return filepath.Dir(file)
}

// caddyBin returns bin/caddy or skips (fails under CI=true) when `make build` has not run.
func caddyBin(t *testing.T) string {
	t.Helper()
	p := filepath.Join(filepath.Dir(dir(t)), "bin", "caddy")
	if fi, err := os.Stat(p); err != nil || fi.IsDir() {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true: bin/caddy not found: run `make build` first")
		}
		t.Skip("bin/caddy not found: run `make build` first")
	}
	return p
}

// run runs bin/caddy in this directory with a clean environment (no DEMO_* port overrides).
func run(t *testing.T, args ...string) (stdout []byte, stderr string, err error) {
	t.Helper()
	home := t.TempDir()
	cmd := exec.Command(caddyBin(t), args...)
	cmd.Dir = dir(t)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CONFIG_HOME=" + filepath.Join(home, "config")}, dummyEnv...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	return out.Bytes(), lastLines(errb.String(), 5), err
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func caddyfiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir(t), "*.Caddyfile"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no *.Caddyfile found")
	}
	sort.Strings(files)
	return files
}

func decode(t *testing.T, what string, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s is not JSON: %v", what, err)
	}
	return v
}

func TestEveryCaddyfileValidatesAndAdaptsToItsCommittedJSON(t *testing.T) {
	update := os.Getenv("UPDATE_EXAMPLES") == "1"
	for _, f := range caddyfiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			adapted, stderr, err := run(t, "adapt", "--validate", "--pretty", "--config", name)
			if err != nil {
				t.Fatalf("caddy adapt --validate --config %s: %v\n%s", name, err, stderr)
			}
			jsonPath := strings.TrimSuffix(f, ".Caddyfile") + ".json"
			if update {
				if err := os.WriteFile(jsonPath, adapted, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			committed, err := os.ReadFile(jsonPath)
			if err != nil {
				t.Fatalf("%s has no committed %s (UPDATE_EXAMPLES=1 writes it): %v", name, filepath.Base(jsonPath), err)
			}
			if !reflect.DeepEqual(decode(t, "adapted "+name, adapted), decode(t, filepath.Base(jsonPath), committed)) {
				t.Errorf("%s adapts to JSON that differs from the committed %s (UPDATE_EXAMPLES=1 rewrites it):\n%s",
					name, filepath.Base(jsonPath), adapted)
			}
		})
	}
}

func TestEveryCaddyfileIsFormatted(t *testing.T) {
	for _, f := range caddyfiles(t) {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			formatted, stderr, err := run(t, "fmt", name)
			if err != nil {
				t.Fatalf("caddy fmt %s: %v\n%s", name, err, stderr)
			}
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(formatted, src) {
				t.Errorf("%s is not `caddy fmt` clean (caddy fmt --overwrite %s)", name, name)
			}
		})
	}
}

func TestJSONOnlyExamplesValidate(t *testing.T) {
	for _, name := range []string{"authentication-provider.json"} {
		t.Run(name, func(t *testing.T) {
			if _, stderr, err := run(t, "validate", "--config", name); err != nil {
				t.Fatalf("caddy validate --config %s: %v\n%s", name, err, stderr)
			}
		})
	}
}

func TestNoExampleJSONHoldsALiteralSecret(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(dir(t), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var found []string
		walkSecrets(decode(t, filepath.Base(f), b), "", &found)
		for _, p := range found {
			t.Errorf("%s: %s is a literal value, want an {env.*} or {file.*} placeholder", filepath.Base(f), p)
		}
	}
}

// walkSecrets lists the paths of secret fields whose values are not placeholders.
func walkSecrets(v any, at string, found *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			if secretFields[k] && !allPlaceholders(val) {
				*found = append(*found, at+"."+k)
				continue
			}
			walkSecrets(val, at+"."+k, found)
		}
	case []any:
		for _, val := range x {
			walkSecrets(val, at+"[]", found)
		}
	}
}

func allPlaceholders(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.HasPrefix(x, "{env.") || strings.HasPrefix(x, "{file.")
	case []any:
		for _, s := range x {
			if !allPlaceholders(s) {
				return false
			}
		}
		return true
	}
	return false
}
