package edgetoken

import (
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Options describe a token to generate, mirroring the Akamai Python SDK
// (EdgeAuth(...).generate_acl_token / generate_url_token).
type Options struct {
	Key       []byte    // decoded key (ParseKey); required
	Algorithm Algorithm // "" means sha256
	ACLs      []string  // ACL mode: joined with the ACL delimiter ("!"), never escaped
	// Delimiters as the verifier is configured (zero: ~ and !).
	Delimiters Delimiters
	URL        string // URL mode: signed as "~url=<URL>", not put in the token
	Start      int64  // st, unix seconds; 0 omits st
	Expires    int64  // exp, unix seconds; 0 means (Start or Now) + Window
	Window     time.Duration
	Now        time.Time // used when Expires is 0 and Start is 0; zero means time.Now()
	IP         string
	ID         string
	Data       string
	Salt       string
	// EscapeEarly escapes ip, id, data and url like the Python SDK
	// (quote_plus with lowercase hex); the acl is left as is.
	EscapeEarly bool
}

// Generate returns a token byte-identical to the Akamai Python SDK's for
// the same inputs: [ip=~][st=~]exp=~[acl=~][id=~][data=~]hmac=, with the
// url and salt appended to the HMAC input only.
func Generate(o Options) (string, error) {
	if len(o.Key) == 0 {
		return "", errors.New("a key is required")
	}
	alg, ok := o.Algorithm.normal()
	if !ok {
		return "", errors.New("unknown algorithm " + strconv.Quote(string(o.Algorithm)))
	}
	isURL := o.URL != ""
	if isURL == (len(o.ACLs) > 0) {
		return "", errors.New("exactly one of acl or url is required")
	}
	if o.Start < 0 || o.Expires < 0 || o.Window < 0 {
		return "", errors.New("start, expiry and window must not be negative")
	}
	exp, err := o.expiry()
	if err != nil {
		return "", err
	}
	if o.Start > 0 && exp <= o.Start {
		return "", errors.New("token would already be expired (exp <= st)")
	}
	if exp > 9999999999 || o.Start > 9999999999 {
		return "", errors.New("timestamps must be unix seconds")
	}
	esc := func(s string) string {
		if o.EscapeEarly {
			return QuotePlusLower(s)
		}
		return s
	}
	fd, ad := o.Delimiters.field(), o.Delimiters.acl()
	acl := strings.Join(o.ACLs, string(ad))
	ip, id, data, url := esc(o.IP), esc(o.ID), esc(o.Data), esc(o.URL)
	for _, f := range [...]struct{ name, v string }{{"ip", ip}, {"acl", acl}, {"id", id}, {"data", data}} {
		if strings.IndexByte(f.v, fd) >= 0 {
			return "", errors.New(f.name + " must not contain " + strconv.Quote(string(fd)) + ", the field delimiter")
		}
	}

	var b strings.Builder
	field := func(name, v string) {
		if b.Len() > 0 {
			b.WriteByte(fd)
		}
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(v)
	}
	if ip != "" {
		field("ip", ip)
	}
	if o.Start > 0 {
		field("st", strconv.FormatInt(o.Start, 10))
	}
	field("exp", strconv.FormatInt(exp, 10))
	if !isURL {
		field("acl", acl)
	}
	if id != "" {
		field("id", id)
	}
	if data != "" {
		field("data", data)
	}
	signed := b.String()
	mac := computeMAC(alg, o.Key, &macInput{delim: fd, signed: signed, url: url, hasURL: isURL, salt: o.Salt})
	return signed + string(fd) + "hmac=" + hex.EncodeToString(mac), nil
}

// expiry is Expires, or Window seconds after Start (or after now).
func (o *Options) expiry() (int64, error) {
	if o.Expires != 0 {
		return o.Expires, nil
	}
	w := int64(o.Window / time.Second)
	if w <= 0 {
		return 0, errors.New("an expiry time or a window of at least 1s is required")
	}
	base := o.Start
	if base == 0 {
		now := o.Now
		if now.IsZero() {
			now = time.Now()
		}
		base = now.Unix()
	}
	return base + w, nil
}
