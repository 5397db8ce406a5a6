package server

import (
	"context"
	"fmt"
	"strings"

	"github.com/beaconbi/beacon"
	"github.com/beaconbi/beacon/alerts"
)

// A caller with a row scope keeps its rules' and subscriptions' ids in
// its own namespace (alerts.Namespace): it writes and reads "r1", the
// store keeps "o1a2b3c4d-r1", and another owner's "r1" neither collides
// with it nor answers for it. Callers without a row scope see every rule
// by its stored id.

// selfOwner is p as an owner.
func selfOwner(p *Principal) alerts.Owner {
	return alerts.Owner{Subject: p.Subject, Scope: p.Scope}
}

// shownID is the id p is shown for a stored id: its own namespace left out.
func shownID(p *Principal, id string) string {
	if p.Scope == nil {
		return id
	}
	return strings.TrimPrefix(id, alerts.Namespace(selfOwner(p)))
}

// storedIDs are the stored ids an id p writes may name, its own namespace
// first, then as written (a rule from an alerts file, or one saved before
// namespaces).
func storedIDs(p *Principal, id string) []string {
	if p.Scope == nil {
		return []string{id}
	}
	return []string{alerts.Namespace(selfOwner(p)) + id, id}
}

// namespaced puts a new rule's or subscription's id in its owner's
// namespace, checking it as the caller wrote it.
func namespaced(owner alerts.Owner, id *string) error {
	ns := alerts.Namespace(owner)
	if ns == "" {
		return nil
	}
	if err := alerts.CheckID(*id); err != nil {
		return err
	}
	*id = ns + *id
	return nil
}

// findVisible returns the first of p's stored ids for id that get finds
// and p may see, or ENOTFOUND naming what. A caller without a row scope
// may also name a scoped owner's rule by its id without the namespace
// when one owner alone has that id (several: ECONFLICT, naming the
// stored ids to use).
func findVisible[T any](ctx context.Context, p *Principal, id, what string, get func(context.Context, string) (T, error),
	list func(context.Context) ([]T, error), owner func(T) alerts.Owner, idOf func(T) string) (T, error) {
	var zero T
	for _, sid := range storedIDs(p, id) {
		x, err := get(ctx, sid)
		if err != nil {
			if beacon.ErrorCode(err) == beacon.ENOTFOUND {
				continue
			}
			return zero, err
		}
		if sees(p, owner(x)) {
			return x, nil
		}
	}
	notFound := beacon.Errorf(beacon.ENOTFOUND, "no %s with id %q", what, clipParam(id))
	if p.Scope != nil {
		return zero, notFound
	}
	all, err := list(ctx)
	if err != nil {
		return zero, err
	}
	var found []T
	var ids []string
	for _, x := range all {
		if idOf(x) != id && alerts.PlainID(idOf(x)) == id {
			found, ids = append(found, x), append(ids, idOf(x))
		}
	}
	switch len(found) {
	case 0:
		return zero, notFound
	case 1:
		return found[0], nil
	}
	return zero, &beacon.Error{Code: beacon.ECONFLICT, Field: "id",
		Message: fmt.Sprintf("several owners have a %s %q; name one by its stored id: %s", what, clipParam(id), strings.Join(ids, ", "))}
}

// shownRule is r as p is shown it.
func shownRule(p *Principal, r *alerts.Rule) *alerts.Rule {
	c := *r
	c.ID = shownID(p, r.ID)
	return &c
}

// shownSubscription is s as p is shown it.
func shownSubscription(p *Principal, s *alerts.Subscription) *alerts.Subscription {
	c := *s
	c.ID = shownID(p, s.ID)
	return &c
}

// showDeliveries writes the rule ids of a delivery log as p is shown them.
func showDeliveries(p *Principal, ds []alerts.Delivery) {
	for i := range ds {
		ds[i].Rule = shownID(p, ds[i].Rule)
	}
}
