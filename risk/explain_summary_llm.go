package risk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// LLMRewriter rewrites summaries through any OpenAI-compatible
// chat-completions server, configured as the ChatBI planner is
// (OPENAI_API_KEY, OPENAI_BASE_URL, BEACON_LLM_MODEL). It is a few lines
// of its own rather than the planner's client because risk does not
// depend on the question planner, and it asks for prose, not a tool call.
type LLMRewriter struct {
	APIKey  string
	BaseURL string // empty means OpenAI's
	Model   string
	Timeout time.Duration
	// Client carries the calls (default: a client with Timeout).
	Client *http.Client
}

// maxRewriteReply caps the reply read from the model server.
const maxRewriteReply = 64 << 10

// Rewrite asks the model to rewrite text in lang, keeping its numbers.
func (l *LLMRewriter) Rewrite(ctx context.Context, lang, text string) (string, error) {
	base, model := l.BaseURL, l.Model
	if base == "" {
		base = "https://api.openai.com/v1"
	}
	if model == "" {
		model = "gpt-4o-mini"
	}
	client := l.Client
	if client == nil {
		timeout := l.Timeout
		if timeout <= 0 {
			timeout = 20 * time.Second
		}
		client = &http.Client{Timeout: timeout}
	}
	language := map[string]string{"zh": "Chinese", "en": "English"}[lang]
	body, err := json.Marshal(map[string]any{
		"model": model, "temperature": 0, "max_tokens": 800,
		"messages": []map[string]string{
			{"role": "system", "content": "You edit a bank's weekly retention summary for executives. Rewrite it in " + language +
				" as short, clear prose. Use only the numbers in the text, written exactly as they are; add no number, estimate, percentage or date of your own. Reply with the rewritten text only."},
			{"role": "user", "content": text},
		},
	})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(base, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+l.APIKey)
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("llm: %w", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxRewriteReply+1))
	if err != nil {
		return "", fmt.Errorf("llm: read the reply: %w", err)
	}
	switch {
	case resp.StatusCode != http.StatusOK:
		return "", fmt.Errorf("llm: the model server answered %s", resp.Status)
	case len(data) > maxRewriteReply:
		return "", fmt.Errorf("llm: the reply is larger than %d bytes", maxRewriteReply)
	}
	var cr struct {
		Choices []struct {
			Message struct {
				Content string `json:"content"`
			} `json:"message"`
		} `json:"choices"`
	}
	if err := json.Unmarshal(data, &cr); err != nil || len(cr.Choices) == 0 {
		return "", errors.New("llm: the reply is not a chat completion")
	}
	out := strings.TrimSpace(cr.Choices[0].Message.Content)
	if out == "" || !utf8.ValidString(out) || utf8.RuneCountInString(out) > 4*utf8.RuneCountInString(text)+200 {
		return "", errors.New("llm: the reply is empty, not text, or far longer than the summary")
	}
	return out, nil
}

var (
	// digitsRE finds numbers: digits with thousands commas and a fraction.
	digitsRE = regexp.MustCompile(`\d[\d,]*(?:\.\d+)?`)
	// hanNumeralRE finds numbers written in Chinese characters (万 and 亿
	// alone are units after digits, so they are not counted).
	hanNumeralRE = regexp.MustCompile(`[零〇一二两三四五六七八九十百千]+`)
	// numberWordRE finds numbers written as English words.
	numberWordRE = regexp.MustCompile(`(?i)\b(zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|half|halve[sd]?|halving|twice|doubl\w*|tripl\w*|thrice|quarters?|thirds?)\b`)
)

// CheckNumbers reports the first number in text that is not one of
// source's: digits are compared by value (0.6 and 0.60 are the same), and
// numbers written in Chinese characters or English words must appear in
// source as they are. A rewrite that passes states no figure the offline
// text did not compute.
func CheckNumbers(text, source string) error {
	text, source = asciiDigits(text), asciiDigits(source)
	allowed := map[float64]bool{}
	for _, m := range digitsRE.FindAllString(source, -1) {
		if v, ok := parseNumber(m); ok {
			allowed[v] = true
		}
	}
	for _, m := range digitsRE.FindAllString(text, -1) {
		v, ok := parseNumber(m)
		if !ok || !allowed[v] {
			return fmt.Errorf("the rewrite states %s, which is not one of the computed figures", m)
		}
	}
	for _, m := range hanNumeralRE.FindAllString(text, -1) {
		if !strings.Contains(source, m) {
			return fmt.Errorf("the rewrite states %s, which is not one of the computed figures", m)
		}
	}
	lower := strings.ToLower(source)
	for _, m := range numberWordRE.FindAllString(text, -1) {
		if !regexp.MustCompile(`\b` + regexp.QuoteMeta(strings.ToLower(m)) + `\b`).MatchString(lower) {
			return fmt.Errorf("the rewrite states %q, which is not one of the computed figures", m)
		}
	}
	return nil
}

// parseNumber reads a number found by digitsRE, without its commas.
func parseNumber(s string) (float64, bool) {
	v, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
	return v, err == nil && !math.IsInf(v, 0)
}

// asciiDigits turns full-width digits and points into ASCII ones, so
// that ６０％ is checked like 60%.
func asciiDigits(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '０' && r <= '９':
			return '0' + (r - '０')
		case r == '．':
			return '.'
		}
		return r
	}, s)
}
