package notify

import (
	"context"
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/google/cel-go/cel"
	"go.yaml.in/yaml/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/codebridge/codebridge/events"
	"github.com/codebridge/codebridge/functions"
)

const failureHooks = "../../testdata/examples/failure-hooks.yaml"

type exampleConfig struct {
	Functions map[string]yaml.Node `yaml:"functions"`
	Rules     []struct {
		Name    string `yaml:"name"`
		Match   string `yaml:"match"`
		Targets []struct {
			Function string `yaml:"function"`
			Input    string `yaml:"input"`
		} `yaml:"targets"`
	} `yaml:"rules"`
}

// loadExample reads the example with ${VAR} expanded from test values.
func loadExample(t *testing.T) exampleConfig {
	t.Helper()
	raw, err := os.ReadFile(failureHooks)
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"SLACK_WEBHOOK_URL":     "https://hooks.slack.com/services/T000/B000/XXXX",
		"SMTP_PASSWORD":         "smtp-secret",
		"ONCALL_WEBHOOK_SECRET": "whsec_" + whKeyB64,
	}
	var missing []string
	src := os.Expand(string(raw), func(k string) string {
		v, ok := env[k]
		if !ok {
			missing = append(missing, k)
		}
		return v
	})
	if len(missing) > 0 {
		t.Fatalf("example uses variables the test does not set: %v", missing)
	}
	var top map[string]yaml.Node
	if err := yaml.Unmarshal([]byte(src), &top); err != nil {
		t.Fatalf("example is not YAML: %v", err)
	}
	for k := range top {
		switch k {
		case "server", "nats", "engine", "sources", "functions", "rules", "pipelines":
		default:
			t.Errorf("unknown top-level key %q (DESIGN.md §4)", k)
		}
	}
	var cfg exampleConfig
	if err := yaml.Unmarshal([]byte(src), &cfg); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// notifyBlock returns a notify function's block without the keys the engine
