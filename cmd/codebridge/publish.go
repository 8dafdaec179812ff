package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/events"
)

func newPublishCmd() *cobra.Command {
	var file, typ, source, subject, data, id, server string
	cmd := &cobra.Command{
		Use:   "publish (--file event.json | --type T --source S [--subject X] --data JSON|@file)",
		Short: "Publish one CloudEvent through a running server's HTTP API",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var body []byte
			switch {
			case file != "" && (typ != "" || source != "" || data != "" || subject != "" || id != ""):
				return usagef("use either --file or --type/--source/--subject/--id/--data, not both")
			case file != "":
				b, err := os.ReadFile(file)
				if err != nil {
					return fmt.Errorf("read event: %w", err)
				}
				body = b
			case typ == "" || source == "":
				return usagef("--type and --source are required without --file")
			default:
				var payload any
				if data != "" {
					raw := []byte(data)
					if name, ok := strings.CutPrefix(data, "@"); ok {
						b, err := os.ReadFile(name)
						if err != nil {
							return fmt.Errorf("read data: %w", err)
						}
						raw = b
					}
					if !json.Valid(raw) {
						return usagef("--data: not valid JSON")
					}
					payload = json.RawMessage(raw)
				}
				var opts []events.Option
				if subject != "" {
					opts = append(opts, events.WithSubject(subject))
				}
				if id != "" {
					opts = append(opts, events.WithID(id))
				}
				e, err := events.New(typ, source, payload, opts...)
				if err != nil {
					return err
				}
				if body, err = json.Marshal(e); err != nil {
					return fmt.Errorf("encode event: %w", err)
				}
			}
			var out struct {
				IDs []string `json:"ids"`
			}
			if err := newAPIClient(server).do(cmd.Context(), "POST", "/events", "application/cloudevents+json", body, &out); err != nil {
				return err
			}
			for _, id := range out.IDs {
				fmt.Fprintln(cmd.OutOrStdout(), id)
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&file, "file", "", "event file in CloudEvents JSON format")
	f.StringVar(&typ, "type", "", "event type, e.g. dev.codebridge.repository.referenceCreated")
	f.StringVar(&source, "source", "", "event source URI")
	f.StringVar(&subject, "subject", "", "event subject")
	f.StringVar(&data, "data", "", "event data as JSON, or @file")
	f.StringVar(&id, "id", "", "event id (default: a new UUID)")
	f.StringVar(&server, "server", "http://127.0.0.1:8080", "codebridge HTTP API")
	return cmd
}
