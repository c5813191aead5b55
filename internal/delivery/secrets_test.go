package delivery

import (
	"errors"
	"regexp"
	"testing"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

var (
	oldSecret = []byte("old-secret-0123456789abcdef")
	newSecret = []byte("new-secret-0123456789abcdef")
)

var keyURIRE = regexp.MustCompile(`#EXT-X-KEY:METHOD=AES-128,URI="([^"?]+)\?([^"]*)",IV=(0x[0-9a-f]{32})`)

const clearVOD = "#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg0.ts\n#EXTINF:2,\nseg1.ts\n#EXT-X-ENDLIST\n"

// rewriteUnder rewrites clearVOD for asset "a" in encrypt mode with the
// given key_secret list and returns the playlist and the key URI's query.
func rewriteUnder(t *testing.T, secrets *segcrypt.Keyring) (out []byte, keyQuery, iv string) {
	t.Helper()
	rw := newRewriter(t, Encrypt)
	rw.Secrets = secrets
	out, _, err := rw.Rewrite([]byte(clearVOD), "a/index.m3u8", Token{Param: "tok", Value: "x", Scope: []string{"/*"}})
	if err != nil {
		t.Fatal(err)
	}
	m := keyURIRE.FindStringSubmatch(string(out))
	if m == nil || m[1] != "/keys/a/aes128.key" {
		t.Fatalf("no derived key URI:\n%s", out)
	}
	return out, m[2], m[3]
}

// openAll opens every context of out under ring and returns the jobs.
func openAll(t *testing.T, out []byte, ring *segcrypt.Keyring) ([]SegmentJob, error) {
	t.Helper()
	var jobs []SegmentJob
	for _, m := range ctxRE.FindAllStringSubmatch(string(out), -1) {
		j, err := OpenJob(ring, Encrypt, newRewriter(t, Encrypt).Site(), m[2], "a/"+m[1])
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	if len(jobs) != 2 {
		t.Fatalf("%d contexts in\n%s", len(jobs), out)
	}
	return jobs, nil
}

func TestAViewStartedBeforeARotationKeepsItsKeyAndIVUntilTheOldSecretIsDropped(t *testing.T) {
	out, keyQuery, iv := rewriteUnder(t, mustRing(oldSecret))
	rolled := mustRing(newSecret, oldSecret)

	sec, err := KeySecretFor(rolled, keyQuery)
	if err != nil || sec.ID() != segcrypt.SecretID(oldSecret) {
		t.Fatalf("key request of the old playlist under [new, old]: secret %v, %v", sec, err)
	}
	if sec.DeriveKey("a") != segcrypt.DeriveKey(oldSecret, "a") {
		t.Fatal("the key endpoint derives another key than the one the playlist was made for")
	}
	jobs, err := openAll(t, out, rolled)
	if err != nil {
		t.Fatalf("segments of the old playlist under [new, old]: %v", err)
	}
	for _, j := range jobs {
		if j.DeliveryKey() != segcrypt.DeriveKey(oldSecret, "a") || j.DeliveryIV().String() != iv {
			t.Fatal("a segment is encrypted under another key or IV than its playlist names")
		}
	}

	dropped := mustRing(newSecret)
	if _, err := KeySecretFor(dropped, keyQuery); !errors.Is(err, ErrKeyRetired) {
		t.Fatalf("key of a dropped secret: %v, want ErrKeyRetired", err)
	}
	if _, err := openAll(t, out, dropped); !errors.Is(err, segcrypt.ErrBadSignature) {
		t.Fatalf("segments of a dropped secret: %v", err)
	}
}

func TestAViewStartedAfterARotationUsesOnlyTheNewSecret(t *testing.T) {
	out, keyQuery, iv := rewriteUnder(t, mustRing(newSecret, oldSecret))
	if want := KeyIDParam + "=" + segcrypt.SecretID(newSecret) + "&tok=x"; keyQuery != want {
		t.Fatalf("key URI query %q, want %q", keyQuery, want)
	}
	if iv != segcrypt.DeriveIV(newSecret, "a").String() {
		t.Fatal("the inserted IV is not the new secret's")
	}
	jobs, err := openAll(t, out, mustRing(newSecret))
	if err != nil {
		t.Fatalf("segments of the new playlist under [new]: %v", err)
	}
	if jobs[0].Secret.ID() != segcrypt.SecretID(newSecret) {
		t.Fatal("segment job not bound to the new secret")
	}
	// An instance that does not know the new secret yet cannot serve this
	// view: why a fleet adds the new secret everywhere before promoting it.
	if _, err := openAll(t, out, mustRing(oldSecret)); !errors.Is(err, segcrypt.ErrBadSignature) {
		t.Fatalf("segments of the new secret opened under [old]: %v", err)
	}
	if _, err := KeySecretFor(mustRing(oldSecret), keyQuery); !errors.Is(err, ErrKeyRetired) {
		t.Fatalf("key of the new secret under [old]: %v", err)
	}
}

func TestKeySecretForUsesThePrimaryWithoutAnIDAndRefusesTwoIDs(t *testing.T) {
	r := mustRing(newSecret, oldSecret)
	if sec, err := KeySecretFor(r, "tok=x"); err != nil || sec.ID() != r.Primary().ID() {
		t.Fatalf("no id: %v, %v", sec, err)
	}
	q := KeyIDParam + "=" + segcrypt.SecretID(oldSecret) + "&" + KeyIDParam + "=" + segcrypt.SecretID(newSecret)
	if _, err := KeySecretFor(r, q); err == nil {
		t.Fatal("two ids accepted")
	}
}
