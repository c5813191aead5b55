package attack

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/mediagate/caddy-mediagate/internal/testutil"
)

// asset is one directory of the bucket: its stored objects, the storage keys
// among them and what each segment decrypts to.
type asset struct {
	Name    string            // directory under the bucket and /hls/, e.g. "my show"
	Objects map[string][]byte // object name (relative to the asset) -> stored bytes
	Keys    map[string][]byte // storage key object name -> key (also in Objects)
	Clear   map[string][]byte // segment name -> clear bytes
	Raw     map[string][]byte // segment name -> stored bytes (ciphertext when encrypted)
}

// probe is a byte string that must not arrive, with a name for messages.
type probe struct {
	What string
	B    []byte
}

// windows are three 48-byte samples of b (a quarter, half and three quarters
// in), skipping low-entropy runs (TS stuffing): enough to recognise b, or any
// large part of it, in a response.
func windows(what string, b []byte) []probe {
	var out []probe
	for _, f := range []int{4, 2} {
		for off := len(b) / f; off+48 <= len(b); off += 7 {
			w := b[off : off+48]
			if distinct(w) >= 24 {
				out = append(out, probe{fmt.Sprintf("%s@%d", what, off), w})
				break
			}
		}
	}
	off := len(b) * 3 / 4
	for ; off+48 <= len(b); off += 7 {
		if w := b[off : off+48]; distinct(w) >= 24 {
			out = append(out, probe{fmt.Sprintf("%s@%d", what, off), w})
			break
		}
	}
	return out
}

func distinct(b []byte) int {
	var seen [256]bool
	n := 0
	for _, c := range b {
		if !seen[c] {
			seen[c], n = true, n+1
		}
	}
	return n
}

// keyProbes are the storage keys, raw and hex (either case).
func (a *asset) keyProbes() []probe {
	var out []probe
	for _, name := range sortedKeys(a.Keys) {
		k := a.Keys[name]
		what := "storage key " + a.Name + "/" + name
		out = append(out, probe{what, k}, probe{what + " (hex)", []byte(hex.EncodeToString(k))},
			probe{what + " (HEX)", []byte(strings.ToUpper(hex.EncodeToString(k)))})
	}
	return out
}

// rawProbes are samples of the stored bytes of the named segments (all when none named).
func (a *asset) rawProbes(segs ...string) []probe {
	var out []probe
	for _, name := range pick(a.Raw, segs) {
		out = append(out, windows("stored bytes of "+a.Name+"/"+name, a.Raw[name])...)
	}
	return out
}

// clearProbes are samples of the clear bytes of the named segments (all when none named).
func (a *asset) clearProbes(segs ...string) []probe {
	var out []probe
	for _, name := range pick(a.Clear, segs) {
		out = append(out, windows("clear bytes of "+a.Name+"/"+name, a.Clear[name])...)
	}
	return out
}

// everything is every probe of the asset: keys, stored and clear segments,
// and its playlists' bodies (for the playlist of a directory the caller must
// not open).
func (a *asset) everything() []probe {
	out := append(a.keyProbes(), a.rawProbes()...)
	return append(out, a.clearProbes()...)
}

