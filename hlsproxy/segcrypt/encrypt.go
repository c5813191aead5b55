package segcrypt

import (
	"io"

	"github.com/mediagate/caddy-mediagate/internal/aescbc"
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

// cbcEncrypt is the encrypting transform (internal/aescbc: AES-NI assembly
// on amd64, crypto/cipher elsewhere).
type cbcEncrypt struct{ mode *aescbc.Encrypter }

func newCBCEncrypt(k Key, iv IV) *cbcEncrypt {
	return &cbcEncrypt{mode: aescbc.NewCBCEncrypter(newBlock(k), iv[:])}
}

// newBlock expands k for the aescbc modes.
func newBlock(k Key) *aescbc.Block {
	b, err := aescbc.NewCipher(k[:])
	if err != nil { // unreachable: a Key is always 16 bytes
		panic("segcrypt: " + err.Error())
	}
	return b
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
