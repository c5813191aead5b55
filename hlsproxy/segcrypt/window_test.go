package segcrypt

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

// countingReader records how far its source was read.
type countingReader struct {
	r    io.Reader
	read int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func TestRangeDecrypterYieldsExactlyTheRequestedPlaintextBytes(t *testing.T) {
	for _, n := range []int{1, 15, 16, 17, 96, 100} {
		plain := pattern(n)
		ct := refEncrypt(t, testKey, testIV, plain)
		cipherLen := int64(len(ct))
		for start := 0; start < n; start++ {
			for end := start; end < n; end++ {
				w, err := PlainWindow(cipherLen, int64(start), int64(end))
				if err != nil {
					t.Fatalf("len %d: PlainWindow(%d,%d): %v", n, start, end, err)
				}
				// The source holds the rest of the ciphertext too: the
				// decrypter must stop at the window's end.
				src := &countingReader{r: &chunkReader{ct[w.FetchStart:], 1 + (start+end)%20}}
				got, err := readAllSized(NewRangeDecrypter(src, testKey, testIV, w), 1+end%7)
				if err != nil {
					t.Fatalf("len %d range %d-%d (window %+v): %v", n, start, end, w, err)
				}
				if !bytes.Equal(got, plain[start:end+1]) {
					t.Fatalf("len %d range %d-%d: got %x, want %x", n, start, end, got, plain[start:end+1])
				}
				if int64(src.read) != w.FetchLen() {
					t.Fatalf("len %d range %d-%d: read %d ciphertext bytes, window has %d", n, start, end, src.read, w.FetchLen())
				}
			}
		}
	}
}

func TestPlainWindowFetchesOnlyNeededBlocks(t *testing.T) {
	tests := []struct {
		cipherLen, start, end int64
		want                  CipherWindow
	}{
		{112, 0, 0, CipherWindow{FetchStart: 0, FetchEnd: 15, UseIV: true, Skip: 0, Length: 1}},
		{112, 5, 20, CipherWindow{FetchStart: 0, FetchEnd: 31, UseIV: true, Skip: 5, Length: 16}},
		{112, 16, 16, CipherWindow{FetchStart: 0, FetchEnd: 31, UseIV: false, Skip: 0, Length: 1}},
		{112, 40, 60, CipherWindow{FetchStart: 16, FetchEnd: 63, UseIV: false, Skip: 8, Length: 21}},
		{112, 96, 99, CipherWindow{FetchStart: 80, FetchEnd: 111, UseIV: false, Skip: 0, Length: 4, IncludesLast: true}},
		{112, 0, 110, CipherWindow{FetchStart: 0, FetchEnd: 111, UseIV: true, Skip: 0, Length: 111, IncludesLast: true}},
		{16, 0, 14, CipherWindow{FetchStart: 0, FetchEnd: 15, UseIV: true, Skip: 0, Length: 15, IncludesLast: true}},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d/%d-%d", tt.cipherLen, tt.start, tt.end), func(t *testing.T) {
			w, err := PlainWindow(tt.cipherLen, tt.start, tt.end)
			if err != nil || w != tt.want {
				t.Fatalf("PlainWindow = %+v, %v; want %+v", w, err, tt.want)
			}
		})
	}
}

func TestPlainWindowRejectsImpossibleRanges(t *testing.T) {
	tests := []struct {
		cipherLen, start, end int64
		want                  error
	}{
		{0, 0, 0, ErrNotBlockAligned},
		{-16, 0, 0, ErrNotBlockAligned},
		{100, 0, 0, ErrNotBlockAligned},
		{112, -1, 5, ErrRangeNotSatisfiable},
		{112, 6, 5, ErrRangeNotSatisfiable},
		{112, 0, 111, ErrRangeNotSatisfiable}, // the last byte is always padding
		{112, 111, 111, ErrRangeNotSatisfiable},
		{112, 200, 300, ErrRangeNotSatisfiable},
		{16, 15, 15, ErrRangeNotSatisfiable},
	}
	for _, tt := range tests {
		if _, err := PlainWindow(tt.cipherLen, tt.start, tt.end); !errors.Is(err, tt.want) {
			t.Errorf("PlainWindow(%d, %d, %d) error = %v, want %v", tt.cipherLen, tt.start, tt.end, err, tt.want)
		}
	}
}

