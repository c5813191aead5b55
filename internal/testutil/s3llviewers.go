package testutil

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// GetBody GETs url and returns the status and the body (0, "" and an error
// reported on t when the request fails).
func GetBody(t testing.TB, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Error(err)
		return 0, ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// HeldRound sends a blocking reload of playlistURL for the next part, checks
// it is still held 0.5 s later, publishes that part, and checks the answer
// is a 200 listing it. It returns the time from the playlist's PutObject
// to the answer, and the part waited for.
func (p *S3LLPackager) HeldRound(t testing.TB, playlistURL string) (latency time.Duration, msn, part int) {
	t.Helper()
	msn, part = p.Done, p.Parts
	type answer struct {
		code int
		body string
		at   time.Time
	}
	ch := make(chan answer, 1)
	go func() {
		code, body := GetBody(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", playlistURL, msn, part))
		ch <- answer{code, body, time.Now()}
	}()
	time.Sleep(500 * time.Millisecond)
	select {
	case a := <-ch:
		t.Fatalf("answered %d before the part was in the bucket:\n%s", a.code, a.body)
	default:
	}
	_, _, in := p.Publish(t)
	a := <-ch
	if want := fmt.Sprintf(`URI="part%d.%d.ts"`, msn, part); a.code != 200 || !strings.Contains(a.body, want) {
		t.Fatalf("held reload: %d, want 200 listing %s:\n%s", a.code, want, a.body)
	}
	return a.at.Sub(in), msn, part
}

// Follow runs n viewers that each follow the live edge part by part with
// blocking reloads of playlistURL while parts are published every 0.5 s;
// it returns the playlist GETs per second the origin saw, and the answers.
func (p *S3LLPackager) Follow(t testing.TB, playlistURL string, n, parts int) (perSecond float64, answers int64) {
	before := p.GETs()
	stop := make(chan struct{})
	var ok atomic.Int64
	var wg sync.WaitGroup
	for range n {
		msn, part := p.Done, p.Parts
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if code, _ := GetBody(t, fmt.Sprintf("%s?_HLS_msn=%d&_HLS_part=%d", playlistURL, msn, part)); code != 200 {
					continue
				}
				ok.Add(1)
				if part++; part == 4 {
					msn, part = msn+1, 0
				}
			}
		})
	}
	start := time.Now()
	for range parts {
		time.Sleep(500 * time.Millisecond)
		p.Publish(t)
	}
	elapsed := time.Since(start)
	gets := p.GETs() - before
	close(stop)
	p.Publish(t) // releases the last held requests
	wg.Wait()
	return float64(gets) / elapsed.Seconds(), ok.Load()
}
