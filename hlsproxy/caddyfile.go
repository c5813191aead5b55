package hlsproxy

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/caddyfilex"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

func init() {
	httpcaddyfile.RegisterHandlerDirective("hls_proxy", parseCaddyfile)
	// A terminal handler, ordered like reverse_proxy (after edgeauth and secure_routes).
	httpcaddyfile.RegisterDirectiveOrder("hls_proxy", httpcaddyfile.Before, "reverse_proxy")
}

func parseCaddyfile(h httpcaddyfile.Helper) (caddyhttp.MiddlewareHandler, error) {
	var hp Handler
	err := hp.UnmarshalCaddyfile(h.Dispenser)
	return &hp, err
}

// UnmarshalCaddyfile sets up the handler from Caddyfile tokens. Syntax:
//
//	hls_proxy [<matcher>] {
//	    origin <s3://bucket/prefix | http(s)://host/path> {   # repeatable: primary, then replicas
//	        region <region>               # S3; default us-east-1 with a custom endpoint
//	        endpoint <url>                # S3-compatible endpoint; implies path-style
//	        path_style                    # force path-style addressing
//	        virtual_hosted                # force virtual-hosted addressing with an endpoint
//	        access_key <key>              # default: the AWS default credential chain
//	        secret_key <secret>
//	        session_token <token>
//	        profile <name>                # shared config profile for the default chain
//	        header <name> <value>         # HTTP origins: extra request header (repeatable)
//	    }
//	    strip_prefix <path>               # request path minus this = object key
//	    encryption passthrough|decrypt|encrypt|reencrypt   # default passthrough
//	    key_secret <secret> [<older>…]    # signs segment contexts, derives per-asset keys;
//	                                      # several = rotation: first seals, every one opens
//	    key_path <path>                   # where keys are served; default /keys
//	    tokenize                          # append the request's token to rewritten URIs
//	    timeout <duration>                # origin response headers / body stall; default 10s
//	                                      # (LL-HLS blocking reloads: up to 3 target durations, docs/live.md)
//	    failover_backoff <duration>       # how long a failed replica is skipped; default 30s
//	    download_param <name>             # ?name[=file] -> attachment; default download
//	    raw_objects <glob>...             # decrypt/encrypt/reencrypt: objects served as stored
//	                                      # (thumbnails, subtitles, downloads); none by default
//	    asset_policy metadata <header> [default protected|public]
//	    asset_policy http <url-template> {   # or ask the DAM: {asset} in the path or query
//	        cache <ttl>                   # answers reused per asset; default 5m
//	        timeout <duration>            # per call; timeout/error/bad answer -> protected; default 2s
//	        asset_depth <n>               # leading key segments naming the asset; default 1
//	    }
//	    playlist_cache <entries>|off      # origin playlists kept in memory; default 256
//	    vod_cache_ttl <duration>          # how long a VOD playlist (or a cached object) is reused; default 1m
//	    object_cache <size>|off           # stored objects kept in memory, e.g. 256MiB; default off
//	    blocking_reload auto|proxy|origin # who holds _HLS_msn/_HLS_part; auto (default) = proxy
//	                                      # for S3, origin for HTTP; origin refused with S3
//	}
//
// Secrets may be {env.NAME} or {file./path} placeholders; they are resolved
// when the config is provisioned, not when it is adapted.
func (h *Handler) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // directive name
	if d.NextArg() {
		return d.ArgErr()
	}
	blk := caddyfilex.NewBlock("hls_proxy", "origin")
	err := blk.Each(d, func(name string) error {
		var err error
		switch name {
		case "origin":
			var oc OriginConfig
			if err := unmarshalOrigin(d, &oc); err != nil {
				return err
			}
			h.Origins = append(h.Origins, oc)
		case "strip_prefix":
			h.StripPrefix, err = caddyfilex.OneArg(d)
		case "encryption":
			if h.Encryption, err = caddyfilex.OneArg(d); err == nil {
				if _, perr := delivery.ParseMode(h.Encryption); perr != nil {
					return d.Errf("encryption: %v", perr)
				}
			}
		case "key_secret":
			err = h.parseKeySecrets(d)
		case "key_path":
			h.KeyPath, err = caddyfilex.OneArg(d)
		case "tokenize":
			h.Tokenize, err = caddyfilex.Flag(d)
		case "timeout":
			err = durationArg(d, name, &h.Timeout)
		case "failover_backoff":
			err = durationArg(d, name, &h.FailoverBackoff)
		case "vod_cache_ttl":
			err = durationArg(d, name, &h.VODCacheTTL)
		case "download_param":
			h.DownloadParam, err = caddyfilex.OneArg(d)
		case "raw_objects":
			h.RawObjects, err = caddyfilex.Args(d)
		case "asset_policy":
			h.AssetPolicy, err = unmarshalPolicy(d)
		case "playlist_cache":
			err = h.parsePlaylistCache(d)
		case "object_cache":
			if h.ObjectCache, err = caddyfilex.OneArg(d); err == nil {
				if _, perr := parseObjectCache(h.ObjectCache); perr != nil {
					return d.Errf("%v", perr)
				}
			}
		case "blocking_reload":
			if h.BlockingReload, err = caddyfilex.OneArg(d); err == nil {
				err = caddyfilex.Rule(d, blockingReloadRule(h.BlockingReload, nil))
			}
		default:
			return blk.Unknown(d)
		}
		return err
	})
	if err != nil {
		return err
	}
	if len(h.Origins) == 0 {
		return d.Err("hls_proxy: at least one origin is required")
	}
	return nil
}

