package aescbc

import (
	"crypto/aes"
	"crypto/cipher"
	"testing"
)

const benchSize = 2 << 20 // one 2 MiB segment, as segcrypt's benchmarks

// Each benchmark has a crypto/cipher twin in the same run (the baseline):
// BenchmarkDecrypt2MB/{aescbc,stdlib}, BenchmarkEncrypt2MB/{aescbc,stdlib}.
// On a VAES CPU, Decrypt2MB/aesni is the 128-bit AES-NI path (8 blocks in
// flight) that other CPUs run.
func BenchmarkDecrypt2MB(b *testing.B) { benchCBC(b, false) }
func BenchmarkEncrypt2MB(b *testing.B) { benchCBC(b, true) }

func benchCBC(b *testing.B, encrypt bool) {
	key, iv := make([]byte, 16), make([]byte, 16)
	for i := range key {
		key[i], iv[i] = byte(i), byte(0xf0+i)
	}
	src := make([]byte, benchSize)
	dst := make([]byte, benchSize)
	for i := range src {
		src[i] = byte(i * 7)
	}
	std, err := aes.NewCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	ours, err := NewCipher(key)
	if err != nil {
		b.Fatal(err)
	}
	if ours.std != nil {
		b.Log("no AES-NI: the aescbc case measures the crypto/cipher fallback")
	}
	modes := []struct {
		name string
		mode cipher.BlockMode
	}{
		{"aescbc", NewCBCDecrypter(ours, iv)},
		{"stdlib", cipher.NewCBCDecrypter(std, iv)},
	}
	if encrypt {
		modes[0].mode, modes[1].mode = NewCBCEncrypter(ours, iv), cipher.NewCBCEncrypter(std, iv)
	} else if ours.wide {
		narrow := *ours
		narrow.wide = false
		modes = append(modes, struct {
			name string
			mode cipher.BlockMode
		}{"aesni", NewCBCDecrypter(&narrow, iv)})
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			b.SetBytes(benchSize)
			for b.Loop() {
				m.mode.CryptBlocks(dst, src)
			}
		})
	}
}
