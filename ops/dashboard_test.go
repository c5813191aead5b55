package ops

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

const dashboardFile = "grafana/mediagate.json"

// dashboard is the part of a Grafana dashboard JSON model the tests read.
type dashboard struct {
	Title  string  `json:"title"`
	UID    string  `json:"uid"`
	Panels []panel `json:"panels"`
}

type panel struct {
	ID         int    `json:"id"`
	Type       string `json:"type"`
	Title      string `json:"title"`
	Datasource *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
	Panels []panel `json:"panels"` // a collapsed row's panels
}

// query is one target of a panel.
type query struct {
	Title, Expr string
}

// instantExpr is the query with Grafana's variables as an instant query
// over the test's short history would see them: every instance, a 1m range.
func (q query) instantExpr() string {
	return strings.NewReplacer("$__rate_interval", "1m", "${instance}", ".*", "$instance", ".*").Replace(q.Expr)
}

func readDashboard(t *testing.T) dashboard {
	t.Helper()
	b, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	return d
}

// all is every panel, rows' nested panels included.
func (d dashboard) all() []panel {
	var out []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			out = append(out, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)
	return out
}

// queries is every target of every panel.
func (d dashboard) queries() []query {
	var qs []query
	for _, p := range d.all() {
		for _, tg := range p.Targets {
			qs = append(qs, query{Title: p.Title, Expr: tg.Expr})
		}
	}
	return qs
}

// TestDashboardPanelsQueryTheFleetThroughTheDatasourceVariable: every
// panel but a row has a PromQL query on the Prometheus datasource variable,
// selecting job="mediagate" and the $instance variable, with unique ids.
// Which series the queries name is checked against a real scrape by
// TestPrometheusAnswersWhatAnOperatorAsksOfAFleet.
func TestDashboardPanelsQueryTheFleetThroughTheDatasourceVariable(t *testing.T) {
	d := readDashboard(t)
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q title %q: both needed for provisioning", d.UID, d.Title)
	}
	ids := map[int]bool{}
	n := 0
	for _, p := range d.all() {
		if ids[p.ID] {
			t.Errorf("panel %q: id %d repeated", p.Title, p.ID)
		}
		ids[p.ID] = true
		if p.Type == "row" {
			continue
		}
		n++
		if p.Datasource == nil || p.Datasource.Type != "prometheus" || p.Datasource.UID != "${datasource}" {
			t.Errorf("panel %q: datasource %+v, want the prometheus ${datasource} variable", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if !strings.Contains(tg.Expr, `job="mediagate"`) || !strings.Contains(tg.Expr, `instance=~"$instance"`) {
				t.Errorf("panel %q: %s does not select job=\"mediagate\" and the $instance variable", p.Title, tg.Expr)
			}
			if len(metricName.FindAllString(tg.Expr, -1)) == 0 && !strings.HasPrefix(tg.Expr, "up{") {
				t.Errorf("panel %q: %s names no mediagate or caddy series", p.Title, tg.Expr)
			}
		}
	}
	if n == 0 {
		t.Fatalf("%s has no panels", dashboardFile)
	}
}
