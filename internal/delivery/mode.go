package delivery

import "fmt"

// Mode is how hls_proxy handles AES-128.
type Mode string

// Delivery modes.
const (
	// Passthrough serves segments as stored; key URIs are routed through
	// the proxy's key path so that keys go only to token holders.
	Passthrough Mode = "passthrough"
	// Decrypt removes AES-128 at rest: segments are decrypted while they
	// stream and the AES-128 key tags leave the playlist.
	Decrypt Mode = "decrypt"
	// Encrypt adds AES-128 to clear segments with a per-asset key derived
	// from the key secret, served on the key path.
	Encrypt Mode = "encrypt"
	// Reencrypt decrypts with the storage key and encrypts with the
	// derived delivery key: the storage key never leaves the server.
	Reencrypt Mode = "reencrypt"
)

// ParseMode validates a mode name; "" is Passthrough.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case "":
		return Passthrough, nil
	case Passthrough, Decrypt, Encrypt, Reencrypt:
		return m, nil
	}
	return "", fmt.Errorf("unknown encryption mode %q (want passthrough, decrypt, encrypt or reencrypt)", s)
}

// NeedsSecret reports whether the mode signs segment contexts or derives keys.
func (m Mode) NeedsSecret() bool { return m != Passthrough && m != "" }

// ServesDerivedKeys reports whether the key path serves keys derived from the secret.
func (m Mode) ServesDerivedKeys() bool { return m == Encrypt || m == Reencrypt }
