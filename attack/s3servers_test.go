package attack

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// The same lock on each S3 server (row 14): a site serving s3://media/vod with
// `asset_policy metadata`, once in front of versitygw and once in front of MinIO,
// whose path handling, subresources and metadata are their own. Nothing outside the
// prefix (a sibling prefix, another bucket holding the same key), no S3 subresource
// (ACL, tags, listings, versioning, uploads, response-* overrides) and no object the
// metadata protects reaches a stranger, by any spelling of path, query or method.

// s3ServerObjects are the fixtures of one server, by role; each is distinct random
// bytes, so a window of one in an answer names what leaked.
type s3ServerObjects struct {
	public, protected, unmarked, sibling, otherBucket []byte
}

func seedS3Server(t *testing.T, srv testutil.S3Server) s3ServerObjects {
	t.Helper()
	o := s3ServerObjects{}
	for _, p := range []*[]byte{&o.public, &o.protected, &o.unmarked, &o.sibling, &o.otherBucket} {
		*p = testutil.RandomBytes(t, 3000)
	}
	srv.PutObject(t, "media", "vod/pub/seg0.ts", o.public, "video/mp2t", map[string]string{"tokenize": "false"})
	srv.PutObject(t, "media", "vod/prot/seg0.ts", o.protected, "video/mp2t", map[string]string{"tokenize": "true"})
	srv.PutObject(t, "media", "vod/unmarked/seg0.ts", o.unmarked, "video/mp2t", nil)
	srv.PutObject(t, "media", "secret/seg0.ts", o.sibling, "video/mp2t", map[string]string{"tokenize": "false"})
	srv.PutObject(t, "private", "vod/pub/seg0.ts", o.otherBucket, "video/mp2t", map[string]string{"tokenize": "false"})
	return o
}

// s3ServerSite is one site per server: %[4]d its port, %[5]s its endpoint, %[6]s
// the name of its credentials' environment variables.
const s3ServerSite = `
https://localhost:%[4]d {
	edgeauth {
		key {env.ATTACK_EDGEAUTH_KEY}
		optional
	}
	hls_proxy {
		origin s3://media/vod {
			region us-east-1
			endpoint %[5]s
			access_key {env.ATTACK_S3_ACCESS_%[6]s}
			secret_key {env.ATTACK_S3_SECRET_%[6]s}
		}
		strip_prefix /hls
		asset_policy metadata x-amz-meta-tokenize default protected
	}
}
`

// s3Escapes try to leave vod/ (for the sibling prefix secret/ or the bucket
// "private") or to name an S3 subresource, every way a request-target can.
var s3Escapes = []string{
	"/hls/../secret/seg0.ts", "/hls/%2e%2e/secret/seg0.ts", "/hls/%2E%2E%2Fsecret%2Fseg0.ts",
	"/hls/pub/..%2f..%2fsecret/seg0.ts", "/hls/pub/%2e%2e/%2e%2e/secret/seg0.ts", "/hls/..%5csecret%5cseg0.ts",
	"/hls/%2fmedia%2fsecret%2fseg0.ts", "/hls//secret/seg0.ts", "/hls/pub/seg0.ts%00/../../../secret/seg0.ts",
	"/hls/../../private/vod/pub/seg0.ts", "/hls/%2e%2e/%2e%2e/private/vod/pub/seg0.ts", "/hls/%2F%2E%2E%2F%2E%2E%2Fprivate%2Fvod%2Fpub%2Fseg0.ts",
	"/hls/", "/hls/pub/", "/hls/?list-type=2", "/hls/pub/?list-type=2&prefix=", "/hls/pub/%3Flist-type=2",
	"/hls/pub/seg0.ts?acl", "/hls/pub/seg0.ts?tagging", "/hls/pub/seg0.ts?uploads", "/hls/pub/seg0.ts?versioning",
	"/hls/pub/seg0.ts?location", "/hls/pub/seg0.ts?versionId=null", "/hls/pub/seg0.ts%3Facl", "/hls/pub/seg0.ts%3ftagging",
	"/hls/pub/seg0.ts?response-content-type=text/html", "/hls/pub/seg0.ts?response-content-disposition=inline",
	"/hls/pub/seg0.ts%3Fresponse-content-type=text%2Fhtml",
}

// s3ProtectedSpellings name the protected and unmarked objects, for a stranger.
var s3ProtectedSpellings = []string{
	"/hls/prot/seg0.ts", "/hls/%70rot/seg0.ts", "/hls/prot/seg0%2ets", "/hls/pub/../prot/seg0.ts",
	"/hls/pub/%2e%2e/prot/seg0.ts", "/hls/pub/..%2fprot/seg0.ts", "/hls/prot//seg0.ts", "/hls/prot/./seg0.ts",
	"/hls/prot/seg0.ts?response-x-amz-meta-tokenize=false", "/hls/prot/seg0.ts?__token__=",
	"/hls/unmarked/seg0.ts", "/hls/pub/../unmarked/seg0.ts", "/hls/%75nmarked/seg0.ts",
}

