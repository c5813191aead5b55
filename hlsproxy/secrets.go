package hlsproxy

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/mediagate/caddy-mediagate/hlsproxy/segcrypt"
	"github.com/mediagate/caddy-mediagate/internal/delivery"
)

// provisionSecrets resolves key_secret (one secret) or key_secrets (the
// rotation list, first seals) into the handler's keyring. Each secret may
// be an {env.*} or {file.*} placeholder and must be at least 16 bytes; the
// secrets' public ids are logged so that operators can compare instances.
func (h *Handler) provisionSecrets(repl *caddy.Replacer) error {
	if h.KeySecret != "" && len(h.KeySecrets) > 0 {
		return errors.New("key_secret and key_secrets are exclusive: key_secrets lists every secret, the first seals")
	}
	list := h.KeySecrets
	if h.KeySecret != "" {
		list = []string{h.KeySecret}
	}
	if len(list) == 0 {
		if h.mode.NeedsSecret() {
			return fmt.Errorf("encryption %s needs key_secret", h.mode)
		}
		return nil
	}
	raw := make([][]byte, len(list))
	for i, v := range list {
		s, err := repl.ReplaceOrErr(v, true, true)
		if err != nil {
			return fmt.Errorf("key_secret %d: %w", i+1, err)
		}
		raw[i] = []byte(s)
	}
	ring, err := segcrypt.NewKeyring(raw...)
	if err != nil {
		return fmt.Errorf("key_secret: %w", err)
	}
	h.secrets = ring
	h.logger.Info("key secrets", zap.Strings("ids", ring.IDs()), zap.String("sealing", ring.Primary().ID()))
	return nil
}

// derivedKeySecret is the secret that derives the key a key request asks
// for (the one its playlist named); a secret no longer listed is a 404.
func (h *Handler) derivedKeySecret(r *http.Request) (segcrypt.Secret, error) {
	sec, err := delivery.KeySecretFor(h.secrets, r.URL.RawQuery)
	if err == nil {
		return sec, nil
	}
	status := http.StatusBadRequest
	if errors.Is(err, delivery.ErrKeyRetired) {
		status = http.StatusNotFound
		h.metrics.denied("retired_key_secret")
	}
	h.logger.Info("derived key refused", zap.String("path", r.URL.Path), zap.Error(err))
	return segcrypt.Secret{}, caddyhttp.Error(status, err)
}
