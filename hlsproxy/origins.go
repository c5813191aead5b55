package hlsproxy

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/mediagate/caddy-mediagate/hlsproxy/origin"
)

// OriginConfig is one origin: s3://bucket/prefix or http(s)://host/path.
type OriginConfig struct {
	// URL is s3://bucket/prefix or an http(s) base URL.
	URL string `json:"url"`
	// Region of the bucket (S3). Default us-east-1 with a custom endpoint.
	Region string `json:"region,omitempty"`
	// Endpoint of an S3-compatible service; implies path-style addressing.
	Endpoint string `json:"endpoint,omitempty"`
	// PathStyle forces path-style addressing.
	PathStyle bool `json:"path_style,omitempty"`
	// VirtualHosted forces virtual-hosted addressing with a custom endpoint.
	VirtualHosted bool `json:"virtual_hosted,omitempty"`
	// AccessKey and SecretKey are static credentials ({env.*}/{file.*}); when
	// empty the AWS default credential chain is used.
	AccessKey    string `json:"access_key,omitempty"`
	SecretKey    string `json:"secret_key,omitempty"`
	SessionToken string `json:"session_token,omitempty"`
	// Profile of the shared AWS config to use with the default chain.
	Profile string `json:"profile,omitempty"`
	// Headers sent to an HTTP origin (e.g. Authorization), placeholders allowed.
	Headers http.Header `json:"headers,omitempty"`
}

func (c *OriginConfig) build(ctx context.Context, repl *caddy.Replacer, timeout time.Duration, meta []string) (origin.Origin, error) {
	resolve := func(field, v string) (string, error) {
		s, err := repl.ReplaceOrErr(v, true, true)
		if err != nil {
			return "", fmt.Errorf("%s: %w", field, err)
		}
		return s, nil
	}
	scheme, host, prefix, err := origin.ParseOriginURL(c.URL)
	if err != nil {
		return nil, err
	}
	if scheme != "s3" {
		hdr := http.Header{}
		for k, vs := range c.Headers {
			for _, v := range vs {
				s, err := resolve("header "+k, v)
				if err != nil {
					return nil, err
				}
				hdr.Add(k, s)
			}
		}
		return origin.NewHTTP(origin.HTTPConfig{BaseURL: c.URL, Timeout: timeout, Header: hdr, MetadataHeaders: meta})
	}
	cfg := origin.S3Config{
		Bucket: host, Prefix: prefix, Region: c.Region, Endpoint: c.Endpoint,
		PathStyle: c.PathStyle, VirtualHosted: c.VirtualHosted, Profile: c.Profile,
		Timeout: timeout, MetadataHeaders: meta,
	}
	for _, f := range []struct {
		name string
		src  string
		dst  *string
	}{{"access_key", c.AccessKey, &cfg.AccessKey}, {"secret_key", c.SecretKey, &cfg.SecretKey}, {"session_token", c.SessionToken, &cfg.SessionToken}} {
		if *f.dst, err = resolve(f.name, f.src); err != nil {
			return nil, err
		}
	}
	return origin.NewS3(ctx, cfg)
}
