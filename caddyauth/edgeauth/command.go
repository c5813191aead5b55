package edgeauth

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/mediagate/caddy-mediagate/caddyauth/edgetoken"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "edgeauth",
		Usage: "token|verify|embed [flags]",
		Short: "Generates and verifies Akamai EdgeAuth tokens",
		Long: `
Generates Akamai EdgeAuth (Auth Token 2.0) tokens identical to the Akamai
SDKs', or explains whether a token is valid for a path.

  caddy edgeauth token --key <hex> --acl '/hls/a/*' --window 300
  caddy edgeauth verify --key <hex> --path /hls/a/x.ts <token>
  caddy edgeauth embed --key <hex> --url https://media.example.com/embed/a

The key may also come from the EDGEAUTH_KEY environment variable, which
keeps it out of the process list.
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.AddCommand(newTokenCommand(), newVerifyCommand(), newEmbedCommand())
		},
	})
}

// errInvalid makes `caddy edgeauth verify` exit 1 after it printed why.
var errInvalid = errors.New("token is not valid")

// keyFlags returns the hex keys of --key, or of $EDGEAUTH_KEY.
func keyFlags(keys []string) ([][]byte, error) {
	if len(keys) == 0 {
		if env := os.Getenv("EDGEAUTH_KEY"); env != "" {
			keys = strings.FieldsFunc(env, isKeySeparator)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("--key (or $EDGEAUTH_KEY) is required")
	}
	out := make([][]byte, 0, len(keys))
	for i, k := range keys {
		b, err := edgetoken.ParseKey(k)
		if err != nil {
			return nil, fmt.Errorf("key #%d: %w", i+1, err)
		}
		out = append(out, b)
	}
	return out, nil
}

func newTokenCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token --key <hex> (--acl <pattern>... | --url <path>) [--window <s> | --exp <unix>] [--st now|<unix>] [--ip <ip>] [--id <id>] [--data <data>] [--salt <salt>] [--algo sha256|sha1|md5] [--escape-early]",
		Short: "Prints a new EdgeAuth token",
		Long: `Prints a token byte-identical to the Akamai Python SDK's. Without --exp
the token expires --window seconds (default 300) after --st, or after now.`,
		Args:          cobra.NoArgs,
		SilenceUsage:  true,
		SilenceErrors: false,
	}
	f := cmd.Flags()
	f.String("key", "", "hex key (default $EDGEAUTH_KEY)")
	f.StringArray("acl", nil, "ACL pattern; repeat for several (joined with !)")
	f.String("url", "", "URL path to sign (URL mode, instead of --acl)")
	f.Int64("window", 300, "lifetime in seconds, used when --exp is not given")
	f.Int64("exp", 0, "expiry, unix seconds")
	f.String("st", "", "start time: now or unix seconds (default: no st field)")
	f.String("ip", "", "client IP the token is bound to")
	f.String("id", "", "session id")
	f.String("data", "", "payload")
	f.String("salt", "", "salt")
	f.String("algo", "sha256", "sha256, sha1 or md5")
	f.Bool("escape-early", false, "escape ip, id, data and url like the Python SDK's escape_early")
	delimiterFlags(f)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		get := func(name string) string { v, _ := f.GetString(name); return v }
		key, alg, err := signingFlags(f)
		if err != nil {
			return err
		}
		acls, _ := f.GetStringArray("acl")
		window, _ := f.GetInt64("window")
		exp, _ := f.GetInt64("exp")
		escape, _ := f.GetBool("escape-early")
		var st int64
		switch s := get("st"); s {
		case "":
		case "now":
			st = time.Now().Unix()
		default:
			if st, err = strconv.ParseInt(s, 10, 64); err != nil || st <= 0 {
				return fmt.Errorf("--st %q: want now or unix seconds", s)
			}
		}
		delims, err := delimitersOf(f)
		if err != nil {
			return err
		}
		tok, err := edgetoken.Generate(edgetoken.Options{
			Key: key, Algorithm: alg, ACLs: acls, URL: get("url"),
			Start: st, Expires: exp, Window: time.Duration(window) * time.Second,
			IP: get("ip"), ID: get("id"), Data: get("data"), Salt: get("salt"),
			EscapeEarly: escape, Delimiters: delims,
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(cmd.OutOrStdout(), tok)
		return nil
	}
	return cmd
}

func newVerifyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "verify --key <hex> [--key <hex>]... --path <path> [--ip <ip>] [--algo sha256|sha1|md5] [--salt <salt>] [--url-mode] [--escape-early] [--clock-skew 10s] [--now <unix>] <token>",
		Short: "Says whether a token is valid for a path, or every reason it is not",
		Long: `Prints "valid" and exits 0, or prints one line per reason the token fails