func TestRangeDecrypterRejectsRangeIntoPadding(t *testing.T) {
	plain := pattern(100) // 112-byte ciphertext, plaintext ends at 99
	ct := refEncrypt(t, testKey, testIV, plain)
	for _, r := range [][2]int64{{99, 100}, {100, 100}, {96, 110}, {0, 110}, {50, 105}} {
		w, err := PlainWindow(int64(len(ct)), r[0], r[1])
		if err != nil {
			t.Fatalf("PlainWindow(%v): %v", r, err)
		}
		out, err := io.ReadAll(NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:w.FetchEnd+1]), testKey, testIV, w))
		if !errors.Is(err, ErrRangeNotSatisfiable) {
			t.Errorf("range %v: error = %v, want ErrRangeNotSatisfiable", r, err)
		}
		if end := r[0] + int64(len(out)); end > 100 || !bytes.Equal(out, plain[r[0]:end]) {
			t.Errorf("range %v: emitted %d bytes that are not plaintext", r, len(out))
		}
	}
}

func TestRangeDecrypterValidatesFinalBlockPadding(t *testing.T) {
	ct := badPadCiphertext(t, bytes.Repeat([]byte{0x42}, BlockSize))
	w, err := PlainWindow(int64(len(ct)), 20, 40)
	if err != nil || !w.IncludesLast {
		t.Fatalf("PlainWindow: %+v, %v", w, err)
	}
	_, err = io.ReadAll(NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:]), testKey, testIV, w))
	if !errors.Is(err, ErrBadPadding) {
		t.Fatalf("error = %v, want ErrBadPadding", err)
	}
}

func TestRangeDecrypterRejectsShortSourceAndBadWindows(t *testing.T) {
	ct := refEncrypt(t, testKey, testIV, pattern(100))
	w, _ := PlainWindow(int64(len(ct)), 40, 60)
	_, err := io.ReadAll(NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:w.FetchEnd-3]), testKey, testIV, w))
	if !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("short window source: error = %v, want io.ErrUnexpectedEOF", err)
	}
	for _, bad := range []CipherWindow{
		{},
		{FetchStart: 0, FetchEnd: 15, UseIV: false, Length: 1},
		{FetchStart: 16, FetchEnd: 31, UseIV: false, Length: 1},
		{FetchStart: 3, FetchEnd: 34, Length: 1},
		{FetchStart: 0, FetchEnd: 15, UseIV: true, Skip: 16, Length: 1},
		{FetchStart: 0, FetchEnd: 15, UseIV: true, Skip: 1, Length: 16},
		{FetchStart: 0, FetchEnd: 15, UseIV: true, Length: -1},
	} {
		if _, err := io.ReadAll(NewRangeDecrypter(bytes.NewReader(ct), testKey, testIV, bad)); err == nil {
			t.Errorf("window %+v accepted", bad)
		}
	}
}

func TestPlainLenReadsLengthFromTail(t *testing.T) {
	for n := 0; n <= 100; n++ {
		ct := refEncrypt(t, testKey, testIV, pattern(n))
		start, end, err := TailWindow(int64(len(ct)))
		if err != nil {
			t.Fatal(err)
		}
		got, err := PlainLen(int64(len(ct)), ct[start:end+1], testKey, testIV)
		if err != nil || got != int64(n) {
			t.Fatalf("PlainLen of %d-byte plaintext = %d, %v", n, got, err)
		}
	}
}

func TestPlainLenRejectsBadPaddingAndBadTails(t *testing.T) {
	ct := badPadCiphertext(t, bytes.Repeat([]byte{0}, BlockSize))
	if _, err := PlainLen(int64(len(ct)), ct[len(ct)-32:], testKey, testIV); !errors.Is(err, ErrBadPadding) {
		t.Errorf("bad padding: error = %v", err)
	}
	one := rawCBC(t, testKey, testIV, bytes.Repeat([]byte{17}, BlockSize))
	if _, err := PlainLen(16, one, testKey, testIV); !errors.Is(err, ErrBadPadding) {
		t.Errorf("single block bad padding: error = %v", err)
	}
	good := refEncrypt(t, testKey, testIV, pattern(40))
	if _, err := PlainLen(48, good[len(good)-16:], testKey, testIV); err == nil {
		t.Error("16-byte tail of a 48-byte ciphertext accepted")
	}
	if _, err := PlainLen(47, good[len(good)-32:], testKey, testIV); !errors.Is(err, ErrNotBlockAligned) {
		t.Errorf("unaligned cipherLen: error = %v", err)
	}
}

