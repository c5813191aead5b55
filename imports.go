// Package mediagate bundles every mediagate Caddy module, so that
// `xcaddy build --with github.com/mediagate/caddy-mediagate` brings all of them.
package mediagate

import (
	_ "github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
	_ "github.com/mediagate/caddy-mediagate/caddyauth/secureroutes"
	_ "github.com/mediagate/caddy-mediagate/fleetcheck"
	_ "github.com/mediagate/caddy-mediagate/hlsplayer"
	_ "github.com/mediagate/caddy-mediagate/hlsproxy"
)
