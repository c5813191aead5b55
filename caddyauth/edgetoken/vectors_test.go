package edgetoken

import (
	"net/netip"
	"testing"
	"time"
)

// publicVectors are the test vectors of edgeauth-token.md, each verified
// with two independent implementations.
var publicVectors = []struct {
	name  string
	key   string
	alg   Algorithm
	opts  Options // without Key / Algorithm
	token string
	// verification context
	path     string
	urlMode  bool
	escape   bool
	clientIP string
}{
	{
		name: "sha256 acl /foo", key: "abc123", alg: SHA256,
		opts:  Options{Start: 1616545627, Expires: 1616545657, ACLs: []string{"/foo"}},
		token: "st=1616545627~exp=1616545657~acl=/foo~hmac=ba0d665ffc7c80159d08e1a9a143ed345bc2f3e374f8af73248ff67fb087a420",
		path:  "/foo",
	},
	{
		name: "sha1 acl /foo", key: "abc123", alg: SHA1,
		opts:  Options{Start: 1616545627, Expires: 1616545657, ACLs: []string{"/foo"}},
		token: "st=1616545627~exp=1616545657~acl=/foo~hmac=d0a1b5410049ecef4fcbd91ee4f53a7cda0084bc",
		path:  "/foo",
	},
	{
		name: "md5 acl /foo", key: "abc123", alg: MD5,
		opts:  Options{Start: 1616545627, Expires: 1616545657, ACLs: []string{"/foo"}},
		token: "st=1616545627~exp=1616545657~acl=/foo~hmac=75f85046a2f91c1757d1a3efde786344",
		path:  "/foo",
	},
	{
		name: "sha256 multi acl /foo!/goo", key: "abc123", alg: SHA256,
		opts:  Options{Start: 1616545627, Expires: 1616545657, ACLs: []string{"/foo", "/goo"}},
		token: "st=1616545627~exp=1616545657~acl=/foo!/goo~hmac=90a2177d45e7817cf3f48f73eeff9a642df0369ba21c0dda38f44c719a94a4e0",
		path:  "/goo",
	},
	{
		name: "acl /* without st", key: "1234", alg: SHA256,
		opts:  Options{Expires: 1622136497, ACLs: []string{"/*"}},
		token: "exp=1622136497~acl=/*~hmac=ec70c1b6fb2b2baa4dd58e3a4bc1b8e333b63288fdc2d13c5a9b5037d1bba5ea",
		path:  "/any/where.ts",
	},
	{
		name: "acl /hls/stream1/*", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts:  Options{Start: 1700000000, Expires: 1700000300, ACLs: []string{"/hls/stream1/*"}},
		token: "st=1700000000~exp=1700000300~acl=/hls/stream1/*~hmac=5c513c32dc703fd7a532d25f936490d24ee42ebcd4d29392fc7eac13914c47b4",
		path:  "/hls/stream1/seg-001.ts",
	},
	{
		name: "url mode", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts:  Options{Expires: 1700000300, URL: "/hls/stream1/index.m3u8"},
		token: "exp=1700000300~hmac=7b04c1d3608f789d9f400e1b7365e06bd49870d9db5c9bc60368098392ada1d6",
		path:  "/hls/stream1/index.m3u8", urlMode: true,
	},
	{
		name: "url mode escape_early", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts:  Options{Expires: 1700000300, URL: "/hls/stream1/index.m3u8", EscapeEarly: true},
		token: "exp=1700000300~hmac=f9668dd78b2adce278a96f6ddc49e0756bf256c2cd830fdef531f00e933c5c6f",
		path:  "/hls/stream1/index.m3u8", urlMode: true, escape: true,
	},
	{
		name: "ip st acl id data salt", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts: Options{IP: "203.0.113.7", Start: 1700000000, Expires: 1700003600, ACLs: []string{"/hls/*"},
			ID: "sess-42", Data: "user=alice", Salt: "pepper"},
		token: "ip=203.0.113.7~st=1700000000~exp=1700003600~acl=/hls/*~id=sess-42~data=user=alice~hmac=2172c8aae057214b3f859a980b1245d3406c9419ff804d447538040aa4e7f891",
		path:  "/hls/a/b.ts", clientIP: "203.0.113.7",
	},
	{
		name: "PHP rawurlencode acl", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts:  Options{Start: 1700000000, Expires: 1700000300, ACLs: []string{"%2Fhls%2Fstream1%2F%2A"}},
		token: "st=1700000000~exp=1700000300~acl=%2Fhls%2Fstream1%2F%2A~hmac=93c9052cc72c7e3faace38be5b86fb1b2b71e7e4bb4c083fc82f2d3889070767",
		path:  "/hls/stream1/index.m3u8",
	},
	{
		name: "edge-style escaped acl", key: "0123456789abcdef0123456789abcdef", alg: SHA256,
		opts:  Options{Expires: 1700000300, ACLs: []string{"%2f*"}},
		token: "exp=1700000300~acl=%2f*~hmac=1b1358c227ae98f231ad2c11d33ab0e207c4c9a736873e01cb205e9856593a35",
		path:  "/anything/at/all.ts",
	},
}

