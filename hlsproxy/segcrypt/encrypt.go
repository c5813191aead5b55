package segcrypt

import (
	"crypto/aes"
	"crypto/cipher"
	"io"
)

// EncryptedLen is the AES-128 ciphertext length of plain plaintext bytes:
// PKCS#7 always adds 1..16 bytes, so (plain/16+1)*16. plain must be >= 0.
func EncryptedLen(plain int64) int64 { return (plain/BlockSize + 1) * BlockSize }

// NewEncrypter returns a reader of the AES-128-CBC encryption of src with
// PKCS#7 padding appended at EOF: exactly EncryptedLen(len(src)) bytes, the
// same bytes as `openssl aes-128-cbc -K key -iv iv`. Memory is constant and
// any read size works; src's errors are passed on, wrapped. The reader also
// implements io.WriterTo.
func NewEncrypter(src io.Reader, k Key, iv IV) io.Reader {
	return newStream(src, newCBCEncrypt(k, iv))
}

type cbcEncrypt struct{ mode cipher.BlockMode }

func newCBCEncrypt(k Key, iv IV) *cbcEncrypt {
	b, err := aes.NewCipher(k[:])
	if err != nil { // unreachable: a Key is always 16 bytes
		panic("segcrypt: " + err.Error())
	}
	return &cbcEncrypt{mode: cipher.NewCBCEncrypter(b, iv[:])}
}

func (e *cbcEncrypt) process(buf []byte, eof bool) ([]byte, int, error) {
	n := len(buf)
	if !eof {
		k := n / BlockSize * BlockSize
		e.mode.CryptBlocks(buf[:k], buf[:k])
		return buf[:k], k, nil
	}
	pad := pkcs7Pad(n)
	out := buf[:n+pad] // the stream's buffer keeps BlockSize spare bytes
	for i := n; i < len(out); i++ {
		out[i] = byte(pad)
	}
	e.mode.CryptBlocks(out, out)
	return out, n, io.EOF
}
