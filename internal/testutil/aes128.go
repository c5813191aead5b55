package testutil

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"testing"
)

// AES-128 as HLS uses it (RFC 8216 §5.2): AES-128-CBC over the whole
// segment with PKCS#7 padding, the IV either given on EXT-X-KEY or the
// segment's media sequence number. Tests use these to encrypt fixtures at
// rest and to decrypt what a player receives; they return errors (no
// testing.T) so that load goroutines can call them too.

// errPadding is what a wrong key or IV usually produces.
var errPadding = errors.New("bad PKCS#7 padding (wrong key or IV)")

// SequenceIV is the IV of a segment whose EXT-X-KEY has no IV attribute:
// its media sequence number as a big-endian 128-bit integer.
func SequenceIV(seq uint64) []byte {
	iv := make([]byte, aes.BlockSize)
	binary.BigEndian.PutUint64(iv[8:], seq)
	return iv
}

// EncryptAES128 pads plain with PKCS#7 and encrypts it with AES-128-CBC.
func EncryptAES128(key, iv, plain []byte) ([]byte, error) {
	blk, err := cbcBlock(key, iv)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(plain)%aes.BlockSize
	buf := append(append(make([]byte, 0, len(plain)+pad), plain...), bytes.Repeat([]byte{byte(pad)}, pad)...)
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(buf, buf)
	return buf, nil
}

// MustEncryptAES128 is EncryptAES128 for fixtures: a bad key or IV fails t.
func MustEncryptAES128(t testing.TB, key, iv, plain []byte) []byte {
	t.Helper()
	out, err := EncryptAES128(key, iv, plain)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// DecryptAES128 decrypts AES-128-CBC data and removes its PKCS#7 padding,
// refusing a ciphertext that is not whole blocks or whose padding is wrong.
func DecryptAES128(key, iv, data []byte) ([]byte, error) {
	blk, err := cbcBlock(key, iv)
	if err != nil {
		return nil, err
	}
	if len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, fmt.Errorf("ciphertext of %d bytes is not a whole number of blocks", len(data))
	}
	out := make([]byte, len(data))
	cipher.NewCBCDecrypter(blk, iv).CryptBlocks(out, data)
	n := int(out[len(out)-1])
	if n == 0 || n > aes.BlockSize || !bytes.Equal(out[len(out)-n:], bytes.Repeat([]byte{byte(n)}, n)) {
		return nil, errPadding
	}
	return out[:len(out)-n], nil
}

// cbcBlock checks the sizes crypto/cipher would panic on and returns the cipher.
func cbcBlock(key, iv []byte) (cipher.Block, error) {
	if len(key) != 16 {
		return nil, fmt.Errorf("AES-128 key of %d bytes, want 16", len(key))
	}
	if len(iv) != aes.BlockSize {
		return nil, fmt.Errorf("IV of %d bytes, want %d", len(iv), aes.BlockSize)
	}
	return aes.NewCipher(key)
}
