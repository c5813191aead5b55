package damrule

import "strings"

// AssetOf names the asset an object key belongs to: its first depth path
// segments (a/720p/seg0.ts at depth 1 -> a), or the key's directory when
// it has fewer (a/seg0.ts at depth 2 -> a), or the key itself when it has
// no directory (brochure.pdf -> brochure.pdf). depth < 1 counts as 1.
func AssetOf(key string, depth int) string {
	depth = max(depth, 1)
	end := -1
	for i := 0; i < depth; i++ {
		j := strings.IndexByte(key[end+1:], '/')
		if j < 0 {
			break
		}
		end += 1 + j
	}
	if end < 0 {
		return key
	}
	return key[:end]
}
