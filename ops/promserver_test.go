package ops

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// promServer is a running Prometheus (Debian's prometheus 2.42) with its
// configuration and TSDB in temporary directories.
type promServer struct {
	t    *testing.T
	url  string // "http://127.0.0.1:PORT"
	cmd  *exec.Cmd
	out  *testutil.Buffer
	http *http.Client
}

// startPrometheus scrapes Caddy's admin /metrics on every admin port as
// job "mediagate", once a second, with the alert rules loaded.
func startPrometheus(t *testing.T, admins []int) *promServer {
	t.Helper()
	bin := promTool(t, "prometheus")
	dir := t.TempDir()
	rules, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "rules.yml", string(rules))
	var targets []string
	for _, p := range admins {
		targets = append(targets, fmt.Sprintf("'127.0.0.1:%d'", p))
	}
	cfg := writeFile(t, dir, "prometheus.yml", `global:
  scrape_interval: 1s
  scrape_timeout: 900ms
  evaluation_interval: 1s
rule_files:
  - rules.yml
scrape_configs:
  - job_name: mediagate
    static_configs:
      - targets: [`+strings.Join(targets, ", ")+`]
`)
	port := testutil.FreePort(t)
	p := &promServer{t: t, url: "http://127.0.0.1:" + strconv.Itoa(port), out: &testutil.Buffer{},
		http: &http.Client{Timeout: 5 * time.Second}}
	p.cmd = exec.Command(bin, "--config.file="+cfg, "--storage.tsdb.path="+dir+"/data",
		"--web.listen-address=127.0.0.1:"+strconv.Itoa(port), "--log.level=warn")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	// Its own group (Stop kills the group); killed with the test process,
	// so a test killed without cleanup leaves no Prometheus behind holding
	// the test lock's inherited descriptor.
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("starting prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = p.cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = p.cmd.Process.Signal(os.Interrupt)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("prometheus output (tail):\n%s", p.out.Tail(4000))
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := p.http.Get(p.url + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", p.out.Tail(4000))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready within 20 s:\n%s", p.out.Tail(4000))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// apiGet GETs an HTTP API path with a query and decodes its data field.
func (p *promServer) apiGet(path string, q url.Values, data any) error {
	resp, err := p.http.Get(p.url + path + "?" + q.Encode())
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var env struct {
		Status string          `json:"status"`
		Error  string          `json:"error"`
		Data   json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return fmt.Errorf("%s: %v: %.200s", path, err, body)
	}
	if env.Status != "success" {
		return fmt.Errorf("%s %v: %s", path, q, env.Error)
	}
	return json.Unmarshal(env.Data, data)
}

// sample is one element of an instant vector.
type sample struct {
	Metric map[string]string `json:"metric"`
	Value  [2]any            `json:"value"`
}

func (s sample) value() float64 {
	str, _ := s.Value[1].(string)
	v, _ := strconv.ParseFloat(str, 64)
	return v
}

// query evaluates an instant PromQL query now.
func (p *promServer) query(q string) ([]sample, error) {
	var data struct {
		ResultType string   `json:"resultType"`
		Result     []sample `json:"result"`
	}
	if err := p.apiGet("/api/v1/query", url.Values{"query": {q}}, &data); err != nil {
		return nil, err
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("%s: result type %s, want vector", q, data.ResultType)
	}
	return data.Result, nil
}

// answer evaluates q, logs the answer as an operator would read it, and
// returns it keyed by the values of the labels by (joined with ","; "" for
// a single unlabelled sample).
func (p *promServer) answer(q string, by ...string) map[string]float64 {
	p.t.Helper()
	res, err := p.query(q)
	if err != nil {
		p.t.Fatalf("PromQL: %v", err)
	}
	got := map[string]float64{}
	var lines []string
	for _, s := range res {
		var k []string
		for _, l := range by {
			k = append(k, s.Metric[l])
		}
		key := strings.Join(k, ",")
		got[key] = s.value()
		lines = append(lines, fmt.Sprintf("    {%s} %g", key, s.value()))
	}
	sort.Strings(lines)
	p.t.Logf("PromQL %s\n%s", q, strings.Join(lines, "\n"))
	return got
}

// waitFor polls q until cond holds for its answer (by labels by), or fails
// after limit: the scrape after the traffic has to land first.
func (p *promServer) waitFor(what, q string, limit time.Duration, cond func(map[string]float64) bool, by ...string) {
	p.t.Helper()
	deadline := time.Now().Add(limit)
	for {
		res, err := p.query(q)
		got := map[string]float64{}
		for _, s := range res {
			var k []string
			for _, l := range by {
				k = append(k, s.Metric[l])
			}
			got[strings.Join(k, ",")] = s.value()
		}
		if err == nil && cond(got) {
			return
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("%s: %s answered %v (err %v) for %s", what, q, got, err, limit)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// nextScrape waits until every target was scraped after now.
func (p *promServer) nextScrape() {
	p.t.Helper()
	now := float64(time.Now().UnixMilli()) / 1000
	p.waitFor("a scrape of every instance", `min(timestamp(up{job="mediagate"}))`, 5*time.Second,
		func(m map[string]float64) bool { return m[""] > now })
}

// series lists every series Prometheus holds for the job.
func (p *promServer) series() ([]map[string]string, error) {
	var data []map[string]string
	err := p.apiGet("/api/v1/series", url.Values{"match[]": {`{job="mediagate"}`}}, &data)
	return data, err
}

// metricTypes reads the # TYPE lines of one /metrics exposition: family -> type.
func metricTypes(text string) map[string]string {
	types := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		if f := strings.Fields(line); len(f) == 4 && f[0] == "#" && f[1] == "TYPE" {
			types[f[2]] = f[3]
		}
	}
	return types
}
