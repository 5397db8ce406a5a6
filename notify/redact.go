package notify

import (
	"net/url"
	"strings"
)

// Masked stands for a secret in redacted output.
const Masked = "***"

// Mask returns Masked for a set secret and "" for an empty one, so that a
// redacted configuration still says whether the secret is there.
func Mask(secret string) string {
	if secret == "" {
		return ""
	}
	return Masked
}

// RedactURL hides what in a webhook URL works as a password: every query
// value (DingTalk's access_token, WeCom's key), the user's password, and
// any path segment long enough to be a token (Slack's and Feishu's hooks).
// Scheme, host and the short path segments stay, so a reader can still tell
// which provider and which endpoint.
func RedactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Masked
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	segs := strings.Split(u.Path, "/")
	for i, s := range segs {
		if len(s) >= 16 {
			segs[i] = Masked
		}
	}
	u.Path = strings.Join(segs, "/")
	u.RawPath = ""
	q := u.Query()
	for k := range q {
		q[k] = []string{Masked}
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	// Encoding escapes the asterisks; they read better as they are.
	return strings.ReplaceAll(u.String(), "%2A", "*")
}
