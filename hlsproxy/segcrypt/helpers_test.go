package segcrypt

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"io"
	"os"
	"os/exec"
	"testing"
)

// Fixed, arbitrary test material (not secrets).
var (
	testKey = Key{0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff}
	testIV  = IV{0xf0, 0xe1, 0xd2, 0xc3, 0xb4, 0xa5, 0x96, 0x87, 0x78, 0x69, 0x5a, 0x4b, 0x3c, 0x2d, 0x1e, 0x0f}
)

// pattern returns n deterministic, non-repeating-per-block bytes.
func pattern(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + i/256*13 + 1)
	}
	return b
}

// refEncrypt is the in-memory reference: PKCS#7 pad, then one CryptBlocks.
func refEncrypt(t testing.TB, k Key, iv IV, plain []byte) []byte {
	t.Helper()
	pad := BlockSize - len(plain)%BlockSize
	buf := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	b, err := aes.NewCipher(k[:])
	if err != nil {
		t.Fatal(err)
	}
	cipher.NewCBCEncrypter(b, iv[:]).CryptBlocks(buf, buf)
	return buf
}

// rawCBC encrypts block-aligned data without padding, to build ciphertexts
// whose decrypted final block is chosen by the test.
func rawCBC(t testing.TB, k Key, iv IV, blocks []byte) []byte {
	t.Helper()
	if len(blocks)%BlockSize != 0 {
		t.Fatalf("rawCBC: %d bytes", len(blocks))
	}
	out := make([]byte, len(blocks))
	b, _ := aes.NewCipher(k[:])
	cipher.NewCBCEncrypter(b, iv[:]).CryptBlocks(out, blocks)
	return out
}

// chunkReader yields its data in reads of at most size bytes.
type chunkReader struct {
	data []byte
	size int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := min(len(p), c.size, len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// readAllSized drains r with reads of exactly size-byte buffers, without
// using io.WriterTo, so the Read path is what is tested.
func readAllSized(r io.Reader, size int) ([]byte, error) {
	var out []byte
	p := make([]byte, size)
	for {
		n, err := r.Read(p)
		out = append(out, p[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// readSizes are the consumer buffer sizes and source chunk sizes tested.
var readSizes = []int{1, 7, 16, 4096, 100000}

// opensslPath finds openssl or skips (fails when CI=true).
func opensslPath(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("openssl not found: %v", err)
		}
		t.Skipf("openssl not found (%v); install it to run the compatibility test", err)
	}
	return p
}
