package edgeauth

import (
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
	"github.com/mediagate/caddy-mediagate/internal/authz"
	"github.com/mediagate/caddy-mediagate/internal/canon"
)

// newEmbedCommand is `caddy edgeauth embed`: what the embedding site does
// for each page view (sign a fresh token, print the iframe of hls_player).
func newEmbedCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "embed --key <hex> --url <embed page URL> [--acl <pattern>]... [--window <s>] [--param <name>] [--algo sha256|sha1|md5] [--salt <salt>] [--width 640] [--height 360]",
		Short: "Prints an iframe snippet for an hls_player page, with a fresh token",
		Long: `Prints the <iframe> an embedding site puts in its page: the hls_player URL
(e.g. https://media.example.com/embed/a) with a new token in the query
parameter the media site's edgeauth reads (--param, default __token__).

Without --acl the token covers the stream of hls_player's default mapping:
/embed/<asset> plays /hls/<asset>/master.m3u8, so the ACL is /hls/<asset>/*
(<asset> is the URL path after its first segment).`,
		Args:         cobra.NoArgs,
		SilenceUsage: true,
	}
	f := cmd.Flags()
	f.String("key", "", "hex key (default $EDGEAUTH_KEY)")
	f.String("url", "", "the embed page URL, e.g. https://media.example.com/embed/a")
	f.StringArray("acl", nil, "ACL pattern; repeat for several (default /hls/<asset>/*)")
	f.Int64("window", 300, "token lifetime in seconds")
	f.String("param", DefaultParam, "query parameter of the token (edgeauth's `query`)")
	f.String("algo", "sha256", "sha256, sha1 or md5")
	f.String("salt", "", "salt")
	f.Int("width", 640, "iframe width")
	f.Int("height", 360, "iframe height")
	_ = cmd.MarkFlagRequired("url")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		get := func(name string) string { v, _ := f.GetString(name); return v }
		key, alg, err := signingFlags(f)
		if err != nil {
			return err
		}
		page, err := url.Parse(get("url"))
		if err != nil || (page.Scheme != "https" && page.Scheme != "http") || page.Host == "" {
			return fmt.Errorf("--url %q: want an absolute http(s) URL of the embed page", get("url"))
		}
		acls, _ := f.GetStringArray("acl")
		if len(acls) == 0 {
			// The asset is named by the path alone: a "?" or "#" in the
			// URL would cut an asset name short ("a?b" signs asset a).
			if strings.ContainsAny(get("url"), "?#") {
				return fmt.Errorf("--url %q: has a query or fragment, so the asset it names is ambiguous; give --acl", get("url"))
			}
			if acls, err = defaultEmbedACL(page.EscapedPath()); err != nil {
				return err
			}
		}
		window, _ := f.GetInt64("window")
		if window <= 0 {
			return fmt.Errorf("--window %d: want a positive number of seconds", window)
		}
		tok, err := edgetoken.Generate(edgetoken.Options{Key: key, Algorithm: alg, ACLs: acls,
			Window: time.Duration(window) * time.Second, Salt: get("salt")})
		if err != nil {
			return err
		}
		w, _ := f.GetInt("width")
		h, _ := f.GetInt("height")
		fmt.Fprintln(cmd.OutOrStdout(), embedSnippet(page, get("param"), tok, w, h))
		return nil
	}
	return cmd
}

// defaultEmbedACL is /hls/<asset>/* for an embed path /<prefix>/<asset>.
// The path must be canonical (internal/canon) and the asset directory a
// literal prefix by the session-minting rule (authz.CheckPrefix): no ACL or
// token metacharacter ("!" "*" "?" "~" "%"), raw or percent-encoded in any
// case, so an asset name can never sign a token for other assets.
func defaultEmbedACL(escapedPath string) ([]string, error) {
	p, err := canon.Parse(escapedPath)
	if err != nil {
		return nil, fmt.Errorf("--url path %q: %w", escapedPath, err)
	}
	parts := strings.SplitN(strings.TrimPrefix(p.Escaped, "/"), "/", 2)
	if len(parts) != 2 || parts[1] == "" || strings.HasSuffix(parts[1], "/") {
		return nil, fmt.Errorf("--url path %q: want /<prefix>/<asset> (or give --acl)", escapedPath)
	}
	lit := "/hls/" + parts[1] + "/"
	if err := authz.CheckPrefix(lit); err != nil {
		return nil, fmt.Errorf("--url path %q: the asset name holds an ACL or token metacharacter (! * ? ~ %%, raw or encoded), so it cannot be signed as a literal ACL; give --acl: %w", escapedPath, err)
	}
	return []string{lit + "*"}, nil
}

// embedSnippet is the iframe of an embed page with its token.
func embedSnippet(page *url.URL, param, tok string, width, height int) string {
	u := *page
	q := u.Query()
	q.Set(param, tok)
	u.RawQuery = q.Encode()
	return fmt.Sprintf(`<iframe src="%s" width="%d" height="%d" allow="autoplay; fullscreen; picture-in-picture" referrerpolicy="no-referrer" title="Video" style="border:0"></iframe>`,
		html.EscapeString(u.String()), width, height)
}
