package hlsproxy_test

// The integration tests run hls_proxy behind edgeauth, as sites do; hls_proxy
// itself only reads the auth contract (internal/authz), not edgeauth's glue.
import _ "github.com/mediagate/caddy-mediagate/caddyauth/edgeauth"
