package edgetoken

import (
	"crypto/hmac"
	"hash"
	"sync"
)

// macState is a keyed HMAC plus scratch buffers, recycled through a
// sync.Pool so that verifying a token does not allocate.
type macState struct {
	h   hash.Hash
	in  []byte   // the HMAC input: signed bytes + url/salt suffixes
	sum [64]byte // room for any supported digest
}

// macPools holds one pool per (algorithm, key). Keys come from
// configuration, so the set stays small; it lives for the process.
var macPools struct {
	sync.RWMutex
	m map[Algorithm]map[string]*sync.Pool
}

func macPool(alg Algorithm, key []byte) *sync.Pool {
	macPools.RLock()
	p := macPools.m[alg][string(key)]
	macPools.RUnlock()
	if p != nil {
		return p
	}
	macPools.Lock()
	defer macPools.Unlock()
	if p = macPools.m[alg][string(key)]; p != nil {
		return p
	}
	if macPools.m == nil {
		macPools.m = make(map[Algorithm]map[string]*sync.Pool)
	}
	if macPools.m[alg] == nil {
		macPools.m[alg] = make(map[string]*sync.Pool)
	}
	k := string(key)
	newHash := alg.newHash()
	p = &sync.Pool{New: func() any {
		return &macState{h: hmac.New(newHash, []byte(k)), in: make([]byte, 0, 256)}
	}}
	macPools.m[alg][k] = p
	return p
}

// macInput is the HMAC input of a token: the signed bytes, then
// "~url=<url>" in URL mode, then "~salt=<salt>" if a salt is set.
type macInput struct {
	delim  byte // the field delimiter; 0 means '~'
	signed string
	url    string
	hasURL bool
	salt   string
}

func (in *macInput) appendTo(b []byte) []byte {
	d := in.delim
	if d == 0 {
		d = DefaultFieldDelimiter
	}
	b = append(b, in.signed...)
	if in.hasURL {
		if len(b) > 0 {
			b = append(b, d)
		}
		b = append(b, "url="...)
		b = append(b, in.url...)
	}
	if in.salt != "" {
		if len(b) > 0 {
			b = append(b, d)
		}
		b = append(b, "salt="...)
		b = append(b, in.salt...)
	}
	return b
}

// macMatches reports whether want equals the HMAC of in under key,
// comparing in constant time.
func macMatches(alg Algorithm, key []byte, in *macInput, want []byte) bool {
	pool := macPool(alg, key)
	st := pool.Get().(*macState)
	st.in = in.appendTo(st.in[:0])
	st.h.Reset()
	st.h.Write(st.in)
	sum := st.h.Sum(st.sum[:0])
	ok := hmac.Equal(sum, want)
	if cap(st.in) <= 4096 {
		pool.Put(st)
	}
	return ok
}

// computeMAC returns the HMAC of in under key (used by Generate).
func computeMAC(alg Algorithm, key []byte, in *macInput) []byte {
	m := hmac.New(alg.newHash(), key)
	m.Write(in.appendTo(nil))
	return m.Sum(nil)
}

// decodeHex decodes the hex string s into dst, returning the bytes used;
// ok is false if s does not fit or is not hex.
func decodeHex(dst []byte, s string) ([]byte, bool) {
	if len(s)%2 != 0 || len(s)/2 > len(dst) {
		return nil, false
	}
	for i := 0; i < len(s); i += 2 {
		hi, ok1 := unhex(s[i])
		lo, ok2 := unhex(s[i+1])
		if !ok1 || !ok2 {
			return nil, false
		}
		dst[i/2] = hi<<4 | lo
	}
	return dst[:len(s)/2], true
}
