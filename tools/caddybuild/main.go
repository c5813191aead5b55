// Command caddybuild builds bin/caddy from the build manifest xcaddy.json.
//
// By default it renders cmd/caddy/main.go from the manifest, makes go.mod require
// the manifest's Caddy version and external plugin versions, and runs `go build`
// (fast and incremental). With -xcaddy it hands the same manifest to
// `xcaddy build` instead (slow: a cold, trimmed build in a temporary module).
// With -check it only verifies that cmd/caddy/main.go and go.mod agree with the
// manifest, and fails otherwise.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

const caddyModule = "github.com/caddyserver/caddy/v2"

// xcaddyVersion is the xcaddy release used with -xcaddy (its @latest is not served here).
const xcaddyVersion = "v0.4.5"

func main() {
	manifestPath := flag.String("manifest", "xcaddy.json", "build manifest")
	output := flag.String("o", "bin/caddy", "output binary")
	useXcaddy := flag.Bool("xcaddy", false, "build with xcaddy instead of go build")
	check := flag.Bool("check", false, "only check that cmd/caddy/main.go and go.mod match the manifest")
	flag.Parse()
	if err := run(*manifestPath, *output, *useXcaddy, *check); err != nil {
		fmt.Fprintln(os.Stderr, "caddybuild:", err)
		os.Exit(1)
	}
}

func run(manifestPath, output string, useXcaddy, check bool) error {
	m, err := LoadManifest(manifestPath)
	if err != nil {
		return err
	}
	if useXcaddy {
		args := append([]string{"run", "github.com/caddyserver/xcaddy/cmd/xcaddy@" + xcaddyVersion}, m.XcaddyArgs(output)...)
		return goCmd(args...)
	}
	src, err := m.MainSource()
	if err != nil {
		return err
	}
	mainPath := filepath.Join("cmd", "caddy", "main.go")
	current, _ := os.ReadFile(mainPath)
	have, err := requiredVersion(caddyModule)
	if err != nil {
		return err
	}
	if check {
		var problems []string
		if !bytes.Equal(current, src) {
			problems = append(problems, mainPath+" is not what xcaddy.json generates (run make build)")
		}
		if have != m.CaddyVersion {
			problems = append(problems, fmt.Sprintf("go.mod requires caddy %s, xcaddy.json says %s", have, m.CaddyVersion))
		}
		if len(problems) > 0 {
			return fmt.Errorf("%s", strings.Join(problems, "; "))
		}
		fmt.Println("cmd/caddy/main.go and go.mod match xcaddy.json")
		return nil
	}
	if have != m.CaddyVersion {
		fmt.Printf("caddybuild: go.mod has caddy %s, manifest wants %s: updating\n", have, m.CaddyVersion)
		if err := goCmd("get", caddyModule+"@"+m.CaddyVersion); err != nil {
			return err
		}
	}
	for _, p := range m.Plugins {
		if _, local := m.LocalDir(p.ModulePath); local || p.Version == "" {
			continue
		}
		if v, _ := requiredVersion(p.ModulePath); v != p.Version {
			if err := goCmd("get", p.ModulePath+"@"+p.Version); err != nil {
				return err
			}
		}
	}
	if !bytes.Equal(current, src) {
		if err := os.MkdirAll(filepath.Dir(mainPath), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(mainPath, src, 0o644); err != nil {
			return err
		}
		fmt.Println("caddybuild: wrote", mainPath)
	}
	fmt.Printf("caddybuild: building %s (caddy %s, %d plugin(s))\n", output, m.CaddyVersion, len(m.Plugins))
	return goCmd("build", "-o", output, "./cmd/caddy")
}

// requiredVersion returns the version of modulePath that the main module selects.
func requiredVersion(modulePath string) (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Version}}", modulePath).Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("go list -m %s: %s", modulePath, strings.TrimSpace(string(ee.Stderr)))
		}
		return "", fmt.Errorf("go list -m %s: %w", modulePath, err)
	}
	return strings.TrimSpace(string(out)), nil
}

func goCmd(args ...string) error {
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w", strings.Join(args, " "), err)
	}
	return nil
}
