// Package aescbc is AES-128-CBC at hardware speed: on amd64 with AES-NI,
// decryption keeps eight blocks in flight (AESDEC pipelined, the way
// OpenSSL's aesni_cbc_decrypt does), sixteen with VAES (256-bit VAESDEC, two
// blocks a register, on CPUs with AVX-512 VAES: Ice Lake, Zen 4 and later;
// the remainder under 16 blocks takes the 8/4/1-block AES-NI path), and
// encryption, which CBC makes serial,
// runs as one assembly loop over the whole buffer with the next plaintext
// folded into the last round key, so only the ten AESENC/AESENCLAST
// latencies remain on the chain. Go's crypto/cipher has no CBC assembly on
// amd64 and calls the block cipher once per 16 bytes.
//
// The key schedule is expanded with AESKEYGENASSIST and the decryption
// round keys with AESIMC: no table lookups anywhere, so the assembly path is
// constant-time by construction.
//
// Elsewhere (another GOARCH, a CPU without AES-NI, or the purego build tag)
// every call goes to crypto/aes + crypto/cipher, with the same results and
// the same panics. arm64 is not specialised: Go's crypto/aes already uses the
// ARMv8 AES instructions there, one block per call.
//
// The modes have the cipher.BlockMode shape (BlockSize, CryptBlocks), carry
// the IV across CryptBlocks calls, and can be re-keyed to a new IV with SetIV.
//
// This package has no Caddy import; hlsproxy/segcrypt uses it.
package aescbc
