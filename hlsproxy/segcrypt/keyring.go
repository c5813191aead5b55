package segcrypt

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// MinSecretLen is the shortest key secret a Keyring accepts.
const MinSecretLen = 16

// secretIDLabel domain-separates a secret's public identifier from its
// other uses; part of the v1 wire contract (key URIs carry the id).
const secretIDLabel = "mediagate-secret-id/v1\x00"

var (
	// ErrNoSecret reports an empty list of key secrets.
	ErrNoSecret = errors.New("segcrypt: no key secret")
	// ErrShortSecret reports a key secret shorter than MinSecretLen.
	ErrShortSecret = errors.New("segcrypt: key secret too short")
	// ErrSecretIDClash reports two different secrets with the same id
	// (a 1 in 2^32 accident per pair: generate one of them again).
	ErrSecretIDClash = errors.New("segcrypt: two key secrets share an id")
)

// Secret is one key secret: it seals segment contexts and derives the
// delivery keys and IVs of assets. Its ID names it in public (in key URIs)
// without revealing it.
type Secret struct {
	b  []byte
	id string
}

// SecretID is the public identifier of a secret: 8 lowercase hex digits,
//
//	id = hex(HMAC-SHA256(secret, "mediagate-secret-id/v1" || 0x00)[0:4])
//
// It tells a player's key request which secret derived the key it needs. It
// reveals nothing a derived key does not already: both are HMAC outputs.
func SecretID(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(secretIDLabel))
	return hex.EncodeToString(m.Sum(nil)[:4])
}

// ID is the secret's public identifier (SecretID).
func (s Secret) ID() string { return s.id }

// DeriveKey is DeriveKey with this secret.
func (s Secret) DeriveKey(asset string) Key { return DeriveKey(s.b, asset) }

// DeriveIV is DeriveIV with this secret.
func (s Secret) DeriveIV(asset string) IV { return DeriveIV(s.b, asset) }

// Seal is Seal with this secret.
func (s Secret) Seal(c Context) string { return Seal(s.b, c) }

// String is redacted: it names the secret by its id only.
func (s Secret) String() string { return "segcrypt.Secret(" + s.id + ")" }

// GoString is String, so %#v is redacted too.
func (s Secret) GoString() string { return s.String() }

// Keyring is an ordered list of key secrets for rotation: the first (the
// primary) seals new contexts and derives the keys of new playlists; every
// one opens contexts and derives the keys their playlists named. A rotation
// across a fleet adds the new secret at the end everywhere, then moves it to
// the front everywhere, then drops the old one once the views that started
// before have ended (docs/fleet.md).
type Keyring struct {
	secrets []Secret
}

// NewKeyring builds a keyring from secrets in order. Each must be at least
// MinSecretLen bytes; a secret repeated later in the list counts once (a
// template that names the current and the previous secret keeps working
// when both are the same). Two different secrets with one id are refused.
func NewKeyring(secrets ...[]byte) (*Keyring, error) {
	if len(secrets) == 0 {
		return nil, ErrNoSecret
	}
	r := &Keyring{}
	for i, b := range secrets {
		if len(b) < MinSecretLen {
			return nil, fmt.Errorf("%w: secret %d has %d bytes, want at least %d", ErrShortSecret, i+1, len(b), MinSecretLen)
		}
		s := Secret{b: bytes.Clone(b), id: SecretID(b)}
		if prev, ok := r.ByID(s.id); ok {
			if bytes.Equal(prev.b, b) {
				continue
			}
			return nil, fmt.Errorf("%w: secret %d (%s)", ErrSecretIDClash, i+1, s.id)
		}
		r.secrets = append(r.secrets, s)
	}
	return r, nil
}

// Primary is the first secret: the one that seals and derives for new views.
func (r *Keyring) Primary() Secret { return r.secrets[0] }

// Len is the number of distinct secrets.
func (r *Keyring) Len() int { return len(r.secrets) }

// IDs lists the secrets' ids in order.
func (r *Keyring) IDs() []string {
	ids := make([]string, len(r.secrets))
	for i, s := range r.secrets {
		ids[i] = s.id
	}
	return ids
}

// ByID returns the secret with the given id, if it is still in the ring.
func (r *Keyring) ByID(id string) (Secret, bool) {
	for _, s := range r.secrets {
		if s.id == id {
			return s, true
		}
	}
	return Secret{}, false
}

// Open opens a sealed context with whichever secret of the ring sealed it,
// and returns that secret: the segment's delivery key and IV must be derived
// with it, since its playlist was. It fails with ErrMalformedContext before
// trying any secret, or with ErrBadSignature when none verifies (sealed with
// a secret no longer, or never, in the ring). It costs one HMAC per secret
// tried, primary first.
func (r *Keyring) Open(sealed string) (Context, Secret, error) {
	p, mac, err := splitSealed(sealed)
	if err != nil {
		return Context{}, Secret{}, err
	}
	for _, s := range r.secrets {
		if hmac.Equal(mac, sealMAC(s.b, p)) {
			c, err := decodeContext(p)
			if err != nil {
				return Context{}, Secret{}, fmt.Errorf("%w: %v", ErrMalformedContext, err)
			}
			return c, s, nil
		}
	}
	return Context{}, Secret{}, ErrBadSignature
}
