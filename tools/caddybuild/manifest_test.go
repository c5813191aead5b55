package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRepositoryManifestDrivesCommittedMain(t *testing.T) {
	m, err := LoadManifest(filepath.Join("..", "..", "xcaddy.json"))
	if err != nil {
		t.Fatal(err)
	}
	want, err := m.MainSource()
	if err != nil {
		t.Fatal(err)
	}
	have, err := os.ReadFile(filepath.Join("..", "..", "cmd", "caddy", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(have, want) {
		t.Fatalf("cmd/caddy/main.go drifted from xcaddy.json; run make build.\nwant:\n%s", want)
	}
	if !strings.Contains(string(want), `_ "github.com/mediagate/caddy-mediagate"`) {
		t.Fatalf("main does not import the mediagate plugin:\n%s", want)
	}
}

func TestParseManifestRejectsBadInput(t *testing.T) {
	cases := map[string]string{
		"unknown key":       `{"caddy_version":"v2.11.9","plugins":[{"module_path":"example.com/p"}],"extra":1}`,
		"no caddy version":  `{"plugins":[{"module_path":"example.com/p"}]}`,
		"caddy v1":          `{"caddy_version":"v1.0.4","plugins":[{"module_path":"example.com/p"}]}`,
		"no plugins":        `{"caddy_version":"v2.11.9","plugins":[]}`,
		"bad module path":   `{"caddy_version":"v2.11.9","plugins":[{"module_path":"not a path"}]}`,
		"bad plugin semver": `{"caddy_version":"v2.11.9","plugins":[{"module_path":"example.com/p","version":"1.2"}]}`,
		"duplicate plugin":  `{"caddy_version":"v2.11.9","plugins":[{"module_path":"example.com/p"},{"module_path":"example.com/p"}]}`,
		"empty replacement": `{"caddy_version":"v2.11.9","plugins":[{"module_path":"example.com/p"}],"replacements":[{"old":"example.com/p"}]}`,
	}
	for name, raw := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseManifest([]byte(raw)); err == nil {
				t.Fatalf("accepted %s", raw)
			}
		})
	}
}

func TestXcaddyArgsCarryVersionsAndLocalReplacement(t *testing.T) {
	m, err := ParseManifest([]byte(`{"caddy_version":"v2.11.9",
		"plugins":[{"module_path":"example.com/local","version":"v0.0.0"},{"module_path":"example.com/remote","version":"v1.2.3"}],
		"replacements":[{"old":"example.com/local","new":"."},{"old":"example.com/dep","new":"example.com/fork@v1.0.0"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(m.XcaddyArgs("bin/caddy"), " ")
	want := "build v2.11.9 --output bin/caddy --with example.com/local@v0.0.0=. --with example.com/remote@v1.2.3 --replace example.com/dep=example.com/fork@v1.0.0"
	if got != want {
		t.Fatalf("xcaddy args\n got: %s\nwant: %s", got, want)
	}
	if dir, ok := m.LocalDir("example.com/local"); !ok || dir != "." {
		t.Fatalf("LocalDir(local) = %q, %v", dir, ok)
	}
	if _, ok := m.LocalDir("example.com/remote"); ok {
		t.Fatal("remote plugin reported as local")
	}
}
