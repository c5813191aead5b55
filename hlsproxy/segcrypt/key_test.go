package segcrypt

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

func TestParseIVAcceptsPrefixedHexLeftPadded(t *testing.T) {
	tests := []struct {
		in   string
		want string // 32 hex digits
	}{
		{"0x000102030405060708090a0b0c0d0e0f", "000102030405060708090a0b0c0d0e0f"},
		{"0X000102030405060708090A0B0C0D0E0F", "000102030405060708090a0b0c0d0e0f"},
		{"0xffffffffffffffffffffffffffffffff", "ffffffffffffffffffffffffffffffff"},
		{"0x1", "00000000000000000000000000000001"},
		{"0xabc", "00000000000000000000000000000abc"},
		{"0x0102", "00000000000000000000000000000102"},
		{"0x00000000000000010000000000000000", "00000000000000010000000000000000"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			iv, err := ParseIV(tt.in)
			if err != nil {
				t.Fatalf("ParseIV(%q): %v", tt.in, err)
			}
			if got := hex.EncodeToString(iv[:]); got != tt.want {
				t.Fatalf("ParseIV(%q) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseIVRejectsMalformed(t *testing.T) {
	for _, in := range []string{
		"", "0", "0x", "x01", "01", "000102030405060708090a0b0c0d0e0f",
		"0x000102030405060708090a0b0c0d0e0f0", // 33 digits
		"0x0g", " 0x01", "0x01 ", "0x-1", "0x+1", "1x01", "0b01",
	} {
		t.Run(in, func(t *testing.T) {
			if _, err := ParseIV(in); !errors.Is(err, ErrInvalidIV) {
				t.Fatalf("ParseIV(%q) error = %v, want ErrInvalidIV", in, err)
			}
		})
	}
}

func TestIVStringIsLowercase0xAndRoundTrips(t *testing.T) {
	iv := IV{0xAB, 0xCD, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xEF}
	s := iv.String()
	if s != "0xabcd000102030405060708090a0b0cef" {
		t.Fatalf("String() = %q", s)
	}
	back, err := ParseIV(s)
	if err != nil || back != iv {
		t.Fatalf("ParseIV(String()) = %v, %v; want %v", back, err, iv)
	}
}

func TestIVFromSequenceIsBigEndian128(t *testing.T) {
	tests := []struct {
		seq  uint64
		want string
	}{
		{0, "0x00000000000000000000000000000000"},
		{1, "0x00000000000000000000000000000001"},
		{2, "0x00000000000000000000000000000002"},
		{1 << 32, "0x00000000000000000000000100000000"},
		{1 << 63, "0x00000000000000008000000000000000"},
		{^uint64(0), "0x0000000000000000ffffffffffffffff"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.seq), func(t *testing.T) {
			if got := IVFromSequence(tt.seq).String(); got != tt.want {
				t.Fatalf("IVFromSequence(%d) = %s, want %s", tt.seq, got, tt.want)
			}
		})
	}
}

func TestSegmentIVPrefersAttributeOverSequence(t *testing.T) {
	iv, err := SegmentIV("", 7)
	if err != nil || iv != IVFromSequence(7) {
		t.Fatalf("SegmentIV(\"\", 7) = %v, %v", iv, err)
	}
	iv, err = SegmentIV("0x0A", 7)
	if err != nil || iv != IVFromSequence(10) {
		t.Fatalf("SegmentIV(0x0A, 7) = %v, %v", iv, err)
	}
	if _, err := SegmentIV("zz", 7); !errors.Is(err, ErrInvalidIV) {
		t.Fatalf("SegmentIV(zz) error = %v", err)
	}
}

func TestKeyFromBytesRequiresExactly16(t *testing.T) {
	for _, n := range []int{0, 1, 15, 17, 32} {
		_, err := KeyFromBytes(make([]byte, n))
		if !errors.Is(err, ErrInvalidKey) || !strings.Contains(err.Error(), fmt.Sprintf("got %d bytes", n)) {
			t.Errorf("KeyFromBytes(%d bytes) error = %v, want ErrInvalidKey naming the length", n, err)
		}
	}
	b := []byte("0123456789abcdef")
	k, err := KeyFromBytes(b)
	if err != nil || string(k[:]) != string(b) {
		t.Fatalf("KeyFromBytes(16 bytes) = %x, %v", k[:], err)
	}
	b[0] = 'X'
	if k[0] != '0' {
		t.Fatal("KeyFromBytes aliases its input")
	}
}

func TestKeyFormattingIsRedacted(t *testing.T) {
	k := Key{0xde, 0xad, 0xbe, 0xef}
	for _, verb := range []string{"%v", "%s", "%#v", "%+v"} {
		if s := fmt.Sprintf(verb, k); strings.Contains(s, "dead") || strings.Contains(s, "222") || !strings.Contains(s, "redacted") {
			t.Errorf("Sprintf(%s, key) = %q leaks or is not redacted", verb, s)
		}
	}
}

// Vectors computed with `openssl dgst -sha256 -mac HMAC` (see
// TestDeriveMatchesOpenSSLHMAC), so other implementations can check theirs.
func TestDeriveKeyAndIVVectors(t *testing.T) {
	secret := []byte("test-secret-0123456789")
	tests := []struct {
		asset, key, iv string
	}{
		{"videos/intro", "d88a576a689f9c4da89feebb1dee5f04", "75322b1c2d1f1a9ebff45771e1bdd5ba"},
		{"", "1204fa0c7c71fda5df3d3569f735fa94", ""},
	}
	for _, tt := range tests {
		k := DeriveKey(secret, tt.asset)
		if got := hex.EncodeToString(k[:]); got != tt.key {
			t.Errorf("DeriveKey(%q) = %s, want %s", tt.asset, got, tt.key)
		}
		if tt.iv != "" {
			iv := DeriveIV(secret, tt.asset)
			if got := hex.EncodeToString(iv[:]); got != tt.iv {
				t.Errorf("DeriveIV(%q) = %s, want %s", tt.asset, got, tt.iv)
			}
		}
	}
}

func TestDeriveSeparatesAssetsSecretsAndPurposes(t *testing.T) {
	s := []byte("secret")
	k := DeriveKey(s, "a")
	if k == DeriveKey(s, "b") || k == DeriveKey([]byte("secreT"), "a") {
		t.Fatal("different asset or secret gave the same key")
	}
	iv := DeriveIV(s, "a")
	if [16]byte(k) == [16]byte(iv) {
		t.Fatal("key and IV of one asset are equal")
	}
	if k != DeriveKey(s, "a") {
		t.Fatal("DeriveKey is not deterministic")
	}
}

func TestDeriveMatchesOpenSSLHMAC(t *testing.T) {
	openssl := opensslPath(t)
	secret := "another secret"
	for _, asset := range []string{"a", "hls/stream1", "ünïcode/тест", strings.Repeat("x", 300)} {
		for _, tc := range []struct {
			label string
			got   []byte
		}{
			{keyLabel, func() []byte { k := DeriveKey([]byte(secret), asset); return k[:] }()},
			{ivLabel, func() []byte { iv := DeriveIV([]byte(secret), asset); return iv[:] }()},
		} {
			cmd := exec.Command(openssl, "dgst", "-sha256", "-mac", "HMAC", "-macopt", "key:"+secret, "-r")
			cmd.Stdin = strings.NewReader(tc.label + asset)
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("openssl dgst: %v", err)
			}
			want := strings.Fields(string(out))[0][:32]
			if got := hex.EncodeToString(tc.got); got != want {
				t.Errorf("label %q asset %q: got %s, openssl %s", tc.label, asset, got, want)
			}
		}
	}
}
