package main

import (
	"os"

	"github.com/beaconbi/beacon/risk"
)

// summaryRewriter is the LLM that may rewrite the weekly retention
// summary, configured like the ChatBI planner; nil without OPENAI_API_KEY.
func summaryRewriter() risk.Rewriter {
	key := os.Getenv("OPENAI_API_KEY")
	if key == "" {
		return nil
	}
	return &risk.LLMRewriter{APIKey: key, BaseURL: os.Getenv("OPENAI_BASE_URL"), Model: os.Getenv("BEACON_LLM_MODEL")}
}
