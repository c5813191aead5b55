package segcrypt

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzDecrypter: any ciphertext either fails with a known error, or decrypts
// to a plaintext whose re-encryption is exactly the input.
func FuzzDecrypter(f *testing.F) {
	f.Add([]byte{}, uint8(1))
	f.Add(make([]byte, 16), uint8(16))
	f.Add(refEncrypt(f, testKey, testIV, pattern(33)), uint8(7))
	f.Add(refEncrypt(f, testKey, testIV, pattern(0)), uint8(3))
	f.Add(pattern(47), uint8(200))
	f.Fuzz(func(t *testing.T, ct []byte, size uint8) {
		rs := int(size)%64 + 1
		pt, err := readAllSized(NewDecrypter(&chunkReader{ct, rs}, testKey, testIV), rs)
		if err != nil {
			if !errors.Is(err, ErrBadPadding) && !errors.Is(err, ErrNotBlockAligned) {
				t.Fatalf("unexpected error %v", err)
			}
			if len(ct)%BlockSize != 0 || len(ct) == 0 {
				if !errors.Is(err, ErrNotBlockAligned) {
					t.Fatalf("%d-byte input: %v", len(ct), err)
				}
			}
			return
		}
		back, err := io.ReadAll(NewEncrypter(bytes.NewReader(pt), testKey, testIV))
		if err != nil || !bytes.Equal(back, ct) {
			t.Fatalf("re-encryption differs: %x vs %x (%v)", back, ct, err)
		}
	})
}

// FuzzOpen: Open never panics and whatever it accepts re-seals identically.
func FuzzOpen(f *testing.F) {
	for _, c := range sampleContexts() {
		f.Add(Seal(signSecret, c))
	}
	f.Add("")
	f.Add("AQ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Open(signSecret, s)
		if err != nil {
			if !errors.Is(err, ErrBadSignature) && !errors.Is(err, ErrMalformedContext) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if Seal(signSecret, c) != s {
			t.Fatalf("accepted %q but it re-seals as %q", s, Seal(signSecret, c))
		}
	})
}

// FuzzPlainWindow checks the window invariants for arbitrary inputs.
func FuzzPlainWindow(f *testing.F) {
	f.Add(int64(112), int64(0), int64(0))
	f.Add(int64(112), int64(40), int64(110))
	f.Add(int64(16), int64(0), int64(14))
	f.Add(int64(1<<40), int64(1<<39+3), int64(1<<40-2))
	f.Add(int64(-16), int64(-1), int64(5))
	f.Fuzz(func(t *testing.T, cipherLen, start, end int64) {
		w, err := PlainWindow(cipherLen, start, end)
		if err != nil {
			if !errors.Is(err, ErrNotBlockAligned) && !errors.Is(err, ErrRangeNotSatisfiable) {
				t.Fatalf("unexpected error %v", err)
			}
			if cipherLen > 0 && cipherLen%BlockSize == 0 && start >= 0 && start <= end && end <= cipherLen-2 {
				t.Fatalf("valid range %d-%d of %d rejected: %v", start, end, cipherLen, err)
			}
			return
		}
		switch {
		case w.FetchStart < 0 || w.FetchStart%BlockSize != 0 || (w.FetchEnd+1)%BlockSize != 0 || w.FetchEnd >= cipherLen:
			t.Fatalf("window %+v not aligned inside %d", w, cipherLen)
		case w.Length != end-start+1:
			t.Fatalf("window %+v: length, want %d", w, end-start+1)
		case w.UseIV != (start < BlockSize) || (w.UseIV && w.FetchStart != 0):
			t.Fatalf("window %+v: UseIV wrong for start %d", w, start)
		}
		// The first emitted byte's block and the IV block are fetched.
		dataStart := w.FetchStart
		if !w.UseIV {
			dataStart += BlockSize
		}
		if dataStart+w.Skip != start || w.Skip < 0 || w.Skip >= BlockSize {
			t.Fatalf("window %+v does not start at %d", w, start)
		}
		if w.FetchEnd < end || w.FetchEnd-end >= BlockSize {
			t.Fatalf("window %+v fetches too little or too much for end %d", w, end)
		}
		if w.IncludesLast != (w.FetchEnd == cipherLen-1) {
			t.Fatalf("window %+v: IncludesLast wrong for %d", w, cipherLen)
		}
		if err := checkWindow(w); err != nil {
			t.Fatalf("PlainWindow made a window NewRangeDecrypter rejects: %v", err)
		}
	})
}

// FuzzRangeDecrypter: any satisfiable range decrypted from its window alone
// equals the same slice of the plaintext.
func FuzzRangeDecrypter(f *testing.F) {
	f.Add(uint16(100), uint16(0), uint16(99))
	f.Add(uint16(96), uint16(16), uint16(16))
	f.Add(uint16(1), uint16(0), uint16(0))
	f.Add(uint16(5000), uint16(33), uint16(4000))
	f.Fuzz(func(t *testing.T, n, start, end uint16) {
		if n == 0 {
			return
		}
		plain := pattern(int(n))
		ct := refEncrypt(t, testKey, testIV, plain)
		w, err := PlainWindow(int64(len(ct)), int64(start), int64(end))
		if err != nil {
			return
		}
		got, err := io.ReadAll(NewRangeDecrypter(bytes.NewReader(ct[w.FetchStart:w.FetchEnd+1]), testKey, testIV, w))
		if int(end) >= int(n) {
			if !errors.Is(err, ErrRangeNotSatisfiable) {
				t.Fatalf("range %d-%d of %d bytes: error = %v, want ErrRangeNotSatisfiable", start, end, n, err)
			}
			return
		}
		if err != nil || !bytes.Equal(got, plain[start:int(end)+1]) {
			t.Fatalf("range %d-%d of %d bytes: %v", start, end, n, err)
		}
	})
}

// FuzzParseIV: ParseIV never panics and what it accepts prints back to an
// equal IV.
func FuzzParseIV(f *testing.F) {
	for _, s := range []string{"0x1", "0X00ff", "0x000102030405060708090a0b0c0d0e0f", "", "0x", "0xg", "1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		iv, err := ParseIV(s)
		if err != nil {
			if !errors.Is(err, ErrInvalidIV) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		back, err := ParseIV(iv.String())
		if err != nil || back != iv {
			t.Fatalf("ParseIV(%q) = %v does not round-trip: %v", s, iv, err)
		}
	})
}
