// Package fleetcompat decides whether Caddy JSON configurations can serve
// one mediagate fleet side by side (docs/fleet.md): the same EdgeAuth and
// hls_proxy handlers, in the same order, agreeing on everything a player's
// requests carry from one instance to another, with key lists each side of
// a rolling rotation can accept. It reads configs as generic JSON and
// imports no Caddy package; secrets are resolved by the caller's Resolver
// and only their public ids are ever reported.
package fleetcompat

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// Resolver resolves {env.*} and {file.*} placeholders of a secret.
type Resolver func(string) (string, error)

// handler is one edgeauth or hls_proxy configuration found in a config.
type handler struct {
	kind string // "edgeauth" or "hls_proxy"
	path string // where in the JSON, e.g. apps.http.servers.srv0.routes.0.handle.1
	obj  map[string]any
}

// Fields that may differ between instances: per-instance tuning, and
// credentials (two instances may hold different identities with the same
// rights on one bucket).
var mayDiffer = map[string][]string{
	"edgeauth":  {"clock_skew"},
	"hls_proxy": {"timeout", "failover_backoff", "playlist_cache", "vod_cache_ttl"},
}

var originMayDiffer = []string{"access_key", "secret_key", "session_token", "profile", "headers"}

// Report is the outcome of a comparison: Problems make the configs
// incompatible; Notes are worth knowing (e.g. a rotation in progress).
type Report struct {
	Problems, Notes []string
}

