package ops

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

const (
	rulesFile     = "prometheus/mediagate-rules.yml"
	rulesTestFile = "prometheus/mediagate-rules_test.yml"
)

// promTool returns the path of promtool (Debian package prometheus), or
// skips the test (fails it under CI=true).
func promTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testutil.Unavailable(t, "%s not found in PATH (apt-get install prometheus)", name)
	}
	return p
}

func TestAlertRulesPassPromtoolCheckAndUnitTests(t *testing.T) {
	promtool := promTool(t, "promtool")
	for _, args := range [][]string{
		{"check", "rules", rulesFile},
		{"test", "rules", rulesTestFile},
	} {
		cmd := exec.Command(promtool, args...)
		cmd.Dir = "."
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("promtool %v: %v\n%s", args, err, out)
		}
		t.Logf("promtool %v:\n%s", args, out)
	}
}

// ruleGroups is the part of a Prometheus rules file the tests read.
type ruleGroups struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert  string            `yaml:"alert"`
			Record string            `yaml:"record"`
			Expr   string            `yaml:"expr"`
			Labels map[string]string `yaml:"labels"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

// ruleTests is the part of a promtool test file the tests read.
type ruleTests struct {
	Tests []struct {
		AlertRuleTest []struct {
			Alertname string `yaml:"alertname"`
			ExpAlerts []any  `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(filepath.FromSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestEveryAlertHasAFiringAndAQuietCase: an alert no test makes fire may
// never fire; one no test keeps quiet may always fire.
func TestEveryAlertHasAFiringAndAQuietCase(t *testing.T) {
	var rules ruleGroups
	var tests ruleTests
	readYAML(t, rulesFile, &rules)
	readYAML(t, rulesTestFile, &tests)
	fires, quiet := map[string]bool{}, map[string]bool{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname] = true
			} else {
				quiet[a.Alertname] = true
			}
		}
	}
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			alerts = append(alerts, r.Alert)
			if sev := r.Labels["severity"]; sev != "page" && sev != "ticket" {
				t.Errorf("%s: severity %q, want page or ticket", r.Alert, sev)
			}
			if !fires[r.Alert] {
				t.Errorf("%s: no test case in %s where it fires", r.Alert, rulesTestFile)
			}
			if !quiet[r.Alert] {
				t.Errorf("%s: no test case in %s where it stays quiet", r.Alert, rulesTestFile)
			}
		}
	}
	for name := range fires {
		if !slices.Contains(alerts, name) {
			t.Errorf("%s tests an alert %s does not define", rulesTestFile, name)
		}
	}
	if len(alerts) == 0 {
		t.Fatalf("%s defines no alert", rulesFile)
	}
}
