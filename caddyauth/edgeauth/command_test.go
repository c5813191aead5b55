package edgeauth

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func runCommand(t *testing.T, cmd *cobra.Command, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String(), err
}

func TestTokenCommandMatchesSDKVectors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--key", "abc123", "--acl", "/foo", "--st", "1616545627", "--exp", "1616545657"},
			"st=1616545627~exp=1616545657~acl=/foo~hmac=ba0d665ffc7c80159d08e1a9a143ed345bc2f3e374f8af73248ff67fb087a420"},
		{[]string{"--key", "abc123", "--acl", "/foo", "--st", "1616545627", "--exp", "1616545657", "--algo", "md5"},
			"st=1616545627~exp=1616545657~acl=/foo~hmac=75f85046a2f91c1757d1a3efde786344"},
		{[]string{"--key", "abc123", "--acl", "/foo", "--acl", "/goo", "--st", "1616545627", "--exp", "1616545657"},
			"st=1616545627~exp=1616545657~acl=/foo!/goo~hmac=90a2177d45e7817cf3f48f73eeff9a642df0369ba21c0dda38f44c719a94a4e0"},
		{[]string{"--key", keyA, "--url", "/hls/stream1/index.m3u8", "--exp", "1700000300", "--escape-early"},
			"exp=1700000300~hmac=f9668dd78b2adce278a96f6ddc49e0756bf256c2cd830fdef531f00e933c5c6f"},
		{[]string{"--key", keyA, "--ip", "203.0.113.7", "--st", "1700000000", "--window", "3600", "--acl", "/hls/*",
			"--id", "sess-42", "--data", "user=alice", "--salt", "pepper"},
			"ip=203.0.113.7~st=1700000000~exp=1700003600~acl=/hls/*~id=sess-42~data=user=alice~hmac=2172c8aae057214b3f859a980b1245d3406c9419ff804d447538040aa4e7f891"},
	}
	for _, tt := range tests {
		out, err := runCommand(t, newTokenCommand(), tt.args...)
		if err != nil || strings.TrimSpace(out) != tt.want {
			t.Errorf("token %v = %q, %v\nwant %q", tt.args, out, err, tt.want)
		}
	}
}

func TestTokenCommandDefaultsToWindowFromNow(t *testing.T) {
	before := time.Now().Unix()
	out, err := runCommand(t, newTokenCommand(), "--key", keyA, "--acl", "/hls/a/*", "--st", "now")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := edgetoken.Parse(strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if tok.Start < before || tok.Expires != tok.Start+300 {
		t.Errorf("st %d exp %d, want st>=%d and a 300 s window", tok.Start, tok.Expires, before)
	}
}

func TestTokenCommandKeyFromEnvironment(t *testing.T) {
	t.Setenv("EDGEAUTH_KEY", "abc123")
	out, err := runCommand(t, newTokenCommand(), "--acl", "/foo", "--st", "1616545627", "--exp", "1616545657")
	if err != nil || !strings.HasSuffix(strings.TrimSpace(out), "hmac=ba0d665ffc7c80159d08e1a9a143ed345bc2f3e374f8af73248ff67fb087a420") {
		t.Errorf("out %q, err %v", out, err)
	}
}

func TestTokenCommandErrors(t *testing.T) {
	t.Setenv("EDGEAUTH_KEY", "")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--acl", "/a"}, "--key"},
		{[]string{"--key", "abc", "--acl", "/a"}, "odd"},
		{[]string{"--key", keyA}, "exactly one of acl or url"},
		{[]string{"--key", keyA, "--acl", "/a", "--algo", "sha512"}, "algorithm"},
		{[]string{"--key", keyA, "--acl", "/a", "--st", "yesterday"}, "--st"},
	}
	for _, tt := range tests {
		if _, err := runCommand(t, newTokenCommand(), tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("token %v: err %v, want %q", tt.args, err, tt.want)
		}
	}
}

