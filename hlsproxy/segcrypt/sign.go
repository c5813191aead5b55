package segcrypt

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Context is what a segment request must carry so the proxy can transform
// the segment without server-side state. segcrypt gives no meaning to the
// fields except through the helpers; the handler decides what to put in.
type Context struct {
	Mode    string            // transformation, e.g. "decrypt", "encrypt", "reencrypt"
	Asset   string            // asset name, the input of DeriveKey/DeriveIV
	KeyRef  string            // origin key URI of the at-rest encryption ("" when clear at rest)
	IV      string            // origin IV attribute as written in the playlist ("" = from Seq)
	Seq     uint64            // media sequence number of the segment
	Expires int64             // Unix seconds after which the context is stale; 0 = never
	Extra   map[string]string // further fields; encoded in key order
}

// MaxSealedLen bounds the sealed string Open accepts.
const MaxSealedLen = 4096

const (
	sealVersion = 1
	sealLabel   = "mediagate-segctx/v1\x00"
	sealMACLen  = 16
)

var (
	// ErrBadSignature reports a sealed context whose MAC does not match:
	// tampered, truncated, or sealed with another secret.
	ErrBadSignature = errors.New("segcrypt: bad context signature")
	// ErrMalformedContext reports a sealed context that is not well formed
	// (too long, not base64url, too short, bad structure).
	ErrMalformedContext = errors.New("segcrypt: malformed context")
)

var b64 = base64.RawURLEncoding.Strict()

// Seal encodes c canonically and signs it with secret:
//
//	payload = 0x01 (version) || str(Mode) || str(Asset) || str(KeyRef) ||
//	          str(IV) || uvarint(Seq) || varint(Expires) ||
//	          uvarint(len(Extra)) || for each key in byte order: str(key) || str(value)
//	str(s)  = uvarint(len(s)) || s
//	mac     = HMAC-SHA256(secret, "mediagate-segctx/v1" || 0x00 || payload)[0:16]
//	sealed  = base64url-without-padding(payload || mac)
//
// (varints as in encoding/binary). Equal contexts give equal strings (a nil
// and an empty Extra are equal). The result is not encrypted: it must not
// hold secrets. Open rejects results longer than MaxSealedLen, so keep
// contexts small. secret should be at least 16 random bytes.
func Seal(secret []byte, c Context) string {
	p := []byte{sealVersion}
	p = appendStr(p, c.Mode)
	p = appendStr(p, c.Asset)
	p = appendStr(p, c.KeyRef)
	p = appendStr(p, c.IV)
	p = binary.AppendUvarint(p, c.Seq)
	p = binary.AppendVarint(p, c.Expires)
	keys := make([]string, 0, len(c.Extra))
	for k := range c.Extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p = binary.AppendUvarint(p, uint64(len(keys)))
	for _, k := range keys {
		p = appendStr(p, k)
		p = appendStr(p, c.Extra[k])
	}
	return b64.EncodeToString(append(p, sealMAC(secret, p)...))
}

// Open verifies and decodes a string made by Seal. It fails with
// ErrMalformedContext or ErrBadSignature and never panics; callers must
// reject the request on any error. Open does not check Expires: see Expired.
func Open(secret []byte, s string) (Context, error) {
	p, mac, err := splitSealed(s)
	if err != nil {
		return Context{}, err
	}
	if !hmac.Equal(mac, sealMAC(secret, p)) {
		return Context{}, ErrBadSignature
	}
	c, err := decodeContext(p)
	if err != nil {
		return Context{}, fmt.Errorf("%w: %v", ErrMalformedContext, err)
	}
	return c, nil
}

// splitSealed checks a sealed string's form and splits it into payload and MAC.
func splitSealed(s string) (payload, mac []byte, err error) {
	if len(s) > MaxSealedLen {
		return nil, nil, fmt.Errorf("%w: %d bytes, limit %d", ErrMalformedContext, len(s), MaxSealedLen)
	}
	// encoding/base64 skips CR and LF even in Strict mode, so a sealed
	// context with a line break appended would otherwise still open: one
	// context, one spelling.
	raw, err := b64.DecodeString(s)
	if err != nil || strings.ContainsAny(s, "\r\n") {
		return nil, nil, fmt.Errorf("%w: not base64url", ErrMalformedContext)
	}
	if len(raw) < 1+sealMACLen {
		return nil, nil, fmt.Errorf("%w: %d bytes is too short", ErrMalformedContext, len(raw))
	}
	return raw[:len(raw)-sealMACLen], raw[len(raw)-sealMACLen:], nil
}

// Expired reports whether c carries an expiry that is before now.
func (c Context) Expired(now time.Time) bool {
	return c.Expires != 0 && now.Unix() > c.Expires
}

func sealMAC(secret, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(sealLabel))
	m.Write(payload)
	return m.Sum(nil)[:sealMACLen]
}

func appendStr(p []byte, s string) []byte {
	return append(binary.AppendUvarint(p, uint64(len(s))), s...)
}

// decoder reads the payload fields; the first failure sticks in err.
type decoder struct {
	p   []byte
	err error
}

func (d *decoder) uvarint() uint64 { return readVarint(d, binary.Uvarint) }
func (d *decoder) varint() int64   { return readVarint(d, binary.Varint) }

// readVarint reads one varint with read (binary.Uvarint or binary.Varint).
func readVarint[T uint64 | int64](d *decoder, read func([]byte) (T, int)) T {
	if d.err != nil {
		return 0
	}
	v, n := read(d.p)
	if n <= 0 {
		d.err = errors.New("bad varint")
		return 0
	}
	d.p = d.p[n:]
	return v
}

func (d *decoder) str() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.p)) {
		d.err = errors.New("string runs past the end")
		return ""
	}
	s := string(d.p[:n])
	d.p = d.p[n:]
	return s
}

func decodeContext(p []byte) (Context, error) {
	if p[0] != sealVersion {
		return Context{}, fmt.Errorf("version %d", p[0])
	}
	d := &decoder{p: p[1:]}
	c := Context{Mode: d.str(), Asset: d.str(), KeyRef: d.str(), IV: d.str()}
	c.Seq = d.uvarint()
	c.Expires = d.varint()
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.p))/2 { // each pair takes >= 2 bytes
		return Context{}, errors.New("extra count runs past the end")
	}
	prev := ""
	for i := uint64(0); i < n && d.err == nil; i++ {
		k, v := d.str(), d.str()
		if d.err == nil && i > 0 && k <= prev {
			return Context{}, errors.New("extra keys not in strict order")
		}
		if c.Extra == nil {
			c.Extra = make(map[string]string, n)
		}
		c.Extra[k], prev = v, k
	}
	if d.err != nil {
		return Context{}, d.err
	}
	if len(d.p) != 0 {
		return Context{}, fmt.Errorf("%d trailing bytes", len(d.p))
	}
	return c, nil
}