// OK reports whether the configs can run side by side.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Compare checks every config against the first. names label them in
// messages.
func Compare(names []string, configs [][]byte, resolve Resolver) (Report, error) {
	var rep Report
	var first []handler
	for i, raw := range configs {
		var v any
		if err := json.Unmarshal(raw, &v); err != nil {
			return rep, fmt.Errorf("%s: not JSON: %w", names[i], err)
		}
		var hs []handler
		walk(v, "", &hs)
		if i == 0 {
			first = hs
			if len(hs) == 0 {
				rep.Notes = append(rep.Notes, names[0]+" has no edgeauth or hls_proxy handler")
			}
			continue
		}
		if err := comparePair(&rep, names[0], names[i], first, hs, resolve); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func comparePair(rep *Report, na, nb string, a, b []handler, resolve Resolver) error {
	if ka, kb := kinds(a), kinds(b); !slices.Equal(ka, kb) {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s has handlers %v, %s has %v: not the same sites", na, ka, nb, kb))
		return nil
	}
	count := map[string]int{}
	for i := range a {
		count[a[i].kind]++
		label := fmt.Sprintf("%s #%d (%s)", a[i].kind, count[a[i].kind], a[i].path)
		var err error
		if a[i].kind == "edgeauth" {
			err = compareEdgeAuth(rep, label, na, nb, a[i].obj, b[i].obj, resolve)
		} else {
			err = compareHLSProxy(rep, label, na, nb, a[i].obj, b[i].obj, resolve)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", label, err)
		}
	}
	return nil
}

func compareEdgeAuth(rep *Report, label, na, nb string, a, b map[string]any, resolve Resolver) error {
	ia, ib, err := onBoth(na, nb, a, b, func(obj map[string]any) ([]string, error) { return edgeKeyIDs(obj, resolve) })
	if err != nil {
		return err
	}
	checkRing(rep, label, "EdgeAuth key lists", "signs", na, nb, ia, ib)
	sa, sb, err := onBoth(na, nb, a, b, func(obj map[string]any) (string, error) {
		v, err := resolveField(obj, "salt", resolve)
		if err != nil {
			return "", fmt.Errorf("salt: %w", err)
		}
		return v, nil
	})
	if err != nil {
		return err
	}
	if sa != sb {
		rep.Problems = append(rep.Problems, label+": the salts differ (every token fails on the other side)")
	}
	checkFields(rep, label, a, b, append([]string{"keys", "salt", "handler"}, mayDiffer["edgeauth"]...))
	return nil
}

func compareHLSProxy(rep *Report, label, na, nb string, a, b map[string]any, resolve Resolver) error {
	ia, ib, err := onBoth(na, nb, a, b, func(obj map[string]any) ([]string, error) { return secretIDs(obj, resolve) })
	if err != nil {
		return err
	}
	if len(ia) > 0 || len(ib) > 0 {
		checkRing(rep, label, "key_secret lists", "seals", na, nb, ia, ib)
	}
	oa, ob := origins(a), origins(b)
	if !equalJSON(oa, ob) {
		rep.Problems = append(rep.Problems, label+": the origins differ (URL, endpoint, region or addressing)")
	}
	checkFields(rep, label, a, b, append([]string{"key_secret", "key_secrets", "origins", "handler"}, mayDiffer["hls_proxy"]...))
	return nil
}

// onBoth applies f to both sides' handler objects; an error names its side.
func onBoth[T any](na, nb string, a, b map[string]any, f func(map[string]any) (T, error)) (va, vb T, err error) {
	if va, err = f(a); err != nil {
		return va, vb, fmt.Errorf("%s: %w", na, err)
	}
	if vb, err = f(b); err != nil {
		return va, vb, fmt.Errorf("%s: %w", nb, err)
	}
	return va, vb, nil
}

// checkRing applies the rotation rule: each side must accept what the
// other makes with its first entry.
func checkRing(rep *Report, label, what, verb, na, nb string, ia, ib []string) {
	switch {
	case len(ia) == 0 || len(ib) == 0:
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s: %s has %v, %s has %v", label, what, na, ia, nb, ib))
	case !slices.Contains(ib, ia[0]):
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s %s with %s, which %s does not hold %v", label, na, verb, ia[0], nb, ib))
	case !slices.Contains(ia, ib[0]):
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s %s with %s, which %s does not hold %v", label, nb, verb, ib[0], na, ia))
	case !slices.Equal(ia, ib):
		rep.Notes = append(rep.Notes, fmt.Sprintf("%s: %s differ but accept each other (a rotation step): %s %v, %s %v", label, what, na, ia, nb, ib))
	}
}

// checkFields reports every other top-level field that differs.
func checkFields(rep *Report, label string, a, b map[string]any, skip []string) {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	var differ []string
	for k := range keys {
		if !slices.Contains(skip, k) && !equalJSON(a[k], b[k]) {
			differ = append(differ, k)
		}
	}
	sort.Strings(differ)
	if len(differ) > 0 {
		rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %s differ", label, strings.Join(differ, ", ")))
	}
}

func edgeKeyIDs(obj map[string]any, resolve Resolver) ([]string, error) {
	var ids []string
	for i, raw := range stringList(obj["keys"]) {
		v, err := resolve(raw)
		if err != nil {
			return nil, fmt.Errorf("edgeauth key #%d: %w", i+1, err)
		}
		for _, hexKey := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' }) {
			k, err := edgetoken.ParseKey(hexKey)
			if err != nil {
				return nil, fmt.Errorf("edgeauth key #%d: %w", i+1, err)
			}
			ids = append(ids, segcrypt.SecretID(k))
		}
	}
	return ids, nil
}

func secretIDs(obj map[string]any, resolve Resolver) ([]string, error) {
	list := stringList(obj["key_secrets"])
	if s, ok := obj["key_secret"].(string); ok && s != "" {
		list = append([]string{s}, list...)
	}
	var raw [][]byte
	for i, s := range list {
		v, err := resolve(s)
		if err != nil {
			return nil, fmt.Errorf("key_secret %d: %w", i+1, err)
		}
		raw = append(raw, []byte(v))
	}
	if len(raw) == 0 {
		return nil, nil
	}
	ring, err := segcrypt.NewKeyring(raw...)
	if err != nil {
		return nil, err
	}
	return ring.IDs(), nil
}

func resolveField(obj map[string]any, name string, resolve Resolver) (string, error) {
	s, _ := obj[name].(string)
	if s == "" {
		return "", nil
	}
	return resolve(s)
}

// origins keeps what names the objects an origin serves.
func origins(obj map[string]any) []any {
	var out []any
	list, _ := obj["origins"].([]any)
	for _, o := range list {
		m, _ := o.(map[string]any)
		c := map[string]any{}
		for k, v := range m {
			if !slices.Contains(originMayDiffer, k) {
				c[k] = v
			}
		}
		out = append(out, c)
	}
	return out
}

// walk collects edgeauth and hls_proxy handlers (and edgeauth
// authentication providers) in a deterministic order.
func walk(v any, path string, out *[]handler) {
	switch x := v.(type) {
	case map[string]any:
		switch x["handler"] {
		case "edgeauth", "hls_proxy":
			*out = append(*out, handler{kind: x["handler"].(string), path: path, obj: x})
			return
		}
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p, ok := x[k].(map[string]any); ok && k == "edgeauth" && strings.HasSuffix(path, "providers") {
				*out = append(*out, handler{kind: "edgeauth", path: join(path, k), obj: p})
				continue
			}
			walk(x[k], join(path, k), out)
		}
	case []any:
		for i, e := range x {
			walk(e, join(path, strconv.Itoa(i)), out)
		}
	}
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

func kinds(hs []handler) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.kind
	}
	return out
}

func stringList(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}
