//go:build !amd64 || purego

package aescbc

// hasAESNI is false: this build has no assembly; every Block uses crypto/aes.
const hasAESNI = false

func expandKey(key []byte, enc, dec *[schedSize]byte) { panic("aescbc: no assembly in this build") }

func encryptBlocks(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int) {
	panic("aescbc: no assembly in this build")
}

func decryptBlocks(xk *[schedSize]byte, iv *[BlockSize]byte, dst, src *byte, n int) {
	panic("aescbc: no assembly in this build")
}
