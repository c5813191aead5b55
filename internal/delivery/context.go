package delivery

import (
	"fmt"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
)

// CtxParam is the query parameter that carries a segment's signed context.
const CtxParam = "mgctx"

// ctxObject names, in a context's Extra, the object key it was minted for:
// a context is valid only on that object's path.
const ctxObject = "o"

// ctxSite names, in a context's Extra, the site that minted it: the mode and
// strip prefix of the rewriting configuration (Rewriter.Site). A context is
// valid only on a configuration with the same site, so a context minted by
// another site sharing key_secret (an encrypt site, for a reencrypt one)
// cannot be replayed to get a transformation the playlist never asked for.
const ctxSite = "s"

// SegmentJob is what a segment request asks the proxy to do, from its
// verified context.
type SegmentJob struct {
	Mode Mode
	// StorageKey is the origin object of the at-rest key ("" when clear at rest).
	StorageKey string
	// StorageIV is the at-rest IV (explicit, or from the sequence number).
	StorageIV segcrypt.IV
	// Asset names the derived delivery key and IV (Encrypt, Reencrypt).
	Asset string
	// Secret sealed the context; it derives the delivery key and IV, as it
	// did for the playlist that named the segment.
	Secret segcrypt.Secret
}

// Decrypts reports whether the job removes at-rest encryption.
func (j SegmentJob) Decrypts() bool { return j.StorageKey != "" }

// Encrypts reports whether the job adds delivery encryption.
func (j SegmentJob) Encrypts() bool { return j.Mode == Encrypt || j.Mode == Reencrypt }

// OpenJob verifies a sealed context for the object a request names and
// turns it into a job. It fails for a bad signature, a context minted for
// another object (another segment, another asset), a mode other than the
// configured one (a context minted under another configuration), or
// inconsistent fields. Any secret of the ring may have sealed it.
func OpenJob(ring *segcrypt.Keyring, configured Mode, site, sealed, object string) (SegmentJob, error) {
	c, sec, err := ring.Open(sealed)
	if err != nil {
		return SegmentJob{}, err
	}
	if c.Extra[ctxObject] != object {
		return SegmentJob{}, fmt.Errorf("segment context minted for another object")
	}
	if s, ok := c.Extra[ctxSite]; ok && s != site {
		return SegmentJob{}, fmt.Errorf("segment context minted by another site (%q)", s)
	}
	j := SegmentJob{Mode: Mode(c.Mode), StorageKey: c.KeyRef, Asset: c.Asset, Secret: sec}
	switch {
	case j.Mode == configured:
	case configured == Reencrypt && j.Mode == Encrypt: // clear-at-rest segments of a reencrypt playlist
	default:
		return SegmentJob{}, fmt.Errorf("segment context for mode %q under mode %q", c.Mode, configured)
	}
	if j.StorageKey != "" {
		if err := CheckKey(j.StorageKey); err != nil {
			return SegmentJob{}, fmt.Errorf("segment context key reference: %w", err)
		}
		if j.StorageIV, err = segcrypt.SegmentIV(c.IV, c.Seq); err != nil {
			return SegmentJob{}, err
		}
	}
	// A decrypt context without a storage key is a segment stored in clear
	// (or SAMPLE-AES): served as stored, but only through its context.
	if j.Mode == Reencrypt && j.StorageKey == "" || j.Mode == Encrypt && j.StorageKey != "" {
		return SegmentJob{}, fmt.Errorf("segment context for mode %q is inconsistent", c.Mode)
	}
	return j, nil
}

// DeliveryKey is the derived key of the job's asset under the secret that
// sealed its context.
func (j SegmentJob) DeliveryKey() segcrypt.Key { return j.Secret.DeriveKey(j.Asset) }

// DeliveryIV is the explicit IV the asset's inserted EXT-X-KEY names.
func (j SegmentJob) DeliveryIV() segcrypt.IV { return j.Secret.DeriveIV(j.Asset) }

// Site names the configuration a Rewriter mints contexts for (see ctxSite).
func (rw *Rewriter) Site() string { return string(rw.Mode) + " " + rw.Layout.StripPrefix }