// owns, encoded back to YAML for the strict decoder.
func notifyBlock(t *testing.T, n yaml.Node) (string, bool) {
	var m map[string]any
	if err := n.Decode(&m); err != nil {
		t.Fatal(err)
	}
	if m["type"] != Type {
		return "", false
	}
	delete(m, "type")
	delete(m, "concurrency")
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

func TestFailureHooksExample(t *testing.T) {
	cfg := loadExample(t)
	built := map[string]*Notifier{}
	for name, node := range cfg.Functions {
		block, ok := notifyBlock(t, node)
		if !ok {
			continue
		}
		f, err := New(name, strictYAML(block), functions.Deps{})
		if err != nil {
			t.Errorf("function %s: %v", name, err)
			continue
		}
		built[name] = f.(*Notifier)
	}
	for _, want := range []string{"chat", "committer-mail", "oncall"} {
		if built[want] == nil {
			t.Errorf("notify function %q missing", want)
		}
	}

	env, err := templateEnv()
	if err != nil {
		t.Fatal(err)
	}
	typeLit := regexp.MustCompile(`"(dev\.codebridge\.[A-Za-z.]+)"`)
	type rule struct {
		match  cel.Program
		inputs map[string]cel.Program // function -> input (nil: the event)
	}
	rules := map[string]rule{}
	for _, r := range cfg.Rules {
		for _, m := range typeLit.FindAllStringSubmatch(r.Match, -1) {
			if !events.Known(m[1]) {
				t.Errorf("rule %s: %s is not in the event catalogue", r.Name, m[1])
			}
		}
		ast, iss := env.Compile(r.Match)
		if iss.Err() != nil {
			t.Errorf("rule %s: match: %v", r.Name, iss.Err())
			continue
		}
		if !ast.OutputType().IsExactType(cel.BoolType) && !ast.OutputType().IsExactType(cel.DynType) {
			t.Errorf("rule %s: match is %s, not bool", r.Name, ast.OutputType())
		}
		prg, _ := env.Program(ast)
		rr := rule{match: prg, inputs: map[string]cel.Program{}}
		for _, tg := range r.Targets {
			if _, ok := cfg.Functions[tg.Function]; !ok {
				t.Errorf("rule %s: unknown function %q", r.Name, tg.Function)
			}
			rr.inputs[tg.Function] = nil
			if tg.Input != "" {
				ast, iss := env.Compile(tg.Input)
				if iss.Err() != nil {
					t.Errorf("rule %s: input: %v", r.Name, iss.Err())
					continue
				}
				rr.inputs[tg.Function], _ = env.Program(ast)
			}
		}
		rules[r.Name] = rr
	}

	repo := events.Repository{Name: "app", FullName: "acme/app", CloneURL: "https://git.example/acme/app.git"}
	// What the build emits after build-on-push: the invoker stamps the rule's
	// context on it.
	push := mustEvent(t, events.ReferenceUpdated, "https://git.example/acme/app", events.ReferenceData{
		Repository: repo, ReferenceFullName: "refs/heads/main", ReferenceName: "main", ReferenceType: "branch",
		CommitID: "b", OldCommitID: "a", Pusher: "dev@example.com",
	})
	ruleCtx := map[string]any{"committerEmail": "dev@example.com"}
	failedWithCommitter := mustEvent(t, events.BuildStateChanged, "codebridge://builds/app", events.BuildStateData{
		Caused:  events.Caused{TriggerEventID: push.ID(), Context: ruleCtx},
		BuildID: "app:3", Project: "app", Status: events.BuildTimedOut, Reference: "refs/heads/main",
	})
	if err := events.MarkCaused(&failedWithCommitter, push, ruleCtx); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		event   events.Event
		want    map[string]string // rule -> function it reaches
		wantTo  []string          // email recipients from the input, if any
		subject string
	}{
		{"build failed with committer", failedWithCommitter,
			map[string]string{"build-failed-chat": "chat", "build-failed-email-committer": "committer-mail"},
			[]string{"dev@example.com"}, "[app] build timed_out"},
		{"build failed without committer", buildFailed(t), map[string]string{"build-failed-chat": "chat"}, nil, ""},
		{"build succeeded", mustEvent(t, events.BuildStateChanged, "b", events.BuildStateData{BuildID: "a:1", Project: "app", Status: events.BuildSucceeded}),
			map[string]string{}, nil, ""},
		{"dead letter", mustEvent(t, events.EngineInvocationFailed, "codebridge://engine", events.InvocationFailedData{Function: "mirror-eu", EventID: "e", Reason: "exhausted", Error: "x"}),
			map[string]string{"dead-letter-oncall": "oncall"}, nil, ""},
		{"on-call's own dead letter", mustEvent(t, events.EngineInvocationFailed, "codebridge://engine", events.InvocationFailedData{Function: "oncall", EventID: "e", Reason: "exhausted", Error: "x"}),
			map[string]string{"oncall-failed-chat": "chat"}, nil, ""},
		{"replication failed", mustEvent(t, events.ReplicationFailed, "r", events.ReplicationData{Repository: repo, Target: "ssh://eu.example/app.git", Error: "denied"}),
			map[string]string{"replication-failed-chat": "chat"}, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			vars := eventVars(tt.event)
			got := map[string]string{}
			var names []string
			for name := range rules {
				names = append(names, name)
			}
			sort.Strings(names)
			for _, name := range names {
				r := rules[name]
				v, _, err := r.match.Eval(vars)
				if err != nil || v.Value() != true {
					continue
				}
				for fn, in := range r.inputs {
					if _, isNotify := built[fn]; !isNotify {
						continue
					}
					got[name] = fn
					if in == nil {
						continue
					}
					out, _, err := in.Eval(vars)
					if err != nil {
						t.Fatalf("rule %s: input: %v", name, err)
					}
					pb, err := out.ConvertToNative(reflect.TypeOf(&structpb.Value{}))
					if err != nil {
						t.Fatal(err)
					}
					js, _ := protojson.Marshal(pb.(*structpb.Value))
					o, err := parseInput(json.RawMessage(js))
					if err != nil {
						t.Fatalf("rule %s: input %s: %v", name, js, err)
					}
					var to []string
					for _, a := range o.To {
						to = append(to, a.Address)
					}
					if strings.Join(to, ",") != strings.Join(tt.wantTo, ",") {
						t.Errorf("rule %s: to = %v, want %v", name, to, tt.wantTo)
					}
				}
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("notify rules matched %v, want %v", got, tt.want)
			}
			if tt.subject != "" {
				mail := built["committer-mail"]
				var es *emailSender
				for _, c := range mail.channels {
					es, _ = c.sender.(*emailSender)
				}
				s, _, err := es.subject.eval(context.Background(), vars)
				if err != nil || s != tt.subject {
					t.Errorf("subject = %q, %v; want %q", s, err, tt.subject)
				}
			}
		})
	}
}
