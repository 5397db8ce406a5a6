package alerts

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
)

// Ids of rules and subscriptions owned by an owner with a row scope (a
// branch head) are kept in that owner's namespace: stored as
// Namespace(owner)+id, shown to the owner as id. Two branch heads may
// then both call a rule "churn-weekly", and trying an id tells a scoped
// caller nothing about another owner's rules. Owners without a row scope
// (who see every rule) and the alerts files keep plain ids, one namespace
// for the bank.

// nsRE is a namespace prefix: "o", eight hex digits of the owner, "-".
var nsRE = regexp.MustCompile(`^o[0-9a-f]{8}-`)

// Namespace is the prefix of the stored ids of o's rules and
// subscriptions made over the API: "" for an owner without a row scope.
func Namespace(o Owner) string {
	if o.Scope == nil {
		return ""
	}
	sum := sha256.Sum256([]byte(o.Subject))
	return "o" + hex.EncodeToString(sum[:4]) + "-"
}

// validID reports whether id is a rule or subscription id, plain or in
// an owner's namespace.
func validID(id string) bool {
	if loc := nsRE.FindStringIndex(id); loc != nil {
		id = id[loc[1]:]
	}
	return idRE.MatchString(id)
}

// CheckID checks an id as a caller writes it, before it is put in its
// owner's namespace.
func CheckID(id string) error {
	if !idRE.MatchString(id) {
		return invalidf("id", "id %q must be 1 to 64 lower-case letters, digits, - or _, starting with a letter or digit", clip(id))
	}
	return nil
}

// PlainID is an id without its owner's namespace.
func PlainID(id string) string {
	if loc := nsRE.FindStringIndex(id); loc != nil {
		return id[loc[1]:]
	}
	return id
}
