package alerts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/beaconbi/beacon"
)

// File is an alerts YAML file: channels, rules and subscriptions.
type File struct {
	Channels      []ChannelConfig `yaml:"channels"`
	Rules         []*Rule         `yaml:"rules"`
	Subscriptions []*Subscription `yaml:"subscriptions"`

	name string
	root *yaml.Node
	// parseErrs are the keys and values the decoder refused; the rest of
	// the file is still checked so that one start reports every problem.
	parseErrs FileErrors
	// chanErrs are the problems of its channels (LoadChannels).
	chanErrs FileErrors
}

// FileError is a problem in an alerts file, placed at a line.
type FileError struct {
	File    string
	Line    int
	Message string
}

func (e FileError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Message) }

// FileErrors are all the problems found in a file.
type FileErrors []FileError

func (es FileErrors) Error() string {
	lines := make([]string, len(es))
	for i, e := range es {
		lines[i] = e.Error()
	}
	return strings.Join(lines, "\n")
}

var yamlLineRE = regexp.MustCompile(`line (\d+): `)

// ParseFile reads an alerts file strictly: unknown keys are errors, each
// placed at its line. They are reported by LoadChannels and Apply with
// the file's other problems, so that one start lists them all.
func ParseFile(name string, data []byte) (*File, error) {
	f := &File{name: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, FileErrors{{File: name, Line: lineOf(err), Message: "not valid YAML: " + cleanYAML(err)}}
	}
	f.root = &root
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, FileErrors{{File: name, Line: lineOf(err), Message: cleanYAML(err)}}
		}
		for _, e := range te.Errors {
			f.parseErrs = append(f.parseErrs, FileError{File: name, Line: lineOf(errors.New(e)), Message: cleanYAML(errors.New(e))})
		}
	}
	for i := range f.Channels {
		f.Channels[i].File, f.Channels[i].Line = name, f.line(fmt.Sprintf("channels[%d]", i))
	}
	return f, nil
}

// ReadFile reads and parses an alerts file.
func ReadFile(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read alerts file: %w", err)
	}
	return ParseFile(path, data)
}

func lineOf(err error) int {
	if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 1
}

func cleanYAML(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:\n")
	return strings.TrimSpace(yamlLineRE.ReplaceAllString(s, ""))
}

// line finds the line of a field path such as "rules[2].condition.above"
// in the file, falling back to the nearest enclosing item.
func (f *File) line(path string) int {
	n := f.root
	if n == nil || len(n.Content) == 0 {
		return 1
	}
	n = n.Content[0]
	line := n.Line
	for _, part := range strings.FieldsFunc(path, func(r rune) bool { return r == '.' }) {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			key = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := child(n, key)
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}

func child(n *yaml.Node, key string) *yaml.Node {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// place turns a validation error of item (e.g. "rules[1]") into a FileError at its line.
func (f *File) place(item string, err error) FileError {
	var be *beacon.Error
	if errors.As(err, &be) && be.Field != "" {
		msg := be.Field + ": " + be.Message
		if len(be.Valid) > 0 && len(be.Valid) <= 12 {
			msg += " (valid: " + strings.Join(be.Valid, ", ") + ")"
		}
		return FileError{File: f.name, Line: f.line(item + "." + be.Field), Message: item + "." + msg}
	}
	return FileError{File: f.name, Line: f.line(item), Message: item + ": " + err.Error()}
}

// LoadChannels configures the file's channels in reg. Call it for every
// file before Apply, so that rules may name channels of any file. A
// channel whose settings are wrong is kept as a problem of the file, which
// Apply reports with every problem of the rules and subscriptions, so that
// one start lists them all; rules naming that channel are not also told
// that it does not exist.
func (f *File) LoadChannels(reg *Registry) error {
	for i, c := range f.Channels {
		if err := reg.Add(c); err != nil {
			f.chanErrs = append(f.chanErrs, f.place(fmt.Sprintf("channels[%d]", i), err))
		}
	}
	return nil
}

// Apply validates the file's rules and subscriptions (compiling their
// queries) and saves them, marked as coming from this file. Nothing is
// saved unless all are valid.
func (f *File) Apply(ctx context.Context, sc *Scheduler) error {
	errs := append(append(FileErrors{}, f.parseErrs...), f.chanErrs...)
	names := sc.channels.Names()
	if b, ok := sc.channels.(interface{ Broken() []string }); ok {
		names = append(names, b.Broken()...)
	}
	seen := map[string]string{}
	dup := func(item, id string) {
		if prev, ok := seen[id]; ok {
			errs = append(errs, f.place(item, invalidf("id", "id %q is used by %s too", id, prev)))
		}
		seen[id] = item
	}
	for i, r := range f.Rules {
		item := fmt.Sprintf("rules[%d]", i)
		for _, err := range append(r.CheckAll(ctx, sc.q, names), sc.recipientProblems(r.Channels)...) {
			errs = append(errs, f.place(item, err))
		}
		if err := sc.intervalProblem(r.Schedule); err != nil {
			errs = append(errs, f.place(item, err))
		}
		dup(item, r.ID)
	}
	for i, s := range f.Subscriptions {
		item := fmt.Sprintf("subscriptions[%d]", i)
		for _, err := range append(s.CheckAll(sc.q, sc.cfg.Reports, names), sc.recipientProblems(s.Channels)...) {
			errs = append(errs, f.place(item, err))
		}
		if err := sc.intervalProblem(s.Schedule); err != nil {
			errs = append(errs, f.place(item, err))
		}
		dup(item, s.ID)
	}
	if len(errs) > 0 {
		return sortErrs(errs)
	}
	for _, r := range f.Rules {
		if err := sc.PutRule(ctx, r, f.name); err != nil {
			return err
		}
	}
	for _, s := range f.Subscriptions {
		if err := sc.PutSubscription(ctx, s, f.name); err != nil {
			return err
		}
	}
	return nil
}

// sortErrs orders a file's problems by line, keeping the order of those
// on one line.
func sortErrs(errs FileErrors) FileErrors {
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
	return errs
}
