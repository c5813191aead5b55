package testutil

import (
	"bytes"
	"context"
	"io/fs"
	"path"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// The S3 servers the S3 tests run against: two independent implementations.
const (
	KindVersityGW = "versitygw"
	KindMinIO     = "minio"
)

// S3Kinds lists every S3 server kind, in the order their subtests run.
var S3Kinds = []string{KindVersityGW, KindMinIO}

// S3Conn is how to reach a running S3 server: its address and root credentials.
type S3Conn struct {
	Kind     string // KindVersityGW or KindMinIO
	Endpoint string // "http://127.0.0.1:PORT"
	Addr     string // "127.0.0.1:PORT"
	Access   string
	Secret   string
	Region   string
}

// S3Server is a running S3-compatible server (*VGW or *MinIO) as the S3 tests use it.
type S3Server interface {
	Conn() S3Conn
	CreateBucket(t testing.TB, bucket string)
	// PutObject stores an object through the S3 API with its Content-Type and user
	// metadata (keys without the x-amz-meta- prefix).
	PutObject(t testing.TB, bucket, key string, data []byte, contentType string, meta map[string]string)
	// WriteFile stores an object the quickest way the server allows (versitygw: a file
	// copied into its directory, no ETag; MinIO: PutObject with no Content-Type).
	WriteFile(t testing.TB, bucket, key string, data []byte)
	Stop()
	Output() string
}

// S3Options configure StartS3 for either kind. Zero values give the kind's defaults.
type S3Options struct {
	Access, Secret string
	Buckets        []string
	// Meta keeps user metadata on versitygw (runs it without --nometa); MinIO always
	// keeps it.
	Meta bool
}

// StartS3 starts an S3 server of the given kind (skipped, or failed under CI=true,
// when its binary is missing); it stops at t.Cleanup.
func StartS3(t testing.TB, kind string, opts S3Options) S3Server {
	t.Helper()
	switch kind {
	case KindVersityGW:
		return StartVersityGW(t, VGWOptions{Access: opts.Access, Secret: opts.Secret, Buckets: opts.Buckets, NoMeta: !opts.Meta})
	case KindMinIO:
		return StartMinIO(t, MinIOOptions{Access: opts.Access, Secret: opts.Secret, Buckets: opts.Buckets})
	}
	t.Fatalf("StartS3: unknown S3 server kind %q", kind)
	return nil
}

// EachS3Server runs body as one subtest per S3 server kind ("versitygw", "minio"),
// each against its own freshly started server: one test body, every implementation.
func EachS3Server(t *testing.T, opts S3Options, body func(t *testing.T, srv S3Server)) {
	t.Helper()
	for _, kind := range S3Kinds {
		t.Run(kind, func(t *testing.T) { body(t, StartS3(t, kind, opts)) })
	}
}

// WriteFile stores data with PutObject (MinIO has no directory to copy into); MinIO
// picks the Content-Type from the key's extension.
func (m *MinIO) WriteFile(t testing.TB, bucket, key string, data []byte) {
	t.Helper()
	m.PutObject(t, bucket, key, data, "", nil)
}

// mediaTypes are the Content-Types SeedFS stores (mime.TypeByExtension depends on the
// machine's /etc/mime.types: Debian's calls .ts a Qt translation).
var mediaTypes = map[string]string{
	".m3u8": "application/vnd.apple.mpegurl",
	".ts":   "video/mp2t",
	".m4s":  "video/iso.segment",
	".mp4":  "video/mp4",
}

// SeedFS stores every file of fsys under prefix in bucket: media files through
// PutObject with their HLS Content-Type, the rest through srv.WriteFile.
func SeedFS(t testing.TB, srv S3Server, bucket, prefix string, fsys fs.FS) {
	t.Helper()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		key := path.Join(prefix, p)
		if ct := mediaTypes[path.Ext(p)]; ct != "" {
			srv.PutObject(t, bucket, key, data, ct, nil)
		} else {
			srv.WriteFile(t, bucket, key, data)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("seeding s3://%s/%s on %s: %v", bucket, prefix, srv.Conn().Kind, err)
	}
}

// Client is an AWS SDK S3 client (path-style) for the server's root user.
func (c S3Conn) Client() *s3.Client {
	return s3.New(s3.Options{
		Region:                     c.Region,
		BaseEndpoint:               aws.String(c.Endpoint),
		UsePathStyle:               true,
		Credentials:                credentials.NewStaticCredentialsProvider(c.Access, c.Secret, ""),
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
	})
}

func (c S3Conn) createBucket(t testing.TB, bucket string, output func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Fatalf("CreateBucket %s on %s: %v\n%s", bucket, c.Kind, err, output())
	}
}

func (c S3Conn) putObject(t testing.TB, bucket, key string, data []byte, contentType string, meta map[string]string, output func() string) {
	t.Helper()
	in := &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: bytes.NewReader(data), Metadata: meta}
	if contentType != "" {
		in.ContentType = aws.String(contentType)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := c.Client().PutObject(ctx, in); err != nil {
		t.Fatalf("PutObject %s/%s on %s: %v\n%s", bucket, key, c.Kind, err, output())
	}
}

// Interface guards.
var (
	_ S3Server = (*VGW)(nil)
	_ S3Server = (*MinIO)(nil)
)
