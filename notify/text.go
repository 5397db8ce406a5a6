package notify

import (
	"strings"
	"time"
	"unicode/utf8"
)

// Ellipsis ends a text that was cut.
const Ellipsis = "…"

// Clip returns s if it fits in max bytes; otherwise it cuts s at the last
// line break that keeps at least half of the room, or else at the last whole
// UTF-8 character, and appends an ellipsis, the whole within max bytes.
func Clip(s string, max int) string {
	if len(s) <= max {
		return s
	}
	room := max - len(Ellipsis)
	if room <= 0 {
		return ""
	}
	cut := room
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	if nl := strings.LastIndexByte(s[:cut], '\n'); nl >= room/2 {
		return s[:nl+1] + Ellipsis
	}
	return s[:cut] + Ellipsis
}

// View is what the channel templates see: the message and the words around
// it in the message's language.
type View struct {
	Message
	KindLabel string // 告警 / Firing
	LinkText  string // 查看完整报告 / Open the full report
	ChartText string // 查看图表 / View the chart
	TimeText  string // 2026-11-30 09:00 CST
}

// View returns the message as its templates see it.
func (m Message) View() View {
	return View{
		Message:   m,
		KindLabel: m.KindLabel(),
		LinkText:  pick(m.Lang, "查看完整报告", "Open the full report"),
		ChartText: pick(m.Lang, "查看图表", "View the chart"),
		TimeText:  m.TimeText(),
	}
}

// Zh says whether the message is in Chinese (the default).
func (m Message) Zh() bool { return m.Lang != "en" }

// KindLabel names the kind of message in its language.
func (m Message) KindLabel() string {
	if m.KindText != "" {
		return m.KindText
	}
	switch m.Kind {
	case KindFiring:
		return pick(m.Lang, "告警", "Firing")
	case KindResolved:
		return pick(m.Lang, "恢复", "Resolved")
	case KindReport:
		return pick(m.Lang, "报告", "Report")
	case KindTest:
		return pick(m.Lang, "测试", "Test")
	}
	return string(m.Kind)
}

// Subject is the one-line heading: the kind in brackets and the title.
func (m Message) Subject() string {
	if m.Zh() {
		return "【" + m.KindLabel() + "】" + m.Title
	}
	return "[" + m.KindLabel() + "] " + m.Title
}

// LocalAt is At in TimeZone (At itself when TimeZone is empty or unknown).
func (m Message) LocalAt() time.Time {
	if m.TimeZone != "" {
		if loc, err := time.LoadLocation(m.TimeZone); err == nil {
			return m.At.In(loc)
		}
	}
	return m.At
}

// TimeText formats At in TimeZone, named so that no reader takes it for
// another zone (an abbreviation such as CST is China's and America's):
// "2026-11-29 23:17 Asia/Shanghai (UTC+08:00)", or "… UTC". Empty when At
// is zero.
func (m Message) TimeText() string {
	if m.At.IsZero() {
		return ""
	}
	t := m.LocalAt()
	name := t.Location().String()
	switch name {
	case "UTC":
		return t.Format("2006-01-02 15:04") + " UTC"
	case "", "Local":
		return t.Format("2006-01-02 15:04 UTC-07:00")
	}
	return t.Format("2006-01-02 15:04") + " " + name + t.Format(" (UTC-07:00)")
}

// Arrow draws the trend: ↑, ↓ or nothing.
func (f Figure) Arrow() string {
	switch {
	case f.Trend > 0:
		return "↑"
	case f.Trend < 0:
		return "↓"
	}
	return ""
}

// Text is the figure in one line: "流失率 0.82% ↑ 环比 +0.12 个百分点".
func (f Figure) Text() string {
	parts := []string{f.Label, f.Value}
	if a := f.Arrow(); a != "" {
		parts = append(parts, a)
	}
	if f.Change != "" {
		parts = append(parts, f.Change)
	}
	return strings.Join(parts, " ")
}

// HasImageURL says whether the chart can be shown by link.
func (m Message) HasImageURL() bool { return m.Image != nil && m.Image.URL != "" }

// HasPNG says whether the chart's bytes are there.
func (m Message) HasPNG() bool { return m.Image != nil && len(m.Image.PNG) > 0 }

func pick(lang, zh, en string) string {
	if lang == "en" {
		return en
	}
	return zh
}

// Fit renders msg and, when the result is over max bytes, renders it again
// with its body lines cut to what room the rest leaves, so that the
// heading, the figures, the link and the time survive and only the body
// loses its end. A render still too long is clipped as a whole.
func Fit(msg Message, max int, render func(Message) (string, error)) (string, error) {
	text, err := render(msg)
	if err != nil || len(text) <= max {
		return text, err
	}
	bare := msg
	bare.Lines = nil
	base, err := render(bare)
	if err != nil {
		return "", err
	}
	body := strings.Join(msg.Lines, "\n")
	// One byte for the line break that a line adds in any template.
	if room := max - len(base) - 1; room > len(Ellipsis) {
		bare.Lines = []string{Clip(body, room)}
	}
	text, err = render(bare)
	return Clip(text, max), err
}
