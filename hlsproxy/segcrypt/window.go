package segcrypt

import (
	"crypto/aes"
	"fmt"
)

// CipherWindow says which ciphertext bytes to fetch for a plaintext byte
// range and how NewRangeDecrypter turns them into exactly that range.
//
// In CBC, plaintext block i = D(C[i]) XOR C[i-1] with C[-1] = IV, so a range
// needs its own ciphertext blocks plus the block before them (as the IV), or
// the real IV when it starts in block 0.
type CipherWindow struct {
	// FetchStart and FetchEnd are the inclusive ciphertext offsets to fetch
	// (an HTTP Range "bytes=FetchStart-FetchEnd"); both are block-aligned
	// (FetchEnd+1 is a multiple of 16).
	FetchStart, FetchEnd int64
	// UseIV is true when the range starts in block 0: the segment IV starts
	// the chain (and FetchStart is 0). Otherwise the first fetched block only
	// serves as the IV (FetchStart is 0 too when the range starts in block 1).
	UseIV bool
	// Skip is the number of decrypted bytes to drop at the front (0..15).
	Skip int64
	// Length is the number of plaintext bytes to emit (end-start+1).
	Length int64
	// IncludesLast is true when the window reaches the final ciphertext
	// block: its padding is validated and stripped, and a range that ends
	// inside the padding fails with ErrRangeNotSatisfiable.
	IncludesLast bool
}

// FetchLen is the number of ciphertext bytes the window fetches.
func (w CipherWindow) FetchLen() int64 { return w.FetchEnd - w.FetchStart + 1 }

// PlainWindow computes the ciphertext window for the inclusive plaintext
// range [start, end] of a segment whose ciphertext is cipherLen bytes.
//
// cipherLen must be a positive multiple of 16 (else ErrNotBlockAligned).
// Only an upper bound of the plaintext length (cipherLen-1) is known from
// cipherLen, so the range must satisfy 0 <= start <= end <= cipherLen-2 (else
// ErrRangeNotSatisfiable); a range that ends in the final block's padding is
// only detected by NewRangeDecrypter. Callers answering HTTP ranges should
// learn the exact plaintext length with PlainLen first and clamp end to it.
func PlainWindow(cipherLen, start, end int64) (CipherWindow, error) {
	if cipherLen <= 0 || cipherLen%BlockSize != 0 {
		return CipherWindow{}, fmt.Errorf("%w: got %d bytes", ErrNotBlockAligned, cipherLen)
	}
	if start < 0 || end < start || end > cipherLen-2 {
		return CipherWindow{}, fmt.Errorf("%w: bytes %d-%d of at most %d plaintext bytes",
			ErrRangeNotSatisfiable, start, end, cipherLen-1)
	}
	first, last := start/BlockSize, end/BlockSize
	w := CipherWindow{
		FetchEnd:     last*BlockSize + BlockSize - 1,
		UseIV:        first == 0,
		Skip:         start - first*BlockSize,
		Length:       end - start + 1,
		IncludesLast: last == cipherLen/BlockSize-1,
	}
	if first > 0 {
		w.FetchStart = (first - 1) * BlockSize
	}
	return w, nil
}

// TailWindow returns the inclusive ciphertext range PlainLen needs: the last
// two blocks, or the only block when cipherLen is 16.
func TailWindow(cipherLen int64) (start, end int64, err error) {
	if cipherLen <= 0 || cipherLen%BlockSize != 0 {
		return 0, 0, fmt.Errorf("%w: got %d bytes", ErrNotBlockAligned, cipherLen)
	}
	start = cipherLen - 2*BlockSize
	if start < 0 {
		start = 0
	}
	return start, cipherLen - 1, nil
}

// PlainLen returns the plaintext length of a ciphertext of cipherLen bytes
// from its final block's padding, which it validates (so it doubles as a
// key check: a wrong key fails with ErrBadPadding almost always).
//
// tail is the ciphertext range TailWindow names: the last 32 bytes, or the
// 16 bytes of a single-block ciphertext, whose chain starts with
// ivIfSingleBlock (ignored otherwise).
func PlainLen(cipherLen int64, tail []byte, k Key, ivIfSingleBlock IV) (int64, error) {
	start, end, err := TailWindow(cipherLen)
	if err != nil {
		return 0, err
	}
	if int64(len(tail)) != end-start+1 {
		return 0, fmt.Errorf("segcrypt: PlainLen needs the last %d ciphertext bytes, got %d", end-start+1, len(tail))
	}
	prev, last := ivIfSingleBlock[:], tail
	if len(tail) == 2*BlockSize {
		prev, last = tail[:BlockSize], tail[BlockSize:]
	}
	b, err := aes.NewCipher(k[:])
	if err != nil { // unreachable: a Key is always 16 bytes
		return 0, err
	}
	var p [BlockSize]byte
	b.Decrypt(p[:], last)
	for i := range p {
		p[i] ^= prev[i]
	}
	pad, ok := pkcs7Unpad(p[:])
	if !ok {
		return 0, ErrBadPadding
	}
	return cipherLen - int64(pad), nil
}