func TestRangeEncrypterEqualsSliceOfFullEncryption(t *testing.T) {
	plain := pattern(100)
	full := refEncrypt(t, testKey, testIV, plain)
	for start := 0; start < len(full); start++ {
		for end := start; end < len(full); end++ {
			r := NewRangeEncrypter(&chunkReader{plain, 1 + start%17}, testKey, testIV, int64(start), int64(end))
			got, err := readAllSized(r, 1+end%5)
			if err != nil || !bytes.Equal(got, full[start:end+1]) {
				t.Fatalf("range %d-%d: %x, %v; want %x", start, end, got, err, full[start:end+1])
			}
		}
	}
	big := pattern(3*chunkSize + 77)
	bigFull := refEncrypt(t, testKey, testIV, big)
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, NewRangeEncrypter(bytes.NewReader(big), testKey, testIV, chunkSize+3, 2*chunkSize+20000)); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), bigFull[chunkSize+3:2*chunkSize+20001]) {
		t.Fatal("io.Copy of a multi-chunk range differs")
	}
}

func TestRangeEncrypterRejectsRangesOutsideTheCiphertext(t *testing.T) {
	plain := pattern(100) // 112 ciphertext bytes
	for _, r := range [][2]int64{{0, 112}, {112, 112}, {200, 300}, {-1, 3}, {5, 4}} {
		_, err := io.ReadAll(NewRangeEncrypter(bytes.NewReader(plain), testKey, testIV, r[0], r[1]))
		if !errors.Is(err, ErrRangeNotSatisfiable) {
			t.Errorf("range %v: error = %v, want ErrRangeNotSatisfiable", r, err)
		}
	}
}

func TestRangeDecrypterOnMultiChunkSegmentThroughIOCopy(t *testing.T) {
	plain := pattern(3*chunkSize + 1000)
	ct := refEncrypt(t, testKey, testIV, plain)
	for _, r := range [][2]int64{{0, int64(len(plain)) - 1}, {17, 2*chunkSize + 5}, {chunkSize - 1, chunkSize}, {int64(len(plain)) - 40000, int64(len(plain)) - 1}} {
		w, err := PlainWindow(int64(len(ct)), r[0], r[1])
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := io.Copy(&buf, NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:w.FetchEnd+1]), testKey, testIV, w))
		if err != nil || n != w.Length || !bytes.Equal(buf.Bytes(), plain[r[0]:r[1]+1]) {
			t.Fatalf("range %v: %d bytes, %v", r, n, err)
		}
	}
}

func TestRangeEncrypterNeedsOnlyThePlaintextPrefix(t *testing.T) {
	for _, n := range []int{0, 1, 15, 16, 17, 100} {
		plain := pattern(n)
		full := refEncrypt(t, testKey, testIV, plain)
		for start := 0; start < len(full); start++ {
			for end := start; end < len(full); end++ {
				p := RangeEncryptPrefix(int64(n), int64(end))
				if p > int64(n) || p < 0 {
					t.Fatalf("RangeEncryptPrefix(%d, %d) = %d", n, end, p)
				}
				got, err := io.ReadAll(NewRangeEncrypter(bytes.NewReader(plain[:p]), testKey, testIV, int64(start), int64(end)))
				if err != nil || !bytes.Equal(got, full[start:end+1]) {
					t.Fatalf("len %d range %d-%d from a %d-byte prefix: %x, %v; want %x", n, start, end, p, got, err, full[start:end+1])
				}
			}
		}
	}
	if got := RangeEncryptPrefix(1000, 20); got != 32 {
		t.Fatalf("RangeEncryptPrefix(1000, 20) = %d: a range in block 1 should need blocks 0-1 only", got)
	}
}
