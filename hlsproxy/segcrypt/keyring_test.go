package segcrypt

import (
	"errors"
	"fmt"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

var (
	oldSecret = []byte("old-secret-0123456789abcdef")
	newSecret = []byte("new-secret-0123456789abcdef")
)

func mustKeyring(t testing.TB, secrets ...[]byte) *Keyring {
	t.Helper()
	r, err := NewKeyring(secrets...)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return r
}

func TestKeyringOpensWhatAnySecretOfTheListSealedAndNamesTheSealer(t *testing.T) {
	ring := mustKeyring(t, newSecret, oldSecret)
	for _, c := range sampleContexts() {
		for _, sealer := range [][]byte{newSecret, oldSecret} {
			got, s, err := ring.Open(Seal(sealer, c))
			if err != nil {
				t.Fatalf("Open of a context sealed by %s: %v", SecretID(sealer), err)
			}
			if s.ID() != SecretID(sealer) {
				t.Fatalf("Open named secret %s, the context was sealed by %s", s.ID(), SecretID(sealer))
			}
			if len(c.Extra) == 0 {
				c.Extra = nil
			}
			if !reflect.DeepEqual(got, c) {
				t.Fatalf("Open = %+v, want %+v", got, c)
			}
		}
	}
}

func TestKeyringPrimarySealsAndDerivesLikeThePlainFunctions(t *testing.T) {
	ring := mustKeyring(t, newSecret, oldSecret)
	p := ring.Primary()
	c := sampleContexts()[1]
	if p.Seal(c) != Seal(newSecret, c) {
		t.Fatal("the primary does not seal with the first secret")
	}
	if p.DeriveKey("a") != DeriveKey(newSecret, "a") || p.DeriveIV("a") != DeriveIV(newSecret, "a") {
		t.Fatal("the primary does not derive with the first secret")
	}
	old, ok := ring.ByID(SecretID(oldSecret))
	if !ok || old.DeriveKey("a") != DeriveKey(oldSecret, "a") {
		t.Fatal("ByID of the older secret does not derive its key")
	}
}

func TestKeyringRefusesContextsOfSecretsRolledOut(t *testing.T) {
	sealed := Seal(oldSecret, sampleContexts()[1])
	if _, _, err := mustKeyring(t, newSecret).Open(sealed); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("a context of a dropped secret opened: %v", err)
	}
	if _, ok := mustKeyring(t, newSecret).ByID(SecretID(oldSecret)); ok {
		t.Fatal("ByID found a dropped secret")
	}
}

func TestKeyringOpenRejectsMalformedAndTamperedInput(t *testing.T) {
	ring := mustKeyring(t, newSecret, oldSecret)
	for _, s := range []string{"", "AQ", "!!!", strings.Repeat("A", MaxSealedLen+1), Seal(oldSecret, Context{}) + "\n"} {
		if _, _, err := ring.Open(s); !errors.Is(err, ErrMalformedContext) {
			t.Errorf("Open(%.20q) = %v, want ErrMalformedContext", s, err)
		}
	}
	s := []byte(Seal(oldSecret, sampleContexts()[1]))
	s[3] ^= 1
	if _, _, err := ring.Open(string(s)); err == nil {
		t.Fatal("a tampered context opened")
	}
}

func TestNewKeyringValidatesTheList(t *testing.T) {
	if _, err := NewKeyring(); !errors.Is(err, ErrNoSecret) {
		t.Errorf("empty list: %v", err)
	}
	if _, err := NewKeyring(newSecret, []byte("fifteen-bytes!!")); !errors.Is(err, ErrShortSecret) || !strings.Contains(err.Error(), "secret 2") {
		t.Errorf("short second secret: %v", err)
	}
	r := mustKeyring(t, newSecret, oldSecret, newSecret)
	if got := r.IDs(); !reflect.DeepEqual(got, []string{SecretID(newSecret), SecretID(oldSecret)}) {
		t.Errorf("a repeated secret: ids %v, want it once in first position", got)
	}
}

