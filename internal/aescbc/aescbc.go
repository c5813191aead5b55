package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
)

// BlockSize is the AES block size in bytes.
const BlockSize = aes.BlockSize

// KeySize is the only key size supported: AES-128.
const KeySize = 16

const schedSize = 11 * BlockSize // 10 rounds + the initial whitening key

// useAsm decides, when a Block is made, whether it runs the assembly. It is
// the CPU check (hasAESNI) and a test hook: tests set it to false to run the
// crypto/cipher fallback on the same vectors.
var useAsm = hasAESNI

// useVAES likewise decides whether a Block's decryption uses VAES (hasVAES);
// tests set it to false to run the 128-bit AES-NI path on a VAES CPU.
var useVAES = hasVAES

// Block is an expanded AES-128 key, both directions. It is immutable and may
// be shared by any number of modes and goroutines.
type Block struct {
	enc, dec [schedSize]byte // round keys 0..10; dec in AESDEC order (AESIMC applied)
	wide     bool            // decrypt with VAES, 16 blocks at a time
	std      cipher.Block    // the fallback; nil on the assembly path
}

// NewCipher expands a 16-byte AES-128 key. Any other length is an error
// (crypto/aes's KeySizeError wording: this package has AES-128 only).
func NewCipher(key []byte) (*Block, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("aescbc: invalid key size %d, want %d (AES-128 only)", len(key), KeySize)
	}
	b := &Block{}
	if useAsm {
		expandKey(key, &b.enc, &b.dec)
		b.wide = useVAES
		return b, nil
	}
	std, err := aes.NewCipher(key)
	if err != nil { // unreachable: the length was checked
		return nil, fmt.Errorf("aescbc: %w", err)
	}
	b.std = std
	return b, nil
}

// chain is what both directions keep: the expanded key, the running IV, and
// the crypto/cipher mode that stands in for the assembly (purego, no AES-NI).
type chain struct {
	b   *Block
	iv  [BlockSize]byte
	std cipher.BlockMode
}

// setIV restarts the chain with iv (16 bytes, else it panics).
func (c *chain) setIV(iv []byte, encrypt bool) {
	checkIV(iv)
	switch {
	case c.b.std == nil:
		copy(c.iv[:], iv)
	case encrypt:
		c.std = cipher.NewCBCEncrypter(c.b.std, iv)
	default:
		c.std = cipher.NewCBCDecrypter(c.b.std, iv)
	}
}

// crypt runs src through the chain into dst, with crypto/cipher's rules.
func (c *chain) crypt(dst, src []byte, encrypt bool) {
	checkBlocks(dst, src)
	switch {
	case len(src) == 0:
	case c.std != nil:
		c.std.CryptBlocks(dst, src)
	case encrypt:
		encryptBlocks(&c.b.enc, &c.iv, &dst[0], &src[0], len(src)/BlockSize)
	default:
		decryptCBC(c.b, &c.iv, dst, src)
	}
}

// Encrypter is AES-128-CBC encryption with a running IV: successive
// CryptBlocks calls continue one chain. It implements cipher.BlockMode.
type Encrypter struct{ c chain }

// NewCBCEncrypter returns a CBC encrypter like cipher.NewCBCEncrypter; it
// panics when len(iv) != BlockSize, as that does.
func NewCBCEncrypter(b *Block, iv []byte) *Encrypter {
	e := &Encrypter{chain{b: b}}
	e.SetIV(iv)
	return e
}

// BlockSize is 16.
func (e *Encrypter) BlockSize() int { return BlockSize }

// SetIV restarts the chain with iv (16 bytes, else it panics).
func (e *Encrypter) SetIV(iv []byte) { e.c.setIV(iv, true) }

// CryptBlocks encrypts src into dst, which may be src itself (in place) but
// must not otherwise overlap it. len(src) must be a multiple of 16 and dst at
// least as long; it panics otherwise, like crypto/cipher.
func (e *Encrypter) CryptBlocks(dst, src []byte) { e.c.crypt(dst, src, true) }

// Decrypter is AES-128-CBC decryption with a running IV: successive
// CryptBlocks calls continue one chain. It implements cipher.BlockMode.
type Decrypter struct{ c chain }

// NewCBCDecrypter returns a CBC decrypter like cipher.NewCBCDecrypter; it
// panics when len(iv) != BlockSize, as that does.
func NewCBCDecrypter(b *Block, iv []byte) *Decrypter {
	d := &Decrypter{chain{b: b}}
	d.SetIV(iv)
	return d
}

// BlockSize is 16.
func (d *Decrypter) BlockSize() int { return BlockSize }

// SetIV restarts the chain with iv (16 bytes, else it panics).
func (d *Decrypter) SetIV(iv []byte) { d.c.setIV(iv, false) }

// CryptBlocks decrypts src into dst, with the same rules as
// Encrypter.CryptBlocks.
func (d *Decrypter) CryptBlocks(dst, src []byte) { d.c.crypt(dst, src, false) }

func checkIV(iv []byte) {
	if len(iv) != BlockSize {
		panic("aescbc: IV length must equal block size")
	}
}

// checkBlocks panics on what crypto/cipher's CBC modes panic on.
func checkBlocks(dst, src []byte) {
	if len(src)%BlockSize != 0 {
		panic("aescbc: input not full blocks")
	}
	if len(dst) < len(src) {
		panic("aescbc: output smaller than input")
	}
	if inexactOverlap(dst[:len(src)], src) {
		panic("aescbc: invalid buffer overlap")
	}
}

var (
	_ cipher.BlockMode = (*Encrypter)(nil)
	_ cipher.BlockMode = (*Decrypter)(nil)
)
