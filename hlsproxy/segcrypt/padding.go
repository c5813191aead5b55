package segcrypt

import "crypto/subtle"

// pkcs7Pad returns how many padding bytes PKCS#7 appends to n bytes (1..16).
func pkcs7Pad(n int) int { return BlockSize - n%BlockSize }

// pkcs7Unpad checks the PKCS#7 padding of a decrypted final block and returns
// its length (1..16). The check does not branch on the block's content.
func pkcs7Unpad(block []byte) (int, bool) {
	_ = block[BlockSize-1]
	last := block[BlockSize-1]
	pad := int(last)
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, BlockSize)
	for i := 0; i < BlockSize; i++ {
		// Byte i lies inside the padding when i >= 16-pad, i.e. 16-i <= pad.
		inPad := subtle.ConstantTimeLessOrEq(BlockSize-i, pad)
		good &= (1 - inPad) | subtle.ConstantTimeByteEq(block[i], last)
	}
	return pad, good == 1
}
