// Package httpx holds the small HTTP pieces hls_proxy needs beside the standard
// library: single-range parsing for transformed bodies, safe attachment
// headers, and content types for HLS and media objects. It does not import Caddy.
package httpx
