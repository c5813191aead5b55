package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"math/rand/v2"
	"testing"
)

// impl is one way this package can run: the assembly, or the crypto/cipher
// fallback forced through the useAsm hook.
type impl struct {
	name string
	asm  bool
}

// impls lists the implementations this machine can run: always the
// fallback, and the assembly when the CPU has AES-NI.
func impls(t testing.TB) []impl {
	out := []impl{{"fallback", false}}
	if hasAESNI {
		out = append(out, impl{"asm", true})
	} else {
		t.Logf("no AES-NI in this build or CPU: only the fallback is tested")
	}
	return out
}

// newBlock expands key for one implementation and checks it got that one.
func newBlock(t testing.TB, im impl, key []byte) *Block {
	t.Helper()
	saved := useAsm
	useAsm = im.asm
	b, err := NewCipher(key)
	useAsm = saved
	if err != nil {
		t.Fatal(err)
	}
	if (b.std == nil) != im.asm {
		t.Fatalf("%s: Block has std=%v", im.name, b.std != nil)
	}
	return b
}

// reference returns crypto/cipher's CBC modes for key and iv.
func reference(t testing.TB, key, iv []byte) (enc, dec cipher.BlockMode) {
	t.Helper()
	blk, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	return cipher.NewCBCEncrypter(blk, iv), cipher.NewCBCDecrypter(blk, iv)
}

func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func newRand(t testing.TB) *rand.Rand {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}
