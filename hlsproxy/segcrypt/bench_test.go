package segcrypt

import (
	"bytes"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

const benchSize = 2 << 20

func BenchmarkDecrypt2MB(b *testing.B) {
	ct := refEncrypt(b, testKey, testIV, pattern(benchSize))
	b.SetBytes(int64(len(ct)))
	for b.Loop() {
		if _, err := io.Copy(io.Discard, NewDecrypter(bytes.NewReader(ct), testKey, testIV)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncrypt2MB(b *testing.B) {
	plain := pattern(benchSize)
	b.SetBytes(int64(len(plain)))
	for b.Loop() {
		if _, err := io.Copy(io.Discard, NewEncrypter(bytes.NewReader(plain), testKey, testIV)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRangeDecryptLastHalf2MB decrypts the second half of a 2 MB segment.
func BenchmarkRangeDecryptLastHalf2MB(b *testing.B) {
	ct := refEncrypt(b, testKey, testIV, pattern(benchSize))
	w, err := PlainWindow(int64(len(ct)), benchSize/2, benchSize-1)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(w.Length)
	for b.Loop() {
		if _, err := io.Copy(io.Discard, NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:w.FetchEnd+1]), testKey, testIV, w)); err != nil {
			b.Fatal(err)
		}
	}
}

// opensslFileBench runs `openssl enc -aes-128-cbc` on a 2 MB temp file into
// /dev/null per iteration; process start-up is included.
func opensslFileBench(b *testing.B, decrypt bool) {
	openssl := opensslPath(b)
	data := pattern(benchSize)
	args := []string{"enc", "-aes-128-cbc", "-K", hex.EncodeToString(testKey[:]), "-iv", hex.EncodeToString(testIV[:])}
	if decrypt {
		data = refEncrypt(b, testKey, testIV, data)
		args = append(args, "-d")
	}
	in := filepath.Join(b.TempDir(), "in.bin")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		b.Fatal(err)
	}
	args = append(args, "-in", in, "-out", os.DevNull)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if out, err := exec.Command(openssl, args...).CombinedOutput(); err != nil {
			b.Fatalf("openssl: %v: %s", err, out)
		}
	}
}

func BenchmarkOpenSSLDecrypt2MB(b *testing.B) { opensslFileBench(b, true) }
func BenchmarkOpenSSLEncrypt2MB(b *testing.B) { opensslFileBench(b, false) }
