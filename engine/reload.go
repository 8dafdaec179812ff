package engine

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.yaml.in/yaml/v3"

	"github.com/codebridge/codebridge/functions"
	"github.com/codebridge/codebridge/rules"
)

// Reload reads the configuration file again and swaps the rule set. A file
// that does not load leaves the running rules in place and returns the
// error. New functions are built and started; a function whose configuration
// changed keeps running as it was until a restart (its invocations may be in
// flight), which the log says.
func (e *Engine) Reload(ctx context.Context) error {
	old := e.cfg.Load()
	cfg, err := rules.Load(old.Path)
	if err != nil {
		e.metrics.reloads.WithLabelValues("failed").Inc()
		e.log.Error().Err(err).Msg("reload refused; keeping the running rules")
		return err
	}
	entries, err := scheduleEntries(cfg.RuleSet())
	if err != nil {
		e.metrics.reloads.WithLabelValues("failed").Inc()
		e.log.Error().Err(err).Msg("reload refused; keeping the running rules")
		return err
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	var added []string
	for _, name := range sortedKeys(cfg.Functions) {
		fc := cfg.Functions[name]
		prev, ok := old.Functions[name]
		switch {
		case !ok:
			fn, err := e.buildFunction(name, fc)
			if err != nil {
				e.metrics.reloads.WithLabelValues("failed").Inc()
				e.log.Error().Err(err).Msg("reload refused; keeping the running rules")
				return err
			}
			e.functions[name] = fn
			added = append(added, name)
		case !sameFunction(prev, fc):
			e.log.Warn().Str("function", name).Msg("function settings changed; restart codebridge to apply them (the running instance keeps its old settings)")
		}
	}
	e.cfg.Store(cfg)
	// Functions keep running with the old settings (and secrets) until a
	// restart: mask the old secrets as well as the new.
	e.masker.Store(functions.NewMasker(append(old.Secrets(), cfg.Secrets()...)...))
	e.rules.Store(cfg.RuleSet())
	if e.scheduler != nil {
		if err := e.scheduler.Replace(entries); err != nil {
			e.log.Error().Err(err).Msg("reload: scheduled rules kept as they were")
		}
	}
	if e.runCtx != nil {
		for _, name := range added {
			if err := e.startFunction(e.runCtx, name, e.functions[name]); err != nil {
				return fmt.Errorf("engine: reload: %w", err)
			}
		}
	}
	e.metrics.reloads.WithLabelValues("ok").Inc()
	e.log.Info().Int("rules", cfg.RuleSet().Len()).Strs("newFunctions", added).Msg("configuration reloaded")
	return nil
}

// watchConfig reloads when the config file changes. It watches the directory,
// because editors and config management replace files rather than write
// them in place, and waits for writes to settle.
func (e *Engine) watchConfig(ctx context.Context) {
	path := e.cfg.Load().Path
	if path == "" {
		return
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		e.log.Warn().Err(err).Msg("cannot watch the config file; reload with SIGHUP")
		return
	}
	defer w.Close()
	abs, _ := filepath.Abs(path)
	if err := w.Add(filepath.Dir(abs)); err != nil {
		e.log.Warn().Err(err).Msg("cannot watch the config file; reload with SIGHUP")
		return
	}
	var settle <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.Events:
			if !ok {
				return
			}
			if p, _ := filepath.Abs(ev.Name); p == abs && ev.Op&(fsnotify.Write|fsnotify.Create|fsnotify.Rename) != 0 {
				settle = time.After(200 * time.Millisecond)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return
			}
			e.log.Warn().Err(err).Msg("config watch")
		case <-settle:
			settle = nil
			_ = e.Reload(ctx)
		}
	}
}

// sameFunction reports whether a function's configuration is unchanged.
func sameFunction(a, b rules.FunctionConfig) bool {
	if a.Type != b.Type || a.Concurrency != b.Concurrency || a.Timeout != b.Timeout || a.Inline != b.Inline {
		return false
	}
	ab, err1 := yaml.Marshal(a.Node())
	bb, err2 := yaml.Marshal(b.Node())
	return err1 == nil && err2 == nil && string(ab) == string(bb)
}
