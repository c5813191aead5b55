package segcrypt

import (
	"bytes"
	"crypto/aes"
	"errors"
	"fmt"
	"io"
	"testing"
	"testing/iotest"
)

// roundTripLengths: 0..100 and multiples of 16 ± 1 up to beyond two chunks.
func roundTripLengths() []int {
	var ls []int
	for n := 0; n <= 100; n++ {
		ls = append(ls, n)
	}
	for _, m := range []int{128, 256, 4096, chunkSize, 2 * chunkSize, 3*chunkSize + 48} {
		ls = append(ls, m-1, m, m+1)
	}
	return ls
}

func TestEncryptThenDecryptRoundTripsEveryLengthAndReadSize(t *testing.T) {
	for _, n := range roundTripLengths() {
		plain := pattern(n)
		want := refEncrypt(t, testKey, testIV, plain)
		for _, size := range readSizes {
			if n > 300 && size < 16 { // keep the 1-byte cases cheap on big inputs
				continue
			}
			t.Run(fmt.Sprintf("len%d/read%d", n, size), func(t *testing.T) {
				ct, err := readAllSized(NewEncrypter(&chunkReader{plain, size}, testKey, testIV), size)
				if err != nil {
					t.Fatalf("encrypt: %v", err)
				}
				if !bytes.Equal(ct, want) {
					t.Fatalf("encryption of %d bytes differs from the reference (got %d bytes, want %d)", n, len(ct), len(want))
				}
				if int64(len(ct)) != EncryptedLen(int64(n)) {
					t.Fatalf("EncryptedLen(%d) = %d, output %d", n, EncryptedLen(int64(n)), len(ct))
				}
				pt, err := readAllSized(NewDecrypter(&chunkReader{ct, size}, testKey, testIV), size)
				if err != nil {
					t.Fatalf("decrypt: %v", err)
				}
				if !bytes.Equal(pt, plain) {
					t.Fatalf("round trip of %d bytes gave %d different bytes", n, len(pt))
				}
			})
		}
	}
}

func TestStreamsThroughIOCopyUseWriterTo(t *testing.T) {
	plain := pattern(3*chunkSize + 5)
	var ct bytes.Buffer
	enc := NewEncrypter(bytes.NewReader(plain), testKey, testIV)
	if _, ok := enc.(io.WriterTo); !ok {
		t.Fatal("encrypter is not an io.WriterTo")
	}
	if _, err := io.Copy(&ct, enc); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ct.Bytes(), refEncrypt(t, testKey, testIV, plain)) {
		t.Fatal("io.Copy encryption differs from the reference")
	}
	var pt bytes.Buffer
	if _, err := io.Copy(&pt, NewDecrypter(iotest.HalfReader(&ct), testKey, testIV)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pt.Bytes(), plain) {
		t.Fatal("io.Copy decryption differs from the plaintext")
	}
}

func TestDecrypterRejectsUnalignedAndEmptyCiphertext(t *testing.T) {
	ct := refEncrypt(t, testKey, testIV, pattern(40)) // 48 bytes
	for _, n := range []int{0, 1, 15, 17, 31, 33, 47} {
		for _, size := range []int{1, 16, 4096} {
			_, err := readAllSized(NewDecrypter(&chunkReader{ct[:n], size}, testKey, testIV), size)
			if !errors.Is(err, ErrNotBlockAligned) {
				t.Errorf("%d-byte ciphertext, read %d: error = %v, want ErrNotBlockAligned", n, size, err)
			}
		}
	}
}

// badPadCiphertext encrypts, without padding, blocks whose final decrypted
// block is last, so the decrypter sees exactly that padding.
func badPadCiphertext(t *testing.T, last []byte) []byte {
	return rawCBC(t, testKey, testIV, append(pattern(32), last...))
}

func TestDecrypterRejectsInvalidPadding(t *testing.T) {
	withLast := func(b byte, fill byte, n int) []byte { // n trailing bytes of value fill, then b
		blk := bytes.Repeat([]byte{0xAA}, BlockSize)
		for i := BlockSize - 1 - n; i < BlockSize-1; i++ {
			blk[i] = fill
		}
		blk[BlockSize-1] = b
		return blk
	}
	tests := []struct {
		name string
		last []byte
	}{
		{"zero pad byte", withLast(0, 0, 0)},
		{"pad byte 17", withLast(17, 17, 15)},
		{"pad byte 255", withLast(255, 255, 15)},
		{"pad 3 with one wrong byte", withLast(3, 3, 1)},
		{"pad 16 with first byte wrong", append([]byte{15}, bytes.Repeat([]byte{16}, 15)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ct := badPadCiphertext(t, tt.last)
			for _, size := range []int{1, 16, 4096} {
				out, err := readAllSized(NewDecrypter(&chunkReader{ct, size}, testKey, testIV), size)
				if !errors.Is(err, ErrBadPadding) {
					t.Fatalf("read %d: error = %v, want ErrBadPadding", size, err)
				}
				if bytes.Contains(out, tt.last) {
					t.Fatalf("read %d: the bad final block was emitted", size)
				}
			}
		})
	}
}

