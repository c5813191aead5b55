package delivery

import (
	"errors"
	"path"
	"strings"
	"unicode/utf8"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
)

// DerivedKeyName is the last path element of the key URL of a derived
// (encrypt/reencrypt) key: KeyPath/<asset>/aes128.key.
const DerivedKeyName = "aes128.key"

// ErrNotServed means a request path is outside what the proxy serves.
var ErrNotServed = errors.New("path not served by this proxy")

// ErrBadKey means a request path does not name a valid object key.
var ErrBadKey = errors.New("invalid object key")

// Layout maps object keys to proxy paths and back.
//
// An object with key K is served at StripPrefix + "/" + escape(K). With a key
// path, origin keys in passthrough mode are served at KeyPath + "/" +
// escape(K), and derived keys at KeyPath + "/" + escape(asset) + "/aes128.key".
type Layout struct {
	StripPrefix string // "" or "/hls": no trailing slash
	KeyPath     string // "" or "/keys": no trailing slash
}

// Target says what a request path asks for.
type Target struct {
	Key   string // object key (unescaped), or the asset of a derived key
	IsKey bool   // the path is under KeyPath
}

// Classify maps a request's unescaped path to an object key.
func (l Layout) Classify(p string) (Target, error) {
	if l.KeyPath != "" {
		if rest, ok := strings.CutPrefix(p, l.KeyPath+"/"); ok {
			if err := CheckKey(rest); err != nil {
				return Target{}, err
			}
			return Target{Key: rest, IsKey: true}, nil
		}
	}
	rest := p
	if l.StripPrefix != "" {
		var ok bool
		if rest, ok = strings.CutPrefix(p, l.StripPrefix+"/"); !ok {
			return Target{}, ErrNotServed
		}
	} else {
		rest = strings.TrimPrefix(p, "/")
	}
	if err := CheckKey(rest); err != nil {
		return Target{}, err
	}
	return Target{Key: rest}, nil
}

// ProxyPath is the escaped proxy path of an object key.
func (l Layout) ProxyPath(key string) string { return l.StripPrefix + "/" + origin.EscapeKey(key) }

// OriginKeyPath is the escaped proxy path of an origin key object (passthrough).
func (l Layout) OriginKeyPath(key string) string {
	if l.KeyPath == "" {
		return l.ProxyPath(key)
	}
	return l.KeyPath + "/" + origin.EscapeKey(key)
}

// DerivedKeyPath is the escaped proxy path of the derived key of an asset.
func (l Layout) DerivedKeyPath(asset string) string {
	if asset == "" {
		return l.KeyPath + "/" + DerivedKeyName
	}
	return l.KeyPath + "/" + origin.EscapeKey(asset) + "/" + DerivedKeyName
}

// DerivedKeyAsset returns the asset named by a key-path target of a derived key.
func DerivedKeyAsset(key string) (string, bool) {
	if key == DerivedKeyName {
		return "", true
	}
	asset, ok := strings.CutSuffix(key, "/"+DerivedKeyName)
	return asset, ok && asset != ""
}

// AssetOf is the asset a playlist belongs to: its directory ("" at the root).
func AssetOf(playlistKey string) string {
	d := path.Dir(playlistKey)
	if d == "." || d == "/" {
		return ""
	}
	return d
}

// CheckKey rejects keys that are empty, absolute, have empty, "." or ".."
// segments, control characters (NUL, CR, LF…) or invalid UTF-8: none of
// them can name an object safely.
func CheckKey(key string) error {
	if key == "" || len(key) > 1024 || !utf8.ValidString(key) {
		return ErrBadKey
	}
	for i := 0; i < len(key); i++ {
		if key[i] < 0x20 || key[i] == 0x7f || key[i] == '\\' {
			return ErrBadKey
		}
	}
	for seg := range strings.SplitSeq(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return ErrBadKey
		}
	}
	return nil
}
