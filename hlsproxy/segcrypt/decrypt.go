package segcrypt

import (
	"fmt"
	"io"

	"github.com/mediagate/caddy-mediagate/internal/aescbc"
)

// NewDecrypter returns a reader of the plaintext of the AES-128-CBC
// ciphertext read from src, with the PKCS#7 padding validated and removed.
//
// Memory is constant (one 32 KiB buffer) and any read size works. The last
// ciphertext block is held back until src reports io.EOF, so padding bytes
// are never emitted. At the end the reader returns io.EOF, or:
//   - ErrNotBlockAligned when the ciphertext length is not a positive
//     multiple of 16 (an empty ciphertext included);
//   - ErrBadPadding when the final block's padding is invalid (wrong key or
//     IV, or corruption); the final chunk (up to 32 KiB) is then withheld;
//   - src's own error, wrapped.
//
// Plaintext before the final chunk has been delivered by then: a caller that
// streams it to a client must abort the response on any error. The returned
// reader also implements io.WriterTo, so io.Copy avoids an extra copy.
func NewDecrypter(src io.Reader, k Key, iv IV) io.Reader {
	return newStream(src, newCBCDecrypt(k, &iv, true))
}

// cbcDecrypt is the decrypting transform (internal/aescbc: eight blocks in
// flight with AES-NI on amd64, crypto/cipher elsewhere). When iv is nil the
// first block of the input is the IV (a range window starting after block 0).
type cbcDecrypt struct {
	block *aescbc.Block
	mode  *aescbc.Decrypter
	unpad bool  // the input ends with the segment's final block
	total int64 // ciphertext bytes decrypted or held so far (IV block excluded)
}

func newCBCDecrypt(k Key, iv *IV, unpad bool) *cbcDecrypt {
	d := &cbcDecrypt{block: newBlock(k), unpad: unpad}
	if iv != nil {
		d.mode = aescbc.NewCBCDecrypter(d.block, iv[:])
	}
	return d
}

func (d *cbcDecrypt) process(buf []byte, eof bool) ([]byte, int, error) {
	n := len(buf)
	if d.mode == nil {
		if n < BlockSize {
			if eof {
				return nil, n, fmt.Errorf("segcrypt: window ended inside its IV block: %w", io.ErrUnexpectedEOF)
			}
			return nil, 0, nil
		}
		d.mode = aescbc.NewCBCDecrypter(d.block, buf[:BlockSize])
		return nil, BlockSize, nil
	}
	if !eof {
		// Hold back 1..16 bytes: the final block must wait for EOF.
		k := 0
		if n > 0 {
			k = (n - 1) / BlockSize * BlockSize
		}
		d.mode.CryptBlocks(buf[:k], buf[:k])
		d.total += int64(k)
		return buf[:k], k, nil
	}
	d.total += int64(n)
	if n%BlockSize != 0 || d.total == 0 {
		return nil, n, fmt.Errorf("%w: got %d bytes", ErrNotBlockAligned, d.total)
	}
	d.mode.CryptBlocks(buf, buf)
	if !d.unpad {
		return buf, n, io.EOF
	}
	pad, ok := pkcs7Unpad(buf[n-BlockSize:])
	if !ok {
		return nil, n, ErrBadPadding
	}
	return buf[:n-pad], n, io.EOF
}
