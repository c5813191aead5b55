package edgetoken

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"errors"
	"hash"
	"strconv"
	"strings"
)

// Algorithm names the HMAC hash of a token.
type Algorithm string

// The algorithms EdgeAuth supports.
const (
	SHA256 Algorithm = "sha256"
	SHA1   Algorithm = "sha1"
	MD5    Algorithm = "md5"
)

// ParseAlgorithm accepts "sha256", "sha1" or "md5" in any case; the empty
// string means sha256, the EdgeAuth default.
func ParseAlgorithm(s string) (Algorithm, error) {
	switch strings.ToLower(s) {
	case "", "sha256":
		return SHA256, nil
	case "sha1":
		return SHA1, nil
	case "md5":
		return MD5, nil
	}
	return "", errors.New("unknown algorithm " + strconv.Quote(s) + " (want sha256, sha1 or md5)")
}

// normal returns a for known algorithms and sha256 for "".
func (a Algorithm) normal() (Algorithm, bool) {
	switch a {
	case SHA256, "":
		return SHA256, true
	case SHA1, MD5:
		return a, true
	}
	return a, false
}

// Size is the length in bytes of the algorithm's HMAC (0 if unknown).
func (a Algorithm) Size() int {
	switch a {
	case SHA256, "":
		return sha256.Size
	case SHA1:
		return sha1.Size
	case MD5:
		return md5.Size
	}
	return 0
}

func (a Algorithm) newHash() func() hash.Hash {
	switch a {
	case SHA1:
		return sha1.New
	case MD5:
		return md5.New
	}
	return sha256.New
}

// ParseKey decodes a hex key as the SDKs do (binascii.a2b_hex). Empty,
// odd-length or non-hex keys are errors; the message never quotes the
// key.
func ParseKey(s string) ([]byte, error) {
	if s == "" {
		return nil, errors.New("key is empty")
	}
	if len(s)%2 != 0 {
		return nil, errors.New("key has an odd number of hex digits (" + strconv.Itoa(len(s)) + ")")
	}
	out := make([]byte, len(s)/2)
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			bad := i
			if ok1 {
				bad = i + 1
			}
			return nil, errors.New("key is not hex (invalid character at offset " + strconv.Itoa(bad) + ")")
		}
		out[i/2] = hi<<4 | lo
	}
	return out, nil
}
