// Package fleetcheck registers `caddy fleet-check`, which says whether
// configurations can serve one mediagate fleet side by side (docs/fleet.md).
// The comparison itself lives in internal/fleetcompat.
package fleetcheck

import (
	"errors"
	"fmt"
	"os"

	"github.com/caddyserver/caddy/v2"
	caddycmd "github.com/caddyserver/caddy/v2/cmd"
	"github.com/spf13/cobra"

	"github.com/mediagate/caddy-mediagate/internal/fleetcompat"
)

func init() {
	caddycmd.RegisterCommand(caddycmd.Command{
		Name:  "fleet-check",
		Usage: "[--adapter <name>] <config> <config>...",
		Short: "Checks that configs can serve one mediagate fleet side by side",
		Long: `
Compares each config with the first: the same edgeauth and hls_proxy
handlers in the same order, the same settings a player's requests carry
from one instance to another (EdgeAuth salt and token settings, encryption,
strip_prefix, key_path, origins...), and EdgeAuth key and key_secret lists
that accept each other during a rolling rotation: each side must hold the
key the other signs with and the secret the other seals with.

Run it where the secrets resolve ({env.*}, {file.*}): it prints only their
public ids, never a value. Exit status 0 when compatible, 1 when not.

  caddy fleet-check --adapter caddyfile instance-a/Caddyfile instance-b/Caddyfile
`,
		CobraFunc: func(cmd *cobra.Command) {
			cmd.Flags().StringP("adapter", "a", "", "Name of the config adapter (default: by file name, as caddy run)")
			cmd.Args = cobra.MinimumNArgs(2)
			cmd.RunE = caddycmd.WrapCommandFuncForCobra(cmdFleetCheck)
		},
	})
}

// errIncompatible makes the command exit 1 after it printed why.
var errIncompatible = errors.New("the configs cannot serve one fleet")

func cmdFleetCheck(fl caddycmd.Flags) (int, error) {
	files := fl.Args()
	configs := make([][]byte, len(files))
	for i, f := range files {
		cfg, _, _, err := caddycmd.LoadConfig(f, fl.String("adapter"))
		if err != nil {
			return caddy.ExitCodeFailedStartup, fmt.Errorf("%s: %w", f, err)
		}
		configs[i] = cfg
	}
	repl := caddy.NewReplacer()
	rep, err := fleetcompat.Compare(files, configs, func(s string) (string, error) { return repl.ReplaceOrErr(s, true, true) })
	if err != nil {
		return caddy.ExitCodeFailedStartup, err
	}
	for _, n := range rep.Notes {
		fmt.Fprintln(os.Stdout, "note:", n)
	}
	for _, p := range rep.Problems {
		fmt.Fprintln(os.Stdout, "incompatible:", p)
	}
	if !rep.OK() {
		return 1, errIncompatible
	}
	fmt.Fprintf(os.Stdout, "compatible: %d configs can serve one fleet\n", len(files))
	return caddy.ExitCodeSuccess, nil
}
