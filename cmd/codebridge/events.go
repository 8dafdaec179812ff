package main

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/engine"
	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/internal/redact"
)

func newEventsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "events", Short: "Watch the event stream"}
	cmd.AddCommand(newEventsTailCmd())
	return cmd
}

func newEventsTailCmd() *cobra.Command {
	var natsURL, typ, since string
	var count int
	cmd := &cobra.Command{
		Use:   "tail [--type T]",
		Short: "Print events as they arrive on CB_EVENTS (one CloudEvents JSON object a line)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverNewPolicy}
			if typ != "" {
				if err := events.ValidateType(typ); err != nil {
					return usagef("--type: %v", err)
				}
				cfg.FilterSubjects = []string{events.Subject(typ)}
			}
			if since != "" {
				d, err := time.ParseDuration(since)
				if err != nil {
					return usagef("--since %q: %v", since, err)
				}
				t := time.Now().Add(-d)
				cfg.DeliverPolicy, cfg.OptStartTime = jetstream.DeliverByStartTimePolicy, &t
			}
			nc, err := nats.Connect(natsURL, nats.Name("codebridge events tail"))
			if err != nil {
				return fmt.Errorf("connect to NATS at %s: %w", redact.URLList(natsURL), err)
			}
			defer nc.Close()
			js, err := jetstream.New(nc)
			if err != nil {
				return err
			}
			cons, err := js.OrderedConsumer(cmd.Context(), engine.StreamEvents, cfg)
			if err != nil {
				return fmt.Errorf("tail %s: %w", engine.StreamEvents, err)
			}
			it, err := cons.Messages()
			if err != nil {
				return err
			}
			go func() { <-cmd.Context().Done(); it.Stop() }()
			out := cmd.OutOrStdout()
			for n := 0; count <= 0 || n < count; n++ {
				m, err := it.Next()
				if err != nil {
					if cmd.Context().Err() != nil {
						return nil
					}
					return err
				}
				e, err := events.FromMsg(&nats.Msg{Subject: m.Subject(), Header: m.Headers(), Data: m.Data()})
				if err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "skipping undecodable message on %s: %v\n", m.Subject(), err)
					continue
				}
				b, _ := json.Marshal(e)
				fmt.Fprintln(out, string(b))
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&natsURL, "nats-url", "nats://127.0.0.1:4222", "NATS URL (the embedded server listens on nats.listen)")
	f.StringVar(&typ, "type", "", "only events of this type")
	f.StringVar(&since, "since", "", "start this long ago (e.g. 10m) instead of with new events")
	f.IntVar(&count, "count", 0, "stop after this many events (0 = run until interrupted)")
	return cmd
}
