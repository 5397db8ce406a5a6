package queries

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
)

// conversations keeps each caller's previous answered turn, per
// conversation, for follow-ups. The memory is bounded in all and per
// caller: without the second bound, one caller starting conversation
// after conversation pushed every other caller's out of the shared LRU.
type conversations struct {
	lru *expirable.LRU[string, Turn]

	mu        sync.Mutex
	perCaller int
	byCaller  map[string]*list.List // subject -> its keys, oldest first
	elems     map[string]*list.Element
}

func newConversations(total, perCaller int, ttl time.Duration) *conversations {
	c := &conversations{perCaller: perCaller, byCaller: map[string]*list.List{}, elems: map[string]*list.Element{}}
	// The LRU calls forget with its own lock held: forget takes only c.mu,
	// and nothing calls the LRU while holding c.mu.
	c.lru = expirable.NewLRU[string, Turn](total, func(key string, _ Turn) { c.forget(key) }, ttl)
	return c
}

// convKey joins a caller and a conversation id; ids hold no NUL, so the
// last NUL separates them.
func convKey(subject, id string) string { return subject + "\x00" + id }

func callerOf(key string) string { return key[:strings.LastIndexByte(key, 0)] }

func (c *conversations) get(key string) (Turn, bool) { return c.lru.Get(key) }

// add keeps turn as the conversation's latest; when its caller then holds
// more than perCaller conversations, their oldest is forgotten.
func (c *conversations) add(key string, turn Turn) {
	c.lru.Add(key, turn)
	c.mu.Lock()
	var oldest string
	if _, ok := c.elems[key]; !ok {
		caller := callerOf(key)
		l := c.byCaller[caller]
		if l == nil {
			l = list.New()
			c.byCaller[caller] = l
		}
		c.elems[key] = l.PushBack(key)
		if l.Len() > c.perCaller {
			oldest = l.Front().Value.(string)
		}
	}
	c.mu.Unlock()
	if oldest != "" {
		c.lru.Remove(oldest)
		// Remove calls forget only for a key it still held; one that had
		// just expired must leave the caller's list too.
		c.forget(oldest)
	}
}

// forget drops a key the LRU no longer holds (evicted, expired or removed).
func (c *conversations) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.elems[key]
	if !ok {
		return
	}
	delete(c.elems, key)
	caller := callerOf(key)
	if l := c.byCaller[caller]; l != nil {
		l.Remove(e)
		if l.Len() == 0 {
			delete(c.byCaller, caller)
		}
	}
}