func TestKeyringKeepsItsOwnCopyOfTheSecrets(t *testing.T) {
	b := []byte(string(newSecret))
	r := mustKeyring(t, b)
	b[0] ^= 0xff
	if r.Primary().DeriveKey("a") != DeriveKey(newSecret, "a") {
		t.Fatal("changing the caller's slice changed the keyring")
	}
}

func TestSecretFormattingShowsOnlyTheID(t *testing.T) {
	s := mustKeyring(t, newSecret).Primary()
	for _, verb := range []string{"%v", "%s", "%#v", "%+v"} {
		if out := fmt.Sprintf(verb, s); strings.Contains(out, "new-secret") || !strings.Contains(out, s.ID()) {
			t.Errorf("Sprintf(%s, secret) = %q", verb, out)
		}
	}
}

func TestSecretIDIsEightHexDigitsDistinctPerSecret(t *testing.T) {
	a, b := SecretID(newSecret), SecretID(oldSecret)
	if len(a) != 8 || strings.Trim(a, "0123456789abcdef") != "" || a == b {
		t.Fatalf("ids %q and %q", a, b)
	}
}

func TestSecretIDMatchesOpenSSLHMAC(t *testing.T) {
	openssl := opensslPath(t)
	cmd := exec.Command(openssl, "dgst", "-sha256", "-mac", "HMAC", "-macopt", "key:"+string(newSecret), "-r")
	cmd.Stdin = strings.NewReader(secretIDLabel)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl dgst: %v", err)
	}
	if want := strings.Fields(string(out))[0][:8]; SecretID(newSecret) != want {
		t.Fatalf("SecretID = %s, openssl %s", SecretID(newSecret), want)
	}
}

// FuzzKeyringOpen checks that a keyring accepts exactly what one of its
// secrets accepts, and names that secret.
func FuzzKeyringOpen(f *testing.F) {
	for _, c := range sampleContexts() {
		f.Add(Seal(oldSecret, c))
		f.Add(Seal(newSecret, c))
	}
	f.Add("")
	ring := mustKeyring(f, newSecret, oldSecret)
	f.Fuzz(func(t *testing.T, s string) {
		c, sec, err := ring.Open(s)
		_, errNew := Open(newSecret, s)
		_, errOld := Open(oldSecret, s)
		if (err == nil) != (errNew == nil || errOld == nil) {
			t.Fatalf("keyring: %v; new: %v; old: %v", err, errNew, errOld)
		}
		if err != nil {
			return
		}
		if sec.Seal(c) != s {
			t.Fatalf("opened %q with %s but it re-seals as %q", s, sec.ID(), sec.Seal(c))
		}
	})
}

// BenchmarkContextOpen is the cost of opening a segment context: with one secret
// (the baseline, Open), and with a rotation list of two where the context
// was sealed by the primary, by the older secret, or by neither.
func BenchmarkContextOpen(b *testing.B) {
	c := sampleContexts()[1]
	ring := mustKeyring(b, newSecret, oldSecret)
	for _, bc := range []struct {
		name   string
		sealed string
		open   func(string) error
	}{
		{"one secret", Seal(newSecret, c), func(s string) error { _, err := Open(newSecret, s); return err }},
		{"ring, sealed by the primary", Seal(newSecret, c), func(s string) error { _, _, err := ring.Open(s); return err }},
		{"ring, sealed by the older", Seal(oldSecret, c), func(s string) error { _, _, err := ring.Open(s); return err }},
		{"ring, sealed by neither", Seal([]byte("another-secret-0123456789"), c), func(s string) error {
			if _, _, err := ring.Open(s); !errors.Is(err, ErrBadSignature) {
				return fmt.Errorf("want ErrBadSignature, got %v", err)
			}
			return nil
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := bc.open(bc.sealed); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