func mustKey(t testing.TB, s string) []byte {
	t.Helper()
	k, err := ParseKey(s)
	if err != nil {
		t.Fatalf("ParseKey: %v", err)
	}
	return k
}

func TestPublicVectorsGenerateByteIdentical(t *testing.T) {
	for _, v := range publicVectors {
		t.Run(v.name, func(t *testing.T) {
			o := v.opts
			o.Key = mustKey(t, v.key)
			o.Algorithm = v.alg
			got, err := Generate(o)
			if err != nil {
				t.Fatalf("Generate: %v", err)
			}
			if got != v.token {
				t.Errorf("Generate =\n %s\nwant\n %s", got, v.token)
			}
		})
	}
}

func TestPublicVectorsVerify(t *testing.T) {
	for _, v := range publicVectors {
		t.Run(v.name, func(t *testing.T) {
			ver := &Verifier{Keys: [][]byte{mustKey(t, v.key)}, Algorithm: v.alg, Salt: v.opts.Salt,
				URLMode: v.urlMode, EscapeEarly: v.escape}
			now := time.Unix(v.opts.Expires-5, 0)
			req := Request{Path: v.path, Now: now}
			if v.clientIP != "" {
				req.ClientIP = netip.MustParseAddr(v.clientIP)
			}
			tok, err := ver.Verify(v.token, req)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if tok.Expires != v.opts.Expires {
				t.Errorf("Expires = %d, want %d", tok.Expires, v.opts.Expires)
			}
			if fs := ver.Explain(v.token, req); len(fs) != 0 {
				t.Errorf("Explain of a valid token = %v", fs)
			}
		})
	}
}

// Each vector must fail when a single byte of what it signs changes.
func TestPublicVectorsTamperedFailWithBadHMAC(t *testing.T) {
	for _, v := range publicVectors {
		t.Run(v.name, func(t *testing.T) {
			ver := &Verifier{Keys: [][]byte{mustKey(t, v.key)}, Algorithm: v.alg, Salt: v.opts.Salt,
				URLMode: v.urlMode, EscapeEarly: v.escape}
			req := Request{Path: v.path, Now: time.Unix(v.opts.Expires-5, 0)}
			if v.clientIP != "" {
				req.ClientIP = netip.MustParseAddr(v.clientIP)
			}
			// exp one second earlier: still within its validity window.
			exp := itoa(v.opts.Expires)
			tampered := replaceOnce(v.token, "exp="+exp, "exp="+itoa(v.opts.Expires-1))
			_, err := ver.Verify(tampered, req)
			if reasonOf(err) != ReasonBadHMAC {
				t.Fatalf("tampered exp: err = %v, want bad_hmac", err)
			}
			wrongSalt := *ver
			wrongSalt.Salt = "other"
			if _, err := wrongSalt.Verify(v.token, req); reasonOf(err) != ReasonBadHMAC {
				t.Fatalf("wrong salt: err = %v, want bad_hmac", err)
			}
		})
	}
}
