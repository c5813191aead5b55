package origin

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
)

// unsignedPayload is the payload hash sent and signed for GET/HEAD.
const unsignedPayload = "UNSIGNED-PAYLOAD"

// S3Config configures an S3 (or S3-compatible) origin.
type S3Config struct {
	Bucket string
	Prefix string // key prefix inside the bucket, unescaped, slashes trimmed
	Region string // required for AWS unless the default chain provides it; "us-east-1" with a custom Endpoint
	// Endpoint is an S3-compatible endpoint ("http://127.0.0.1:7070"; scheme defaults to https).
	// A custom endpoint implies path-style addressing unless VirtualHosted is set.
	Endpoint string
	// PathStyle forces ENDPOINT/bucket/key addressing (also used automatically on AWS for
	// bucket names that are not DNS-compatible, e.g. containing dots).
	PathStyle bool
	// VirtualHosted forces bucket.ENDPOINT-HOST/key addressing with a custom Endpoint.
	VirtualHosted bool

	// Static credentials. When AccessKey is empty the AWS default chain is used
	// (env, shared credentials/config files with Profile, web identity, ECS, IMDS).
	AccessKey, SecretKey, SessionToken string
	Profile                            string
	// Credentials overrides both static keys and the default chain when set.
	Credentials aws.CredentialsProvider
	// Anonymous sends unsigned requests (public buckets).
	Anonymous bool

	// Timeout bounds getting the response headers and each stall between body reads
	// (DefaultTimeout when zero). It does not bound a whole body stream.
	Timeout time.Duration
	// MetadataHeaders are extra response headers copied into Response.Header
	// (x-amz-meta-* are always copied).
	MetadataHeaders []string
	// Name overrides the display name.
	Name string
}

type s3Origin struct {
	*fetcher
	region   string
	scheme   string
	host     string
	path     string // unescaped base path ending in "/": "/bucket/prefix/" or "/prefix/"
	rawPath  string // escaped form of path
	prefixes []string
	creds    aws.CredentialsProvider // nil when anonymous
	signer   *v4.Signer
}

// NewS3 creates an S3 origin. ctx is used only to resolve the default configuration.
func NewS3(ctx context.Context, c S3Config) (Origin, error) {
	name := c.Name
	if name == "" {
		name = s3Name(c)
	}
	if !validBucket(c.Bucket) {
		return nil, describe(name, fmt.Errorf("invalid bucket name %q", c.Bucket))
	}
	if err := CheckAddressing(c.PathStyle, c.VirtualHosted); err != nil {
		return nil, describe(name, err)
	}
	if err := CheckStaticKeys(c.AccessKey, c.SecretKey); err != nil {
		return nil, describe(name, err)
	}
	o := &s3Origin{region: c.Region, signer: v4.NewSigner(func(so *v4.SignerOptions) {
		so.DisableURIPathEscaping = true // S3 paths are escaped once, by us
	})}
	if err := o.resolveCredentials(ctx, c); err != nil {
		return nil, describe(name, err)
	}
	if o.region == "" {
		if c.Endpoint == "" {
			return nil, describe(name, errors.New("region is required (set region or AWS_REGION)"))
		}
		o.region = "us-east-1"
	}
	if err := o.resolveAddress(c); err != nil {
		return nil, describe(name, err)
	}
	o.fetcher = newFetcher(name, c.Timeout, c.MetadataHeaders, true)
	return o, nil
}

func s3Name(c S3Config) string {
	n := "s3://" + c.Bucket
	if p := strings.Trim(c.Prefix, "/"); p != "" {
		n += "/" + p
	}
	if c.Endpoint != "" {
		if u, err := url.Parse(c.Endpoint); err == nil && u.Host != "" {
			n += " via " + u.Host
		}
	}
	return n
}

// resolveCredentials picks static keys, an explicit provider or the default chain (which
// may also supply the region), always behind a credentials cache.
func (o *s3Origin) resolveCredentials(ctx context.Context, c S3Config) error {
	switch {
	case c.Anonymous:
	case c.Credentials != nil:
		o.creds = c.Credentials
	case c.AccessKey != "":
		o.creds = credentials.NewStaticCredentialsProvider(c.AccessKey, c.SecretKey, c.SessionToken)
	}
	if (o.creds != nil || c.Anonymous) && (o.region != "" || c.Endpoint != "") {
		if o.creds != nil {
			o.creds = cached(o.creds)
		}
		return nil
	}
	var opts []func(*config.LoadOptions) error
	if o.region != "" {
		opts = append(opts, config.WithRegion(o.region))
	}
	if c.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(c.Profile))
	}
	if o.creds != nil {
		opts = append(opts, config.WithCredentialsProvider(o.creds))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return fmt.Errorf("loading AWS configuration: %w", err)
	}
	o.region = cfg.Region
	if !c.Anonymous {
		if cfg.Credentials == nil {
			return errors.New("no AWS credentials found")
		}
		o.creds = cached(cfg.Credentials)
	}
	return nil
}

