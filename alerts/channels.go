package alerts

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/beaconbi/beacon/notify"
)

// ChannelConfig is one configured destination: a name rules refer to, a
// channel type (dingtalk, webhook, ...) and its settings, secrets
// included. It is read from YAML only and never returned by the API.
type ChannelConfig struct {
	Name     string         `yaml:"name"`
	Type     string         `yaml:"type"`
	Settings map[string]any `yaml:",inline"`
	// File and Line place it for errors.
	File string `yaml:"-"`
	Line int    `yaml:"-"`
}

// Factory builds a channel's notifier from its settings, addressing
// recipients (a rule's own, added to the channel's).
type Factory func(settings map[string]any, recipients []string) (notify.Notifier, error)

// Registry holds the configured channels and builds their notifiers.
type Registry struct {
	factories map[string]Factory
	mu        sync.Mutex
	configs   map[string]ChannelConfig
	built     map[string]notify.Notifier
	// broken are channels whose settings were refused: rules naming them
	// are not told the channel is unknown, only the channel is wrong.
	broken map[string]bool
}

// NewRegistry returns a registry knowing the given channel types.
func NewRegistry(factories map[string]Factory) *Registry {
	return &Registry{factories: factories, configs: map[string]ChannelConfig{}, built: map[string]notify.Notifier{}, broken: map[string]bool{}}
}

// Types lists the channel types the registry can build.
func (r *Registry) Types() []string {
	var out []string
	for t := range r.factories {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// Add configures a channel; its settings are checked by building it once.
func (r *Registry) Add(c ChannelConfig) error {
	if !idRE.MatchString(c.Name) {
		return invalidf("name", "channel name %q must be lower-case letters, digits, - or _", clip(c.Name))
	}
	f, ok := r.factories[c.Type]
	if !ok {
		r.markBroken(c.Name)
		return invalidf("type", "unknown channel type %q; this build knows %s", clip(c.Type), strings.Join(r.Types(), ", "))
	}
	c.Settings = expandEnv(c.Settings)
	if _, err := f(c.Settings, nil); err != nil {
		r.markBroken(c.Name)
		return invalidf("settings", "%v", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.configs[c.Name]; dup {
		return invalidf("name", "channel %q is configured twice", c.Name)
	}
	r.configs[c.Name] = c
	return nil
}

func (r *Registry) markBroken(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.broken[name] = true
}

// Broken lists the channels whose configuration was refused.
func (r *Registry) Broken() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.broken {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// CheckRecipient says whether the channel takes recipient (a DingTalk
// channel takes mobile numbers, an e-mail channel addresses), by building
// its notifier for that recipient alone. A channel not configured is left
// to the rule's own checks.
func (r *Registry) CheckRecipient(name, recipient string) error {
	r.mu.Lock()
	c, ok := r.configs[name]
	r.mu.Unlock()
	if !ok {
		return nil
	}
	_, err := r.factories[c.Type](c.Settings, []string{recipient})
	return err
}

// Names lists the configured channels.
func (r *Registry) Names() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for n := range r.configs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ChannelInfo is what the API may show of a channel: never its settings.
type ChannelInfo struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Infos lists the channels' names and types.
func (r *Registry) Infos() []ChannelInfo {
	var out []ChannelInfo
	for _, n := range r.Names() {
		r.mu.Lock()
		out = append(out, ChannelInfo{Name: n, Type: r.configs[n].Type})
		r.mu.Unlock()
	}
	return out
}

// Notifier builds (once, then reuses) the channel's notifier for recipients.
func (r *Registry) Notifier(name string, recipients []string) (notify.Notifier, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c, ok := r.configs[name]
	if !ok {
		return nil, fmt.Errorf("channel %q is not configured", name)
	}
	key := name + "\x00" + strings.Join(recipients, "\x00")
	if n, ok := r.built[key]; ok {
		return n, nil
	}
	n, err := r.factories[c.Type](c.Settings, slices.Clone(recipients))
	if err != nil {
		return nil, fmt.Errorf("channel %s: %w", name, err)
	}
	r.built[key] = n
	return n, nil
}

var envRE = regexp.MustCompile(`\$\{([A-Z_][A-Z0-9_]*)\}`)

// expandEnv replaces ${NAME} in string settings by the environment
// variable, so that secrets stay out of the YAML files.
func expandEnv(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if s, ok := v.(string); ok {
			v = envRE.ReplaceAllStringFunc(s, func(ref string) string { return os.Getenv(envRE.FindStringSubmatch(ref)[1]) })
		}
		out[k] = v
	}
	return out
}
