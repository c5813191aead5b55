package delivery

import (
	"errors"
	"fmt"
	"net/url"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// KeyIDParam is the query parameter of a derived key URI that names, by its
// segcrypt.SecretID, the key secret that derived the key. A playlist handed
// out before a key_secret rotation names the old secret, so its key stays
// the same on every instance while that secret is still in the list.
const KeyIDParam = "mgkid"

// ErrKeyRetired means a derived key URI names a secret that is no longer in
// the key_secret list (or never was): the key cannot be derived (404).
var ErrKeyRetired = errors.New("derived key of a key secret no longer configured")

// DerivedKeyURI is the key URI a playlist names for asset's derived key
// under sec: the derived key path with sec's id.
func DerivedKeyURI(l Layout, sec segcrypt.Secret, asset string) string {
	return l.DerivedKeyPath(asset) + "?" + KeyIDParam + "=" + sec.ID()
}

// KeySecretFor picks the secret that derives the key a key request asks for:
// the one its KeyIDParam names, or the primary when the URI carries none (a
// key URI written before secrets had ids).
func KeySecretFor(ring *segcrypt.Keyring, rawQuery string) (segcrypt.Secret, error) {
	q, _ := url.ParseQuery(rawQuery) // other parameters (a token) may be in any form
	ids, ok := q[KeyIDParam]
	if !ok {
		return ring.Primary(), nil
	}
	if len(ids) != 1 {
		return segcrypt.Secret{}, fmt.Errorf("%d %s parameters, want one", len(ids), KeyIDParam)
	}
	sec, ok := ring.ByID(ids[0])
	if !ok {
		return segcrypt.Secret{}, fmt.Errorf("%w: %q", ErrKeyRetired, ids[0])
	}
	return sec, nil
}