func cached(p aws.CredentialsProvider) aws.CredentialsProvider {
	if c, ok := p.(*aws.CredentialsCache); ok {
		return c
	}
	return aws.NewCredentialsCache(p)
}

// resolveAddress decides host and base path from endpoint, region and addressing style.
func (o *s3Origin) resolveAddress(c S3Config) error {
	prefix := strings.Trim(c.Prefix, "/")
	if prefix != "" && checkKey(prefix) != nil {
		return fmt.Errorf("invalid prefix %q", c.Prefix)
	}
	o.scheme, o.host = "https", "s3."+o.region+".amazonaws.com"
	endpointPath := ""
	pathStyle := c.PathStyle || !dnsBucket(c.Bucket)
	if c.Endpoint != "" {
		ep := c.Endpoint
		if !strings.Contains(ep, "://") {
			ep = "https://" + ep
		}
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" {
			return fmt.Errorf("invalid endpoint %q", c.Endpoint)
		}
		if u.User != nil {
			return errors.New("credentials in the endpoint URL are not allowed")
		}
		o.scheme, o.host, endpointPath = u.Scheme, u.Host, strings.Trim(u.Path, "/")
		pathStyle = !c.VirtualHosted
	}
	base := []string{}
	if endpointPath != "" {
		base = append(base, endpointPath)
	}
	if pathStyle {
		base = append(base, c.Bucket)
	} else {
		o.host = strings.ToLower(c.Bucket) + "." + o.host
	}
	if prefix != "" {
		base = append(base, prefix)
	}
	o.path = "/" + strings.Join(base, "/") + "/"
	if len(base) == 0 {
		o.path = "/"
	}
	o.rawPath = EscapeKey(o.path)
	o.prefixes = []string{o.scheme + "://" + strings.ToLower(o.host) + o.rawPath}
	if c.Endpoint == "" {
		o.prefixes = append(o.prefixes, awsAliases(c.Bucket, o.region, prefix)...)
	}
	return nil
}

// awsAliases lists the other public AWS spellings of the same objects.
func awsAliases(bucket, region, prefix string) []string {
	p := joinPrefix(prefix)
	lb := strings.ToLower(bucket)
	out := []string{
		"https://s3." + region + ".amazonaws.com/" + bucket + p,
		"https://s3.amazonaws.com/" + bucket + p,
	}
	if dnsBucket(bucket) {
		out = append(out,
			"https://"+lb+".s3."+region+".amazonaws.com"+p,
			"https://"+lb+".s3.amazonaws.com"+p,
			"https://"+lb+".s3-"+region+".amazonaws.com"+p)
	}
	return out
}

// dnsBucket reports whether a bucket can be a virtual-hosted TLS host label.
func dnsBucket(b string) bool {
	if len(b) < 3 || len(b) > 63 || b[0] == '-' || b[len(b)-1] == '-' {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func (o *s3Origin) Name() string          { return o.name }
func (o *s3Origin) URLPrefixes() []string { return append([]string(nil), o.prefixes...) }
func (o *s3Origin) Close() error          { return o.close() }

// Fetch GETs or HEADs one object with a SigV4-signed request.
func (o *s3Origin) Fetch(ctx context.Context, req *Request) (*Response, error) {
	method, err := checkRequest(o.name, req)
	if err != nil {
		return nil, err
	}
	return o.do(ctx, method, func(ctx context.Context) (*http.Request, error) {
		u := &url.URL{Scheme: o.scheme, Host: o.host, Path: o.path + req.Key, RawPath: o.rawPath + EscapeKey(req.Key)}
		hreq, err := http.NewRequestWithContext(ctx, method, "", nil)
		if err != nil {
			return nil, err
		}
		hreq.URL, hreq.Host = u, u.Host
		forwardHeaders(hreq.Header, req.Header)
		if o.creds == nil {
			return hreq, nil
		}
		hreq.Header.Set("X-Amz-Content-Sha256", unsignedPayload)
		creds, err := o.creds.Retrieve(ctx)
		if err != nil {
			return nil, fmt.Errorf("retrieving AWS credentials: %w", err)
		}
		if err := o.signer.SignHTTP(ctx, creds, hreq, unsignedPayload, "s3", o.region, time.Now()); err != nil {
			return nil, fmt.Errorf("signing request: %w", err)
		}
		return hreq, nil
	})
}

// CheckAddressing is the one rule for an S3 origin's addressing options,
// applied by NewS3 (JSON and Caddyfile) and by the Caddyfile parser for the line.
func CheckAddressing(pathStyle, virtualHosted bool) error {
	if pathStyle && virtualHosted {
		return errors.New("path_style and virtual_hosted exclude each other")
	}
	return nil
}

// CheckStaticKeys is the one rule for static credentials: an access key and
// a secret key go together.
func CheckStaticKeys(accessKey, secretKey string) error {
	if (accessKey == "") != (secretKey == "") {
		return errors.New("access_key and secret_key go together")
	}
	return nil
}
