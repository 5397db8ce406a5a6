// Package models embeds the demo bank's semantic model, so that the binary
// serves governed metrics with no files beside it.
package models

import _ "embed"

// DemoBank is the semantic model of the generated demo bank.
//
//go:embed demo_bank.yaml
var DemoBank []byte

// DemoBankFile is the name DemoBank is reported under in errors.
const DemoBankFile = "models/demo_bank.yaml"
