package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/callrec/callrec/cmd/internal/cmdutil"
	"github.com/callrec/callrec/ecall/backend/relay"
)

type keygenOptions struct {
	user, client, out string
	convs             []string
}

func newKeygenCmd(ios *cmdutil.IOStreams) *cobra.Command {
	opts := &keygenOptions{}
	cmd := &cobra.Command{
		Use:   "keygen --user U --client C --out FILE [--conv ID]...",
		Short: "Make a device's identity key for an authenticated relay",
		Long: `keygen draws a device's long-term identity key (Ed25519), writes it to a
new --out file readable by its owner only (it never overwrites one), and
prints the device's line of a members file on stdout:

  USER/CLIENT KEY CONV...

with the --conv ids given, or * (every conversation). Append the lines of
every device to one file: callrec serve --members reads it to decide who may
join, and callrec call --pins reads it to check its peers' keys. The key
file is what callrec call --key takes; keep it on its device.`,
		Example: `  callrec keygen --user A --client 1 --out a1.key >> members.txt
  callrec keygen --user B --client 1 --conv c1 --out b1.key >> members.txt`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return cmdutil.FlagError(err)
			}
			id, err := relay.NewIdentity(opts.user, opts.client, nil)
			if err != nil {
				return cmdutil.FlagError(err)
			}
			if err := relay.WriteKeyFile(opts.out, id); err != nil {
				return cmdutil.InputErrorf("--out: %w", err)
			}
			fmt.Fprintf(ios.Err, "wrote the key of %s/%s to %s (fingerprint %s)\n", id.User, id.Client, opts.out, relay.Fingerprint(id.IdentityKey()))
			fmt.Fprintln(ios.Out, relay.MemberLine(id.User, id.Client, id.IdentityKey(), opts.convs...))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.user, "user", "", "user id of the device")
	f.StringVar(&opts.client, "client", "", "client id of the device")
	f.StringVarP(&opts.out, "out", "o", "", "key file to create")
	f.StringArrayVar(&opts.convs, "conv", nil, "a conversation the device may join, repeatable (default: every one)")
	return cmd
}

func (o *keygenOptions) check() error {
	switch {
	case o.user == "" || o.client == "" || o.out == "":
		return errors.New("give --user, --client and --out")
	case strings.ContainsAny(o.user+o.client, "/ \t") || strings.ContainsAny(o.user+o.client, "\n\r"):
		return errors.New("--user and --client cannot contain '/' or spaces")
	}
	for _, c := range o.convs {
		if c == "" || strings.ContainsAny(c, " \t\r\n") {
			return fmt.Errorf("--conv %q: want an id without spaces", c)
		}
	}
	return nil
}
