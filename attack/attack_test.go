package attack

import (
	"strings"
	"testing"
	"time"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// TestAttackerGetsNoForbiddenBytes runs every row of the attacker's suite
// against one stack (one versitygw, one bin/caddy with every site). Each row
// is a subtest named for what it proves; a failure names the site, the exact
// request and the forbidden bytes that arrived.
func TestAttackerGetsNoForbiddenBytes(t *testing.T) {
	st := startStack(t)
	t.Run("1 cookie escalation", func(t *testing.T) { rowCookieEscalation(t, st) })
	t.Run("2 self-renewal", func(t *testing.T) { rowSelfRenewal(t, st) })
	t.Run("3 token leaks", func(t *testing.T) { rowTokenLeaks(t, st) })
	t.Run("4 crypto deny by default", func(t *testing.T) { rowCryptoDenyByDefault(t, st) })
	t.Run("5 smaller", func(t *testing.T) { rowSmaller(t, st) })
	t.Run("6 sanctioned paths play", func(t *testing.T) { rowSanctioned(t, st) })
	t.Run("7 root-level entries mint no wider", func(t *testing.T) { rowRootEntryMintsNoWider(t, st) })
	t.Run("8 active content on the media host", func(t *testing.T) { rowActiveContent(t, st) })
	t.Run("9 blocking reload as a DoS", func(t *testing.T) { rowBlockingReloadDoS(t, st) })
	t.Run("10 object cache", func(t *testing.T) { rowObjectCache(t, st) })
	t.Run("11 embed signs no other asset", func(t *testing.T) { rowEmbedSignsNoOtherAsset(t, st) })
	t.Run("12 DAM answers that are not one canonical public answer protect", func(t *testing.T) { rowDAMAnswersProtect(t, st) })
	t.Run("13 held reloads are decided first", func(t *testing.T) { rowHeldReloadDecidedFirst(t, st) })
	t.Run("14 encrypted outputs in object_cache", func(t *testing.T) { rowEncryptedOutputs(t, st) })
	t.Run("15 deltas carry no forbidden URI", func(t *testing.T) { rowDeltasCarryNoForbiddenURI(t, st) })
	t.Run("16 the same lock on each S3 server", func(t *testing.T) { rowS3Servers(t, st) })
	t.Run("17 shared playlist reads share no access decision or token", func(t *testing.T) { rowSharedPlaylistReads(t, st) })
	t.Run("3 token leaks/redaction spellings", func(t *testing.T) { rowRedactionSpellings(t, st) })
	// Last: every token the rows above used or saw minted.
	t.Run("3 token leaks/no token in caddy's log", func(t *testing.T) { rowNoTokenInLog(t, st) })
	t.Logf("%d requests through %d sites", st.reg.sent.Load(), len(st.Sites))
}

// token mints an ACL token valid for 5 minutes (not the cookie lifetime, so
// a minted cookie never equals a test token) and registers it under name.
func (st *stack) token(t testing.TB, name string, acls ...string) string {
	t.Helper()
	return st.tokenOpts(t, name, edgetoken.Options{ACLs: acls, Window: 5 * time.Minute})
}

// tokenOpts mints the token o describes and registers it under name.
func (st *stack) tokenOpts(t testing.TB, name string, o edgetoken.Options) string {
	t.Helper()
	return st.reg.name(testutil.MintToken(t, st.Key, o), name)
}

// assetToken is the token a player of the asset gets: its directory and its keys.
func (st *stack) assetToken(t testing.TB, name string) string {
	t.Helper()
	return st.token(t, "token for "+name, "/hls/"+name+"/*", "/keys/"+name+"/*")
}

// q appends the query token to a target, raw as the Akamai SDK examples do
// except for a space (an ACL naming "my show"), which a request line cannot hold.
func q(target, tok string) string {
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	return target + sep + "__token__=" + strings.ReplaceAll(tok, " ", "%20")
}

// forEachSite runs f for every site in parallel subtests, each with its own client.
func forEachSite(t *testing.T, st *stack, sites []*site, f func(t *testing.T, c *client, s *site)) {
	t.Helper()
	for _, s := range sites {
		t.Run(s.Name, func(t *testing.T) {
			t.Parallel()
			c := newClient(st)
			defer c.closeAll()
			f(t, c, s)
		})
	}
}

// stripToken removes __token__ from a URI (the cookie-only flow), keeping
// everything else (mgctx).
func stripToken(uri string) string {
	p, rawq, ok := strings.Cut(uri, "?")
	if !ok {
		return uri
	}
	var keep []string
	for kv := range strings.SplitSeq(rawq, "&") {
		if !strings.HasPrefix(kv, "__token__=") {
			keep = append(keep, kv)
		}
	}
	if len(keep) == 0 {
		return p
	}
	return p + "?" + strings.Join(keep, "&")
}
