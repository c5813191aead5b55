package e2e

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// webPlayer is a player sites embed, with its page in e2e/players and its npm package.
type webPlayer struct {
	Name, Page, Package string
}

// webPlayers: each page sends credentials its own way (see the pages and docs/players.md).
var webPlayers = []webPlayer{
	{"hls.js", "hlsjs.html", "hls.js"},             // xhrSetup: xhr.withCredentials = true
	{"Shaka Player", "shaka.html", "shaka-player"}, // request filter: allowCrossSiteCredentials
	{"video.js", "videojs.html", "video.js"},       // html5.vhs.withCredentials
}

// webJob is one page to play: the player's page on a page origin, playing src.
type webJob struct {
	ID  string `json:"id"`
	URL string `json:"url"`
}

func newWebJob(id string, p webPlayer, pageOrigin, src string) webJob {
	return webJob{ID: id, URL: pageOrigin + "/" + p.Page + "?src=" + url.QueryEscape(src)}
}

// webResult is the JSON line e2e/players.mjs prints for a job.
type webResult struct {
	ID          string  `json:"id"`
	OK          bool    `json:"ok"`
	State       string  `json:"state"`
	CurrentTime float64 `json:"currentTime"`
	Frames      int     `json:"frames"`
	Player      string  `json:"player"`
	Version     string  `json:"version"`
	Error       string  `json:"error"`
	TimedOut    bool    `json:"timedOut"`
	GaveUp      bool    `json:"gaveUp"`
	Refused     []struct {
		Status int    `json:"status"`
		Path   string `json:"path"`
		Reason string `json:"reason"`
	} `json:"refused"`
	Cookies struct {
		Sent    []string `json:"sent"`
		Blocked []struct {
			Name    string   `json:"name"`
			Phase   string   `json:"phase"` // "set" (Set-Cookie refused) or "send"
			Reasons []string `json:"reasons"`
		} `json:"blocked"`
	} `json:"cookies"`
	Console []string `json:"console"`
}

func (r webResult) String() string {
	b, _ := json.MarshalIndent(r, "", "  ")
	return redact(string(b))
}

// cookieSent reports whether Chromium sent the named cookie on any request of the page.
func (r webResult) cookieSent(name string) bool {
	for _, n := range r.Cookies.Sent {
		if n == name {
			return true
		}
	}
	return false
}

// blockedReasons lists Chromium's reasons for refusing to store (phase "set") or send a cookie.
func (r webResult) blockedReasons(name, phase string) []string {
	var out []string
	for _, b := range r.Cookies.Blocked {
		if b.Name == name && b.Phase == phase {
			out = append(out, b.Reasons...)
		}
	}
	return out
}

// summary is one line for the figures: what played and for how long.
func (r webResult) summary() string {
	if r.OK {
		return "plays (" + strconv.FormatFloat(r.CurrentTime, 'f', 2, 64) + " s, " + strconv.Itoa(r.Frames) + " frames)"
	}
	s := "refused"
	if len(r.Refused) > 0 {
		s += " " + strconv.Itoa(r.Refused[0].Status) + " " + r.Refused[0].Path + " " + r.Refused[0].Reason
	}
	if reasons := r.blockedReasons("__token__", "set"); len(reasons) > 0 {
		s += ", cookie blocked: " + strings.Join(reasons, ",")
	}
	return s
}

func requireWebPlayers(t *testing.T) string {
	t.Helper()
	modules := append([]string(nil), e2eModules...)
	for _, p := range webPlayers {
		modules = append(modules, p.Package+"/dist")
	}
	return testutil.Browser(t, modules...)
}

// pinnedVersion is a package's version in e2e/package.json.
func pinnedVersion(t *testing.T, pkg string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testutil.RepoRoot(t), "e2e", "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m.Dependencies[pkg]
}

// playWeb plays every job in one Chromium (e2e/players.mjs: four pages at a time, each in a
// fresh browser context, so no cookie passes from one job to another) and returns the results
// in order.
func playWeb(t *testing.T, jobs []webJob) []webResult {
	t.Helper()
	chromium := requireWebPlayers(t)
	dir := t.TempDir()
	jobsFile := filepath.Join(dir, "jobs.json")
	b, err := json.Marshal(jobs)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jobsFile, b, 0o600); err != nil {
		t.Fatal(err)
	}
	const parallel, perJob = 4, 30 * time.Second
	start := time.Now()
	results := testutil.RunDriver[webResult](t, testutil.Driver{Script: "players.mjs",
		Args: []string{"--jobs", jobsFile, "--parallel", strconv.Itoa(parallel), "--timeout", strconv.Itoa(int(perJob / time.Millisecond)),
			"--min-time", "1", "--host-rules", chromiumHostRules, "--chromium", chromium},
		Timeout: time.Duration(len(jobs)/parallel+2) * perJob, Results: len(jobs), Show: redact})
	t.Logf("%d player pages in %s", len(jobs), time.Since(start).Round(100*time.Millisecond))
	for i := range results {
		if results[i].ID != jobs[i].ID {
			t.Fatalf("result %d is for %q, want %q", i, results[i].ID, jobs[i].ID)
		}
	}
	return results
}

// checkPlayedPinned fails unless the page played past 1 s with decoded frames, in the pinned
// version of its player.
func checkPlayedPinned(t *testing.T, p webPlayer, res webResult) {
	t.Helper()
	if !res.OK {
		t.Fatalf("%s did not play past 1 s with decoded frames:\n%s", p.Name, res)
	}
	if want := pinnedVersion(t, p.Package); strings.TrimPrefix(res.Version, "v") != want {
		t.Errorf("%s %q played, want the pinned %s", p.Name, res.Version, want)
	}
}
