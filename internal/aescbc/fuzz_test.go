package aescbc

import (
	"bytes"
	"testing"
)

// FuzzCBCMatchesCryptoCipher: for any key, IV, data, buffer offset and split
// point, the assembly, the fallback and crypto/cipher agree, in both
// directions, in place and not.
func FuzzCBCMatchesCryptoCipher(f *testing.F) {
	f.Add(make([]byte, 16), make([]byte, 16), make([]byte, 128), uint8(0), uint16(3))
	f.Add(bytes.Repeat([]byte{0xff}, 16), bytes.Repeat([]byte{1}, 16), bytes.Repeat([]byte{7}, 16*13), uint8(5), uint16(8))
	f.Add(bytes.Repeat([]byte{3}, 16), bytes.Repeat([]byte{9}, 16), bytes.Repeat([]byte{0x5a}, 16*45), uint8(1), uint16(17)) // VAES groups + tail
	f.Fuzz(func(t *testing.T, key, iv, data []byte, off uint8, split uint16) {
		if len(key) != 16 || len(iv) != 16 {
			return
		}
		data = data[:len(data)/BlockSize*BlockSize]
		o := int(off % 16)
		cut := min(int(split)*BlockSize, len(data))
		refEnc, refDec := reference(t, key, iv)
		wantCT := make([]byte, len(data))
		refEnc.CryptBlocks(wantCT, data)
		wantPT := make([]byte, len(data))
		refDec.CryptBlocks(wantPT, data) // decrypting arbitrary bytes must agree too

		for _, im := range impls(t) {
			b := newBlock(t, im, key)
			buf := make([]byte, o+len(data))[o:]

			copy(buf, data)
			enc := NewCBCEncrypter(b, iv)
			enc.CryptBlocks(buf[:cut], buf[:cut])
			enc.CryptBlocks(buf[cut:], buf[cut:])
			if !bytes.Equal(buf, wantCT) {
				t.Fatalf("%s: encrypt (offset %d, split %d) differs at byte %d", im.name, o, cut, firstDiff(buf, wantCT))
			}

			out := make([]byte, len(data))
			dec := NewCBCDecrypter(b, iv)
			dec.CryptBlocks(out[:cut], data[:cut])
			dec.CryptBlocks(out[cut:], data[cut:])
			if !bytes.Equal(out, wantPT) {
				t.Fatalf("%s: decrypt (split %d) differs at byte %d", im.name, cut, firstDiff(out, wantPT))
			}
		}
	})
}
