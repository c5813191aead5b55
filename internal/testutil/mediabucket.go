package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// StartMediaBucket starts versitygw (StartVersityGW, --nometa) with an empty bucket "media" and
// fresh credentials: the access key is accessPrefix and random hex, the secret random hex (both
// in the returned VGW's Access and Secret). It stops at t.Cleanup.
func StartMediaBucket(t testing.TB, accessPrefix string) *VGW {
	t.Helper()
	return StartVersityGW(t, VGWOptions{
		Access: accessPrefix + RandomHex(t, 6), Secret: RandomHex(t, 20),
		NoMeta: true, Buckets: []string{"media"},
	})
}

// StartSampleBucket is StartMediaBucket with testdata/sample copied into the bucket: the
// committed streams (clear, aes, fmp4) under their own prefixes.
func StartSampleBucket(t testing.TB, accessPrefix string) *VGW {
	t.Helper()
	vgw := StartMediaBucket(t, accessPrefix)
	if err := os.CopyFS(filepath.Join(vgw.Dir, "media"), os.DirFS(filepath.Join(RepoRoot(t), "testdata", "sample"))); err != nil {
		t.Fatalf("copying the sample into the bucket: %v", err)
	}
	return vgw
}
