package attack

import (
	"bytes"
	"fmt"
	"html"
	"net/url"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// rowEmbedSignsNoOtherAsset: `caddy edgeauth embed --url` with an asset
// name an attacker stored (every ACL/token metacharacter raw and encoded in
// both cases, dot segments) either exits non-zero with nothing on stdout, or
// prints a token whose ACL opens no other asset and no key.
func rowEmbedSignsNoOtherAsset(t *testing.T, st *stack) {
	bin := testutil.CaddyBinary(t)
	key, err := edgetoken.ParseKey(st.Key)
	if err != nil {
		t.Fatal(err)
	}
	v := edgetoken.Verifier{Keys: [][]byte{key}}
	var names []string
	for _, c := range "!*?~%" {
		enc := fmt.Sprintf("%%%02X", c)
		names = append(names, "a"+string(c)+"b", "a"+enc, "a"+strings.ToLower(enc), enc+"/"+enc)
	}
	names = append(names, "*", "a!/keys/a", "a/..", "../keys/a")
	others := []string{"/hls/b/master.m3u8", "/hls/a/master.m3u8", "/keys/a/0.key", "/keys/b/0.key", "/hls/x/y/z.ts"}
	src := regexp.MustCompile(`src="([^"]+)"`)
	for _, name := range names {
		cmd := exec.Command(bin, "edgeauth", "embed", "--key", st.Key, "--url", "https://media.example.com/embed/"+name)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		runErr := cmd.Run()
		if runErr != nil {
			if stdout.Len() > 0 {
				t.Errorf("embed --url …/embed/%s exits %v but prints %q", name, runErr, stdout.String())
			}
			continue
		}
		m := src.FindStringSubmatch(stdout.String())
		if m == nil {
			t.Errorf("embed --url …/embed/%s exits 0 without an iframe: %q", name, stdout.String())
			continue
		}
		u, _ := url.Parse(html.UnescapeString(m[1]))
		tok := u.Query().Get("__token__")
		for _, o := range others {
			if _, f := v.Verify(tok, edgetoken.Request{Path: o}); f == nil {
				pt, _ := edgetoken.Parse(tok)
				t.Errorf("embed --url …/embed/%s signs acl %q, which opens %s", name, pt.ACL, o)
			}
		}
	}
}