(reason: detail) and exits 1.`,
		Args:         cobra.ExactArgs(1),
		SilenceUsage: true,
	}
	f := cmd.Flags()
	f.StringArray("key", nil, "hex key; repeat for rotation (default $EDGEAUTH_KEY)")
	f.String("path", "", "request path, as sent (escaped)")
	f.String("ip", "", "client IP")
	f.String("algo", "sha256", "sha256, sha1 or md5")
	f.String("salt", "", "salt")
	f.Bool("url-mode", false, "accept acl-less tokens that sign the path")
	f.Bool("escape-early", false, "in URL mode also try the escaped path")
	f.Duration("clock-skew", edgetoken.DefaultSkew, "clock skew tolerated on exp and st")
	f.Int64("now", 0, "verify at this unix time instead of now")
	f.Bool("session", false, "the token is a session cookie minted by edgeauth (verify with the derived session key)")
	delimiterFlags(f)
	_ = cmd.MarkFlagRequired("path")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		keyList, _ := f.GetStringArray("key")
		keys, err := keyFlags(keyList)
		if err != nil {
			return err
		}
		algo, _ := f.GetString("algo")
		alg, err := edgetoken.ParseAlgorithm(algo)
		if err != nil {
			return err
		}
		salt, _ := f.GetString("salt")
		urlMode, _ := f.GetBool("url-mode")
		escape, _ := f.GetBool("escape-early")
		skew, _ := f.GetDuration("clock-skew")
		if skew == 0 {
			skew = -1 // none
		}
		delims, err := delimitersOf(f)
		if err != nil {
			return err
		}
		if session, _ := f.GetBool("session"); session {
			keys = edgetoken.SessionKeys(keys)
		}
		v := &edgetoken.Verifier{Keys: keys, Algorithm: alg, Salt: salt, Skew: skew, URLMode: urlMode, EscapeEarly: escape, Delimiters: delims}
		p, _ := f.GetString("path")
		req := edgetoken.Request{Path: p}
		if ipStr, _ := f.GetString("ip"); ipStr != "" {
			if req.ClientIP, err = netip.ParseAddr(ipStr); err != nil {
				return fmt.Errorf("--ip %q: %w", ipStr, err)
			}
		}
		if now, _ := f.GetInt64("now"); now > 0 {
			req.Now = time.Unix(now, 0)
		}
		fails := v.Explain(args[0], req)
		out := cmd.OutOrStdout()
		if len(fails) == 0 {
			fmt.Fprintln(out, "valid")
			return nil
		}
		for _, fl := range fails {
			fmt.Fprintln(out, fl.Error())
		}
		cmd.SilenceErrors = true
		return errInvalid
	}
	return cmd
}

// signingFlags reads the flags of the commands that sign one token (token,
// embed): the key of --key (default the first of $EDGEAUTH_KEY) and --algo.
func signingFlags(f *pflag.FlagSet) ([]byte, edgetoken.Algorithm, error) {
	var keyList []string
	if k, _ := f.GetString("key"); k != "" {
		keyList = []string{k}
	}
	keys, err := keyFlags(keyList)
	if err != nil {
		return nil, "", err
	}
	algo, _ := f.GetString("algo")
	alg, err := edgetoken.ParseAlgorithm(algo)
	if err != nil {
		return nil, "", err
	}
	return keys[0], alg, nil
}

// delimiterFlags adds --field-delimiter and --acl-delimiter.
func delimiterFlags(f *pflag.FlagSet) {
	f.String("field-delimiter", "~", "field delimiter, as the issuer's SDK was set")
	f.String("acl-delimiter", "!", "ACL delimiter, as the issuer's SDK was set")
}

func delimitersOf(f *pflag.FlagSet) (edgetoken.Delimiters, error) {
	c := Config{}
	c.FieldDelimiter, _ = f.GetString("field-delimiter")
	c.ACLDelimiter, _ = f.GetString("acl-delimiter")
	return c.delimiters()
}
