package edgetoken

import (
	"crypto/hmac"
	"crypto/sha256"
)

// sessionKeyLabel separates the session keys from the issuer's keys.
const sessionKeyLabel = "mediagate/edgeauth/session-token/v1"

// SessionKey derives from an issuer key the key that signs and verifies
// the session tokens mediagate mints for its hybrid cookie. A minted token
// therefore never verifies under the issuer's key: presented as a query or
// header token (checked with the issuer's keys only) it is refused, so a
// cookie can neither renew itself nor start a view. Every instance that
// shares the issuer key derives the same session key.
func SessionKey(key []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(sessionKeyLabel))
	return m.Sum(nil)
}

// SessionKeys derives SessionKey for each key, in order.
func SessionKeys(keys [][]byte) [][]byte {
	out := make([][]byte, len(keys))
	for i, k := range keys {
		out[i] = SessionKey(k)
	}
	return out
}
