package segcrypt

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"os/exec"
	"testing"
)

func opensslCBC(t testing.TB, openssl string, decrypt bool, k Key, iv IV, in []byte) []byte {
	t.Helper()
	args := []string{"enc", "-aes-128-cbc", "-K", hex.EncodeToString(k[:]), "-iv", hex.EncodeToString(iv[:])}
	if decrypt {
		args = append(args, "-d")
	}
	cmd := exec.Command(openssl, args...)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("openssl %v: %v: %s", args, err, stderr.String())
	}
	return out
}

func TestInteroperatesWithOpenSSLAES128CBC(t *testing.T) {
	openssl := opensslPath(t)
	keys := []struct {
		k  Key
		iv IV
	}{
		{testKey, testIV},
		{DeriveKey([]byte("s"), "asset"), IVFromSequence(1 << 32)},
	}
	for _, kv := range keys {
		for _, n := range []int{0, 1, 15, 16, 17, 31, 32, 33, 100, 4095, 4096, 4097, chunkSize + 1, 200000} {
			t.Run(fmt.Sprintf("%s/len%d", kv.iv, n), func(t *testing.T) {
				plain := pattern(n)
				theirs := opensslCBC(t, openssl, false, kv.k, kv.iv, plain)
				ours, err := readAllSized(NewEncrypter(&chunkReader{plain, 7}, kv.k, kv.iv), 4096)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(ours, theirs) {
					t.Fatalf("our encryption (%d bytes) differs from openssl's (%d bytes)", len(ours), len(theirs))
				}
				back, err := readAllSized(NewDecrypter(&chunkReader{theirs, 4096}, kv.k, kv.iv), 7)
				if err != nil || !bytes.Equal(back, plain) {
					t.Fatalf("decrypting openssl's ciphertext: %d bytes, %v", len(back), err)
				}
				if got := opensslCBC(t, openssl, true, kv.k, kv.iv, ours); !bytes.Equal(got, plain) {
					t.Fatalf("openssl decryption of our ciphertext differs (%d bytes)", len(got))
				}
			})
		}
	}
}