// s3Markers are S3 answers that are not an object: listings, ACLs, tags, errors.
var s3Markers = []probe{
	{"an S3 listing", []byte("<ListBucketResult")}, {"an S3 bucket list", []byte("<ListAllMyBucketsResult")},
	{"an S3 ACL", []byte("<AccessControlPolicy")}, {"S3 tags", []byte("<Tagging")},
	{"an S3 upload list", []byte("<ListMultipartUploadsResult")}, {"S3 versioning", []byte("<VersioningConfiguration")},
	{"an S3 location", []byte("<LocationConstraint")}, {"an S3 error body", []byte("<Error>")},
	{"an S3 object key in XML", []byte("<Key>")},
}

// rowS3Servers: row 14, on its own bin/caddy with one site per S3 server.
func rowS3Servers(t *testing.T, st *stack) {
	ports := testutil.FreePorts(t, 2+len(testutil.S3Kinds))
	cf := fmt.Sprintf(ownGlobal, ports[0], ports[1], ports[2])
	env := []string{"ATTACK_EDGEAUTH_KEY=" + st.Key}
	objects := map[string]s3ServerObjects{}
	var sites []*site
	for i, kind := range testutil.S3Kinds {
		srv := testutil.StartS3(t, kind, testutil.S3Options{Buckets: []string{"media", "private"}, Meta: true,
			Access: "attack" + testutil.RandomHex(t, 6), Secret: testutil.RandomHex(t, 20)})
		objects[kind] = seedS3Server(t, srv)
		c, suffix := srv.Conn(), strings.ToUpper(kind)
		cf += fmt.Sprintf(s3ServerSite, ports[0], ports[1], ports[2], ports[2+i], c.Endpoint, suffix)
		env = append(env, "ATTACK_S3_ACCESS_"+suffix+"="+c.Access, "ATTACK_S3_SECRET_"+suffix+"="+c.Secret)
		sites = append(sites, &site{Name: "s3 server " + kind, Port: ports[2+i], Kind: "s3-" + kind, Mode: "passthrough"})
	}
	testutil.StartCaddy(t, cf, ports[0], env, ports[2:]...)
	for i, s := range sites {
		t.Run(testutil.S3Kinds[i], func(t *testing.T) { s3ServerRow(t, st, s, objects[testutil.S3Kinds[i]]) })
	}
}

func s3ServerRow(t *testing.T, st *stack, s *site, o s3ServerObjects) {
	c := newClient(st)
	defer c.closeAll()
	tok := st.token(t, "token for /hls/prot", "/hls/prot/*")
	// Sanctioned first: a row whose public object does not play proves nothing.
	if res := c.do(t, s, request{Target: "/hls/pub/seg0.ts"}); res.Status != 200 || !bytes.Equal(res.Body, o.public) {
		st.reg.fail(t, "%s: status %d (%d bytes): the public object is not served to a stranger", s.Name, res.Status, len(res.Body))
	}
	if res := c.do(t, s, request{Target: q("/hls/prot/seg0.ts", tok)}); res.Status != 200 || !bytes.Equal(res.Body, o.protected) {
		st.reg.fail(t, "%s: status %d (%d bytes): the protected object is not served with its token", s.Name, res.Status, len(res.Body))
	}
	outside := append(windows("object s3://media/secret (outside the prefix)", o.sibling),
		windows("object s3://private (another bucket)", o.otherBucket)...)
	outside = append(outside, s3Markers...)
	for _, target := range s3Escapes {
		for _, r := range []request{{Target: target}, {Target: target, Method: "HEAD"}, {Target: q(target, tok)},
			{Target: target, Headers: []string{"Range: bytes=0-99"}}} {
			res := c.do(t, s, r)
			st.reg.forbid(t, s, r, res, outside)
			if mt, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); mt == "text/html" || mt == "application/xml" {
				st.reg.fail(t, "%s: status %d: Content-Type %q from the S3 server reached the client", st.reg.describe(s, r), res.Status, mt)
			}
		}
	}
	hidden := append(windows("protected object vod/prot", o.protected), windows("unmarked object vod/unmarked", o.unmarked)...)
	hidden = append(hidden, outside...)
	for _, target := range s3ProtectedSpellings {
		for _, r := range []request{{Target: target}, {Target: target, Method: "HEAD"}, {Target: target, Headers: []string{"Range: bytes=0-99"}},
			{Target: target, Headers: []string{"Range: bytes=-100"}}, {Target: target + "?download"}, {Target: target, Headers: []string{"If-None-Match: *"}}} {
			res := c.do(t, s, r)
			if res.Status < 400 {
				st.reg.fail(t, "%s: status %d: a stranger got an answer for an object the metadata protects", st.reg.describe(s, r), res.Status)
			}
			st.reg.forbid(t, s, r, res, hidden)
		}
	}
}