func pick(m map[string][]byte, names []string) []string {
	if len(names) > 0 {
		return names
	}
	return sortedKeys(m)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// sampleClear reads testdata/sample/clear: a real two-variant MPEG-TS stream.
func sampleClear(t testing.TB) map[string][]byte {
	t.Helper()
	dir := filepath.Join(testutil.RepoRoot(t), "testdata", "sample", "clear")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}

// clearAsset is the clear sample under another name.
func clearAsset(name string, sample map[string][]byte) *asset {
	a := &asset{Name: name, Objects: map[string][]byte{}, Keys: map[string][]byte{},
		Clear: map[string][]byte{}, Raw: map[string][]byte{}}
	for f, b := range sample {
		a.Objects[f] = b
		if strings.HasSuffix(f, ".ts") {
			a.Clear[f], a.Raw[f] = b, b
		}
	}
	return a
}

// fixedIV is the explicit IV of variant 0 (variant 1 uses the sequence-number IV).
var fixedIV = []byte{15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0}

// encryptedAsset is the clear sample encrypted at rest (AES-128-CBC) with two
// fresh storage keys stored as the objects key1 and key2: v0 under key1 with
// an explicit IV, v1 from sequence 5 under key1 then key2 (key rotation).
func encryptedAsset(t testing.TB, name, key1, key2 string, sample map[string][]byte) *asset {
	t.Helper()
	a := &asset{Name: name, Objects: map[string][]byte{"master.m3u8": sample["master.m3u8"]},
		Keys:  map[string][]byte{key1: testutil.RandomBytes(t, 16), key2: testutil.RandomBytes(t, 16)},
		Clear: map[string][]byte{}, Raw: map[string][]byte{}}
	for k, v := range a.Keys {
		a.Objects[k] = v
	}
	seg := func(name, key string, iv []byte) {
		a.Clear[name] = sample[name]
		a.Raw[name] = testutil.MustEncryptAES128(t, a.Keys[key], iv, sample[name])
		a.Objects[name] = a.Raw[name]
	}
	head := "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-PLAYLIST-TYPE:VOD\n"
	v0 := head + "#EXT-X-MEDIA-SEQUENCE:0\n" + fmt.Sprintf("#EXT-X-KEY:METHOD=AES-128,URI=%q,IV=0x%x\n", key1, fixedIV)
	for i := range 3 {
		n := fmt.Sprintf("v0_%d.ts", i)
		seg(n, key1, fixedIV)
		v0 += "#EXTINF:2.000000,\n" + n + "\n"
	}
	v1 := head + "#EXT-X-MEDIA-SEQUENCE:5\n" + fmt.Sprintf("#EXT-X-KEY:METHOD=AES-128,URI=%q\n", key1)
	for i := range 3 {
		n, k := fmt.Sprintf("v1_%d.ts", i), key1
		if i == 2 {
			k = key2
			v1 += fmt.Sprintf("#EXT-X-KEY:METHOD=AES-128,URI=%q\n", key2)
		}
		seg(n, k, testutil.SequenceIV(uint64(5+i)))
		v1 += "#EXTINF:2.000000,\n" + n + "\n"
	}
	a.Objects["v0.m3u8"] = []byte(v0 + "#EXT-X-ENDLIST\n")
	a.Objects["v1.m3u8"] = []byte(v1 + "#EXT-X-ENDLIST\n")
	return a
}

// syntheticClear is a clear media playlist over two random segments (bytes
// that exist nowhere else, for cross-asset checks in encrypt mode).
func syntheticClear(t testing.TB, name string) *asset {
	t.Helper()
	a := &asset{Name: name, Objects: map[string][]byte{}, Keys: map[string][]byte{},
		Clear: map[string][]byte{}, Raw: map[string][]byte{}}
	for _, n := range []string{"s0.ts", "s1.ts"} {
		b := testutil.RandomBytes(t, 188*40)
		a.Objects[n], a.Clear[n], a.Raw[n] = b, b, b
	}
	a.Objects["index.m3u8"] = []byte("#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n" +
		"#EXTINF:2.000000,\ns0.ts\n#EXTINF:2.000000,\ns1.ts\n#EXT-X-ENDLIST\n")
	return a
}

// metaDirs are directories of asset a whose names hold token metacharacters,
// each with a copy of a's multivariant playlist: a request for them succeeds
// (2xx), so the minting rule, not a 404, must keep the cookie away.
var metaDirs = []string{"x!", "x*", "x~", "x?", "x%", "!", "*", "~", "x!y*"}

// writeFixtures fills bucket media: a (clear sample, with playlist copies
// under upper-case names, a content-typed playlist without extension and the
// metacharacter directories), b, enc and "my show" (AES-128 at rest; enc's
// keys are enc.key and k2, a key object not named *.key), c (synthetic
// clear) and pub (a public-policy asset whose keys are k and k.dat).
func writeFixtures(t testing.TB, g *testutil.VGW) map[string]*asset {
	t.Helper()
	sample := sampleClear(t)
	as := map[string]*asset{
		"a":       clearAsset("a", sample),
		"b":       encryptedAsset(t, "b", "key.bin", "key2.bin", sample),
		"enc":     encryptedAsset(t, "enc", "enc.key", "k2", sample),
		"my show": encryptedAsset(t, "my show", "key.bin", "key2.bin", sample),
		"c":       syntheticClear(t, "c"),
	}
	for _, a := range as {
		for name, b := range a.Objects {
			g.WriteFile(t, "media", a.Name+"/"+name, b)
		}
	}
	master := sample["master.m3u8"]
	for _, n := range []string{"UP.M3U8", "Index.M3U8", "MASTER.M3U8"} {
		g.WriteFile(t, "media", "a/"+n, master)
	}
	g.PutObject(t, "media", "a/manifest", master, "application/vnd.apple.mpegurl", nil)
	// Objects beside enc's stream that a crypto mode serves only when
	// raw_objects lists them (k3.jpg is a 16-byte object: never).
	enc := as["enc"]
	for name, n := range map[string]int{"poster.jpg": 3000, "subs/en.vtt": 500, "notes.txt": 700, "k3.jpg": 16} {
		b := testutil.RandomBytes(t, n)
		enc.Objects[name] = b
		g.WriteFile(t, "media", "enc/"+name, b)
	}
	for _, d := range metaDirs {
		g.WriteFile(t, "media", "a/"+d+"/master.m3u8", master)
	}

	// pub: under `asset_policy … default public`, its playlist and segment are
	// public; its keys are keys whatever their name or metadata.
	pub := &asset{Name: "pub", Objects: map[string][]byte{}, Clear: map[string][]byte{}, Raw: map[string][]byte{},
		Keys: map[string][]byte{"k": testutil.RandomBytes(t, 16), "k.dat": testutil.RandomBytes(t, 16)}}
	seg := testutil.RandomBytes(t, 188*30)
	pub.Clear["s0.ts"] = seg
	pub.Raw["s0.ts"] = testutil.MustEncryptAES128(t, pub.Keys["k"], fixedIV, seg)
	pub.Raw["s1.ts"] = testutil.MustEncryptAES128(t, pub.Keys["k.dat"], fixedIV, seg)
	pub.Objects["index.m3u8"] = fmt.Appendf(nil, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"k\",IV=0x%x\n#EXTINF:2.000000,\ns0.ts\n"+
		"#EXT-X-KEY:METHOD=AES-128,URI=\"k.dat\",IV=0x%x\n#EXTINF:2.000000,\ns1.ts\n#EXT-X-ENDLIST\n", fixedIV, fixedIV)
	g.PutObject(t, "media", "pub/index.m3u8", pub.Objects["index.m3u8"], "application/vnd.apple.mpegurl", nil)
	g.PutObject(t, "media", "pub/s0.ts", pub.Raw["s0.ts"], "video/mp2t", nil)
	g.PutObject(t, "media", "pub/s1.ts", pub.Raw["s1.ts"], "video/mp2t", map[string]string{"tokenize": "false"})
	g.PutObject(t, "media", "pub/k", pub.Keys["k"], "", nil)
	g.PutObject(t, "media", "pub/k.dat", pub.Keys["k.dat"], "application/octet-stream", map[string]string{"tokenize": "false"})
	as["pub"] = pub
	return as
}
