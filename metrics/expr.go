package metrics

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// expr is a derived metric's arithmetic over other metrics. It is parsed by
// hand because the grammar is five tokens wide and must admit nothing else:
// no functions, no SQL, only metric names, numbers and + - * / ( ).
type expr interface {
	sql(ref func(name string) string) string
	collect(out *[]string)
}

type numExpr struct{ text string }
type refExpr struct{ name string }
type negExpr struct{ x expr }
type binExpr struct {
	op   byte
	l, r expr
}

func (e numExpr) sql(func(string) string) string     { return e.text }
func (e refExpr) sql(ref func(string) string) string { return ref(e.name) }
func (e negExpr) sql(ref func(string) string) string { return "(-" + e.x.sql(ref) + ")" }
func (e binExpr) sql(ref func(string) string) string {
	if e.op == '/' {
		return "(" + e.l.sql(ref) + " / NULLIF(" + e.r.sql(ref) + ", 0))"
	}
	return "(" + e.l.sql(ref) + " " + string(e.op) + " " + e.r.sql(ref) + ")"
}

func (numExpr) collect(*[]string)          {}
func (e refExpr) collect(out *[]string)    { *out = append(*out, e.name) }
func (e negExpr) collect(out *[]string)    { e.x.collect(out) }
func (e binExpr) collect(out *[]string)    { e.l.collect(out); e.r.collect(out) }
func refsOf(e expr) (out []string)         { e.collect(&out); return out }
func (p *exprParser) peek() (string, bool) { return p.tok(false) }

type parsedExpr struct{ expr }

func (e parsedExpr) refs() []string { return refsOf(e.expr) }

type exprParser struct {
	src string
	pos int
}

func parseExpr(s string) (parsedExpr, error) {
	p := &exprParser{src: s}
	e, err := p.sum()
	if err != nil {
		return parsedExpr{}, err
	}
	if t, ok := p.peek(); ok {
		return parsedExpr{}, fmt.Errorf("unexpected %q at position %d", t, p.pos+1)
	}
	return parsedExpr{e}, nil
}

// tok returns the next token, consuming it when consume is true.
func (p *exprParser) tok(consume bool) (string, bool) {
	for p.pos < len(p.src) && p.src[p.pos] == ' ' {
		p.pos++
	}
	if p.pos >= len(p.src) {
		return "", false
	}
	start, end := p.pos, p.pos
	c := rune(p.src[start])
	switch {
	case strings.ContainsRune("+-*/()", c):
		end = start + 1
	case c == '_' || unicode.IsLetter(c):
		for end < len(p.src) && (p.src[end] == '_' || unicode.IsLetter(rune(p.src[end])) || unicode.IsDigit(rune(p.src[end]))) {
			end++
		}
	case unicode.IsDigit(c) || c == '.':
		for end < len(p.src) && (unicode.IsDigit(rune(p.src[end])) || p.src[end] == '.') {
			end++
		}
	default:
		return string(c), true
	}
	if consume {
		p.pos = end
	}
	return p.src[start:end], true
}

func (p *exprParser) sum() (expr, error) {
	l, err := p.product()
	if err != nil {
		return nil, err
	}
	for {
		t, _ := p.peek()
		if t != "+" && t != "-" {
			return l, nil
		}
		p.tok(true)
		r, err := p.product()
		if err != nil {
			return nil, err
		}
		l = binExpr{op: t[0], l: l, r: r}
	}
}

func (p *exprParser) product() (expr, error) {
	l, err := p.unary()
	if err != nil {
		return nil, err
	}
	for {
		t, _ := p.peek()
		if t != "*" && t != "/" {
			return l, nil
		}
		p.tok(true)
		r, err := p.unary()
		if err != nil {
			return nil, err
		}
		l = binExpr{op: t[0], l: l, r: r}
	}
}

func (p *exprParser) unary() (expr, error) {
	t, ok := p.tok(true)
	if !ok {
		return nil, fmt.Errorf("unexpected end of expression")
	}
	switch {
	case t == "-":
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return negExpr{x}, nil
	case t == "(":
		x, err := p.sum()
		if err != nil {
			return nil, err
		}
		if c, _ := p.tok(true); c != ")" {
			return nil, fmt.Errorf("missing ')'")
		}
		return x, nil
	case identRE.MatchString(t):
		return refExpr{t}, nil
	default:
		if _, err := strconv.ParseFloat(t, 64); err == nil {
			return numExpr{t}, nil
		}
		return nil, fmt.Errorf("unexpected %q", t)
	}
}