func TestVerifyCommand(t *testing.T) {
	now := time.Now().Unix()
	good := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Expires: now + 300})
	expiredOther := mint(t, edgetoken.Options{ACLs: []string{"/hls/a/*"}, Expires: now - 12})
	vec := "st=1616545627~exp=1616545657~acl=/foo~hmac=ba0d665ffc7c80159d08e1a9a143ed345bc2f3e374f8af73248ff67fb087a420"
	tests := []struct {
		name  string
		args  []string
		lines []string // substrings, one per expected output line
	}{
		{"valid", []string{"--key", keyA, "--path", "/hls/a/x.ts", good}, []string{"valid"}},
		{"rotation", []string{"--key", keyB, "--key", keyA, "--path", "/hls/a/x.ts", good}, []string{"valid"}},
		{"every reason", []string{"--key", keyB, "--path", "/hls/b/x.ts", "--now", strconv.FormatInt(now, 10), expiredOther},
			[]string{"bad_hmac: hmac does not match any key", "expired: expired 12 s ago", "acl_mismatch: acl /hls/a/* does not cover /hls/b/x.ts"}},
		{"historic vector at its time", []string{"--key", "abc123", "--path", "/foo", "--now", "1616545630", vec}, []string{"valid"}},
		{"historic vector today", []string{"--key", "abc123", "--path", "/foo", vec}, []string{"expired: expired"}},
		{"malformed", []string{"--key", keyA, "--path", "/x", "exp=1700000000000~hmac=00"}, []string{"malformed: exp has 13 digits"}},
		{"ip", []string{"--key", keyA, "--path", "/x", "--ip", "10.0.0.2",
			mint(t, edgetoken.Options{ACLs: []string{"/*"}, IP: "10.0.0.1", Expires: now + 300})}, []string{"ip_mismatch"}},
		{"url mode", []string{"--key", keyA, "--path", "/hls/stream1/index.m3u8", "--url-mode", "--escape-early", "--now", "1700000000",
			"exp=1700000300~hmac=f9668dd78b2adce278a96f6ddc49e0756bf256c2cd830fdef531f00e933c5c6f"}, []string{"valid"}},
		{"salt", []string{"--key", keyA, "--path", "/x", "--salt", "s",
			mint(t, edgetoken.Options{ACLs: []string{"/*"}, Salt: "s", Expires: now + 300})}, []string{"valid"}},
		{"sha1", []string{"--key", keyA, "--path", "/x", "--algo", "sha1",
			mint(t, edgetoken.Options{ACLs: []string{"/*"}, Algorithm: edgetoken.SHA1, Expires: now + 300})}, []string{"valid"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := runCommand(t, newVerifyCommand(), tt.args...)
			lines := strings.Split(strings.TrimSpace(out), "\n")
			if len(lines) != len(tt.lines) {
				t.Fatalf("output %q, want %d lines like %q", out, len(tt.lines), tt.lines)
			}
			for i, want := range tt.lines {
				if !strings.HasPrefix(lines[i], want) && !strings.Contains(lines[i], want) {
					t.Errorf("line %d = %q, want %q", i, lines[i], want)
				}
			}
			if valid := tt.lines[0] == "valid"; valid != (err == nil) {
				t.Errorf("err = %v for output %q", err, out)
			}
			if err != nil && !errors.Is(err, errInvalid) {
				t.Errorf("err = %v, want errInvalid (exit 1)", err)
			}
		})
	}
}

func TestVerifyCommandUsageErrors(t *testing.T) {
	t.Setenv("EDGEAUTH_KEY", "")
	for _, args := range [][]string{
		{"--path", "/x", "tok"},                              // no key
		{"--key", keyA, "tok"},                               // no path
		{"--key", keyA, "--path", "/x"},                      // no token
		{"--key", keyA, "--path", "/x", "--ip", "nope", "t"}, // bad ip
	} {
		if _, err := runCommand(t, newVerifyCommand(), args...); err == nil || errors.Is(err, errInvalid) {
			t.Errorf("verify %v: err %v, want a usage error", args, err)
		}
	}
}

func TestEdgeauthCommandRegistered(t *testing.T) {
	c, ok := caddycmd.Commands()["edgeauth"]
	if !ok {
		t.Fatal("caddy edgeauth is not registered")
	}
	root := &cobra.Command{Use: "edgeauth"}
	c.CobraFunc(root)
	out, err := runCommand(t, root, "token", "--key", "abc123", "--acl", "/foo", "--st", "1616545627", "--exp", "1616545657")
	if err != nil || !strings.Contains(out, "hmac=ba0d665ffc7c80159d08e1a9a143ed345bc2f3e374f8af73248ff67fb087a420") {
		t.Errorf("edgeauth token via the registered command: %q, %v", out, err)
	}
	if _, _, err := root.Find([]string{"verify"}); err != nil {
		t.Errorf("verify subcommand: %v", err)
	}
}