// parseKeySecrets reads `key_secret <secret> [<older>...]`. One value stays
// key_secret in JSON (configs adapt as before); several, a rotation, become
// key_secrets. A literal secret is checked here, with its line; {env.*} and
// {file.*} ones when provisioned.
func (h *Handler) parseKeySecrets(d *caddyfile.Dispenser) error {
	args := d.RemainingArgs()
	for i, a := range args {
		if !strings.Contains(a, "{") && len(a) < segcrypt.MinSecretLen {
			return d.Errf("key_secret: value %d has %d bytes, want at least %d", i+1, len(a), segcrypt.MinSecretLen)
		}
	}
	switch len(args) {
	case 0:
		return d.ArgErr()
	case 1:
		h.KeySecret = args[0]
	default:
		h.KeySecrets = args
	}
	return nil
}

// parsePlaylistCache reads `playlist_cache <entries>|off`.
func (h *Handler) parsePlaylistCache(d *caddyfile.Dispenser) error {
	v, err := caddyfilex.OneArg(d)
	if err != nil {
		return err
	}
	if v == "off" {
		h.PlaylistCache = -1
		return nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return d.Errf("playlist_cache: want a positive number of entries or off, got %q", v)
	}
	h.PlaylistCache = n
	return nil
}

func unmarshalOrigin(d *caddyfile.Dispenser, oc *OriginConfig) error {
	if !d.NextArg() {
		return d.ArgErr()
	}
	oc.URL = d.Val()
	if d.NextArg() {
		return d.ArgErr()
	}
	scheme, _, _, err := origin.ParseOriginURL(oc.URL)
	if err != nil {
		return d.Errf("origin %q: %v", oc.URL, err)
	}
	blk := caddyfilex.NewBlock("hls_proxy: origin "+oc.URL, "header")
	err = blk.Each(d, func(name string) error {
		if scheme != "s3" && name != "header" {
			return d.Errf("origin %s: %s applies to s3:// origins only", oc.URL, name)
		}
		var err error
		switch name {
		case "region":
			oc.Region, err = caddyfilex.OneArg(d)
		case "endpoint":
			oc.Endpoint, err = caddyfilex.OneArg(d)
		case "access_key":
			oc.AccessKey, err = caddyfilex.OneArg(d)
		case "secret_key":
			oc.SecretKey, err = caddyfilex.OneArg(d)
		case "session_token":
			oc.SessionToken, err = caddyfilex.OneArg(d)
		case "profile":
			oc.Profile, err = caddyfilex.OneArg(d)
		case "path_style":
			oc.PathStyle, err = caddyfilex.Flag(d)
		case "virtual_hosted":
			oc.VirtualHosted, err = caddyfilex.Flag(d)
		case "header":
			args := d.RemainingArgs()
			if len(args) != 2 {
				return d.ArgErr()
			}
			if oc.Headers == nil {
				oc.Headers = http.Header{}
			}
			oc.Headers.Add(args[0], args[1])
		default:
			return blk.Unknown(d)
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := origin.CheckAddressing(oc.PathStyle, oc.VirtualHosted); err != nil {
		return d.Errf("origin %s: %v", oc.URL, err) // NewS3's rule, here with its line
	}
	return nil
}

func unmarshalPolicy(d *caddyfile.Dispenser) (*AssetPolicy, error) {
	args := d.RemainingArgs()
	if len(args) > 0 && args[0] == "http" {
		return unmarshalHTTPPolicy(d, args[1:])
	}
	if len(args) != 2 && len(args) != 4 {
		return nil, d.Err("asset_policy: want metadata <header> [default protected|public], or http <url-template>")
	}
	p := &AssetPolicy{Source: args[0], Header: args[1]}
	if len(args) == 4 {
		if args[2] != "default" {
			return nil, d.Errf("asset_policy: unexpected %q (want default)", args[2])
		}
		p.Default = args[3]
	}
	if err := caddyfilex.Rule(d, p.provision()); err != nil {
		return nil, err
	}
	return p, nil
}

// durationArg reads a duration option and checks it with checkDuration, the
// rule Provision applies to JSON, so the Caddyfile error carries its line.
func durationArg(d *caddyfile.Dispenser, name string, dst *caddy.Duration) error {
	dur, err := caddyfilex.Duration(d, name)
	if err != nil {
		return err
	}
	if err := caddyfilex.Rule(d, checkDuration(name, dur, false)); err != nil {
		return err
	}
	*dst = dur
	return nil
}

// Interface guard
var _ caddyfile.Unmarshaler = (*Handler)(nil)

// maxDuration bounds every duration option of hls_proxy.
const maxDuration = 24 * time.Hour

// checkDuration is the one rule for hls_proxy's durations, in the Caddyfile
// and in JSON: positive (zero, the default, only where unset is allowed) and
// at most 24 h.
func checkDuration(name string, d caddy.Duration, zeroIsDefault bool) error {
	if d < 0 || d == 0 && !zeroIsDefault || time.Duration(d) > maxDuration {
		return fmt.Errorf("%s: %s is not a duration in (0, 24h]", name, time.Duration(d))
	}
	return nil
}
