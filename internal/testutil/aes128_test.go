package testutil

import (
	"bytes"
	"encoding/hex"
	"testing"
)

func TestSequenceIVIsTheBigEndianSequenceNumber(t *testing.T) {
	if got := hex.EncodeToString(SequenceIV(0x0102030405060708)); got != "00000000000000000102030405060708" {
		t.Errorf("SequenceIV = %s", got)
	}
}

func TestAES128RoundTripsWithPKCS7(t *testing.T) {
	key, iv := bytes.Repeat([]byte{7}, 16), SequenceIV(5)
	for _, n := range []int{0, 1, 15, 16, 17, 188 * 3} {
		plain := bytes.Repeat([]byte{0xab}, n)
		ct := MustEncryptAES128(t, key, iv, plain)
		if len(ct) != (n/16+1)*16 {
			t.Errorf("%d bytes encrypt to %d, want whole blocks with a padding block when aligned", n, len(ct))
		}
		got, err := DecryptAES128(key, iv, ct)
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("%d bytes: round trip gives %d bytes, %v", n, len(got), err)
		}
	}
}

func TestDecryptAES128RefusesBadPaddingAndSizes(t *testing.T) {
	key, iv := bytes.Repeat([]byte{7}, 16), SequenceIV(5)
	ct := MustEncryptAES128(t, key, iv, []byte("one block")) // one block, so the IV reaches the padding
	if _, err := DecryptAES128(key, SequenceIV(6), ct); err != errPadding {
		t.Errorf("the wrong IV: %v, want %v", err, errPadding)
	}
	if _, err := DecryptAES128(bytes.Repeat([]byte{8}, 16), iv, ct); err != errPadding {
		t.Errorf("the wrong key: %v, want %v", err, errPadding)
	}
	for name, tc := range map[string]struct{ key, iv, data []byte }{
		"truncated": {key, iv, ct[:len(ct)-1]},
		"empty":     {key, iv, nil},
		"short key": {key[:15], iv, ct},
		"AES-256":   {bytes.Repeat(key, 2), iv, ct},
		"short IV":  {key, iv[:8], ct},
	} {
		if _, err := DecryptAES128(tc.key, tc.iv, tc.data); err == nil {
			t.Errorf("%s: decrypts", name)
		}
	}
	if _, err := EncryptAES128(key[:8], iv, []byte("x")); err == nil {
		t.Error("EncryptAES128 takes an 8-byte key")
	}
}