func TestDecrypterAcceptsEveryValidPaddingLength(t *testing.T) {
	for pad := 1; pad <= 16; pad++ {
		last := append(bytes.Repeat([]byte{0xAA}, BlockSize-pad), bytes.Repeat([]byte{byte(pad)}, pad)...)
		ct := badPadCiphertext(t, last)
		out, err := io.ReadAll(NewDecrypter(bytes.NewReader(ct), testKey, testIV))
		if err != nil || len(out) != 48-pad {
			t.Errorf("pad %d: %d bytes, %v; want %d bytes", pad, len(out), err, 48-pad)
		}
	}
}

func TestDecrypterWithWrongKeyFailsWithBadPadding(t *testing.T) {
	wrong := testKey
	wrong[0] ^= 1
	// Choose, deterministically, a plaintext whose encryption under testKey
	// decrypts under the wrong key to a final block with an invalid pad
	// byte (0 or > 16), so the test cannot pass by luck.
	b, _ := aes.NewCipher(wrong[:])
	for n := 0; n < 64; n++ {
		ct := refEncrypt(t, testKey, testIV, pattern(n))
		var p [BlockSize]byte
		b.Decrypt(p[:], ct[len(ct)-BlockSize:])
		prev := testIV[:]
		if len(ct) >= 2*BlockSize {
			prev = ct[len(ct)-2*BlockSize : len(ct)-BlockSize]
		}
		if last := p[BlockSize-1] ^ prev[BlockSize-1]; last != 0 && last <= BlockSize {
			continue
		}
		_, err := io.ReadAll(NewDecrypter(bytes.NewReader(ct), wrong, testIV))
		if !errors.Is(err, ErrBadPadding) {
			t.Fatalf("plaintext length %d, wrong key: error = %v, want ErrBadPadding", n, err)
		}
		return
	}
	t.Fatal("no plaintext length gave an invalid pad byte under the wrong key")
}

func TestWrongKeyIsRejectedForAlmostAllSegments(t *testing.T) {
	wrong := testKey
	wrong[15] ^= 0x80
	rejected := 0
	const total = 200
	for n := 0; n < total; n++ {
		ct := refEncrypt(t, testKey, testIV, pattern(n))
		if _, err := io.ReadAll(NewDecrypter(bytes.NewReader(ct), wrong, testIV)); errors.Is(err, ErrBadPadding) {
			rejected++
		}
	}
	// A random final block has valid padding with probability ~1/256.
	if rejected < total-5 {
		t.Fatalf("wrong key rejected for only %d of %d segments", rejected, total)
	}
}

type failingReader struct{ after int }

var errOrigin = errors.New("origin reset")

func (f *failingReader) Read(p []byte) (int, error) {
	if f.after == 0 {
		return 0, errOrigin
	}
	n := min(len(p), f.after)
	f.after -= n
	return n, nil
}

func TestTransformsPassOnSourceErrors(t *testing.T) {
	for name, r := range map[string]io.Reader{
		"decrypt": NewDecrypter(&failingReader{after: 100}, testKey, testIV),
		"encrypt": NewEncrypter(&failingReader{after: 100}, testKey, testIV),
	} {
		if _, err := io.ReadAll(r); !errors.Is(err, errOrigin) {
			t.Errorf("%s: error = %v, want the source's error", name, err)
		}
	}
}

type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestTransformsStopOnSourceWithoutProgress(t *testing.T) {
	if _, err := io.ReadAll(NewDecrypter(emptyReader{}, testKey, testIV)); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("error = %v, want io.ErrNoProgress", err)
	}
}

func TestEncryptedLenIsNextMultipleOf16AfterPadding(t *testing.T) {
	// PKCS#7 adds 1..16 bytes to reach a multiple of 16: exactly one such length exists.
	for n := int64(0); n < 70; n++ {
		if got := EncryptedLen(n); got%BlockSize != 0 || got-n < 1 || got-n > BlockSize {
			t.Errorf("EncryptedLen(%d) = %d", n, got)
		}
	}
	if got := EncryptedLen(1 << 40); got != 1<<40+BlockSize {
		t.Errorf("EncryptedLen(2^40) = %d", got)
	}
}
