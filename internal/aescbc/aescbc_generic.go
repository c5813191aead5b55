//go:build !amd64 || purego

package aescbc

// hasAESNI is false: this build has no assembly; every Block uses crypto/aes.
const hasAESNI = false

// hasVAES is false for the same reason.
const hasVAES = false

func expandKey(key []byte, enc, dec *[schedSize]byte) { panic("aescbc: no assembly in this build") }

func encryptBlocks(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int) {
	panic("aescbc: no assembly in this build")
}

func decryptCBC(b *Block, iv *[BlockSize]byte, dst, src []byte) {
	panic("aescbc: no assembly in this build")
}
