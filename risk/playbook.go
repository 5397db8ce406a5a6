package risk

import (
	"bytes"
	"fmt"
	"slices"

	"gopkg.in/yaml.v3"
)

// Action is a suggested retention action.
type Action struct {
	Code string `yaml:"code" json:"code"`
	ZH   string `yaml:"zh" json:"zh"`
	EN   string `yaml:"en" json:"en"`
}

// PlaybookRule suggests Action when every condition it names holds.
type PlaybookRule struct {
	When struct {
		Tiers    []string `yaml:"tiers"`
		Segments []string `yaml:"segments"`
		Reasons  []string `yaml:"reasons"`
	} `yaml:"when"`
	Action Action `yaml:"action"`
	line   int
}

// Playbook is an ordered list of rules; the first that matches wins.
type Playbook struct {
	Rules []PlaybookRule `yaml:"rules"`
}

// ParsePlaybook reads a playbook and checks it: known tiers and reason
// features, an action with a code and both languages on every rule, and a
// last rule without conditions. Errors name the file and line.
func ParsePlaybook(file string, data []byte) (*Playbook, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	var p Playbook
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if len(doc.Content) > 0 {
		for _, kv := range pairs(doc.Content[0]) {
			if kv[0].Value == "rules" {
				for i, n := range kv[1].Content {
					if i < len(p.Rules) {
						p.Rules[i].line = n.Line
					}
				}
			}
		}
	}
	if len(p.Rules) == 0 {
		return nil, fmt.Errorf("%s: no rules; add at least a default rule with an action and no conditions", file)
	}
	known := append(slices.Clone(NumericFeatures), CategoricalFeatures...)
	for i, r := range p.Rules {
		at := fmt.Sprintf("%s:%d: rules[%d]", file, r.line, i)
		for _, t := range r.When.Tiers {
			if t != TierHigh && t != TierMedium && t != TierLow {
				return nil, fmt.Errorf("%s: tier %q is not one of high, medium, low", at, t)
			}
		}
		for _, f := range r.When.Reasons {
			if !slices.Contains(known, f) {
				return nil, fmt.Errorf("%s: reason %q is not a feature; use one of %v", at, f, known)
			}
		}
		if r.Action.Code == "" || r.Action.ZH == "" || r.Action.EN == "" {
			return nil, fmt.Errorf("%s: the action needs a code, zh and en", at)
		}
	}
	last := p.Rules[len(p.Rules)-1].When
	if len(last.Tiers)+len(last.Segments)+len(last.Reasons) > 0 {
		return nil, fmt.Errorf("%s:%d: the last rule must have no conditions, so that every customer gets an action", file, p.Rules[len(p.Rules)-1].line)
	}
	return &p, nil
}

func pairs(n *yaml.Node) [][2]*yaml.Node {
	var out [][2]*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		out = append(out, [2]*yaml.Node{n.Content[i], n.Content[i+1]})
	}
	return out
}

// Suggest returns the action of the first rule that matches.
func (p *Playbook) Suggest(tier, segment, topReason string) Action {
	for _, r := range p.Rules {
		if matches(r.When.Tiers, tier) && matches(r.When.Segments, segment) && matches(r.When.Reasons, topReason) {
			return r.Action
		}
	}
	return Action{}
}

func matches(allowed []string, v string) bool {
	return len(allowed) == 0 || slices.Contains(allowed, v)
}
