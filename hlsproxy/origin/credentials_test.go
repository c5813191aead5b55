package origin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// isolateAWSEnv points the default chain at empty temp files and disables IMDS, so only
// what a test sets is visible.
func isolateAWSEnv(t *testing.T) (credsFile string) {
	t.Helper()
	dir := t.TempDir()
	credsFile = filepath.Join(dir, "credentials")
	cfgFile := filepath.Join(dir, "config")
	for _, f := range []string{credsFile, cfgFile} {
		if err := os.WriteFile(f, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
		"AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_ACCESS_KEY", "AWS_SECRET_KEY"} {
		t.Setenv(k, "")
	}
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", credsFile)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return credsFile
}

func TestS3DefaultCredentialChainSigns(t *testing.T) {
	gw := testutil.StartVersityGW(t, testutil.VGWOptions{Buckets: []string{testBucket}, NoMeta: true})
	gw.WriteFile(t, testBucket, "chain.ts", []byte("signed by the chain"))
	profiles := fmt.Sprintf("[default]\naws_access_key_id = %s\naws_secret_access_key = wrong-default\n\n"+
		"[media]\naws_access_key_id = %s\naws_secret_access_key = %s\n", gw.Access, gw.Access, gw.Secret)

	tests := []struct {
		name    string
		env     map[string]string
		file    string
		profile string
		want    Kind // 0: success
	}{
		{name: "env keys", env: map[string]string{"AWS_ACCESS_KEY_ID": gw.Access, "AWS_SECRET_ACCESS_KEY": gw.Secret}},
		{name: "env keys with a wrong secret are denied", env: map[string]string{"AWS_ACCESS_KEY_ID": gw.Access, "AWS_SECRET_ACCESS_KEY": "wrong"}, want: Denied},
		{name: "shared credentials file, profile option", file: profiles, profile: "media"},
		{name: "shared credentials file, AWS_PROFILE", file: profiles, env: map[string]string{"AWS_PROFILE": "media"}},
		{name: "shared credentials file, default profile has the wrong secret", file: profiles, want: Denied},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			credsFile := isolateAWSEnv(t)
			if err := os.WriteFile(credsFile, []byte(tt.file), 0o600); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			o := newS3(t, gw, "", func(c *S3Config) { c.AccessKey, c.SecretKey, c.Profile = "", "", tt.profile })
			_, body, err := fetchAll(t, o, &Request{Key: "chain.ts"})
			if tt.want != 0 {
				if oe := mustKind(t, err, tt.want); oe.Code != "SignatureDoesNotMatch" {
					t.Errorf("code %q, want SignatureDoesNotMatch", oe.Code)
				}
				return
			}
			if err != nil || string(body) != "signed by the chain" {
				t.Fatalf("Fetch: %v, body %q", err, body)
			}
		})
	}
}

func TestS3RegionResolution(t *testing.T) {
	tests := []struct {
		name       string
		env        map[string]string
		cfg        S3Config
		wantPrefix string // first URL prefix; "" means NewS3 must fail
	}{
		{"explicit region", nil, S3Config{Bucket: "bkt", Region: "eu-west-1", AccessKey: "a", SecretKey: "s"},
			"https://bkt.s3.eu-west-1.amazonaws.com/"},
		{"region from AWS_REGION", map[string]string{"AWS_REGION": "ap-south-1"}, S3Config{Bucket: "bkt", AccessKey: "a", SecretKey: "s"},
			"https://bkt.s3.ap-south-1.amazonaws.com/"},
		{"custom endpoint defaults to us-east-1", nil, S3Config{Bucket: "b", Endpoint: "http://127.0.0.1:1", AccessKey: "a", SecretKey: "s"},
			"http://127.0.0.1:1/b/"},
		{"AWS without any region fails", nil, S3Config{Bucket: "b", AccessKey: "a", SecretKey: "s"}, ""},
		{"access key without secret fails", nil, S3Config{Bucket: "b", Region: "eu-west-1", AccessKey: "a"}, ""},
		{"path_style with virtual-hosted fails", nil, S3Config{Bucket: "b", Region: "eu-west-1", PathStyle: true, VirtualHosted: true}, ""},
		{"unknown profile fails", nil, S3Config{Bucket: "b", Region: "eu-west-1", Profile: "nope"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			isolateAWSEnv(t)
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			o, err := NewS3(context.Background(), tt.cfg)
			if tt.wantPrefix == "" {
				if err == nil {
					t.Fatalf("NewS3 succeeded with %v", o.URLPrefixes())
				}
				if strings.Contains(err.Error(), "\"s\"") {
					t.Errorf("error mentions the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			if got := o.URLPrefixes()[0]; got != tt.wantPrefix {
				t.Errorf("URLPrefixes()[0] = %q, want %q", got, tt.wantPrefix)
			}
		})
	}
}
