package main

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/rules"
)

func newRulesCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "rules", Short: "Validate and test rule files offline"}
	cmd.AddCommand(newRulesValidateCmd(), newRulesTestCmd())
	return cmd
}

// loadConfig reads a config file; with placeholders, a ${VAR} that the
// environment lacks reads as "<VAR>" instead of refusing the file, so a
// pipeline without the secrets can still check the rules.
func loadConfig(path string, placeholders bool) (*rules.Config, error) {
	if !placeholders {
		return rules.Load(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: read config: %w", err)
	}
	return rules.Parse(path, data, func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		return "<" + name + ">", true
	})
}

func newRulesValidateCmd() *cobra.Command {
	var placeholders bool
	cmd := &cobra.Command{
		Use:   "validate FILE...",
		Short: "Load config files and compile every rule; report every problem with file, line and column",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			failed := 0
			for _, path := range args {
				cfg, err := loadConfig(path, placeholders)
				if err != nil {
					failed++
					fmt.Fprintln(cmd.ErrOrStderr(), err)
					continue
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (%d rules, %d functions)\n", path, cfg.RuleSet().Len(), len(cfg.Functions))
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d files refused", failed, len(args))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&placeholders, "env-placeholders", false, "read a ${VAR} missing from the environment as \"<VAR>\" instead of refusing the file")
	return cmd
}

// testResult is one line of `rules test` output.
type testResult struct {
	Rule     string          `json:"rule"`
	Target   int             `json:"target"`
	Function string          `json:"function"`
	Input    json.RawMessage `json:"input"`
}

func newRulesTestCmd() *cobra.Command {
	var configPath, eventPath string
	cmd := &cobra.Command{
		Use:   "test --config F --event E.json",
		Short: "Show which rules an event matches and the input each target would get (offline)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if configPath == "" || eventPath == "" {
				return usagef("--config and --event are required")
			}
			cfg, err := rules.Load(configPath)
			if err != nil {
				return err
			}
			b, err := os.ReadFile(eventPath)
			if err != nil {
				return fmt.Errorf("read event: %w", err)
			}
			var e events.Event
			if err := json.Unmarshal(b, &e); err != nil {
				return fmt.Errorf("%s: %w", eventPath, err)
			}
			if err := events.Validate(e); err != nil {
				return fmt.Errorf("%s: %w", eventPath, err)
			}
			matches, errs := cfg.RuleSet().Match(cmd.Context(), e)
			for _, err := range errs {
				fmt.Fprintln(cmd.ErrOrStderr(), "warning:", err)
			}
			out := struct {
				Event   string       `json:"event"`
				Matches []testResult `json:"matches"`
			}{Event: e.ID(), Matches: []testResult{}}
			for _, m := range matches {
				out.Matches = append(out.Matches, testResult{Rule: m.Rule, Target: m.Target, Function: m.Function, Input: m.InputFor(e)})
			}
			return printJSON(cmd.OutOrStdout(), out)
		},
	}
	cmd.Flags().StringVar(&configPath, "config", "", "configuration file")
	cmd.Flags().StringVar(&eventPath, "event", "", "event file in CloudEvents JSON format")
	return cmd
}
